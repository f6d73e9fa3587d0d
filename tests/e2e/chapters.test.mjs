// Every chapter walked to its end in the built page, for TLS 1.3 and for TLS 1.2 where the
// chapter applies — with the keyboard and with clicks on the sequence diagram's arrows — and at
// every step the page checked against the engine's own view data, made inside the page by a
// second lab from the same module. A second lab has fresh keys, so what is compared is what does
// not depend on them: titles, senders, outcomes, handshake kinds, the scene narration, the
// cookies' names and attributes, the login store's users and liveness, HTTP statuses, the
// ticket and session-cache counts. Run through `cargo xtask e2e`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blurControls, chooseChapter, chooseOption, engineRun, launch, snapshot, waitForIndex, withLab,
} from './harness.mjs';

const TEST_TIMEOUT_MS = 240_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const SAME = ['title', 'from', 'outcome', 'scene', 'narrationLines', 'clientKind', 'earlyData', 'cookies', 'logins',
  'tickets', 'tls12Session', 'serverSessions', 'http', 'withheld'];

/** Checks the page's step against the engine's step `expected` (and the one before it). */
function assertStep(shown, expected, previous, where) {
  for (const key of SAME) {
    assert.deepEqual(shown[key], expected[key], `${where}: ${key}`);
  }
  assert.equal(shown.progress, `Step ${shown.index + 1} of ${shown.total}`, `${where}: progress text`);
  assert.deepEqual(shown.diagramCurrent, [shown.index], `${where}: the diagram marks the current step`);
  if (shown.scene !== null) assert.equal(shown.sceneLive, 'polite', `${where}: narration is in a live region`);
  if (previous) {
    // A table cell whose contents changed at this step says so.
    if (JSON.stringify(previous.cookies) !== JSON.stringify(expected.cookies)) {
      assert.ok(shown.changed.cookies, `${where}: the cookie cell is marked changed`);
    }
    if (JSON.stringify(previous.logins) !== JSON.stringify(expected.logins)) {
      assert.ok(shown.changed.logins, `${where}: the login store cell is marked changed`);
    }
    if (previous.tickets !== expected.tickets || previous.tls12Session !== expected.tls12Session) {
      assert.ok(shown.changed.tickets, `${where}: the ticket cache cell is marked changed`);
    }
  }
}

/** Walks the current chapter from step 1 to its end, by keyboard or by diagram clicks. */
async function walkChapter(page, version, chapter, how) {
  const engine = await engineRun(page, version, chapter);
  const where = (i) => `${version} ${chapter} step ${i + 1}/${engine.total} (${how})`;
  assert.equal((await page.locator('#chapter-title').textContent()).trim(), engine.title);
  let shown = await snapshot(page);
  assert.equal(shown.total, engine.total, `${version} ${chapter}: step count`);
  assert.equal(shown.diagramRows, engine.total, `${version} ${chapter}: one diagram arrow or note per step`);
  assert.equal(shown.index, 0);
  // The functions panel links each function to the engine's step.
  const functions = await page.locator('#functions li').evaluateAll((items) =>
    items.map((li) => [li.dataset.function, li.dataset.step === '' ? null : Number(li.dataset.step)]));
  assert.deepEqual(functions, engine.functions, `${version} ${chapter}: session-layer functions`);
  const costs = await page.locator('#costs thead th[data-connection]').count();
  assert.equal(costs, engine.costs.length, `${version} ${chapter}: one cost column per connection`);
  if (engine.comparison) {
    const columns = await page.locator('#version-comparison thead th[scope="col"]').allTextContents();
    assert.deepEqual(columns, engine.comparison, `${version} ${chapter}: version comparison`);
  } else {
    assert.equal(await page.locator('#comparison-block').isHidden(), true);
  }

  if (how === 'keyboard') await blurControls(page);
  for (let i = 0; i < engine.total; i += 1) {
    if (i > 0) {
      if (how === 'keyboard') await page.keyboard.press('ArrowRight');
      else await page.locator(`#diagram .d-step[data-index="${i}"]`).click();
      shown = await snapshot(page, i);
    }
    assertStep(shown, engine.steps[i], engine.steps[i - 1], where(i));
  }
  assert.equal(await page.locator('#next').isDisabled(), true, `${version} ${chapter}: Next is disabled at the end`);
  return engine;
}

async function chapterList(page) {
  return page.locator('#opt-chapter option').evaluateAll((options) =>
    options.map((o) => ({ id: o.value, disabled: o.disabled, label: o.textContent })));
}

