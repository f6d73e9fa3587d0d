// A hex dump: 16 bytes a row, each byte its own element with its offset in `data-offset`.
// Rows are aligned to multiples of 16 of the offsets, so a record that starts mid-row in its
// flight leaves the start of its first row empty. One byte at a time is in the tab order;
// the arrow keys move between bytes (roving focus).

import { h, hexPairs } from './dom.js';

const ROW = 16;

function printable(pair) {
  const code = Number.parseInt(pair, 16);
  return code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : '.';
}

/**
 * Makes a hex view of `hex`, whose first byte has offset `base`.
 * `events.hover(offset | null)` fires as the pointer moves over bytes;
 * `events.focus(offset | null)` as the keyboard focus moves.
 */
export function createHexView({ hex, base = 0, label, events = {} }) {
  const pairs = hexPairs(hex);
  const end = base + pairs.length;
  const cells = new Map();
  const chars = new Map();
  const root = h('div', {
    class: 'hexview',
    role: 'group',
    'aria-label': `${label}: ${pairs.length} bytes, offsets ${base} to ${end - 1}. Arrow keys move between bytes.`,
    'data-arrows': '',
  });

  const firstRow = base - (base % ROW);
  for (let row = firstRow; row < end; row += ROW) {
    const bytes = h('span', { class: 'hex-bytes' });
    const ascii = h('span', { class: 'hex-ascii', 'aria-hidden': 'true' });
    for (let offset = row; offset < row + ROW; offset += 1) {
      if (offset < base || offset >= end) {
        bytes.append(h('span', { class: 'hb empty', 'aria-hidden': 'true' }));
        ascii.append(h('span', { class: 'hc empty' }, ' '));
        continue;
      }
      const pair = pairs[offset - base];
      const cell = h('span', {
        class: 'hb',
        'data-offset': offset,
        tabindex: offset === base ? 0 : -1,
        'aria-label': `offset ${offset}: ${pair}`,
      }, pair);
      const char = h('span', { class: 'hc', 'data-offset': offset }, printable(pair));
      cells.set(offset, cell);
      chars.set(offset, char);
      bytes.append(cell);
      ascii.append(char);
    }
    root.append(h('div', { class: 'hex-row' },
      h('span', { class: 'hex-off', 'aria-hidden': 'true' }, String(row).padStart(4, ' ')),
      bytes,
      ascii));
  }

  const offsetOf = (target) => {
    const element = target instanceof Element ? target.closest('[data-offset]') : null;
    return element && root.contains(element) ? Number(element.dataset.offset) : null;
  };

  root.addEventListener('mouseover', (event) => {
    const offset = offsetOf(event.target);
    if (offset !== null) events.hover?.(offset);
  });
  root.addEventListener('mouseleave', () => events.hover?.(null));
  root.addEventListener('focusin', (event) => {
    const offset = offsetOf(event.target);
    if (offset === null) return;
    moveTabStop(offset);
    events.focus?.(offset);
  });
  root.addEventListener('focusout', (event) => {
    if (!root.contains(event.relatedTarget)) events.focus?.(null);
  });
  root.addEventListener('keydown', (event) => {
    const offset = offsetOf(event.target);
    if (offset === null) return;
    const moves = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: ROW,
      ArrowUp: -ROW,
      Home: -(offset % ROW),
      End: ROW - 1 - (offset % ROW),
      PageDown: ROW * 8,
      PageUp: -ROW * 8,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    event.stopPropagation();
    const next = Math.min(end - 1, Math.max(base, offset + moves[event.key]));
    cells.get(next)?.focus();
  });

  let tabStop = base;
  function moveTabStop(offset) {
    if (offset === tabStop) return;
    cells.get(tabStop)?.setAttribute('tabindex', '-1');
    cells.get(offset)?.setAttribute('tabindex', '0');
    tabStop = offset;
  }

  let lit = [];
  return {
    element: root,
    base,
    end,
    /** Marks bytes `start..end` (clipped to this view); clears the marks when `start` is null. */
    highlight(start, stop, { scroll = false } = {}) {
      for (const element of lit) element.classList.remove('lit');
      lit = [];
      if (start === null || start === undefined) return;
      for (let offset = Math.max(start, base); offset < Math.min(stop, end); offset += 1) {
        const cell = cells.get(offset);
        const char = chars.get(offset);
        if (cell) lit.push(cell);
        if (char) lit.push(char);
      }
      for (const element of lit) element.classList.add('lit');
      if (scroll && lit.length > 0) scrollToRow(root, lit[0], lit[lit.length - 1]);
    },
    /** Adds `className` to the bytes `start..stop`. */
    classify(start, stop, className) {
      for (let offset = Math.max(start, base); offset < Math.min(stop, end); offset += 1) {
        cells.get(offset)?.classList.add(className);
        chars.get(offset)?.classList.add(className);
      }
    },
  };
}

/** Scrolls the hex view (only it) so the marked bytes are in sight. */
function scrollToRow(container, first, last) {
  const box = container.getBoundingClientRect();
  const top = first.getBoundingClientRect().top;
  const bottom = last.getBoundingClientRect().bottom;
  if (top >= box.top && bottom <= box.bottom) return;
  if (bottom - top > box.height || top < box.top) container.scrollTop += top - box.top - 4;
  else container.scrollTop += bottom - box.bottom + 4;
}
