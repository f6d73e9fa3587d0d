// A hex dump: 16 bytes a row, each byte its own element with its offset in `data-offset`.
// Rows are aligned to multiples of 16 of the offsets, so a record that starts mid-row in its
// flight leaves the start of its first row empty. One byte at a time is in the tab order;
// the arrow keys move between bytes (roving focus).
//
// A flight can be tens of kilobytes, and every step makes new hex views: the first rows (more
// than the scroll box shows) are made at once, the rest while the page is idle, and any row a
// mark, a highlight or the keyboard needs is made on the spot.

import { h, hexPairs } from './dom.js';

const ROW = 16;
/** Rows made at once: more than the tallest hex box shows (26rem of 1.55 × 12 px rows). */
const FIRST_ROWS = 24;
/** Rows made per idle slice. */
const IDLE_ROWS = 48;

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `text` made safe to stand in markup as text or as an attribute value. */
function escapeText(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function printable(pair) {
  const code = Number.parseInt(pair, 16);
  return code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : '.';
}

const whenIdle = typeof requestIdleCallback === 'function'
  ? (task) => requestIdleCallback(task, { timeout: 200 })
  : (task) => setTimeout(task, 0);

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
  // The marks made so far ({ start, stop, className }), so that rows made later carry them.
  let marks = [];
  const root = h('div', {
    class: 'hexview',
    role: 'group',
    'aria-label': `${label}: ${pairs.length} bytes, offsets ${base} to ${end - 1}. Arrow keys move between bytes.`,
    'data-arrows': '',
  });

  const firstRow = base - (base % ROW);
  let nextRow = firstRow;
  let tabStop = base;

  // Rows are written as markup and parsed in one go: thousands of byte elements a step, made
  // one call at a time, cost more than the rest of a step. Everything in it is escaped text:
  // offsets are numbers, and each byte is shown as two hex digits and a printable character.
  function rowMarkup(row) {
    let bytes = '';
    let ascii = '';
    for (let offset = row; offset < row + ROW; offset += 1) {
      if (offset < base || offset >= end) {
        bytes += '<span class="hb empty" aria-hidden="true"></span>';
        ascii += '<span class="hc empty"> </span>';
        continue;
      }
      const pair = escapeText(pairs[offset - base]);
      const extra = marks
        .filter((m) => m.start <= offset && offset < m.stop)
        .map((m) => ` ${escapeText(m.className)}`)
        .join('');
      bytes += `<span class="hb${extra}" data-offset="${offset}" tabindex="${offset === tabStop ? 0 : -1}" aria-label="offset ${offset}: ${pair}">${pair}</span>`;
      ascii += `<span class="hc${extra}" data-offset="${offset}">${escapeText(printable(pairs[offset - base]))}</span>`;
    }
    return `<div class="hex-row"><span class="hex-off" aria-hidden="true">${String(row).padStart(4, ' ')}</span>`
      + `<span class="hex-bytes">${bytes}</span><span class="hex-ascii" aria-hidden="true">${ascii}</span></div>`;
  }

  /** Makes every row up to the one holding `offset`. */
  function ensure(offset) {
    let markup = '';
    for (; nextRow < end && nextRow <= offset; nextRow += ROW) markup += rowMarkup(nextRow);
    if (markup === '') return;
    const rows = document.createElement('template');
    rows.innerHTML = markup;
    for (const cell of rows.content.querySelectorAll('[data-offset]')) {
      (cell.classList.contains('hb') ? cells : chars).set(Number(cell.dataset.offset), cell);
    }
    root.append(rows.content);
  }

  ensure(firstRow + (FIRST_ROWS - 1) * ROW);
  function makeRest() {
    // A view the page has already replaced (the learner moved on) is not worth finishing.
    if (nextRow >= end || !root.isConnected) return;
    ensure(nextRow + (IDLE_ROWS - 1) * ROW);
    whenIdle(makeRest);
  }
  if (nextRow < end) whenIdle(makeRest);

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
    ensure(next);
    cells.get(next)?.focus();
  });

  function moveTabStop(offset) {
    if (offset === tabStop) return;
    cells.get(tabStop)?.setAttribute('tabindex', '-1');
    cells.get(offset)?.setAttribute('tabindex', '0');
    tabStop = offset;
  }

  /** Adds `className` to the bytes `start..stop` (clipped to this view), made or not. */
  function mark(start, stop, className) {
    const from = Math.max(start, base);
    const to = Math.min(stop, end);
    if (from >= to) return;
    marks.push({ start: from, stop: to, className });
    for (let offset = from; offset < to && offset < nextRow; offset += 1) {
      cells.get(offset)?.classList.add(className);
      chars.get(offset)?.classList.add(className);
    }
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
      ensure(Math.min(stop, end) - 1);
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
    classify: mark,
    /** Marks one byte with `className` (made at once, so it can be seen and found). */
    markByte(offset, className) {
      if (offset < base || offset >= end) return;
      ensure(offset);
      mark(offset, offset + 1, className);
    },
    /** Removes `className` from every byte. */
    unmarkAll(className) {
      for (const { start, stop } of marks.filter((m) => m.className === className)) {
        for (let offset = start; offset < stop && offset < nextRow; offset += 1) {
          cells.get(offset)?.classList.remove(className);
          chars.get(offset)?.classList.remove(className);
        }
      }
      marks = marks.filter((m) => m.className !== className);
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
