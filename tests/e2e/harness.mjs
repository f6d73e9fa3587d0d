// Shared by the end-to-end tests: the browser, a watched page, and the page's DOM contract read
// in one call. Not a test file itself (only `*.test.mjs` files are run).
//
// Every page is watched: any console error or warning, uncaught exception, failed request,
// HTTP error, or request outside the site's base URL fails the test. `blob:` and `data:` URLs
// are the page's own (downloads it makes); nothing else is allowed.

import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.SESSIONLAB_URL;
export const SCREENSHOTS = process.env.SESSIONLAB_SCREENSHOTS ?? path.resolve('screenshots');
const CHROMIUM = process.env.SESSIONLAB_CHROMIUM ?? '/usr/bin/chromium';

if (!BASE_URL || !BASE_URL.endsWith('/')) {
  throw new Error('SESSIONLAB_URL must be the site URL ending in "/"; run `cargo xtask e2e`');
}

export const READY_TIMEOUT_MS = 60_000;
export const STEP_TIMEOUT_MS = 10_000;

export const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 900 } },
  phone: { viewport: { width: 375, height: 800 }, isMobile: true, hasTouch: true },
};

/** The flight's bytes once the page has drawn them all (see showBytes). */
const BYTES_DRAWN = '#step-hex:not([data-stale]):not([data-pending])';

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** Whether `url` is one the page may request: its own files, or its own blob:/data: URLs. */
export function allowedUrl(url) {
  return url.startsWith(BASE_URL) || url.startsWith('blob:') || url.startsWith('data:');
}

/**
 * Opens `BASE_URL + hash` in a new context (`kind` is a VIEWPORTS key; `extra` adds context
 * options; `prepare(page)` runs before the page loads), waits until the lab is ready, runs `body(page, problems)`, then fails on anything
 * that went wrong on the page.
 */
export async function withLab(browser, kind, body, { hash = '', extra = {}, allowError = false, prepare = null } = {}) {
  const context = await browser.newContext({ ...VIEWPORTS[kind], acceptDownloads: true, ...extra });
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`console.${message.type()}: ${message.text()} ${message.location()?.url ?? ''}`.trim());
    }
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.stack ?? error}`));
  page.on('crash', () => problems.push('the page crashed'));
  page.on('request', (request) => {
    requests.push(`${request.method()} ${request.url()}`);
    if (!allowedUrl(request.url())) problems.push(`request outside the site: ${request.url()}`);
  });
  page.on('requestfailed', (request) => {
    // The browser fetches the icon on its own once the page has loaded, and cancels the fetch
    // when a test navigates or closes the page first: not the page's failure.
    const cancelledIcon = request.url().endsWith('/favicon.svg') && request.failure()?.errorText === 'net::ERR_ABORTED';
    if (!cancelledIcon) problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  try {
    await prepare?.(page);
    await page.goto(BASE_URL + hash);
    await waitUntilSettled(page, { allowError });
    await body(page, problems);
  } catch (error) {
    if (problems.length > 0) error.message += `\nproblems seen on the page:\n  ${problems.join('\n  ')}`;
    throw error;
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, [], `problems on the page; requests made:\n  ${requests.join('\n  ')}`);
}

/** Waits until `#lab-status` says `ready`; fails with the page's message if it says `error`. */
export async function waitUntilSettled(page, { allowError = false } = {}) {
  const status = page.locator('#lab-status');
  await page.locator('#lab-status[data-state="ready"], #lab-status[data-state="error"]')
    .waitFor({ timeout: READY_TIMEOUT_MS });
  if (!allowError && (await status.getAttribute('data-state')) === 'error') {
    assert.fail(`the lab reports an error: ${(await status.textContent()).trim()}`);
  }
}

/**
 * Waits until the page shows step `index` whole: parts of the session panel that were off screen
 * when the step was drawn follow once the page is idle (`#panel-session[data-later]` until then).
 */
export async function waitForIndex(page, index) {
  await page.locator(`#progress[data-index="${index}"]`).waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.locator('#panel-session:not([data-later])').waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
}

/**
 * Brings the flight's bytes into view and waits until the page has drawn them all: it draws the
 * hex views and field trees only when they can be seen (`#step-hex[data-stale]` until then), and
 * the records below the window after the step's frame (`#step-hex[data-pending]` until then).
 */
export async function showBytes(page) {
  await page.locator('#bytes').scrollIntoViewIfNeeded();
  await page.locator(BYTES_DRAWN).waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
}

/**
 * Where byte `offset` of a hex view (`view`, a `.hexview` locator) is drawn: the centre of its
 * two hex digits, found from the text of its row (the view keeps one element per run of bytes,
 * not per byte, and finds the pointer's byte from the monospace grid; this measures the text).
 */
