// The page's links and tools in the built site: a shared URL lands on the same step; bad or stale
// links give a notice and fall back to defaults; text a learner types is shown as text; a
// flipped byte makes the receiver's alert appear; the clock moves; the Wireshark downloads are
// real pcapng; bytes copy as hex; and screenshots of key steps, light and dark, desktop and
// phone. Run through `cargo xtask e2e`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  SCREENSHOTS, blurControls, chooseChapter, clickByte, launch, screenshotWholePage, settledUrl, showBytes, snapshot, waitForIndex, waitUntilSettled, withLab,
} from './harness.mjs';

const TEST_TIMEOUT_MS = 120_000;
const XSS = '<img src=x onerror=window.__xss=1>';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

function fragmentOf(url) {
  return new URLSearchParams(new URL(url).hash.slice(1));
}

async function notice(page) {
  const box = page.locator('#notice');
  return (await box.isVisible()) ? (await page.locator('#notice-text').textContent()).trim() : null;
}

/** Goes forward to the first step whose `#http` panel shows `text`; returns its index. */
async function stepShowing(page, selector, text) {
  const { total } = await snapshot(page);
  await blurControls(page);
  await page.keyboard.press('Home');
  await waitForIndex(page, 0);
  for (let i = 0; i < total; i += 1) {
    const found = await page.locator(selector).evaluateAll((els, t) => els.some((e) => e.textContent.includes(t)), text);
    if (found) return i;
    await page.keyboard.press('ArrowRight');
    await waitForIndex(page, i + 1);
  }
  return -1;
}

test('a shared link opens the same chapter, options, request and step', { timeout: TEST_TIMEOUT_MS }, async () => {
  let shared;
  let seen;
  await withLab(browser, 'desktop', async (page) => {
    await page.locator('#opt-suite').selectOption('TLS13_CHACHA20_POLY1305_SHA256');
    await waitUntilSettled(page);
    await chooseChapter(page, 'resume');
    await page.locator('#diagram .d-step[data-index="8"]').click();
    await waitForIndex(page, 8);
    seen = await snapshot(page);
    shared = await settledUrl(page);
    const params = fragmentOf(shared);
    assert.equal(params.get('chapter'), 'resume');
    assert.equal(params.get('step'), '9');
    assert.equal(params.get('suite'), 'TLS13_CHACHA20_POLY1305_SHA256');
  });
  await withLab(browser, 'phone', async (page) => {
    const shown = await snapshot(page);
    assert.equal(shown.index, 8, 'the link lands on step 9');
    assert.equal(shown.title, seen.title);
    assert.equal(shown.clientKind, seen.clientKind);
    assert.equal(await page.locator('#opt-chapter').inputValue(), 'resume');
    assert.equal(await page.locator('#opt-suite').inputValue(), 'TLS13_CHACHA20_POLY1305_SHA256');
    assert.equal(await notice(page), null, 'a good link gives no notice');
  }, { hash: new URL(shared).hash });
});

const BAD_LINKS = [
  ['#v=tls14&chapter=resume', /no version “tls14”/, { version: 'tls13', chapter: 'resume' }],
  ['#v=tls12&chapter=zero-rtt&step=3', /does not apply to TLS 1\.2/, { version: 'tls12', chapter: 'whole-session', index: 0 }],
  ['#v=tls13&chapter=resume&step=999', /no step 999/, { version: 'tls13', chapter: 'resume', index: 0 }],
  ['#chapter=nope&cert=rsa-4096&suite=TLS_FAKE&group=x448', /no cipher suite.*no key-exchange group.*no certificate key type.*no chapter “nope”/s, { version: 'tls13', chapter: 'whole-session' }],
  ['#%E0%A4%A&&==&step=-1', /not a setting|not a step number/, { version: 'tls13', chapter: 'whole-session', index: 0 }],
  [`#v=tls13&chapter=${'x'.repeat(5000)}`, /more than any link/, { version: 'tls13', chapter: 'whole-session', index: 0 }],
  ['#v=tls13&x=t999.5,zz', /could not be made again|not one this page makes/, { version: 'tls13', chapter: 'whole-session' }],
  [`#v=tls13&chapter=maintain&path=${encodeURIComponent('bad path\u0001')}`, /request could not be used/, { version: 'tls13', chapter: 'maintain' }],
];

