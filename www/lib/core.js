// The package's core (re-exported by index.js): prepareMedia, MediaClient, the error
// classes, over the wasm build, which is fetched and instantiated once, on first use.
// The worker imports this, not index.js, so it never loads the queue or IndexedDB code.
// The codecs module (PNG, WebP, GIF, BMP; pkg/fhir_media_codecs.js and its wasm) is a
// second wasm, fetched and instantiated only when a photo needs it: a JPEG camera photo
// never does. Its small JS glue is imported statically: a dynamic import() would be a
// separate chunk that bundlers load with importScripts (webpack) or cannot split at all
// (Vite's default IIFE workers) inside the module worker that runs this file.
import init, * as wasm from '../../pkg/fhir_media_capture.js';
import initCodecs, * as codecsWasm from '../../pkg/fhir_media_codecs.js';

let loading = null;
let initialised = false;

/** Instantiate the wasm module once; a failed attempt may be retried. */
function ensureReady() {
  if (!loading) {
    loading = init().then(
      () => {
        initialised = true;
      },
      (err) => {
        loading = null;
        throw err;
      },
    );
  }
  return loading;
}

let codecs = null;

/**
 * The codecs module's exports once its wasm is fetched and instantiated (once); a failed
 * attempt (offline, say) rejects this call and is retried by the next. The main module
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
  await ensureReady();
  return wasm.prepareMedia(input, options, loadCodecs);
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

/** Resolves once the main wasm module is instantiated (it loads on first use otherwise). */
export async function ready() {
  await ensureReady();
}

/**
 * The FHIR Media client (Rust, see `src/client`). Usable straight after `import`: until
 * the wasm module is instantiated, each method waits for it. Once it is (after `ready()`
 * or any `prepareMedia`), bad options throw from the constructor; before, they reject
 * the first call.
 */
export class MediaClient {
  #inner;
  #pending;

  constructor(options) {
    if (initialised) {
      this.#inner = new wasm.MediaClient(options);
    } else {
      this.#pending = ensureReady().then(() => {
        this.#inner = new wasm.MediaClient(options);
        return this.#inner;
      });
      // Reported by the first call that needs the client, not as an unhandled rejection.
      this.#pending.catch(() => {});
    }
  }

  async #client() {
    return this.#inner ?? this.#pending;
  }

  /** The normalised base URL (undefined until the wasm module is ready). */
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
