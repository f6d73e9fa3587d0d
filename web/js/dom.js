// Small DOM helpers. Every value from the lab is inserted as text, never parsed as HTML (the hex
// view alone writes its rows as markup, every value in it escaped: see hexview.js).

const SVG_NS = 'http://www.w3.org/2000/svg';

// Elements `h` gave listeners: `update` puts these in as made, never an old element in their
// place (the old one's listeners would act on the old data).
const LISTENING = new WeakSet();

/** Creates an element with attributes and children (strings become text nodes). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') element.className = value;
    else if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
      LISTENING.add(element);
    } else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** The element with this id; throws if the page lacks it, which is a bug in index.html. */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element;
}

/** Sets the text of `element`, unless it already is `text` (new text is laid out again). */
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/** Replaces all children of `element`. */
export function fill(element, ...children) {
  element.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

/**
 * Makes the children of `element` equal to `children` (made by `h`), keeping the nodes that
 * already match: text and elements that did not change are not laid out again, which matters
 * for panels redrawn on every step. Not for content whose elements other code holds on to.
 */
export function update(element, ...children) {
  const wanted = children.flat()
    .filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => (c instanceof Node ? c : document.createTextNode(String(c))));
  updateChildren(element, wanted);
}

function updateChildren(parent, wanted) {
  const existing = [...parent.childNodes];
  wanted.forEach((node, index) => {
    const old = existing[index];
    if (!old) parent.append(node);
    else if (sameKind(old, node)) updateNode(old, node);
    else old.replaceWith(node);
  });
  for (const old of existing.slice(wanted.length)) old.remove();
}

function sameKind(old, node) {
  if (old.nodeType !== node.nodeType) return false;
  if (node.nodeType === Node.TEXT_NODE) return true;
  return node.nodeType === Node.ELEMENT_NODE
    && old.namespaceURI === node.namespaceURI
    && old.localName === node.localName
    && !LISTENING.has(old)
    && !LISTENING.has(node);
}

function updateNode(old, node) {
  if (node.nodeType === Node.TEXT_NODE) {
    if (old.data !== node.data) old.data = node.data;
    return;
  }
  for (const { name } of [...old.attributes]) {
    if (!node.hasAttribute(name)) old.removeAttribute(name);
  }
  for (const { name, value } of node.attributes) {
    if (old.getAttribute(name) !== value) old.setAttribute(name, value);
  }
  updateChildren(old, [...node.childNodes]);
}

/**
 * How long work left for idle time waits after the view was last drawn. A learner holding an
 * arrow key steps every 30-40 ms; work done between those steps is for a view already gone,
 * and what it changed would be laid out and painted in the next step's frame.
 */
const PAUSE_MS = 100;
/**
 * How long a turn runs tasks when the browser grants no idle time. Chrome grants none for about
 * a second after a key press (it expects more input) and calls back at the timeout with no
 * time left; one task a turn drained a flight's work over seconds. Whether the learner paused
 * is ours to judge (PAUSE_MS): a key pressed meanwhile waits at most a slice and one task.
 */
const SLICE_MS = 8;
/** How soon a turn comes when the browser grants no idle time. */
const TURN_TIMEOUT_MS = 50;
let quietFrom = 0;
const idleTasks = [];
let idleAsked = false;

const onIdle = typeof requestIdleCallback === 'function'
  ? (run) => requestIdleCallback(run, { timeout: TURN_TIMEOUT_MS })
  : (run) => setTimeout(run, 0);

/** Notes that the view has just been drawn (a step, or any change): idle work waits for a pause. */
export function noteRender() {
  quietFrom = performance.now() + PAUSE_MS;
}

/**
 * Runs `task` once the page is idle and the learner has paused (PAUSE_MS after the view was
 * last drawn), in the order asked: as many as the idle period has time for, or a slice
 * (SLICE_MS) when the browser grants none, at least one.
 */
export function whenIdle(task) {
  idleTasks.push(task);
  if (!idleAsked) {
    idleAsked = true;
    onIdle(runIdleTasks);
  }
}

function runIdleTasks(deadline) {
  const wait = quietFrom - performance.now();
  if (wait > 0) {
    setTimeout(() => onIdle(runIdleTasks), wait);
    return;
  }
  const sliceEnd = performance.now() + SLICE_MS;
  const hasTime = () => deadline?.timeRemaining() > 0 || performance.now() < sliceEnd;
  try {
    do {
      idleTasks.shift()();
    } while (idleTasks.length > 0 && hasTime());
  } finally {
    // The next turn asks again whether the learner is still pausing.
    if (idleTasks.length > 0) onIdle(runIdleTasks);
    else idleAsked = false;
  }
}

/** Splits a hex string into its byte pairs. */
export function hexPairs(hex) {
  return hex.match(/../g) ?? [];
}

/** Hex with a space between bytes, for reading. */
export function spacedHex(hex) {
  return hexPairs(hex).join(' ');
}

/** "1 byte", "2 bytes". */
export function bytesWord(count) {
  return count === 1 ? '1 byte' : `${count} bytes`;
}

// Small marks drawn as SVG: the page's fonts have no emoji.
const ICONS = {
  check: ['M3 8.5l3.2 3.2L13 4.8'],
  cross: ['M4 4l8 8', 'M12 4l-8 8'],
  lock: ['M4.5 7.5h7v6h-7z', 'M6 7.5V5.5a2 2 0 0 1 4 0v2'],
  open: ['M4.5 7.5h7v6h-7z', 'M6 7.5V5.5a2 2 0 0 1 4 0'],
  warn: ['M8 2.5l6 11H2z', 'M8 6.5v3.5', 'M8 11.8v.2'],
  arrow: ['M8 2.5v10.5', 'M4 9l4 4 4-4'],
};

/** An inline SVG mark; decorative (the text next to it says the same). */
export function icon(name, extraClass = '') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `icon icon-${name} ${extraClass}`.trim());
  for (const d of ICONS[name] ?? []) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

/** Text only screen readers hear. */
export function srOnly(text) {
  return h('span', { class: 'sr-only' }, text);
}

/** Scrolls `container` (not the page) just enough to show `element`. */
export function scrollIntoContainer(container, element) {
  if (!container || !element) return;
  const box = container.getBoundingClientRect();
  const target = element.getBoundingClientRect();
  if (target.top < box.top) container.scrollTop -= box.top - target.top + 4;
  else if (target.bottom > box.bottom) container.scrollTop += target.bottom - box.bottom + 4;
}
