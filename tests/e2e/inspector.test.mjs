// End-to-end test of "every byte explained": the linked hex view and field tree, the
// eavesdropper/decrypted lens, the key schedule and the wrapping of GET /dashboard, in the
// built site under Chromium. Run through `cargo xtask e2e`, which serves the site and sets
// SESSIONLAB_URL; any console error, page error or request outside the site fails the test.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bytePoint, clickByte, hoverByte, launch, markedOffsets, showBytes, waitForIndex, withLab } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => browser?.close());

/** Steps to the server's first flight (ServerHello in clear, then encrypted records) and shows its bytes. */
async function showServerFlight(page) {
  await page.keyboard.press('ArrowRight');
  await page.locator('#progress[data-index="1"]').waitFor();
  await showBytes(page);
}

/** The offsets of the bytes currently lit in the flight's byte view. */
async function litOffsets(page) {
  return markedOffsets(page.locator('#step-hex'), 'lit');
}

test('hovering a field lights exactly its bytes, and hovering a byte finds its field', async () => {
  await withLab(browser, 'desktop', async (page) => {
    await showServerFlight(page);

    const field = page.locator('#step-hex .field', { has: page.locator(':scope > .field-row .field-name', { hasText: /^cipher_suite$/ }) }).first();
    await field.locator(':scope > .field-row').hover();
    const lit = await litOffsets(page);
    assert.equal(lit.length, 2, `a cipher suite is two bytes; lit: ${lit}`);
    assert.equal(lit[1], lit[0] + 1);
    // The two lit bytes are the suite the client state names.
    const hex = await page.locator('#step-hex .hex-bytes .lit[data-start]').evaluateAll((spans) =>
      spans.map((span) => span.textContent.replace(/\s/g, '')).join(''));
    const suite = (await page.locator('#client-state tr[data-key="cipherSuite"] td').textContent()).trim();
    const expected = { TLS13_AES_256_GCM_SHA384: '1302', TLS13_AES_128_GCM_SHA256: '1301', TLS13_CHACHA20_POLY1305_SHA256: '1303' };
    assert.equal(hex.toLowerCase(), expected[suite.split(/\s/)[0]], `lit bytes ${hex} for ${suite}`);

    // Back the other way: the first byte of the flight is the record's content type.
    assert.equal(await hoverByte(page, page.locator('#step-hex .hexview').first(), 0), '16', 'a handshake record starts with 0x16');
    const hit = (await page.locator('#step-hex .field.hit > .field-row .field-name').first().textContent()).trim();
    assert.equal(hit, 'content_type');
    // And from its character column: byte 10 ends the ServerHello's legacy_version (9–10),
    // byte 11 starts its random.
    const view = page.locator('#step-hex .hexview').first();
    await hoverByte(page, view, 10, { part: 'ascii' });
    assert.equal((await page.locator('#step-hex .field.hit > .field-row .field-name').first().textContent()).trim(), 'legacy_version');
    assert.deepEqual(await litOffsets(page), [9, 10]);
    await hoverByte(page, view, 11, { part: 'ascii' });
    assert.equal((await page.locator('#step-hex .field.hit > .field-row .field-name').first().textContent()).trim(), 'random');
    assert.deepEqual(await litOffsets(page), Array.from({ length: 32 }, (_, i) => 11 + i));
  });
});

test('the decrypted lens reveals the encrypted handshake that the eavesdropper cannot read', async () => {
  await withLab(browser, 'desktop', async (page) => {
    await showServerFlight(page);
    const names = () => page.locator('#step-hex .field-name').allTextContents();
    assert.ok(!(await names()).includes('EncryptedExtensions'), 'the wire view cannot name it');
    await page.locator('#lens input[value="decrypted"]').check();
    await page.locator('#step-hex .field-name', { hasText: /^EncryptedExtensions$/ }).first().waitFor();
    const decrypted = await names();
    for (const name of ['EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished']) {
      assert.ok(decrypted.includes(name), `${name} in ${decrypted.length} field names`);
    }
    // Our own checks for this flight hold, and say so.
    const checks = await page.locator('#step-checks').textContent();
    assert.match(checks, /opened with our own keys/);
    assert.doesNotMatch(checks, /fail/i);
  });
});

