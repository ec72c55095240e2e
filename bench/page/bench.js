// The in-page half of the benchmark: the contenders, a fresh-worker probe and the quality
// measure. bench/bench.mjs drives it through window.bench, one call per run, so that the
// order of contenders can rotate and progress is visible.
import imageCompression from '/vendor/browser-image-compression.mjs';
import Pica from '/vendor/pica.mjs';
import Compressor from '/vendor/compressor.esm.js';
import init, { prepareMedia } from '/pkg/fhir_media_capture.js';
import { luma, resizePlane, ssim } from './ssim.js';

const MAX = 2048;
const QUALITY = 0.8;
const OURS = { subject: 'Patient/bench', maxDimension: MAX, quality: QUALITY, maxBytes: 50_000_000 };
const BIC_LIB = new URL('/vendor/browser-image-compression.js', location.href).href;
const BENCH_WORKER = '/page/worker.js';
const WIDGET_WORKER = '/www/lib/worker.js'; // the widget's own worker, once it exists

const files = new Map(); // image name -> File
const outputs = new Map(); // `${image}|${contender}` -> base64 of the last output
const references = new Map(); // image name -> {w, h, y} full-size luma
let wasm = null;
let pica = null;
let worker = null; // the worker (e2) runs in: the widget's when present, else the bench's
let usingWidgetWorker = false;

/** Longest side at most MAX, never upscaled, aspect kept (rounded). */
function fit(w, h) {
  const s = Math.min(1, MAX / Math.max(w, h));
  return [Math.max(1, Math.round(w * s)), Math.max(1, Math.round(h * s))];
}

function blobToBase64(blob) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result.slice(r.result.indexOf(',') + 1));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}

function base64ToBlob(b64, type = 'image/jpeg') {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}

const base64Bytes = (b64) => (b64.length / 4) * 3 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);

/** Post one job to a worker and wait for its answer: `input` is the File for the widget's
 *  worker, posted as is (as the element does: structured clone passes a Blob by reference),
 *  and an ArrayBuffer for the bench's, transferred. */
let nextId = 0;
function ask(w, input, widget = usingWidgetWorker) {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    // A worker that failed to start (a module it imports did not load) fires its error
    // before this listener exists: give up instead of hanging the whole bench.
    const timer = setTimeout(() => reject(new Error('the worker did not answer within 60 s')), 60_000);
    const onMessage = ({ data }) => {
      if (data.id !== id) return;
      clearTimeout(timer);
      w.removeEventListener('message', onMessage);
      if (data.ok) resolve(data);
      else if (data.prepared) {
        // www/lib/worker.js answers { id, prepared } or { id, error: { name, code, message } }.
        const p = data.prepared;
        resolve({
          data: p.resource.content.data, width: p.width, height: p.height, bytes: p.bytes, timings: p.timings,
          memory: data.wasmBytes,
        });
      } else reject(new Error(typeof data.error === 'string' ? data.error : `${data.error?.code}: ${data.error?.message}`));
    };
    w.addEventListener('message', onMessage);
    w.addEventListener('error', (e) => reject(new Error(`worker error: ${e.message}`)), { once: true });
    // The widget's worker takes the photo as a Blob (it checks the size before reading);
    // the bench's own worker takes the bytes, transferred.
    if (widget) w.postMessage({ id, blob: input, options: OURS });
    else w.postMessage({ id, buffer: input, options: OURS }, [input]);
  });
}