test('bad or stale links give a clear notice and fall back to defaults, never a blank page', { timeout: TEST_TIMEOUT_MS }, async () => {
  for (const [hash, expected, where] of BAD_LINKS) {
    await withLab(browser, 'desktop', async (page) => {
      const text = await notice(page);
      assert.ok(text, `${hash.slice(0, 60)}: a notice is shown`);
      assert.match(text, expected, `${hash.slice(0, 60)}: the notice says what was wrong`);
      assert.equal(await page.locator('#notice').getAttribute('role'), 'status');
      const shown = await snapshot(page);
      assert.ok(shown.title.length > 0 && shown.total > 0, 'the page shows a step');
      assert.equal(await page.locator('#opt-version').inputValue(), where.version);
      assert.equal(await page.locator('#opt-chapter').inputValue(), where.chapter);
      if (where.index !== undefined) assert.equal(shown.index, where.index);
      // The address now describes what is shown.
      const params = fragmentOf(await settledUrl(page));
      assert.equal(params.get('chapter'), where.chapter);
      assert.equal(params.get('step'), String(shown.index + 1));
      await page.locator('#notice-close').click();
      assert.equal(await notice(page), null, 'the notice can be dismissed');
    }, { hash });
  }
});

test('editing the address (hashchange) moves the lab; a bad edit gives a notice', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'desktop', async (page) => {
    await page.evaluate(() => { window.location.hash = '#v=tls12&chapter=resume&step=3'; });
    await page.waitForFunction(() => document.querySelector('#opt-chapter').value === 'resume'
      && document.querySelector('#progress').dataset.index === '2', null, { timeout: 30_000 });
    await waitUntilSettled(page);
    assert.equal(await page.locator('#opt-version').inputValue(), 'tls12');
    await page.evaluate(() => { window.location.hash = '#v=tls12&chapter=nope'; });
    await page.locator('#notice').waitFor({ state: 'visible' });
    assert.match(await notice(page), /no chapter “nope”/);
    assert.equal(await page.locator('#opt-chapter').inputValue(), 'whole-session');

    // An edit made while the page's own update of the address is pending (and due) still
    // wins: the update must not put the old address back.
    await blurControls(page);
    await page.evaluate(() => {
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true, cancelable: true }));
      const due = performance.now() + 400;
      while (performance.now() < due) { /* the page's address update falls due meanwhile */ }
      window.location.hash = '#v=tls13&chapter=establish&step=2';
    });
    await page.waitForFunction(() => document.querySelector('#opt-chapter').value === 'establish'
      && document.querySelector('#progress').dataset.index === '1', null, { timeout: 10_000 });
    await waitUntilSettled(page);
    assert.match(await settledUrl(page), /chapter=establish/);
  });
});

test('what a learner types into the request is shown as text, never run as HTML', { timeout: TEST_TIMEOUT_MS }, async () => {
  let link;
  await withLab(browser, 'desktop', async (page) => {
    // A header line without a colon is refused, and the refusal quotes it as text.
    await page.locator('#request-path').fill(XSS);
    await page.locator('#request-headers').fill(XSS);
    await page.locator('#request-apply').click();
    const error = page.locator('#request-error');
    await error.waitFor({ state: 'visible' });
    assert.match(await error.textContent(), /Name: value/);

    // A valid edit: the path and a header carry the markup, and the chapter runs with them.
    await page.locator('#request-headers').fill(`X-Note: ${XSS}`);
    await page.locator('#request-apply').click();
    await page.locator('#request-current').filter({ hasText: XSS }).waitFor();
    assert.equal(await error.isHidden(), true);
    const at = await stepShowing(page, '#http .http-headers', `X-Note: ${XSS}`);
    assert.ok(at >= 0, 'the server received the header, shown as text');
    const line = await page.locator('#http .server-exchange').first().getAttribute('data-request-line');
    assert.match(line, /^GET \S+ HTTP\/1\.1$/, `the request line carries the path encoded: ${line}`);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element was made from the text');
    assert.equal(await page.evaluate(() => window.__xss), undefined, 'no script ran');
    link = await settledUrl(page);
    assert.equal(fragmentOf(link).get('path'), XSS, 'the link keeps the request');
  });
  await withLab(browser, 'desktop', async (page) => {
    assert.equal(await page.locator('#request-path').inputValue(), XSS, 'the link restores the request');
    assert.match(await page.locator('#request-current').textContent(), /GET <img src=x/);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
  }, { hash: new URL(link).hash });
});

