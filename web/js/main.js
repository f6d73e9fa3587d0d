// The page's controller: loads the WebAssembly core, keeps one lab, turns clicks, keys and the
// URL fragment into calls on it, and re-renders from its view data. No TLS logic lives here.

import { createDiagram } from './diagram.js';
import { byId, fill, h, noteRender, setText, spacedHex, whenIdle } from './dom.js';
import { markFlightByte, unmarkFlight } from './flight.js';
import { formatFragment, parseFragment, problemNotice } from './fragment.js';
import { renderHttp } from './http.js';
import { renderKeySchedule } from './keys.js';
import { mountMeasure } from './measure.js';
import {
  renderBytes, renderChapter, renderFacts, renderNarration, renderOptions, renderPki, renderProgress, renderRecords,
  renderState, renderStatus,
} from './render.js';
import { makeRsaKey } from './serverkey.js';
import { renderComparison, renderCosts, renderFunctions, renderSessionTable } from './tables.js';
import { copyText, describeChange, download, renderChanges } from './tools.js';
import { renderWrapping } from './wrapping.js';

const TABS = ['session', 'keys', 'wrapping'];
const DEFAULT_CHAPTER = 'whole-session';
/** Auto-advance pace: long enough to read a step's first lines. */
const PLAY_INTERVAL_MS = 2500;
/** How long the address may lag behind the page while the learner moves quickly. */
const FRAGMENT_DELAY_MS = 150;

const page = {
  core: null,
  lab: null,
  catalogue: null,
  options: null,
  chapter: DEFAULT_CHAPTER,
  /** The learner's edit of the GET /dashboard request ({ path, headers } as typed), or null. */
  request: null,
  instance: 0,
  // Bumped for every new run (new options, chapter, Reset, a change), so cached parts redraw.
  run: 0,
  /** The full view of the current run, as read when it was made: { run, view }. */
  runView: null,
  editorRequest: undefined,
  tab: 'session',
  // The eavesdropper's view first: the learner sees what the network sees, then opens it.
  lens: 'wire',
  which: 'request',
  /** What each part was last drawn for (see drawOnChange). */
  drawn: { keys: null, wrapping: null, chapter: null, functions: null, costs: null, diagram: null },
  /** The byte the learner selected in the current flight: { run, step, offset, value }. */
  selection: null,
  playTimer: null,
  /** What to restore after a crash: the last state shown. */
  last: null,
  recovering: false,
  fragment: null,
  fragmentTimer: null,
  /** The address's fragment when the page last read or wrote it. */
  addressHash: null,
  diagram: null,
};

/** Loads (or, after a crash, re-loads as a fresh instance) the wasm-bindgen module. */
async function loadCore() {
  page.instance += 1;
  const url = new URL('../sessionlab.js', import.meta.url);
  if (page.instance > 1) url.searchParams.set('instance', String(page.instance));
  const core = await import(url.href);
  await core.default({ module_or_path: new URL('../sessionlab_bg.wasm', import.meta.url) });
  page.core = core;
  page.catalogue = core.Lab.catalogue();
}

/** Lets the browser paint before a long computation (an RSA key takes seconds). */
function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function message(error) {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Notices

function showNotice(text) {
  const notice = byId('notice');
  if (!text) {
    notice.hidden = true;
    byId('notice-text').textContent = '';
    return;
  }
  byId('notice-text').textContent = text;
  notice.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Calling the core

/** Calls into the core. A panic kills the wasm instance: say so and start a fresh one. */
async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) {
      await recover(error);
      return undefined;
    }
    renderStatus('error', message(error));
    return undefined;
  }
}

/**
 * After a panic: a fresh instance of the module, and the last state rebuilt on it — with the
 * learner's changes if they replay, without them if they crash it again.
 */
