// prepareMedia over the prepare wasm module (and, on demand, the codecs module). Kept apart
// from core.js so that the element's worker, which imports only this, does not load the
// client module's glue (MediaClient, QueueCore) it never runs.
// The three wasm modules, each fetched and instantiated once, on first use, so that a JS
// context downloads only what it runs:
// - prepare (pkg/fhir_media_prepare.js): prepareMedia, the pipeline. In the element it
//   runs in the worker only.
// - client (pkg/fhir_media_client.js): MediaClient and QueueCore (queue.js), and ready().
//   In the element it runs on the main thread only; core.js loads it.
// - codecs (PNG, WebP, GIF, BMP; pkg/fhir_media_codecs.js): only when a photo needs it,
//   which a JPEG camera photo never does.
// Their small JS glue is imported statically, only the wasm is lazy: a dynamic import()
// would be a separate chunk that bundlers load with importScripts (webpack) or cannot
// split at all (Vite's default IIFE workers) inside the module worker that runs this file.
import initPrepare, * as prepareWasm from '../../pkg/fhir_media_prepare.js';
import initCodecs, * as codecsWasm from '../../pkg/fhir_media_codecs.js';

/**
 * `init` of a wasm-bindgen module, run once: `load()` resolves once the module is
 * instantiated (a failed attempt, offline say, rejects and is retried by the next call);
 * `initialised()` tells whether it is.
 */
export function lazyModule(init) {
  let loading = null;
  let done = false;
  return {
    load() {
      if (!loading) {
        loading = init().then(
          () => {
            done = true;
          },
          (err) => {
            loading = null;
            throw err;
          },
        );
      }
      return loading;
    },
    initialised: () => done,
  };
}

const prepareModule = lazyModule(initPrepare);

let codecs = null;

/**
 * The codecs module's exports once its wasm is fetched and instantiated (once); a failed
 * attempt (offline, say) rejects this call and is retried by the next. The prepare module
 * calls this only for PNG, WebP, GIF or BMP input, or PNG output.
 */
function loadCodecs() {
  if (!codecs) {
    codecs = initCodecs().then(() => codecsWasm);
    codecs.catch(() => {
      codecs = null;
    });
  }
  return codecs;
}

/**
 * Decode, orient, downsize and encode a photo, and wrap it as a FHIR R4 Media.
 * @param {Blob | ArrayBuffer | Uint8Array} input
 * @param {import('./index.d.ts').PrepareOptions} options
 * @returns {Promise<import('./index.d.ts').PreparedMedia>}
 */
export async function prepareMedia(input, options) {
  await prepareModule.load();
  return prepareWasm.prepareMedia(input, options, loadCodecs);
}

