// Renders the lab's view data. Everything shown is a value the core computed; this module only
// lays it out.

import { renderChecks } from './checks.js';
import { byId, bytesWord, fill, h, icon, setText, update } from './dom.js';
import { clearFlight, freshFlightContainer, renderFlight } from './flight.js';

const STATE_ROWS = [
  ['handshakeDone', 'Handshake complete'],
  ['version', 'Protocol version'],
  ['cipherSuite', 'Cipher suite'],
  ['keyExchangeGroup', 'Key exchange group'],
  ['handshakeKind', 'Handshake kind'],
  ['sni', 'Server name (SNI)'],
  ['alpn', 'ALPN protocol'],
  ['peerCertificateSubject', 'Peer certificate subject'],
  ['sentClose', 'Sent close_notify'],
  ['peerClosed', 'Peer sent close_notify'],
  ['earlyData', '0-RTT early data'],
  ['error', 'Error'],
];

const SIDES = { client: 'Client', server: 'Server', lab: 'Lab' };

function sideLabel(side) {
  return SIDES[side] ?? String(side);
}

function valueText(value) {
  if (value === null || value === undefined) return '—';
  if (value === true) return 'yes';
  if (value === false) return 'no';
  return String(value);
}

/** The progress line, the jump slider and the Back/Next buttons. */
export function renderProgress(view) {
  const progress = byId('progress');
  progress.dataset.index = String(view.cursor);
  progress.dataset.total = String(view.total);
  progress.textContent = `Step ${view.cursor + 1} of ${view.total}`;
  const range = byId('step-range');
  range.max = String(Math.max(1, view.total));
  range.value = String(view.cursor + 1);
  range.disabled = view.total < 2;
  const title = view.current?.title ?? '';
  range.setAttribute('aria-valuetext', `Step ${view.cursor + 1} of ${view.total}${title ? `: ${title}` : ''}`);
  byId('back').disabled = view.cursor === 0;
  byId('next').disabled = view.cursor + 1 >= view.total;
}

/** The chapter's title and summary. */
export function renderChapter(chapter) {
  byId('chapter-title').textContent = chapter.title;
  byId('chapter-summary').textContent = chapter.summary;
}

/** What the run shows of the choices the chapter makes for the learner. */
export function renderFacts(facts) {
  const cert = byId('fact-client-cert');
  cert.textContent = facts.clientCertificates.length > 0
    ? `presented in this run (${facts.clientCertificates.join('; ')})`
    : 'none presented in this run';
  cert.dataset.value = facts.clientCertificates.length > 0 ? 'used' : 'unused';
  const early = byId('fact-early-data');
  early.textContent = facts.earlyData.length > 0
    ? `in this run: ${facts.earlyData.join(', ')}`
    : 'not offered in this run';
  early.dataset.value = facts.earlyData.length > 0 ? 'used' : 'unused';
}

/** The current flight's story: who sent it, its narration, outcome and checks. */
export function renderNarration(step, { functions = [] }) {
  const event = step.from === 'lab';
  byId('step-from').textContent = event ? 'Lab event' : sideLabel(step.from);
  byId('step-from').dataset.side = step.from;
  byId('step-arrow').hidden = event;
  byId('step-to').textContent = sideLabel(step.to);
  byId('step-connection').textContent = String(step.connection);
  byId('step-clock').textContent = `lab clock ${step.clock}`;
  byId('step-title').textContent = step.title;
  byId('brace-legend').hidden = !step.title.includes('{');
  const served = functions.filter((fn) => fn.step === step.index);
  const tag = byId('step-function');
  tag.hidden = served.length === 0;
  tag.textContent = served.length > 0
    ? `Session-layer function: ${served.map((fn) => `${fn.label} — ${fn.how}`).join(' ')}`
    : '';
  update(byId('narration'), step.narration.map((line) => h('p', {}, line)));

  const scene = byId('scene-narration');
  scene.hidden = !step.sceneNarration;
  scene.textContent = step.sceneNarration ?? '';

  const outcome = byId('step-outcome');
  outcome.dataset.kind = step.outcome.kind;
  outcome.hidden = step.outcome.kind === 'event';
  outcome.textContent = {
    delivered: step.records.length > 0 ? 'Delivered: the receiver accepted every record.' : 'Delivered.',
    rejected: `Rejected: ${step.outcome.error}`,
    alertReceived: `Fatal alert received: ${step.outcome.alert}`,
    truncated: `Truncated: ${step.outcome.error}`,
  }[step.outcome.kind] ?? step.outcome.kind;

  const tamper = byId('tamper-note');
  tamper.hidden = !step.tampered;
  tamper.textContent = step.tampered
    ? `An attacker on the path flipped byte ${step.tampered.offset} of this flight: 0x${hexByte(step.tampered.before)} was sent, 0x${hexByte(step.tampered.after)} arrived. It is marked in the bytes below.`
    : '';

  let emptyText = null;
  if (step.records.length > 0) emptyText = 'Nothing protected in this flight, so nothing to verify against rustls yet: every byte is in the clear.';
  else if (step.plain) emptyText = 'Plain HTTP: nothing is protected, so there is nothing to verify.';
  update(byId('step-checks'), renderChecks(step.checks, { emptyText, heading: 'What we verified about this step' }));
}

