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
  const root = h('ul', { class: 'tree', role: 'tree', 'aria-label': label, 'data-arrows': '' });

  function build(field, depth, parent) {
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
      'aria-expanded': expandable ? String(open) : false,
    }, row);
    const node = { field, item, row, parent, depth, children: [], group: null };
    nodes.push(node);
    item.addEventListener('mouseover', (event) => {
      if (event.target instanceof Element && event.target.closest('li') === item) {
        events.hover?.(field);
      }
    });
    row.addEventListener('click', () => {
      if (expandable) setOpen(node, item.getAttribute('aria-expanded') !== 'true');
      item.focus();
    });
    if (expandable) {
      node.group = h('ul', { role: 'group', hidden: !open });
      for (const child of field.children) {
        const childNode = build(child, depth + 1, node);
        node.children.push(childNode);
        node.group.append(childNode.item);
      }
      item.append(node.group);
    }
    return node;
  }

  const top = fields.map((field) => build(field, 0, null));
  fill(root, top.map((node) => node.item));
  if (nodes.length > 0) nodes[0].item.setAttribute('tabindex', '0');

  const byItem = new Map(nodes.map((node) => [node.item, node]));

  function setOpen(node, open) {
    if (!node.group) return;
    node.item.setAttribute('aria-expanded', String(open));
    node.group.hidden = !open;
  }

  function visible(node) {
    for (let up = node.parent; up; up = up.parent) {
      if (up.item.getAttribute('aria-expanded') !== 'true') return false;
    }
    return true;
  }

  function focusNode(node) {
    if (!node) return;
    for (const other of nodes) other.item.setAttribute('tabindex', '-1');
    node.item.setAttribute('tabindex', '0');
    node.item.focus();
  }

  root.addEventListener('mouseleave', () => events.hover?.(null));
  root.addEventListener('focusin', (event) => {
    const node = byItem.get(event.target);
    if (!node) return;
    for (const other of nodes) if (other !== node) other.item.setAttribute('tabindex', '-1');
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
        if (node.group && !expanded) setOpen(node, true);
        else if (node.group) focusNode(node.children[0]);
        break;
      case 'ArrowLeft':
        if (node.group && expanded) setOpen(node, false);
        else focusNode(node.parent);
        break;
      case 'Enter':
      case ' ':
        if (node.group) setOpen(node, !expanded);
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
      for (let up = node.parent; up; up = up.parent) setOpen(up, true);
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