// Every contender: File -> { b64, stages? , ...}. The timed span is the whole call.
const CONTENDERS = {
  async native(file, quality = QUALITY) {
    const t0 = performance.now();
    const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const t1 = performance.now();
    const [w, h] = fit(bmp.width, bmp.height);
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bmp, 0, 0, w, h);
    bmp.close();
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
    const t2 = performance.now();
    const b64 = await blobToBase64(blob);
    const t3 = performance.now();
    // drawImage is recorded lazily and flushed by convertToBlob, so resize+encode is one span.
    return { b64, stages: { decode: t1 - t0, 'resize+encode': t2 - t1, base64: t3 - t2 } };
  },

  async bic(file) {
    const out = await imageCompression(file, {
      maxWidthOrHeight: MAX, initialQuality: QUALITY, useWebWorker: true, libURL: BIC_LIB,
    });
    return { b64: await blobToBase64(out) };
  },

  async pica(file) {
    const t0 = performance.now();
    const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const t1 = performance.now();
    const [w, h] = fit(bmp.width, bmp.height);
    const to = document.createElement('canvas');
    to.width = w;
    to.height = h;
    await pica.resize(bmp, to, { filter: 'lanczos3' });
    bmp.close();
    const t2 = performance.now();
    const blob = await pica.toBlob(to, 'image/jpeg', QUALITY);
    const t3 = performance.now();
    const b64 = await blobToBase64(blob);
    const t4 = performance.now();
    return { b64, stages: { decode: t1 - t0, resize: t2 - t1, encode: t3 - t2, base64: t4 - t3 } };
  },

  async compressorjs(file) {
    const out = await new Promise((success, error) => {
      // strict: false, or compressorjs may hand back the original file when it is smaller.
      new Compressor(file, { maxWidth: MAX, maxHeight: MAX, quality: QUALITY, strict: false, success, error });
    });
    return { b64: await blobToBase64(out) };
  },

  async ours(file) {
    const p = await prepareMedia(file, OURS);
    return {
      b64: p.resource.content.data, timings: p.timings, memory: wasm.memory.buffer.byteLength,
      width: p.width, height: p.height,
    };
  },

  async oursWorker(file) {
    const r = await ask(worker, usingWidgetWorker ? file : await file.arrayBuffer());
    return { b64: r.data, timings: r.timings, memory: r.memory, width: r.width, height: r.height };
  },
};

/** Output size and SSIM of a base64 JPEG against the reference downscale at its size. */
async function measure(image, b64) {
  if (!references.has(image)) {
    const { w, h, rgba } = await decodeRGBA(files.get(image));
    references.set(image, { w, h, y: luma(rgba, w, h), sized: new Map() });
  }
  const ref = references.get(image);
  const out = await decodeRGBA(base64ToBlob(b64));
  const key = `${out.w}x${out.h}`;
  if (!ref.sized.has(key)) ref.sized.set(key, resizePlane(ref.y, ref.w, ref.h, out.w, out.h));
  return { width: out.w, height: out.h, ssim: ssim(ref.sized.get(key), luma(out.rgba, out.w, out.h), out.w, out.h) };
}

async function decodeRGBA(blob, orientation = 'from-image') {
  const bmp = await createImageBitmap(blob, { imageOrientation: orientation });
  const { width: w, height: h } = bmp;
  const ctx = new OffscreenCanvas(w, h).getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bmp, 0, 0);
  bmp.close();
  return { w, h, rgba: ctx.getImageData(0, 0, w, h).data };
}

/** A copy of a JPEG whose IFD0 Orientation (a SHORT, as cameras write it) is `value`. */
function withOrientation(jpeg, value) {
  const out = jpeg.slice();
  const v = new DataView(out.buffer);
  for (let p = 2; p + 4 < out.length && out[p] === 0xff && out[p + 1] !== 0xda; p += 2 + v.getUint16(p + 2)) {
    if (out[p + 1] !== 0xe1 || String.fromCharCode(...out.subarray(p + 4, p + 8)) !== 'Exif') continue;
    const tiff = p + 10;
    const le = out[tiff] === 0x49;
    const ifd = tiff + v.getUint32(tiff + 4, le);
    for (let i = 0, n = v.getUint16(ifd, le); i < n; i++) {
      const e = ifd + 2 + 12 * i;
      if (v.getUint16(e, le) === 0x0112 && v.getUint16(e + 2, le) === 3) {
        v.setUint16(e + 8, value, le);
        return out;
      }
    }
  }
  throw new Error('no EXIF Orientation (SHORT) in IFD0');
}

