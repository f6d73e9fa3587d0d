// A hex view and an annotation tree side by side, linked both ways: pointing at (or focusing) a
// field lights its bytes; pointing at (or focusing) a byte lights the deepest field holding it
// and opens the tree down to it.

import { bytesWord, h } from './dom.js';
import { createHexView } from './hexview.js';
import { createTree } from './tree.js';

// Byte classes by field name, so the parts of a record read at a glance in the hex. The tree
// says the same in words; the colour is a help, never the only carrier.
const KIND_BY_NAME = {
  encrypted_content: 'k-ct',
  ciphertext: 'k-ct',
  aead_tag: 'k-tag',
  explicit_nonce: 'k-en',
  padding: 'k-pad',
};
const HEADER_FIELDS = new Set(['content_type', 'legacy_record_version', 'length']);

/** The byte marks of `fields` and their parts: { start, stop, className }, added to `marks`. */
function classify(marks, fields, parentName, plaintext) {
  for (const field of fields) {
    let kind = KIND_BY_NAME[field.name];
    if (!kind && parentName === 'record' && HEADER_FIELDS.has(field.name)) kind = 'k-hdr';
    if (!kind && plaintext && parentName === null && field.name === 'content_type') kind = 'k-type';
    if (field.problem) marks.push({ start: field.start, stop: field.end, className: 'k-problem' });
    if (kind) marks.push({ start: field.start, stop: field.end, className: kind });
    else classify(marks, field.children, field.name, plaintext);
  }
  return marks;
}

function describe(field) {
  const length = field.end - field.start;
  const range = length === 1 ? `byte ${field.start}` : `bytes ${field.start}–${field.end - 1}`;
  const value = field.value ? `: ${field.value}` : '';
  return `${field.name}${value} (${range}, ${bytesWord(length)})`;
}

/**
 * The linked pair for `hex` (first byte at offset `base`) and its `fields` (offsets in the same
 * numbering). `plaintext` marks a decrypted record, whose top-level content_type is the hidden
 * real type. Its hex view is added to `views`, if given, for marks made from outside; it makes
 * `firstRows` of its rows at once (see createHexView).
 */
export function createInspector({ hex, base = 0, fields, label, plaintext = false, openDepth = 1, views = null, firstRows }) {
  const status = h('p', { class: 'inspect-status', 'aria-live': 'polite' },
    'Point at a field or a byte (or focus one with Tab and the arrow keys) to see which bytes are which.');
  const idle = status.textContent;
  const hexBox = h('div', { class: 'inspector-hex' });
  const treeBox = h('div', { class: 'inspector-tree' });

  let hovered = null;
  let focused = null;

  function show() {
    const field = hovered ?? focused;
    if (!field) {
      hexView.highlight(null);
      tree.unmark();
      status.textContent = idle;
      return;
    }
    hexView.highlight(field.start, field.end, { scroll: true });
    tree.reveal(field, treeBox);
    status.textContent = describe(field);
    status.classList.toggle('has-problem', Boolean(field.problem));
    if (field.problem) status.textContent += ` Problem: ${field.problem}`;
  }

  const tree = createTree(fields, {
    label: `${label}: fields`,
    openDepth,
    events: {
      hover(field) { hovered = field; show(); },
      focus(field) { focused = field; show(); },
    },
  });
  const hexView = createHexView({
    hex,
    base,
    label: `${label}: bytes`,
    marks: classify([], fields, null, plaintext),
    firstRows,
    events: {
      hover(offset) { hovered = offset === null ? null : tree.deepestAt(offset); show(); },
      focus(offset) { focused = offset === null ? null : tree.deepestAt(offset); show(); },
    },
  });
  views?.push(hexView);
  hexBox.append(hexView.element);
  hexBox.addEventListener('scroll', () => hexView.scrolled(hexBox), { passive: true });
  treeBox.append(tree.element);

  if (fields.length === 0) {
    status.textContent = 'These bytes carry no TLS structure to annotate.';
    return h('div', { class: 'inspector bare' }, hexBox, status);
  }
  return h('div', { class: 'inspector' }, hexBox, treeBox, status);
}
