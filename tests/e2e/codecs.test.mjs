// End-to-end: the two wasm modules. The demo's <fhir-media-capture> prepares a JPEG in its
// worker and uploads it from the page with the main module alone, and fetches the codecs
// module (PNG, WebP, GIF, BMP) only when a photo needs it, once. What was downloaded is
// read from the endpoint's own request log, so a request from the worker counts like one
// from the page, and, per JS context, from the page's and the worker's resource timing.
// Fails when the codecs are back in the main module (never fetched), loaded eagerly
// (fetched for the JPEG) or not loadable (the PNG fails), and when a context fetches a
// wasm file other than the main module for a JPEG. Needs FHIR_ENDPOINT_BIN (scripts/test.sh sets it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, watchPage } from '../support/browser.mjs';
import { startEndpoint } from '../support/endpoint.mjs';
import { bmpOf } from '../support/peak-images.mjs'; // the browser has no BMP encoder

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist');
// A fetch the server answered, in full (200) or by revalidating the browser's copy (304): a
// second request for a module in the same context may be either, depending on the HTTP cache.
const CODECS = /^GET \/fhir_media_codecs_bg\.[^ ]*\.wasm (200|304) /;
const MAIN = /^GET \/fhir_media_capture_bg\.[^ ]*\.wasm (200|304) /;
const ANY_WASM = /^GET \/[^ ]*\.wasm /;

let server;
let baseUrl;
let browser;
const served = []; // the endpoint's request log lines: "GET /path 200 3ms"

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/index.html missing: run the webpack build first');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  assert.ok(process.env.FHIR_ENDPOINT_BIN, 'FHIR_ENDPOINT_BIN not set (scripts/test.sh sets it)');
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

/** A 1 × 1 white GIF89a, as the browser has no GIF encoder. */
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=', 'base64');

const count = (re) => served.filter((line) => re.test(line)).length;

/** The request log lags the browser by a little: wait until `re` was served `n` times. */
async function waitServed(re, n) {
  for (let i = 0; i < 100 && count(re) < n; i++) await new Promise((r) => setTimeout(r, 50));
  return count(re);
}

/** The demo with a fresh patient; `watch` collects uncaught errors and console errors and warnings. */
async function openDemo(context) {
  const page = await context.newPage();
  const watch = watchPage(page);
  await page.goto(`${baseUrl}/`);
  await page.fill('#patient', `Patient/${crypto.randomUUID().replaceAll('-', '')}`);
  await page.fill('#token', 'dev-token');
  await page.locator('#settings').dispatchEvent('change');
  const widget = page.locator('fhir-media-capture');
  await widget.getByText('No photos for this patient yet').waitFor();
  // What each prepared photo was and became, in order.
  await page.evaluate(() => {
    window.preparedLog = [];
    document.querySelector('fhir-media-capture').addEventListener('media-prepared', ({ detail: { prepared } }) =>
      window.preparedLog.push({ format: prepared.source.format, contentType: prepared.contentType,
        size: `${prepared.width}x${prepared.height}` }));
  });
  return { page, widget, watch };
}

/** 320 × 240 pictures from the page's own encoders, opaque unless `hole` (a transparent cut-out). */
function encodeInPage(page, specs) {
  return page.evaluate(async (list) => {
    const make = async ({ type, hole }) => {
      const canvas = new OffscreenCanvas(320, 240);
      const g = canvas.getContext('2d');
      const grad = g.createLinearGradient(0, 0, 320, 240);
      grad.addColorStop(0, '#c33');
      grad.addColorStop(1, '#36c');
      g.fillStyle = grad;
      g.fillRect(0, 0, 320, 240);
      if (hole) g.clearRect(100, 80, 120, 80);
      const blob = await canvas.convertToBlob({ type, quality: 0.9 });
      return { type: blob.type, bytes: [...new Uint8Array(await blob.arrayBuffer())] };
    };
    const out = [];
    for (const spec of list) out.push(await make(spec));
    return out;
  }, specs);
}

/** Choose `file` in the element; wait for its card (the n-th) to reach `state`. */
async function addFile(widget, n, { name, type, bytes }, state = 'ready') {
  await widget.locator('input[type=file][multiple]').setInputFiles([{ name, mimeType: type, buffer: Buffer.from(bytes) }]);
  const card = widget.locator('li.card[data-key]').nth(n);
  await card.locator(`xpath=self::*[@data-state="${state}"]`).waitFor({ timeout: 60_000 });
  return card;
}

