// The Measure panel (web/js/measure.js) in the built site: it times real handshakes in this
// browser and shows their medians (numbers > 0, resumed faster than full), quotes its reference
// figures with their source, date and machine, keeps the page responsive (the work runs in a
// worker; without one, in short slices), stops at once on Cancel, and fits a 375 px phone in
// dark mode. The harness fails any test on a console error, a failed request or a request
// outside the site; the reference figures are fetched from the site itself.
// Run through `cargo xtask e2e`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BASE_URL, SCREENSHOTS, launch, withLab } from './harness.mjs';

const TEST_TIMEOUT_MS = 240_000;
/** A run with a small N: seconds on an idle machine; an RSA key can take seconds more. */
const RUN_TIMEOUT_MS = 180_000;
const SMALL_N = '20';
/**
 * The longest the page's own thread may be busy at once while a run goes on. The work itself
 * runs in a worker (or, without one, in slices of about 12 ms); what remains is drawing the
 * table, tens of milliseconds at most on an idle machine. The limit leaves room for a machine
 * whose CPUs other jobs share (a task descheduled for a while counts as long), and still fails
 * on what the panel must never do: make an RSA-2048 key or a whole kind's handshakes on the
 * page's thread (from 0.4 s to seconds).
 */
const LONG_TASK_LIMIT_MS = 400;

const RESUMPTIONS = [
  ['tls13-resumed-x25519', 'tls13-full-ecdsa-p256-x25519'],
  ['tls12-resumed-session-id', 'tls12-full-session-id'],
  ['tls12-resumed-ticket', 'tls12-full-ticket'],
];

let browser;
before(async () => {
  browser = await launch();
  await mkdir(SCREENSHOTS, { recursive: true });
});
after(async () => {
  await browser?.close();
});

/** Opens the panel (`root` is its container) from the keyboard, as a learner would. */
async function openPanel(page, root = '#measure') {
  await page.locator(`${root} summary`).focus();
  await page.keyboard.press('Enter');
  await page.locator(`${root} details[open]`).waitFor();
}

/** Starts recording the page thread's long tasks (over 50 ms). */
async function recordLongTasks(page) {
  await page.evaluate(() => {
    window.__measureLongTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__measureLongTasks.push(entry.duration);
    }).observe({ type: 'longtask' });
  });
}

async function longestTask(page) {
  return page.evaluate(() => Math.max(0, ...window.__measureLongTasks));
}

/** Runs the panel under `root` with `count` handshakes of each kind until it is done. */
async function runPanel(page, root = '#measure', count = SMALL_N) {
  await page.locator(`${root} select[name="count"]`).selectOption(count);
  await page.locator(`${root} .measure-run`).click();
  await page.locator(`${root} .measure[data-state="done"], ${root} .measure[data-state="error"]`)
    .waitFor({ timeout: RUN_TIMEOUT_MS });
  const state = await page.locator(`${root} .measure`).getAttribute('data-state');
  assert.equal(state, 'done', (await page.locator(`${root} .measure-status`).textContent()).trim());
}

/** Each measured row: its kind, the median measured here and the quoted native one (or null). */
async function rows(page, root = '#measure') {
  return page.locator(`${root} tr[data-kind]`).evaluateAll((trs) => trs.map((tr) => {
    const number = (cell) => (cell.hasAttribute('data-median-ms') ? Number(cell.dataset.medianMs) : null);
    return {
      kind: tr.dataset.kind,
      base: tr.dataset.base,
      here: number(tr.querySelector('[data-here]')),
      hereText: tr.querySelector('[data-here]').textContent.trim(),
      native: number(tr.querySelector('[data-native]')),
      ratio: tr.querySelector('[data-here] [data-ratio]')?.dataset.ratio ?? null,
    };
  }));
}

function median(measured, kind) {
  return measured.find((row) => row.kind === kind)?.here;
}

