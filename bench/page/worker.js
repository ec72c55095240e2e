// Bench worker for contender (e2): prepareMedia off the main thread. Stands in for the
// widget's www/lib/worker.js until that exists. Receives {id, buffer, options} (the buffer
// transferred), answers {id, ok, data (base64), width, height, bytes, timings, memory}.
import init, { prepareMedia } from '/pkg/fhir_media_capture.js';

let ready = null;

self.onmessage = async ({ data: { id, buffer, options } }) => {
  try {
    ready ??= init();
    const wasm = await ready;
    const p = await prepareMedia(new Uint8Array(buffer), options);
    self.postMessage({
      id, ok: true, data: p.resource.content.data, width: p.width, height: p.height, bytes: p.bytes,
      timings: p.timings, memory: wasm.memory.buffer.byteLength,
    });
  } catch (err) {
    self.postMessage({ id, ok: false, error: `${err?.code ?? err?.name}: ${err?.message ?? err}` });
  }
};
