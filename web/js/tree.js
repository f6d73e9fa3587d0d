// The annotation tree: the dissector's fields (name · value · note, problems marked), collapsible,
// following the WAI-ARIA tree pattern: one item in the tab order, arrow keys to move, open and
// close.

import { fill, h, scrollIntoContainer } from './dom.js';

/** Whether a field or any field below it reports a problem. */
function hasProblem(field) {
  return Boolean(field.problem) || field.children.some(hasProblem);
}

function rangeText(field) {
  const length = field.end - field.start;
  if (length === 0) return 'no bytes';
  if (length === 1) return `byte ${field.start}`;
  return `bytes ${field.start}–${field.end - 1}`;
}

/**
 * Makes a tree of `fields`. `events.hover(field | null)` and `events.focus(field | null)` fire as
 * the pointer and the keyboard move over fields. Fields at a depth below `openDepth` start open.
 */
export function createTree(fields, { label, events = {}, openDepth = 1 } = {}) {
  const nodes = [];
  const byItem = new Map();
  const root = h('ul', { class: 'tree', role: 'tree', 'aria-label': label, 'data-arrows': '' });

  // Every field has a node at once; a node's element is made when its parent first opens (a
  // certificate alone has hundreds of fields, most of them closed).
  function model(field, depth, parent) {
    const node = { field, parent, depth, children: [], item: null, row: null, group: null };
    nodes.push(node);
    node.children = field.children.map((child) => model(child, depth + 1, node));
    return node;
  }

  function makeItem(node) {
    const { field, depth } = node;
    const expandable = field.children.length > 0;
    const open = expandable && (depth < openDepth || hasProblem(field));
    const problem = field.problem
      ? h('span', { class: 'field-problem' }, h('strong', {}, 'Problem: '), field.problem)
      : null;
    const row = h('div', { class: 'field-row' },
      h('span', { class: `twisty${expandable ? '' : ' leaf'}`, 'aria-hidden': 'true' }),
      h('span', { class: 'field-main' },
        h('span', { class: 'field-name' }, field.name),
        field.value ? h('span', { class: 'field-value' }, field.value) : null,
        h('span', { class: 'field-range' }, rangeText(field))),
      field.note ? h('span', { class: 'field-note' }, field.note) : null,
      problem);
    const item = h('li', {
      role: 'treeitem',
      class: `field${field.problem ? ' problem' : ''}`,
      tabindex: -1,
      'aria-level': depth + 1,
      'aria-expanded': expandable ? 'false' : false,
    }, row);
    node.item = item;
    node.row = row;
    byItem.set(item, node);
    item.addEventListener('mouseover', (event) => {
      if (event.target instanceof Element && event.target.closest('li') === item) {
        events.hover?.(field);
      }
    });
    row.addEventListener('click', () => {
      if (expandable) setOpen(node, item.getAttribute('aria-expanded') !== 'true');
      item.focus();
    });
    if (open) setOpen(node, true);
    return item;
  }

  const top = fields.map((field) => model(field, 0, null));
  fill(root, top.map(makeItem));
  if (top.length > 0) top[0].item.setAttribute('tabindex', '0');


  function setOpen(node, open) {
    if (node.children.length === 0) return;
    if (open && !node.group) {
      node.group = h('ul', { role: 'group' }, node.children.map(makeItem));
      node.item.append(node.group);
    }
    node.item.setAttribute('aria-expanded', String(open));
    if (node.group) node.group.hidden = !open;
  }

  function visible(node) {
    if (!node.item) return false;
    for (let up = node.parent; up; up = up.parent) {
      if (up.item.getAttribute('aria-expanded') !== 'true') return false;
    }
    return true;
  }

  function focusNode(node) {
    if (!node) return;
    for (const other of byItem.keys()) other.setAttribute('tabindex', '-1');
    node.item.setAttribute('tabindex', '0');
    node.item.focus();
  }

  root.addEventListener('mouseleave', () => events.hover?.(null));
  root.addEventListener('focusin', (event) => {
    const node = byItem.get(event.target);
    if (!node) return;
    for (const other of byItem.keys()) if (other !== node.item) other.setAttribute('tabindex', '-1');
    node.item.setAttribute('tabindex', '0');
    events.focus?.(node.field);
  });
  root.addEventListener('focusout', (event) => {
    if (!root.contains(event.relatedTarget)) events.focus?.(null);
  });
  root.addEventListener('keydown', (event) => {
    const node = byItem.get(event.target);
    if (!node) return;
    const shown = nodes.filter(visible);
    const index = shown.indexOf(node);
    const expanded = node.item.getAttribute('aria-expanded') === 'true';
    let handled = true;
    switch (event.key) {
      case 'ArrowDown': focusNode(shown[index + 1]); break;
      case 'ArrowUp': focusNode(shown[index - 1]); break;
      case 'Home': focusNode(shown[0]); break;
      case 'End': focusNode(shown[shown.length - 1]); break;
      case 'ArrowRight':
        if (node.children.length > 0 && !expanded) setOpen(node, true);
        else if (node.children.length > 0) focusNode(node.children[0]);
        break;
      case 'ArrowLeft':
        if (node.children.length > 0 && expanded) setOpen(node, false);
        else focusNode(node.parent);
        break;
      case 'Enter':
      case ' ':
        if (node.children.length > 0) setOpen(node, !expanded);
        break;
      default: handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  });

  let marked = null;
  return {
    element: root,
    /** The deepest field whose bytes include `offset`. */
    deepestAt(offset) {
      let level = top;
      let found = null;
      while (level.length > 0) {
        const next = level.find((n) => n.field.start <= offset && offset < n.field.end);
        if (!next) break;
        found = next;
        level = next.children;
      }
      return found?.field ?? null;
    },
    /** Opens the tree down to `field`, marks it, and scrolls `scroller` to show it. */
    reveal(field, scroller) {
      const node = nodes.find((n) => n.field === field);
      if (marked) marked.item.classList.remove('hit');
      marked = node ?? null;
      if (!node) return;
      const path = [];
      for (let up = node.parent; up; up = up.parent) path.unshift(up);
      for (const up of path) setOpen(up, true);
      node.item.classList.add('hit');
      scrollIntoContainer(scroller, node.row);
    },
    /** Removes the mark `reveal` set. */
    unmark() {
      if (marked) marked.item.classList.remove('hit');
      marked = null;
    },
  };
}
