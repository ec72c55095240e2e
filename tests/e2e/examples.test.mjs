// End-to-end: the framework examples in www/examples, each built with Vite from its own
// vite.config.js (the package name resolved to this working tree, as `npm install`
// would resolve it to the package), served by the local endpoint and driven in headless
// Chromium: React 19 and Vue 3 pass the element its attributes from props and its token
// as a property, and show the ids from its media-created event and the message of its
// media-error event. Needs FHIR_ENDPOINT_BIN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, watchPage } from '../support/browser.mjs';
import { startEndpoint } from '../support/endpoint.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.join(root, 'www/examples');
const TOKEN = 'dev-token';
const ENCOUNTER = 'Encounter/eae3c8a5-a129-4960-9715-fc26da30eccc';

const skipAll = !process.env.FHIR_ENDPOINT_BIN && 'FHIR_ENDPOINT_BIN not set (scripts/test.sh sets it)';
let tmp;
let sites;
let server;
let browser;

before(async () => {
  if (skipAll) return;
  assert.ok(fs.existsSync(path.join(root, 'pkg/fhir_media_capture_bg.wasm')), 'pkg/ missing: run scripts/build-wasm.sh first');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fmc-examples-'));
  sites = path.join(tmp, 'sites');
  fs.mkdirSync(sites);
  server = await startEndpoint(['--dev', '--static-dir', sites]);
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** `fhir-media-capture` and its subpaths, as package.json's exports map them, in this tree. */
function packageAliases() {
  const { name, exports } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return Object.entries(exports)
    .filter(([, target]) => typeof target === 'object')
    .map(([subpath, target]) => ({
      find: new RegExp(`^${name}${subpath.slice(1).replaceAll('/', '\\/')}$`),
      replacement: path.join(root, target.default),
    }));
}

/** Build www/examples/<name> with its own vite.config.js into sites/<name>. */
async function buildExample(name) {
  const dir = path.join(examples, name);
  const started = Date.now();
  await build({
    root: dir,
    configFile: path.join(dir, 'vite.config.js'),
    base: './',
    logLevel: 'warn',
    cacheDir: path.join(tmp, 'vite-cache', name),
    resolve: { alias: packageAliases() },
    build: { outDir: path.join(sites, name), emptyOutDir: true },
  });
  console.log(`${name}: built in ${Date.now() - started} ms`);
}

async function stored(patient) {
  const res = await fetch(`${server.url}/Media?patient=${encodeURIComponent(patient)}`, {
    headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' },
  });
  assert.equal(res.status, 200);
  return ((await res.json()).entry ?? []).map((e) => e.resource);
}

/** A small JPEG made in the page, added to the element as if picked, then uploaded. */
async function addAndUpload(page) {
  await page.locator('fhir-media-capture').evaluate(async (el) => {
    const canvas = new OffscreenCanvas(200, 150);
    const g = canvas.getContext('2d');
    g.fillStyle = '#2a6'; g.fillRect(0, 0, 200, 150);
    g.fillStyle = '#d42'; g.fillRect(50, 40, 80, 60);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    await new Promise((resolve) => {
      el.addEventListener('media-prepared', resolve, { once: true });
      el.addFiles([new File([blob], 'photo.jpg', { type: 'image/jpeg' })]);
    });
    el.uploadAll();
  });
}

for (const name of ['react', 'vue']) {
  test(`${name}: props become attributes, the token a property, media-created and media-error reach the app`, { timeout: 120_000 }, async (t) => {
    if (skipAll) return t.skip(skipAll);
    await buildExample(name);
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    t.after(() => context.close());
    const page = await context.newPage();
    const watch = watchPage(page);
    const patient = `Patient/${crypto.randomUUID().replaceAll('-', '')}`;
    const query = new URLSearchParams({ base: server.url, patient, encounter: ENCOUNTER, token: TOKEN });
    await page.goto(`${server.url}/${name}/?${query}`);
    const widget = page.locator('fhir-media-capture');
    await widget.getByText('No photos for this patient yet').waitFor();
    assert.equal(await widget.getAttribute('patient'), patient);
    assert.equal(await widget.getAttribute('encounter'), ENCOUNTER);
    assert.equal(await widget.evaluate((el) => typeof el.token), 'string', 'the token is a property, not an attribute');
    assert.equal(await widget.getAttribute('token'), null);
    await addAndUpload(page);
    await page.locator('#created').filter({ hasText: /\S/ }).waitFor({ timeout: 30_000 });
    const ids = (await page.locator('#created').textContent()).trim().split(/\s+/);
    const media = await stored(patient);
    assert.deepEqual(ids, media.map((m) => m.id), 'the app shows the id of the Media the server stored');
    assert.equal(media[0].encounter?.reference, ENCOUNTER);

    // A file that is no photo: the element's media-error reaches the app's handler.
    const message = await widget.evaluate((el) => new Promise((resolve) => {
      el.addEventListener('media-error', (e) => resolve(e.detail.message), { once: true });
      el.addFiles([new File(['not a photo'], 'note.jpg', { type: 'image/jpeg' })]);
    }));
    assert.match(message, /\S/);
    assert.equal(await page.locator('#error').textContent(), message, 'the app shows the error of media-error');
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings');
  });
}

test('smart: EHR launch through the SMART JS client; the element uploads with its token, and after expiry with a refreshed one', { timeout: 120_000 }, async (t) => {
  if (skipAll) return t.skip(skipAll);
  await buildExample('smart');
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const watch = watchPage(page);
  const patientId = crypto.randomUUID().replaceAll('-', '');
  // The EHR's launch: iss and the launch id (this dev server's launch id is the patient).
  const launch = new URLSearchParams({ iss: server.url, launch: patientId });
  await page.goto(`${server.url}/smart/launch.html?${launch}`);
  await page.waitForURL(/\/smart\/index\.html\?code=/);
  await page.locator('#patient', { hasText: `Patient/${patientId}` }).waitFor();
  const widget = page.locator('fhir-media-capture');
  await widget.getByText('No photos for this patient yet').waitFor();
  assert.equal(await widget.getAttribute('base-url'), server.url);

  const createdIds = () => page.locator('#created').textContent().then((s) => s.trim().split(/\s+/).filter(Boolean));
  const smartCounters = () => server.admin('GET', '/_admin/smart');
  await addAndUpload(page);
  await page.waitForFunction(() => document.getElementById('created').textContent.trim().split(/\s+/).length === 1);
  assert.deepEqual(await smartCounters(), { refreshes: 0, expiredRefusals: 0 }, 'the first upload used the launch\'s token as it was');

  // The access token expires: the next create is answered 401, the element asks the
  // token function again with { refresh: true }, the SMART client refreshes, the retry works.
  const expired = await server.admin('POST', '/_admin/smart/expire');
  assert.ok(expired.expired >= 1);
  watch.allow(401); // Chromium's own line for the expired token's answer
  await addAndUpload(page);
  await page.waitForFunction(() => document.getElementById('created').textContent.trim().split(/\s+/).length === 2, null, { timeout: 30_000 });
  const { refreshes, expiredRefusals } = await smartCounters();
  assert.ok(expiredRefusals >= 1, 'the endpoint refused the expired token');
  assert.equal(refreshes, 1, 'the SMART client refreshed once');
  const media = await stored(`Patient/${patientId}`);
  assert.deepEqual((await createdIds()).sort(), media.map((m) => m.id).sort());
  assert.equal(await page.locator('#error').isHidden(), true);
  assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings');
});
