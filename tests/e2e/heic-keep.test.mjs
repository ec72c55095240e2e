// End-to-end: HEIC kept as it is (issue 13, tier 3). With heic="keep" the element uploads
// an iPhone HEIC of ../shared/testdata as image/heic Media: the original file, same length,
// with no GPS left in its Exif (the GPSInfo IFD entry is gone, and exiftool, where
// scripts/setup.sh installed it, finds no EXIF, XMP or GPS tag), and its card says so. In
// convert mode (the default) a HEIC no decoder here can read (the pipeline's
// heic-not-decodable) falls back to keep, and its card says that. Needs FHIR_ENDPOINT_BIN
// (scripts/test.sh sets it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
const testdata = process.env.FHIR_TESTDATA || path.join(root, '..', 'shared', 'testdata');
const HEIC = path.join(testdata, 'photos', 'heic', 'iphone_IMG_5195.HEIC');
const TOKEN = 'dev-token';
// The Exif IFD0 entry that points at the GPS IFD, big-endian as an iPhone writes it: tag
// 0x8825 (GPSInfo), type LONG, count 1.
const GPS_INFO_ENTRY = Buffer.from([0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01]);

const skipAll = (!process.env.FHIR_ENDPOINT_BIN && 'FHIR_ENDPOINT_BIN not set (scripts/test.sh sets it)')
  || (!fs.existsSync(HEIC) && `test photo absent: ${HEIC} (set FHIR_TESTDATA)`);
let server;
let browser;

before(async () => {
  if (skipAll) return;
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/index.html missing: run the webpack build first');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  server = await startEndpoint(['--dev', '--static-dir', dist]);
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openDemo(t) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  // Once a HEIC decoder module exists, convert mode would decode this photo: the fallback
  // case blocks any HEIC decoder wasm, so that no tier can read it (a no-op until then).
  await context.route(/heic[^/]*\.wasm$/i, (route) => route.abort('blockedbyclient'));
  const page = await context.newPage();
  const watch = watchPage(page);
  t.after(async () => {
    await context.close();
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings, CSP violations');
  });
  await page.goto(`${server.url}/`);
  await page.fill('#patient', `Patient/${crypto.randomUUID().replaceAll('-', '')}`);
  await page.fill('#token', TOKEN);
  await page.locator('#settings').dispatchEvent('change');
  const widget = page.locator('fhir-media-capture');
  await widget.getByText('No photos for this patient yet').waitFor();
  return { page, widget };
}

/** Add the HEIC (named .jpg, as iPhones often do: the bytes decide), wait for its card. */
async function addHeic(widget) {
  const prepared = widget.evaluate((el) => new Promise((resolve) =>
    el.addEventListener('media-prepared', (e) => resolve(e.detail.prepared), { once: true })));
  await widget.locator('input[type=file][multiple]').setInputFiles([{ name: 'IMG_5195.jpg', mimeType: 'image/jpeg', buffer: fs.readFileSync(HEIC) }]);
  const card = widget.locator('li.card[data-key]').first();
  await card.locator('xpath=self::*[@data-state="ready"]').waitFor({ timeout: 60_000 });
  return { card, prepared: await prepared };
}

/** Upload the card's photo; resolves with the created Media's stored bytes and resource. */
async function upload(page, card) {
  const created = page.evaluate(() => new Promise((resolve) =>
    document.querySelector('fhir-media-capture').addEventListener('media-created', (e) => resolve(e.detail), { once: true })));
  await card.getByRole('button', { name: 'Upload Photo 1' }).click();
  await card.locator('xpath=self::*[@data-state="done"]').waitFor({ timeout: 60_000 });
  const { id, resource } = await created;
  const headers = { authorization: `Bearer ${TOKEN}` };
  const res = await fetch(`${server.url}/Media/${id}/files/content`, { headers });
  assert.equal(res.status, 200);
  const stored = await (await fetch(`${server.url}/Media/${id}`, { headers: { ...headers, accept: 'application/json' } })).json();
  return { bytes: Buffer.from(await res.arrayBuffer()), resource, stored };
}

/** exiftool's tag lines for `bytes`, or null where it is not installed (setup.sh installs it). */
function exiftool(bytes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fmc-heic-'));
  try {
    const file = path.join(dir, 'kept.heic');
    fs.writeFileSync(file, bytes);
    return execFileSync('exiftool', ['-a', '-G0', '-s', '-u', file], { encoding: 'utf8' }).split('\n');
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function assertNoMetadata(bytes) {
  const original = fs.readFileSync(HEIC);
  assert.ok(original.includes(GPS_INFO_ENTRY), 'the original carries GPS');
  assert.equal(bytes.length, original.length, 'the original file, same length');
  assert.ok(!bytes.includes(GPS_INFO_ENTRY), 'no GPS left in the upload');
  assert.ok(!bytes.includes(Buffer.from('rdf:Description')), 'no XMP left in the upload');
  assert.ok(bytes.subarray(4, 12).equals(original.subarray(4, 12)), 'still a HEIC (ftyp)');
  const lines = exiftool(bytes);
  if (lines) {
    assert.deepEqual(lines.filter((l) => /^\[(EXIF|XMP|MakerNotes)\]/.test(l) || l.includes('GPS')), [],
      'exiftool finds no Exif, XMP or GPS');
  }
}

test('heic="keep": the original HEIC, its Exif and XMP blanked, is uploaded as image/heic, and the card says so', { timeout: 120_000 }, async (t) => {
  if (skipAll) return t.skip(skipAll);
  const { page, widget } = await openDemo(t);
  await widget.evaluate((el) => el.setAttribute('heic', 'keep'));
  const { card, prepared } = await addHeic(widget);
  assert.equal(prepared.contentType, 'image/heic');
  assert.equal(prepared.source.format, 'heif');
  assert.deepEqual([prepared.width, prepared.height], [2566, 3313], "as libheif states it (heif-info)");
  assert.equal(await card.locator('.detail').innerText(), 'Sent as the original HEIC photo; location and camera data removed.');
  assert.equal(await card.locator('.thumb').innerText(), 'HEIC photo (no preview in this browser)');
  const { bytes, resource, stored } = await upload(page, card);
  assert.equal(resource.content.contentType, 'image/heic');
  assert.equal(stored.content.contentType, 'image/heic');
  assertNoMetadata(bytes);
  const fhirOut = path.join(root, 'target', 'fhir-out-e2e');
  fs.mkdirSync(fhirOut, { recursive: true });
  fs.writeFileSync(path.join(fhirOut, 'heic-keep-upload.json'), JSON.stringify(resource));
});

test('convert (default): a HEIC no decoder here reads falls back to keep, and the card tells the user (es too)', { timeout: 120_000 }, async (t) => {
  if (skipAll) return t.skip(skipAll);
  const { page, widget } = await openDemo(t);
  const { card, prepared } = await addHeic(widget);
  assert.equal(prepared.contentType, 'image/heic');
  const fallback = 'This browser cannot convert HEIC photos, so the original is sent; location and camera data removed.';
  assert.equal(await card.locator('.detail').innerText(), fallback);
  await widget.evaluate((el) => el.setAttribute('locale', 'es'));
  await card.getByText('Este navegador no puede convertir fotos HEIC', { exact: false }).waitFor();
  await widget.evaluate((el) => el.setAttribute('locale', 'en'));
  await card.getByText(fallback).waitFor();
  const { bytes } = await upload(page, card);
  assertNoMetadata(bytes);
});