/**
 * The current flight's records, delivered plaintext and byte count, above its bytes; the hex
 * views and field trees are `renderBytes`' part.
 */
export function renderRecords(step, { lens }) {
  byId('records-section').hidden = step.records.length === 0;

  update(byId('records').querySelector('tbody'), step.records.map((record, i) =>
    h('tr', { class: `record${record.encrypted ? ' encrypted' : ''}` },
      h('td', { 'data-label': '#' }, String(i + 1)),
      h('td', { 'data-label': 'Type' }, `${record.contentTypeName} (${record.contentType})`),
      h('td', { 'data-label': 'Version' }, `${record.versionName} (0x${record.legacyVersion.toString(16).padStart(4, '0')})`),
      h('td', { 'data-label': 'Length' }, String(record.length)),
      h('td', { 'data-label': 'Bytes' }, `${record.start}–${record.end - 1}${record.truncated ? ' (truncated)' : ''}`),
      h('td', { 'data-label': 'Carries' }, record.encrypted
        ? [icon('lock'), h('span', { class: 'sr-only' }, 'encrypted: '), record.opened ? `{${record.carries}}` : 'encrypted record']
        : record.carries))));

  const deliveredBox = byId('delivered-box');
  deliveredBox.hidden = !step.delivered;
  byId('delivered-how').textContent = step.plain ? 'Delivered in clear to the' : 'Decrypted by rustls for the';
  byId('delivered-to').textContent = step.to;
  renderDelivered(step.delivered);

  const encrypted = step.records.filter((record) => record.encrypted).length;
  const byteCount = step.hex.length / 2;
  byId('bytes-section').hidden = byteCount === 0;
  byId('byte-count').textContent = `(${byteCount} bytes, ${step.records.length} record${step.records.length === 1 ? '' : 's'})`;
  byId('lens').hidden = encrypted === 0;
  byId('hex-legend').hidden = step.records.length === 0;
  let note;
  if (step.records.length === 0) {
    note = step.plain
      ? 'Plain HTTP, no TLS: every byte is readable by anyone on the path.'
      : 'These bytes belong to no connection whose keys we hold.';
  } else if (encrypted === 0) {
    note = 'No record of this flight is encrypted: the eavesdropper sees exactly what the receiver sees.';
  } else if (lens === 'decrypted') {
    note = `Under ${encrypted === 1 ? 'the encrypted record' : `each of the ${encrypted} encrypted records`}: what we decrypted with the keys from rustls' key log.`;
  } else {
    note = `${encrypted === 1 ? 'One record is' : `${encrypted} records are`} encrypted: an eavesdropper sees only the header, ciphertext and tag.`;
  }
  byId('lens-note').textContent = note;
}

/**
 * The flight's hex views and field trees, record by record. With `show` false they are left
 * out (emptied and marked `data-stale`): the page draws them once they come into view.
 * `topBefore` is where they started in the window before the step (see renderFlight).
 */
export function renderBytes(step, { lens, version, show = true, topBefore }) {
  const bytes = freshFlightContainer(byId('step-hex'));
  bytes.dataset.hex = step.hex;
  bytes.dataset.lens = lens;
  if (!show) {
    bytes.dataset.stale = '';
    clearFlight(bytes);
    return;
  }
  delete bytes.dataset.stale;
  renderFlight(bytes, step, { decrypted: lens === 'decrypted', version, topBefore });
}

