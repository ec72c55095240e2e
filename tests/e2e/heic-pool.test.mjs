// End-to-end: a 12 MP iPhone HEIC (48 grid tiles) through prepareMedia in headless Chromium,
// on a page that imports the package's modules as they are (www/lib, pkg/): the tiles are
// decoded by a pool of tile workers (www/lib/heic-pool.js) fed from one fetch and compile of
// the HEIC module, and the Media is the same, byte for byte, as the sequential in-place
// path's (a page with no Worker). The widget path (nested workers inside the element's
// worker, webpack-bundled) is tests/e2e/heic.test.mjs; pixels against libheif's heif-convert
// are tests/heic.rs and heif/src/scaled.rs (the same tile functions, natively).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, startListening, stopChild, watchPage } from '../support/browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const testdata = process.env.FHIR_TESTDATA ?? path.join(root, '..', 'shared', 'testdata');
const HEIC_FILE = path.join(testdata, 'photos', 'heic', 'iphone_13_pro_max.HEIC');

const PAGE = `<!doctype html><meta charset="utf-8"><title>heic pool</title><link rel="icon" href="data:,">
<script type="module">
// Count the tile workers made on this page (prepareMedia runs on its main thread here).
const Native = globalThis.Worker;
const made = [];
if (new URL(location.href).searchParams.has('noworker')) {
  delete globalThis.Worker; // an engine without (nested) workers: the in-place path
} else {
  globalThis.Worker = class extends Native {
    constructor(url, ...rest) { super(url, ...rest); made.push(String(url)); }
  };
}
const { prepareMedia } = await import('/www/lib/prepare.js');
const { tilePool } = await import('/www/lib/heic-pool.js');
const bytes = new Uint8Array(await (await fetch('/photo.heic')).arrayBuffer());
globalThis.heicPool = {
  async run(damage = 0) {
    // damage > 0: that share of the file, from its middle, overwritten (tile data, not the
    // container, which comes first and stays readable).
    const input = bytes.slice();
    input.fill(0xff, bytes.length >> 1, (bytes.length >> 1) + Math.floor(bytes.length * damage));
    let p;
    try {
      p = await prepareMedia(new Blob([input]), { subject: 'Patient/pool', maxDimension: 2048 });
    } catch (err) {
      return { error: { name: err.name, code: err.code }, stats: { ...tilePool.stats } };
    }
    return { width: p.width, height: p.height, format: p.source.format, data: p.resource.content.data,
      stats: { ...tilePool.stats }, made: made.filter((u) => u.includes('heic-tile-worker')).length,
      cores: navigator.hardwareConcurrency };
  },
};
globalThis.heicPoolReady = true;
</script>`;

let server;
let browser;

before(async () => {
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  assert.ok(fs.existsSync(HEIC_FILE), `${HEIC_FILE} missing (set FHIR_TESTDATA)`);
  assert.ok(fs.existsSync(path.join(root, 'pkg', 'fhir_media_heic_bg.wasm')), 'pkg/ has no HEIC module: bash scripts/build-wasm.sh');
  const dir = path.join(root, 'target', 'heic-pool-site');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(path.join(root, 'www'), path.join(dir, 'www'));
  fs.symlinkSync(path.join(root, 'pkg'), path.join(dir, 'pkg'));
  fs.symlinkSync(HEIC_FILE, path.join(dir, 'photo.heic'));
  fs.writeFileSync(path.join(dir, 'index.html'), PAGE);
  server = await startListening(process.execPath, [path.join(root, 'scripts/serve-static.mjs'), dir, '--port', '0'], { name: 'static server' });
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await stopChild(server?.child);
});

async function runOn(query, photos = 1, cuts = []) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const watch = watchPage(page);
    const wasmFetches = [];
    page.on('request', (r) => { if (r.url().includes('fhir_media_heic_bg')) wasmFetches.push(r.url()); });
    await page.goto(`${server.url}/index.html${query}`);
    await page.waitForFunction(() => globalThis.heicPoolReady === true, null, { timeout: 60_000 });
    const results = [];
    for (let i = 0; i < photos; i++) results.push(await page.evaluate((cut) => globalThis.heicPool.run(cut), cuts[i] ?? 0));
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings on the page');
    return { results, wasmFetches };
  } finally {
    await context.close();
  }
}

test('the tiles of a grid HEIC are decoded by several workers, from one fetch of the module, into the sequential path\'s Media', { timeout: 240_000 }, async () => {
  const parallel = await runOn('', 2);
  const [first, second] = parallel.results;
  assert.equal(first.format, 'heif');
  assert.deepEqual([first.width, first.height], [1512, 2016], 'portrait as libheif orients it, at 1/2 (the 2048 px bound)');
  assert.ok(first.cores >= 2, `this test needs 2 or more cores (navigator.hardwareConcurrency ${first.cores})`);
  const want = Math.min(first.cores, 2); // MAX_TILE_WORKERS
  assert.equal(first.stats.parallel, 1, `the pool decoded the photo: ${JSON.stringify(first.stats)}`);
  assert.equal(first.stats.lastWorkers, want, 'every tile worker of the pool took tiles');
  assert.equal(first.made, want, `min(cores, tiles, 2) = ${want} tile workers`);
  assert.equal(second.made, want, 'the pool is kept for the next photo');
  assert.equal(second.stats.parallel, 2);
  // The first photo's first tiles are decoded in place while the workers start (their
  // scripts were started while the module compiled); the second's all by the workers.
  assert.ok(first.stats.tilesHere >= 1 && first.stats.tilesHere < 48, `tiles decoded in place while the workers started: ${first.stats.tilesHere}`);
  assert.equal(second.stats.tilesHere, first.stats.tilesHere, 'none in place once the workers are ready');
  assert.equal(second.data, first.data, 'the same Media the second time');
  assert.equal(parallel.wasmFetches.length, 1, `the HEIC module is fetched once, not per worker: ${parallel.wasmFetches}`);

  const sequential = await runOn('?noworker');
  const [alone] = sequential.results;
  assert.equal(alone.stats.inPlace, 1, `no Worker: decoded in place: ${JSON.stringify(alone.stats)}`);
  assert.equal(alone.made, 0);
  assert.deepEqual([alone.width, alone.height], [first.width, first.height]);
  assert.ok(alone.data === first.data, 'the parallel and the sequential paths give the same JPEG, byte for byte');
});

test('a grid HEIC with damaged tiles fails in the tile workers with a typed error; the next photo decodes', { timeout: 240_000 }, async () => {
  const { results: [cut, next] } = await runOn('', 2, [0.2]);
  assert.equal(cut.error?.code, 'corrupt-image', `a typed error: ${JSON.stringify(cut)}`);
  assert.equal(cut.stats.parallel, 1, 'it was the tile workers that found it');
  assert.equal(next.format, 'heif');
  assert.equal(next.stats.workersEnded, 0, 'no worker was ended for a photo\'s own error');
});