test('what an eavesdropper gets is said per version: TLS 1.2 AES-GCM also shows its explicit nonce', async () => {
  for (const [version, nonce] of [['tls13', null], ['tls12', 8]]) {
    await withLab(browser, 'desktop', async (page) => {
      await showBytes(page);
      const note = page.locator('#step-hex .eavesdropper-note').first();
      await note.waitFor();
      const text = await note.textContent();
      // The note's words and the dissector's fields say the same thing.
      const fields = await page.locator('#step-hex .field-name', { hasText: /^explicit_nonce$/ }).count();
      if (nonce === null) {
        assert.doesNotMatch(text, /nonce/, text);
        assert.equal(fields, 0);
      } else {
        assert.match(text, new RegExp(`the ${nonce}-byte explicit nonce in clear`), text);
        assert.ok(fields > 0, 'the field tree names the explicit nonce');
      }
    }, { hash: `#v=${version}&chapter=whole-session&step=5` });
  }
});

test('the key schedule and the wrapping of GET /dashboard are computed and checked', async () => {
  await withLab(browser, 'desktop', async (page) => {
    await page.locator('#tab-keys').click();
    const keys = await page.locator('#key-schedule').textContent();
    for (const label of ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0', 'HKDF-Expand-Label']) {
      assert.ok(keys.includes(label), `${label} in the key schedule`);
    }
    await page.locator('#tab-wrapping').click();
    const wrapping = page.locator('#wrapping');
    await wrapping.getByText('GET /dashboard').first().waitFor();
    const text = await wrapping.textContent();
    assert.match(text, /byte for byte/);
    assert.doesNotMatch(text, /does not match|mismatch|✗/i);
    await page.locator('#which input[value="response"]').check();
    await wrapping.getByText('HTTP/1.1 200').first().waitFor();
  });
});

/** The step of the run at the page's URL with the most bytes on the wire: [index, bytes]. */
async function largestFlight(page) {
  return page.evaluate(async () => {
    const core = await import(new URL('sessionlab.js', document.baseURI).href);
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    const lab = new core.Lab(core.Lab.defaultOptions(), fragment.get('chapter'));
    try {
      const steps = lab.view().steps;
      const largest = steps.reduce((a, b) => (b.byteLength > a.byteLength ? b : a));
      return [largest.index, largest.byteLength];
    } finally {
      lab.free();
    }
  });
}

