// Renders the lab's view data. Everything shown is a value the core computed; this module only
// lays it out.

import { byId, fill, h } from './dom.js';

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
  ['error', 'Error'],
];

/** Formats bytes given as hex into offset-prefixed rows of 16. */
export function hexDump(hex) {
  const rows = [];
  for (let offset = 0; offset * 2 < hex.length; offset += 16) {
    const chunk = hex.slice(offset * 2, (offset + 16) * 2);
    const bytes = chunk.match(/../g) ?? [];
    rows.push(`${offset.toString(16).padStart(4, '0')}  ${bytes.join(' ')}`);
  }
  return rows.join('\n');
}

function sideLabel(side) {
  return side === 'client' ? 'Client' : 'Server';
}

function valueText(value) {
  if (value === null || value === undefined) return '—';
  if (value === true) return 'yes';
  if (value === false) return 'no';
  return String(value);
}

/** The progress line and the Back/Next buttons. */
export function renderProgress(view) {
  const progress = byId('progress');
  progress.dataset.index = String(view.cursor);
  progress.dataset.total = String(view.total);
  progress.textContent = `Step ${view.cursor + 1} of ${view.total}`;
  byId('back').disabled = view.cursor === 0;
  byId('next').disabled = view.cursor + 1 >= view.total;
}

/** The list of every flight of the run; `onSeek(index)` jumps to one. */
export function renderTimeline(view, onSeek) {
  const items = [];
  let connection = 0;
  for (const step of view.steps) {
    if (step.connection !== connection) {
      connection = step.connection;
      items.push(h('li', { class: 'connection-break' }, `Connection ${connection}`));
    }
    const current = step.index === view.cursor;
    const arrow = step.from === 'client' ? 'Client → Server' : 'Server → Client';
    items.push(
      h('li', { class: `step from-${step.from}${current ? ' current' : ''}` },
        h('button', {
          type: 'button',
          'aria-current': current ? 'step' : false,
          'data-index': step.index,
          onclick: () => onSeek(step.index),
        },
        h('span', { class: 'arrow' }, arrow),
        h('span', { class: 'title' }, step.title),
        h('span', { class: 'size' }, `${step.byteLength} B`),
        step.outcome !== 'delivered' ? h('span', { class: 'badge' }, step.outcome) : null)),
    );
  }
  fill(byId('timeline'), items);
  byId('timeline').querySelector('.current')?.scrollIntoView({ block: 'nearest' });
}

/** The current flight: narration, records, delivered plaintext and bytes. */
export function renderStep(step) {
  byId('step-from').textContent = sideLabel(step.from);
  byId('step-from').dataset.side = step.from;
  byId('step-to').textContent = sideLabel(step.to);
  byId('step-connection').textContent = String(step.connection);
  byId('step-clock').textContent = `lab clock ${step.clock}`;
  byId('step-title').textContent = step.title;
  fill(byId('narration'), step.narration.map((line) => h('p', {}, line)));

  const outcome = byId('step-outcome');
  outcome.dataset.kind = step.outcome.kind;
  outcome.textContent = {
    delivered: 'Delivered: the receiver accepted every record.',
    rejected: `Rejected: ${step.outcome.error}`,
    alertReceived: `Fatal alert received: ${step.outcome.alert}`,
  }[step.outcome.kind] ?? step.outcome.kind;

  fill(byId('records').querySelector('tbody'), step.records.map((record, i) =>
    h('tr', { class: `record${record.encrypted ? ' encrypted' : ''}` },
      h('td', {}, String(i + 1)),
      h('td', {}, `${record.contentTypeName} (${record.contentType})`),
      h('td', {}, `${record.versionName} (0x${record.legacyVersion.toString(16).padStart(4, '0')})`),
      h('td', {}, String(record.length)),
      h('td', {}, `${record.start}–${record.end - 1}${record.truncated ? ' (truncated)' : ''}`),
      h('td', {}, record.encrypted ? `🔒 ${record.carries}` : record.carries))));

  const deliveredBox = byId('delivered-box');
  deliveredBox.hidden = !step.delivered;
  byId('delivered-to').textContent = step.to;
  byId('delivered').textContent = step.delivered ? step.delivered.text : '';

  byId('byte-count').textContent = `(${step.hex.length / 2} bytes)`;
  const hex = byId('step-hex');
  hex.textContent = hexDump(step.hex);
  hex.dataset.hex = step.hex;
}

/** Both endpoints' state after the step; rows that changed at this step are marked. */
export function renderState(step) {
  for (const side of ['client', 'server']) {
    const state = step[side];
    fill(byId(`${side}-state`).querySelector('tbody'), STATE_ROWS.map(([key, label]) => {
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

/** Everything that depends on the view. */
export function renderView(view, onSeek) {
  renderProgress(view);
  renderTimeline(view, onSeek);
  renderPki(view.pki);
  if (view.current) {
    renderStep(view.current);
    renderState(view.current);
  }
}

/** The option menus, from the catalogue the core computed and the current options. */
export function renderOptions(catalogue, options) {
  const select = (id, choices, selected) => {
    fill(byId(id), choices.map(([value, label]) =>
      h('option', { value, selected: value === selected }, label)));
  };
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
