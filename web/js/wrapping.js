// The wrapping of one HTTP message: a vertical pipeline of stages, from the HTTP bytes to the
// record on the wire, each with its bytes. The core computes every value and checks the result
// against the wire; this module lays the stages out.

import { bytesWord, fill, h, hexPairs } from './dom.js';
import { renderChecks } from './checks.js';

const OPERATOR = {
  xor: ['⊕', 'XOR'],
  equals: ['=', 'gives'],
};

const KIND_LABEL = {
  content: 'HTTP bytes',
  contentType: 'content type',
  padding: 'padding',
  secret: 'secret',
  key: 'key',
  iv: 'IV / salt',
  seq: 'sequence number',
  nonce: 'nonce',
  explicitNonce: 'explicit nonce',
  header: 'header',
  ciphertext: 'ciphertext',
  tag: 'tag',
};

function partBlock(part) {
  const pairs = hexPairs(part.hex);
  return h('span', { class: `part kind-${part.kind}` },
    h('span', { class: 'part-label' }, part.label),
    part.text !== null && part.text !== undefined
      ? h('pre', { class: 'part-text' }, part.text)
      : null,
    h('span', { class: 'part-bytes' },
      pairs.length === 0
        ? h('span', { class: 'part-empty' }, '(none)')
        : pairs.map((pair) => h('span', { class: 'pb' }, pair))));
}

function rowBlock(row) {
  const [symbol, word] = row.operator ? OPERATOR[row.operator] : [null, null];
  return h('div', { class: `byte-row${row.operator ? ` op-${row.operator}` : ''}` },
    h('span', { class: 'operator' },
      symbol ? [h('span', { 'aria-hidden': 'true' }, symbol), h('span', { class: 'sr-only' }, `${word} `)] : null),
    h('div', { class: 'row-label' },
      h('span', {}, row.label),
      h('span', { class: 'note' }, bytesWord(row.hex.length / 2))),
    h('div', { class: 'row-parts' }, row.parts.map(partBlock)));
}

function stageBlock(stage, index, count) {
  return h('li', { class: `stage stage-${stage.id}` },
    h('h3', { class: 'stage-title' },
      h('span', { class: 'stage-number' }, `${index + 1}`),
      h('span', { class: 'sr-only' }, ` of ${count}: `),
      stage.title),
    stage.explanation.map((line) => h('p', { class: 'stage-text' }, line)),
    h('div', { class: 'stage-bytes' }, stage.rows.map(rowBlock)));
}

function legend(stages) {
  const kinds = new Set(stages.flatMap((s) => s.rows.flatMap((r) => r.parts.map((p) => p.kind))));
  return h('ul', { class: 'kind-legend', 'aria-label': 'Byte colours' },
    [...kinds].map((kind) => h('li', { class: `part kind-${kind}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), KIND_LABEL[kind] ?? kind)));
}

/**
 * Fills `container` with `wrapping` (the core's WrappingView, or null when the run has no such
 * record); `onSeek(step)` jumps to the step that carried it.
 */
export function renderWrapping(container, wrapping, { which, onSeek }) {
  if (!wrapping) {
    fill(container, h('p', { class: 'note' },
      `This run has no ${which} record we could open: no connection got as far as application data.`));
    return;
  }
  const sender = wrapping.from === 'client' ? 'client' : 'server';
  const receiver = sender === 'client' ? 'server' : 'client';
  const record = wrapping.recordEnd - wrapping.recordStart;
  fill(container,
    h('div', { class: 'wrapping-head' },
      h('h3', { class: 'wrapping-headline' }, h('code', {}, wrapping.headline)),
      h('p', {},
        `Connection ${wrapping.connection}, step ${wrapping.step + 1}: the ${sender} sends it to the ${receiver} as record ${wrapping.recordIndex + 1} of the flight, ${bytesWord(record)} on the wire. `,
        `${wrapping.version}, ${wrapping.suite}: ${wrapping.aead}, keys of the ${wrapping.epoch}, sequence number ${wrapping.seq}.`),
      h('button', { type: 'button', class: 'link-button', onclick: () => onSeek(wrapping.step) },
        `Show step ${wrapping.step + 1} in the session`),
      renderChecks(wrapping.checks.slice(-1), { heading: 'The conclusion' })),
    legend(wrapping.stages),
    h('ol', { class: 'pipeline' }, wrapping.stages.map((stage, index) =>
      stageBlock(stage, index, wrapping.stages.length))),
    renderChecks(wrapping.checks, { heading: 'What we verified about this wrapping' }));
}