test('the request editor and the wrapping say which request a chapter really sends', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'desktop', async (page) => {
    const current = page.locator('#request-current');
    // The whole session sends GET /dashboard: the editor counts it and can replace it.
    assert.match(await current.textContent(), /the chapter's own GET \/dashboard \((once|\d+ times) in this run\)/);
    assert.equal(await page.locator('#request-apply').isDisabled(), false);
    await page.locator('#tab-wrapping').click();
    await page.locator('#wrapping .wrapping-headline').first().waitFor();
    assert.equal(await page.locator('#wrapping-request').textContent(), 'GET /dashboard');
    await page.locator('#tab-session').click();

    await page.locator('#request-path').fill('/elsewhere');
    await page.locator('#request-apply').click();
    await current.filter({ hasText: 'GET /elsewhere' }).waitFor();
    assert.match(await current.textContent(), /^Now sent instead of GET \/dashboard \((once|\d+ times) in this run\): GET \/elsewhere\.$/);
    // The wrapping follows the request as the learner edited it.
    await page.locator('#tab-wrapping').click();
    await page.locator('#wrapping .wrapping-headline').filter({ hasText: 'GET /elsewhere' }).waitFor();
    assert.equal(await page.locator('#wrapping-request').textContent(), 'GET /elsewhere');
    await page.locator('#tab-session').click();

    // The stream chapter asks for GET /video only: the edit has nothing to replace there, the
    // page says so instead of claiming it was sent, and the wrapping names the real request.
    await chooseChapter(page, 'stream');
    await current.filter({ hasText: 'never sends GET /dashboard' }).waitFor();
    assert.equal(await current.getAttribute('data-applies'), 'false');
    assert.equal(await page.locator('#request-apply').isDisabled(), true);
    await page.locator('#tab-wrapping').click();
    await page.locator('#wrapping .wrapping-headline').first().waitFor();
    assert.equal(await page.locator('#wrapping-request').textContent(), 'GET /video');
    await page.locator('#which input[value="response"]').check();
    await page.locator('#wrapping .wrapping-headline').filter({ hasText: 'HTTP/1.1 206' }).waitFor();
    assert.equal(await page.locator('#wrapping-request').textContent(), 'GET /video', 'the response follows the same request');
  });
});

test('flipping a byte in flight makes the receiver reject it and the alert appear', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'desktop', async (page) => {
    // Step 5 of the whole session: the client's login request, one encrypted record.
    await page.locator('#diagram .d-step[data-index="4"]').click();
    await waitForIndex(page, 4);
    assert.equal(await page.locator('#tamper-flip').isDisabled(), true, 'nothing to flip before a byte is chosen');
    await showBytes(page);
    await clickByte(page, page.locator('#step-hex .inspector-hex .hexview').first(), 20);
    assert.match(await page.locator('#byte-selection').textContent(), /byte 20/);
    await page.locator('#tamper-flip').click();
    await page.locator('#tamper-result').filter({ hasText: /flipped byte 20 of step 5/ }).waitFor();
    const shown = await snapshot(page);
    assert.equal(shown.index, 4, 'the lab stays on the changed step');
    assert.equal(shown.outcome, 'rejected', 'the server rejects the record');
    assert.equal(await page.locator('#tamper-note').isVisible(), true);
    await showBytes(page);
    assert.equal(await page.locator('#step-hex .tampered').count() > 0, true, 'the byte is marked');
    assert.match(await page.locator('#tamper-result').textContent(), /fatal alert crosses at step/);
    assert.equal(fragmentOf(await settledUrl(page)).get('x'), 't5.20', 'the link records the change');
    await page.locator('#tamper-result button').click();
    await waitForIndex(page, 5);
    assert.equal((await snapshot(page)).outcome, 'alertReceived', 'the client receives the alert');
    assert.match(await page.locator('#step-outcome').textContent(), /BadRecordMac/);
    assert.equal(await page.locator('#interventions li[data-change="tamper"]').count(), 1);
    assert.equal(await page.locator('#diagram .d-step.bad').count() >= 2, true, 'the diagram marks both');

    await page.locator('#undo-changes').click();
    await page.locator('#interventions li[data-change]').waitFor({ state: 'detached' });
    assert.equal(fragmentOf(await settledUrl(page)).get('x'), null);
  });
});

test('advancing the clock expires the cookie and the tickets', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'desktop', async (page) => {
    // After the first connection of the whole session (step 8), thirty days pass.
    await page.locator('#diagram .d-step[data-index="7"]').click();
    await waitForIndex(page, 7);
    await page.locator('#clock-buttons button[data-seconds="2592000"]').click();
    await waitForIndex(page, 8);
    const clock = await snapshot(page);
    assert.equal(clock.from, 'lab', 'the clock jump is a lab event');
    assert.match(await page.locator('#tool-result').textContent(), /moved forward 30 days after step 8/);
    assert.equal(await page.locator('#interventions li[data-change="advanceClock"]').count(), 1);
    assert.equal(fragmentOf(await settledUrl(page)).get('x'), 'c8.2592000');
    assert.ok(clock.cookies.every((c) => c.expired), 'the cookie is past its Max-Age');
    assert.ok(clock.logins.every((l) => !l.live), 'the login has expired');
    await blurControls(page);
    await page.keyboard.press('End');
    await waitForIndex(page, clock.total - 1);
    const end = await snapshot(page);
    assert.equal(end.clientKind, 'Full', 'the expired ticket is not offered: a full handshake');
    const refused = await page.evaluate(() => document.body.innerText.includes('401'));
    assert.ok(refused || end.http.length === 0, 'the dashboard is refused');
  });
});

