// The side panels: the TLS session beside the HTTP session (filled with this run's state after
// the current step, cells that changed at this step marked in words as well as colour), the
// session layer's five functions linked to their steps, what each handshake cost, and the
// TLS 1.3 / TLS 1.2 side-by-side. Every value comes from the view data; this module lays it out.

import { fill, h, update } from './dom.js';

/** RFC 3339 for a lab-clock time (Unix seconds); formatting only, no clock is read. */
export function labTime(seconds) {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** "2 h 5 min", "1 day 1 h", "45 s". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const units = [['day', 86400], ['h', 3600], ['min', 60], ['s', 1]];
  const parts = [];
  let rest = s;
  for (const [name, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0 && parts.length < 2) {
      parts.push(name === 'day' ? `${count} day${count === 1 ? '' : 's'}` : `${count} ${name}`);
      rest -= count * size;
    } else if (parts.length > 0) break;
  }
  return parts.length > 0 ? parts.join(' ') : '0 s';
}

function yesNo(value) {
  return value ? 'yes' : 'no';
}

function changedBadge() {
  return h('span', { class: 'changed-badge' }, 'changed at this step');
}

/** A table cell, marked when the core says it changed at this step. */
function cell(content, { changed, label, attributes = {} }) {
  return h('td', { class: changed ? 'changed' : false, 'data-label': label, 'data-changed': changed ? 'true' : false, ...attributes },
    changed ? changedBadge() : null,
    content);
}

function list(items, empty, attributes = {}) {
  if (items.length === 0) return h('p', { class: 'empty-state note' }, empty);
  return h('ul', { class: 'state-list', ...attributes }, items);
}

function lifetimeLink(lifetime, onSeek) {
  return [' (NewSessionTicket at ',
    h('button', { type: 'button', class: 'inline-link', 'data-step': lifetime.step, onclick: () => onSeek(lifetime.step) }, `step ${lifetime.step + 1}`),
    ')'];
}

function ticketItems(tables, lifetimes, onSeek) {
  const now = tables.clock;
  const items = tables.clientTickets.tickets.map((ticket, i) => {
    const age = now - ticket.storedAt;
    const lifetime = lifetimes.tickets[i] ?? null;
    const facts = [`stored ${labTime(ticket.storedAt)} · age ${duration(age)} · `];
    if (lifetime) {
      const left = lifetime.seconds - age;
      facts.push(`lifetime ${duration(lifetime.seconds)}`, ...lifetimeLink(lifetime, onSeek),
        left > 0 ? ` · ${duration(left)} left` : h('strong', { class: 'expired' }, ' · PAST ITS LIFETIME'));
    } else {
      facts.push('lifetime: what the server\'s NewSessionTicket says');
    }
    return h('li', { 'data-ticket': 'tls13', 'data-age': age },
      h('strong', {}, `TLS 1.3 ticket ${i + 1}`), ` ${ticket.suite ?? ''}`,
      h('span', { class: 'cookie-facts' }, facts));
  });
  const session = tables.clientTickets.tls12Session;
  if (session) {
    const age = now - session.storedAt;
    const lifetime = lifetimes.tls12Session ?? null;
    const facts = [`stored ${labTime(session.storedAt)} · age ${duration(age)} · `];
    if (lifetime) facts.push(`lifetime hint ${duration(lifetime.seconds)}`, ...lifetimeLink(lifetime, onSeek));
    else facts.push('no lifetime travelled with it (a session id carries none)');
    items.push(h('li', { 'data-ticket': 'tls12', 'data-age': age },
      h('strong', {}, lifetime ? 'TLS 1.2 session ticket' : 'TLS 1.2 session (by id)'), ` ${session.suite ?? ''}`,
      h('span', { class: 'cookie-facts' }, facts)));
  }
  if (tables.clientTickets.kxHint) {
    items.push(h('li', { 'data-kx-hint': tables.clientTickets.kxHint },
      h('strong', {}, 'Key-exchange group remembered'), `: ${tables.clientTickets.kxHint}`));
  }
  return items;
}

function serverItems(tables) {
  const items = tables.serverSessions.entries.map((entry) =>
    h('li', { 'data-server-session': '' }, h('strong', {}, 'Cached session '), h('code', {}, entry)));
  if (tables.ticketKeyLifetime !== null && tables.ticketKeyLifetime !== undefined) {
    items.push(h('li', { 'data-ticket-key': tables.ticketKeyLifetime },
      h('strong', {}, 'Ticket key'),
      `: the server keeps no session, only the key that seals its tickets (they live ${duration(tables.ticketKeyLifetime)})`));
  }
  return items;
}

