// End-to-end: HEIC/HEIF photos in the demo's <fhir-media-capture> (issue 13). A HEIC added
// to the widget is decoded by the lazily loaded HEIC module (Chromium has no HEIC decoder
// of its own, so tier 1 declines and tier 2 runs), uploaded as a JPEG Media, and the POSTed
// resource goes to the FHIR validator (target/fhir-out-e2e). A JPEG and a PNG never request
// the HEIC module: counted in the endpoint's own request log, which sees the worker's
// fetches too. Needs FHIR_ENDPOINT_BIN (scripts/test.sh sets it) and the shared testdata.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, watchPage } from '../support/browser.mjs';
import { startEndpoint } from '../support/endpoint.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist');
const testdata = process.env.FHIR_TESTDATA ?? path.join(root, '..', 'shared', 'testdata');
const HEIC_FILE = path.join(testdata, 'photos', 'heic', 'iphone_IMG_5195.HEIC');
// 3024 × 4032 in 48 grid tiles: bound for 2048 px, decoded at 1/2 by the tile workers.
const GRID_FILE = path.join(testdata, 'photos', 'heic', 'iphone_13_pro_max.HEIC');
const HEIC = /^GET \/fhir_media_heic_bg\.[^ ]*\.wasm (200|304) /;
const MAIN = /^GET \/fhir_media_capture_bg\.[^ ]*\.wasm (200|304) /;

let server;
let baseUrl;
let browser;
const served = [];

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/index.html missing: run the webpack build first');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  assert.ok(process.env.FHIR_ENDPOINT_BIN, 'FHIR_ENDPOINT_BIN not set (scripts/test.sh sets it)');
  assert.ok(fs.existsSync(HEIC_FILE), `${HEIC_FILE} missing (set FHIR_TESTDATA)`);
  server = await startEndpoint(['--static-dir', dist, '--dev']);
  baseUrl = server.url;
  let partial = '';
  server.child.stderr.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    served.push(...lines);
  });
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const count = (re) => served.filter((line) => re.test(line)).length;

async function waitServed(re, n) {
  for (let i = 0; i < 100 && count(re) < n; i++) await new Promise((r) => setTimeout(r, 50));
  return count(re);
}

async function openDemo(context) {
  const page = await context.newPage();
  const watch = watchPage(page);
  await page.goto(`${baseUrl}/`);
  await page.fill('#patient', `Patient/${crypto.randomUUID().replaceAll('-', '')}`);
  await page.fill('#token', 'dev-token');
  await page.locator('#settings').dispatchEvent('change');
  const widget = page.locator('fhir-media-capture');
  await widget.getByText('No photos for this patient yet').waitFor();
  await page.evaluate(() => {
    window.preparedLog = [];
    document.querySelector('fhir-media-capture').addEventListener('media-prepared', ({ detail: { prepared } }) =>
      window.preparedLog.push({ format: prepared.source.format, contentType: prepared.contentType,
        width: prepared.width, height: prepared.height }));
  });
  return { page, widget, watch };
}

async function addFile(widget, n, { name, type, bytes }, state = 'ready') {
  await widget.locator('input[type=file][multiple]').setInputFiles([{ name, mimeType: type, buffer: Buffer.from(bytes) }]);
  const card = widget.locator('li.card[data-key]').nth(n);
  await card.locator(`xpath=self::*[@data-state="${state}"]`).waitFor({ timeout: 90_000 });
  return card;
}

function encodeInPage(page, types) {
  return page.evaluate(async (list) => {
    const out = [];
    for (const type of list) {
      const canvas = new OffscreenCanvas(320, 240);
      const g = canvas.getContext('2d');
      g.fillStyle = '#3a6';
      g.fillRect(0, 0, 320, 240);
      g.clearRect(10, 10, 20, 20); // a hole: the PNG stays a PNG
      const blob = await canvas.convertToBlob({ type, quality: 0.9 });
      out.push({ type: blob.type, bytes: [...new Uint8Array(await blob.arrayBuffer())] });
    }
    return out;
  }, types);
}

