// End-to-end: the element against a FHIR server on another origin that lets the page read
// fewer response headers than ours does (Access-Control-Expose-Headers), as many real
// servers do. The demo page comes from one endpoint, the API is a second one started with
// `--allow-origin` (the page's origin) and `--expose-headers`. Every flow must end with 0 console errors and warnings: reading a
// header the server did not expose must not log "Refused to get unsafe header", and a
// create whose Location cannot be read still ends with its Media id, found through the
// identifier search. Needs FHIR_ENDPOINT_BIN (scripts/test.sh sets it).
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
const TOKEN = 'dev-token';
const QUEUE_OPTIONS = { baseDelayMs: 100, maxDelayMs: 1500, reconcileDelayMs: 300 };

const skipAll = !process.env.FHIR_ENDPOINT_BIN && 'FHIR_ENDPOINT_BIN not set (scripts/test.sh sets it)';
let site;
let browser;
const apis = [];

before(async () => {
  if (skipAll) return;
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/index.html missing: run the webpack build first');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  site = await startEndpoint(['--static-dir', dist], { name: 'site' });
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  for (const s of [site, ...apis]) await s?.stop();
});

/** The FHIR API on another origin than the page, which it lets call it (`--allow-origin`). */
async function api(name, extra) {
  const started = await startEndpoint(['--dev', '--allow-origin', site.url, ...extra], { name });
  apis.push(started);
  return started;
}

async function stored(api, patient) {
  const res = await fetch(`${api.url}/Media?patient=${encodeURIComponent(patient)}&_count=100`, {
    headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' },
  });
  assert.equal(res.status, 200);
  return ((await res.json()).entry ?? []).map((e) => e.resource);
}

/** The demo from `site`, its element pointed at `api` (another origin), with a fresh patient. */
async function openWidget(t, api) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const watch = watchPage(page);
  t.after(async () => {
    await context.close();
    assert.deepEqual(watch.problems(), [], 'console errors or warnings, or uncaught errors');
  });
  await page.goto(`${site.url}/`);
  const patient = `Patient/${crypto.randomUUID().replaceAll('-', '')}`;
  await page.fill('#base-url', api.url);
  await page.fill('#patient', patient);
  await page.locator('#settings').dispatchEvent('change');
  const widget = page.locator('fhir-media-capture');
  await widget.getByText('No photos for this patient yet').waitFor();
  await widget.evaluate((el, options) => { el.queueOptions = options; }, QUEUE_OPTIONS);
  return { page, patient, widget, watch };
}

/** One small JPEG made in the page, prepared by the element; resolves with its media-created detail. */
async function uploadOne(widget) {
  return widget.evaluate(async (el) => {
    const canvas = new OffscreenCanvas(320, 240);
    const g = canvas.getContext('2d');
    g.fillStyle = '#3a7'; g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#c33'; g.fillRect(40, 30, 120, 90);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    const created = new Promise((resolve, reject) => {
      el.addEventListener('media-created', (e) => resolve({ id: e.detail.id, reconciled: e.detail.reconciled }), { once: true });
      setTimeout(() => reject(new Error('no media-created in 30 s')), 30_000);
    });
    await new Promise((resolve) => {
      el.addEventListener('media-prepared', resolve, { once: true });
      el.addFiles([new File([blob], 'photo.jpg', { type: 'image/jpeg' })]);
    });
    el.uploadAll();
    return created;
  });
}

test('a server that exposes no headers: the Media id comes from the identifier search, with no console noise', async (t) => {
  if (skipAll) return t.skip(skipAll);
  const none = await api('api-none', ['--expose-headers', '']);
  const { patient, widget } = await openWidget(t, none);
  const created = await uploadOne(widget);
  const media = await stored(none, patient);
  assert.equal(media.length, 1, 'stored once');
  assert.equal(created.id, media[0].id, 'the element reports the id the server gave');
  assert.equal(created.reconciled, true, 'found by the search, as the Location could not be read');
  // exact: the polite live region also says "Photo 1 uploaded as Media …" for a moment.
  await widget.getByText(`Uploaded as Media ${created.id}`, { exact: true }).waitFor();
});

test('a server that exposes Location only: the create answers directly; a 503 whose Retry-After is hidden is retried', async (t) => {
  if (skipAll) return t.skip(skipAll);
  const location = await api('api-location', ['--expose-headers', 'Location']);
  const { patient, widget, watch } = await openWidget(t, location);
  await location.admin('POST', '/_admin/faults', { failNext: { count: 1, status: 503, retryAfter: 1 } });
  watch.allow(503); // Chromium's own line for the provoked 503
  const created = await uploadOne(widget);
  const media = await stored(location, patient);
  assert.equal(media.length, 1, 'stored once');
  assert.equal(created.id, media[0].id);
  assert.equal(created.reconciled, false, 'the Location header was read');
});
