// Module worker for <fhir-media-capture>: runs prepareMedia (the wasm pipeline) off the
// main thread. In: { id, buffer: ArrayBuffer (transferred), options }. Out: { id, prepared }
// or { id, error: { name, code, message } } (errors are flattened: structured clone
// drops an Error's own fields such as `code`).
import { prepareMedia } from './core.js';

self.addEventListener('message', async ({ data: { id, buffer, options } }) => {
  try {
    const prepared = await prepareMedia(new Uint8Array(buffer), options);
    self.postMessage({ id, prepared });
  } catch (err) {
    self.postMessage({
      id,
      error: { name: err?.name ?? 'Error', code: err?.code, message: String(err?.message ?? err) },
    });
  }
});
