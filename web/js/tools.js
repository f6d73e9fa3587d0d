// The learner's tools that leave the page's own rendering: downloads (made here as Blobs, never
// fetched), copying to the clipboard (with a fallback that selects the text), and the list of
// the learner's changes to the run.

import { fill, h } from './dom.js';
import { duration } from './tables.js';

/** Offers `data` as a download named `filename`; the object URL is revoked once it is used. */
export function download(filename, data, type) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by now; give the browser a moment before the URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

/**
 * Copies `text`; if the browser will not (no permission, no clipboard API), shows it in
 * `fallback` (a read-only textarea) selected, so Ctrl+C copies it. Resolves to `copied` or
 * `selected`.
 */
export async function copyText(text, fallback) {
  try {
    if (!navigator.clipboard?.writeText) throw new Error('no clipboard API');
    await navigator.clipboard.writeText(text);
    fallback.hidden = true;
    return 'copied';
  } catch {
    fallback.value = text;
    fallback.hidden = false;
    fallback.focus();
    fallback.select();
    return 'selected';
  }
}

/** One change the learner made, in words. */
export function describeChange(change) {
  if (change.kind === 'tamper') return `Byte ${change.offset} of step ${change.step + 1}'s flight flipped in transit`;
  if (change.kind === 'advanceClock') return `Lab clock moved forward ${duration(change.seconds)} after step ${(change.afterStep ?? change.after_step) + 1}`;
  return String(change.kind);
}

/** The list of changes; `onSeek(step)` jumps to the step a change concerns. */
export function renderChanges(container, changes, onSeek) {
  if (changes.length === 0) {
    fill(container, h('li', { class: 'note' }, 'None: this is the chapter as written.'));
    return;
  }
  fill(container, changes.map((change) => {
    const step = change.kind === 'tamper' ? change.step : (change.afterStep ?? change.after_step) + 1;
    return h('li', { 'data-change': change.kind },
      describeChange(change), ' ',
      h('button', { type: 'button', class: 'inline-link', onclick: () => onSeek(step) }, `(go to step ${step + 1})`));
  }));
}
