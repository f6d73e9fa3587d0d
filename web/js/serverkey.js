// The server's RSA-2048 key. The page's wasm makes none (the RSA code would add 36 kB gzip to
// every download): the browser's WebCrypto makes it, in a tenth of the time generating it in
// wasm takes; where there is no WebCrypto (a page served over plain http from another machine
// is not a secure context), the Measure build of the core generates it. The key stays in this
// page: it is exported (PKCS#8) only to hand it to the lab's wasm, never stored or sent.

import { loadMeasureCore } from './measurecore.js';

/** An RSA-2048 private key from WebCrypto as PKCS#8 bytes, or null where it cannot make one. */
async function webCryptoRsaKey() {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  try {
    const pair = await subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
    return new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
  } catch {
    return null;
  }
}

/**
 * Hands `bench` (a `Bench` of the Measure build) the RSA certificates' key from WebCrypto, as
 * the page makes it; resolves to whether the browser could make one (without it the bench
 * generates the key in wasm, which takes seconds).
 */
export async function keyBench(bench) {
  const pkcs8 = await webCryptoRsaKey();
  if (pkcs8) bench.provideRsaKey(pkcs8);
  return pkcs8 !== null;
}

/**
 * A fresh RSA-2048 private key: `{ pkcs8, ms, by }`, `by` naming what made it (`'WebCrypto'`,
 * or `'wasm'` where the browser could not) and `ms` how long it took.
 */
export async function makeRsaKey() {
  const started = performance.now();
  let pkcs8 = await webCryptoRsaKey();
  let by = 'WebCrypto';
  if (!pkcs8) {
    pkcs8 = (await loadMeasureCore({ fresh: false })).generateRsaKey();
    by = 'wasm';
  }
  return { pkcs8, ms: performance.now() - started, by };
}