test('the Measure panel times handshakes here, beside quoted references with their sources', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'desktop', async (page) => {
    const requests = [];
    page.on('request', (request) => requests.push(request.url()));
    await openPanel(page);

    // The quoted figures, before anything is measured: each labelled as quoted, with a source,
    // a date and a machine.
    const quotes = page.locator('#measure [data-reference]');
    await page.locator('#measure [data-reference="published"]').first().waitFor();
    assert.ok(await quotes.count() >= 2, 'a native and a published reference');
    for (const quote of await quotes.all()) {
      assert.match(await quote.locator('.measure-quote-label').textContent(), /Quoted reference/);
      const facts = Object.fromEntries(await quote.locator('.measure-facts > div').evaluateAll((items) => items
        .map((item) => [item.querySelector('dt').textContent.trim(), item.querySelector('dd').textContent.trim()])));
      for (const term of ['Source', 'Date', 'Machine']) assert.ok(facts[term], `a quoted reference without ${term}: ${JSON.stringify(facts)}`);
      assert.match(facts.Date, /^\d{4}-\d{2}-\d{2}/);
    }
    const native = page.locator('#measure [data-reference="native"]');
    assert.match(await native.locator('.measure-facts').textContent(), /cargo xtask bench/);
    const published = page.locator('#measure [data-reference="published"]').first();
    const link = published.locator('a.measure-source');
    assert.match(await link.getAttribute('href'), /^https:\/\/rustls\.dev\/perf\//);
    assert.match(await published.textContent(), /handshakes per second/);
    assert.match(await published.textContent(), /natively/);

    await recordLongTasks(page);
    await runPanel(page);
    const method = (await page.locator('#measure .measure-method').textContent()).trim();
    assert.match(method, /Measured in a Web Worker/, method);

    const measured = await rows(page);
    assert.ok(measured.length >= 9, `rows: ${measured.length}`);
    for (const row of measured) {
      assert.ok(Number.isFinite(row.here) && row.here > 0, `${row.kind}: measured "${row.hereText}"`);
      assert.ok(Number.isFinite(row.native) && row.native > 0, `${row.kind}: no quoted native figure`);
      if (row.base) assert.ok(Number(row.ratio) > 0, `${row.kind}: no ratio`);
    }
    for (const [resumed, full] of RESUMPTIONS) {
      assert.ok(median(measured, resumed) < median(measured, full),
        `${resumed} (${median(measured, resumed)} ms) should be faster than ${full} (${median(measured, full)} ms)`);
    }
    // The saving the narration speaks of, in numbers measured here.
    const headline = page.locator('#measure .measure-headline');
    assert.ok(await headline.isVisible());
    assert.match(await headline.locator('[data-resumption^="TLS 1.3"]').textContent(), /\d+(\.\d+)? ms, against \d+(\.\d+)? ms/);

    const longest = await longestTask(page);
    assert.ok(longest < LONG_TASK_LIMIT_MS, `the page was busy for ${Math.round(longest)} ms at once`);

    const own = requests.filter((url) => url.includes('measure'));
    assert.ok(own.some((url) => url.endsWith('/measure-reference.json')), own.join(', '));
    assert.ok(own.some((url) => url.endsWith('/js/measure-worker.js')), own.join(', '));
    for (const url of requests) assert.ok(url.startsWith(BASE_URL) || url.startsWith('blob:') || url.startsWith('data:'), url);

    await page.locator('#measure').screenshot({ path: path.join(SCREENSHOTS, 'measure-desktop.png') });
  });
});

