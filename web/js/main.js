// The page's controller: loads the WebAssembly core, keeps one lab, turns clicks and keys into
// calls on it, and re-renders from its view data. No TLS logic lives here.

import { byId, fill, h } from './dom.js';
import { renderKeySchedule } from './keys.js';
import { renderOptions, renderStatus, renderView } from './render.js';
import { renderWrapping } from './wrapping.js';

const TABS = ['session', 'keys', 'wrapping'];

const page = {
  core: null,
  lab: null,
  catalogue: null,
  options: null,
  instance: 0,
  // Bumped for every new run (new options, Reset), so cached panels know to redraw.
  run: 0,
  tab: 'session',
  // The eavesdropper's view first: the learner sees what the network sees, then opens it.
  lens: 'wire',
  which: 'request',
  drawn: { keys: null, wrapping: null },
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

/** Calls into the core. A panic kills the wasm instance: say so and start a fresh one. */
async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) {
      renderStatus('error', `The lab crashed (${error.message}); this is a bug. Restarting it…`);
      page.lab = null;
      await loadCore();
      await build(page.options);
      return undefined;
    }
    renderStatus('error', error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

function seek(index) {
  return guarded(() => {
    page.lab.seek(index);
    render();
  });
}

/** Draws the key-schedule panel if it is showing and what it shows changed. */
function renderKeysPanel(view) {
  const key = `${page.run}:${view.current?.connection}`;
  if (page.tab !== 'keys' || page.drawn.keys === key) return;
  page.drawn.keys = key;
  renderKeySchedule(byId('key-schedule'), view);
}

/** Draws the wrapping panel if it is showing and what it shows changed. */
function renderWrappingPanel(view) {
  const key = `${page.run}:${page.which}:${view.current?.connection}`;
  if (page.tab !== 'wrapping' || page.drawn.wrapping === key) return;
  page.drawn.wrapping = key;
  const container = byId('wrapping');
  let wrapping;
  try {
    wrapping = page.lab.wrapping(page.which);
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error;
    fill(container, h('p', { class: 'open-error', role: 'alert' },
      h('strong', {}, 'The wrapping could not be computed: '),
      error instanceof Error ? error.message : String(error)));
    return;
  }
  renderWrapping(container, wrapping, {
    which: page.which,
    onSeek: (step) => {
      selectTab('session');
      seek(step);
    },
  });
}

function render() {
  if (!page.lab) return;
  const view = page.lab.view();
  renderView(view, seek, { lens: page.lens });
  renderKeysPanel(view);
  renderWrappingPanel(view);
}

/** Makes a new lab for `options` (new certificates, new run) and shows its first step. */
async function build(options) {
  renderStatus('loading', options.certKey === 'rsa-2048'
    ? 'Generating an RSA-2048 key in your browser…'
    : 'Making certificates and running the session…');
  await nextPaint();
  await guarded(() => {
    const started = performance.now();
    const lab = new page.core.Lab(options);
    const elapsed = performance.now() - started;
    page.lab?.free();
    page.lab = lab;
    page.options = options;
    page.run += 1;
    renderOptions(page.catalogue, options);
    byId('pki-note').textContent =
      `Certificates made and the whole session run in ${elapsed.toFixed(0)} ms in this browser.`;
    render();
    renderStatus('ready', 'Ready');
  });
}

/** The options the menus describe. */
function optionsFromForm() {
  const version = byId('opt-version').value;
  const base = page.core.Lab.optionsForVersion(version);
  const suite = version === page.options.version ? byId('opt-suite').value : 'all';
  const group = byId('opt-group').value;
  return {
    ...base,
    clientSuites: suite === 'all' ? base.clientSuites : [suite],
    clientGroups: group === 'all' ? base.clientGroups : [group],
    certKey: byId('opt-cert').value,
  };
}

function step(direction) {
  guarded(() => {
    if (direction > 0 ? page.lab.next() : page.lab.back()) render();
  });
}

/** Shows one of the views; `focus` moves the keyboard focus to its tab. */
function selectTab(name, { focus = false } = {}) {
  page.tab = name;
  for (const tab of TABS) {
    const button = byId(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    byId(`panel-${tab}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  const hash = name === 'session' ? '' : `#${name}`;
  if (window.location.hash !== hash) {
    window.history.replaceState(null, '', hash || window.location.pathname + window.location.search);
  }
  if (page.lab) guarded(render);
}

/** Whether an arrow key belongs to the element that has focus rather than to stepping. */
function ownsArrows(target) {
  return target instanceof Element
    && (target.closest('[data-arrows]') !== null
      || target instanceof HTMLSelectElement
      || target instanceof HTMLInputElement
      || target instanceof HTMLTextAreaElement);
}

function wire() {
  byId('next').addEventListener('click', () => step(1));
  byId('back').addEventListener('click', () => step(-1));
  byId('reset').addEventListener('click', () => guarded(() => {
    page.lab.reset();
    page.run += 1;
    render();
    renderStatus('ready', 'Ready: the session ran again with fresh keys.');
  }));
  byId('options').addEventListener('change', () => build(optionsFromForm()));
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
  document.addEventListener('keydown', (event) => {
    if (ownsArrows(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowRight') { event.preventDefault(); step(1); }
    if (event.key === 'ArrowLeft') { event.preventDefault(); step(-1); }
  });
}

async function main() {
  try {
    await loadCore();
  } catch (error) {
    renderStatus('error', `Could not load the lab's WebAssembly: ${error.message}`);
    return;
  }
  wire();
  const fromHash = window.location.hash.slice(1);
  if (TABS.includes(fromHash)) selectTab(fromHash);
  await build(page.core.Lab.defaultOptions());
}

main();
