// The in-page half of the HEIC benchmark (bench/heic.mjs): a HEIC photo to a JPEG Media at
// 2048 px, by ours (prepareMedia of www/lib/prepare.js: the main module and the HEIC tiers,
// which in Chromium means the HEIC module) and by libheif-js (libheif + libde265 by
// Emscripten; its wasm build, the `libheif` global of vendor/libheif.js) decoding to
// ImageData, then the canvas resizing and encoding, as pages that bolt it on do. Both on
// this page's main thread (ours with its pool of HEIC tile workers, heic-pool.js).
import { prepareMedia } from '/www/lib/prepare.js';
import initMain from '/pkg/fhir_media_capture.js';
import initHeic from '/pkg/fhir_media_heic.js';
import { tilePool } from '/www/lib/heic-pool.js';
import { warmUp } from '/www/lib/warm-up.js';

const MAX = 2048;
const QUALITY = 0.8;
const OURS = { subject: 'Patient/bench', maxDimension: MAX, quality: QUALITY, maxBytes: 50_000_000 };
const bytes = new Map();
let libheifModule = null;
let heicUsed = false;

async function fetched(url) {
  if (!bytes.has(url)) bytes.set(url, new Uint8Array(await (await fetch(url)).arrayBuffer()));
  return bytes.get(url);
}

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

window.heicBench = {
  /** The main module loaded and warmed up, as the widget's worker has it before any photo
   *  (it warms up when the picker or the camera opens, or a file is dragged over: warm-up.js). */
  async ready() {
    await initMain();
    await warmUp();
  },
  async fetch(url) {
    await fetched(url);
  },
  async ours(url) {
    const input = new Blob([await fetched(url)]);
    const t0 = performance.now();
    const p = await prepareMedia(input, OURS);
    const ms = performance.now() - t0;
    if (p.source.format === 'heif') heicUsed = true;
    return { ms, width: p.width, height: p.height, bytes: p.bytes, format: p.source.format,
      tileWorkers: tilePool.stats.lastWorkers, cores: navigator.hardwareConcurrency,
      // Tiles decoded here while the pool's workers started, and their start time (the
      // first HEIC of a page; heic-pool.js).
      tilesHere: tilePool.stats.tilesHere, workerStartMs: tilePool.stats.startMs };
  },
  async libheif(url) {
    const input = await fetched(url);
    const t0 = performance.now();
    // First call of the page: fetch and compile libheif.wasm (as a page would, on demand;
    // handed over as wasmBinary, as this Emscripten build fetches it synchronously otherwise).
    libheifModule ??= await window.libheif({ wasmBinary: await (await fetch('/vendor/libheif.wasm')).arrayBuffer() });
    const decoder = new libheifModule.HeifDecoder();
    const [image] = decoder.decode(input);
    const w = image.get_width();
    const h = image.get_height();
    const data = new ImageData(w, h);
    await new Promise((resolve, reject) => image.display(data, (d) => (d ? resolve() : reject(new Error('libheif display failed')))));
    image.free?.();
    const full = new OffscreenCanvas(w, h);
    full.getContext('2d').putImageData(data, 0, 0);
    const [tw, th] = fit(w, h);
    const out = new OffscreenCanvas(tw, th);
    const g = out.getContext('2d');
    g.imageSmoothingQuality = 'high';
    g.drawImage(full, 0, 0, tw, th);
    const jpeg = await out.convertToBlob({ type: 'image/jpeg', quality: QUALITY });
    const media = JSON.stringify({
      resourceType: 'Media', status: 'completed', subject: { reference: 'Patient/bench' },
      content: { contentType: 'image/jpeg', data: await blobToBase64(jpeg) },
    });
    const ms = performance.now() - t0;
    return { ms, width: tw, height: th, bytes: jpeg.size, media: media.length };
  },
  /** wasm memory sizes now (they only grow, so: the peak so far), bytes. */
  async memory() {
    const main = (await initMain()).memory.buffer.byteLength;
    // Never instantiates the HEIC module on a page that had no HEIC.
    const heic = heicUsed ? (await initHeic()).memory.buffer.byteLength : 0;
    const lib = libheifModule?.HEAPU8?.buffer.byteLength ?? libheifModule?.wasmMemory?.buffer.byteLength ?? null;
    // The tile workers' instances of the HEIC module (heic-pool.js), each its own memory.
    const workers = tilePool.workerWasmBytes();
    return { main, heic, workers, libheif: lib };
  },
};
window.heicBenchReady = true;
