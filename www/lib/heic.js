// HEIC/HEIF decoding for prepareMedia, in tiers, first that works wins, each with a time
// limit (a decoder that never settles must not hold the photo):
// 1. the browser's own decoder (createImageBitmap on the HEIC; Safari 17+ has one), drawn
//    into an OffscreenCanvas for its RGBA pixels, in sRGB;
// 2. our decoder, the HEIC wasm module (pkg/fhir_media_heic.js: heifer, pure Rust), fetched
//    and instantiated only now, so a JPEG or PNG photo never downloads it.
// The main module asks for HEIF as for its other codecs (loadCodecs('heif', bytes,
// maxPixels), then decode()): `asCodecs` runs the tiers at load and has decode() hand over
// `{ width, height, channels, pixels, icc? }` or throw the tiers' typed error (`code`:
// 'too-many-pixels', 'corrupt-image', 'heic-not-decodable'; a module that cannot be fetched
// is 'heic-not-decodable' too, so the photo can still be sent kept). An error without a code
// (a trap in the module) rejects the load instead: it is the worker's, not the photo's, as
// for the codecs module.

/** How long the browser's decoder may take before our own is tried, ms. */
export const BROWSER_TIER_MS = 5_000;
/** How long fetching and compiling the HEIC module may take, ms. */
export const MODULE_TIER_MS = 60_000;

/**
 * @param {{ loadModule: () => Promise<{ decode(bytes: Uint8Array, maxPixels: number): object }>,
 *   browserDecode?: ((bytes: Uint8Array, maxPixels: number) => Promise<object | null>) | null,
 *   browserMs?: number, moduleMs?: number }} tiers
 *   `browserDecode` null skips tier 1 (tests inject a stand-in: no engine here has one).
 */
export function heicDecoder({ loadModule, browserDecode = decodeWithBrowser, browserMs = BROWSER_TIER_MS, moduleMs = MODULE_TIER_MS }) {
  /** `maxDimension`: the longest side wanted, which lets our decoder scale (0: full size). */
  return async function decodeHeic(bytes, maxPixels, maxDimension = 0) {
    if (browserDecode) {
      try {
        const image = await within(browserDecode(bytes, maxPixels), browserMs);
        if (image) return image;
      } catch (err) {
        // The browser read the size: over the limit is the photo's answer, not the tier's.
        if (err?.code === 'too-many-pixels') throw err;
      }
    }
    // A module that cannot be fetched (offline, blocked) or takes too long leaves the photo
    // undecodable here, not broken: heic-not-decodable, which the element answers by
    // sending it kept. A throw from decode() without a code is a trap: the worker's.
    const heic = await within(loadModule(), moduleMs).catch(() => null);
    if (!heic) throw typed('heic-not-decodable', 'The HEIC decoder could not be loaded (offline, or it took too long).');
    return heic.decode(bytes, maxPixels, maxDimension);
  };
}

/**
 * The tiers behind the codecs interface the main module calls: decodes now, answers later.
 * @param {(bytes: Uint8Array, maxPixels: number) => Promise<object>} decodeHeic
 */
export async function asCodecs(decodeHeic, bytes, maxPixels, maxDimension) {
  let image;
  let failure;
  try {
    image = await decodeHeic(bytes, maxPixels, maxDimension);
  } catch (err) {
    if (err?.code === undefined) throw err;
    failure = err;
  }
  return {
    decode() {
      if (failure) throw failure;
      return image;
    },
  };
}

/** Tier 1: `null` where the browser has no HEIC decoder (it says so, it rejects, or there is
 *  no canvas). */
export async function decodeWithBrowser(bytes, maxPixels) {
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return null;
  if (await saysNoHeic()) return null;
  const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/heic' }));
  try {
    const { width, height } = bitmap;
    if (width * height > maxPixels) {
      throw Object.assign(typed('too-many-pixels', `${width}x${height} pixels, over the limit of ${maxPixels}`),
        { width, height, limit: maxPixels });
    }
    const g = new OffscreenCanvas(width, height).getContext('2d');
    g.drawImage(bitmap, 0, 0);
    const { data } = g.getImageData(0, 0, width, height);
    return { width, height, channels: 4, pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } finally {
    bitmap.close();
  }
}

/**
 * Whether the browser says it cannot decode HEIC: WebCodecs' ImageDecoder, where there is
 * one (Chromium, Firefox), answers from its list of formats; having createImageBitmap read
 * a 3 MB photo only to refuse it cost the first HEIC of a page ~25 ms here. Where there is
 * no ImageDecoder (WebKit), or it is unsure, createImageBitmap is asked.
 */
async function saysNoHeic() {
  const probe = globalThis.ImageDecoder;
  if (typeof probe?.isTypeSupported !== 'function') return false;
  try {
    const answers = await Promise.all(['image/heic', 'image/heif'].map((type) => probe.isTypeSupported(type)));
    return answers.every((yes) => yes === false);
  } catch {
    return false;
  }
}

/** `promise`'s value, or `null` once `ms` have passed. */
function within(promise, ms) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(null), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function typed(code, message) {
  return Object.assign(new Error(message), { code });
}
