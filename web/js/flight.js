// The current flight's bytes, record by record: each record's hex and field tree, and, in the
// decrypted view, under each protected record the plaintext we opened with our own keys.
//
// A step draws the records the learner can see in its own frame; the records below the bottom
// of the window are made after it, one each time the page is idle (`data-pending` on the
// container until the last is in). A flight's blocks are its heaviest part of a step: laying
// out and painting those nobody can see yet made the steps with large flights miss a frame.

import { bytesWord, fill, h, icon, spacedHex, whenIdle } from './dom.js';
import { createInspector } from './inspector.js';

// The hex views of the current flight's bytes as they crossed the wire (not the opened
// plaintexts), and the bytes marked in them (the flipped byte, the learner's selected byte):
// a record made later gets the marks made before it.
let wireViews = [];
let flightMarks = [];
// Counts flights drawn, so that records left to make for an older flight are not made.
let flightDrawn = 0;
/** The height of a hex row on the smallest screens (10 px type, 1.55 lines): never more. */
const ROW_PIXELS_AT_LEAST = 15;
/** How far the bytes may move up in a step, as rows of the records table leave. */
const SHRINK_ALLOWANCE_PIXELS = 200;

function rangeText(start, end) {
  return end - start === 1 ? `byte ${start}` : `bytes ${start}–${end - 1}`;
}

/** The field named `name` among `fields` or below them, or null. */
function findField(fields, name) {
  for (const field of fields) {
    if (field.name === name) return field;
    const below = findField(field.children, name);
    if (below) return below;
  }
  return null;
}

function titleOf(record) {
  return record.opened ? `{${record.carries}}` : record.carries;
}

/** One row of a definition list. */
function pair(term, ...definition) {
  return [h('dt', {}, term), h('dd', {}, ...definition)];
}

function finishedBlock(finished) {
  const sender = finished.sender === 'clientToServer' ? 'client' : 'server';
  return h('div', { class: `finished-check ${finished.matches ? 'ok' : 'failed'}` },
    h('p', {},
      icon(finished.matches ? 'check' : 'cross'),
      h('strong', {}, finished.matches ? 'Finished verified: ' : 'Finished does NOT match: '),
      `we recomputed the ${sender}'s verify_data from the handshake transcript, and it ${finished.matches ? 'equals' : 'differs from'} what the message carries.`),
    h('dl', { class: 'kv' },
      pair('formula', h('code', {}, finished.formula)),
      pair('transcript hash', h('code', { class: 'hexstr' }, spacedHex(finished.transcriptHash))),
      pair('we computed', h('code', { class: 'hexstr' }, spacedHex(finished.expected))),
      pair('the message carries', h('code', { class: 'hexstr' }, spacedHex(finished.received)))));
}

function openedBlock(record, index, version) {
  const opened = record.opened;
  const plaintextLength = opened.plaintext.length / 2;
  const tls13 = version === 'tls13';
  const typeText = `${opened.contentTypeName} (${opened.contentType})`;
  return h('section', { class: 'opened', 'aria-label': `Record ${index + 1} decrypted` },
    h('h4', { class: 'opened-title' },
      icon('open'),
      `Record ${index + 1} decrypted: ${titleOf(record)}`),
    h('dl', { class: 'kv opened-meta' },
      pair('keys', `${opened.epoch}`),
      pair('sequence number', String(opened.seq)),
      pair(tls13 ? 'real content type' : 'content type',
        typeText,
        tls13 ? h('span', { class: 'note' }, ' — hidden inside the encryption; the header says application_data (23)') : null),
      tls13 ? pair('padding', bytesWord(opened.padding)) : null,
      pair(tls13 ? 'TLSInnerPlaintext' : 'plaintext',
        tls13
          ? `${bytesWord(plaintextLength)}: content ‖ content type ‖ padding`
          : bytesWord(plaintextLength))),
    createInspector({
      hex: opened.plaintext,
      base: 0,
      fields: opened.fields,
      label: `Record ${index + 1} decrypted`,
      plaintext: tls13,
      openDepth: 1,
    }),
    opened.finished ? finishedBlock(opened.finished) : null,
    h('details', { class: 'how-opened' },
      h('summary', {}, 'How we opened it: nonce, additional data, tag'),
      h('dl', { class: 'kv' },
        pair('nonce', h('code', { class: 'hexstr' }, spacedHex(opened.nonce))),
        pair('additional data', h('code', { class: 'hexstr' }, spacedHex(opened.aad))),
        pair('tag (verified)', h('code', { class: 'hexstr' }, spacedHex(opened.tag)))),
      h('ol', { class: 'stages' }, opened.stages.map((stage) => h('li', {}, stage)))));
}

/**
 * An inspector of bytes as they crossed the wire: its hex view joins the flight's wire views,
 * with the marks made so far.
 */
function wireInspector(options) {
  const views = [];
  const inspector = createInspector({ ...options, views });
  for (const view of views) {
    wireViews.push(view);
    for (const { offset, className } of flightMarks) view.markByte(offset, className);
  }
  return inspector;
}

/**
 * Record `index` of the flight; `rowsInSight` bounds the hex rows made at once (the rest are
 * made while the page is idle).
 */