test('a JPEG is prepared without the codecs module; PNG, WebP, GIF and BMP go through it, fetched once', { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  try {
    const { page, widget, watch } = await openDemo(context);
    // An opaque JPEG, a PNG with a transparent hole (so it stays PNG: the codecs' encoder
    // too), an opaque WebP; a GIF and a BMP made here.
    const [jpeg, png, webp] = await encodeInPage(page, [{ type: 'image/jpeg' }, { type: 'image/png', hole: true }, { type: 'image/webp' }]);
    assert.deepEqual([jpeg.type, png.type, webp.type], ['image/jpeg', 'image/png', 'image/webp'], "Chromium's encoders");
    const prepared = async (n, file) => {
      await addFile(widget, n, file);
      return page.evaluate((i) => window.preparedLog[i], n);
    };

    assert.deepEqual(await prepared(0, { name: 'camera.jpg', ...jpeg }), { format: 'jpeg', contentType: 'image/jpeg', size: '320x240' });
    assert.ok(await waitServed(MAIN, 1) >= 1, 'the main module was fetched (and the request log is read)');
    assert.equal(count(CODECS), 0, `a JPEG must not fetch the codecs module; served:\n${served.join('\n')}`);

    assert.deepEqual(await prepared(1, { name: 'cutout.png', ...png }), { format: 'png', contentType: 'image/png', size: '320x240' });
    assert.equal(await waitServed(CODECS, 1), 1, 'the PNG fetched the codecs module');

    assert.deepEqual(await prepared(2, { name: 'photo.webp', ...webp }), { format: 'webp', contentType: 'image/jpeg', size: '320x240' });
    assert.deepEqual(await prepared(3, { name: 'dot.gif', type: 'image/gif', bytes: GIF }), { format: 'gif', contentType: 'image/jpeg', size: '1x1' });
    assert.deepEqual(await prepared(4, { name: 'scan.bmp', type: 'image/bmp', bytes: bmpOf(320, 240) }), { format: 'bmp', contentType: 'image/jpeg', size: '320x240' });
    assert.equal(count(CODECS), 1, 'the codecs module is instantiated once and kept');
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings on the page');
  } finally {
    await context.close();
  }
});

test('a failed codecs download fails that photo only; the next one downloads it again', { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  let aborted = 0;
  await context.route(/\/fhir_media_codecs_bg\.[^/]*\.wasm$/, (route) => {
    if (aborted++ === 0) return route.abort('internetdisconnected');
    return route.continue();
  });
  try {
    const { page, widget, watch } = await openDemo(context);
    const [png] = await encodeInPage(page, [{ type: 'image/png', hole: true }]);
    const file = { name: 'cutout.png', ...png };
    await addFile(widget, 0, file, 'error');
    assert.equal(aborted, 1, 'the first codecs download was cut off');
    await addFile(widget, 1, file, 'ready');
    assert.equal(aborted, 2, 'the next photo downloaded the codecs module again');
    assert.deepEqual(await page.evaluate(() => window.preparedLog), [{ format: 'png', contentType: 'image/png', size: '320x240' }]);
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings on the page');
  } finally {
    await context.close();
  }
});

/** The wasm files (their names without the bundler's content hash) that a JS context fetched. */
function wasmFetched(target) {
  return target.evaluate(() => performance.getEntriesByType('resource')
    .map((e) => new URL(e.name).pathname.split('/').pop())
    .filter((name) => name.endsWith('.wasm'))
    .map((name) => name.replace(/\.[0-9a-f]+\.wasm$/, '.wasm'))
    .sort());
}

test('a JPEG from capture to upload: the worker and the page fetch the main module only', { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  try {
    await new Promise((r) => setTimeout(r, 250)); // the log catches up with the tests before
    const before = { main: count(MAIN), all: count(ANY_WASM) };
    const { page, widget, watch } = await openDemo(context);
    const workers = [];
    page.on('worker', (w) => workers.push(w));
    // The gallery's search ran on the main module; no photo yet, so no worker either.
    assert.deepEqual(await wasmFetched(page), ['fhir_media_capture_bg.wasm'], 'the page, before any photo');

    const [jpeg] = await encodeInPage(page, [{ type: 'image/jpeg' }]);
    const card = await addFile(widget, 0, { name: 'camera.jpg', ...jpeg });
    assert.deepEqual(await page.evaluate(() => window.preparedLog), [{ format: 'jpeg', contentType: 'image/jpeg', size: '320x240' }]);
    const created = page.evaluate(() => new Promise((resolve) =>
      document.querySelector('fhir-media-capture').addEventListener('media-created', (e) => resolve(e.detail), { once: true })));
    await card.getByRole('button', { name: 'Upload Photo 1' }).click();
    await card.locator('xpath=self::*[@data-state="done"]').waitFor({ timeout: 60_000 });
    const { id, resource } = await created;
    assert.match(id, /^[A-Za-z0-9.-]{1,64}$/);
    assert.equal(resource.content.contentType, 'image/jpeg');
    const res = await fetch(`${baseUrl}/Media/${id}`, { headers: { authorization: 'Bearer dev-token', accept: 'application/json' } });
    assert.equal(res.status, 200, 'the uploaded Media is on the endpoint');

    assert.equal(workers.length, 1, 'the photo was prepared in one worker');
    assert.deepEqual(await wasmFetched(workers[0]), ['fhir_media_capture_bg.wasm'], 'the worker fetched the main module only');
    assert.deepEqual(await wasmFetched(page), ['fhir_media_capture_bg.wasm'], 'the page fetched the main module only');
    // The same from the server's side: the main module (the worker's request may come from
    // the HTTP cache), nothing else.
    await waitServed(MAIN, before.main + 1);
    await new Promise((r) => setTimeout(r, 250));
    const main = count(MAIN) - before.main;
    assert.ok(main === 1 || main === 2, `the main module served ${main} times`);
    assert.equal(count(ANY_WASM) - before.all, main, `only the main module was served:\n${served.join('\n')}`);
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings on the page');
  } finally {
    await context.close();
  }
});

