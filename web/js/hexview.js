// A hex dump: 16 bytes a row, aligned to multiples of 16 of the offsets (a record that starts
// mid-row in its flight leaves the start of its first row empty), the bytes beside their
// printable characters.
//
// Each row is text: runs of bytes that carry the same marks (field kinds, the lit field, the
// selected or flipped byte) share one span whose `data-start`/`data-end` give its byte range.
// A byte per element made a step's hex views cost more layout than the rest of the page; as
// text, the pointer's byte is found from the monospace grid instead. One byte, the tab stop,
// is an element of its own (`.hb[data-offset]`, always in the tab order); the arrow keys move
// it (roving focus) and the pointer's click puts it where it points.
//
// A flight can be tens of kilobytes: the first rows (more than the scroll box shows) are made
// at once, more while the page is idle up to 4 KiB a view, and the rest as the learner scrolls
// the box to them (a spacer one line a row high stands in for them, so the scroll bar tells the
// view's true length); any row a mark, a highlight or the keyboard needs is made on the spot.
// A view of a whole 16 KiB record made at once was 6,000 elements, which the next step took
// 6 ms to take down. The view announces a byte picked by click or keyboard focus with a
// bubbling `bytepick` event ({ offset, value }).

import { h, hexPairs, whenIdle } from './dom.js';

