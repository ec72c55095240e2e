// Module worker for <fhir-media-capture>: runs prepareMedia (the wasm pipeline) off the
// main thread. In: { id, buffer: ArrayBuffer (transferred), options }. Out: { id, prepared,
// image } or { id, error: { name, code, message } } (errors are flattened: structured clone
// drops an Error's own fields such as `code`). `image` is the encoded photo as a Blob, for
// the thumbnail: decoding the base64 here keeps a ~1 MB data: URL off the main thread.
// In: { warm: true } loads the wasm ahead of the first photo, and answers nothing.
import { mainModule, prepareMedia } from './prepare.js';

self.addEventListener('message', async ({ data: { id, buffer, options, warm } }) => {
  if (warm) {
    // A failed load (offline, say) is retried, and reported, by the first photo.
    mainModule.load().catch(() => {});
    return;
  }
  try {
    const prepared = await prepareMedia(new Uint8Array(buffer), options);
    const { contentType, data } = prepared.resource.content;
    const image = new Blob([base64Bytes(data)], { type: contentType });
    self.postMessage({ id, prepared, image });
  } catch (err) {
    self.postMessage({
      id,
      error: { name: err?.name ?? 'Error', code: err?.code, message: String(err?.message ?? err) },
    });
  }
});

/** Base64 to bytes: the built-in where there is one, else atob and a plain loop (a
 *  mapping `Uint8Array.from` was ~10x slower on a 600 KB photo). */
function base64Bytes(data) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(data);
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
