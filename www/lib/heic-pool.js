// A grid HEIC (every full-size iPhone photo: 48 independent 512 px HEVC tiles for 12 MP)
// decoded by a small pool of workers, each instantiating the HEIC module compiled once by
// the context that loaded it (its WebAssembly.Module is posted to them: no second fetch or
// compile), each decoding tiles straight to the scaled, oriented blocks the Rust crate
// gives (heif-wasm HeicGrid.decodeTile), handed out one at a time so that a worker slowed
// by other load on the machine takes fewer. The blocks are copied into one RGB picture here.
//
// - Pool size: min(navigator.hardwareConcurrency, tiles, MAX_TILE_WORKERS), at least 1; kept across photos,
//   one photo at a time. prestart() starts the workers' scripts while the module is still
//   being fetched and compiled (the first HEIC of a page), and until they are ready the
//   tiles are decoded here, so starting them is never on the photo's critical path.
// - No worker can be made (no nested Worker in this engine, a CSP without worker-src for
//   us, a worker that does not start within WORKER_START_MS): the tiles are decoded here,
//   one after the other, with the same module (the same pixels), and for every later photo.
// - Not a grid, or bound for full size, or wide-gamut colour: the module's decode(), here,
//   as before.
// - Errors: the photo's typed errors (`code`) pass through; a tile worker that fails any
//   other way (a trap) is ended and replaced by the next photo, and the photo fails with an
//   error without a code: the worker's failure, as a trap in decode() is (heic.js).

/** At most this many tile workers. Each holds its own ~4 MiB of wasm memory (one tile's
 *  HEVC stream, decoder and 8-bit RGBA; not the photo): with two, a 12 MP HEIC peaks at
 *  ~1.3x a 12 MP JPEG's memory (issue 13's bound is 1.5x; bench/HEIC.md); a third would
 *  take it to ~1.4x. */
export const MAX_TILE_WORKERS = 2;
/** How long a tile worker may take to start (script, instantiate) before it is given up, ms. */
export const WORKER_START_MS = 10_000;

/** The pool size for a photo of `tiles` tiles on `cores` logical cores. */
export function poolSize(cores, tiles) {
  return Math.max(1, Math.min(Number(cores) || 1, tiles, MAX_TILE_WORKERS));
}

/** Copy an RGB `block` ({ x, y, width, height, pixels }) into `picture`, `width` pixels wide. */
export function placeBlock(picture, width, block) {
  const row = block.width * 3;
  if (block.x + block.width > width || (block.y + block.height) * width * 3 > picture.length) {
    throw new Error(`HEIC tile block ${block.width}x${block.height} at ${block.x},${block.y} outside the picture`);
  }
  for (let r = 0; r < block.height; r++) {
    picture.set(block.pixels.subarray(r * row, (r + 1) * row), ((block.y + r) * width + block.x) * 3);
  }
}

export class TilePool {
  #makeWorker;
  #cores;
  #startMs;
  #entries = []; // { worker, ready: Promise<boolean>, started, arm(module), onMessage, onFailure, wasmBytes }
  #chain = Promise.resolve();
  #job = 0;
  #inPlaceOnly = false;
  /** What the pool did (for tests and the benchmark; the element ignores it). */
  stats = { photos: 0, parallel: 0, inPlace: 0, whole: 0, workersStarted: 0, workersEnded: 0, lastWorkers: 0, tilesHere: 0, startMs: 0 };

  /**
   * @param {{ makeWorker?: () => Worker, cores?: number, startMs?: number }} [options]
   *   `makeWorker` starts one tile worker (heic-tile-worker.js); tests pass a stand-in.
   */
  constructor({ makeWorker = startTileWorker, cores = globalThis.navigator?.hardwareConcurrency, startMs = WORKER_START_MS } = {}) {
    this.#makeWorker = makeWorker;
    this.#cores = cores;
    this.#startMs = startMs;
  }

