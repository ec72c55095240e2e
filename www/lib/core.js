// The package's core (re-exported by index.js): prepareMedia (from prepare.js),
// MediaClient, the error classes, ready(). Nothing here loads the queue or IndexedDB code.
// The wasm modules are loaded by prepare.js, on first use (see there).
import * as mainWasm from '../../pkg/fhir_media_capture.js';
import { mainModule, prepareMedia } from './prepare.js';

export { prepareMedia };

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
 * Resolves once the main wasm module (MediaClient, the upload queue, prepareMedia) is instantiated; it
 * loads on first use otherwise.
 */
export async function ready() {
  await mainModule.load();
}

/**
 * The FHIR Media client (Rust, see `src/client`). Usable straight after `import`: until
 * the main wasm module is instantiated, each method waits for it. Once it is (after
 * `ready()` or any other MediaClient's first call), bad options throw from the
 * constructor; before, they reject the first call.
 */
export class MediaClient {
  #inner;
  #pending;

  constructor(options) {
    if (mainModule.initialised()) {
      this.#inner = new mainWasm.MediaClient(options);
    } else {
      this.#pending = mainModule.load().then(() => {
        this.#inner = new mainWasm.MediaClient(options);
        return this.#inner;
      });
      // Reported by the first call that needs the client, not as an unhandled rejection.
      this.#pending.catch(() => {});
    }
  }

  async #client() {
    return this.#inner ?? this.#pending;
  }

  /** The normalised base URL (undefined until the main wasm module is ready). */
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