test('a flight of many kilobytes shows every byte, and a field deep inside it lights and opens', async () => {
  await withLab(browser, 'desktop', async (page) => {
    await page.locator('#opt-chapter').selectOption('stream');
    await page.waitForFunction(() => new URLSearchParams(window.location.hash.slice(1)).get('chapter') === 'stream'
      && document.querySelector('#progress').dataset.index === '0');
    const [index, bytes] = await largestFlight(page);
    assert.ok(bytes > 8 * 1024, `the stream chapter's largest flight has ${bytes} bytes`);
    await page.locator('#step-range').fill(String(index + 1));
    await page.locator(`#progress[data-index="${index}"]`).waitFor();
    await showBytes(page);

    // Past the first screenful rows are made while the page is idle, up to 4 KiB a view; the
    // rest as the learner scrolls to them. A view longer than that stands as long as it will be.
    const boxes = page.locator('#step-hex .record-block > .inspector .inspector-hex');
    const longest = await boxes.evaluateAll((all) => Math.max(...all.map((box) => {
      const view = box.querySelector('.hexview');
      return Number(view.dataset.end) - Number(view.dataset.base);
    })));
    assert.ok(longest > 4096, `a record of ${longest} bytes`);
    const lengths = await boxes.evaluateAll((all) => all.map((box) => {
      const view = box.querySelector('.hexview');
      const first = Number(view.dataset.base) - (Number(view.dataset.base) % 16);
      const rows = Math.ceil((Number(view.dataset.end) - first) / 16);
      const rowHeight = view.querySelector('.hex-row').getBoundingClientRect().height;
      return { rows, drawn: view.getBoundingClientRect().height / rowHeight };
    }));
    for (const { rows, drawn } of lengths) {
      assert.ok(Math.abs(drawn - rows) < 2, `a view of ${rows} rows stands ${drawn.toFixed(1)} rows high`);
    }
    // Once the page has stopped making rows on its own, some are still left for scrolling.
    const rowCount = () => page.locator('#step-hex .record-block > .inspector .hex-row').count();
    let made = await rowCount();
    for (let settled = false; !settled;) {
      await page.waitForTimeout(300);
      const now = await rowCount();
      settled = now === made;
      made = now;
    }
    assert.ok(made < Math.ceil(bytes / 16), `${made} rows made before any scrolling, for ${bytes} bytes`);
    await boxes.evaluateAll((all) => all.forEach((box) => { box.scrollTop = box.scrollHeight; }));
    await page.waitForFunction((count) => [...document.querySelectorAll('#step-hex .inspector-hex .hex-bytes')]
      .filter((row) => !row.closest('.opened'))
      .reduce((sum, row) => sum + row.textContent.replace(/\s/g, '').length / 2, 0) === count, bytes, { timeout: 10_000 });
    // Each record's view holds its bytes in order: they follow on from the record before, and
    // the header's length field read from the shown text is the rest of the record.
    const records = await page.locator('#step-hex .record-block > .inspector .hexview').evaluateAll((views) => views.map((view) => ({
      base: Number(view.dataset.base),
      end: Number(view.dataset.end),
      hex: [...view.querySelectorAll('.hex-bytes')].map((row) => row.textContent.replace(/\s/g, '')).join(''),
    })));
    assert.ok(records.length > 1, `${records.length} records`);
    let next = 0;
    for (const { base, end, hex } of records) {
      assert.equal(base, next, 'records follow one another');
      assert.equal(hex.length / 2, end - base, `the record at ${base} shows all its bytes`);
      assert.equal(Number.parseInt(hex.slice(6, 10), 16), end - base - 5, `the record at ${base}: its length field, as shown`);
      next = end;
    }
    assert.equal(next, bytes);

    // What the receiver got is many kilobytes: its start is shown, all of it on request.
    const delivered = page.locator('#delivered');
    const more = page.locator('#delivered-more');
    assert.equal(await more.isVisible(), true, 'a long delivery says it is shown in part');
    const [, shownCount, totalCount] = (await more.textContent()).match(/The first (\d+) of (\d+) characters/) ?? [];
    const preview = await delivered.textContent();
    assert.equal(preview.length, Number(shownCount), 'the note counts the characters shown');
    assert.ok(Number(totalCount) > 8 * 1024, `${totalCount} characters delivered`);
    await more.getByRole('button', { name: 'Show all' }).click();
    await more.waitFor({ state: 'hidden' });
    const whole = await delivered.textContent();
    assert.equal(whole.length, Number(totalCount));
    assert.ok(whole.startsWith(preview), 'the whole text begins with the part shown before');

    // The last record's last field (its tag or payload, near the end of the flight): pointing
    // at it lights exactly its bytes.
    const last = page.locator('#step-hex .record-block').last();
    const field = last.locator('.inspector-tree .field').last();
    await field.locator(':scope > .field-row').hover();
    const range = (await field.locator(':scope > .field-row .field-range').first().textContent()).trim();
    const [, from, to] = range.match(/bytes (\d+)–(\d+)/) ?? [];
    assert.ok(from !== undefined, `a multi-byte field: ${range}`);
    const lit = await litOffsets(page);
    assert.equal(lit.length, Number(to) - Number(from) + 1, `lit ${lit.length} bytes for ${range}`);
    assert.equal(lit[0], Number(from));
    assert.ok(Number(to) >= bytes - 64, `${range} lies near the end of the ${bytes}-byte flight`);
  });
});

test('a closed part of the field tree is made when opened, and a byte inside it opens the way to its field', async () => {
  await withLab(browser, 'desktop', async (page) => {
    await showServerFlight(page);
    await page.locator('#lens input[value="decrypted"]').check();
    const certificate = page.locator('#step-hex .opened .field', {
      has: page.locator(':scope > .field-row .field-name', { hasText: /^Certificate$/ }),
    }).first();
    await certificate.waitFor();
    // Pinned by position: a locator by state would move on to the next closed field once this
    // one opens.
    const fields = certificate.locator('.field');
    const states = await fields.evaluateAll((items) => items.map((item) => item.getAttribute('aria-expanded')));
    const closed = fields.nth(states.indexOf('false'));
    const name = (await closed.locator(':scope > .field-row .field-name').textContent()).trim();
    assert.equal(await closed.locator(':scope > ul[role="group"] > li').count(), 0, `${name} has no items until opened`);
    await closed.locator(':scope > .field-row').click();
    assert.equal(await closed.getAttribute('aria-expanded'), 'true');
    const children = await closed.locator(':scope > ul[role="group"] > li').count();
    assert.ok(children > 0, `${name} shows its ${children} fields once opened`);
    await closed.locator(':scope > .field-row').click();
    assert.equal(await closed.locator(':scope > ul[role="group"]').isHidden(), true, `${name} closes again`);

    // Pointing at a byte whose deepest field sits inside closed parts opens the tree down to it.
    const inspector = certificate.locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " inspector ")][1]');
    const view = inspector.locator('.inspector-hex .hexview');
    const [base, end] = await view.evaluate((element) => [Number(element.dataset.base), Number(element.dataset.end)]);
    await hoverByte(page, view, Math.floor((base + end) / 2));
    const hit = inspector.locator('.inspector-tree .field.hit');
    assert.equal(await hit.count(), 1, 'one field is marked for the byte');
    assert.equal(await hit.isVisible(), true, 'and it can be seen: every field above it is open');
  });
});