export async function bytePoint(view, offset, { part = 'hex' } = {}) {
  const row = view.locator(`.hex-row[data-row="${offset - (offset % 16)}"]`);
  await row.waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
  await row.scrollIntoViewIfNeeded();
  return row.evaluate((element, [column, ascii]) => {
    // The hex of a row: pairs a space apart, two spaces between the eighth and the ninth; its
    // characters: one a byte.
    let index = ascii ? column : column * 3 + (column >= 8 ? 1 : 0);
    const width = ascii ? 1 : 2;
    const walker = document.createTreeWalker(element.querySelector(ascii ? '.hex-ascii' : '.hex-bytes'), NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (index < node.length) {
        const range = document.createRange();
        range.setStart(node, index);
        range.setEnd(node, index + width);
        const box = range.getBoundingClientRect();
        return { x: box.x + box.width / 2, y: box.y + box.height / 2, text: range.toString() };
      }
      index -= node.length;
    }
    throw new Error(`no column ${column} in the row`);
  }, [offset % 16, part === 'ascii']);
}

/**
 * Points the mouse at byte `offset` of hex view `view` (its hex digits, or with `part: 'ascii'`
 * its character); returns the text there.
 */
export async function hoverByte(page, view, offset, { part = 'hex' } = {}) {
  const { x, y, text } = await bytePoint(view, offset, { part });
  await page.mouse.move(x, y);
  return text;
}

/** Clicks byte `offset` of hex view `view`; returns the two hex digits there. */
export async function clickByte(page, view, offset) {
  const { x, y, text } = await bytePoint(view, offset);
  await page.mouse.click(x, y);
  return text;
}

/** The offsets of the bytes carrying mark `className` in the hex views under `scope`. */
export async function markedOffsets(scope, className) {
  return scope.locator(`.hex-bytes .${className}[data-start]`).evaluateAll((spans) => {
    const offsets = new Set();
    for (const span of spans) {
      for (let offset = Number(span.dataset.start); offset < Number(span.dataset.end); offset += 1) offsets.add(offset);
    }
    return [...offsets].sort((a, b) => a - b);
  });
}

/**
 * A screenshot of the whole page. The browser paints only the blocks near the viewport
 * (content-visibility: auto), so a full-page capture would show the rest blank: the viewport is
 * made as tall as the page for the shot, and the page given time to draw what is now in view.
 */
export async function screenshotWholePage(page, file) {
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  if (await page.locator('#bytes-section').isVisible()) {
    await page.locator(BYTES_DRAWN).waitFor({ timeout: STEP_TIMEOUT_MS });
  }
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.screenshot({ path: file });
  await page.setViewportSize(viewport);
}

/** The page's URL once the page has written what it shows into the fragment. */
export async function settledUrl(page) {
  await page.waitForFunction(() => !document.documentElement.hasAttribute('data-fragment-pending'), null,
    { timeout: STEP_TIMEOUT_MS, polling: 20 });
  return page.url();
}

/** Removes keyboard focus from controls, so keys reach the document. */
export async function blurControls(page) {
  await page.evaluate(() => document.activeElement?.blur());
}

/**
 * Picks chapter `id` and waits until the page shows its first step (a re-run with the same
 * options makes no new certificates, so the status may never say "loading").
 */
export async function chooseChapter(page, id) {
  await page.locator('#opt-chapter').selectOption(id);
  await page.waitForFunction((chapter) => new URLSearchParams(window.location.hash.slice(1)).get('chapter') === chapter
    && document.querySelector('#progress').dataset.index === '0', id, { timeout: STEP_TIMEOUT_MS, polling: 50 });
  await waitUntilSettled(page);
}

/**
 * Sets an option `<select>` that makes a new lab and waits for it to re-run: `#lab-status` must
 * pass through `loading` (seen by a MutationObserver, so a fast run cannot slip by) and settle.
 */