async function recover(error) {
  stopPlay();
  page.lab = null;
  if (page.recovering) throw error;
  page.recovering = true;
  renderStatus('error', `The lab crashed (${error.message}); this is a bug. Restarting it…`);
  const last = page.last ?? defaultTarget();
  const attempts = [last, { ...last, changes: [], request: null }, defaultTarget()];
  try {
    for (const [i, target] of attempts.entries()) {
      try {
        await loadCore();
        const notes = [`The lab crashed (${error.message}) and was restarted`];
        if (i === 1) notes.push('without your flipped bytes, clock jumps and request edit, which crashed it again');
        if (i === 2) notes.push('with the default settings');
        await open(target, [`${notes.join(' ')}.`]);
        return;
      } catch (again) {
        if (!(again instanceof WebAssembly.RuntimeError)) throw again;
        page.lab = null;
      }
    }
    renderStatus('error', 'The lab keeps crashing; reload the page.');
  } finally {
    page.recovering = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Options, chapters and targets (what to open)

function optionsFor(version, suite, group, cert) {
  const base = page.core.Lab.optionsForVersion(version);
  return {
    ...base,
    clientSuites: suite === 'all' ? base.clientSuites : [suite],
    clientGroups: group === 'all' ? base.clientGroups : [group],
    certKey: cert ?? base.certKey,
  };
}

function defaultTarget() {
  return {
    options: page.core.Lab.defaultOptions(),
    chapter: DEFAULT_CHAPTER,
    request: null,
    changes: [],
    step: null,
    tab: page.tab,
  };
}

function chapterInfo(id) {
  return page.catalogue.chapters.find((c) => c.id === id);
}

function versionLabel(key) {
  return page.catalogue.versions.find((v) => v.key === key)?.label ?? key;
}

/** The options the menus describe. */
function optionsFromForm() {
  const version = byId('opt-version').value;
  const suite = version === page.options.version ? byId('opt-suite').value : 'all';
  return optionsFor(version, suite, byId('opt-group').value, byId('opt-cert').value);
}

/** The step a clock change follows (the view data names the field `after_step`; a fragment `afterStep`). */
function afterStep(change) {
  return change.afterStep ?? change.after_step;
}

function headersText(request) {
  return (request?.headers ?? []).map(([name, value]) => `${name}: ${value}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Making runs

/** Adopts `lab` as the page's lab. */
function install(lab, options, chapter) {
  if (page.lab && page.lab !== lab) page.lab.free();
  page.lab = lab;
  page.options = options;
  page.chapter = chapter;
}

/** The run changed (new lab, chapter, Reset, a change): the parts drawn once per run redraw. */
function newRun() {
  page.run += 1;
  page.selection = null;
}

/** Replays the learner's changes, in order, on the current lab; returns the problems. */
function applyChanges(changes) {
  const problems = [];
  for (const change of changes) {
    try {
      if (change.kind === 'tamper') {
        page.lab.tamper(change.step, change.offset);
      } else {
        page.lab.seek(afterStep(change));
        page.lab.advanceClock(change.seconds);
      }
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) throw error;
      problems.push(`${describeChange(change)} could not be made again (${message(error)})`);
    }
  }
  return problems;
}

/**
 * Opens `target` ({ options, chapter, request, changes, step, tab }): a new lab (new
 * certificates) unless the options are the current lab's. Whatever cannot be honoured falls
 * back to the default and is said in the notice, with `notes` before it.
 */
async function open(target, notes = []) {
  stopPlay();
  const notices = [...notes];
  const reuse = page.lab && JSON.stringify(page.options) === JSON.stringify(target.options);
  if (!reuse) {
    const rsa = target.options.certKey === 'rsa-2048';
    renderStatus('loading', rsa
      ? 'Generating an RSA-2048 key in your browser…'
      : 'Making certificates and running the session…');
    // Show the message before the work blocks the page; the first lab (a tenth of a second,
    // unless it makes an RSA key) needs no message beyond the page's own "Loading the lab…".
    if (page.lab || rsa) await nextPaint();
  }
  let chapter = target.chapter ?? DEFAULT_CHAPTER;
  if (!chapterInfo(chapter)?.versions.includes(target.options.version)) {
    notices.push(`The chapter “${chapterInfo(chapter)?.title ?? chapter}” does not apply to ${versionLabel(target.options.version)}; showing “${chapterInfo(DEFAULT_CHAPTER).title}”.`);
    chapter = DEFAULT_CHAPTER;
  }
  let options = target.options;
  try {
    if (reuse) {
      if (chapter !== page.chapter) {
        page.lab.setChapter(chapter);
        page.chapter = chapter;
      } else if (page.lab.view().interventions.length > 0 || (target.changes ?? []).length > 0) {
        page.lab.reset();
      }
    } else {
      const started = performance.now();
      const rsaKey = options.certKey === 'rsa-2048'
        ? await makeRsaKey().catch((error) => {
          notices.push(`No RSA-2048 key could be made (${message(error)}).`);
          return null;
        })
        : null;
      let lab;
      try {
        lab = new page.core.Lab(options, chapter, rsaKey?.pkcs8);
      } catch (error) {
        if (error instanceof WebAssembly.RuntimeError) throw error;
        notices.push(`The lab cannot run with these settings (${message(error)}); showing the defaults.`);
        options = page.core.Lab.defaultOptions();
        chapter = DEFAULT_CHAPTER;
        lab = new page.core.Lab(options, chapter);
      }
      install(lab, options, chapter);
      let keyNote = '';
      if (rsaKey && options.certKey === 'rsa-2048') {
        keyNote = rsaKey.by === 'WebCrypto'
          ? ` (the server's RSA-2048 key by the browser's WebCrypto, in ${rsaKey.ms.toFixed(0)} ms)`
          : ` (the server's RSA-2048 key generated in wasm, in ${rsaKey.ms.toFixed(0)} ms: this page has no WebCrypto, which browsers keep for https and localhost)`;
      }
      byId('pki-note').textContent =
        `Certificates made and the chapter run in ${(performance.now() - started).toFixed(0)} ms in this browser${keyNote}.`;
    }

    const request = target.request ?? null;
    const current = page.lab.view().request;
    const wanted = request ? { path: request.path, headers: request.headers } : null;
    const have = current ? { path: current.path, headers: headersText(current) } : null;
    if (JSON.stringify(wanted) !== JSON.stringify(have)) {
      try {
        page.lab.setRequest(request?.path ?? '', request?.headers ?? '');
        page.request = request;
      } catch (error) {
        if (error instanceof WebAssembly.RuntimeError) throw error;
        notices.push(`The edited request could not be used (${message(error)}); the chapter's own request is sent.`);
        page.lab.setRequest('', '');
        page.request = null;
      }
    } else {
      page.request = wanted;
    }
    notices.push(...applyChanges(target.changes ?? []));

    const total = page.lab.total();
    if (target.step !== null && target.step !== undefined) {
      if (target.step >= 0 && target.step < total) page.lab.seek(target.step);
      else {
        notices.push(`There is no step ${target.step + 1} in “${chapterInfo(chapter).title}” (it has ${total}); showing step 1.`);
        page.lab.seek(0);
      }
    } else if (!(target.changes ?? []).length) {
      page.lab.seek(0);
    }
    newRun();
    renderOptions(page.catalogue, page.options, page.chapter);
    if (target.tab && target.tab !== page.tab) selectTab(target.tab, { render: false });
    sightUndecided();
    render();
    document.documentElement.dataset.started = '';
    renderStatus('ready', 'Ready');
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error;
    notices.push(message(error));
    renderStatus('error', message(error));
  }
  showNotice(notices.length > 0 ? notices.join(' ') : null);
}

/** The target a fragment asks for, and the notice for what it got wrong. */
function targetFromFragment(hash) {
  const { state, problems, empty } = parseFragment(hash, page.catalogue);
  const version = state.version ?? page.core.Lab.defaultOptions().version;
  const target = {
    options: optionsFor(version, state.suite, state.group, state.cert),
    chapter: state.chapter ?? DEFAULT_CHAPTER,
    request: state.request,
    changes: state.changes,
    step: state.step === null ? null : state.step - 1,
    tab: state.tab,
  };
  const notice = problemNotice(problems, 'The rest uses the defaults.');
  return { target, notice, empty };
}

// ---------------------------------------------------------------------------------------------
// Rendering

function seek(index) {
  return guarded(() => {
    page.lab.seek(index);
    render();
  });
}

/** Draws the key-schedule panel if it is showing and what it shows changed. */
function renderKeysPanel(view) {
  if (page.tab !== 'keys') return;
  drawOnChange('keys', `${page.run}:${view.current?.connection}`, () =>
    renderKeySchedule(byId('key-schedule'), view));
}

/** Draws the wrapping panel if it is showing and what it shows changed. */
function renderWrappingPanel(view) {
  if (page.tab !== 'wrapping') return;
  drawOnChange('wrapping', `${page.run}:${page.which}:${view.current?.connection}`, drawWrapping);
}

/** The wrapping of the chosen record, or why it could not be computed. */
function drawWrapping() {
  const container = byId('wrapping');
  byId('wrapping-request').textContent = 'a request';
  let wrapping;
  try {
    wrapping = page.lab.wrapping(page.which);
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error;
    fill(container, h('p', { class: 'open-error', role: 'alert' },
      h('strong', {}, 'The wrapping could not be computed: '),
      message(error)));
    return;
  }
  // The request this view follows, from the wire (GET /dashboard where the chapter sends it).
  const requestLine = wrapping?.requestLine?.split(' ').slice(0, 2).join(' ');
  if (requestLine) byId('wrapping-request').textContent = requestLine;
  renderWrapping(container, wrapping, {
    which: page.which,
    onSeek: (step) => {
      selectTab('session');
      seek(step);
    },
  });
}

/** The request editor: filled from the run when the run changes, never while the learner types. */
function renderRequestEditor(view) {
  const request = view.request;
  const count = view.dashboardRequests;
  const edited = request
    ? `GET ${request.path}${request.headers.length > 0 ? ` with ${request.headers.length} extra header line${request.headers.length === 1 ? '' : 's'}` : ''}`
    : null;
  const times = count === 1 ? 'once' : `${count} times`;
  let text;
  if (count === 0) {
    text = edited
      ? `This chapter never sends GET /dashboard, so your edit (${edited}) changes nothing here: it applies in the chapters that do.`
      : 'This chapter never sends GET /dashboard, so an edit would change nothing here: choose a chapter that does to try one.';
  } else {
    text = edited
      ? `Now sent instead of GET /dashboard (${times} in this run): ${edited}.`
      : `Now sent: the chapter's own GET /dashboard (${times} in this run).`;
  }
  setText(byId('request-current'), text);
  byId('request-current').dataset.applies = String(count > 0);
  byId('request-apply').disabled = count === 0;
  // Only when the request itself changed: a failed edit stays in the fields to be corrected.
  const key = JSON.stringify(request ?? null);
  if (page.editorRequest === key) return;
  page.editorRequest = key;
  byId('request-error').hidden = true;
  byId('request-path').value = request ? request.path : '/dashboard';
  byId('request-headers').value = headersText(request);
}

/** On a step that starts no scene, the scene it belongs to, quietly (it was read out when it began). */
function renderSceneContext(step) {
  const context = byId('scene-context');
  const scene = step.sceneNarration ? null : step.scene;
  context.hidden = !scene;
  fill(context, scene ? [h('span', { class: 'scene-context-label' }, `The scene since step ${scene.step + 1}: `), scene.text] : null);
}

/** The selected byte's marks and the byte tools' state. */
function renderSelection(step) {
  const selection = page.selection;
  const valid = selection && selection.run === page.run && selection.step === step?.index;
  if (!valid) page.selection = null;
  unmarkFlight('sel');
  const flip = byId('tamper-flip');
  const hasBytes = Boolean(step && step.hex.length > 0 && step.from !== 'lab');
  byId('copy-hex').disabled = !step || step.hex.length === 0;
  if (!valid) {
    flip.disabled = true;
    setText(byId('byte-selection'), hasBytes
      ? 'No byte selected: click a byte in the hex view below, or focus one with Tab and the arrow keys.'
      : 'This step carries no flight to change.');
    return;
  }
  markFlightByte(selection.offset, 'sel');
  flip.disabled = false;
  setText(byId('byte-selection'),
    `Selected: byte ${selection.offset} of this flight, 0x${selection.value}. Flipping it changes its lowest bit in transit; the receiver gets the rest unchanged.`);
}

function fragmentState(view) {
  const options = view.options;
  return {
    version: options.version,
    suite: options.clientSuites.length === 1 ? options.clientSuites[0] : 'all',
    group: options.clientGroups.length === 1 ? options.clientGroups[0] : 'all',
    cert: options.certKey,
    chapter: view.chapter.id,
    step: view.cursor + 1,
    tab: page.tab,
    request: page.request,
    changes: view.interventions,
  };
}

/**
 * Keeps the address describing what is shown. Writes are gathered (at most one every
 * FRAGMENT_DELAY_MS): browsers throttle, and warn about, a flood of history updates, which
 * holding an arrow key would otherwise cause. `<html data-fragment-pending>` is set meanwhile.
 */
function updateFragment(view) {
  page.fragment = formatFragment(fragmentState(view));
  if (page.fragmentTimer !== null) return;
  document.documentElement.dataset.fragmentPending = '';
  page.fragmentTimer = setTimeout(writeFragment, FRAGMENT_DELAY_MS);
}

function writeFragment() {
  page.fragmentTimer = null;
  delete document.documentElement.dataset.fragmentPending;
  // An address edited since the page last saw it has a hashchange on its way, and the edit
  // wins: writing now would put back the old address before the page reads the new one.
  if (window.location.hash.slice(1) !== page.addressHash) return;
  if (page.fragment !== null && page.addressHash !== page.fragment) {
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#${page.fragment}`);
    page.addressHash = page.fragment;
  }
}

/**
 * Runs `draw` unless `part` was last drawn with the same `key`: the parts that change with the
 * run, not with every step, are not rebuilt (and laid out again) on every step.
 */
function drawOnChange(part, key, draw) {
  if (page.drawn[part] === key) return;
  page.drawn[part] = key;
  draw();
}

/**
 * The view to render: the run's parts are read once per run, the step at the cursor on every
 * call (moving the cursor changes only that).
 */
function currentView() {
  if (page.runView?.run !== page.run) {
    page.runView = { run: page.run, view: page.lab.view() };
    return page.runView.view;
  }
  return { ...page.runView.view, ...page.lab.cursorView() };
}

// ---------------------------------------------------------------------------------------------
// Drawing later what nobody can see yet

/**
 * Draws put off by the last render: parts of the session panel that the browser was skipping
 * above the window (`content-visibility: auto`) when the step was drawn. They are drawn as soon
 * as the page is idle, or when one of those parts comes into view; `#panel-session[data-later]`
 * until then.
 */
let drawsLater = [];

/**
 * Whether the browser has decided which parts of the session panel it skips: not until it has
 * drawn a frame since the panel was shown or a run was opened (until then a part counts as
 * skipped even where it is in view).
 */
let sightDecided = false;
let sightFrames = 0;

/**
 * The session panel was shown or its content replaced: no part counts as skipped until the
 * browser has drawn a frame of it.
 */
function sightUndecided() {
  sightDecided = false;
  sightFrames += 1;
  const asked = sightFrames;
  requestAnimationFrame(() => requestAnimationFrame(() => {
    if (asked === sightFrames) sightDecided = true;
  }));
}

/**
 * Whether the browser is skipping the part holding `elements` (off screen, `content-visibility:
 * auto`). Asked of elements inside the part (the part itself is drawn, as an empty box, even
 * when its content is skipped); elements left out (`hidden`) cannot tell, and if all are, the
 * part is taken to be drawn; so is every part before the browser has decided.
 */
function skipped(...elements) {
  if (!sightDecided) return false;
  const telling = elements.filter((element) => !element.closest('[hidden]'));
  return telling.length > 0
    && telling.every((element) => !element.checkVisibility({ contentVisibilityAuto: true }));
}

/**
 * Whether `part`, skipped or not (`isSkipped`), can be drawn after the step: skipped, and above
 * the window, where what the step changes cannot bring it into view (the browser keeps what is
 * in view in place when content above it changes size); below the window, a part moves up
 * when what stands above it shrinks.
 */
function canWait(part, isSkipped) {
  return isSkipped && part.getBoundingClientRect().bottom <= 0;
}

/** Runs `draw` once the page is idle if `later`, otherwise now. */
function drawNowOrLater(later, draw) {
  if (later) drawsLater.push(draw);
  else draw();
}

/** A part of the session panel came into view: what was put off is drawn before it shows. */
function drawPutOffOnSight(event) {
  if (!event.skipped && drawsLater.length > 0) guarded(drawPutOff);
}

/** Draws what the last render put off. */
function drawPutOff() {
  const draws = drawsLater;
  drawsLater = [];
  delete byId('panel-session').dataset.later;
  for (const draw of draws) draw();
}

/** Asks for the draws put off to be made once the page is idle (once, however many renders ask). */
function scheduleDrawsLater() {
  if (drawsLater.length === 0 || byId('panel-session').dataset.later !== undefined) return;
  byId('panel-session').dataset.later = '';
  whenIdle(() => guarded(drawPutOff));
}

function render() {
  if (!page.lab) return;
  noteRender();
  // The browser skips the bytes section while it is off screen (content-visibility): then its
  // hex views and trees are drawn when it comes into view, not on every step. Asked before
  // anything changes, so that the answer needs no new style or layout.
  const bytesSkipped = skipped(byId('records-section'), byId('bytes-section'));
  const bytesTop = bytesSkipped ? undefined : byId('step-hex').getBoundingClientRect().top;
  // Likewise the parts redrawn on every step, when they are skipped above the window: they are
  // drawn once the page is idle, after the step's frame (a newer render replaces the draws an
  // older one put off).
  drawsLater = [];
  const panel = byId('panel-session');
  const narrationLater = canWait(panel.querySelector('.flight'), skipped(byId('step-title')));
  const recordsLater = canWait(byId('bytes'), bytesSkipped);
  const stateLater = canWait(panel.querySelector('.side .state'), skipped(byId('client-state')));
  const sessionLater = canWait(panel.querySelector('.session-block'), skipped(byId('session-table')));
  const view = currentView();
  const step = view.current;
  const run = page.run;
  renderProgress(view);
  drawOnChange('chapter', run, () => {
    renderChapter(view.chapter);
    renderFacts(view.facts);
    renderPki(view.pki);
    renderComparison(byId('comparison-block'), byId('version-comparison'), view.versionComparison);
    renderChanges(byId('interventions'), view.interventions, seek);
  });
  if (page.drawn.diagram !== run) {
    page.drawn.diagram = run;
    page.diagram.draw(view);
  } else {
    page.diagram.setCurrent(view.cursor);
  }
  // The session panel's per-step parts are drawn only while it shows; choosing its tab draws them.
  if (step && page.tab === 'session') {
    const { functions } = view;
    drawNowOrLater(narrationLater, () => {
      renderNarration(step, { functions });
      renderSceneContext(step);
      renderHttp(byId('http'), step);
    });
    drawNowOrLater(recordsLater, () => renderRecords(step, { lens: page.lens }));
    drawNowOrLater(stateLater, () => renderState(step));
    drawNowOrLater(sessionLater, () => renderSessionTable(byId('session-table'), step, { onSeek: seek }));
  }
  const here = view.functions.map((fn) => fn.step === view.cursor).join();
  drawOnChange('functions', `${run}:${here}`, () =>
    renderFunctions(byId('functions'), view.functions, { cursor: view.cursor, onSeek: seek }));
  drawOnChange('costs', `${run}:${step?.connection}`, () =>
    renderCosts(byId('costs'), view.costs, { connection: step?.connection }));
  byId('undo-changes').disabled = view.interventions.length === 0;
  renderRequestEditor(view);
  renderKeysPanel(view);
  renderWrappingPanel(view);
  // The flight's bytes after every other part of the page: drawing them reads where their
  // records land, which lays out what changed before (once, and the frame needs it anyway).
  if (step && page.tab === 'session') {
    renderBytes(step, {
      lens: page.lens,
      version: view.options.version,
      show: !bytesSkipped,
      topBefore: bytesTop,
    });
  }
  renderSelection(step);
  scheduleDrawsLater();
  updateFragment(view);
  page.last = {
    options: page.options,
    chapter: page.chapter,
    request: page.request,
    changes: view.interventions,
    step: view.cursor,
    tab: page.tab,
  };
}

// ---------------------------------------------------------------------------------------------
// Moving

function step(direction) {
  return guarded(() => {
    const moved = direction > 0 ? page.lab.next() : page.lab.back();
    if (moved) render();
    return moved;
  });
}

function stopPlay() {
  if (page.playTimer !== null) clearTimeout(page.playTimer);
  page.playTimer = null;
  const button = byId('play');
  button.setAttribute('aria-pressed', 'false');
  button.textContent = 'Play';
}

function schedulePlay() {
  page.playTimer = setTimeout(async () => {
    const moved = await step(1);
    if (moved && page.playTimer !== null) schedulePlay();
    else stopPlay();
  }, PLAY_INTERVAL_MS);
}

function togglePlay() {
  if (!page.lab) return;
  if (page.playTimer !== null) {
    stopPlay();
    return;
  }
  if (page.lab.cursor() + 1 >= page.lab.total()) seek(0);
  const button = byId('play');
  button.setAttribute('aria-pressed', 'true');
  button.textContent = 'Pause';
  schedulePlay();
}

/** Shows one of the views; `focus` moves the keyboard focus to its tab. */
function selectTab(name, { focus = false, render: redraw = true } = {}) {
  page.tab = name;
  for (const tab of TABS) {
    const button = byId(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    byId(`panel-${tab}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  if (name === 'session') sightUndecided();
  if (page.lab && redraw) guarded(render);
}

// ---------------------------------------------------------------------------------------------
// Tools

function toolResult(id, ...content) {
  fill(byId(id), content.flat(Infinity));
}

function jumpButton(index, label) {
  return h('button', { type: 'button', class: 'inline-link', onclick: () => seek(index) }, label ?? `go to step ${index + 1}`);
}

/** Runs `change` (a call that re-makes the run) and re-renders. */
function rerun(change) {
  stopPlay();
  return guarded(() => {
    change();
    newRun();
    render();
    return page.lab.view();
  });
}

async function flipSelectedByte() {
  const selection = page.selection;
  if (!selection) return;
  const view = await rerun(() => page.lab.tamper(selection.step, selection.offset));
  if (!view) return;
  const current = view.current;
  const later = view.steps.slice(selection.step + 1);
  const alert = later.find((s) => s.outcome === 'alertReceived');
  const outcome = current ? {
    delivered: 'the receiver still accepted the flight (the flipped bit was in a part it does not check, or one it reads as a different value)',
    rejected: `the receiver rejected it: ${current.outcome.error}`,
    alertReceived: `the receiver got a fatal alert: ${current.outcome.alert}`,
    truncated: `the transport was cut: ${current.outcome.error}`,
    event: 'nothing was delivered',
  }[current.outcome.kind] : '';
  toolResult('tamper-result',
    `You flipped byte ${selection.offset} of step ${selection.step + 1} in flight and the chapter ran again with it: ${outcome}. `,
    alert ? ['The fatal alert crosses at ', jumpButton(alert.index, `step ${alert.index + 1}: ${alert.title}`), '.'] : null);
}

async function advanceClock(seconds, label) {
  const before = page.lab.cursor();
  const view = await rerun(() => page.lab.advanceClock(seconds));
  if (!view) return;
  toolResult('tool-result', `The lab clock moved forward ${label} after step ${before + 1}, and the chapter ran again from there. You are at the clock's step, ${view.cursor + 1} of ${view.total}; step on to see what the time changed.`);
}

async function undoChanges() {
  const view = await rerun(() => page.lab.reset());
  if (view) toolResult('tool-result', 'Your flipped bytes and clock jumps are gone: the chapter ran again as written (with fresh keys).');
}

async function applyRequest(path, headers) {
  const errorBox = byId('request-error');
  errorBox.hidden = true;
  errorBox.textContent = '';
  stopPlay();
  await guarded(() => {
    try {
      page.lab.setRequest(path, headers);
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) throw error;
      errorBox.textContent = `Not sent: ${message(error)}`;
      errorBox.hidden = false;
      return;
    }
    const view = page.lab.view();
    page.request = view.request ? { path: view.request.path, headers: headersText(view.request) } : null;
    newRun();
    render();
    toolResult('tool-result', page.request
      ? 'The chapter ran again with your request in place of GET /dashboard: see the HTTP panels and the bytes at its steps.'
      : 'The chapter ran again with its own request.');
  });
}

function downloadCapture() {
  guarded(() => {
    const bytes = page.lab.exportPcapng();
    download(`session-lab-${page.chapter}.pcapng`, bytes, 'application/vnd.tcpdump.pcap');
    toolResult('tool-result', `Saved session-lab-${page.chapter}.pcapng (${bytes.length} bytes). Wireshark decrypts it with the keys it carries.`);
  });
}

function downloadKeyLog() {
  guarded(() => {
    const text = page.lab.exportKeyLog();
    download(`session-lab-${page.chapter}.keys.txt`, text, 'text/plain');
    toolResult('tool-result', `Saved session-lab-${page.chapter}.keys.txt (${text.split('\n').filter(Boolean).length} lines, NSS key log format).`);
  });
}

async function copyFlight() {
  const hex = page.lab?.view().current?.hex ?? '';
  if (!hex) return;
  const outcome = await copyText(spacedHex(hex), byId('copy-fallback'));
  toolResult('tamper-result', outcome === 'copied'
    ? `Copied the flight's ${hex.length / 2} bytes as hex.`
    : 'This browser did not let the page copy: the hex is selected in the box below, so Ctrl+C (⌘C) copies it.');
}

/** The bytes section came into view or left it: draw the flight's bytes if they are stale. */
function onBytesVisibility(event) {
  drawPutOffOnSight(event);
  if (event.skipped || !page.lab || byId('step-hex').dataset.stale === undefined) return;
  guarded(() => {
    const { current } = page.lab.cursorView();
    if (!current) return;
    renderBytes(current, { lens: page.lens, version: page.runView?.view.options.version });
    renderSelection(current);
  });
}

/** The learner picked a byte (a `bytepick` from a hex view) in the wire view of the current flight. */
function selectByte(event) {
  if (!(event.target instanceof Element) || event.target.closest('.opened') || !page.lab) return;
  const { cursor, current } = page.lab.cursorView();
  page.selection = { run: page.run, step: cursor, offset: event.detail.offset, value: event.detail.value };
  renderSelection(current);
}

// ---------------------------------------------------------------------------------------------
// Events

/** Whether a key belongs to the element that has focus rather than to stepping. */
function ownsKeys(target, key) {
  if (!(target instanceof Element)) return false;
  if (target.closest('[data-arrows], input, select, textarea, [contenteditable=""], [contenteditable="true"]')) return true;
  if (key === ' ' || key === 'Enter') return target.closest('button, a, summary, [role="button"], [role="tab"]') !== null;
  return false;
}

function onKey(event) {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  if (!page.lab || ownsKeys(event.target, event.key)) return;
  switch (event.key) {
    case 'ArrowRight': step(1); break;
    case 'ArrowLeft': step(-1); break;
    case 'Home': seek(0); break;
    case 'End': seek(page.lab.total() - 1); break;
    case ' ': togglePlay(); break;
    default: return;
  }
  event.preventDefault();
}

function onOptionsChange(event) {
  if (event.target.id === 'opt-chapter') {
    const chapter = event.target.value;
    open({ options: page.options, chapter, request: page.request, changes: [], step: 0, tab: page.tab });
    return;
  }
  const options = optionsFromForm();
  open({ options, chapter: page.chapter, request: page.request, changes: [], step: 0, tab: page.tab });
}

async function onHashChange() {
  const hash = window.location.hash.slice(1);
  page.addressHash = hash;
  if (hash === page.fragment) return;
  // The learner's own edit wins over a write still waiting.
  if (page.fragmentTimer !== null) {
    clearTimeout(page.fragmentTimer);
    page.fragmentTimer = null;
    delete document.documentElement.dataset.fragmentPending;
  }
  const { target, notice, empty } = targetFromFragment(hash);
  if (empty) return;
  await guarded(() => open(target, notice ? [notice] : []));
}

function wire() {
  byId('next').addEventListener('click', () => step(1));
  byId('back').addEventListener('click', () => step(-1));
  byId('play').addEventListener('click', togglePlay);
  byId('reset').addEventListener('click', () => {
    stopPlay();
    guarded(() => {
      page.lab.reset();
      newRun();
      render();
      renderStatus('ready', 'Ready: the chapter ran again with fresh keys.');
    });
  });
  byId('step-range').addEventListener('input', (event) => seek(Number(event.target.value) - 1));
  byId('options').addEventListener('change', (event) => guarded(() => onOptionsChange(event)));
  byId('options').addEventListener('submit', (event) => event.preventDefault());
  byId('notice-close').addEventListener('click', () => showNotice(null));
  byId('bytes').addEventListener('contentvisibilityautostatechange', onBytesVisibility);
  for (const part of document.querySelectorAll('#panel-session .flight, #panel-session .side > section')) {
    part.addEventListener('contentvisibilityautostatechange', drawPutOffOnSight);
  }
  byId('lens').addEventListener('change', (event) => {
    page.lens = event.target.value;
    guarded(render);
  });
  byId('which').addEventListener('change', (event) => {
    page.which = event.target.value;
    guarded(render);
  });
  for (const tab of TABS) {
    byId(`tab-${tab}`).addEventListener('click', () => selectTab(tab));
  }
  document.querySelector('[role="tablist"]').addEventListener('keydown', (event) => {
    const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -TABS.length, End: TABS.length };
    if (!(event.key in moves)) return;
    event.preventDefault();
    event.stopPropagation();
    const index = Math.min(TABS.length - 1, Math.max(0, TABS.indexOf(page.tab) + moves[event.key]));
    selectTab(TABS[index], { focus: true });
  });
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', onHashChange);

  // On the section, not the flight's container: each step draws its flight in a new one.
  byId('bytes-section').addEventListener('bytepick', selectByte);
  byId('tamper-flip').addEventListener('click', flipSelectedByte);
  byId('copy-hex').addEventListener('click', copyFlight);
  for (const button of byId('clock-buttons').querySelectorAll('button[data-seconds]')) {
    button.addEventListener('click', () => advanceClock(Number(button.dataset.seconds), button.textContent.replace('+', '')));
  }
  byId('undo-changes').addEventListener('click', undoChanges);
  byId('request-form').addEventListener('submit', (event) => {
    event.preventDefault();
    applyRequest(byId('request-path').value, byId('request-headers').value);
  });
  byId('request-restore').addEventListener('click', () => {
    byId('request-path').value = '/dashboard';
    byId('request-headers').value = '';
    applyRequest('', '');
  });
  byId('download-pcapng').addEventListener('click', downloadCapture);
  byId('download-keylog').addEventListener('click', downloadKeyLog);
}

async function main() {
  try {
    await loadCore();
  } catch (error) {
    renderStatus('error', `Could not load the lab's WebAssembly: ${message(error)}`);
    return;
  }
  page.diagram = createDiagram(byId('diagram'), { onSeek: seek });
  wire();
  mountMeasure(byId('measure'));
  page.addressHash = window.location.hash.slice(1);
  const { target, notice } = targetFromFragment(window.location.hash);
  await guarded(() => open(target, notice ? [notice] : []));
}

main();
