// Module worker for <fhir-media-capture>: runs prepareMedia (the wasm pipeline) off the
// main thread. In: { id, buffer: ArrayBuffer (transferred), options }. Out: { id, prepared,
// image } or { id, error: { name, code, message } } (errors are flattened: structured clone
// drops an Error's own fields such as `code`). `image` is the encoded photo as a Blob, for
// the thumbnail: decoding the base64 here keeps a ~1 MB data: URL off the main thread.
import { prepareMedia } from './core.js';

self.addEventListener('message', async ({ data: { id, buffer, options } }) => {
  try {
    const prepared = await prepareMedia(new Uint8Array(buffer), options);
    const { contentType, data } = prepared.resource.content;
    const image = new Blob([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], { type: contentType });
    self.postMessage({ id, prepared, image });
  } catch (err) {
    self.postMessage({
      id,
      error: { name: err?.name ?? 'Error', code: err?.code, message: String(err?.message ?? err) },
    });
  }
});
