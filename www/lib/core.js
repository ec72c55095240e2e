// The package's core (re-exported by index.js): prepareMedia, MediaClient, the error
// classes, over the wasm build. The worker imports this, not index.js, so it never loads
// the queue or IndexedDB code.
// Three wasm modules, each fetched and instantiated once, on first use, so that a JS
// context downloads only what it runs:
// - prepare (pkg/fhir_media_prepare.js): prepareMedia, the pipeline. In the element it
//   runs in the worker only.
// - client (pkg/fhir_media_client.js): MediaClient and QueueCore (queue.js), and ready().
//   In the element it runs on the main thread only.
// - codecs (PNG, WebP, GIF, BMP; pkg/fhir_media_codecs.js): only when a photo needs it,
//   which a JPEG camera photo never does.
// Their small JS glue is imported statically, only the wasm is lazy: a dynamic import()
// would be a separate chunk that bundlers load with importScripts (webpack) or cannot
// split at all (Vite's default IIFE workers) inside the module worker that runs this file.
import initPrepare, * as prepareWasm from '../../pkg/fhir_media_prepare.js';
import initClient, * as clientWasm from '../../pkg/fhir_media_client.js';
import initCodecs, * as codecsWasm from '../../pkg/fhir_media_codecs.js';

/**
 * `init` of a wasm-bindgen module, run once: `load()` resolves once the module is
 * instantiated (a failed attempt, offline say, rejects and is retried by the next call);
 * `initialised()` tells whether it is.
 */
function lazyModule(init) {
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
const clientModule = lazyModule(initClient);

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

/**
 * An input or pipeline failure. The wasm side throws plain `Error`s named
 * 'MediaError' with a `code`; `instanceof MediaError` accepts those too.
 */
export class MediaError extends Error {
  constructor(code, message = code, options) {
    super(message, options);
    this.name = 'MediaError';
    this.code = code;
  }

  static [Symbol.hasInstance](value) {
    return value instanceof Error && value.name === 'MediaError';
  }
}

/** A failed FHIR request: HTTP `status`, OperationOutcome `code` and `text`, the `outcome` itself. */
export class FhirError extends Error {
  constructor(status, code, text, outcome, options) {
    super(`${status} ${code}: ${text}`, options);
    this.name = 'FhirError';
    this.status = status;
    this.code = code;
    this.text = text;
    this.outcome = outcome;
  }

  static [Symbol.hasInstance](value) {
    return value instanceof Error && value.name === 'FhirError';
  }
}

/**
 * Resolves once the client wasm module (MediaClient, the upload queue) is instantiated; it
 * loads on first use otherwise. prepareMedia loads its own module, on its first call.
 */
export async function ready() {
  await clientModule.load();
}

/**
 * The FHIR Media client (Rust, see `src/client`). Usable straight after `import`: until
 * the client wasm module is instantiated, each method waits for it. Once it is (after
 * `ready()` or any other MediaClient's first call), bad options throw from the
 * constructor; before, they reject the first call.
 */
export class MediaClient {
  #inner;
  #pending;

  constructor(options) {
    if (clientModule.initialised()) {
      this.#inner = new clientWasm.MediaClient(options);
    } else {
      this.#pending = clientModule.load().then(() => {
        this.#inner = new clientWasm.MediaClient(options);
        return this.#inner;
      });
      // Reported by the first call that needs the client, not as an unhandled rejection.
      this.#pending.catch(() => {});
    }
  }

  async #client() {
    return this.#inner ?? this.#pending;
  }

  /** The normalised base URL (undefined until the client wasm module is ready). */
  get baseUrl() {
    return this.#inner?.baseUrl;
  }

  async create(resource, options) {
    return (await this.#client()).create(resource, options);
  }

  async read(id) {
    return (await this.#client()).read(id);
  }

  async search(options) {
    return (await this.#client()).search(options);
  }

  async searchAll(options) {
    return (await this.#client()).searchAll(options);
  }

  async fetchContent(media) {
    return (await this.#client()).fetchContent(media);
  }

  /** Release the Rust side now rather than at garbage collection. */
  free() {
    this.#inner?.free();
    this.#inner = undefined;
  }
}
