// The sequence diagram: client | wire | server lanes, one arrow per flight labelled with what it
// carried, lab events as notes across the lanes, connections separated, the current step
// marked. Each arrow is a focusable button (one in the tab order; the arrow keys move between
// them, Enter or Space goes to the step). Drawn once per run; moving the cursor only moves the
// mark.


const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 300;
const X_CLIENT = 14;
const X_SERVER = 286;
const X_WIRE = WIDTH / 2;
const LINE = 13;
const CHARS = 42;
const MAX_LINES = 4;

const BADGES = {
  rejected: '✕ rejected',
  alertReceived: '✕ fatal alert received',
  truncated: '✕ truncated',
};
const SIDE = { client: 'client', server: 'server', lab: 'lab' };

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Scrolls `container` (only it) so `element` is in the middle, if it is not in sight already. */
function centreInContainer(container, element) {
  const box = container.getBoundingClientRect();
  const target = element.getBoundingClientRect();
  if (target.top >= box.top && target.bottom <= box.bottom) return;
  container.scrollTop += target.top - box.top - (box.height - target.height) / 2;
}

/** Splits `text` into lines of at most `max` characters, at spaces where it can. */
export function wrapText(text, max, maxLines = MAX_LINES) {
  const lines = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > max) {
      if (line) { lines.push(line); line = ''; }
      lines.push(word.slice(0, max));
      word = word.slice(max);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= max) line += ` ${word}`;
    else { lines.push(line); line = word; }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = `${kept[maxLines - 1].slice(0, max - 1)}…`;
    return kept;
  }
  return lines.length > 0 ? lines : [''];
}

function textLines(lines, x, y, attributes) {
  return svg('text', { x, y, ...attributes },
    lines.map((line, i) => svg('tspan', { x, dy: i === 0 ? 0 : LINE }, line)));
}

function markers() {
  const head = (id) => svg('marker', {
    id, class: 'd-marker', viewBox: '0 0 10 10', refX: 9, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
  }, svg('path', { d: 'M0 0L10 5L0 10z' }));
  return svg('defs', {}, head('d-head'), head('d-head-current'));
}

function stepLabel(step, total) {
  const number = `Step ${step.index + 1} of ${total}`;
  if (step.from === 'lab') return `${number}, lab event: ${step.title}`;
  const to = step.outcome === 'event' ? 'the wire (an attacker)' : (step.from === 'client' ? 'server' : 'client');
  const badge = BADGES[step.outcome] ? `, ${BADGES[step.outcome].slice(2)}` : '';
  const replay = step.replay ? ', an attacker\'s replay' : '';
  return `${number}, ${step.from} to ${to}: ${step.title}, ${step.byteLength} bytes${replay}${badge}`;
}

/**
 * Makes the diagram in `container`. `onSeek(index)` is called when the learner chooses a step.
 */
