// Module worker for <fhir-media-capture>: runs prepareMedia (the wasm pipeline) off the
// main thread. In: { id, blob: Blob, options }, one photo at a time in the order sent (so
// at most one photo's bytes are read and in wasm memory at once, however many files were
// dropped). Out: { id, prepared,
// image, wasmBytes, codecsBytes } or { id, error: { name, code, message }, wasmBytes, codecsBytes } (the main and
// codecs modules' wasm memory; errors are flattened: structured clone
// drops an Error's own fields such as `code`). `image` is the encoded photo as a Blob, for
// the thumbnail: decoding the base64 here keeps a ~1 MB data: URL off the main thread.
// In: { warm: true } loads the wasm and runs the pipeline on a small picture of its own
// ahead of the first photo (once per worker), and answers nothing.
// In: { id, frame: ImageBitmap (transferred) }: a camera preview frame for the live retake
// hint. Out: { id, quality: { warnings, metrics } } (or { id, error }).
import { once } from './once.js';
import { codecsBytes, mainModule, prepareMedia } from './prepare.js';
import { warmUp } from './warm-up.js';

const warming = once(warmUp);

let queue = Promise.resolve();

self.addEventListener('message', ({ data: { id, blob, options, warm, frame } }) => {
  if (warm) {
    // Once per worker (the picker or the camera may open many times). A failed load
    // (offline, say) is retried, and reported, by the first photo; the next warm tries again.
    warming.load().catch(() => {});
    return;
  }
  // prepareOne answers every job itself; the catch only keeps the line moving.
  const job = frame ? () => measureOne(id, frame) : () => prepareOne(id, blob, options);
  queue = queue.then(job).catch(() => {});
});

async function prepareOne(id, blob, options) {
  try {
    // prepareMedia checks the Blob's size against maxInputBytes before reading it.
    const prepared = await prepareMedia(blob, options);
    const { contentType, data } = prepared.resource.content;
    const image = new Blob([base64Bytes(data)], { type: contentType });
    self.postMessage({ id, prepared, image, wasmBytes: await wasmBytes(), codecsBytes: await codecsBytes() });
  } catch (err) {
    self.postMessage({ id, error: flatten(err), wasmBytes: await wasmBytes(), codecsBytes: await codecsBytes() });
  }
}

/** The main module's wasm memory, bytes: wasm memory never shrinks, so this is the peak of
 *  every photo so far in this worker (for tests and benchmarks; the element ignores it). */
async function wasmBytes() {
  try {
    return (await mainModule.load()).memory.buffer.byteLength;
  } catch {
    return undefined;
  }
}

async function measureOne(id, frame) {
  try {
    self.postMessage({ id, quality: await measure(frame) });
  } catch (err) {
    self.postMessage({ id, error: flatten(err) });
  }
}

/** An error as plain fields: structured clone drops an Error's own fields such as `code`. */
function flatten(err) {
  return { name: err?.name ?? 'Error', code: err?.code, message: String(err?.message ?? err) };
}

/**
 * The retake checks on one frame: the frame as a near-lossless JPEG through prepareMedia,
 * the same measures and thresholds as a photo's (a separate wasm export for raw pixels
 * cost more of the size budget than this ~20 ms per frame, here off the main thread).
 */
async function measure(frame) {
  const canvas = new OffscreenCanvas(frame.width, frame.height);
  canvas.getContext('2d').drawImage(frame, 0, 0);
  frame.close();
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 });
  const { warnings, metrics } = await prepareMedia(blob, { subject: 'Patient/camera-hint', progressive: false });
  return { warnings, metrics };
}

/** Base64 to bytes: the built-in where there is one, else atob and a plain loop (a
 *  mapping `Uint8Array.from` was ~10x slower on a 600 KB photo). */
function base64Bytes(data) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(data);
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
