// The browser half of `cargo xtask bench` — a benchmark, not a test: nothing runs it but the
// xtask, and `node --test` never sees it (it lives outside tests/e2e and is not `*.test.mjs`).
//
// It drives Debian's Chromium (headless, through the playwright-core that tests/e2e installed)
// against the site the xtask serves on loopback, and prints one tab-separated result line per
// measurement on standard output (progress goes to standard error):
//
//   browser      the browser's version
//   navigation   fresh page → first step rendered (ms since navigation start), per navigation
//   request      each file the real page downloaded (path relative to the site)
//   steps        each step of a chapter: key press → view rendered, with the page at its top,
//                with the flight's bytes in view, and with the bytes in view at a reader's pace
//                (a pause before each press); every chapter walked several times,
//                so that a step that is slow every time stands apart from a one-off pause
//                (each step's median over the walks in `step_medians_ms`)
//   timer        performance.now() resolution in the bench page
//   handshake / records / lab
//                the core's `Bench` drivers (crate::bench), compiled to wasm, timed with
//                performance.now(): steady state in one page, cold in a fresh page each
//
// Environment (set by the xtask):
//   SESSIONLAB_URL            the site's base URL, ending in `/` (the bench page is `bench/`)
//   SESSIONLAB_CHROMIUM       the browser binary (default /usr/bin/chromium)
//   SESSIONLAB_E2E_DIR        where playwright-core is installed (default ../e2e)
//   SESSIONLAB_BENCH_SAMPLES  timed samples per handshake or record workload (default 200)
//   SESSIONLAB_BENCH_COLD     first handshakes timed in a fresh page (default 5)
//   SESSIONLAB_BENCH_NAVIGATIONS  fresh navigations timed (default 5)
//   SESSIONLAB_BENCH_WALKS    walks through each chapter's steps, per view (default 5)
//   SESSIONLAB_BENCH_READING_MS  the pause before each press of the reader's walks (default 400)
//   SESSIONLAB_BENCH_ONLY     comma-separated parts to run: navigation, steps, steady, cold
//                             (default all; steady and cold need the bench page)
//
// Never `--virtual-time-budget`: it freezes performance.now().

import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const E2E_DIR = process.env.SESSIONLAB_E2E_DIR ?? path.resolve(HERE, '../e2e');
// The e2e tests' launcher (Debian's Chromium, their flags: no background connections on a
// machine with loopback only), loaded from where the e2e package installed playwright-core.
const { launch } = await import(pathToFileURL(path.join(E2E_DIR, 'harness.mjs')).href);

const BASE_URL = process.env.SESSIONLAB_URL;
const SAMPLES = positive('SESSIONLAB_BENCH_SAMPLES', 200);
const COLD = positive('SESSIONLAB_BENCH_COLD', 5);
const NAVIGATIONS = positive('SESSIONLAB_BENCH_NAVIGATIONS', 5);
const WALKS = positive('SESSIONLAB_BENCH_WALKS', 5);
const READING_MS = positive('SESSIONLAB_BENCH_READING_MS', 400);
const PARTS = new Set((process.env.SESSIONLAB_BENCH_ONLY ?? 'navigation,steps,steady,cold').split(','));

if (!BASE_URL || !BASE_URL.endsWith('/')) {
  throw new Error('SESSIONLAB_URL must be the site URL ending in "/"; run `cargo xtask bench`');
}
const BENCH_URL = new URL('bench/', BASE_URL).href;

const VIEWPORT = { viewport: { width: 1280, height: 900 } };
// An RSA-2048 key is generated in wasm: seconds, not milliseconds.
const READY_TIMEOUT_MS = 120_000;

function positive(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${name}=${value} is not a count`);
  return number;
}

/** Prints one result line: the kind, then tab-separated key=value fields. */
function emit(kind, fields) {
  const parts = [kind];
  for (const [key, value] of Object.entries(fields)) {
    parts.push(`${key}=${String(value).replace(/[\t\r\n]/g, ' ')}`);
  }
  process.stdout.write(`${parts.join('\t')}\n`);
}

function log(message) {
  process.stderr.write(`bench (browser): ${message}\n`);
}

/** Collects what goes wrong on a page; `check()` throws if anything did. */
function watch(page, what) {
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
    if (message.type() === 'warning') log(`${what}: console.warning: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.stack ?? error}`));
  page.on('crash', () => problems.push('the page crashed'));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return {
    problems,
    check() {
      if (problems.length > 0) throw new Error(`${what}: ${problems.join('; ')}`);
    },
  };
}

/**
 * Runs in the real page before its own scripts: notes when `#lab-status` first says `ready`
 * (or `error`), and when the frame after that has been rendered, in ms since navigation start.
 */
