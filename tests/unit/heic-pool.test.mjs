// The HEIC tile pool (www/lib/heic-pool.js) with a stand-in HEIC module and stand-in
// workers that play the tile worker's protocol (heic-tile-worker.js) over the same stand-in
// grid: scheduling, assembly, the in-place fallback, typed errors and traps. The real
// module and workers run in tests/e2e/heic-pool.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TilePool, placeBlock, poolSize, MAX_TILE_WORKERS } from '../../www/lib/heic-pool.js';

// A 3 × 2 grid of 4 × 3 px tiles turned a quarter (as irot 1): blocks 3 × 4, picture 6 × 12.
const COLUMNS = 3;
const TILES = 6;
function standInGrid({ failTile = -1, failWith = null } = {}) {
  return {
    width: 6, height: 12, tiles: TILES, icc: new Uint8Array([1, 2]), freed: false,
    decodeTile(i) {
      if (i === failTile) throw failWith;
      const pixels = new Uint8Array(3 * 4 * 3);
      for (let k = 0; k < pixels.length; k++) pixels[k] = i * 40 + (k % 37);
      return { x: (i / COLUMNS | 0) * 3, y: (i % COLUMNS) * 4, width: 3, height: 4, pixels };
    },
    free() { this.freed = true; },
  };
}

function standInHeic(gridOptions) {
  const heic = {
    opened: [], decodes: 0,
    HeicGrid: { open: () => { const g = standInGrid(gridOptions); heic.opened.push(g); return g; } },
    decode: () => { heic.decodes++; return { width: 1, height: 1, channels: 3, pixels: new Uint8Array(3) }; },
    compiledModule: () => ({ stand: 'in' }),
  };
  return heic;
}

