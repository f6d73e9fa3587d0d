// End-to-end test of the built Session Lab site, as a person would use it: Debian's
// Chromium, headless, driven by playwright-core, against the site served from a sub-path.
//
// Run through `cargo xtask e2e` (or `cargo xtask test`), which serves the site and sets:
//   SESSIONLAB_URL          the site's base URL, ending in `/`
//   SESSIONLAB_SCREENSHOTS  where to write screenshots
//   SESSIONLAB_CHROMIUM     the browser binary (default /usr/bin/chromium)
//
// Every page is watched: any console error or warning, uncaught exception, failed request,
// HTTP error, or request to anything outside the site's base URL (other than the page's own
// blob: and data: URLs) fails the test.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  SCREENSHOTS, STEP_TIMEOUT_MS, VIEWPORTS, blurControls, showBytes, chooseOption, launch, waitForIndex, waitUntilSettled,
  withLab as withLabIn,
} from './harness.mjs';

const TEST_TIMEOUT_MS = 300_000;

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** Opens the lab (`kind` is a VIEWPORTS key) and runs `body(page)`; see harness.mjs. */
function withLab(kind, body, options = {}) {
  return withLabIn(browser, kind, body, options);
}

async function progress(page) {
  const element = page.locator('#progress');
  return {
    index: Number(await element.getAttribute('data-index')),
    total: Number(await element.getAttribute('data-total')),
    text: (await element.textContent()).trim(),
  };
}

/** What the page shows about the current step, checked against the DOM contract. */
async function readStep(page) {
  const { index, total, text } = await progress(page);
  const match = /Step\s+(\d+)\s+of\s+(\d+)/i.exec(text);
  assert.ok(match, `#progress text "${text}" should read "Step N of M"`);
  assert.equal(Number(match[1]), index + 1, `#progress text "${text}" at index ${index}`);
  assert.equal(Number(match[2]), total, `#progress text "${text}" with total ${total}`);

  const title = (await page.locator('#step-title').textContent()).trim();
  // The side is in `data-side` (the text may be capitalised for people); older pages only had text.
  const fromElement = page.locator('#step-from');
  const from = (
    (await fromElement.getAttribute('data-side')) ?? (await fromElement.textContent())
  )
    .trim()
    .toLowerCase();
  await showBytes(page);
  const hex = (await page.locator('#step-hex').textContent()).trim();
  const records = await page.locator('#records tr.record').count();
  assert.ok(title.length > 0, `step ${index} has a title`);
  assert.ok(['client', 'server', 'lab'].includes(from), `step ${index} "${title}" is from "${from}"`);
  return { index, title, from, hex, records };
}

async function clientHandshakeKind(page) {
  const cells = page.locator('#client-state tr[data-key="handshakeKind"] td');
  return (await cells.last().textContent()).trim();
}

/** Clicks Next until the last step, checking each step on the way; returns what it saw. */
async function walkToEnd(page) {
  const { total } = await progress(page);
  assert.ok(total >= 2, `a run has several steps (data-total=${total})`);
  const steps = [];
  for (let { index } = await progress(page); index < total - 1; index += 1) {
    steps.push(await readStep(page));
    assert.equal(await page.locator('#next').isDisabled(), false, `Next is enabled at step ${index}`);
    await page.locator('#next').click();
    await waitForIndex(page, index + 1);
  }
  steps.push(await readStep(page));
  assert.equal((await progress(page)).index, total - 1);
  assert.equal(await page.locator('#next').isDisabled(), true, 'Next is disabled at the last step');
  return steps;
}

/** Checks that a walk showed real traffic from both peers. */
function assertRealTraffic(steps) {
  assert.ok(steps.some((step) => step.from === 'client'), 'some step comes from the client');
  assert.ok(steps.some((step) => step.from === 'server'), 'some step comes from the server');
  assert.ok(
    steps.some((step) => /[0-9a-f]{2}/i.test(step.hex) && step.records > 0),
    'some step shows bytes and TLS records',
  );
}

test('the default run can be walked to the end and back', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab('desktop', async (page) => {
    assert.equal((await progress(page)).index, 0, 'the lab opens at the first step');
    assert.equal(await page.locator('#back').isDisabled(), true, 'Back is disabled at the first step');

    const steps = await walkToEnd(page);
    assertRealTraffic(steps);
    assert.equal(await page.locator('#back').isDisabled(), false, 'Back is enabled at the last step');

    await blurControls(page);
    const { total } = await progress(page);
    for (let index = total - 1; index > 0; index -= 1) {
      await page.keyboard.press('ArrowLeft');
      await waitForIndex(page, index - 1);
    }
    assert.equal(await page.locator('#back').isDisabled(), true, 'Back is disabled again at step 0');
    assert.equal(await page.locator('#next').isDisabled(), false, 'Next is enabled at step 0');

    await page.keyboard.press('ArrowRight');
    await waitForIndex(page, 1);
    await page.keyboard.press('ArrowLeft');
    await waitForIndex(page, 0);
  });
});