export function createDiagram(container, { onSeek }) {
  let rows = new Map();
  let current = -1;
  let root = null;
  let scrollFrame = 0;

  // The one step in the tab order (roving tab stop).
  let tabStop = null;

  /** Makes `row` the diagram's one element in the tab order. */
  function moveTabStop(row) {
    if (row === tabStop) return;
    tabStop?.setAttribute('tabindex', '-1');
    row.setAttribute('tabindex', '0');
    tabStop = row;
  }

  function focusRow(index) {
    const row = rows.get(index);
    if (!row) return;
    moveTabStop(row);
    row.focus();
  }

  function onKey(event) {
    const row = event.target instanceof Element ? event.target.closest('.d-step') : null;
    if (!row) return;
    const index = Number(row.dataset.index);
    const last = rows.size - 1;
    const moves = { ArrowDown: index + 1, ArrowUp: index - 1, ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: last, PageDown: index + 8, PageUp: index - 8 };
    if (event.key in moves) {
      focusRow(Math.max(0, Math.min(last, moves[event.key])));
    } else if (event.key === 'Enter' || event.key === ' ') {
      onSeek(index);
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  /** Draws every step of `view`. */
  function draw(view) {
    rows = new Map();
    current = -1;
    tabStop = null;
    const body = [];
    let y = 6;
    let connection = null;
    const total = view.steps.length;
    for (const step of view.steps) {
      if (step.connection !== connection) {
        connection = step.connection;
        if (connection > 0) {
          y += 4;
          const label = `Connection ${connection}${step.plain ? ' (plain TCP, no TLS)' : ''}`;
          body.push(svg('g', { class: 'd-connection', 'aria-hidden': 'true' },
            svg('line', { x1: 0, x2: WIDTH, y1: y + 8, y2: y + 8 }),
            svg('rect', { x: X_WIRE - label.length * 3.2 - 6, y: y + 1, width: label.length * 6.4 + 12, height: 14, rx: 3 }),
            svg('text', { x: X_WIRE, y: y + 12, 'text-anchor': 'middle' }, label)));
          y += 22;
        }
      }
      const from = SIDE[step.from] ?? 'lab';
      const classes = ['d-step', `from-${from}`];
      if (step.replay) classes.push('replay');
      if (BADGES[step.outcome]) classes.push('bad');
      const group = svg('g', {
        class: classes.join(' '),
        role: 'button',
        tabindex: -1,
        'data-index': step.index,
        'aria-label': stepLabel(step, total),
      });
      group.append(svg('title', {}, stepLabel(step, total)));
      let height;
      if (from === 'lab') {
        const lines = wrapText(`${step.index + 1} · ${step.title}`, CHARS);
        height = lines.length * LINE + 12;
        group.append(
          svg('rect', { class: 'd-hit', x: 1, y, width: WIDTH - 2, height, rx: 4 }),
          svg('rect', { class: 'd-note', x: 8, y: y + 2, width: WIDTH - 16, height: height - 4, rx: 3 }),
          textLines(lines, X_WIRE, y + 13, { class: 'd-label d-note-text', 'text-anchor': 'middle' }));
        if (BADGES[step.outcome]) {
          group.append(svg('text', { class: 'd-badge', x: X_WIRE, y: y + height + 9, 'text-anchor': 'middle' }, BADGES[step.outcome]));
          height += 12;
        }
      } else {
        const lines = wrapText(`${step.index + 1} · ${step.title}`, CHARS);
        const arrowY = y + lines.length * LINE + 5;
        height = lines.length * LINE + 22;
        const toWire = step.outcome === 'event';
        const [x1, x2] = step.from === 'client'
          ? [X_CLIENT, toWire ? X_WIRE : X_SERVER - 1]
          : [X_SERVER, toWire ? X_WIRE : X_CLIENT + 1];
        const notes = [`${step.byteLength} B`];
        if (step.replay) notes.push('replay');
        if (step.tampered) notes.push(`byte ${step.tampered.offset} flipped`);
        if (toWire) notes.push('to the attacker');
        if (BADGES[step.outcome]) notes.push(BADGES[step.outcome]);
        group.append(
          svg('rect', { class: 'd-hit', x: 1, y, width: WIDTH - 2, height, rx: 4 }),
          svg('path', { class: 'd-now', d: `M2 ${arrowY - 5}L8 ${arrowY}L2 ${arrowY + 5}z` }),
          textLines(lines, X_WIRE, y + 11, { class: 'd-label', 'text-anchor': 'middle' }),
          svg('line', { class: 'd-arrow', x1, x2, y1: arrowY, y2: arrowY, 'marker-end': 'url(#d-head)' }),
          step.tampered
            ? svg('path', { class: 'd-tamper', d: `M${X_WIRE - 4} ${arrowY - 6}L${X_WIRE + 4} ${arrowY + 6}M${X_WIRE + 4} ${arrowY - 6}L${X_WIRE - 4} ${arrowY + 6}` })
            : null,
          svg('text', { class: `d-size${BADGES[step.outcome] ? ' d-badge' : ''}`, x: X_WIRE, y: arrowY + 13, 'text-anchor': 'middle' }, notes.join(' · ')));
      }
      y += height + 2;
      rows.set(step.index, group);
      body.push(group);
    }
    const height = Math.max(y + 6, 40);
    const lanes = svg('g', { class: 'd-lanes', 'aria-hidden': 'true' },
      svg('line', { class: 'd-lane d-lane-client', x1: X_CLIENT, x2: X_CLIENT, y1: 0, y2: height }),
      svg('line', { class: 'd-lane d-lane-wire', x1: X_WIRE, x2: X_WIRE, y1: 0, y2: height }),
      svg('line', { class: 'd-lane d-lane-server', x1: X_SERVER, x2: X_SERVER, y1: 0, y2: height }));
    root = svg('svg', {
      class: 'diagram',
      viewBox: `0 0 ${WIDTH} ${height}`,
      role: 'group',
      'aria-label': `Sequence diagram of this chapter: ${total} steps. Arrow keys move between steps; Enter or Space goes to one.`,
      'data-arrows': '',
    }, markers(), lanes, body);
    root.addEventListener('keydown', onKey);
    root.addEventListener('click', (event) => {
      const row = event.target instanceof Element ? event.target.closest('.d-step') : null;
      if (row) onSeek(Number(row.dataset.index));
    });
    container.replaceChildren(root);
    setCurrent(view.cursor);
  }

  /** Marks step `index` as the current one and scrolls it into sight. */
  function setCurrent(index) {
    const previous = rows.get(current);
    if (previous) {
      previous.classList.remove('current');
      previous.removeAttribute('aria-current');
      previous.querySelector('.d-arrow')?.setAttribute('marker-end', 'url(#d-head)');
    }
    current = index;
    const row = rows.get(index);
    if (!row) return;
    row.classList.add('current');
    row.setAttribute('aria-current', 'step');
    row.querySelector('.d-arrow')?.setAttribute('marker-end', 'url(#d-head-current)');
    // The tab stop follows the current step, unless the learner is moving it in the diagram.
    if (!root?.contains(document.activeElement)) moveTabStop(row);
    // After the browser lays the page out anyway: measuring now would force a layout per step.
    cancelAnimationFrame(scrollFrame);
    scrollFrame = requestAnimationFrame(() => centreInContainer(container, row));
  }

  return { draw, setCurrent };
}
