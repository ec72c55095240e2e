// A tile worker of the HEIC pool (heic-pool.js). In: { module } (the HEIC module's compiled
// WebAssembly.Module: instantiated here, never fetched), then per photo { job, open: { plan } }
// (HeicGrid.plan: the tile plan as numbers, no copy of the photo), { job, tile: i, input } for
// each tile it is given (HeicGrid.tileInput: that tile's HEVC stream, transferred), { close:
// true }. Out: { ready: true } or { failed }, then { job, block: { x, y, width, height,
// pixels }, wasmBytes } per tile (pixels transferred) or { job, error: { name, code, message,
// ... } }. A trap leaves an error without a code: the pool ends this worker and starts another.
import initHeic, * as heicWasm from '../../pkg/fhir_media_heic.js';

let exports = null;
let grid = null;
let openError = null;

self.addEventListener('message', async ({ data }) => {
  if (data.module) {
    try {
      exports = await initHeic({ module_or_path: data.module });
      self.postMessage({ ready: true });
    } catch (err) {
      self.postMessage({ failed: String(err?.message ?? err) });
    }
    return;
  }
  if (data.close) {
    close();
    return;
  }
  const { job } = data;
  try {
    if (data.open) {
      close();
      try {
        grid = heicWasm.HeicTiles.fromPlan(data.open.plan);
      } catch (err) {
        openError = err; // answered with the first tile asked for
      }
      return;
    }
    if (openError) throw openError;
    if (!grid) throw Object.assign(new Error('This HEIC has no tiles to decode.'), { code: 'corrupt-image' });
    const block = grid.decodeTile(data.tile, data.input);
    self.postMessage({ job, block, wasmBytes: exports.memory.buffer.byteLength }, [block.pixels.buffer]);
  } catch (err) {
    self.postMessage({ job, error: flatten(err), wasmBytes: exports?.memory.buffer.byteLength });
  }
});

function close() {
  grid?.free();
  grid = null;
  openError = null;
}

/** An error as plain fields: structured clone drops an Error's own fields such as `code`. */
function flatten(err) {
  const { code, width, height, limit } = err ?? {};
  return { name: err?.name ?? 'Error', code, width, height, limit, message: String(err?.message ?? err) };
}