test('stepping while another tab shows still shows the right step back on the session tab', async () => {
  await withLab(browser, 'desktop', async (page) => {
    await page.locator('#tab-keys').click();
    await page.evaluate(() => document.activeElement?.blur());
    for (let i = 0; i < 3; i += 1) await page.keyboard.press('ArrowRight');
    await page.locator('#progress[data-index="3"]').waitFor();
    await page.locator('#tab-session').click();
    const title = (await page.locator('#step-title').textContent()).trim();
    const diagram = (await page.locator('#diagram .d-step[data-index="3"] title').textContent()).trim();
    assert.ok(diagram.includes(title), `the step title "${title}" is step 4's ("${diagram}")`);
  });
});

test('the keyboard and the pointer pick bytes: Tab reaches one, the arrows move it, its field lights', async () => {
  await withLab(browser, 'desktop', async (page) => {
    await showServerFlight(page);
    const view = page.locator('#step-hex .hexview').first();
    const stop = view.locator('.hb[tabindex="0"]');
    assert.equal(await stop.count(), 1, 'one byte of a view is in the tab order');
    await stop.focus();
    assert.equal(await stop.getAttribute('data-offset'), '0');
    assert.match(await page.locator('#byte-selection').textContent(), /byte 0 of this flight, 0x16/);
    assert.deepEqual(await litOffsets(page), [0], 'byte 0 is the content type, one byte');

    // Right twice and down once: byte 18, in the ServerHello's random (bytes 11–42).
    for (const key of ['ArrowRight', 'ArrowRight', 'ArrowDown']) await page.keyboard.press(key);
    const focused = await page.evaluate(() => ({
      offset: document.activeElement?.dataset.offset,
      label: document.activeElement?.getAttribute('aria-label'),
    }));
    assert.equal(focused.offset, '18', 'the focus moved with the arrows');
    assert.match(focused.label, /^offset 18: [0-9a-f]{2}$/);
    assert.match(await page.locator('#byte-selection').textContent(), /byte 18 of this flight/);
    assert.equal((await page.locator('#step-hex .field.hit > .field-row .field-name').first().textContent()).trim(), 'random');
    assert.deepEqual(await litOffsets(page), Array.from({ length: 32 }, (_, i) => 11 + i), 'the random is 32 bytes from offset 11');
    assert.deepEqual(await markedOffsets(page.locator('#step-hex'), 'sel'), [18], 'the selected byte is marked');
    // The page's own arrow keys did not step the lab meanwhile.
    assert.equal(await page.locator('#progress').getAttribute('data-index'), '1');

    // A click picks the byte under the pointer, and the keyboard goes on from there.
    const clicked = await clickByte(page, view, 37);
    assert.match(await page.locator('#byte-selection').textContent(), new RegExp(`byte 37 of this flight, 0x${clicked}`));
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.offset), '36');

    // In a record longer than its scroll box, the focused byte stays in sight as it moves down.
    const long = page.locator('#step-hex .record-block.encrypted .hexview').first();
    const base = Number(await long.getAttribute('data-base'));
    await long.locator('.hb[tabindex="0"]').focus();
    for (let i = 0; i < 4; i += 1) await page.keyboard.press('PageDown');
    const seen = await page.evaluate(() => {
      const byte = document.activeElement;
      const box = byte.closest('.inspector-hex').getBoundingClientRect();
      const rect = byte.getBoundingClientRect();
      return { offset: Number(byte.dataset.offset), inside: rect.top >= box.top && rect.bottom <= box.bottom };
    });
    assert.equal(seen.offset, base + 4 * 8 * 16, 'PageDown moves eight rows');
    assert.ok(seen.inside, 'the focused byte is scrolled into its box');
  });
});

