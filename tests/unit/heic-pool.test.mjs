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
function standInGrid({ failTile = -1, failWith = null, slowMs = 0, failInput = -1 } = {}) {
  return {
    width: 6, height: 12, tiles: TILES, icc: new Uint8Array([1, 2]), freed: false,
    plan: new Uint32Array([TILES, COLUMNS]),
    // What a worker is sent per tile (the real one: that tile's HEVC stream).
    tileInput(i) {
      if (i === failInput) throw failWith;
      return { bitstream: new Uint8Array([i, 1, 2, 3]) };
    },
    decodeTile(i) {
      // A tile takes time, as a real one does (~10-40 ms): the stand-in workers start in 1 ms.
      for (const end = Date.now() + slowMs; Date.now() < end;);
      if (i === failTile) throw failWith;
      const pixels = new Uint8Array(3 * 4 * 3);
      for (let k = 0; k < pixels.length; k++) pixels[k] = i * 40 + (k % 37);
      return { x: (i / COLUMNS | 0) * 3, y: (i % COLUMNS) * 4, width: 3, height: 4, pixels };
    },
    free() { this.freed = true; },
  };
}

function standInHeic(gridOptions = { slowMs: 5 }) {
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
    messages = [];
    constructor() { made.push(this); }
    addEventListener(type, fn) { this.#listeners[type].push(fn); }
    #emit(type, event) { setTimeout(() => { if (!this.terminated) for (const fn of this.#listeners[type]) fn(event); }, 1); }
    postMessage(data) {
      this.messages.push(data);
      const how = behave(this, data);
      if (how === 'silent') return;
      if (data.module) { this.#emit('message', { data: { ready: true } }); return; }
      if (data.open) {
        assert.deepEqual([...data.open.plan], [TILES, COLUMNS], 'the plan, not the photo');
        this.#grid = standInGrid(gridOptions);
        return;
      }
      if (data.close) return;
      assert.deepEqual([...data.input.bitstream], [data.tile, 1, 2, 3], 'each tile comes with its own input');
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
    failScript() { this.#emit('error', { message: 'Failed to fetch the worker script', preventDefault() {} }); }
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
  // The first tiles were decoded here while the workers started (in 1 ms: one or two).
  const here = pool.stats.tilesHere;
  assert.ok(here >= 1 && here <= 2, `tiles decoded here while the workers started: ${here}`);
  assert.deepEqual(made.flatMap((w) => w.tiles).sort(), [0, 1, 2, 3, 4, 5].slice(here), 'each tile once, the rest by the workers');
  assert.deepEqual({ w: image.width, h: image.height, c: image.channels }, { w: 6, h: 12, c: 3 });
  assert.deepEqual(image.pixels, await inPlacePicture(), 'same pixels as the sequential path');
  assert.deepEqual([...image.icc], [1, 2]);
  assert.equal(heic.opened[0].freed, true, 'the plan is freed');
  assert.equal(pool.stats.lastWorkers, 2);
  // Kept for the next photo, which they decode whole (they are ready: none decoded here).
  const again = await pool.decode(heic, new Uint8Array(8), 1e6, 2048);
  assert.equal(made.length, 2, 'no new worker for the second photo');
  assert.equal(pool.stats.parallel, 2);
  assert.equal(pool.stats.tilesHere, here, 'no tile decoded here once the workers are ready');
  assert.deepEqual(again.pixels, image.pixels);
});

test('prestart: the workers are made before the module exists, and given it (timed from then) by the first photo', async () => {
  const { made, makeWorker } = standInWorkers();
  const pool = new TilePool({ makeWorker, cores: 4, startMs: 20 });
  pool.prestart();
  assert.equal(made.length, MAX_TILE_WORKERS, 'min(cores, MAX_TILE_WORKERS) workers');
  // Offline, say: the module takes longer than the start limit, or never comes. The workers
  // have been given nothing, so nothing times out and nothing is given up.
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.ok(made.every((w) => w.messages.length === 0 && !w.terminated), 'waiting, not failed');
  pool.prestart();
  assert.equal(made.length, MAX_TILE_WORKERS, 'a second prestart makes none');
  const image = await pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048);
  assert.deepEqual(image.pixels, await inPlacePicture());
  assert.equal(made.length, MAX_TILE_WORKERS, 'the prestarted workers were used');
  assert.ok(made.every((w) => w.messages[0]?.module), 'each given the module first');
  assert.equal(pool.stats.parallel, 1);
});

test('a prestarted worker whose script fails (offline) is replaced by the next photo, not given up for good', async () => {
  const { made, makeWorker } = standInWorkers();
  const pool = new TilePool({ makeWorker, cores: 2 });
  pool.prestart();
  // The script could not be fetched: the worker reports an error event before it is given anything.
  for (const w of made) w.failScript();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(made.every((w) => w.terminated), 'ended');
  await pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048);
  assert.equal(pool.stats.parallel, 1, `online again: the pool decodes (${JSON.stringify(pool.stats)})`);
  assert.equal(made.length, 4, 'two new workers');
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
  await new Promise((resolve) => setTimeout(resolve, 60)); // past startMs
  assert.ok(never.made.every((w) => w.terminated), 'workers that did not start are ended');
  await pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048);
  assert.equal(never.made.length, 2, 'and not tried again');
});

test('a tile whose input cannot be read here fails the photo with its typed error; the workers go on', async () => {
  const corrupt = Object.assign(new Error('HEIF container: unexpected end of data'), { code: 'corrupt-image' });
  const gridOptions = { slowMs: 5, failInput: 4, failWith: corrupt };
  const { made, makeWorker } = standInWorkers({ gridOptions });
  const pool = new TilePool({ makeWorker, cores: 2 });
  const heic = standInHeic(gridOptions);
  await assert.rejects(pool.decode(heic, new Uint8Array(8), 1e6, 2048), (e) => e.code === 'corrupt-image');
  assert.ok(made.every((w) => !w.terminated && !w.tiles.includes(4)), 'tile 4 was never sent');
  assert.equal(heic.opened[0].freed, true, 'the plan is freed');
  const image = await pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048);
  assert.deepEqual(image.pixels, await inPlacePicture(), 'the next photo decodes');
});

test('a typed error from a tile fails the photo with its code; the workers go on', async () => {
  const corrupt = Object.assign(new Error('HEIF: bad slice'), { code: 'corrupt-image' });
  const { made, makeWorker } = standInWorkers({ gridOptions: { failTile: 5, failWith: corrupt } });
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
        if (armed && data.tile === 5) { armed = false; return how; }
        return 'ok';
      },
    });
    const pool = new TilePool({ makeWorker, cores: 2 });
    await assert.rejects(pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048),
      (e) => e.code === undefined && (how === 'uncaught' || e.name === 'RuntimeError'));
    const failed = made.filter((w) => w.terminated);
    assert.equal(failed.length, 1, 'the failed worker is ended');
    assert.ok(failed[0].tiles.includes(5));
    // The next photo (with no failing tile) works, on a replacement.
    const ok = new TilePool({ makeWorker: standInWorkers().makeWorker, cores: 2 });
    const want = (await ok.decode(standInHeic(), new Uint8Array(8), 1e6, 2048)).pixels;
    const image = await pool.decode(standInHeic(), new Uint8Array(8), 1e6, 2048);
    assert.deepEqual(image.pixels, want);
    assert.equal(made.length, 3, 'one new worker in place of the failed one');
    assert.equal(made.filter((w) => !w.terminated).length, 2);
  });
}