  /**
   * Start the workers' scripts now, before the module they will be given is compiled: the
   * first HEIC of a page overlaps their start with the module's fetch and compile. A worker
   * is only given the module, and timed, when a photo needs it (a module that cannot be
   * fetched, offline say, leaves them waiting, not failed).
   */
  prestart() {
    if (!this.#inPlaceOnly) this.#fill(poolSize(this.#cores, Infinity));
  }

  /**
   * Decode a HEIC with the HEIC module's exports `heic` (HeicGrid, decode, compiledModule) of
   * this context: `{ width, height, channels: 3, pixels, icc? }` as heic.decode gives.
   */
  decode(heic, bytes, maxPixels, maxDimension) {
    const run = this.#chain.then(() => this.#decode(heic, bytes, maxPixels, maxDimension));
    this.#chain = run.catch(() => {});
    return run;
  }

  /** The wasm memory each live tile worker last reported, bytes (it only grows: its peak). */
  workerWasmBytes() {
    return this.#entries.map((e) => e.wasmBytes);
  }

  /** End every tile worker (their wasm memory with them); the next photo starts new ones. */
  terminate() {
    for (const entry of this.#entries) entry.worker.terminate();
    this.stats.workersEnded += this.#entries.length;
    this.#entries = [];
  }

  async #decode(heic, bytes, maxPixels, maxDimension) {
    this.stats.photos++;
    const grid = heic.HeicGrid.open(bytes, maxPixels, maxDimension);
    if (!grid) {
      this.stats.whole++;
      return heic.decode(bytes, maxPixels, maxDimension);
    }
    try {
      const { width, height, tiles } = grid;
      const picture = new Uint8Array(width * height * 3);
      const wanted = poolSize(this.#cores, tiles);
      const readying = this.#ready(wanted, heic);
      // Until the workers are ready (their first photo), tiles are decoded here, one per
      // task so that their ready messages get through.
      let next = 0;
      let settled = false;
      readying.then(() => { settled = true; }, () => { settled = true; });
      if (!this.#inPlaceOnly && !this.#entries.slice(0, wanted).every((e) => e.started)) {
        while (!settled && next < tiles) {
          placeBlock(picture, width, grid.decodeTile(next++));
          this.stats.tilesHere++;
          await nextTask();
        }
      }
      const workers = next < tiles ? await readying : [];
      if (workers.length === 0) {
        this.stats.inPlace++;
        this.stats.lastWorkers = 0;
        for (; next < tiles; next++) placeBlock(picture, width, grid.decodeTile(next));
      } else {
        this.stats.parallel++;
        this.stats.lastWorkers = await this.#parallel(workers, { grid, first: next, tiles, width, picture });
      }
      const image = { width, height, channels: 3, pixels: picture };
      const icc = grid.icc;
      if (icc) image.icc = icc;
      return image;
    } finally {
      grid.free();
    }
  }

  /** Up to `n` started workers (fewer where some could not start; none: decode here). */
  async #ready(n, heic) {
    if (this.#inPlaceOnly) return [];
    this.#fill(n);
    const entries = this.#entries.slice(0, n);
    const module = entries.some((e) => !e.armed) ? heic.compiledModule() : null;
    for (const entry of entries) entry.arm(module);
    const started = await Promise.all(entries.map((e) => e.ready));
    const failed = entries.filter((_, i) => !started[i]);
    if (failed.length > 0) {
      // A worker that cannot start here will not start next time either (CSP, engine).
      this.#inPlaceOnly = true;
      for (const entry of failed) if (this.#entries.includes(entry)) this.#end(entry);
    }
    return entries.filter((_, i) => started[i]);
  }

  /** Make workers until there are `n` (or one cannot be made). */
  #fill(n) {
    while (this.#entries.length < n) {
      const entry = this.#start();
      if (!entry) break;
      this.#entries.push(entry);
    }
  }

  #start() {
    let worker;
    try {
      worker = this.#makeWorker();
    } catch {
      // No Worker in this context (or forbidden): in place, from now on.
      this.#inPlaceOnly = true;
      return null;
    }
    this.stats.workersStarted++;
    const entry = { worker, onMessage: null, onFailure: null, wasmBytes: 0, ready: null, started: false, armed: false, arm: null };
    const made = performance.now();
    let settle;
    let timer;
    entry.ready = new Promise((resolve) => {
      settle = (ok) => {
        clearTimeout(timer);
        // From being made to ready (script, module, instance): the last worker's.
        if (ok && !entry.started) this.stats.startMs = Math.round(performance.now() - made);
        entry.started = ok;
        resolve(ok);
      };
    });
    // Given the module, and timed from then: the start limit is the worker's, not the
    // module download's.
    entry.arm = (module) => {
      if (entry.armed) return;
      entry.armed = true;
      timer = setTimeout(() => settle(false), this.#startMs);
      worker.postMessage({ module });
    };
    worker.addEventListener('message', ({ data }) => {
      if (data?.ready) settle(true);
      else if (data?.failed) settle(false);
      else entry.onMessage?.(data);
    });
    worker.addEventListener('error', (event) => {
      event.preventDefault?.();
      if (entry.onFailure) entry.onFailure(event.message || 'the tile worker failed');
      // Idle (prestarted, or between photos): replaced by the next photo. While being
      // started for a photo, that photo's #ready finds it failed: in place from then on.
      else if (this.#entries.includes(entry)) this.#end(entry);
      settle(false);
    });
    return entry;
  }

  #end(entry) {
    entry.worker.terminate();
    this.stats.workersEnded++;
    this.#entries = this.#entries.filter((e) => e !== entry);
  }

  /**
   * Hand out tiles `first`.. to `workers` one at a time; resolves with how many took part.
   * A worker gets the plan, then each tile's HEVC stream from `grid` as it is handed out
   * (read here, from the one copy of the photo): no worker holds the photo.
   */
  #parallel(workers, { grid, first, tiles, width, picture }) {
    const job = ++this.#job;
    return new Promise((resolve, reject) => {
      let next = first;
      let placed = first;
      let over = false;
      const used = new Set();
      const finish = (err) => {
        if (over) return;
        over = true;
        for (const entry of workers) {
          entry.onMessage = null;
          entry.onFailure = null;
          // Frees the photo in the worker's wasm (after any tile it is still decoding).
          if (this.#entries.includes(entry)) entry.worker.postMessage({ close: true });
        }
        if (err) reject(err);
        else resolve(used.size);
      };
      const feed = (entry) => {
        if (over || next >= tiles) return;
        const tile = next++;
        let input;
        try {
          // A tile whose data cannot be read (a damaged file): the photo's typed error.
          input = grid.tileInput(tile);
        } catch (err) {
          finish(err);
          return;
        }
        used.add(entry);
        entry.worker.postMessage({ job, tile, input }, input ? [input.bitstream.buffer] : []);
      };
      const broken = (entry, name, message) => {
        // Not the photo's answer: this worker's instance is not to be trusted again.
        this.#end(entry);
        finish(Object.assign(new Error(`A HEIC tile worker failed (${name}: ${message}).`), { name }));
      };
      for (const entry of workers) {
        entry.onMessage = (data) => {
          if (data.job !== job || over) return;
          if (data.wasmBytes) entry.wasmBytes = data.wasmBytes;
          if (data.error) {
            if (data.error.code === undefined) broken(entry, data.error.name, data.error.message);
            else finish(revive(data.error));
            return;
          }
          try {
            placeBlock(picture, width, data.block);
          } catch (err) {
            finish(err);
            return;
          }
          if (++placed === tiles) finish(null);
          else feed(entry);
        };
        entry.onFailure = (message) => broken(entry, 'Error', message);
        entry.worker.postMessage({ job, open: { plan: grid.plan } });
        feed(entry);
      }
    });
  }
}

/** Resolves in a later task (a MessageChannel message: setTimeout clamps nested waits to 4 ms). */
function nextTask() {
  if (typeof MessageChannel !== 'function') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/** A worker's flattened error as an Error with its own fields (`code`, `width`, ...). */
function revive({ message, ...fields }) {
  return Object.assign(new Error(message), fields);
}

function startTileWorker() {
  // This exact form lets webpack (and other bundlers) emit the worker as its own chunk.
  return new Worker(new URL('./heic-tile-worker.js', import.meta.url), { type: 'module' });
}

/** The pool of this JS context (the element's worker, or a page calling prepareMedia). */
export const tilePool = new TilePool();