test('dragging across bytes selects their text to copy, and picks no byte', async () => {
  await withLab(browser, 'desktop', async (page) => {
    await showServerFlight(page);
    // A row in the middle of the encrypted record: one field (the ciphertext) under the pointer.
    const view = page.locator('#step-hex .record-block.encrypted .hexview').first();
    const base = Number(await view.getAttribute('data-base'));
    const row = base - (base % 16) + 3 * 16;
    const from = await bytePoint(view, row);
    const to = await bytePoint(view, row + 6);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 6 });
    await page.mouse.up();
    const selected = await page.evaluate(() => window.getSelection().toString());
    const rowText = await view.locator(`.hex-row[data-row="${row}"] .hex-bytes`).textContent();
    assert.ok(selected.length >= 12, `a stretch of hex is selected: "${selected}"`);
    assert.ok(rowText.includes(selected), `"${selected}" is text of the row "${rowText}"`);
    assert.match(await page.locator('#byte-selection').textContent(), /No byte selected/);
  });
});

test('records below the window are drawn just after the step, and carry the marks made on the flight', async () => {
  await withLab(browser, 'desktop', async (page) => {
    await showServerFlight(page);
    const blocks = page.locator('#step-hex .record-block');
    const count = await blocks.count();
    assert.ok(count >= 3, `the server's first flight has ${count} records`);
    const titles = async () => (await page.locator('#step-hex .record-block > .record-head h4').allTextContents())
      .map((title) => title.match(/^Record (\d+) of (\d+): /)?.slice(1).join(' of '));
    const expected = Array.from({ length: count }, (_, index) => `${index + 1} of ${count}`);

    // With the window at the top of the bytes only the first record can be seen: a step (or
    // another lens) draws it in the key's own task, the others in idle tasks after it.
    async function redraw(action) {
      await page.locator('#bytes').evaluate((bytes) => bytes.scrollIntoView({ block: 'start' }));
      return page.evaluate((which) => {
        if (which === 'step') {
          document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true, cancelable: true }));
        } else {
          document.querySelector(`#lens input[value="${which}"]`).click();
        }
        const hex = document.getElementById('step-hex');
        const records = [...hex.querySelectorAll('.record-block')];
        return {
          index: document.getElementById('progress').dataset.index,
          records: records.length,
          pending: hex.hasAttribute('data-pending'),
          firstInWindow: records[0]?.getBoundingClientRect().top < window.innerHeight,
          flightsWithTheId: document.querySelectorAll('[id="step-hex"]').length,
          retired: [...document.querySelectorAll('[data-retired]')].map((flight) => ({
            records: flight.querySelectorAll('.record-block').length,
            height: flight.getBoundingClientRect().height,
            shown: flight.querySelector('.record-block')?.checkVisibility() ?? false,
          })),
        };
      }, action);
    }
    function drawnFirst(atOnce, what) {
      assert.equal(atOnce.index, '1', what);
      assert.ok(atOnce.records >= 1 && atOnce.records < count, `${what}: ${atOnce.records} of ${count} records drawn at once`);
      assert.equal(atOnce.pending, true, `${what}: the rest are still to come`);
      assert.equal(atOnce.firstInWindow, true, `${what}: the record drawn at once is the one in the window`);
      // The flight drawn before is hidden in the same task, and taken down while the page is idle.
      assert.equal(atOnce.flightsWithTheId, 1, `${what}: one #step-hex`);
      assert.equal(atOnce.retired.length, 1, `${what}: the flight before waits to be taken down`);
      assert.ok(atOnce.retired[0].records >= 1, `${what}: it still holds its records`);
      assert.equal(atOnce.retired[0].height, 0, `${what}: it takes no room`);
      assert.equal(atOnce.retired[0].shown, false, `${what}: none of it shows`);
    }
    async function retiredTakenDown(what) {
      await page.waitForFunction(() => document.querySelectorAll('[data-retired]').length === 0, null, { timeout: 5000 })
        .catch(() => assert.fail(`${what}: the flight before was never taken down`));
    }

    await page.keyboard.press('ArrowLeft');
    await page.locator('#progress[data-index="0"]').waitFor();
    await retiredTakenDown('a step back');
    drawnFirst(await redraw('step'), 'a step');
    await showBytes(page);
    assert.deepEqual(await titles(), expected, 'every record arrives, in order');
    await retiredTakenDown('a step');

    // A byte the learner picks in the last record is marked there when it is drawn again later.
    const last = blocks.last().locator('.inspector-hex .hexview');
    const picked = Number(await last.getAttribute('data-base')) + 7;
    await clickByte(page, last, picked);
    await page.locator('#byte-selection').filter({ hasText: `byte ${picked} of this flight` }).waitFor();
    await page.evaluate(() => document.activeElement?.blur());
    drawnFirst(await redraw('decrypted'), 'the decrypted lens');
    await showBytes(page);
    assert.deepEqual(await titles(), expected);
    await retiredTakenDown('the decrypted lens');
    assert.deepEqual(await markedOffsets(blocks.last().locator('.inspector-hex').first(), 'sel'), [picked]);
    assert.equal(await page.locator('#tamper-flip').isDisabled(), false, 'the picked byte can still be flipped');
    // A held key steps on before the page is idle: one hidden flight waits, never a pile of them.
    const waiting = await page.evaluate(() => {
      for (const key of ['ArrowRight', 'ArrowLeft', 'ArrowRight', 'ArrowLeft']) {
        document.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
      }
      return document.querySelectorAll('[data-retired]').length;
    });
    assert.equal(waiting, 1, 'one flight waits to be taken down after four quick steps');
    await retiredTakenDown('four quick steps');
  });
});

