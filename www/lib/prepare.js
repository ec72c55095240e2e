// prepareMedia over the main wasm module (and, on demand, the codecs module). The element's
// worker imports only this file; core.js and queue.js share its `mainModule`, so a JS
// context instantiates the main module once whichever it calls first.
// The two wasm modules, each fetched and instantiated once, on first use:
// - main (pkg/fhir_media_capture.js): prepareMedia and the JPEG pipeline, MediaClient and
//   QueueCore. In the element the worker runs prepareMedia and the page the client; both
//   fetch the same file, which the HTTP cache serves the second time.
// - codecs (PNG, WebP, GIF, BMP; pkg/fhir_media_codecs.js): only when a photo needs it,
//   which a JPEG camera photo never does.
// - HEIC (pkg/fhir_media_heic.js): only for a HEIC/HEIF photo the browser cannot decode
//   itself (heic.js has the tiers); a stub that refuses when built with FHIR_MEDIA_HEIC=0.
// Their small JS glue is imported statically, only the wasm is lazy: a dynamic import()
// would be a separate chunk that bundlers load with importScripts (webpack) or cannot
// split at all (Vite's default IIFE workers) inside the module worker that runs this file.
import initMain, * as mainWasm from '../../pkg/fhir_media_capture.js';
import initCodecs, * as codecsWasm from '../../pkg/fhir_media_codecs.js';
import initHeic, * as heicWasm from '../../pkg/fhir_media_heic.js';
import { asCodecs, heicDecoder } from './heic.js';
import { tilePool } from './heic-pool.js';
import { once } from './once.js';

/** The main module (prepareMedia, MediaClient, QueueCore), instantiated once per JS context. */
export const mainModule = once(initMain);

const codecsModule = once(initCodecs);

/**
 * The codecs module's exports once its wasm is fetched and instantiated (once); a failed
 * attempt (offline, say) rejects this call and is retried by the next. The main module
 * calls this only for PNG, WebP, GIF or BMP input, or PNG output; and for a HEIC/HEIF
 * (`format` 'heif', with its bytes), the HEIC tiers instead, decoding it there and then.
 */
async function loadCodecs(format, bytes, maxPixels, maxDimension) {
  if (format === 'heif') return asCodecs(decodeHeic, bytes, maxPixels, maxDimension);
  await codecsModule.load();
  return codecsWasm;
}

/** The codecs module's wasm memory, bytes (0 when it is not loaded): wasm memory never
 *  shrinks, so this is its peak in this JS context (worker.js reports it). */
export async function codecsBytes() {
  return codecsModule.initialised() ? (await codecsModule.load()).memory.buffer.byteLength : 0;
}

/** prepareMedia's default maxDimension (src/options.rs DEFAULT_MAX_DIMENSION). */
const DEFAULT_MAX_DIMENSION = 2048;

const heicModule = once(initHeic);

/** The HEIC tiers (heic.js): the browser's decoder, then the HEIC module (a grid's tiles
 *  decoded by a pool of workers: heic-pool.js). */
const decodeHeic = heicDecoder({
  async loadModule() {
    // The tile workers start while the module is fetched and compiled (most HEICs are grids).
    if (!heicModule.initialised()) tilePool.prestart();
    await heicModule.load();
    return { decode: (bytes, maxPixels, maxDimension) => tilePool.decode(heicWasm, bytes, maxPixels, maxDimension) };
  },
});

/**
 * Decode, orient, downsize and encode a photo, and wrap it as a FHIR R4 Media.
 * @param {Blob | ArrayBuffer | Uint8Array} input
 * @param {import('./index.d.ts').PrepareOptions} options
 * @returns {Promise<import('./index.d.ts').PreparedMedia>}
 */
export async function prepareMedia(input, options) {
  await mainModule.load();
  // The HEIC module may decode straight to a smaller scale when it knows the size wanted
  // (the main module has already refused an invalid maxDimension by then).
  const maxDimension = Number(options?.maxDimension ?? DEFAULT_MAX_DIMENSION) || 0;
  return mainWasm.prepareMedia(input, options, (format, bytes, maxPixels) =>
    loadCodecs(format, bytes, maxPixels, maxDimension));
}

