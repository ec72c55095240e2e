// End-to-end: the built demo (dist/) in headless Chromium via playwright-core,
// served by the local endpoint (FHIR_ENDPOINT_BIN) as `npm start` serves it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, watchPage } from '../support/browser.mjs';
import { startEndpoint } from '../support/endpoint.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist');
const shots = path.join(root, 'test-results');
const testdata = process.env.FHIR_TESTDATA || path.join(root, '..', 'shared', 'testdata');
const photoO6 = path.join(testdata, 'photos', 'canon_sx60_3mp_o6.jpg');

let server;
let baseUrl;
let browser;
let tmp;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/index.html missing: run the webpack build first');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  assert.ok(process.env.FHIR_ENDPOINT_BIN, 'FHIR_ENDPOINT_BIN not set (scripts/test.sh sets it)');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fmc-e2e-'));
  fs.mkdirSync(shots, { recursive: true });
  // The endpoint serving dist/, as `npm start` does.
  server = await startEndpoint(['--static-dir', dist, '--dev']);
  baseUrl = server.url;
  console.log(`demo served by the endpoint at ${baseUrl}`);
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A fresh page on the demo that fails the test on any uncaught page error. */
async function openDemo(t) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const watch = watchPage(page);
  t.after(async () => {
    await page.close();
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings on the page');
  });
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Patient', { exact: true }).waitFor();
  return page;
}

test('demo page embeds <fhir-media-capture> with pre-filled, labelled settings', async (t) => {
  const page = await openDemo(t);
  assert.equal(await page.getByLabel('FHIR base URL').inputValue(), baseUrl);
  assert.equal(await page.getByLabel('Bearer token').inputValue(), 'dev-token');
  assert.equal(await page.getByLabel('Patient', { exact: true }).inputValue(), 'Patient/b8dfa97bdcdf4754bcd8197ca78ef0f0');
  const widget = page.locator('fhir-media-capture');
  assert.equal(await widget.getAttribute('base-url'), baseUrl);
  assert.equal(await widget.getAttribute('patient'), 'Patient/b8dfa97bdcdf4754bcd8197ca78ef0f0');
  assert.equal(await widget.getAttribute('encounter'), 'Encounter/eae3c8a5-a129-4960-9715-fc26da30eccc');
  assert.equal(await widget.evaluate((el) => el.token), 'dev-token');
  await widget.getByRole('button', { name: 'Choose photos', exact: true }).waitFor();
  assert.equal(await widget.locator('input[type=file][multiple]').getAttribute('accept'), 'image/*');
  await page.screenshot({ path: path.join(shots, 'e2e-01-empty.png'), fullPage: true });
});

test('an EXIF orientation 6 photo comes out portrait in the preview', async (t) => {
  if (!fs.existsSync(photoO6)) {
    t.skip(`test photo absent: ${photoO6} (set FHIR_TESTDATA)`);
    return;
  }
  const page = await openDemo(t);
  await page.locator('fhir-media-capture input[type=file][multiple]').setInputFiles(photoO6);
  const card = page.locator('fhir-media-capture li.card[data-key]').first();
  await card.locator('xpath=self::*[@data-state!="preparing"]').waitFor({ timeout: 60_000 });
  assert.equal(await card.getAttribute('data-state'), 'ready', `preparing failed: ${await card.innerText()}`);
  const size = await card.locator('img').evaluate(async (el) => {
    await el.decode();
    return [el.naturalWidth, el.naturalHeight];
  });
  assert.deepEqual(size, [1536, 2048]);
  assert.match(await card.locator('.meta').innerText(), /^1536 × 2048 px/);
  await page.screenshot({ path: path.join(shots, 'e2e-02-portrait.png'), fullPage: true });
});

test('corrupt files show a clear error', async (t) => {
  const randomFile = path.join(tmp, 'random.jpg');
  fs.writeFileSync(randomFile, crypto.randomBytes(8192));
  // JPEG magic followed by garbage: sniffs as JPEG but cannot decode.
  const brokenJpeg = path.join(tmp, 'broken.jpg');
  fs.writeFileSync(brokenJpeg, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(8192)]));

  const page = await openDemo(t);
  await page.locator('fhir-media-capture input[type=file][multiple]').setInputFiles([randomFile, brokenJpeg]);
  const cards = page.locator('fhir-media-capture li.card[data-key]');
  await page.locator('fhir-media-capture li.card[data-state="preparing"]').first().waitFor({ state: 'detached', timeout: 60_000 });
  assert.equal(await cards.count(), 2);
  const texts = [/not an image we can read/, /damaged or incomplete/];
  for (let i = 0; i < 2; i++) {
    const card = cards.nth(i);
    assert.equal(await card.getAttribute('data-state'), 'error', await card.innerText());
    assert.match(await card.getByRole('alert').innerText(), texts[i]);
  }
  await page.screenshot({ path: path.join(shots, 'e2e-03-corrupt.png'), fullPage: true });
});

test('the demo runs under a strict Content Security Policy with Trusted Types enforced', async (t) => {
  const page = await openDemo(t);
  if (!page) return;
  const policy = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
  for (const directive of ["script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'", "require-trusted-types-for 'script'",
    'trusted-types fhir-media-capture webpack']) {
    assert.ok(policy.includes(directive), `the policy has ${directive}`);
  }
  // Enforced, not only declared: a plain string into innerHTML, and an inline style, are
  // refused (on a page of its own, whose violations are the point).
  const probe = await browser.newPage();
  t.after(() => probe.close());
  await probe.goto(`${baseUrl}/`);
  const refused = await probe.evaluate(() => {
    const out = {};
    try { document.createElement('div').innerHTML = '<b>x</b>'; out.html = 'allowed'; } catch { out.html = 'refused'; }
    const style = document.createElement('style');
    style.textContent = 'body { color: rgb(1, 2, 3); }';
    document.head.append(style);
    out.style = getComputedStyle(document.body).color === 'rgb(1, 2, 3)' ? 'applied' : 'refused';
    style.remove();
    return out;
  });
  assert.deepEqual(refused, { html: 'refused', style: 'refused' });
  // The element itself came up under it: its shadow DOM and its constructed stylesheet.
  const shadow = await page.locator('fhir-media-capture').evaluate((el) => ({
    buttons: el.shadowRoot.querySelectorAll('button').length,
    sheets: el.shadowRoot.adoptedStyleSheets.length,
  }));
  assert.ok(shadow.buttons > 0 && shadow.sheets === 1, JSON.stringify(shadow));
});