test('a JPEG and a PNG never request the HEIC module; a HEIC does, once, and uploads as a JPEG Media', { timeout: 240_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  try {
    const { page, widget, watch } = await openDemo(context);
    const [jpeg, png] = await encodeInPage(page, ['image/jpeg', 'image/png']);
    await addFile(widget, 0, { name: 'camera.jpg', ...jpeg });
    await addFile(widget, 1, { name: 'cutout.png', ...png });
    assert.ok(await waitServed(MAIN, 1) >= 1, 'the main module was fetched (and the request log is read)');
    assert.equal(count(HEIC), 0, `a JPEG or PNG must not fetch the HEIC module; served:\n${served.join('\n')}`);

    // An iPhone photo named and typed as iOS hands it over.
    const heic = { name: 'IMG_5195.HEIC', type: 'image/heic', bytes: fs.readFileSync(HEIC_FILE) };
    const card = await addFile(widget, 2, heic);
    assert.equal(await waitServed(HEIC, 1), 1, 'the HEIC fetched the HEIC module');
    const prepared = await page.evaluate(() => window.preparedLog[2]);
    assert.equal(prepared.format, 'heif');
    assert.equal(prepared.contentType, 'image/jpeg');
    // libheif's decode is 2566 × 3313 (portrait); the widget's default fits it in 2048.
    assert.ok(prepared.height > prepared.width, `portrait, as libheif orients it: ${prepared.width}x${prepared.height}`);
    assert.equal(Math.max(prepared.width, prepared.height), 2048);

    const created = page.evaluate(() => new Promise((resolve) =>
      document.querySelector('fhir-media-capture').addEventListener('media-created', (e) => resolve(e.detail), { once: true })));
    await card.getByRole('button', { name: 'Upload Photo 3' }).click();
    await card.locator('xpath=self::*[@data-state="done"]').waitFor({ timeout: 60_000 });
    const { resource } = await created;
    assert.equal(resource.resourceType, 'Media');
    assert.equal(resource.content.contentType, 'image/jpeg');
    assert.equal(Buffer.from(resource.content.data, 'base64').subarray(0, 2).toString('hex'), 'ffd8');
    const fhirOut = path.join(root, 'target', 'fhir-out-e2e');
    fs.mkdirSync(fhirOut, { recursive: true });
    fs.writeFileSync(path.join(fhirOut, 'widget-heic-upload.json'), JSON.stringify(resource));

    // A second HEIC reuses the module.
    await addFile(widget, 3, heic);
    assert.equal(count(HEIC), 1, 'the HEIC module is instantiated once and kept');

    // The HEIC tile workers, nested in the element's worker (webpack's chunk for
    // www/lib/heic-tile-worker.js), were started with the first HEIC, while the module was
    // fetched (that photo, wide-gamut, is decoded whole); a grid photo's tiles go to them,
    // and they get the compiled module rather than fetching it.
    const tileChunk = fs.readdirSync(dist).find((f) => f.endsWith('.js') &&
      fs.readFileSync(path.join(dist, f), 'utf8').includes('no tiles to decode'));
    assert.ok(tileChunk, 'webpack emitted the tile worker as a chunk of its own');
    const TILE_WORKER = new RegExp(`^GET /${tileChunk.replaceAll('.', '\\.')} (200|304) `);
    assert.ok(await waitServed(TILE_WORKER, 1) >= 1, `the tile workers were started with the first HEIC; served:\n${served.join('\n')}`);
    await addFile(widget, 4, { name: 'IMG_0001.HEIC', type: 'image/heic', bytes: fs.readFileSync(GRID_FILE) });
    assert.ok(count(TILE_WORKER) <= 2, `at most one fetch per tile worker (MAX_TILE_WORKERS 2), none made for the grid photo: ${count(TILE_WORKER)}`);
    const grid = await page.evaluate(() => window.preparedLog[4]);
    assert.deepEqual([grid.format, grid.width, grid.height], ['heif', 1512, 2016], 'portrait, at 1/2');
    assert.equal(count(HEIC), 1, 'the tile workers did not fetch the HEIC module');
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings on the page');
  } finally {
    await context.close();
  }
});

test('a damaged HEIC fails that photo with a typed error, and the widget goes on', { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  try {
    const { page, widget } = await openDemo(context);
    const bytes = fs.readFileSync(HEIC_FILE);
    await addFile(widget, 0, { name: 'cut.HEIC', type: 'image/heic', bytes: bytes.subarray(0, bytes.length >> 1) }, 'error');
    const [jpeg] = await encodeInPage(page, ['image/jpeg']);
    await addFile(widget, 1, { name: 'next.jpg', ...jpeg });
  } finally {
    await context.close();
  }
});

test("Chromium's ImageDecoder says it has no HEIC or HEIF decoder, where the HEIC tiers skip the browser's tier without reading the photo", { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    const types = ['image/heic', 'image/heif', 'image/jpeg'];
    const answers = await page.evaluate((list) => Promise.all(list.map((t) => ImageDecoder.isTypeSupported(t))), types);
    assert.deepEqual(answers, [false, false, true], 'HEIC, HEIF no; JPEG yes (the question is understood)');
  } finally {
    await context.close();
  }
});