function cookieItems(tables) {
  return tables.cookies.map((cookie) => {
    const attributes = [
      `Path=${cookie.path}`,
      cookie.secure ? 'Secure' : null,
      cookie.httpOnly ? 'HttpOnly' : null,
      cookie.sameSite ? `SameSite=${cookie.sameSite}` : null,
    ].filter(Boolean).join('; ');
    return h('li', {
      'data-cookie': '',
      'data-name': cookie.name,
      'data-secure': String(cookie.secure),
      'data-http-only': String(cookie.httpOnly),
      'data-same-site': cookie.sameSite ?? '',
      'data-path': cookie.path,
      'data-expired': String(cookie.expired),
    },
    h('strong', {}, cookie.name), '=', h('code', { class: 'hexstr' }, cookie.value),
    h('span', { class: 'attrs' }, ` ${attributes}`),
    h('span', { class: 'cookie-facts' },
      `set ${labTime(cookie.createdAt)}; expires ${cookie.expiresAtText ?? 'when the browser closes'}`,
      cookie.expired ? h('strong', { class: 'expired' }, ' — EXPIRED') : ' — live',
      `; sent over TLS: ${yesNo(cookie.sentOverTls)}; over plain HTTP: ${yesNo(cookie.sentOverPlainHttp)}; readable by page scripts: ${yesNo(cookie.readableByScript)}`));
  });
}

function loginItems(tables) {
  return tables.logins.map((entry) => h('li', {
    'data-login': '',
    'data-user': entry.user,
    'data-live': String(entry.live),
  },
  h('strong', {}, entry.user), ' ', h('code', {}, `${entry.id.slice(0, 8)}…`),
  `: created ${entry.createdText}; expires ${entry.expiresText}`,
  entry.live
    ? ` — live, ${duration(entry.secondsLeft)} left`
    : h('strong', { class: 'expired' }, ' — ENDED')));
}

const STORE_EVENTS = {
  noCookie: () => 'the request carried no session cookie',
  unknown: () => 'the cookie names no stored session',
  expired: (e) => `${e.user}'s session had expired: removed from the store`,
  live: (e) => `${e.user}'s session found, live`,
  created: (e) => `new session for ${e.user}, until ${labTime(e.expires)}`,
  ended: (e) => `${e.user}'s session ended`,
};
const JAR_EVENTS = {
  stored: (u) => `stored ${u.name}${u.expiresAt ? ` until ${labTime(u.expiresAt)}` : ' (a session cookie)'}`,
  replaced: (u) => `replaced ${u.name}`,
  deleted: (u) => `deleted ${u.name}`,
  ignoredExpired: (u) => `ignored an already expired ${u.name}`,
  rejected: (u) => `refused a cookie: ${u.reason}`,
};

function httpEvents(step) {
  const events = [];
  for (const exchange of step.serverHttp) {
    for (const event of exchange.sessionEvents ?? []) {
      events.push(`server store: ${(STORE_EVENTS[event.kind] ?? (() => event.kind))(event)}`);
    }
  }
  for (const exchange of step.clientHttp) {
    for (const update of exchange.jarUpdates ?? []) {
      events.push(`client's cookie jar: ${(JAR_EVENTS[update.kind] ?? (() => update.kind))(update)}`);
    }
  }
  return events;
}

/** The "maintained by" cell: who keeps this session, and what they did at this step. */
function maintainedCell(text, events, label, name) {
  const active = events.length > 0;
  return h('td', { class: active ? 'changed' : false, 'data-label': label, 'data-cell': name, 'data-changed': active ? 'true' : false },
    active ? h('span', { class: 'changed-badge' }, 'active at this step') : null,
    h('p', {}, text),
    active ? h('ul', { class: 'events' }, events.map((e) => h('li', {}, e))) : null);
}

/** The TLS session vs HTTP session table, after `step`, the cells that changed at it marked. */
export function renderSessionTable(container, step, { onSeek }) {
  // Drawn on every step: unchanged cells are kept (dom.update), so they are not laid out again.
  const tables = step.tables;
  const changes = step.tableChanges;
  const httpNow = httpEvents(step);
  const row = (label, tls, http) => h('tr', {}, h('th', { scope: 'row' }, label), tls, http);
  update(container, h('div', { class: 'table-scroll' }, h('table', { class: 'session-table' },
    h('caption', { class: 'sr-only' }, 'Where each kind of session lives after this step'),
    h('thead', {}, h('tr', {}, h('th', {}, h('span', { class: 'sr-only' }, 'Aspect')), h('th', { scope: 'col' }, 'TLS session'), h('th', { scope: 'col' }, 'HTTP session'))),
    h('tbody', {},
      row('Layer',
        h('td', { 'data-label': 'TLS session' }, 'Session layer: TLS, over TCP, under HTTP'),
        h('td', { 'data-label': 'HTTP session' }, 'Application layer: HTTP, inside the TLS records')),
      row('Purpose',
        h('td', { 'data-label': 'TLS session' }, 'Keys: resume on a new connection from a secret kept from the last one, with no certificate and no signature (TLS 1.3 still adds a fresh key exchange, for forward secrecy)'),
        h('td', { 'data-label': 'HTTP session' }, 'Identity: know that each request comes from the user who logged in')),
      row('Maintained by',
        maintainedCell('rustls on both sides: the client\'s ticket cache, the server\'s session cache or ticket key', step.tlsEvents, 'TLS session', 'tls-events'),
        maintainedCell('The web application: the server\'s Set-Cookie, the client\'s cookie jar, the server\'s session store', httpNow, 'HTTP session', 'http-events')),
      row('Lives in: the client',
        cell(list(ticketItems(tables, step.ticketLifetimes, onSeek), 'The ticket cache is empty: nothing to offer for resumption.'),
          { changed: changes.clientTickets, label: 'TLS session', attributes: { 'data-cell': 'client-tickets' } }),
        cell(list(cookieItems(tables), 'The cookie jar is empty.'),
          { changed: changes.cookies, label: 'HTTP session', attributes: { 'data-cell': 'cookies' } })),
      row('Lives in: the server',
        cell(list(serverItems(tables), 'The server\'s session cache is empty.'),
          { changed: changes.serverSessions, label: 'TLS session', attributes: { 'data-cell': 'server-sessions' } }),
        cell(list(loginItems(tables), 'The session store is empty: nobody is logged in.'),
          { changed: changes.logins, label: 'HTTP session', attributes: { 'data-cell': 'logins' } }))))));
}