/**
 * A photo is coming (`announce`: the picker opens, a file is dragged over): the element's
 * worker must start and load the main module before `hand` gives it the photo, and then
 * prepare that photo without fetching anything more.
 */
async function warmsUpBeforeThePhoto(announce, hand) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  try {
    const { page, widget, watch } = await openDemo(context);
    const workers = [];
    page.on('worker', (w) => workers.push(w));
    const [jpeg] = await encodeInPage(page, [{ type: 'image/jpeg' }]);
    assert.equal(workers.length, 0, 'no worker before a photo is coming');
    const handle = await announce({ page, widget, jpeg });
    for (let i = 0; i < 100 && (workers.length === 0 || (await wasmFetched(workers[0])).length === 0); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(workers.length, 1, 'the worker started before the photo came');
    assert.deepEqual(await wasmFetched(workers[0]), ['fhir_media_capture_bg.wasm'], 'and loaded the main module');
    await hand({ widget, jpeg, handle });
    await widget.locator('li.card[data-key]').nth(0).locator('xpath=self::*[@data-state="ready"]').waitFor({ timeout: 60_000 });
    assert.equal(workers.length, 1, 'the warmed worker prepared the photo');
    assert.deepEqual(await wasmFetched(workers[0]), ['fhir_media_capture_bg.wasm'], 'without fetching anything more');
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings on the page');
  } finally {
    await context.close();
  }
}

/** A drag event carrying `jpeg` as a file, on the widget's drop zone. */
function drag(widget, kind, jpeg) {
  return widget.evaluate((el, [type, bytes]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'dragged.jpg', { type: 'image/jpeg' }));
    el.shadowRoot.querySelector('.dropzone').dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [kind, jpeg.bytes]);
}

test('opening the file picker starts the worker and its wasm before a photo is chosen; that worker prepares it', { timeout: 120_000 }, () =>
  warmsUpBeforeThePhoto(
    async ({ page, widget }) => {
      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser'),
        widget.getByRole('button', { name: 'Choose photos' }).click(),
      ]);
      return chooser;
    },
    ({ jpeg, handle: chooser }) => chooser.setFiles([{ name: 'picked.jpg', mimeType: jpeg.type, buffer: Buffer.from(jpeg.bytes) }]),
  ));

test('a file dragged over the drop zone starts the worker and its wasm before it is dropped; that worker prepares it', { timeout: 120_000 }, () =>
  warmsUpBeforeThePhoto(
    // The drag carries the file; the drop comes later (the user is still aiming).
    ({ widget, jpeg }) => drag(widget, 'dragover', jpeg),
    async ({ widget, jpeg }) => {
      await drag(widget, 'dragover', jpeg);
      await drag(widget, 'drop', jpeg);
    },
  ));

/** Every file a module reaches through static `import … from '…'` (relative specifiers). */
function importGraph(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = fs.readFileSync(file, 'utf8');
  for (const [, spec] of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
    importGraph(path.resolve(path.dirname(file), spec), seen);
  }
  return seen;
}

test('the worker imports the main, codecs and HEIC glue only; the package entry reaches all three', () => {
  const rel = (set) => [...set].map((f) => path.relative(root, f)).sort();
  const glue = (set) => rel(set).filter((f) => f.startsWith('pkg/'));
  const all = ['pkg/fhir_media_capture.js', 'pkg/fhir_media_codecs.js', 'pkg/fhir_media_heic.js'];
  assert.deepEqual(glue(importGraph(path.join(root, 'www/lib/worker.js'))), all);
  assert.deepEqual(glue(importGraph(path.join(root, 'www/lib/index.js'))), all);
});
