// End-to-end: retake guidance in <fhir-media-capture> on the demo page (dist/), served by
// the local endpoint, in headless Chromium. A blurred photo's card says so in plain words
// (English and Spanish), puts Retake first and keeps Upload; Retake replaces it with the
// sharp one, which uploads without a warning; the camera view hints "more light" live on
// a dark preview. axe: 0 violations. Needs FHIR_ENDPOINT_BIN (scripts/test.sh sets it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { chromiumPath, CHROMIUM_ARGS as BASE_ARGS, FAKE_CAMERA_ARGS, watchPage } from '../support/browser.mjs';
import { startEndpoint } from '../support/endpoint.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist');
const shots = path.join(root, 'test-results');
const TOKEN = 'dev-token';

let server;
let baseUrl;
let browser;
let tmp;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/index.html missing: run the webpack build first');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fmc-retake-'));
  fs.mkdirSync(shots, { recursive: true });
  server = await startEndpoint(['--dev', '--static-dir', dist]);
  baseUrl = server.url;
  browser = await chromium.launch({ executablePath: chromiumPath, args: [...BASE_ARGS, ...FAKE_CAMERA_ARGS], headless: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function openWidget(t, { locale } = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, permissions: ['camera'] });
  const page = await context.newPage();
  const watch = watchPage(page);
  t.after(async () => {
    await context.close();
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings on the page');
  });
  await page.goto(`${baseUrl}/`);
  const patient = `Patient/${crypto.randomUUID().replaceAll('-', '')}`;
  await page.fill('#patient', patient);
  await page.fill('#token', TOKEN);
  if (locale) await page.selectOption('#locale', locale);
  await page.locator('#settings').dispatchEvent('change');
  const widget = page.locator('fhir-media-capture');
  await widget.getByText(/No photos for this patient yet|Este paciente/).waitFor();
  return { page, patient, widget };
}

async function axe(page, state) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const details = violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(details, [], `axe violations in state "${state}"`);
}

/**
 * A 1600x1200 JPEG made in the page: a detailed scene (fine lines, text, blocks), then
 * blurred by `blur` px or darkened to `light` of its brightness, as the photo's defect.
 */
async function photo(widget, { blur = 0, light = 1, name }) {
  const bytes = await widget.evaluate(async (_el, { blur, light }) => {
    const [w, h] = [1600, 1200];
    const scene = new OffscreenCanvas(w, h);
    const g = scene.getContext('2d');
    g.fillStyle = '#d9b59a';
    g.fillRect(0, 0, w, h);
    for (let i = 0; i < 400; i++) {
      g.strokeStyle = `hsl(${(i * 47) % 360} 40% ${25 + (i % 5) * 10}%)`;
      g.lineWidth = 1 + (i % 3);
      g.beginPath();
      g.moveTo((i * 131) % w, (i * 71) % h);
      g.lineTo((i * 233 + 90) % w, (i * 157 + 40) % h);
      g.stroke();
    }
    g.fillStyle = '#222';
    g.font = '28px sans-serif';
    for (let y = 60; y < h; y += 90) g.fillText('Left forearm, day 3: 12 mm lesion', 40 + (y % 300), y);
    const out = new OffscreenCanvas(w, h);
    const o = out.getContext('2d');
    o.filter = blur ? `blur(${blur}px)` : 'none';
    o.drawImage(scene, 0, 0);
    o.filter = 'none';
    if (light < 1) {
      o.fillStyle = `rgba(0, 0, 0, ${1 - light})`;
      o.fillRect(0, 0, w, h);
    }
    const blob = await out.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
    return [...new Uint8Array(await blob.arrayBuffer())];
  }, { blur, light });
  return { name, mimeType: 'image/jpeg', buffer: Buffer.from(bytes) };
}

/** The texts of the card's visible action buttons, in order. */
function actions(cardLocator) {
  return cardLocator.locator('.actions button:visible').allInnerTexts();
}

async function waitState(cardLocator, state, timeout = 60_000) {
  await cardLocator.locator(`xpath=self::*[@data-state="${state}"]`).waitFor({ timeout });
}

