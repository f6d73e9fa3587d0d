// The HTTP exchanges a step completed: what the server received and answered, what the client
// sent (the cookies it attached and the ones it withheld, with the reason) and what it got
// back. Every value is inserted as text: request paths and headers may be the learner's own.

import { h, update } from './dom.js';

const TRANSPORT = { tls: 'inside TLS records', plainHttp: 'as plain HTTP, readable by anyone on the path', plain: 'as plain HTTP, readable by anyone on the path' };

function headerBlock(text, label) {
  const trimmed = (text ?? '').replace(/\n$/, '');
  if (!trimmed) return null;
  return h('pre', { class: 'http-headers', 'aria-label': label }, trimmed);
}

function setCookieList(values) {
  if (!values || values.length === 0) return null;
  return h('div', { class: 'set-cookies' },
    h('p', { class: 'http-label' }, `Set-Cookie (${values.length})`),
    h('ul', {}, values.map((value) => h('li', {}, h('code', { class: 'hexstr' }, value)))));
}

function serverExchange(exchange) {
  return h('section', {
    class: 'exchange server-exchange',
    'data-status': exchange.status,
    'data-request-line': exchange.requestLine,
    'aria-label': 'What the server received and answered',
  },
  h('h3', {}, 'HTTP at the server'),
  h('p', {}, h('span', { class: 'http-label' }, 'Received '), h('code', { class: 'request-line' }, exchange.requestLine)),
  headerBlock(exchange.requestHeaders, 'Request headers'),
  exchange.requestBody ? h('pre', { class: 'http-body', 'aria-label': 'Request body' }, exchange.requestBody) : null,
  h('p', {}, h('span', { class: 'http-label' }, 'Answered '),
    h('strong', { class: `status status-${Math.floor(exchange.status / 100)}xx` }, `${exchange.status} ${exchange.reason}`)),
  setCookieList(exchange.setCookies),
  h('p', { class: 'http-summary' }, exchange.summary));
}

function cookiesSent(request) {
  const sent = request.cookiesSent ?? [];
  const withheld = request.cookiesWithheld ?? [];
  return h('div', { class: 'cookies-sent' },
    h('p', {}, h('span', { class: 'http-label' }, 'Cookies sent: '),
      sent.length === 0
        ? 'none'
        : sent.map((cookie, i) => [i > 0 ? ', ' : null, h('code', { class: 'hexstr', 'data-sent-cookie': cookie.name }, `${cookie.name}=${cookie.value}`)])),
    withheld.length > 0
      ? h('ul', { class: 'withheld' }, withheld.map((cookie) => h('li', { 'data-withheld-cookie': cookie.name, 'data-reason': cookie.reason },
        h('strong', {}, `Withheld ${cookie.name}`), `: ${cookie.explanation} (${cookie.reason})`)))
      : null);
}

function clientExchange(exchange) {
  const { request, response } = exchange;
  return h('section', {
    class: 'exchange client-exchange',
    'data-status': response ? response.status : '',
    'data-request-line': request.requestLine,
    'aria-label': 'What the client sent and got back',
  },
  h('h3', {}, 'HTTP at the client'),
  h('p', {}, h('span', { class: 'http-label' }, 'Sent '), h('code', { class: 'request-line' }, request.requestLine),
    request.transport ? ` ${TRANSPORT[request.transport] ?? request.transport}` : null),
  cookiesSent(request),
  headerBlock(request.requestHeaders, 'Request headers as sent'),
  response
    ? [h('p', {}, h('span', { class: 'http-label' }, 'Got back '),
      h('strong', { class: `status status-${Math.floor(response.status / 100)}xx` }, `${response.status} ${response.reason}`),
      response.bodyLength !== undefined ? ` with ${response.bodyLength} bytes of body` : null),
    setCookieList(response.setCookies),
    response.bodyPreview ? h('details', { class: 'body-preview' },
      h('summary', {}, 'The body, as text (never rendered as a page here)'),
      h('pre', { class: 'http-body' }, response.bodyPreview)) : null]
    : h('p', { class: 'note' }, 'No answer came back.'));
}

/** Fills `container` with the HTTP the step completed (nothing when it completed none). */
export function renderHttp(container, step) {
  const parts = [
    ...step.serverHttp.map(serverExchange),
    ...step.clientHttp.map(clientExchange),
  ];
  container.hidden = parts.length === 0;
  // Drawn on every step: what did not change is kept (dom.update).
  update(container, parts.length > 0 ? h('div', { class: 'exchanges' }, parts) : null);
}