export async function chooseOption(page, selector, value) {
  await page.evaluate(() => {
    const status = document.querySelector('#lab-status');
    const seen = [];
    window.__sessionlabStates = seen;
    window.__sessionlabObserver?.disconnect();
    window.__sessionlabObserver = new MutationObserver((records) => {
      for (const record of records) seen.push(record.oldValue, status.getAttribute('data-state'));
    });
    window.__sessionlabObserver.observe(status, { attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
  });
  await page.locator(selector).selectOption(value);
  await page.waitForFunction(() => window.__sessionlabStates.includes('loading'), null, { timeout: STEP_TIMEOUT_MS, polling: 50 });
  await waitUntilSettled(page);
  assert.equal(await page.locator(selector).inputValue(), value, `${selector} keeps ${value}`);
}

/**
 * The engine's own view of a run, made inside the page with the same module the page uses: a
 * second lab with the same options and chapter. Its keys are fresh, so only structure and
 * values that do not depend on randomness are returned.
 */
export async function engineRun(page, version, chapter) {
  return page.evaluate(async ({ version, chapter }) => {
    const core = await import(new URL('sessionlab.js', document.baseURI).href);
    const lab = new core.Lab(core.Lab.optionsForVersion(version), chapter);
    try {
      const first = lab.view();
      const steps = [];
      for (let i = 0; i < first.total; i += 1) {
        lab.seek(i);
        const step = lab.view().current;
        steps.push({
          title: step.title,
          from: step.from,
          outcome: step.outcome.kind,
          scene: step.sceneNarration ?? null,
          narrationLines: step.narration.length,
          clientKind: step.client.handshakeKind ?? null,
          earlyData: step.client.earlyData ?? null,
          cookies: step.tables.cookies.map((c) => ({
            name: c.name, secure: c.secure, httpOnly: c.httpOnly, sameSite: c.sameSite ?? '', path: c.path, expired: c.expired,
          })),
          logins: step.tables.logins.map((l) => ({ user: l.user, live: l.live })),
          tickets: step.tables.clientTickets.tickets.length,
          tls12Session: Boolean(step.tables.clientTickets.tls12Session),
          serverSessions: step.tables.serverSessions.entries.length,
          http: [
            ...step.serverHttp.map((e) => ['server', e.requestLine, e.status]),
            ...step.clientHttp.map((e) => ['client', e.request.requestLine, e.response ? e.response.status : null]),
          ],
          withheld: step.clientHttp.flatMap((e) => e.request.cookiesWithheld.map((w) => [w.name, w.reason])),
        });
      }
      return {
        total: first.total,
        title: first.chapter.title,
        functions: first.functions.map((f) => [f.function, f.step]),
        costs: first.costs.map((c) => [c.connection, c.handshakeKind]),
        comparison: first.versionComparison ? first.versionComparison.columns.map((c) => c.version) : null,
        steps,
      };
    } finally {
      lab.free();
    }
  }, { version, chapter });
}

/**
 * What the page shows for the current step, read in one call; with `index`, first waits (in the
 * page, up to STEP_TIMEOUT_MS) until the page shows that step.
 */
export async function snapshot(page, index = null) {
  return page.evaluate(async ({ index, timeout }) => {
    const q = (selector) => document.querySelector(selector);
    const deadline = performance.now() + timeout;
    while ((index !== null && q('#progress').dataset.index !== String(index))
      || q('#panel-session').hasAttribute('data-later')) {
      if (performance.now() > deadline) throw new Error(`the page never showed step index ${index} whole`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const all = (selector) => [...document.querySelectorAll(selector)];
    const scene = q('#scene-narration');
    const kindCell = q('#client-state tr[data-key="handshakeKind"] td');
    const earlyCell = q('#client-state tr[data-key="earlyData"] td');
    const value = (cell) => {
      const text = cell?.firstChild?.textContent?.trim() ?? '';
      return text === '—' ? null : text;
    };
    const cellChanged = (name) => q(`#session-table [data-cell="${name}"]`)?.dataset.changed === 'true';
    return {
      index: Number(q('#progress').dataset.index),
      total: Number(q('#progress').dataset.total),
      progress: q('#progress').textContent.trim(),
      title: q('#step-title').textContent.trim(),
      from: q('#step-from').dataset.side,
      outcome: q('#step-outcome').dataset.kind,
      scene: scene.hidden ? null : scene.textContent.trim(),
      sceneLive: scene.closest('[aria-live]')?.getAttribute('aria-live') ?? null,
      narrationLines: q('#narration').children.length,
      clientKind: value(kindCell),
      earlyData: value(earlyCell),
      cookies: all('#session-table [data-cookie]').map((li) => ({
        name: li.dataset.name,
        secure: li.dataset.secure === 'true',
        httpOnly: li.dataset.httpOnly === 'true',
        sameSite: li.dataset.sameSite,
        path: li.dataset.path,
        expired: li.dataset.expired === 'true',
      })),
      logins: all('#session-table [data-login]').map((li) => ({ user: li.dataset.user, live: li.dataset.live === 'true' })),
      tickets: all('#session-table [data-ticket="tls13"]').length,
      tls12Session: all('#session-table [data-ticket="tls12"]').length > 0,
      serverSessions: all('#session-table [data-server-session]').length,
      http: [
        ...all('#http .server-exchange').map((e) => ['server', e.dataset.requestLine, Number(e.dataset.status)]),
        ...all('#http .client-exchange').map((e) => ['client', e.dataset.requestLine, e.dataset.status === '' ? null : Number(e.dataset.status)]),
      ],
      withheld: all('#http [data-withheld-cookie]').map((li) => [li.dataset.withheldCookie, li.dataset.reason]),
      changed: { cookies: cellChanged('cookies'), logins: cellChanged('logins'), tickets: cellChanged('client-tickets') },
      diagramRows: all('#diagram .d-step').length,
      diagramCurrent: all('#diagram .d-step[aria-current="step"]').map((g) => Number(g.dataset.index)),
      hash: window.location.hash,
    };
  }, { index, timeout: STEP_TIMEOUT_MS });
}