test('a blurred photo says so and puts Retake first; Retake replaces it; the sharp one uploads', async (t) => {
  const ctx = await openWidget(t);
  const { page, widget, patient } = ctx;
  const prepared = page.evaluate(() => new Promise((resolve) =>
    document.querySelector('fhir-media-capture').addEventListener('media-prepared',
      (e) => resolve({ warnings: e.detail.prepared.warnings, metrics: e.detail.prepared.metrics }), { once: true })));
  await widget.locator('input[type=file][multiple]').setInputFiles([await photo(widget, { blur: 3, name: 'blurred.jpg' })]);
  const card = widget.locator('li.card[data-key]').first();
  await waitState(card, 'ready');
  const { warnings, metrics } = await prepared;
  assert.deepEqual(warnings, ['blurry'], JSON.stringify(metrics));
  assert.ok(metrics.sharpness < 0.325, `sharpness ${metrics.sharpness} (default minSharpness 0.325)`);
  const notice = card.locator('[part="quality-warning"]');
  assert.match(await notice.innerText(), /looks blurred.*Retake it if you can; you can still upload it/);
  assert.deepEqual(await actions(card), ['Retake', 'Upload', 'Remove'], 'Retake first');
  assert.equal(await card.getByRole('button', { name: 'Retake Photo 1' }).getAttribute('class'), 'primary');
  assert.equal(await card.getByRole('button', { name: 'Upload Photo 1' }).isEnabled(), true, 'never blocks an upload');
  assert.match(await widget.getByRole('status').first().innerText(), /Photo 1 ready.*looks blurred/);
  await page.screenshot({ path: path.join(shots, 'retake-01-blurred.png'), fullPage: true });
  await axe(page, 'blurred photo');

  await card.getByLabel('Title').fill('Left forearm');
  const chooser = page.waitForEvent('filechooser');
  await card.getByRole('button', { name: 'Retake Photo 1' }).click();
  await (await chooser).setFiles([await photo(widget, { name: 'sharp.jpg' })]);
  await notice.waitFor({ state: 'hidden', timeout: 30_000 });
  await waitState(card, 'ready');
  assert.equal(await widget.locator('li.card[data-key]').count(), 1, 'replaced in place');
  assert.deepEqual(await actions(card), ['Upload', 'Retake', 'Remove'], 'Upload first again');
  assert.equal(await card.getByLabel('Title').inputValue(), 'Left forearm');
  const items = await widget.evaluate((el) => el.items.map((i) => i.prepared.warnings));
  assert.deepEqual(items, [[]]);

  const created = page.evaluate(() => new Promise((resolve) =>
    document.querySelector('fhir-media-capture').addEventListener('media-created', (e) => resolve(e.detail), { once: true })));
  await card.getByRole('button', { name: 'Upload Photo 1' }).click();
  await waitState(card, 'done', 30_000);
  const { id, resource } = await created;
  assert.equal(resource.content.title, 'Left forearm');
  const res = await fetch(`${baseUrl}/Media?patient=${encodeURIComponent(patient)}`,
    { headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' } });
  const bundle = await res.json();
  assert.deepEqual(bundle.entry.map((e) => e.resource.id), [id], 'the sharp photo, once');
});

test('a dark photo is flagged in Spanish and can still be uploaded as it is', async (t) => {
  const ctx = await openWidget(t, { locale: 'es' });
  const { page, widget } = ctx;
  await widget.locator('input[type=file][multiple]').setInputFiles([await photo(widget, { light: 0.15, name: 'dark.jpg' })]);
  const card = widget.locator('li.card[data-key]').first();
  await waitState(card, 'ready');
  assert.match(await card.locator('[part="quality-warning"]').innerText(),
    /demasiado oscura.*Repítala si puede; también puede subirla tal como está/);
  assert.deepEqual(await actions(card), ['Repetir', 'Subir', 'Quitar']);
  await axe(page, 'dark photo (es)');
  await card.getByRole('button', { name: 'Subir Foto 1' }).click();
  await waitState(card, 'done', 30_000);
});

test('the camera view hints "more light" on a dark preview, from the worker, and stops on close', async (t) => {
  const ctx = await openWidget(t);
  const { page, widget } = ctx;
  // A dark, detailed preview instead of the fake camera's test card.
  await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const g = canvas.getContext('2d');
    let frame = 0;
    setInterval(() => {
      g.fillStyle = '#0a0806';
      g.fillRect(0, 0, 640, 480);
      g.fillStyle = '#1c1612';
      for (let i = 0; i < 40; i++) g.fillRect((i * 53 + frame) % 640, (i * 37) % 480, 12, 12);
      frame++;
    }, 50);
    navigator.mediaDevices.getUserMedia = async () => canvas.captureStream(20);
  });
  await widget.getByRole('button', { name: 'Open camera' }).click();
  const hint = widget.locator('[part="camera-hint"]');
  await page.waitForFunction((el) => el.shadowRoot.querySelector('[part="camera-hint"]').textContent !== '',
    await widget.elementHandle(), { timeout: 15_000 });
  assert.equal(await hint.innerText(), 'More light, please.');
  assert.equal(await hint.getAttribute('aria-live'), 'polite');
  await page.screenshot({ path: path.join(shots, 'retake-02-camera-hint.png'), fullPage: true });
  await axe(page, 'camera hint');
  await widget.getByRole('button', { name: 'Close camera' }).click();
  assert.equal(await hint.evaluate((p) => p.textContent), '', 'no stale hint after closing');
});