test('the last connection of the default run is resumed', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withLab('desktop', async (page) => {
    const steps = await walkToEnd(page);
    const resumedStep = steps.find((step) => /resum/i.test(step.title));
    t.diagnostic(`a step about resumption: ${resumedStep ? `"${resumedStep.title}"` : 'none'}`);
    assert.equal(await clientHandshakeKind(page), 'Resumed', 'client handshake kind at the last step');
  });
});

test('every protocol version and certificate type runs to the end', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withLab('desktop', async (page) => {
    for (const version of ['tls12', 'tls13']) {
      for (const certificate of ['ecdsa-p256', 'ed25519', 'rsa-2048']) {
        const started = Date.now();
        if ((await page.locator('#opt-version').inputValue()) !== version) {
          await chooseOption(page, '#opt-version', version);
        }
        if ((await page.locator('#opt-cert').inputValue()) !== certificate) {
          await chooseOption(page, '#opt-cert', certificate);
        }
        const serverKey = (await page.locator('#pki tr', { hasText: 'Server key' }).locator('td').textContent()).trim();
        assert.equal(serverKey, { 'ecdsa-p256': 'ECDSA P-256', ed25519: 'Ed25519', 'rsa-2048': 'RSA-2048' }[certificate]);
        const made = await page.locator('#pki-note').textContent();
        if (certificate === 'rsa-2048') {
          // The page is served from loopback, a secure context: WebCrypto makes the key.
          assert.match(made, /the server's RSA-2048 key by the browser's WebCrypto, in \d+ ms/, made);
        } else {
          assert.doesNotMatch(made, /WebCrypto/, made);
        }
        // Every step of every chapter is walked in chapters.test.mjs; here the ends suffice:
        // the server's first flight, and the last step, where the resumed session has ended.
        const { total } = await progress(page);
        await blurControls(page);
        await page.keyboard.press('ArrowRight');
        await waitForIndex(page, 1);
        const first = await readStep(page);
        assert.equal(first.from, 'server', `${version} + ${certificate}: the server answers`);
        assert.ok(first.records > 0 && /[0-9a-f]{2}/i.test(first.hex), 'the server flight shows records and bytes');
        await page.keyboard.press('End');
        await waitForIndex(page, total - 1);
        await readStep(page);
        assert.equal(await page.locator('#next').isDisabled(), true, 'Next is disabled at the last step');
        assert.equal(await clientHandshakeKind(page), 'Resumed', `${version} + ${certificate}: the second connection resumed`);
        t.diagnostic(`${version} + ${certificate}: ${total} steps, ends checked in ${Date.now() - started} ms`);
      }
    }
  });
});

test('without WebCrypto an RSA lab still runs: the Measure build of the core makes its key', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab('desktop', async (page) => {
    const made = await page.locator('#pki-note').textContent();
    assert.match(made, /the server's RSA-2048 key generated in wasm, in \d+ ms: this page has no WebCrypto/, made);
    const serverKey = (await page.locator('#pki tr', { hasText: 'Server key' }).locator('td').textContent()).trim();
    assert.equal(serverKey, 'RSA-2048');
    await page.keyboard.press('ArrowRight');
    await waitForIndex(page, 1);
    assert.equal((await readStep(page)).from, 'server', 'the server answers with its RSA certificate');
    assert.equal(await page.locator('#notice').isVisible(), false, 'no notice: nothing fell back');

    // A new lab (another version) makes a new key with the same instance: nothing more loaded.
    const loaded = [];
    page.on('request', (request) => {
      if (request.url().includes('sessionlab_measure')) loaded.push(request.url());
    });
    await chooseOption(page, '#opt-version', 'tls12');
    assert.match(await page.locator('#pki-note').textContent(), /RSA-2048 key generated in wasm/);
    assert.deepEqual(loaded, [], 'the Measure build is not loaded again');
  }, {
    hash: '#cert=rsa-2048',
    // A page served over plain http from another machine: no secure context, no WebCrypto.
    prepare: (page) => page.addInitScript(() => Object.defineProperty(globalThis.crypto, 'subtle', { get: () => undefined })),
  });
});