function readinessProbe() {
  const state = {};
  window.__sessionlabBench = state;
  const check = () => {
    const status = document.getElementById('lab-status');
    const value = status?.getAttribute('data-state');
    if (value === 'error' && state.error === undefined) state.error = status.textContent;
    if (value !== 'ready' || state.ready !== undefined) return;
    state.ready = performance.now();
    // rAF runs before the frame is rendered; a message posted from it runs after.
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        state.painted = performance.now();
      };
      channel.port2.postMessage(null);
    });
  };
  new MutationObserver(check).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['data-state'],
  });
}

/** Fresh pages of the real site: navigation start → first step rendered. */
async function measureNavigation(browser) {
  for (let run = 1; run <= NAVIGATIONS; run += 1) {
    const context = await browser.newContext(VIEWPORT);
    const page = await context.newPage();
    const watcher = watch(page, `navigation ${run}`);
    const requests = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.addInitScript(readinessProbe);
    await page.goto(BASE_URL, { waitUntil: 'commit' });
    await page.waitForFunction(
      () => {
        const state = window.__sessionlabBench;
        return state !== undefined && (state.painted !== undefined || state.error !== undefined);
      },
      null,
      { timeout: READY_TIMEOUT_MS },
    );
    const state = await page.evaluate(() => window.__sessionlabBench);
    if (state.error !== undefined) throw new Error(`the lab reports an error: ${state.error}`);
    watcher.check();
    emit('navigation', {
      run,
      ready_ms: state.ready.toFixed(3),
      painted_ms: state.painted.toFixed(3),
    });
    log(`navigation ${run}: first step rendered at ${state.painted.toFixed(1)} ms`);
    if (run === 1) {
      for (const url of requests) {
        if (!url.startsWith(BASE_URL)) throw new Error(`the page requested ${url}, outside the site`);
        emit('request', { path: new URL(url).pathname.slice(new URL(BASE_URL).pathname.length) });
      }
    }
    await context.close();
  }
}

/**
 * Runs in the real page: presses ArrowRight (a keydown on the document, as the page listens
 * for) through every remaining step, `pauseMs` after the step before was rendered. Each press is
 * made at the start of a frame, in a requestAnimationFrame callback, so the view it changes is
 * rendered in that same frame; the time is taken again in a message posted from there, which
 * runs once that frame has been rendered. `frame` = press → rendered; `handler` = the page's own
 * handler (wasm + DOM).
 */
async function walkSteps(pauseMs) {
  const progress = () => document.getElementById('progress');
  const total = Number(progress().dataset.total);
  const first = Number(progress().dataset.index);
  const frames = [];
  const handlers = [];
  const titles = [];
  for (let index = first; index < total - 1; index += 1) {
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const timing = await new Promise((resolve) => {
      requestAnimationFrame(() => {
        const start = performance.now();
        document.dispatchEvent(new KeyboardEvent('keydown', {
          key: 'ArrowRight', code: 'ArrowRight', bubbles: true, cancelable: true,
        }));
        const handled = performance.now();
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve({
          handler: handled - start,
          frame: performance.now() - start,
        });
        channel.port2.postMessage(null);
      });
    });
    const shown = Number(progress().dataset.index);
    if (shown !== index + 1) {
      throw new Error(`after ArrowRight at step ${index + 1} of ${total}, #progress shows index ${shown}`);
    }
    frames.push(timing.frame);
    handlers.push(timing.handler);
    // The slider's text names the step at once; the narration's title can be drawn later
    // (when it is off screen above the window).
    const valueText = document.getElementById('step-range')?.getAttribute('aria-valuetext') ?? '';
    titles.push(valueText.replace(/^Step \d+ of \d+: /, ''));
  }
  return { total, first, frames, handlers, titles };
}

