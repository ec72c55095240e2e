// Public entry of `fhir-media-capture`: a thin ES-module shell over the wasm build.
// core.js: prepareMedia, MediaClient, MediaError, FhirError, ready.
// queue.js: the persistent upload queue (QueueCore's decisions, this package's I/O).
export * from './core.js';
export { UploadQueue } from './queue.js';
