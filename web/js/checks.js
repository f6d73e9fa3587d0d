// What the core verified, shown plainly: each check with a mark and a word, and a failed check
// impossible to miss (a banner, a cross, the word FAILED, a red border).

import { h, icon } from './dom.js';

/** The list of `checks` ({ what, ok }); `emptyText` when there are none. */
export function renderChecks(checks, { emptyText = null, heading = 'What we verified' } = {}) {
  if (checks.length === 0) {
    return emptyText ? h('p', { class: 'checks-empty note' }, emptyText) : null;
  }
  const failed = checks.filter((check) => !check.ok);
  const banner = failed.length > 0
    ? h('p', { class: 'checks-banner', role: 'alert' },
      icon('warn'),
      h('span', {},
        h('strong', {}, failed.length === 1 ? '1 check FAILED' : `${failed.length} checks FAILED`),
        ': our own reading of these bytes disagrees with what rustls did. This is a bug worth reporting.'))
    : null;
  return h('section', { class: `checks${failed.length > 0 ? ' has-failure' : ''}`, 'aria-label': heading },
    banner,
    h('ul', { class: 'check-list' }, checks.map((check) =>
      h('li', { class: `check ${check.ok ? 'ok' : 'failed'}` },
        icon(check.ok ? 'check' : 'cross'),
        h('span', { class: 'check-verdict' }, check.ok ? 'Verified' : 'FAILED'),
        h('span', { class: 'check-what' }, check.what)))));
}