window.bench = {
  contenders: Object.keys(CONTENDERS),

  /** Fetch the photos into Files; set up pica, the wasm and the bench worker. */
  async load(images, { widgetWorker }) {
    for (const { name, url } of images) {
      const blob = await (await fetch(url)).blob();
      files.set(name, new File([blob], name, { type: 'image/jpeg' }));
    }
    pica = Pica({ features: ['js', 'wasm', 'ww'] });
    wasm = await init();
    usingWidgetWorker = Boolean(widgetWorker);
    worker = new Worker(widgetWorker ? WIDGET_WORKER : BENCH_WORKER, { type: 'module' });
    return { userAgent: navigator.userAgent, cores: navigator.hardwareConcurrency };
  },

  /** The 48 MP input: the 12 MP photo upscaled to 8064x6048, JPEG q0.92, as base64. */
  async upscale(url, width, height) {
    const bmp = await createImageBitmap(await (await fetch(url)).blob(), { imageOrientation: 'from-image' });
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bmp, 0, 0, width, height);
    bmp.close();
    return blobToBase64(await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 }));
  },

  /** One timed run; the output is kept for quality(). */
  async run(image, contender) {
    const file = files.get(image);
    const t0 = performance.now();
    const r = await CONTENDERS[contender](file);
    const ms = performance.now() - t0;
    outputs.set(`${image}|${contender}`, r.b64);
    return { ms, bytes: base64Bytes(r.b64), stages: r.stages, timings: r.timings, memory: r.memory };
  },

  /** Output size and SSIM of the last output against the reference downscale at that size. */
  async quality(image, contender) {
    return measure(image, outputs.get(`${image}|${contender}`));
  },

  /**
   * bench/sweep.mjs: one encode of `image` at `quality` by the canvas path ('native') or
   * prepareMedia ('ours'), or (contender 'file') the given base64 JPEG as is; then its
   * size, SSIM (as quality()) and, for ours, prepared.timings.
   */
  async sweep(image, contender, quality, b64, withData = false) {
    let timings;
    if (contender === 'native') {
      b64 = (await CONTENDERS.native(files.get(image), quality)).b64;
    } else if (contender === 'ours') {
      const p = await prepareMedia(files.get(image), { ...OURS, quality });
      b64 = p.resource.content.data;
      timings = p.timings;
    }
    return { bytes: base64Bytes(b64), timings, ...(await measure(image, b64)), ...(withData ? { b64 } : {}) };
  },

  /**
   * Issue 15, what orientation costs: prepareMedia (ours, main thread) of `image` with its
   * EXIF Orientation tag rewritten to `value` (1..8), the same pixels otherwise.
   */
  async oriented(image, value) {
    const key = `${image}|o${value}`;
    if (!files.has(key)) {
      const bytes = withOrientation(new Uint8Array(await files.get(image).arrayBuffer()), value);
      files.set(key, new File([bytes], key, { type: 'image/jpeg' }));
    }
    const p = await prepareMedia(files.get(key), OURS);
    return { timings: p.timings, width: p.width, height: p.height };
  },

  /** Drop the decoded reference of an image (the 48 MP one is 200 MB). */
  forget(image) {
    references.delete(image);
  },

  /**
   * A fresh worker per call: time from `new Worker` to the first result (module fetch,
   * wasm compile + instantiate, first prepareMedia), then `warm` more calls; the wasm
   * memory after the first call and at the end is this image's own peak.
   */
  async freshWorker(image, warm, which) {
    const file = files.get(image);
    const t0 = performance.now();
    const widget = which === 'widget';
    const w = new Worker(widget ? WIDGET_WORKER : BENCH_WORKER, { type: 'module' });
    try {
      // Each worker takes its own message shape (ask()): not the one (e2) happens to use.
      const first = await ask(w, widget ? file : await file.arrayBuffer(), widget);
      const cold = performance.now() - t0;
      const warmMs = [];
      let memory = first.memory;
      for (let i = 0; i < warm; i++) {
        const t = performance.now();
        const r = await ask(w, widget ? file : await file.arrayBuffer(), widget);
        warmMs.push(performance.now() - t);
        if (r.memory != null) memory = Math.max(memory ?? 0, r.memory);
      }
      return { cold, warm: warmMs, memoryFirst: first.memory, memoryPeak: memory ?? null };
    } finally {
      w.terminate();
    }
  },
};
window.benchReady = true;