test('the Wireshark downloads are a pcapng capture and an NSS key log', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'desktop', async (page) => {
    const [capture] = await Promise.all([page.waitForEvent('download'), page.locator('#download-pcapng').click()]);
    assert.equal(capture.suggestedFilename(), 'session-lab-whole-session.pcapng');
    const bytes = await streamBytes(await capture.createReadStream());
    assert.equal(bytes.subarray(0, 4).toString('hex'), '0a0d0d0a', 'a pcapng Section Header Block');
    assert.ok(bytes.length > 1000, `${bytes.length} bytes`);

    const [keys] = await Promise.all([page.waitForEvent('download'), page.locator('#download-keylog').click()]);
    assert.equal(keys.suggestedFilename(), 'session-lab-whole-session.keys.txt');
    const lines = (await streamBytes(await keys.createReadStream())).toString('utf8').trim().split('\n');
    assert.ok(lines.length >= 5, `${lines.length} key log lines`);
    for (const line of lines) assert.match(line, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/);
    assert.match(await page.locator('#tool-result').textContent(), /session-lab-whole-session\.keys\.txt/);
  });
});

async function streamBytes(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

test('the flight copies as hex', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'desktop', async (page) => {
    const hex = await page.locator('#step-hex').getAttribute('data-hex');
    await page.locator('#copy-hex').click();
    await page.locator('#tamper-result').filter({ hasText: /Copied|did not let/ }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied.replaceAll(' ', ''), hex, 'the clipboard holds the flight');
  }, { extra: { permissions: ['clipboard-read', 'clipboard-write'] } });
  await withLab(browser, 'desktop', async (page) => {
    // Without the permission, the hex is put in a box, selected, for Ctrl+C.
    await page.evaluate(() => {
      Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new Error('denied')) } });
    });
    await page.locator('#copy-hex').click();
    const box = page.locator('#copy-fallback');
    await box.waitFor({ state: 'visible' });
    const hex = await page.locator('#step-hex').getAttribute('data-hex');
    assert.equal((await box.inputValue()).replaceAll(' ', ''), hex);
    assert.equal(await page.evaluate(() => {
      const el = document.activeElement;
      return el.id === 'copy-fallback' && el.selectionStart === 0 && el.selectionEnd === el.value.length;
    }), true, 'the hex is selected');
  });
});

const SHOTS = [
  ['resume', '#v=tls13&chapter=resume&step=9'],
  ['zero-rtt-replay', '#v=tls13&chapter=zero-rtt&step=23'],
  ['terminate-tamper', '#v=tls13&chapter=terminate&step=29'],
  ['establish', '#v=tls13&chapter=establish&step=2'],
  ['plain-http', '#v=tls12&chapter=plain-http&step=17'],
];

test('screenshots of key steps: light and dark, desktop and phone', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await mkdir(SCREENSHOTS, { recursive: true });
  for (const kind of ['desktop', 'phone']) {
    for (const scheme of ['light', 'dark']) {
      await withLab(browser, kind, async (page) => {
        for (const [name, hash] of SHOTS) {
          await page.evaluate((h) => { window.location.hash = h; }, hash);
          const step = Number(new URLSearchParams(hash.slice(1)).get('step')) - 1;
          await page.waitForFunction(({ chapter, index }) => document.querySelector('#opt-chapter').value === chapter
            && document.querySelector('#progress').dataset.index === String(index),
          { chapter: new URLSearchParams(hash.slice(1)).get('chapter'), index: step }, { timeout: 90_000 });
          await waitUntilSettled(page);
          // The step's own view: the controls at the top, then the diagram and the flight.
          await page.locator('#panel-session').evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 60));
          await page.screenshot({ path: path.join(SCREENSHOTS, `${kind}-${scheme}-${name}.png`) });
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(overflow <= 0, `${kind} ${name}: the page is ${overflow}px wider than the viewport`);
        }
        if (scheme === 'light') {
          await screenshotWholePage(page, path.join(SCREENSHOTS, `${kind}-${scheme}-full.png`));
        }
      }, { hash: SHOTS[0][1], extra: { colorScheme: scheme } });
      t.diagnostic(`${kind} ${scheme}: ${SHOTS.length} screenshots`);
    }
  }
});