function recordBlock(step, record, index, { decrypted, version, rowsInSight }) {
  const count = step.records.length;
  const hex = step.hex.slice(record.start * 2, record.end * 2);
  const header = h('header', { class: 'record-head' },
    h('h4', {},
      record.encrypted ? icon('lock') : null,
      `Record ${index + 1} of ${count}: `,
      h('span', { class: 'record-carries' }, decrypted || !record.encrypted ? titleOf(record) : 'encrypted record')),
    h('p', { class: 'note' },
      `${record.contentTypeName} (${record.contentType}) · ${record.versionName} · ${bytesWord(record.end - record.start)}, ${rangeText(record.start, record.end)} of the flight`,
      record.truncated ? ' · truncated' : ''));
  const parts = [header,
    wireInspector({
      hex,
      base: record.start,
      fields: record.fields,
      label: `Record ${index + 1} on the wire`,
      openDepth: 2,
      firstRows: rowsInSight,
    })];
  if (record.encrypted && !decrypted) {
    // TLS 1.2's AES-GCM records also carry the per-record half of the nonce in clear.
    const nonce = findField(record.fields, 'explicit_nonce');
    const clear = nonce
      ? `the 5-byte header, the ${nonce.end - nonce.start}-byte explicit nonce in clear,`
      : 'the 5-byte header';
    parts.push(h('p', { class: 'eavesdropper-note' },
      icon('lock'),
      `This is all an eavesdropper gets: ${clear} and bytes indistinguishable from random. `,
      record.opened ? 'Choose “Decrypted with the keys” above to open it.' : ''));
  }
  if (decrypted && record.opened) parts.push(openedBlock(record, index, version));
  if (record.openError) {
    parts.push(h('p', { class: 'open-error', role: 'alert' },
      icon('cross'), h('strong', {}, 'We could not open this record: '), record.openError));
  }
  return h('article', { class: `record-block${record.encrypted ? ' encrypted' : ''}` }, parts);
}

/** The whole flight as bare bytes, for flights that are not TLS records (plain HTTP, replays). */
function bareBlock(step) {
  return h('article', { class: 'record-block' },
    wireInspector({ hex: step.hex, base: 0, fields: [], label: 'The flight' }));
}

/** Forgets the flight drawn before: its views, marks and records left to make. */
function forgetFlight(container) {
  flightDrawn += 1;
  wireViews = [];
  flightMarks = [];
  delete container.dataset.pending;
}

/**
 * Fills `container` (empty, from freshFlightContainer) with the flight's records, in the
 * eavesdropper's or the decrypted view: at once the first and those that start above the bottom
 * of the window, the rest while the page is idle. `topBefore`, where the container started in
 * the window before the step (read while nothing had changed), bounds the first record's hex
 * rows made at once.
 */
export function renderFlight(container, step, { decrypted, version, topBefore }) {
  forgetFlight(container);
  if (step.tampered) markFlightByte(step.tampered.offset, 'tampered');
  if (step.records.length === 0) {
    fill(container, step.hex.length > 0 ? bareBlock(step) : null);
    return;
  }
  const windowBottom = window.innerHeight;
  // What stands above the records may shrink in this step (fewer rows in the records table):
  // the first record's rows are counted as if it started this much higher.
  const firstTop = topBefore === undefined ? undefined : topBefore - SHRINK_ALLOWANCE_PIXELS;
  let index = 0;
  let top = firstTop;
  do {
    const rowsInSight = top === undefined ? undefined : Math.ceil((windowBottom - top) / ROW_PIXELS_AT_LEAST);
    const block = recordBlock(step, step.records[index], index, { decrypted, version, rowsInSight });
    container.append(block);
    index += 1;
    // Reading a position lays out what changed so far: the first time everything the step
    // changed (drawn before the bytes, so once), then only the block just added.
    if (index < step.records.length) top = block.getBoundingClientRect().bottom;
  } while (index < step.records.length && top < windowBottom);
  if (index < step.records.length) makeLater(container, step, index, { decrypted, version });
}

/** Makes the flight's records from `index` on, one each time the page is idle. */
function makeLater(container, step, index, options) {
  const flight = flightDrawn;
  container.dataset.pending = '';
  const next = () => {
    if (flight !== flightDrawn || !container.isConnected) return;
    container.append(recordBlock(step, step.records[index], index, options));
    index += 1;
    if (index < step.records.length) whenIdle(next);
    else delete container.dataset.pending;
  };
  whenIdle(next);
}

/**
 * An empty container for the next flight, in place of `container` (the same element, bare, with
 * its id and attributes). The flight drawn before is hidden at once and taken down while the page
 * is idle: a flight the learner paused on has all its records and hex rows up to 4 KiB a view,
 * thousands of elements, and removing them took 2–3 ms of the next step's frame, where hiding
 * them (`data-retired`, `content-visibility: hidden`, which keeps their boxes) costs nothing.
 */
export function freshFlightContainer(container) {
  if (container.childElementCount === 0) return container;
  if (container.contains(document.activeElement)) {
    // Hidden, the focused element would keep the focus out of sight.
    container.replaceChildren();
    return container;
  }
  // One flight waits at a time: stepping on before the page was idle, the one before it is
  // small (only what the window showed was drawn), and many hidden flights slow every step.
  container.parentElement?.querySelector(':scope > [data-retired]')?.remove();
  const fresh = container.cloneNode(false);
  container.removeAttribute('id');
  container.dataset.retired = '';
  container.before(fresh);
  whenIdle(() => container.remove());
  return fresh;
}

/** Leaves `container` (empty, from freshFlightContainer) without a flight until one is drawn. */
export function clearFlight(container) {
  forgetFlight(container);
}

/** Marks byte `offset` of the current flight, as it crossed the wire, with `className`. */
export function markFlightByte(offset, className) {
  flightMarks.push({ offset, className });
  for (const view of wireViews) view.markByte(offset, className);
}

/** Removes `className` from every byte of the current flight. */
export function unmarkFlight(className) {
  flightMarks = flightMarks.filter((mark) => mark.className !== className);
  for (const view of wireViews) view.unmarkAll(className);
}
