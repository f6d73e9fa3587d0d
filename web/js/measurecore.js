// The Measure build of the core (`sessionlab_measure.js`, made by `cargo xtask dist`): the page's
// lab plus the benchmark drivers (`Bench`) and RSA key generation (`generateRsaKey`), which the
// page's own wasm leaves out to stay small. Loaded only when needed: by the Measure panel, and
// for an RSA key where the browser offers no WebCrypto.

let instances = 0;

/**
 * A freshly started instance of the Measure build (a new instance each call, so that a run
 * never inherits one a panic has left unusable).
 */
export async function loadMeasureCore() {
  instances += 1;
  const url = new URL('../sessionlab_measure.js', import.meta.url);
  url.searchParams.set('instance', String(instances));
  const core = await import(url.href);
  await core.default({ module_or_path: new URL('../sessionlab_measure_bg.wasm', import.meta.url) });
  return core;
}
