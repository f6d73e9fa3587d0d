// The Measure panel: times real handshakes between the rustls client and server compiled into
// this page (the core's `Bench` drivers, crate::bench), in the learner's own browser, and shows
// their medians and ratios beside quoted reference figures (../measure-reference.json): this
// project's native run of `cargo xtask bench`, and rustls' published benchmark. Those quotes are
// the one place the page shows figures it did not compute itself, and each says where it is
// from.
//
// The core reads no clock: `Bench.cold(id, count, clock)` calls the `clock` we pass before and
// after each of `count` handshakes. We keep every reading, so one call is one *batch* whose
// mean is (last reading − first) ÷ count: batches last a few milliseconds, so the page's coarse
// timer (performance.now() steps by 0.1 ms without cross-origin isolation) costs little, and
// the median over many batches shrugs off a garbage collection or another tab.
//
// The drivers are in the Measure build of the core (measurecore.js), which the page loads only
// for this. The work runs in a Web Worker (measure-worker.js, its own instance of it), so the
// page never waits on it, and Cancel ends it at once. The RSA-2048 key of the RSA certificates
// comes from the browser's WebCrypto (serverkey.js) where it can make one; otherwise the worker
// generates it in wasm (seconds). If the browser cannot start the worker, the page runs an
// instance itself, in slices of about 12 ms with a frame between them, and RSA only with a key
// from WebCrypto (generating one would hold the page for seconds).
//
// Every value is inserted as text.

import { loadMeasureCore } from './measurecore.js';
import { keyBench } from './serverkey.js';

/** The comparisons shown, each a table section; the first row of each is its baseline. */
const SECTIONS = [
  {
    key: 'resumption',
    title: 'Full or resumed (ECDSA P-256 certificate, X25519)',
    rows: [
      { id: 'tls13-full-ecdsa-p256-x25519', label: 'TLS 1.3, full handshake', base: null },
      { id: 'tls13-resumed-x25519', label: 'TLS 1.3, resumed with a ticket', base: 'tls13-full-ecdsa-p256-x25519', against: 'the full handshake' },
      { id: 'tls12-full-session-id', label: 'TLS 1.2, full handshake (server issues a session ID)', base: null },
      { id: 'tls12-resumed-session-id', label: 'TLS 1.2, resumed by session ID', base: 'tls12-full-session-id', against: 'the full handshake' },
      { id: 'tls12-full-ticket', label: 'TLS 1.2, full handshake (server issues a ticket)', base: null },
      { id: 'tls12-resumed-ticket', label: 'TLS 1.2, resumed by ticket', base: 'tls12-full-ticket', against: 'the full handshake' },
    ],
  },
  {
    key: 'certificate',
    title: 'Server certificate key (TLS 1.3 full handshake, X25519)',
    rows: [
      { id: 'tls13-full-ecdsa-p256-x25519', label: 'ECDSA P-256', base: null },
      { id: 'tls13-full-ed25519-x25519', label: 'Ed25519', base: 'tls13-full-ecdsa-p256-x25519', against: 'ECDSA P-256' },
      { id: 'tls13-full-rsa2048-x25519', label: 'RSA-2048', base: 'tls13-full-ecdsa-p256-x25519', against: 'ECDSA P-256', rsa: true },
    ],
  },
  {
    key: 'group',
    title: 'Key exchange group (TLS 1.3 full handshake, ECDSA P-256 certificate)',
    rows: [
      { id: 'tls13-full-ecdsa-p256-x25519', label: 'X25519', base: null },
      { id: 'tls13-full-ecdsa-p256-secp256r1', label: 'P-256 (secp256r1)', base: 'tls13-full-ecdsa-p256-x25519', against: 'X25519' },
    ],
  },
];

/** Every handshake kind measured, once each, in the order they take turns. */
const KINDS = [...new Set(SECTIONS.flatMap((section) => section.rows.map((row) => row.id)))];
const RSA_KINDS = new Set(SECTIONS.flatMap((s) => s.rows).filter((row) => row.rsa).map((row) => row.id));