/**
 * Characters of delivered text shown until the learner asks for all: a few screens. A whole
 * 16 KiB record as text is a page five thousand pixels tall, laid out again on every step.
 */
const DELIVERED_PREVIEW = 2000;

/** What the receiver got, its start if it is long, with a button to show all of it. */
function renderDelivered(delivered) {
  const text = delivered?.text ?? '';
  const pre = byId('delivered');
  const more = byId('delivered-more');
  let cut = Math.min(text.length, DELIVERED_PREVIEW);
  if (cut < text.length) {
    // At the end of a line if one ends near the limit; never half of a character outside the
    // Basic Multilingual Plane.
    const line = text.lastIndexOf('\n', cut - 1);
    if (line >= cut - 200) cut = line + 1;
    else if (/[\uD800-\uDBFF]/.test(text[cut - 1])) cut -= 1;
  }
  setText(pre, text.slice(0, cut));
  more.hidden = cut === text.length;
  if (cut === text.length) {
    fill(more);
    return;
  }
  fill(more,
    `The first ${cut} of ${text.length} characters (${bytesWord(delivered.hex.length / 2)} delivered). `,
    h('button', {
      type: 'button',
      class: 'link-button',
      onclick: () => {
        pre.textContent = text;
        more.hidden = true;
      },
    }, 'Show all'));
}

function hexByte(value) {
  return value.toString(16).padStart(2, '0');
}

/** Both endpoints' state after the step; rows that changed at this step are marked. */
export function renderState(step) {
  for (const side of ['client', 'server']) {
    const state = step[side];
    update(byId(`${side}-state`).querySelector('tbody'), STATE_ROWS.map(([key, label]) => {
      const changed = step.changed.includes(`${side}.${key}`);
      return h('tr', { 'data-key': key, class: changed ? 'changed' : false },
        h('th', { scope: 'row' }, label),
        h('td', {}, valueText(state[key]), changed ? h('span', { class: 'changed-mark' }, ' (changed)') : null));
    }));
  }
}

/** The run's certificates. */
export function renderPki(pki) {
  const rows = [
    ['CA key', pki.caKey],
    ['Server key', pki.serverKey],
    ['Valid from', pki.notBefore],
    ['Valid until', pki.notAfter],
  ];
  fill(byId('pki').querySelector('tbody'), rows.map(([label, value]) =>
    h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, value))));
}

/** The option menus, from the catalogue the core computed and the current options. */
export function renderOptions(catalogue, options, chapterId) {
  const select = (id, choices, selected) => {
    fill(byId(id), choices.map(([value, label, disabled]) =>
      h('option', { value, selected: value === selected, disabled: Boolean(disabled) }, label)));
  };
  const versionLabel = (key) => catalogue.versions.find((v) => v.key === key)?.label ?? key;
  select('opt-chapter', catalogue.chapters.map((c) => {
    const applies = c.versions.includes(options.version);
    return [c.id, applies ? c.title : `${c.title} (${c.versions.map(versionLabel).join(', ')} only)`, !applies];
  }), chapterId);
  select('opt-version', catalogue.versions.map((v) => [v.key, v.label]), options.version);
  const suites = catalogue.suites.filter((s) => s.version === options.version);
  select('opt-suite',
    [['all', `All ${suites.length}, in rustls' order`], ...suites.map((s) => [s.name, `${s.name} (0x${s.code.toString(16).padStart(4, '0')})`])],
    options.clientSuites.length === 1 ? options.clientSuites[0] : 'all');
  select('opt-group',
    [['all', `All ${catalogue.groups.length}, ${catalogue.groups[0].label} first`], ...catalogue.groups.map((g) => [g.key, `${g.label} only`])],
    options.clientGroups.length === 1 ? options.clientGroups[0] : 'all');
  select('opt-cert', catalogue.certKeys.map((k) => [k.key, k.label]), options.certKey);
}

/** The status line: `loading`, `ready` or `error`, with a message. */
export function renderStatus(state, message) {
  const status = byId('lab-status');
  status.dataset.state = state;
  status.textContent = message;
}
