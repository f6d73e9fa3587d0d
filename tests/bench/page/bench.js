// The benchmark page's module (`cargo xtask bench`): starts the site's Measure build of the
// core (the lab plus the benchmark drivers) and exposes the drivers as `window.bench` (an
// instance of its `Bench`), for tests/bench/driver.mjs to call through `page.evaluate` with a
// `performance.now()` clock.
//
// `?fresh=N` gives the wasm a URL of its own, so that no compiled-code cache from an earlier
// page can make a "cold" page warm.

import init, { Bench } from '../sessionlab_measure.js';
import { keyBench } from '../js/serverkey.js';

const status = document.getElementById('status');
const wasm = new URL('../sessionlab_measure_bg.wasm', import.meta.url);
const fresh = new URLSearchParams(window.location.search).get('fresh');
if (fresh) wasm.searchParams.set('fresh', fresh);

init({ module_or_path: wasm }).then(
  async () => {
    window.Bench = Bench;
    window.bench = new Bench();
    // The RSA certificates' key from WebCrypto, as the page makes it (serverkey.js).
    await keyBench(window.bench);
    status.dataset.state = 'ready';
    status.textContent = 'Ready';
  },
  (error) => {
    status.dataset.state = 'error';
    status.textContent = `The core did not start: ${error?.stack ?? error}`;
  },
);
