// Public entry of `fhir-media-capture`: a thin ES-module shell over the wasm build.
// The wasm module is fetched and instantiated once, on first use.
import init, * as wasm from '../../pkg/fhir_media_capture.js';

let ready = null;

/** Instantiate the wasm module once; a failed attempt may be retried. */
function ensureReady() {
  if (!ready) {
    ready = init().catch((err) => {
      ready = null;
      throw err;
    });
  }
  return ready;
}

/**
 * Decode, orient, downsize and encode a photo, and wrap it as a FHIR R4 Media.
 * @param {Blob | ArrayBuffer | Uint8Array} input
 * @param {import('./index.d.ts').PrepareOptions} options
 * @returns {Promise<import('./index.d.ts').PreparedMedia>}
 */
export async function prepareMedia(input, options) {
  await ensureReady();
  return wasm.prepareMedia(input, options);
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

// The FHIR client comes from the wasm build once it exports one (coming).
// Reflect.get keeps bundlers from warning while it is absent.
export const MediaClient = Reflect.get(wasm, 'MediaClient');