/** Handshakes of each kind the learner can ask for; the first is the e2e test's. */
const COUNTS = [20, 50, 100, 200];
const DEFAULT_COUNT = 50;
/** A kind is done after at least this many batches (and at least N handshakes). */
const MIN_BATCHES = 7;
/** Each batch lasts about this long, so the 0.1 ms timer step is about 3% of it. */
const BATCH_MS = 3;
const MAX_PER_BATCH = 2000;
/** The work handed over at once: one message to the worker, or one slice of the page's time. */
const SLICE_MS = { worker: 25, page: 12 };
/** Warm-up, not recorded: V8 tiers the wasm up after some hundreds of milliseconds of work. */
const WARMUP_MS = 600;
const WARMUP_MIN_HANDSHAKES = 10;

const REFERENCE_URL = new URL('../measure-reference.json', import.meta.url);
const WORKER_URL = new URL('./measure-worker.js', import.meta.url);

// ---------------------------------------------------------------------------------------------
// Timing: shared by the worker and the page

/**
 * Runs `count` batches of `perBatch` handshakes of kind `id` on `bench` (a core `Bench`), each
 * batch one `Bench.cold` call (new configurations; certificates are made once per key type and
 * kept). Returns each batch's mean time per handshake (ms), and the wall time of the whole.
 */
export function timeBatches(bench, id, perBatch, count) {
  const means = [];
  let readings = [];
  const clock = () => {
    const now = performance.now();
    readings.push(now);
    return now;
  };
  const began = performance.now();
  for (let batch = 0; batch < count; batch += 1) {
    readings = [];
    bench.cold(`handshake:${id}`, perBatch, clock);
    means.push((readings[readings.length - 1] - readings[0]) / perBatch);
  }
  return { means, wallMs: performance.now() - began };
}

/** The smallest step performance.now() takes here (ms). */
export function timerStep() {
  let step = Infinity;
  for (let i = 0; i < 5; i += 1) {
    const start = performance.now();
    let now = start;
    while (now === start) now = performance.now();
    step = Math.min(step, now - start);
  }
  return step;
}

// ---------------------------------------------------------------------------------------------
// Runners: where the handshakes run

/** A fresh worker with its own instance of the core. Rejects if it cannot start. */
function workerRunner() {
  let worker = null;
  let pending = null;
  let sequence = 0;
  const fail = (error) => {
    const reject = pending?.reject;
    pending = null;
    reject?.(error);
  };
  const call = (message) => new Promise((resolve, reject) => {
    pending = { resolve, reject, seq: sequence += 1 };
    worker.postMessage({ ...message, seq: sequence });
  });
  return {
    where: 'worker',
    canRsa: true,
    async start() {
      worker = new Worker(WORKER_URL, { type: 'module', name: 'sessionlab-measure' });
      worker.addEventListener('message', ({ data }) => {
        if (!pending || data.seq !== pending.seq) return;
        const { resolve, reject } = pending;
        pending = null;
        if (data.type === 'error') reject(new Error(data.message));
        else resolve(data);
      });
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        fail(new Error(event.message || 'the measuring worker could not run'));
      });
      worker.addEventListener('messageerror', () => fail(new Error('a message from the measuring worker was lost')));
      const ready = await call({ type: 'start' });
      return { timerStep: ready.timerStep, isolated: ready.isolated };
    },
    async time(id, perBatch, count) {
      return call({ type: 'time', id, perBatch, count });
    },
    stop() {
      worker?.terminate();
      worker = null;
      fail(new Error('canceled'));
    },
  };
}

/** An instance of the Measure build in the page, one slice at a time with a frame in between. */
function pageRunner() {
  let bench = null;
  let keyed = false;
  return {
    where: 'page',
    // Only with a key from WebCrypto: generating one in wasm would hold the page for seconds.
    get canRsa() { return keyed; },
    async start() {
      const core = await loadMeasureCore();
      bench = new core.Bench();
      keyed = await keyBench(bench);
      return { timerStep: timerStep(), isolated: Boolean(globalThis.crossOriginIsolated) };
    },
    async time(id, perBatch, count) {
      await nextFrame();
      if (!bench) throw new Error('canceled');
      const result = timeBatches(bench, id, perBatch, count);
      await nextFrame();
      return result;
    },
    stop() {
      bench?.free();
      bench = null;
    },
  };
}