test('Cancel stops a run at once and the lab still steps', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'desktop', async (page) => {
    await openPanel(page);
    await page.locator('#measure select[name="count"]').selectOption('200');
    await page.locator('#measure .measure-run').focus();
    await page.keyboard.press('Enter');
    await page.locator('#measure .measure[data-state="warming"], #measure .measure[data-state="measuring"]')
      .waitFor({ timeout: RUN_TIMEOUT_MS });
    // Enter pressed the Run button, and the focus moved to Cancel.
    assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('measure-cancel')), 'the focus is on Cancel');
    const pressed = Date.now();
    await page.keyboard.press('Enter');
    await page.locator('#measure .measure[data-state="canceled"]').waitFor({ timeout: 2_000 });
    assert.ok(Date.now() - pressed < 2_000);
    assert.equal(await page.locator('#measure .measure-run').isEnabled(), true);
    assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('measure-run')), 'the focus is back on Run');
    // Nothing arrives after Cancel.
    const status = await page.locator('#measure .measure-status').textContent();
    await page.waitForTimeout(500);
    assert.equal(await page.locator('#measure .measure-status').textContent(), status);
    assert.equal(await page.locator('#measure .measure').getAttribute('data-state'), 'canceled');

    await page.locator('#next').click();
    await page.locator('#progress[data-index="1"]').waitFor({ timeout: 10_000 });
  });
});

/** Mounts a second Measure panel at `id` that runs in the page itself (no worker). */
async function mountInPage(page, id) {
  await page.evaluate(async (sectionId) => {
    const { mountMeasure } = await import(new URL('js/measure.js', document.baseURI).href);
    const section = document.createElement('section');
    section.id = sectionId;
    document.body.append(section);
    mountMeasure(section, { worker: false });
  }, id);
}

test('without a worker the page runs it itself, in short slices, with RSA only when WebCrypto makes its key', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'desktop', async (page) => {
    await mountInPage(page, 'measure-in-page');
    await openPanel(page, '#measure-in-page');
    await recordLongTasks(page);
    await runPanel(page, '#measure-in-page');

    // Served from loopback, a secure context: WebCrypto makes the RSA key, so RSA is measured.
    const measured = await rows(page, '#measure-in-page');
    for (const row of measured) assert.ok(row.here > 0, `${row.kind}: measured "${row.hereText}"`);
    for (const [resumed, full] of RESUMPTIONS) assert.ok(median(measured, resumed) < median(measured, full), resumed);
    assert.match(await page.locator('#measure-in-page .measure-method').textContent(), /in this page/);
    const longest = await longestTask(page);
    assert.ok(longest < LONG_TASK_LIMIT_MS, `the page was busy for ${Math.round(longest)} ms at once`);

    // Without WebCrypto (a page served over plain http from another machine), RSA is left out
    // rather than generating its key here for seconds.
    await page.evaluate(() => Object.defineProperty(globalThis.crypto, 'subtle', { get: () => undefined }));
    await mountInPage(page, 'measure-no-webcrypto');
    await openPanel(page, '#measure-no-webcrypto');
    await runPanel(page, '#measure-no-webcrypto');
    for (const row of await rows(page, '#measure-no-webcrypto')) {
      if (row.kind === 'tls13-full-rsa2048-x25519') {
        assert.match(row.hereText, /not measured/);
        assert.equal(row.here, null);
      } else {
        assert.ok(row.here > 0, `${row.kind}: measured "${row.hereText}"`);
      }
    }
  });
});

test('on a 375 px phone in dark mode the panel fits and its tables scroll in their own box', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'phone', async (page) => {
    await openPanel(page);
    await page.locator('#measure [data-reference="published"]').first().waitFor();
    await runPanel(page);
    const fit = await page.locator('#measure').evaluate((section) => {
      const box = section.getBoundingClientRect();
      const scrollers = [...section.querySelectorAll('.measure-scroll')];
      return {
        right: box.right,
        width: window.innerWidth,
        overflow: section.scrollWidth - section.clientWidth,
        scrollersKeyboard: scrollers.every((s) => s.tabIndex === 0 && s.hasAttribute('data-arrows')),
      };
    });
    assert.ok(fit.right <= fit.width + 1, `the panel ends at ${fit.right} px of ${fit.width}`);
    assert.ok(fit.overflow <= 1, `the panel overflows by ${fit.overflow} px`);
    assert.ok(fit.scrollersKeyboard, 'each scrolling table is reachable from the keyboard');
    await page.locator('#measure').screenshot({ path: path.join(SCREENSHOTS, 'measure-phone-dark.png') });
  }, { extra: { colorScheme: 'dark' } });
});