const ROW = 16;
/** Rows made at once: more than the tallest hex box shows (26rem of 1.55 × 12 px rows). */
const FIRST_ROWS = 24;
/** Rows made per idle slice, and beyond the last row in sight as the box scrolls. */
const IDLE_ROWS = 64;
/** Rows made without being asked for: 4 KiB. */
const UNASKED_ROWS = 256;

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `text` made safe to stand in markup as text or as an attribute value. */
function escapeText(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function printable(pair) {
  const code = Number.parseInt(pair, 16);
  return code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : '.';
}

/** `text` (escaped markup) of bytes `start..stop`, in a span carrying their marks if they have any. */
function markedRun(classes, start, stop, text) {
  if (!classes) return text;
  return `<span class="${escapeText(classes.trim())}" data-start="${start}" data-end="${stop}">${text}</span>`;
}

/** What stands before the byte in column `column` of a row's hex. */
function separator(column) {
  if (column === 0) return '';
  return column === ROW / 2 ? '  ' : ' ';
}

/**
 * The column of the byte at `x` pixels into a row's hex, whose digits are `digit` pixels wide
 * and whose spaces `space` pixels (the style narrows the spaces); a gap counts as the byte
 * before it.
 */
function columnAt(x, digit, space) {
  const pitch = 2 * digit + space;
  const half = ROW / 2;
  const firstHalf = half * pitch;
  let column;
  if (x < firstHalf) column = Math.floor(x / pitch);
  else if (x < firstHalf + space) column = half - 1;
  else column = half + Math.floor((x - firstHalf - space) / pitch);
  return Math.min(ROW - 1, Math.max(0, column));
}

/**
 * Makes a hex view of `hex`, whose first byte has offset `base`, with `marks` ({ start, stop,
 * className }, offsets in the same numbering) drawn from the start. `firstRows` (at most
 * FIRST_ROWS) are made at once, the rest later (see the top of this file).
 * `events.hover(offset | null)` fires as the pointer moves over bytes;
 * `events.focus(offset | null)` as the keyboard focus moves.
 */
export function createHexView({ hex, base = 0, label, marks: initialMarks = [], firstRows = FIRST_ROWS, events = {} }) {
  const pairs = hexPairs(hex);
  const end = base + pairs.length;
  // Every mark, clipped to this view, so that rows made or redrawn later carry them.
  let marks = initialMarks
    .map(({ start, stop, className }) => ({ start: Math.max(start, base), stop: Math.min(stop, end), className }))
    .filter((mark) => mark.start < mark.stop);
  let lit = null;
  const rows = new Map();
  const root = h('div', {
    class: 'hexview',
    role: 'group',
    'aria-label': `${label}: ${pairs.length} bytes, offsets ${base} to ${end - 1}. Arrow keys move between bytes.`,
    'data-arrows': '',
    'data-base': base,
    'data-end': end,
  });

  const firstRow = base - (base % ROW);
  let nextRow = firstRow;
  let tabStop = base;
  const stopElement = h('span', { class: 'hb', tabindex: '0' });
  // Set while the tab stop moves, when its element may leave the document for a moment.
  let moving = false;

  const rowOf = (offset) => offset - (offset % ROW);

  /** The mark classes of byte `offset`, in a fixed order so that equal sets compare equal. */
  function classesAt(offset) {
    let classes = '';
    for (const mark of marks) {
      if (mark.start <= offset && offset < mark.stop) classes += ` ${mark.className}`;
    }
    if (lit && lit.start <= offset && offset < lit.stop) classes += ' lit';
    return classes;
  }

  // A row's hex and characters as markup. Everything in it is escaped text or numbers; the tab
  // stop's place is a placeholder that its one long-lived element takes.
  function rowMarkup(row) {
    let bytes = '';
    let ascii = '';
    let column = 0;
    while (column < ROW) {
      const offset = row + column;
      if (offset < base || offset >= end) {
        bytes += `${separator(column)}  `;
        ascii += ' ';
        column += 1;
        continue;
      }
      // A run of bytes with the same marks; the tab stop is a run of its own.
      const classes = classesAt(offset);
      let last = column + 1;
      if (offset !== tabStop) {
        while (last < ROW && row + last < end && row + last !== tabStop && classesAt(row + last) === classes) last += 1;
      }
      let text = '';
      let chars = '';
      for (let c = column; c < last; c += 1) {
        const pair = pairs[row + c - base];
        text += `${c === column ? '' : separator(c)}${escapeText(pair)}`;
        chars += escapeText(printable(pair));
      }
      bytes += separator(column) + (offset === tabStop ? '<b data-stop></b>' : markedRun(classes, offset, row + last, text));
      ascii += markedRun(classes, offset, row + last, chars);
      column = last;
    }
    return { bytes, ascii };
  }

  function rowElementMarkup(row) {
    const { bytes, ascii } = rowMarkup(row);
    return `<div class="hex-row" data-row="${row}"><span class="hex-off" aria-hidden="true">${String(row).padStart(4, ' ')}</span>`
      + `<span class="hex-bytes">${bytes}</span><span class="hex-ascii" aria-hidden="true">${ascii}</span></div>`;
  }

  function parse(markup) {
    const template = document.createElement('template');
    template.innerHTML = markup;
    return template.content;
  }

  function updateStop() {
    const pair = pairs[tabStop - base];
    stopElement.className = `hb${classesAt(tabStop)}`;
    stopElement.dataset.offset = String(tabStop);
    stopElement.dataset.start = String(tabStop);
    stopElement.dataset.end = String(tabStop + 1);
    stopElement.setAttribute('aria-label', `offset ${tabStop}: ${pair}`);
    stopElement.textContent = pair;
  }

  /** Puts the tab stop's element in place of the placeholder under `parent`, if there is one. */
  function placeStop(parent) {
    const placeholder = parent.querySelector('[data-stop]');
    if (!placeholder) return;
    updateStop();
    placeholder.replaceWith(stopElement);
  }

  /** Draws made row `row` again from the marks. */
  function redraw(row) {
    const element = rows.get(row);
    if (!element) return;
    const { bytes, ascii } = rowMarkup(row);
    const [, bytesElement, asciiElement] = element.children;
    asciiElement.innerHTML = ascii;
    if (stopElement.parentNode === bytesElement && row === rowOf(tabStop)) {
      // The tab stop stays in the document (it may have focus): the rest is put around it.
      const nodes = [...parse(bytes).childNodes];
      const at = nodes.findIndex((node) => node instanceof Element && node.hasAttribute('data-stop'));
      for (const child of [...bytesElement.childNodes]) if (child !== stopElement) child.remove();
      stopElement.before(...nodes.slice(0, at));
      stopElement.after(...nodes.slice(at + 1));
      updateStop();
    } else {
      bytesElement.innerHTML = bytes;
      placeStop(bytesElement);
    }
  }

  function redrawRange(start, stop) {
    for (let row = rowOf(Math.max(start, base)); row < Math.min(stop, end) && row < nextRow; row += ROW) redraw(row);
  }

  // Stands in for the rows not made yet: one line of the view's type each.
  const spacer = h('div', { class: 'hex-spacer', 'aria-hidden': 'true' });
  root.append(spacer);

  /** Makes every row up to the one holding `offset`. */
  function ensure(offset) {
    let markup = '';
    const from = nextRow;
    for (; nextRow < end && nextRow <= offset; nextRow += ROW) markup += rowElementMarkup(nextRow);
    if (markup === '') return;
    const content = parse(markup);
    let row = from;
    for (const element of content.children) {
      rows.set(row, element);
      row += ROW;
    }
    placeStop(content);
    spacer.before(content);
    const left = Math.ceil((end - nextRow) / ROW);
    if (left > 0) spacer.style.height = `${left}lh`;
    else spacer.remove();
  }

  ensure(firstRow + (Math.min(Math.max(firstRows, 1), FIRST_ROWS) - 1) * ROW);
  function makeRest() {
    // A view the page has already replaced (the learner moved on) is not worth finishing.
    const replaced = !root.isConnected || root.closest('[data-retired]') !== null;
    if (nextRow >= end || replaced || nextRow - firstRow >= UNASKED_ROWS * ROW) return;
    ensure(nextRow + (IDLE_ROWS - 1) * ROW);
    whenIdle(makeRest);
  }
  if (nextRow < end) whenIdle(makeRest);

  /** The byte under the pointer of `event`, or null: found from the row's monospace grid. */
  function offsetAt(event) {
    const target = event.target instanceof Element ? event.target : null;
    const part = target?.closest('.hex-bytes, .hex-ascii');
    const row = part?.parentElement;
    if (!part || !row || !root.contains(row) || row.dataset.row === undefined) return null;
    // The offset column is plain monospace text: one character of it is one digit's width.
    const label = row.firstElementChild;
    const digit = label.getBoundingClientRect().width / label.textContent.length;
    const box = part.getBoundingClientRect();
    if (!(digit > 0)) return null;
    const x = event.clientX - box.left;
    let column;
    if (part.classList.contains('hex-bytes')) {
      const space = (box.width - 2 * ROW * digit) / ROW;
      column = columnAt(x, digit, space);
    } else {
      // The characters start after the column's rule and padding.
      const inset = part.clientLeft + Number.parseFloat(getComputedStyle(part).paddingLeft);
      column = Math.min(ROW - 1, Math.max(0, Math.floor((x - inset) / digit)));
    }
    const offset = Number(row.dataset.row) + column;
    return offset >= base && offset < end ? offset : null;
  }

  function focusByte(offset) {
    events.focus?.(offset);
    root.dispatchEvent(new CustomEvent('bytepick', {
      bubbles: true,
      detail: { offset, value: pairs[offset - base] },
    }));
  }

  /** Moves the tab stop to `offset`, keeping (or giving, with `focus`) it the keyboard focus. */
  function moveStop(offset, { focus = false } = {}) {
    const focused = document.activeElement === stopElement;
    if (offset !== tabStop) {
      moving = true;
      const before = rowOf(tabStop);
      tabStop = offset;
      ensure(offset);
      redraw(rowOf(offset));
      if (before !== rowOf(offset)) redraw(before);
      moving = false;
    }
    if (focused || focus) {
      if (document.activeElement !== stopElement) {
        moving = true;
        stopElement.focus({ preventScroll: true });
        moving = false;
      }
      focusByte(offset);
      // After the field's highlight, which may have scrolled to the field's start.
      stopElement.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
  }

  // While the learner drags out or keeps a text selection in this view, pointing lights nothing
  // and a click picks nothing: redrawing rows would take the selection apart.
  function selecting(event) {
    if (event.buttons & 1) return true;
    const selection = document.getSelection();
    return Boolean(selection && !selection.isCollapsed && root.contains(selection.anchorNode));
  }

  let pointed = null;
  root.addEventListener('mousemove', (event) => {
    if (selecting(event)) return;
    const offset = offsetAt(event);
    if (offset === null || offset === pointed) return;
    pointed = offset;
    events.hover?.(offset);
  });
  root.addEventListener('mouseleave', () => {
    pointed = null;
    events.hover?.(null);
  });
  root.addEventListener('click', (event) => {
    if (selecting(event)) return;
    const offset = offsetAt(event);
    if (offset !== null) moveStop(offset, { focus: true });
  });
  root.addEventListener('focusin', (event) => {
    if (!moving && event.target === stopElement) focusByte(tabStop);
  });
  root.addEventListener('focusout', (event) => {
    if (!moving && !root.contains(event.relatedTarget)) events.focus?.(null);
  });
  root.addEventListener('keydown', (event) => {
    if (event.target !== stopElement) return;
    const offset = tabStop;
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
    moveStop(Math.min(end - 1, Math.max(base, offset + moves[event.key])));
  });

  /** Adds `className` to the bytes `start..stop` (clipped to this view), made or not. */
  function mark(start, stop, className) {
    const from = Math.max(start, base);
    const to = Math.min(stop, end);
    if (from >= to) return;
    marks.push({ start: from, stop: to, className });
    redrawRange(from, to);
  }

  return {
    element: root,
    base,
    end,
    /** Makes the rows down to a screenful past the bottom of `box`, the view's scroll box. */
    scrolled(box) {
      const first = rows.get(firstRow);
      if (nextRow >= end || !first) return;
      const rowHeight = first.getBoundingClientRect().height;
      if (!(rowHeight > 0)) return;
      const rowsDown = Math.ceil((box.scrollTop + box.clientHeight) / rowHeight) + IDLE_ROWS;
      ensure(firstRow + rowsDown * ROW);
    },
    /** Lights bytes `start..stop` (clipped to this view); clears the light when `start` is null. */
    highlight(start, stop, { scroll = false } = {}) {
      const next = start === null || start === undefined ? null
        : { start: Math.max(start, base), stop: Math.min(stop, end) };
      const same = next && lit && next.start === lit.start && next.stop === lit.stop;
      if (!same) {
        const before = lit;
        lit = next && next.start < next.stop ? next : null;
        if (before) redrawRange(before.start, before.stop);
        if (lit) {
          ensure(lit.stop - 1);
          redrawRange(lit.start, lit.stop);
        }
      }
      if (scroll && lit) scrollToRows(root.parentElement ?? root, rows.get(rowOf(lit.start)), rows.get(rowOf(lit.stop - 1)));
    },
    /** Marks one byte with `className` (made at once, so it can be seen and found). */
    markByte(offset, className) {
      if (offset < base || offset >= end) return;
      ensure(offset);
      mark(offset, offset + 1, className);
    },
    /** Removes `className` from every byte. */
    unmarkAll(className) {
      const removed = marks.filter((m) => m.className === className);
      if (removed.length === 0) return;
      marks = marks.filter((m) => m.className !== className);
      for (const { start, stop } of removed) redrawRange(start, stop);
    },
  };
}

/** Scrolls `container`, the hex view's scroll box (only it), so the rows from `first` to `last` are in sight. */
function scrollToRows(container, first, last) {
  if (!first || !last) return;
  const box = container.getBoundingClientRect();
  const top = first.getBoundingClientRect().top;
  const bottom = last.getBoundingClientRect().bottom;
  if (top >= box.top && bottom <= box.bottom) return;
  // A field taller than the box that is already partly in sight stays where it is: the byte
  // being pointed at or moved to is in it.
  if (bottom - top > box.height && top < box.bottom && bottom > box.top) return;
  if (bottom - top > box.height || top < box.top) container.scrollTop += top - box.top - 4;
  else container.scrollTop += bottom - box.bottom + 4;
}