test('every chapter runs to its end for TLS 1.3 and TLS 1.2, and the page agrees with the engine at every step', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withLab(browser, 'desktop', async (page) => {
    let walked = 0;
    let steps = 0;
    for (const version of ['tls13', 'tls12']) {
      if ((await page.locator('#opt-version').inputValue()) !== version) {
        // Go to a chapter both versions have first, so the switch needs no fallback.
        await chooseChapter(page, 'establish');
        await chooseOption(page, '#opt-version', version);
      }
      const chapters = await chapterList(page);
      const catalogue = await page.evaluate(async () => {
        const core = await import(new URL('sessionlab.js', document.baseURI).href);
        return core.Lab.catalogue().chapters.map((c) => ({ id: c.id, versions: c.versions }));
      });
      for (const { id, versions } of catalogue) {
        const option = chapters.find((c) => c.id === id);
        assert.ok(option, `the chapter picker lists ${id}`);
        assert.equal(option.disabled, !versions.includes(version), `${id} is ${versions.includes(version) ? 'enabled' : 'disabled'} for ${version}`);
        if (option.disabled) assert.match(option.label, /only\)$/, `a disabled chapter says why: ${option.label}`);
      }
      for (const [i, { id }] of chapters.filter((c) => !c.disabled).entries()) {
        const started = Date.now();
        if ((await page.locator('#opt-chapter').inputValue()) !== id) await chooseChapter(page, id);
        else {
          await page.locator('#reset').click();
          await waitForIndex(page, 0);
        }
        const how = i % 2 === 0 ? 'keyboard' : 'clicks';
        const engine = await walkChapter(page, version, id, how);
        walked += 1;
        steps += engine.total;
        t.diagnostic(`${version} ${id}: ${engine.total} steps by ${how} in ${Date.now() - started} ms`);
      }
    }
    t.diagnostic(`${walked} chapter runs, ${steps} steps checked`);
    assert.ok(walked >= 20, `walked ${walked} chapter runs`);
  });
});

test('Home, End and the jump slider move through a chapter; Space plays and pauses', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'desktop', async (page) => {
    const { total } = await snapshot(page);
    await blurControls(page);
    await page.keyboard.press('End');
    await waitForIndex(page, total - 1);
    await page.keyboard.press('Home');
    await waitForIndex(page, 0);

    // The slider is an input: arrow keys belong to it, not to the page.
    const range = page.locator('#step-range');
    await range.focus();
    await page.keyboard.press('ArrowRight');
    await waitForIndex(page, 1);
    await range.evaluate((input, value) => {
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, String(total));
    await waitForIndex(page, total - 1);

    // Keys typed into a form field do not move the lab.
    await page.locator('#request-path').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowLeft');
    assert.equal((await snapshot(page)).index, total - 1, 'typing in the request path does not step');

    await blurControls(page);
    await page.keyboard.press('Home');
    await waitForIndex(page, 0);
    await page.keyboard.press('Space');
    assert.equal(await page.locator('#play').getAttribute('aria-pressed'), 'true', 'Space starts playing');
    await waitForIndex(page, 1);
    await page.keyboard.press('Space');
    assert.equal(await page.locator('#play').getAttribute('aria-pressed'), 'false', 'Space pauses');
    const paused = (await snapshot(page)).index;
    await page.waitForTimeout(3000);
    assert.equal((await snapshot(page)).index, paused, 'paused means no more steps');
  });
});

test('every control is reachable with Tab and shows its focus', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withLab(browser, 'desktop', async (page) => {
    const wanted = ['opt-chapter', 'opt-version', 'back', 'play', 'next', 'reset', 'step-range', 'tab-session',
      'download-pcapng', 'request-path', 'request-headers'];
    const reached = new Set();
    let diagramArrow = false;
    let outlined = true;
    // Off the first step, so Back is enabled (a disabled button is rightly not in the tab order).
    await page.locator('#next').click();
    await waitForIndex(page, 1);
    // Tab on from the first control of the page.
    await page.locator('#opt-chapter').focus();
    reached.add('opt-chapter');
    for (let i = 0; i < 400 && (wanted.some((id) => !reached.has(id)) || !diagramArrow); i += 1) {
      await page.keyboard.press('Tab');
      const focus = await page.evaluate(() => {
        const element = document.activeElement;
        const style = getComputedStyle(element);
        const hit = element.querySelector?.(':scope > .d-hit');
        return {
          id: element.id,
          arrow: element.classList?.contains('d-step') ?? false,
          visible: style.outlineStyle !== 'none' || (hit ? getComputedStyle(hit).stroke !== 'none' : false),
        };
      });
      if (focus.id) reached.add(focus.id);
      if (focus.arrow) diagramArrow = true;
      if (wanted.includes(focus.id) || focus.arrow) outlined &&= focus.visible;
    }
    for (const id of wanted) assert.ok(reached.has(id), `#${id} is reachable with Tab`);
    assert.ok(diagramArrow, 'a diagram arrow is reachable with Tab');
    assert.ok(outlined, 'focused controls show a visible focus mark');

    // The diagram's arrows: the current step's is in the tab order, the arrow keys move
    // between them, Enter goes to one.
    const start = page.locator('#diagram .d-step[tabindex="0"]');
    assert.equal(await start.getAttribute('data-index'), '1');
    await start.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await waitForIndex(page, 3);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press(' ');
    await waitForIndex(page, 2);
  });
});
