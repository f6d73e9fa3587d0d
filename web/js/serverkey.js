// The server's RSA-2048 key, made by the browser's WebCrypto: generating it in wasm takes from
// half a second to several, WebCrypto a tenth of that. The key stays in this page: it is
// exported (PKCS#8) only to hand it to the lab's wasm, never stored or sent.

/**
 * A fresh RSA-2048 private key as PKCS#8 bytes, and how long WebCrypto took to make it; null
 * where the browser offers no WebCrypto (a page served over plain http from another machine is
 * not a secure context) or it fails: the lab then generates the key itself.
 */
export async function makeRsaKey() {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const started = performance.now();
  try {
    const pair = await subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
    const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
    return { pkcs8, ms: performance.now() - started };
  } catch {
    return null;
  }
}
