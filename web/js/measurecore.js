// The Measure build of the core (`sessionlab_measure.js`, made by `cargo xtask dist`): the page's
// lab plus the benchmark drivers (`Bench`) and RSA key generation (`generateRsaKey`), which the
// page's own wasm leaves out to stay small. Loaded only when needed: by the Measure panel, and
// for an RSA key where the browser offers no WebCrypto.

let instances = 0;
let shared = null;

async function startInstance() {
  instances += 1;
  const url = new URL('../sessionlab_measure.js', import.meta.url);
  url.searchParams.set('instance', String(instances));
  const core = await import(url.href);
  await core.default({ module_or_path: new URL('../sessionlab_measure_bg.wasm', import.meta.url) });
  return core;
}

/**
 * A started instance of the Measure build: a new one with `fresh` (a measurement never inherits
 * an instance a panic has left unusable), otherwise the one kept for RSA keys (an instance is
 * never freed, so each new lab must not make another).
 */
export function loadMeasureCore({ fresh = true } = {}) {
  if (fresh) return startInstance();
  shared ??= startInstance().catch((error) => {
    shared = null;
    throw error;
  });
  return shared;
}