/** Runs in the real page: back to the first step (Home, as the page listens for it). */
async function backToFirstStep() {
  document.dispatchEvent(new KeyboardEvent('keydown', {
    key: 'Home', code: 'Home', bubbles: true, cancelable: true,
  }));
  // Two frames: the first step's view drawn, then a quiet frame before the next walk.
  for (let frame = 0; frame < 2; frame += 1) {
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  }
  const shown = document.getElementById('progress').dataset.index;
  if (shown !== '0') throw new Error(`after Home, #progress shows index ${shown}`);
}

/**
 * Sums up a chapter's walks: all presses (median, worst), and the slowest step by its median
 * over the walks (a step slow every time, not a one-off pause).
 */
function summarise(walks) {
  const { total, first, titles } = walks[0];
  if (walks.some((walk) => walk.total !== total || walk.first !== first)) {
    throw new Error(`the walks of one chapter went through different steps: ${walks.map((walk) => `${walk.first}..${walk.total}`).join(', ')}`);
  }
  const frames = walks.flatMap((walk) => walk.frames);
  const handlers = walks.flatMap((walk) => walk.handlers);
  let slowest = null;
  const typical = titles.map((title, press) => {
    const ms = median(walks.map((walk) => walk.frames[press]));
    // The press at `press` shows step first + press + 1 (0-based), numbered from 1 on screen.
    if (!slowest || ms > slowest.ms) slowest = { ms, step: first + press + 2, title };
    return ms;
  });
  return { total, presses: titles.length, frames, handlers, slowest, typical };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function waitForLab(page) {
  await page.waitForFunction(
    () => {
      const state = document.getElementById('lab-status')?.dataset.state;
      const index = document.getElementById('progress')?.dataset.index;
      return state === 'error' || (state === 'ready' && index === '0');
    },
    null,
    { timeout: READY_TIMEOUT_MS },
  );
  const status = page.locator('#lab-status');
  if ((await status.getAttribute('data-state')) === 'error') {
    throw new Error(`the lab reports an error: ${(await status.textContent()).trim()}`);
  }
}

/** The real page: every step of every chapter the picker offers (or the default chapter). */
async function measureSteps(browser) {
  const context = await browser.newContext(VIEWPORT);
  const page = await context.newPage();
  const watcher = watch(page, 'steps');
  await page.goto(BASE_URL);
  await waitForLab(page);
  const picker = page.locator('#opt-chapter');
  let chapters = [null];
  const isSelect = (await picker.count()) > 0
    && (await picker.evaluate((element) => element instanceof HTMLSelectElement));
  if (isSelect) {
    chapters = await picker.locator('option').evaluateAll(
      (options) => options.filter((option) => !option.disabled).map((option) => option.value),
    );
  } else {
    emit('note', {
      text: 'it has no chapter picker (no `select#opt-chapter`), so only its default chapter was stepped through',
    });
  }
  // Three passes: with the page at its top, as it opens; with the flight's bytes in view, where
  // a step also draws the hex views and field trees, pressing as fast as frames come (a held
  // key: what a step leaves for idle time never runs); and the same at a reader's pace, where
  // the page finishes that work (records below the window, hex rows, parts put off) between
  // steps and the next step replaces it. Each pass walks every chapter once per round, so that
  // a chapter's walks lie a whole round apart and a few seconds of a busy machine stretch one
  // walk of a step, not all of them.
  for (const view of ['top', 'bytes', 'reading']) {
    const pauseMs = view === 'reading' ? READING_MS : 0;
    const walks = new Map(chapters.map((chapter) => [chapter, []]));
    for (let round = 0; round < WALKS; round += 1) {
      for (const chapter of chapters) {
        await page.evaluate(() => window.scrollTo(0, 0));
        if (chapter !== null && (await picker.inputValue()) !== chapter) {
          await picker.selectOption(chapter);
          await waitForLab(page);
        } else {
          await page.evaluate(backToFirstStep);
        }
        if (view !== 'top') {
          await page.locator('#bytes').scrollIntoViewIfNeeded();
          await page.locator('#step-hex:not([data-stale])').waitFor({ state: 'attached' });
        }
        // Arrow keys must reach the document, not a control that has the focus.
        await page.evaluate(() => document.activeElement?.blur?.());
        walks.get(chapter).push(await page.evaluate(walkSteps, pauseMs));
        watcher.check();
      }
    }
    for (const chapter of chapters) {
      const walk = summarise(walks.get(chapter));
      const name = chapter ?? 'default';
      emit('steps', {
        chapter: name,
        source: chapter === null ? 'default' : 'picker',
        view,
        steps: walk.total,
        presses: walk.presses,
        walks: WALKS,
        pause_ms: pauseMs,
        median_ms: median(walk.frames).toFixed(3),
        worst_ms: Math.max(0, ...walk.frames).toFixed(3),
        slowest_step: walk.slowest?.step ?? 0,
        slowest_title: walk.slowest?.title ?? '',
        slowest_median_ms: (walk.slowest?.ms ?? 0).toFixed(3),
        step_medians_ms: walk.typical.map((ms) => ms.toFixed(3)).join(','),
        handler_median_ms: median(walk.handlers).toFixed(3),
        handler_worst_ms: Math.max(0, ...walk.handlers).toFixed(3),
      });
      log(`steps of ${name} (${view}): ${walk.presses} presses × ${WALKS}, slowest step ${walk.slowest?.step} at ${walk.slowest?.ms.toFixed(1)} ms, worst ${Math.max(0, ...walk.frames).toFixed(1)} ms`);
    }
  }
  await context.close();
}

/** Opens the bench page (in a context of its own when `fresh` is given). */
async function openBench(browser, fresh) {
  const context = await browser.newContext(VIEWPORT);
  const page = await context.newPage();
  const watcher = watch(page, fresh ? `bench page ${fresh}` : 'bench page');
  await page.goto(fresh ? `${BENCH_URL}?fresh=${fresh}` : BENCH_URL);
  try {
    await page.locator('#status[data-state="ready"], #status[data-state="error"]').waitFor({ timeout: 60_000 });
  } catch (error) {
    watcher.check();
    throw error;
  }
  if ((await page.locator('#status').getAttribute('data-state')) === 'error') {
    throw new Error(`${(await page.locator('#status').textContent()).trim()} (is dist/ built with the Bench drivers?)`);
  }
  watcher.check();
  return { context, page, watcher };
}

/** The core's drivers in one page, one workload after another, after warm-up. */
async function measureSteady(browser) {
  const { context, page, watcher } = await openBench(browser, null);
  const timer = await page.evaluate(() => {
    let smallest = Infinity;
    let last = performance.now();
    const end = last + 50;
    for (;;) {
      const now = performance.now();
      if (now !== last) {
        smallest = Math.min(smallest, now - last);
        last = now;
      }
      if (now > end) break;
    }
    return { resolution: smallest, isolated: window.crossOriginIsolated };
  });
  emit('timer', { resolution_ms: timer.resolution.toFixed(4), cross_origin_isolated: timer.isolated });
  const ids = await page.evaluate(() => window.Bench.workloads());
  for (const id of ids) {
    const started = Date.now();
    const line = await page.evaluate(
      ([workload, samples]) => window.bench.steady(workload, samples, () => performance.now()),
      [id, SAMPLES],
    );
    watcher.check();
    process.stdout.write(`${line}\n`);
    log(`${id} steady: ${/median_ms=([0-9.]+)/.exec(line)?.[1]} ms (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  await context.close();
  return ids;
}

/** Each handshake and each lab in a fresh page of its own: the first iterations, each timed. */
async function measureCold(browser, ids) {
  let fresh = 0;
  for (const id of ids.filter((workload) => !workload.startsWith('records:'))) {
    fresh += 1;
    const count = id.startsWith('lab:') ? 1 : COLD;
    const { context, page, watcher } = await openBench(browser, `${Date.now()}-${fresh}`);
    const line = await page.evaluate(
      ([workload, n]) => window.bench.cold(workload, n, () => performance.now()),
      [id, count],
    );
    watcher.check();
    process.stdout.write(`${line}\n`);
    log(`${id} cold: ${/median_ms=([0-9.]+)/.exec(line)?.[1]} ms`);
    await context.close();
  }
}

async function main() {
  const browser = await launch();
  try {
    emit('browser', { version: browser.version() });
    if (PARTS.has('navigation')) await measureNavigation(browser);
    if (PARTS.has('steps')) await measureSteps(browser);
    if (PARTS.has('steady') || PARTS.has('cold')) {
      const ids = await measureSteady(browser);
      if (PARTS.has('cold')) await measureCold(browser, ids);
    }
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  process.stderr.write(`bench (browser): failed: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