test('a step updates the endpoint state tables in place, and only the rows it marks change', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab('desktop', async (page) => {
    let marked = 0;
    for (let index = 1; index <= 4; index += 1) {
      await page.evaluate(() => {
        for (const cell of document.querySelectorAll('#client-state td, #server-state td')) {
          cell.shownBefore = cell.textContent.replace(/ \(changed\)$/, '');
        }
      });
      await page.locator('#next').click();
      await waitForIndex(page, index);
      const rows = await page.evaluate(() => [...document.querySelectorAll('#client-state tbody tr, #server-state tbody tr')]
        .map((row) => {
          const cell = row.querySelector('td');
          return {
            key: `${row.closest('table').id}.${row.dataset.key}`,
            kept: cell.shownBefore !== undefined,
            before: cell.shownBefore,
            now: cell.textContent.replace(/ \(changed\)$/, ''),
            changed: row.classList.contains('changed'),
          };
        }));
      assert.equal(rows.length, 24, 'twelve rows a side');
      for (const row of rows) {
        // The same cell elements, their text updated: nothing made again, so nothing unchanged
        // is laid out again.
        assert.ok(row.kept, `${row.key}: the cell is kept across the step`);
        if (!row.changed) assert.equal(row.now, row.before, `${row.key} is not marked changed at step ${index + 1}, so it shows the same`);
      }
      marked += rows.filter((row) => row.changed).length;
    }
    assert.ok(marked > 0, 'four steps of a handshake change some endpoint state');
  });
});

test('Reset returns to the first step', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab('desktop', async (page) => {
    for (let index = 1; index <= 3; index += 1) {
      await page.locator('#next').click();
      await waitForIndex(page, index);
    }
    await page.locator('#reset').click();
    await waitForIndex(page, 0);
    await waitUntilSettled(page);
    assert.equal(await page.locator('#back').isDisabled(), true, 'Back is disabled after Reset');
  });
});

test('screenshots of the first and a middle step, desktop and phone', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await mkdir(SCREENSHOTS, { recursive: true });
  for (const kind of Object.keys(VIEWPORTS)) {
    await withLab(kind, async (page) => {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${kind}-first.png`) });
      const { total } = await progress(page);
      const middle = Math.floor(total / 2);
      for (let index = 1; index <= middle; index += 1) {
        await page.locator('#next').click();
        await waitForIndex(page, index);
      }
      await page.screenshot({ path: path.join(SCREENSHOTS, `${kind}-middle.png`) });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      t.diagnostic(`${kind}: page is ${overflow > 0 ? `${overflow}px wider than` : 'no wider than'} the viewport`);
    });
  }
});

test('after a panic the page starts a fresh instance and comes back to the same step', { timeout: TEST_TIMEOUT_MS }, async () => {
  // The first instance's glue is served with a trap in `next()`, armed from the test: the
  // RuntimeError a panic raises in wasm-bindgen's output. A restarted instance is imported
  // with `?instance=N` and gets the glue as built.
  const imports = [];
  const trapNext = (page) => page.route('**/sessionlab.js*', async (route) => {
    const url = new URL(route.request().url());
    imports.push(url.search);
    if (url.searchParams.has('instance')) return route.continue();
    const response = await route.fetch();
    const glue = (await response.text()).replace('    next() {\n',
      '    next() {\n        if (globalThis.__sessionlabTrap) { globalThis.__sessionlabTrap = false; throw new WebAssembly.RuntimeError("unreachable"); }\n');
    assert.ok(glue.includes('__sessionlabTrap'), 'the glue has a next() to trap');
    return route.fulfill({ response, body: glue });
  });
  await withLab('desktop', async (page) => {
    await blurControls(page);
    for (let index = 1; index <= 2; index += 1) {
      await page.keyboard.press('ArrowRight');
      await waitForIndex(page, index);
    }
    const title = (await page.locator('#step-title').textContent()).trim();

    await page.evaluate(() => { globalThis.__sessionlabTrap = true; });
    await page.keyboard.press('ArrowRight');
    await page.locator('#notice').getByText(/crashed .* and was restarted/).waitFor({ timeout: STEP_TIMEOUT_MS });
    await waitUntilSettled(page);
    assert.ok(imports.some((search) => search === '?instance=2'), `a fresh instance was imported: ${imports}`);
    assert.equal((await progress(page)).index, 2, 'the restarted lab shows the step it was on');
    assert.equal((await page.locator('#step-title').textContent()).trim(), title);

    // And it works: the next step comes from the new instance.
    await blurControls(page);
    await page.keyboard.press('ArrowRight');
    await waitForIndex(page, 3);
  }, { prepare: trapNext });
});