/** Workers answering like heic-tile-worker.js; `behave` decides per message. */
function standInWorkers({ behave = () => 'ok', gridOptions } = {}) {
  const made = [];
  class StandInWorker {
    terminated = false;
    tiles = [];
    #listeners = { message: [], error: [] };
    #grid = null;
    constructor() { made.push(this); }
    addEventListener(type, fn) { this.#listeners[type].push(fn); }
    #emit(type, event) { setTimeout(() => { if (!this.terminated) for (const fn of this.#listeners[type]) fn(event); }, 1); }
    postMessage(data) {
      const how = behave(this, data);
      if (how === 'silent') return;
      if (data.module) { this.#emit('message', { data: { ready: true } }); return; }
      if (data.open) { this.#grid = standInGrid(gridOptions); return; }
      if (data.close) return;
      this.tiles.push(data.tile);
      if (how === 'uncaught') { this.#emit('error', { message: 'Uncaught RuntimeError: unreachable', preventDefault() {} }); return; }
      if (how === 'trap') { this.#emit('message', { data: { job: data.job, error: { name: 'RuntimeError', message: 'unreachable' } } }); return; }
      try {
        const block = this.#grid.decodeTile(data.tile);
        this.#emit('message', { data: { job: data.job, block, wasmBytes: 1 << 20 } });
      } catch (err) {
        this.#emit('message', { data: { job: data.job, error: { name: err.name, code: err.code, message: err.message } } });
      }
    }
    terminate() { this.terminated = true; }
  }
  return { made, makeWorker: () => new StandInWorker() };
}

async function inPlacePicture() {
  const pool = new TilePool({ makeWorker: () => { throw new Error('no Worker here'); }, cores: 2 });
  return (await pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048)).pixels;
}

test('poolSize: min(cores, tiles, MAX_TILE_WORKERS), at least 1', () => {
  assert.equal(MAX_TILE_WORKERS, 2, 'the memory bound (1.5x a JPEG) allows two tile workers');
  assert.equal(poolSize(2, 48), 2);
  assert.equal(poolSize(16, 48), MAX_TILE_WORKERS);
  assert.equal(poolSize(8, 1), 1);
  assert.equal(poolSize(undefined, 48), 1);
  assert.equal(poolSize(0, 48), 1);
});

test('placeBlock copies rows to (x, y) and refuses a block outside the picture', () => {
  const picture = new Uint8Array(4 * 3 * 3);
  placeBlock(picture, 4, { x: 1, y: 1, width: 2, height: 2, pixels: Uint8Array.from({ length: 12 }, (_, i) => i + 1) });
  assert.deepEqual([...picture.subarray(12, 24)], [0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0]);
  assert.deepEqual([...picture.subarray(24, 36)], [0, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0, 0]);
  assert.throws(() => placeBlock(picture, 4, { x: 3, y: 0, width: 2, height: 1, pixels: new Uint8Array(6) }));
  assert.throws(() => placeBlock(picture, 4, { x: 0, y: 2, width: 1, height: 2, pixels: new Uint8Array(6) }));
});

test('a grid is decoded by the pool, every worker taking tiles, into the in-place picture', async () => {
  const { made, makeWorker } = standInWorkers();
  const pool = new TilePool({ makeWorker, cores: 2 });
  const heic = standInHeic();
  const image = await pool.decode(heic, new Uint8Array(8), 1e6, 2048);
  assert.equal(made.length, 2);
  assert.ok(made.every((w) => w.tiles.length > 0), 'both workers decoded tiles');
  assert.deepEqual(made.flatMap((w) => w.tiles).sort(), [0, 1, 2, 3, 4, 5], 'each tile once');
  assert.deepEqual({ w: image.width, h: image.height, c: image.channels }, { w: 6, h: 12, c: 3 });
  assert.deepEqual(image.pixels, await inPlacePicture(), 'same pixels as the sequential path');
  assert.deepEqual([...image.icc], [1, 2]);
  assert.equal(heic.opened[0].freed, true, 'the plan is freed');
  assert.equal(pool.stats.lastWorkers, 2);
  // Kept for the next photo.
  await pool.decode(heic, new Uint8Array(8), 1e6, 2048);
  assert.equal(made.length, 2, 'no new worker for the second photo');
  assert.equal(pool.stats.parallel, 2);
});

test('not a grid (no plan): the module decodes the photo whole, here', async () => {
  const { made, makeWorker } = standInWorkers();
  const pool = new TilePool({ makeWorker, cores: 2 });
  const heic = { ...standInHeic(), decodes: 0 };
  heic.HeicGrid = { open: () => undefined };
  heic.decode = () => { heic.decodes++; return { width: 1 }; };
  assert.deepEqual(await pool.decode(heic, new Uint8Array(8), 1e6, 0), { width: 1 });
  assert.equal(heic.decodes, 1);
  assert.equal(made.length, 0);
});

test('no Worker (the constructor throws) or one that never starts: in place, the same picture', async () => {
  const want = await inPlacePicture();
  const never = standInWorkers({ behave: (w, data) => (data.module ? 'silent' : 'ok') });
  const pool = new TilePool({ makeWorker: never.makeWorker, cores: 2, startMs: 20 });
  const image = await pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048);
  assert.deepEqual(image.pixels, want);
  assert.equal(pool.stats.inPlace, 1);
  assert.ok(never.made.every((w) => w.terminated), 'workers that did not start are ended');
  await pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048);
  assert.equal(never.made.length, 2, 'and not tried again');
});

test('a typed error from a tile fails the photo with its code; the workers go on', async () => {
  const corrupt = Object.assign(new Error('HEIF: bad slice'), { code: 'corrupt-image' });
  const { made, makeWorker } = standInWorkers({ gridOptions: { failTile: 3, failWith: corrupt } });
  const pool = new TilePool({ makeWorker, cores: 2 });
  await assert.rejects(pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048),
    (e) => e.code === 'corrupt-image' && e.message === 'HEIF: bad slice');
  assert.ok(made.every((w) => !w.terminated));
});

for (const how of ['trap', 'uncaught']) {
  test(`${how === 'trap' ? 'a trap' : 'an uncaught error'} in a tile worker fails the photo as the worker's (no code); that worker is replaced`, async () => {
    let armed = true;
    const { made, makeWorker } = standInWorkers({
      behave: (w, data) => {
        if (armed && data.tile === 2) { armed = false; return how; }
        return 'ok';
      },
    });
    const pool = new TilePool({ makeWorker, cores: 2 });
    await assert.rejects(pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048),
      (e) => e.code === undefined && (how === 'uncaught' || e.name === 'RuntimeError'));
    const failed = made.filter((w) => w.terminated);
    assert.equal(failed.length, 1, 'the failed worker is ended');
    assert.ok(failed[0].tiles.includes(2));
    // The next photo (with no failing tile) works, on a replacement.
    const ok = new TilePool({ makeWorker: standInWorkers().makeWorker, cores: 2 });
    const want = (await ok.decode(standInHeic(), new Uint8Array(8), 1e6, 2048)).pixels;
    const image = await pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048);
    assert.deepEqual(image.pixels, want);
    assert.equal(made.length, 3, 'one new worker in place of the failed one');
    assert.equal(made.filter((w) => !w.terminated).length, 2);
  });
}