test('with the bytes in view, what is off screen follows the step, and a flight after a lab event is drawn at once', async () => {
  await withLab(browser, 'desktop', async (page) => {
    // Forward to the chapter's first lab event (a clock jump: no bytes on the wire).
    const total = Number(await page.locator('#progress').getAttribute('data-total'));
    let index = 0;
    while ((await page.locator('#step-from').getAttribute('data-side')) !== 'lab') {
      assert.ok(index < total - 1, 'the chapter has a lab event');
      await page.keyboard.press('ArrowRight');
      index += 1;
      await waitForIndex(page, index);
    }
    await page.locator('#bytes').evaluate((bytes) => bytes.scrollIntoView({ block: 'start' }));
    await page.evaluate(() => document.activeElement?.blur());
    // The browser decides in a frame of its own that the narration, now above the window, is
    // skipped (content-visibility).
    await page.waitForFunction(() => !document.getElementById('step-title').checkVisibility({ contentVisibilityAuto: true }));
    const before = (await page.locator('#step-title').textContent()).trim();

    // One key press, read in the same task: the flight's first record is drawn, while the
    // narration and the session table, above the window, are still the last step's.
    const atOnce = await page.evaluate(() => {
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true, cancelable: true }));
      const hex = document.getElementById('step-hex');
      return {
        index: document.getElementById('progress').dataset.index,
        records: hex.querySelectorAll('.record-block').length,
        stale: hex.hasAttribute('data-stale'),
        later: document.getElementById('panel-session').hasAttribute('data-later'),
        title: document.getElementById('step-title').textContent.trim(),
        narrationInWindow: document.getElementById('step-title').getBoundingClientRect().bottom > 0,
      };
    });
    assert.equal(atOnce.index, String(index + 1));
    assert.equal(atOnce.stale, false, 'the bytes are in view: their records are drawn, not left for later');
    assert.ok(atOnce.records >= 1, 'the first record is drawn in the step');
    assert.equal(atOnce.narrationInWindow, false, 'the narration is above the window');
    assert.equal(atOnce.later, true, 'what is off screen is left for later');
    assert.equal(atOnce.title, before, 'the narration is not drawn in the step');

    // Once the page is idle it is drawn, and is what a step drawn in sight shows.
    const drawn = () => page.evaluate(() => ({
      title: document.getElementById('step-title').textContent.trim(),
      narration: document.getElementById('narration').textContent,
      session: document.getElementById('session-table').innerHTML,
      records: document.getElementById('records').innerHTML,
    }));
    await waitForIndex(page, index + 1);
    const later = await drawn();
    assert.notEqual(later.title, before);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.keyboard.press('ArrowLeft');
    await waitForIndex(page, index);
    await page.keyboard.press('ArrowRight');
    await waitForIndex(page, index + 1);
    assert.deepEqual(later, await drawn());
  }, { hash: '#v=tls13&chapter=expire' });
});
