// The URL fragment: the options, chapter, step, view and the learner's changes, so a link
// opens the lab at the same place. Parsing never throws: whatever is wrong is reported as a
// problem (shown to the learner) and replaced by the default.
//
//   #v=tls13&suite=all&group=all&cert=ecdsa-p256&chapter=resume&step=7
//    [&tab=keys][&path=/dashboard&headers=X-A%3A%201][&x=t28.121,c7.3600]
//
// `step` counts from 1, as the page shows it. `x` lists the learner's changes in order:
// `t<step>.<offset>` flips a byte of a flight, `c<step>.<seconds>` moves the clock after a step.

const KEYS = new Set(['v', 'suite', 'group', 'cert', 'chapter', 'step', 'tab', 'path', 'headers', 'x']);
const TABS = ['session', 'keys', 'wrapping'];
/** Longer fragments are refused whole: no link the page makes comes close. */
export const MAX_FRAGMENT = 4000;
const MAX_VALUE = 200;
const MAX_HEADERS = 2500;
const MAX_CHANGES = 20;

/** Shortens what the learner typed for a notice (it is shown as text, never as HTML). */
function quote(value) {
  const text = String(value);
  return `“${text.length > 40 ? `${text.slice(0, 40)}…` : text}”`;
}

function parseChanges(text, problems) {
  const changes = [];
  for (const item of text.split(',').filter(Boolean)) {
    const match = /^([tc])(\d{1,4})\.(\d{1,9})$/.exec(item);
    if (!match || changes.length >= MAX_CHANGES) {
      problems.push(`the change ${quote(item)} is not one this page makes; it was left out`);
      continue;
    }
    const step = Number(match[2]) - 1;
    const value = Number(match[3]);
    if (step < 0) {
      problems.push(`the change ${quote(item)} names step 0; steps count from 1`);
      continue;
    }
    changes.push(match[1] === 't'
      ? { kind: 'tamper', step, offset: value }
      : { kind: 'advanceClock', afterStep: step, seconds: value });
  }
  return changes;
}

/**
 * Reads `hash` (with or without its `#`) against the `catalogue`. Returns the state it asks for
 * (null fields mean "the default") and the problems found, as sentences.
 */
export function parseFragment(hash, catalogue) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const state = {
    version: null, suite: 'all', group: 'all', cert: null, chapter: null, step: null,
    tab: 'session', request: null, changes: [],
  };
  const problems = [];
  if (text === '') return { state, problems, empty: true };
  if (text.length > MAX_FRAGMENT) {
    problems.push(`the link's settings are ${text.length} characters long, more than any link this page makes`);
    return { state, problems, empty: false };
  }
  // The tabs' own short links.
  if (TABS.includes(text)) return { state: { ...state, tab: text }, problems, empty: false };

  let params;
  try {
    params = new URLSearchParams(text);
  } catch {
    problems.push('the link\'s settings could not be read');
    return { state, problems, empty: false };
  }
  const seen = new Set();
  for (const [key, value] of params) {
    if (!KEYS.has(key)) {
      problems.push(`${quote(key)} is not a setting of this page`);
      continue;
    }
    if (seen.has(key)) problems.push(`${quote(key)} is given twice; the first is used`);
    seen.add(key);
    const limit = key === 'headers' ? MAX_HEADERS : MAX_VALUE;
    if (value.length > limit) problems.push(`the value of ${quote(key)} is too long (${value.length} characters)`);
  }
  const get = (key) => {
    const value = params.get(key);
    if (value === null) return null;
    return value.length > (key === 'headers' ? MAX_HEADERS : MAX_VALUE) ? undefined : value;
  };

  const version = get('v');
  if (version !== null && version !== undefined) {
    if (catalogue.versions.some((v) => v.key === version)) state.version = version;
    else problems.push(`there is no version ${quote(version)} (the choices: ${catalogue.versions.map((v) => v.key).join(', ')})`);
  }
  const effectiveVersion = state.version ?? catalogue.versions[0].key;

  const suite = get('suite');
  if (suite !== null && suite !== undefined && suite !== 'all') {
    const known = catalogue.suites.find((s) => s.name.toLowerCase() === suite.toLowerCase());
    if (!known) problems.push(`there is no cipher suite ${quote(suite)}`);
    else if (known.version !== effectiveVersion) problems.push(`${known.name} is not a suite of ${effectiveVersion}`);
    else state.suite = known.name;
  }

  const group = get('group');
  if (group !== null && group !== undefined && group !== 'all') {
    const known = catalogue.groups.find((g) => g.key.toLowerCase() === group.toLowerCase());
    if (known) state.group = known.key;
    else problems.push(`there is no key-exchange group ${quote(group)}`);
  }

  const cert = get('cert');
  if (cert !== null && cert !== undefined) {
    if (catalogue.certKeys.some((k) => k.key === cert)) state.cert = cert;
    else problems.push(`there is no certificate key type ${quote(cert)}`);
  }

  const chapter = get('chapter');
  if (chapter !== null && chapter !== undefined) {
    const known = catalogue.chapters.find((c) => c.id === chapter);
    if (!known) problems.push(`there is no chapter ${quote(chapter)}`);
    else if (!known.versions.includes(effectiveVersion)) {
      const label = catalogue.versions.find((v) => v.key === effectiveVersion)?.label ?? effectiveVersion;
      problems.push(`the chapter “${known.title}” does not apply to ${label}`);
    } else state.chapter = chapter;
  }

  const step = get('step');
  // A step of a chapter that could not be opened means nothing in the one shown instead.
  const chapterRefused = chapter !== null && state.chapter === null;
  if (step !== null && step !== undefined && !chapterRefused) {
    if (/^\d{1,5}$/.test(step) && Number(step) >= 1) state.step = Number(step);
    else problems.push(`${quote(step)} is not a step number`);
  }

  const tab = get('tab');
  if (tab !== null && tab !== undefined) {
    if (TABS.includes(tab)) state.tab = tab;
    else problems.push(`there is no view ${quote(tab)}`);
  }

  const path = get('path');
  const headers = get('headers');
  if ((path !== null && path !== undefined) || (headers !== null && headers !== undefined)) {
    state.request = { path: path ?? '/dashboard', headers: headers ?? '' };
  }

  const changes = get('x');
  if (changes !== null && changes !== undefined) state.changes = parseChanges(changes, problems);

  return { state, problems, empty: false };
}

/** The fragment (without `#`) for a page state. */
export function formatFragment({ version, suite, group, cert, chapter, step, tab, request, changes }) {
  const params = new URLSearchParams();
  params.set('v', version);
  params.set('suite', suite);
  params.set('group', group);
  params.set('cert', cert);
  params.set('chapter', chapter);
  params.set('step', String(step));
  if (tab && tab !== 'session') params.set('tab', tab);
  if (request) {
    params.set('path', request.path);
    if (request.headers) params.set('headers', request.headers);
  }
  if (changes && changes.length > 0) {
    params.set('x', changes.map((c) => (c.kind === 'tamper'
      ? `t${c.step + 1}.${c.offset}`
      : `c${(c.afterStep ?? c.after_step) + 1}.${c.seconds}`)).join(','));
  }
  return params.toString();
}

/** Joins problems into one notice. */
export function problemNotice(problems, fallback) {
  if (problems.length === 0) return null;
  const list = problems.slice(0, 4).join('; ');
  const more = problems.length > 4 ? ` (and ${problems.length - 4} more)` : '';
  return `This link could not be followed exactly: ${list}${more}. ${fallback}`;
}