/** The five functions, each with a button to the step where this run shows it. */
export function renderFunctions(container, functions, { cursor, onSeek }) {
  fill(container, functions.map((fn) => h('li', {
    'data-function': fn.function,
    'data-step': fn.step ?? '',
    class: fn.step === cursor ? 'here' : false,
  },
  h('span', { class: 'function-name' }, fn.label),
  fn.step === cursor ? h('span', { class: 'here-badge' }, ' — this step') : null,
  h('span', { class: 'function-how' }, fn.how),
  fn.step === null || fn.step === undefined
    ? h('span', { class: 'note' }, 'Not shown in this chapter.')
    : h('button', { type: 'button', class: 'link-button', onclick: () => onSeek(fn.step) }, `Go to step ${fn.step + 1}`))));
}

const COST_ROWS = [
  ['handshakeKind', 'Handshake'],
  ['clientBytes', 'Bytes client → server'],
  ['serverBytes', 'Bytes server → client'],
  ['messages', 'Handshake messages'],
  ['flights', 'Flights'],
  ['roundTripsBeforeData', 'Round trips before the first application byte'],
  ['signatures', 'Signatures made'],
  ['certificates', 'Certificate messages'],
  ['keyExchanges', 'Key exchanges'],
];

function costValue(key, value) {
  if (value === null || value === undefined) return key === 'handshakeKind' ? 'did not complete' : '—';
  return String(value);
}

/** Each connection's handshake cost, side by side; the current connection's column marked. */
export function renderCosts(container, costs, { connection }) {
  if (costs.length === 0) {
    fill(container, h('p', { class: 'note' }, 'No TLS handshake in this chapter.'));
    return;
  }
  // In place: a new connection changes one column's marks, not the table.
  update(container, h('div', { class: 'table-scroll' }, h('table', { class: 'cost-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Connection'),
      costs.map((cost) => h('th', { scope: 'col', 'data-connection': cost.connection, class: cost.connection === connection ? 'this-connection' : false },
        String(cost.connection), cost.connection === connection ? h('span', { class: 'here-badge' }, ' (this step)') : null)))),
    h('tbody', {}, COST_ROWS.map(([key, label]) => h('tr', { 'data-key': key },
      h('th', { scope: 'row' }, label),
      costs.map((cost) => h('td', { class: cost.connection === connection ? 'this-connection' : false }, costValue(key, cost[key])))))))));
}

/** TLS 1.3 and TLS 1.2 for the same settings (the establish chapter). */
export function renderComparison(block, container, comparison) {
  block.hidden = !comparison;
  if (!comparison) {
    fill(container);
    return;
  }
  const columns = comparison.columns;
  const rows = [
    ['Cipher suite', (c) => c.cipherSuite],
    ...COST_ROWS.filter(([key]) => key !== 'handshakeKind').map(([key, label]) => [label, (c) => costValue(key, c.cost[key])]),
    ['Handshake messages in clear', (c) => c.inClear.join(', ') || '—'],
    ['Handshake messages encrypted', (c) => c.encrypted.join(', ') || '—'],
  ];
  fill(container, h('div', { class: 'table-scroll' }, h('table', { class: 'comparison-table' },
    h('thead', {}, h('tr', {}, h('th', {}, h('span', { class: 'sr-only' }, 'Measure')),
      columns.map((c) => h('th', { scope: 'col' }, c.version)))),
    h('tbody', {}, rows.map(([label, value]) => h('tr', {},
      h('th', { scope: 'row' }, label),
      columns.map((c) => h('td', {}, value(c)))))))));
}