/** After the next frame has been painted. */
function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

// ---------------------------------------------------------------------------------------------
// Numbers

function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Milliseconds with about three significant digits. */
export function ms(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value < 1) return `${value.toFixed(3)} ms`;
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 100) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(0)} ms`;
}

/** A ratio as "0.27×". */
export function times(value) {
  if (value === null || !Number.isFinite(value)) return '–';
  if (value < 0.1) return `${value.toFixed(3)}×`;
  if (value < 10) return `${value.toFixed(2)}×`;
  return `${value.toFixed(1)}×`;
}

/** "73% less time" or "2.1 times the time": the ratio in words, never by colour. */
function inWords(ratio) {
  if (ratio === null || !Number.isFinite(ratio)) return '';
  if (ratio < 1) return `${Math.round((1 - ratio) * 100)}% less time`;
  if (ratio < 1.005) return 'the same time';
  return `${Math.round((ratio - 1) * 100)}% more time`;
}

function ratioOf(value, base) {
  return value !== null && base !== null && base > 0 ? value / base : null;
}

/** A published figure as printed ("13,524.99") → a number. */
function quotedNumber(text) {
  const number = Number(String(text).replace(/,/g, ''));
  return Number.isFinite(number) && number > 0 ? number : null;
}

// ---------------------------------------------------------------------------------------------
// DOM

function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') element.className = value;
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function message(error) {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// The panel

/**
 * Builds the Measure panel into `container`. Options: `worker: false` runs in the page even
 * where workers work. Returns `{ cancel }`.
 */
export function mountMeasure(container, { worker = true } = {}) {
  const prefix = container.id || 'measure';
  const ids = {
    heading: `${prefix}-heading`,
    count: `${prefix}-count`,
    progress: `${prefix}-progress`,
    tableCaption: `${prefix}-table-caption`,
  };

  const state = {
    phase: 'idle', // idle | starting | preparing | warming | measuring | done | canceled | error
    runner: null,
    run: 0,
    count: DEFAULT_COUNT,
    kinds: new Map(),
    timer: null,
    where: null,
    reference: null,
    referenceError: null,
    referenceRequested: false,
    startedAt: 0,
    finishedMs: null,
    /** Why the worker could not run, when the page ran the measurement itself. */
    fallbackReason: null,
  };

  // Controls.
  const countSelect = el('select', { id: ids.count, name: 'count' },
    COUNTS.map((n) => el('option', { value: n, selected: n === DEFAULT_COUNT }, String(n))));
  const runButton = el('button', { type: 'button', class: 'measure-run', onclick: () => run() }, 'Run the measurement');
  const cancelButton = el('button', { type: 'button', class: 'measure-cancel secondary', disabled: true, onclick: () => cancel() }, 'Cancel');
  const progress = el('progress', { id: ids.progress, max: 1, value: 0, 'aria-label': 'Measurement progress' });
  const progressText = el('span', { class: 'measure-progress-text' }, 'Not run yet.');
  const status = el('p', { class: 'measure-status', role: 'status' });

  // Results.
  const headline = el('div', { class: 'measure-headline', hidden: true });
  const rowsById = new Map();
  const caption = el('p', { id: ids.tableCaption, class: 'measure-table-caption' },
    'Median time per handshake, client and server together, and how it compares with the first row of its section. ',
    el('span', { class: 'measure-caption-note' },
      'The "Native, quoted" column was not measured here: see the quoted reference figures below.'));
  const table = el('table', { class: 'measure-table', 'aria-labelledby': ids.tableCaption },
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, 'Handshake'),
      el('th', { scope: 'col' }, 'Measured here', el('span', { class: 'measure-th-note' }, 'in this browser')),
      el('th', { scope: 'col' }, 'Native, quoted', el('span', { class: 'measure-th-note' }, 'cargo xtask bench')))),
    SECTIONS.map((section) => el('tbody', { 'data-section': section.key },
      el('tr', { class: 'measure-section' }, el('th', { scope: 'rowgroup', colspan: 3 }, section.title)),
      section.rows.map((row) => {
        const cells = {
          here: el('td', { class: 'measure-here', 'data-here': '' }),
          native: el('td', { class: 'measure-native', 'data-native': '' }),
        };
        const tr = el('tr', { 'data-kind': row.id, 'data-base': row.base ?? '' },
          el('th', { scope: 'row' }, row.label), cells.here, cells.native);
        if (!rowsById.has(row.id)) rowsById.set(row.id, []);
        rowsById.get(row.id).push({ row, cells });
        return tr;
      }))));
  const scroller = el('div', {
    class: 'measure-scroll', role: 'region', tabindex: 0, 'data-arrows': '', 'aria-labelledby': ids.tableCaption,
  }, table);
  const method = el('p', { class: 'measure-method note' });
  const quotes = el('div', { class: 'measure-quotes' },
    el('p', { class: 'note' }, 'Loading the quoted figures…'));

  const body = el('div', { class: 'measure-body' },
    el('p', {},
      'This runs real TLS handshakes between the rustls client and server compiled into this page, on your device, ',
      'and times each kind: a new client and server every time, joined by memory, no network. ',
      'Compare the kinds with each other, and with figures measured elsewhere, quoted below with their source.'),
    el('div', { class: 'measure-controls' },
      el('label', { for: ids.count }, 'Handshakes of each kind (at least)'),
      countSelect, runButton, cancelButton),
    el('div', { class: 'measure-progress' }, progress, progressText),
    status,
    headline,
    caption,
    scroller,
    method,
    el('h3', {}, 'Quoted reference figures'),
    el('p', { class: 'note' },
      'The only figures on this page that were not computed in it. Each is labelled with its source, date and machine; ',
      'they were measured natively, on other machines, so compare their ratios more than their milliseconds.'),
    quotes);
  const details = el('details', { class: 'measure-panel' },
    el('summary', {}, 'Measure: time the handshakes in this browser'),
    body);
  const root = el('div', { class: 'measure', 'data-state': 'idle' },
    el('h2', { id: ids.heading }, 'Measure'),
    el('p', { class: 'note' }, 'How long does each kind of handshake take? Find out on your own device, next to reference figures.'),
    details);
  container.replaceChildren(root);
  if (!container.hasAttribute('aria-labelledby')) container.setAttribute('aria-labelledby', ids.heading);

  details.addEventListener('toggle', () => {
    if (details.open) loadReference();
  });
  countSelect.addEventListener('change', () => {
    state.count = Number(countSelect.value);
  });

  // --- reference figures ---------------------------------------------------------------------

  async function loadReference() {
    if (state.referenceRequested) return;
    state.referenceRequested = true;
    try {
      const response = await fetch(REFERENCE_URL, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      state.reference = await response.json();
    } catch (error) {
      state.referenceError = message(error);
    }
    renderQuotes();
    renderResults();
  }

  function nativeFigure(id) {
    const handshakes = state.reference?.native?.handshakes ?? [];
    return handshakes.find((entry) => entry.id === id) ?? null;
  }

  function facts(pairs) {
    return el('dl', { class: 'measure-facts' }, pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== '')
      .map(([term, value]) => el('div', {}, el('dt', {}, term), el('dd', {}, value))));
  }

  function quoteLabel() {
    return el('p', { class: 'measure-quote-label' }, 'Quoted reference — not measured in this page');
  }

  function renderQuotes() {
    if (state.referenceError !== null || !state.reference) {
      quotes.replaceChildren(el('p', { class: 'note measure-quote-missing' },
        `The quoted reference figures could not be loaded (${state.referenceError ?? 'no data'}); the figures measured here do not need them.`));
      return;
    }
    const blocks = [];
    const native = state.reference.native;
    if (native && Array.isArray(native.handshakes)) {
      const tls13 = nativeFigure('tls13-full-ecdsa-p256-x25519');
      const resumed = nativeFigure('tls13-resumed-x25519');
      blocks.push(el('section', { class: 'measure-quote', 'data-reference': 'native', 'aria-label': 'Quoted: this project\'s native benchmark' },
        quoteLabel(),
        el('h4', {}, 'This project\'s own benchmark, native'),
        facts([
          ['Source', native.source],
          ['Command', el('code', {}, native.command)],
          ['Date', native.date],
          ['Machine', native.machine],
          ['Load', native.load],
          ['Software', native.software],
          ['Build', native.build],
          ['Method', native.method],
        ]),
        el('p', {}, 'Its native medians are the table\'s "Native, quoted" columns.'),
        tls13 && resumed ? el('p', {},
          `The same run also timed the same drivers as WebAssembly, with performance.now(), in ${native.browser}: a full TLS 1.3 handshake (ECDSA P-256, X25519) took `,
          `${ms(tls13.browserMs)} there (${times(ratioOf(tls13.browserMs, tls13.nativeMs))} the native time), a resumed one ${ms(resumed.browserMs)}.`) : null));
    } else {
      blocks.push(el('section', { class: 'measure-quote', 'data-reference': 'native' },
        quoteLabel(),
        el('h4', {}, 'This project\'s own benchmark, native'),
        el('p', {}, 'No native figures yet: run `cargo xtask bench` to record them.')));
    }
    for (const report of state.reference.published ?? []) blocks.push(publishedBlock(report));
    if ((state.reference.published ?? []).length === 0) {
      blocks.push(el('section', { class: 'measure-quote', 'data-reference': 'published' },
        quoteLabel(),
        el('p', {}, 'No published rustls figures are quoted: none were found that could be cited with their source.')));
    }
    quotes.replaceChildren(...blocks);
  }

  function publishedBlock(report) {
    const rows = report.rows ?? [];
    const perHandshake = (row) => {
      const client = quotedNumber(row.client);
      const server = quotedNumber(row.server);
      return client && server ? 1000 / client + 1000 / server : null;
    };
    const byLabel = new Map(rows.map((row) => [row.label, perHandshake(row)]));
    const captionId = `${prefix}-quote-${String(report.id ?? report.date).replace(/[^A-Za-z0-9-]/g, '')}`;
    const caption = el('p', { id: captionId, class: 'measure-table-caption' },
      `As published, in ${report.unit}, client and server apart; the last column is this page's arithmetic: one handshake, both sides.`);
    const figures = el('table', { class: 'measure-quote-table', 'aria-labelledby': captionId },
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, 'Row, as labelled in the report'),
        el('th', { scope: 'col' }, 'Client'),
        el('th', { scope: 'col' }, 'Server'),
        el('th', { scope: 'col' }, 'Both sides, ms'))),
      el('tbody', {}, rows.map((row) => el('tr', {},
        el('th', { scope: 'row' }, row.label),
        el('td', {}, row.client),
        el('td', {}, row.server),
        el('td', {}, ms(perHandshake(row)))))));
    const ratios = (report.ratios ?? []).map((ratio) => {
      const value = ratioOf(byLabel.get(ratio.resumed) ?? null, byLabel.get(ratio.full) ?? null);
      return `${ratio.label}: ${times(value)} (“${ratio.resumed}” ÷ “${ratio.full}”)`;
    });
    return el('section', { class: 'measure-quote', 'data-reference': 'published', 'aria-label': `Quoted: ${report.title}` },
      quoteLabel(),
      el('h4', {}, report.title),
      facts([
        ['Source', el('span', {}, `${report.publisher}: `, /^https:\/\//.test(report.url ?? '')
          ? el('a', { href: report.url, rel: 'noopener noreferrer', class: 'measure-source' }, report.url)
          : el('span', { class: 'measure-source' }, String(report.url)))],
        ['Date', `${report.date} (quoted on ${report.retrieved})`],
        ['Machine', report.machine],
        ['Software', report.software],
        ['Command', el('code', {}, report.command)],
      ]),
      caption,
      el('div', { class: 'measure-scroll', role: 'region', tabindex: 0, 'data-arrows': '', 'aria-labelledby': captionId }, figures),
      ratios.length > 0 ? el('p', {}, 'Resumed ÷ full from these figures (this page\'s arithmetic): ', ratios.join('; '), '.') : null,
      el('ul', { class: 'measure-notes' }, (report.notes ?? []).map((note) => el('li', {}, note))));
  }

  // --- results -------------------------------------------------------------------------------

  function kindMedian(id) {
    const kind = state.kinds.get(id);
    return kind ? median(kind.means) : null;
  }

  function renderResults() {
    for (const [id, entries] of rowsById) {
      const kind = state.kinds.get(id);
      const here = kindMedian(id);
      const native = nativeFigure(id)?.nativeMs ?? null;
      for (const { row, cells } of entries) {
        const hereRatio = row.base ? ratioOf(here, kindMedian(row.base)) : null;
        const nativeRatio = row.base ? ratioOf(native, nativeFigure(row.base)?.nativeMs ?? null) : null;
        if (kind?.skipped) {
          cells.here.replaceChildren(el('span', { class: 'measure-value' }, 'not measured'),
            el('span', { class: 'measure-count' }, kind.skipped));
          cells.here.removeAttribute('data-median-ms');
        } else {
          fillCell(cells.here, here, hereRatio, row, here === null ? null : `${kind.handshakes} handshakes`);
        }
        fillCell(cells.native, native, nativeRatio, row, null);
      }
    }
    renderHeadline();
  }

  /** A figure, its ratio to the section's baseline in numbers and words, and a detail line. */
  function fillCell(cell, value, ratio, row, detail) {
    const parts = [];
    if (value !== null) parts.push(el('span', { class: 'measure-value' }, ms(value)));
    else parts.push(el('span', { class: 'measure-value' }, '–'));
    if (!row.base) {
      if (value !== null) parts.push(el('span', { class: 'measure-ratio' }, 'the baseline'));
    } else if (ratio !== null) {
      parts.push(el('span', { class: 'measure-ratio', 'data-ratio': String(ratio) },
        `${times(ratio)} ${row.against}: ${inWords(ratio)}`));
    }
    if (detail) parts.push(el('span', { class: 'measure-count' }, detail));
    cell.replaceChildren(...parts);
    if (value === null) cell.removeAttribute('data-median-ms');
    else cell.setAttribute('data-median-ms', String(value));
  }

  /** The resumption saving the narration talks about, in numbers measured here. */
  function renderHeadline() {
    const pairs = [
      ['TLS 1.3', 'tls13-resumed-x25519', 'tls13-full-ecdsa-p256-x25519', 'resumed with a ticket'],
      ['TLS 1.2', 'tls12-resumed-session-id', 'tls12-full-session-id', 'resumed by session ID'],
      ['TLS 1.2', 'tls12-resumed-ticket', 'tls12-full-ticket', 'resumed by ticket'],
    ].map(([version, resumedId, fullId, how]) => ({
      version, how, resumed: kindMedian(resumedId), full: kindMedian(fullId),
      native: ratioOf(nativeFigure(resumedId)?.nativeMs ?? null, nativeFigure(fullId)?.nativeMs ?? null),
    })).filter((pair) => pair.resumed !== null && pair.full !== null);
    if (pairs.length === 0 || !['done', 'canceled'].includes(state.phase)) {
      headline.hidden = true;
      return;
    }
    const items = pairs.map((pair) => {
      const ratio = pair.resumed / pair.full;
      return el('li', { 'data-resumption': `${pair.version} ${pair.how}` },
        `${pair.version} ${pair.how}: ${ms(pair.resumed)}, against ${ms(pair.full)} for a full handshake — `,
        el('strong', {}, `${times(ratio)}, ${inWords(ratio)}`),
        pair.native === null ? '.' : ` (natively on the reference machine: ${times(pair.native)}, quoted).`);
    });
    headline.replaceChildren(
      el('h3', {}, 'What resuming saved, measured here'),
      el('ul', {}, items),
      el('p', { class: 'note' },
        'A resumed handshake skips the certificate and its signature. TLS 1.3 still makes a fresh (EC)DHE key exchange, ',
        'so its keys stay forward secret and it saves less; TLS 1.2 resumption reuses the old master secret and skips the key exchange too.'));
    headline.hidden = false;
  }

  function renderMethod() {
    const parts = [];
    if (state.where === 'worker') {
      parts.push('Measured in a Web Worker running its own copy of the lab\'s WebAssembly (the Measure build: the same lab, plus these timing drivers, fetched only to measure), so the page stays responsive.');
    } else if (state.where === 'page') {
      parts.push(`Measured in this page (${state.fallbackReason === null ? 'as asked' : `a Web Worker could not run it: ${state.fallbackReason}`}),`
        + ' on a copy of the lab\'s WebAssembly with these timing drivers (the Measure build, fetched only to measure),'
        + ' in slices of about 12 ms with a frame between them.');
    }
    if (state.timer !== null) {
      parts.push(`performance.now() steps by ${state.timer.timerStep.toFixed(3)} ms here`
        + ` (cross-origin isolated: ${state.timer.isolated ? 'yes' : 'no'}), so handshakes are timed in batches of at least ${BATCH_MS} ms;`
        + ' each batch starts from new client and server configurations (certificates are made once per key type, and a'
        + ' resumed batch first makes the full handshake it resumes, untimed); each figure is the median of its batches\' mean times.');
    }
    parts.push(`First, about ${WARMUP_MS} ms of handshakes are run and not counted, while the browser compiles the hot code;`
      + ' the kinds then take turns, so a slow moment hits them all alike.');
    if (state.finishedMs !== null) parts.push(`The last run took ${(state.finishedMs / 1000).toFixed(1)} s.`);
    method.textContent = parts.join(' ');
  }

  // --- progress ------------------------------------------------------------------------------

  function setPhase(phase, text) {
    state.phase = phase;
    root.dataset.state = phase;
    if (text !== undefined) status.textContent = text;
    const running = ['starting', 'preparing', 'warming', 'measuring'].includes(phase);
    // The button pressed is about to be disabled: keep the keyboard focus on its partner.
    const focused = document.activeElement;
    runButton.disabled = running;
    countSelect.disabled = running;
    cancelButton.disabled = !running;
    if (running && focused === runButton) cancelButton.focus();
    if (!running && focused === cancelButton) runButton.focus();
    root.setAttribute('aria-busy', running ? 'true' : 'false');
  }

  function target(kind) {
    return Math.max(state.count, MIN_BATCHES * kind.perBatch);
  }

  function updateProgress() {
    if (state.phase !== 'measuring') {
      progress.removeAttribute('value');
      return;
    }
    let done = 0;
    let total = 0;
    for (const kind of state.kinds.values()) {
      if (kind.skipped) continue;
      total += target(kind);
      done += Math.min(target(kind), kind.handshakes);
    }
    progress.value = total > 0 ? done / total : 0;
    progressText.textContent = `${done} of ${total} handshakes timed (${Math.round((100 * done) / Math.max(total, 1))}%)`;
  }

  // --- the run -------------------------------------------------------------------------------

  function batchSize(kind) {
    if (!(kind.estimate > 0)) return 64;
    return Math.min(MAX_PER_BATCH, Math.max(1, Math.ceil(BATCH_MS / kind.estimate)));
  }

  function sliceCount(kind, remaining) {
    const perCall = kind.callMs > 0 ? kind.callMs : kind.perBatch * Math.max(kind.estimate, 0.01);
    return Math.max(1, Math.min(remaining, Math.floor(SLICE_MS[state.where] / perCall)));
  }

  function learn(kind, result) {
    const total = result.means.reduce((sum, mean) => sum + mean, 0);
    if (total > 0) kind.estimate = total / result.means.length;
    kind.callMs = result.wallMs / result.means.length;
  }

  async function startRunner(token) {
    const runners = worker && typeof Worker === 'function' ? [workerRunner(), pageRunner()] : [pageRunner()];
    let lastError = null;
    for (const runner of runners) {
      if (token !== state.run) return null;
      try {
        state.runner = runner;
        const timer = await runner.start();
        return { runner, timer };
      } catch (error) {
        runner.stop();
        lastError = error;
        state.fallbackReason = message(error);
      }
    }
    throw lastError ?? new Error('nothing could run the measurement');
  }

  async function run() {
    if (['starting', 'preparing', 'warming', 'measuring'].includes(state.phase)) return;
    state.run += 1;
    const token = state.run;
    const live = () => token === state.run;
    state.kinds = new Map(KINDS.map((id) => [id, {
      id, means: [], handshakes: 0, estimate: 0, callMs: 0, perBatch: 1, warmed: 0, skipped: null,
    }]));
    state.finishedMs = null;
    state.fallbackReason = null;
    state.startedAt = performance.now();
    headline.hidden = true;
    renderResults();
    setPhase('starting', 'Starting the measurement…');
    progressText.textContent = 'Loading a copy of the lab\'s WebAssembly…';
    updateProgress();
    loadReference();
    try {
      const started = await startRunner(token);
      if (!started || !live()) return;
      const { runner, timer } = started;
      state.where = runner.where;
      state.timer = timer;
      renderMethod();
      const kinds = [...state.kinds.values()];
      for (const kind of kinds) {
        if (RSA_KINDS.has(kind.id) && !runner.canRsa) {
          kind.skipped = 'the browser could not make its RSA-2048 key with WebCrypto, and generating one here would hold this page for seconds (no Web Worker could run it)';
        }
      }
      const active = kinds.filter((kind) => !kind.skipped);

      // Certificates (one set per key type; RSA takes longest) and a first estimate.
      setPhase('preparing', 'Making certificates…');
      for (const kind of active) {
        progressText.textContent = `Preparing ${kind.id}…`;
        learn(kind, await runner.time(kind.id, 1, 1));
        if (!live()) return;
      }

      // Warm-up: not recorded.
      setPhase('warming', 'Warming up: these handshakes are not counted…');
      const warmStart = performance.now();
      while (live()) {
        for (const kind of active) {
          kind.perBatch = batchSize(kind);
          const result = await runner.time(kind.id, kind.perBatch, sliceCount(kind, 4));
          if (!live()) return;
          learn(kind, result);
          kind.warmed += kind.perBatch * result.means.length;
        }
        progressText.textContent = `Warming up: ${Math.round(performance.now() - warmStart)} ms`;
        if (performance.now() - warmStart >= WARMUP_MS && active.every((kind) => kind.warmed >= WARMUP_MIN_HANDSHAKES)) break;
      }

      // Measure: the kinds take turns until each has its batches and handshakes.
      for (const kind of active) kind.perBatch = batchSize(kind);
      setPhase('measuring', `Measuring ${state.count} or more handshakes of each of ${active.length} kinds…`);
      updateProgress();
      for (;;) {
        const pending = active.filter((kind) => kind.handshakes < target(kind) || kind.means.length < MIN_BATCHES);
        if (pending.length === 0) break;
        for (const kind of pending) {
          const remaining = Math.max(MIN_BATCHES - kind.means.length, Math.ceil((target(kind) - kind.handshakes) / kind.perBatch), 1);
          const result = await runner.time(kind.id, kind.perBatch, sliceCount(kind, remaining));
          if (!live()) return;
          kind.means.push(...result.means);
          kind.handshakes += kind.perBatch * result.means.length;
          kind.callMs = result.wallMs / result.means.length;
          renderResults();
          updateProgress();
        }
      }
      runner.stop();
      state.runner = null;
      state.finishedMs = performance.now() - state.startedAt;
      const total = active.reduce((sum, kind) => sum + kind.handshakes, 0);
      setPhase('done', `Done: ${total} handshakes timed in ${(state.finishedMs / 1000).toFixed(1)} s.`);
      progress.value = 1;
      renderResults();
      renderMethod();
    } catch (error) {
      if (!live()) return;
      state.runner?.stop();
      state.runner = null;
      setPhase('error', `The measurement failed: ${message(error)}`);
      progress.value = 0;
      progressText.textContent = 'Stopped.';
      renderResults();
    }
  }

  function cancel() {
    if (!['starting', 'preparing', 'warming', 'measuring'].includes(state.phase)) return;
    state.run += 1;
    state.runner?.stop();
    state.runner = null;
    const measured = [...state.kinds.values()].filter((kind) => kind.means.length > 0).length;
    setPhase('canceled', measured > 0
      ? 'Canceled. The figures below come from the batches finished before you canceled.'
      : 'Canceled before anything was measured.');
    progressText.textContent = 'Canceled.';
    renderResults();
  }

  renderResults();
  renderMethod();
  return { cancel };
}
