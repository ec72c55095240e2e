// End-to-end: <fhir-media-capture> on the demo page (dist/), served by the local endpoint,
// in headless Chromium with a fake camera. Each state is screenshotted into test-results/
// and checked with axe (0 violations). Needs FHIR_ENDPOINT_BIN (scripts/test.sh sets it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS as BASE_ARGS, FAKE_CAMERA_ARGS, watchPage } from '../support/browser.mjs';
import { startEndpoint } from '../support/endpoint.mjs';
import { AxeBuilder } from '@axe-core/playwright';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist');
const shots = path.join(root, 'test-results');
const testdata = process.env.FHIR_TESTDATA || path.join(root, '..', 'shared', 'testdata');
const photo = (name) => path.join(testdata, 'photos', name);
const PHOTO_O6 = photo('canon_sx60_3mp_o6.jpg');
const PHOTO_12MP = photo('cam12mp_olympus_o1.jpg');
const CHROMIUM_ARGS = [...BASE_ARGS, ...FAKE_CAMERA_ARGS];
const TOKEN = 'dev-token';
const PHONE = { width: 390, height: 844 };

let server;
let baseUrl;
let browser;
let tmp;
const axeResults = {};

const skipAll = !process.env.FHIR_ENDPOINT_BIN && 'FHIR_ENDPOINT_BIN not set (scripts/test.sh sets it)';

before(async () => {
  if (skipAll) return;
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/index.html missing: run the webpack build first');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fmc-widget-'));
  fs.mkdirSync(shots, { recursive: true });
  server = await startEndpoint(['--dev', '--static-dir', dist]);
  baseUrl = server.url;
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (Object.keys(axeResults).length) {
    fs.writeFileSync(path.join(shots, 'widget-axe.json'), `${JSON.stringify(axeResults, null, 2)}\n`);
  }
});

/** The demo page with a fresh patient (so its gallery starts empty); fails the test on page errors. */
async function openWidget(t, { viewport = { width: 1200, height: 900 }, phone = false, token = TOKEN, locale } = {}) {
  if (skipAll) {
    t.skip(skipAll);
    return null;
  }
  const context = await browser.newContext({ viewport, permissions: ['camera'], isMobile: phone, hasTouch: phone });
  const page = await context.newPage();
  const watch = watchPage(page);
  t.after(async () => {
    await context.close();
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings on the page');
  });
  await page.goto(`${baseUrl}/`);
  const patient = `Patient/${crypto.randomUUID().replaceAll('-', '')}`;
  await page.fill('#patient', patient);
  await page.fill('#token', token);
  if (locale) await page.selectOption('#locale', locale);
  await page.locator('#settings').dispatchEvent('change');
  await page.locator('fhir-media-capture').getByText(/No photos for this patient yet|Este paciente/).waitFor();
  return { page, patient, widget: page.locator('fhir-media-capture'), watch };
}

async function snap(page, name) {
  await page.screenshot({ path: path.join(shots, `widget-${name}.png`), fullPage: true });
}

/** axe over the whole page (the open shadow root included); 0 violations expected. */
async function axe(page, state) {
  const { violations, passes } = await new AxeBuilder({ page }).analyze();
  axeResults[state] = { violations: violations.length, passes: passes.length,
    details: violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`) };
  assert.deepEqual(axeResults[state].details, [], `axe violations in state "${state}"`);
}

async function card(widget, n) {
  return widget.locator('li.card[data-key]').nth(n);
}

async function waitState(cardLocator, state, timeout = 60_000) {
  await cardLocator.locator(`xpath=self::*[@data-state="${state}"]`).waitFor({ timeout });
}

async function thumbSize(cardLocator) {
  return cardLocator.locator('img').evaluate(async (img) => {
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  });
}

async function fhirGet(url) {
  const res = await fetch(`${baseUrl}${url}`, { headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' } });
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return res.json();
}

test('empty state: labelled controls, live region, no axe violations', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, widget } = ctx;
  for (const name of ['Choose photos', 'Open camera', 'Upload all', 'Refresh']) {
    await widget.getByRole('button', { name, exact: true }).waitFor();
  }
  assert.equal(await widget.getByRole('status').count(), 1);
  assert.equal(await widget.locator('input[type=file][multiple]').getAttribute('accept'), 'image/*');
  assert.equal(await widget.locator('input[type=file][capture]').getAttribute('capture'), 'environment');
  // Keyboard: Tab reaches the first control and shows a focus ring.
  await page.locator('#locale').focus();
  await page.keyboard.press('Tab');
  const focused = await widget.evaluate((el) => {
    const active = el.shadowRoot.activeElement;
    return { text: active?.textContent, outline: active && getComputedStyle(active).outlineStyle };
  });
  assert.equal(focused.text, 'Choose photos');
  assert.equal(focused.outline, 'solid');
  await snap(page, '01-empty');
  await axe(page, 'empty');
});

test('camera -> capture -> preview -> upload -> on the endpoint and in the gallery', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, widget, patient } = ctx;
  await widget.getByRole('button', { name: 'Open camera' }).click();
  const video = widget.locator('video');
  await page.waitForFunction((el) => el.shadowRoot.querySelector('video').readyState >= 2,
    await widget.elementHandle());
  assert.equal(await video.evaluate((v) => v.srcObject.getVideoTracks()[0].readyState), 'live');
  assert.equal(await video.evaluate((v) => v.classList.contains('mirrored')), false, 'back camera is not mirrored');
  await snap(page, '02-camera');
  await axe(page, 'camera open');

  // The front camera's preview is mirrored; switching back un-mirrors it.
  await widget.getByRole('button', { name: 'Switch camera' }).click();
  await page.waitForFunction((el) => el.shadowRoot.querySelector('video').classList.contains('mirrored'), await widget.elementHandle());
  await widget.getByRole('button', { name: 'Switch camera' }).click();
  await page.waitForFunction((el) => !el.shadowRoot.querySelector('video').classList.contains('mirrored'), await widget.elementHandle());

  await widget.getByRole('button', { name: 'Take photo' }).click();
  const first = await card(widget, 0);
  await waitState(first, 'ready');
  const [w, h] = await thumbSize(first);
  assert.ok(w > 0 && h > 0);
  assert.match(await first.locator('.meta').innerText(), new RegExp(`^${w} × ${h} px · \\d`));

  // Closing the camera stops its tracks.
  const tracks = await video.evaluateHandle((v) => v.srcObject.getTracks());
  await widget.getByRole('button', { name: 'Close camera' }).click();
  assert.equal(await video.isHidden(), true);
  assert.deepEqual(await tracks.evaluate((ts) => ts.map((tr) => tr.readyState)), ['ended']);

  await first.getByLabel('Title').fill('Left forearm <b>rash</b>');
  await first.getByLabel('Note').fill('Day 3 & <i>healing</i>');
  await snap(page, '03-preview');
  await axe(page, 'previews');

  // Hold the upload so its state can be seen and checked.
  await server.admin('POST', '/_admin/faults', { delayMs: 1500 });
  const created = page.evaluate(() => new Promise((resolve) =>
    document.querySelector('fhir-media-capture').addEventListener('media-created', (e) => resolve(e.detail), { once: true })));
  const progress = page.evaluate(() => new Promise((resolve) =>
    document.querySelector('fhir-media-capture').addEventListener('upload-progress', (e) => resolve(e.detail), { once: true })));
  await first.getByRole('button', { name: 'Upload Photo 1' }).click();
  await waitState(first, 'uploading', 10_000);
  await first.getByRole('progressbar').waitFor();
  await snap(page, '04-uploading');
  await axe(page, 'uploading');
  await waitState(first, 'done', 30_000);
  await server.admin('DELETE', '/_admin/faults');
  const { id, resource } = await created;
  // What the element really POSTed goes to the FHIR validator too (scripts/test.sh).
  const fhirOut = path.join(root, 'target', 'fhir-out-e2e');
  fs.mkdirSync(fhirOut, { recursive: true });
  fs.writeFileSync(path.join(fhirOut, 'widget-camera-upload.json'), JSON.stringify(resource));
  const { loaded, total } = await progress;
  assert.ok(total > 1000 && loaded <= total);
  assert.equal(resource.content.title, 'Left forearm <b>rash</b>');
  assert.match(await first.locator('.state').innerText(), new RegExp(id));
  assert.equal(await first.getByRole('progressbar').evaluate((p) => p.value), 1);

  const bundle = await fhirGet(`/Media?patient=${encodeURIComponent(patient)}`);
  assert.equal(bundle.total, 1);
  const stored = bundle.entry[0].resource;
  assert.equal(stored.id, id);
  assert.equal(stored.content.title, 'Left forearm <b>rash</b>');
  assert.deepEqual(stored.note, [{ text: 'Day 3 & <i>healing</i>' }]);
  assert.equal(stored.encounter.reference, 'Encounter/eae3c8a5-a129-4960-9715-fc26da30eccc');

  // The gallery reloads after the upload; title and note are text, not markup.
  const item = widget.locator(`li[data-id="${id}"]`);
  await item.waitFor({ timeout: 20_000 });
  assert.equal(await item.locator('.title').innerText(), 'Left forearm <b>rash</b>');
  assert.equal(await item.locator('b, i').count(), 0);
  await page.waitForFunction((el) => {
    const img = el.shadowRoot.querySelector('.gallery img');
    return img?.complete && img.naturalWidth > 0;
  }, await widget.elementHandle(), { timeout: 20_000 });
  await snap(page, '05-gallery');
  await axe(page, 'gallery');
});

test('real photos through the file input: orientation 6 comes out portrait; phone width', async (t) => {
  if (!fs.existsSync(PHOTO_O6)) {
    t.skip(`test photo absent: ${PHOTO_O6} (set FHIR_TESTDATA)`);
    return;
  }
  const ctx = await openWidget(t, { viewport: PHONE, phone: true });
  if (!ctx) return;
  const { page, widget } = ctx;
  const events = page.evaluate(() => new Promise((resolve) =>
    document.querySelector('fhir-media-capture').addEventListener('media-prepared', (e) =>
      resolve({ width: e.detail.prepared.width, height: e.detail.prepared.height }), { once: true })));
  // A touch device gets the button for the phone's own camera app (input capture="environment").
  await widget.getByRole('button', { name: 'Phone camera', exact: true }).waitFor();
  await widget.locator('input[type=file][capture]').setInputFiles([PHOTO_O6]);
  const first = await card(widget, 0);
  await waitState(first, 'ready');
  assert.deepEqual(await thumbSize(first), [1536, 2048]);
  assert.deepEqual(await events, { width: 1536, height: 2048 });
  assert.match(await first.locator('.meta').innerText(), /^1536 × 2048 px · /);
  await snap(page, '06-phone-portrait');
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= PHONE.width, `no horizontal scroll on a phone (scrollWidth ${scrollWidth})`);

  // Remove takes it out of the queue and keeps focus inside the widget.
  await first.getByRole('button', { name: 'Remove Photo 1' }).click();
  assert.equal(await widget.locator('li.card[data-key]').count(), 0);
  assert.equal(await widget.evaluate((el) => el.shadowRoot.activeElement?.textContent), 'Choose photos');
});

test('drag and drop adds a photo', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, widget } = ctx;
  await widget.evaluate(async (el) => {
    const canvas = new OffscreenCanvas(300, 200);
    const g = canvas.getContext('2d');
    g.fillStyle = '#3a7';
    g.fillRect(0, 0, 300, 200);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'dropped.png', { type: 'image/png' }));
    const zone = el.shadowRoot.querySelector('.dropzone');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  const first = await card(widget, 0);
  await waitState(first, 'ready');
  assert.deepEqual(await thumbSize(first), [300, 200]);
});

test('clear errors: a corrupt file, and a 403 upload with a retry button', async (t) => {
  const ctx = await openWidget(t, { token: 'dev-read-only-token' });
  if (!ctx) return;
  const { page, widget, watch } = ctx;
  watch.allow(403); // Chromium's own line for the read-only token's refused create
  const broken = path.join(tmp, 'broken.jpg');
  fs.writeFileSync(broken, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(8192)]));
  const good = path.join(tmp, 'good.png');
  fs.writeFileSync(good, await widget.evaluate(async () => {
    const canvas = new OffscreenCanvas(64, 48);
    canvas.getContext('2d').fillRect(0, 0, 32, 24);
    return [...new Uint8Array(await (await canvas.convertToBlob()).arrayBuffer())];
  }).then((bytes) => Buffer.from(bytes)));
  const errors = page.evaluate(() => new Promise((resolve) => {
    const seen = [];
    document.querySelector('fhir-media-capture').addEventListener('media-error', (e) => {
      seen.push({ name: e.detail.name, code: e.detail.code, status: e.detail.status, text: e.detail.text });
      if (seen.length === 2) resolve(seen);
    });
  }));
  await widget.locator('input[type=file][multiple]').setInputFiles([broken, good]);
  const bad = await card(widget, 0);
  const ok = await card(widget, 1);
  await waitState(bad, 'error');
  assert.match(await bad.getByRole('alert').innerText(), /damaged or incomplete|not an image/);
  assert.equal(await bad.getByRole('button', { name: /Upload|Retry/ }).count(), 0);
  await waitState(ok, 'ready');
  await ok.getByRole('button', { name: 'Upload Photo 2' }).click();
  // A 403 is final: the upload queue marks it failed at once, with the server's text.
  await waitState(ok, 'failed', 30_000);
  const text = await ok.getByRole('alert').innerText();
  assert.match(text, /403/);
  const [mediaError, fhirError] = await errors;
  assert.equal(mediaError.name, 'MediaError');
  assert.ok(['corrupt-image', 'unsupported-format'].includes(mediaError.code));
  assert.equal(fhirError.name, 'FhirError');
  assert.equal(fhirError.status, 403);
  assert.ok(text.includes(fhirError.text), `shown text "${text}" has the server's "${fhirError.text}"`);
  await ok.getByRole('button', { name: 'Retry Photo 2' }).waitFor();
  await snap(page, '07-error');
  await axe(page, 'error');
  const stats = await server.admin('GET', '/_admin/stats');
  assert.ok(stats.rejections['403'] >= 1);
});

test('the main thread never blocks > 50 ms while a 12 MP photo is prepared', async (t) => {
  if (!fs.existsSync(PHOTO_12MP)) {
    t.skip(`test photo absent: ${PHOTO_12MP} (set FHIR_TESTDATA)`);
    return;
  }
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, widget } = ctx;
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask' });
  });
  const started = await page.evaluate(() => performance.now());
  await widget.locator('input[type=file][multiple]').setInputFiles([PHOTO_12MP]);
  const first = await card(widget, 0);
  await waitState(first, 'ready', 120_000);
  await thumbSize(first);
  const { tasks, elapsed } = await page.evaluate(async () => {
    await new Promise((r) => setTimeout(r, 200));
    return { tasks: window.longTasks, elapsed: performance.now() };
  });
  const during = tasks.filter((task) => task.start >= started);
  const report = { photo: path.basename(PHOTO_12MP), windowMs: Math.round(elapsed - started),
    longTasks: during.length, maxMs: Math.max(0, ...during.map((task) => task.duration)) };
  console.log(`long tasks while preparing: ${JSON.stringify(report)}`);
  fs.writeFileSync(path.join(shots, 'widget-longtask.json'), `${JSON.stringify(report)}\n`);
  assert.deepEqual(during, [], 'long tasks on the main thread during preparation');
  // Control: the observer does see a 120 ms block on the main thread.
  const seen = await page.evaluate(async () => {
    const before = window.longTasks.length;
    // In a task of the page's own (code run by page.evaluate itself is not reported).
    await new Promise((resolve) => setTimeout(() => {
      const end = performance.now() + 120;
      while (performance.now() < end);
      setTimeout(resolve, 200);
    }, 0));
    return window.longTasks.length - before;
  });
  assert.equal(seen, 1, 'the long-task observer works');
});

test('Spanish locale, and strings overridden by the host page', async (t) => {
  const ctx = await openWidget(t, { locale: 'es' });
  if (!ctx) return;
  const { page, widget } = ctx;
  for (const name of ['Elegir fotos', 'Abrir cámara', 'Subir todas', 'Actualizar']) {
    await widget.getByRole('button', { name, exact: true }).waitFor();
  }
  await widget.getByText('Fotos para subir').waitFor();
  const broken = path.join(tmp, 'roto.jpg');
  fs.writeFileSync(broken, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(4096)]));
  await widget.locator('input[type=file][multiple]').setInputFiles([broken]);
  const first = await card(widget, 0);
  await waitState(first, 'error');
  assert.equal(await first.locator('h3').innerText(), 'Foto 1');
  assert.match(await first.getByRole('alert').innerText(), /dañada o incompleta|no es una imagen/);
  await first.getByRole('button', { name: 'Quitar Foto 1' }).waitFor();
  await snap(page, '08-spanish');
  await axe(page, 'spanish');
  await widget.evaluate((el) => { el.strings = { choosePhotos: 'Pick pictures' }; });
  await widget.getByRole('button', { name: 'Pick pictures', exact: true }).waitFor();
  await widget.getByRole('button', { name: 'Abrir cámara', exact: true }).waitFor();
});

test('paste adds a photo', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { widget } = ctx;
  await widget.evaluate(async (el) => {
    const canvas = new OffscreenCanvas(120, 90);
    canvas.getContext('2d').fillRect(0, 0, 120, 90);
    const dt = new DataTransfer();
    dt.items.add(new File([await canvas.convertToBlob({ type: 'image/jpeg' })], 'pasted.jpg', { type: 'image/jpeg' }));
    el.shadowRoot.querySelector('button').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, composed: true, cancelable: true }));
  });
  const first = await card(widget, 0);
  await waitState(first, 'ready');
  assert.deepEqual(await thumbSize(first), [120, 90]);
});

/** A 40 × 30 JPEG drawn in the page, as base64 (Media.content.data). */
function smallJpegBase64(page) {
  return page.evaluate(async () => {
    const canvas = new OffscreenCanvas(40, 30);
    canvas.getContext('2d').fillRect(0, 0, 20, 15);
    return btoa(String.fromCharCode(...new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg' })).arrayBuffer())));
  });
}

test('gallery: 10 per page, "load more" for the rest; server text stays text', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, widget, patient } = ctx;
  const jpeg = await smallJpegBase64(page);
  for (let i = 1; i <= 11; i++) {
    const res = await fetch(`${baseUrl}/Media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ resourceType: 'Media', status: 'completed', subject: { reference: patient },
        content: { contentType: 'image/jpeg', data: jpeg, title: `<img src=x onerror="window.pwned=1"> #${i}` },
        note: [{ text: `<script>window.pwned=1</script> note ${i}` }] }),
    });
    assert.equal(res.status, 201);
  }
  await widget.getByRole('button', { name: 'Refresh' }).click();
  const items = widget.locator('li[part="gallery-item"]');
  await widget.getByText('10 of 11 photos', { exact: true }).waitFor();
  assert.equal(await items.count(), 10);
  await widget.getByRole('button', { name: 'Load more' }).click();
  await widget.getByText('11 of 11 photos', { exact: true }).waitFor();
  assert.equal(await items.count(), 11);
  assert.equal(await widget.getByRole('button', { name: 'Load more' }).isHidden(), true);
  assert.equal(await items.last().locator('.title').innerText(), '<img src=x onerror="window.pwned=1"> #11');
  assert.equal(await items.last().locator('.note').innerText(), '<script>window.pwned=1</script> note 11');
  assert.equal(await widget.locator('.gallery figcaption img, .gallery script').count(), 0);
  await page.waitForFunction((el) => [...el.shadowRoot.querySelectorAll('.gallery img')].every((img) => img.complete && img.naturalWidth === 40),
    await widget.elementHandle(), { timeout: 20_000 });
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await snap(page, '09-gallery-more');
  await axe(page, 'gallery, 2 pages');
});

test('markup from the person or the server stays text: card title and note, the OperationOutcome in the card and in media-error, the restored card', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, widget, watch, patient } = ctx;
  watch.allow(422); // Chromium's own line for the refused create below
  const IMG = '<img src=x onerror="window.pwned=1">';
  const LINK = 'javascript:window.pwned=1';
  // The server refuses the create with an OperationOutcome that carries markup.
  await page.route(`${baseUrl}/Media`, (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    return route.fulfill({ status: 422, contentType: 'application/fhir+json', body: JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', details: { text: `${IMG} <a href="${LINK}">fix</a>` } }],
    }) });
  });
  const seen = page.evaluate(() => new Promise((resolve) => document.querySelector('fhir-media-capture')
    .addEventListener('media-error', (e) => resolve({ text: e.detail.text, message: e.detail.message }), { once: true })));
  await widget.evaluate(async (el) => {
    const canvas = new OffscreenCanvas(64, 48);
    canvas.getContext('2d').fillRect(0, 0, 32, 24);
    el.addFiles([new File([await canvas.convertToBlob({ type: 'image/jpeg' })], 'p.jpg', { type: 'image/jpeg' })]);
  });
  const first = await card(widget, 0);
  await waitState(first, 'ready');
  await first.getByRole('textbox', { name: 'Title' }).fill(`${IMG} title`);
  await first.getByRole('textbox', { name: 'Note' }).fill(`<script>window.pwned=1</script> ${LINK}`);
  await first.getByRole('button', { name: 'Upload Photo 1' }).click();
  await waitState(first, 'failed', 30_000);
  const event = await seen;
  assert.equal(event.text, `${IMG} <a href="${LINK}">fix</a>`, 'the event carries the text as the server sent it');
  assert.ok((await first.getByRole('alert').innerText()).includes(`${IMG} <a href="${LINK}">fix</a>`), 'shown as text');
  assert.equal(await first.getByRole('textbox', { name: 'Title' }).inputValue(), `${IMG} title`);
  // Reloaded: the card comes back from storage with the same title and note, as text.
  await page.unroute(`${baseUrl}/Media`);
  await page.reload();
  await page.fill('#patient', patient);
  await page.fill('#token', TOKEN);
  await page.locator('#settings').dispatchEvent('change');
  const restored = await card(widget, 0);
  await restored.waitFor();
  assert.equal(await restored.getByRole('textbox', { name: 'Title' }).inputValue(), `${IMG} title`);
  assert.equal(await restored.getByRole('textbox', { name: 'Note' }).inputValue(), `<script>window.pwned=1</script> ${LINK}`);
  assert.equal(await widget.locator('li.card img:not(.thumb), li.card script, li.card a').count(), 0, 'no markup became elements');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
});

test('a 2 GiB file and 100 files of 40 MB: typed errors, read in the worker one at a time, the tab stays alive', { timeout: 240_000 }, async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, widget } = ctx;
  // Sparse files: nothing is written to disk, and the browser reads only what it is asked.
  const dir = fs.mkdtempSync(path.join(tmp, 'big-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const huge = path.join(dir, 'huge.jpg');
  fs.closeSync(fs.openSync(huge, 'w'));
  fs.truncateSync(huge, 2 ** 31);
  const many = Array.from({ length: 100 }, (_, i) => {
    const file = path.join(dir, `big-${i}.jpg`);
    fs.closeSync(fs.openSync(file, 'w'));
    fs.truncateSync(file, 40_000_000);
    return file;
  });
  const codes = page.evaluate(() => new Promise((resolve) => {
    const seen = [];
    document.querySelector('fhir-media-capture').addEventListener('media-error', (e) => {
      seen.push(e.detail.code);
      if (seen.length === 101) resolve(seen);
    });
  }));
  await widget.locator('input[type=file][multiple]').setInputFiles([huge, ...many]);
  const seen = await codes;
  assert.equal(seen.filter((c) => c === 'too-large').length, 1, 'the 2 GiB file is too large (maxInputBytes 50 MB)');
  // 40 MB of zeros is under the limit, read (in the worker), and is no image.
  assert.equal(seen.filter((c) => c === 'unsupported-format').length, 100, JSON.stringify(seen));
  assert.equal(await page.evaluate(() => document.querySelector('fhir-media-capture').items.length), 101, 'the tab is alive');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const { JSHeapUsedSize } = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map(({ name, value }) => [name, value]));
  assert.ok(JSHeapUsedSize < 200e6, `the page's JS heap stays small (${Math.round(JSHeapUsedSize / 1e6)} MB): no file was read on it`);
});

test('a photo over the time limit fails as timed-out, its worker is replaced; max-pixels refuses a larger photo; the next photo is prepared', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { widget } = ctx;
  // 5 ms: far less than a 12 MP photo needs, so the limit, not the photo, decides.
  await widget.evaluate((el) => { el.prepareTimeoutMs = 5; });
  const code = widget.evaluate((el) => new Promise((resolve) => el.addEventListener('media-error', (e) => resolve(e.detail.code), { once: true })));
  await widget.locator('input[type=file][multiple]').setInputFiles([photo('cam12mp_olympus_o1.jpg')]);
  assert.equal(await code, 'timed-out');
  const slow = await card(widget, 0);
  await waitState(slow, 'error');
  assert.match(await slow.getByRole('alert').innerText(), /took too long/);
  await widget.evaluate((el) => { el.prepareTimeoutMs = 30_000; });
  // max-pixels: a 12 MP photo over a 10 MP limit is refused from its header.
  await widget.evaluate((el) => el.setAttribute('max-pixels', '10000000'));
  const tooMany = widget.evaluate((el) => new Promise((resolve) => el.addEventListener('media-error', (e) => resolve(e.detail.code), { once: true })));
  await widget.locator('input[type=file][multiple]').setInputFiles([photo('cam12mp_olympus_o1.jpg')]);
  assert.equal(await tooMany, 'too-many-pixels');
  await widget.evaluate((el) => el.removeAttribute('max-pixels'));
  assert.equal(await widget.evaluate((el) => el.prepareTimeoutMs), 30_000);
  await widget.locator('input[type=file][multiple]').setInputFiles([photo('casio_exz750_3mp.jpg')]);
  await waitState(await card(widget, 2), 'ready');
});

test('gallery: content that is not a JPEG, PNG or HEIC never renders, whatever type the server gives it', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, widget, patient } = ctx;
  const jpeg = await smallJpegBase64(page);
  const ids = [];
  for (const title of ['svg', 'jpeg sent as text/html']) {
    const res = await fetch(`${baseUrl}/Media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ resourceType: 'Media', status: 'completed', subject: { reference: patient },
        content: { contentType: 'image/jpeg', data: jpeg, title } }),
    });
    assert.equal(res.status, 201);
    ids.push(res.headers.get('location').split('/').pop());
  }
  // A hostile or broken server: an SVG with script for the first, and the second's JPEG
  // labelled text/html. The first must never become an image; the second shows, as JPEG.
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30" onload="window.pwned=1">' +
    '<script>window.pwned=1</script><rect width="40" height="30" fill="red"/></svg>';
  await page.route(`**/Media/${ids[0]}/files/content`, (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: svg }));
  await page.route(`**/Media/${ids[1]}/files/content`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: Buffer.from(jpeg, 'base64') }));
  // The types of the Blobs the gallery shows (the demo's CSP keeps blob: URLs out of fetch).
  await page.evaluate(() => {
    const create = URL.createObjectURL.bind(URL);
    window.blobTypes = [];
    URL.createObjectURL = (blob) => { window.blobTypes.push(blob.type); return create(blob); };
  });
  await widget.getByRole('button', { name: 'Refresh' }).click();
  await widget.getByText('2 of 2 photos', { exact: true }).waitFor();
  const item = (id) => widget.locator(`li[part="gallery-item"][data-id="${id}"] img`);
  await page.waitForFunction((img) => img.complete && img.naturalWidth === 40, await item(ids[1]).elementHandle(), { timeout: 20_000 });
  assert.deepEqual(await page.evaluate(() => window.blobTypes), ['image/jpeg'], 'one Blob shown, typed by its bytes');
  assert.equal(await item(ids[0]).getAttribute('src'), null, 'the SVG is never given to an <img>');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
});

test('retake replaces the photo in place, keeping its title', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, widget } = ctx;
  const make = (w, h) => widget.evaluate(async (el, [w, h]) => {
    const canvas = new OffscreenCanvas(w, h);
    canvas.getContext('2d').fillRect(0, 0, w, h);
    return [...new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg' })).arrayBuffer())];
  }, [w, h]).then((bytes) => ({ name: `${w}x${h}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(bytes) }));
  await widget.locator('input[type=file][multiple]').setInputFiles([await make(200, 100)]);
  const first = await card(widget, 0);
  await waitState(first, 'ready');
  await first.getByLabel('Title').fill('Wound');
  const chooser = page.waitForEvent('filechooser');
  await first.getByRole('button', { name: 'Retake Photo 1' }).press('Enter');
  await (await chooser).setFiles([await make(100, 150)]);
  await page.waitForFunction((el) => el.shadowRoot.querySelector('li.card .meta')?.textContent.startsWith('100 × 150'),
    await widget.elementHandle(), { timeout: 30_000 });
  assert.equal(await widget.locator('li.card[data-key]').count(), 1);
  assert.equal(await first.getByLabel('Title').inputValue(), 'Wound');
  assert.deepEqual(await thumbSize(first), [100, 150]);
});

test('upload all sends the photos one at a time on one encounter', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, widget, patient } = ctx;
  const uploadAll = widget.getByRole('button', { name: 'Upload all' });
  assert.equal(await uploadAll.isDisabled(), true, 'nothing to upload yet');
  const files = [];
  for (const [w, h] of [[160, 120], [120, 160], [90, 90]]) {
    const bytes = await widget.evaluate(async (el, [w, h]) => {
      const canvas = new OffscreenCanvas(w, h);
      canvas.getContext('2d').fillRect(0, 0, w / 2, h / 2);
      return [...new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg' })).arrayBuffer())];
    }, [w, h]);
    files.push({ name: `${w}x${h}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(bytes) });
  }
  await widget.locator('input[type=file][multiple]').setInputFiles(files);
  for (let i = 0; i < 3; i++) await waitState(await card(widget, i), 'ready');
  // A slow server makes overlapping creates visible in the endpoint's stats.
  await server.admin('POST', '/_admin/faults', { delayMs: 400 });
  t.after(() => server.admin('DELETE', '/_admin/faults'));
  await uploadAll.click();
  await waitState(await card(widget, 2), 'waiting', 5_000);
  for (let i = 0; i < 3; i++) await waitState(await card(widget, i), 'done', 30_000);
  const stats = await server.admin('GET', '/_admin/stats');
  assert.equal(stats.encounters['Encounter/eae3c8a5-a129-4960-9715-fc26da30eccc'].maxConcurrency, 1);
  assert.equal(stats.rejections.concurrent ?? 0, 0);
  const bundle = await fhirGet(`/Media?patient=${encodeURIComponent(patient)}`);
  assert.equal(bundle.total, 3);
  await widget.locator('li[part="gallery-item"]').nth(2).waitFor({ timeout: 20_000 });
});

test('camera asks for the rear camera; without ImageCapture the still is the video frame at native size', async (t) => {
  const ctx = await openWidget(t, { viewport: PHONE, phone: true });
  if (!ctx) return;
  const { page, widget } = ctx;
  await page.evaluate(() => {
    delete window.ImageCapture;
    const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    window.constraints = [];
    navigator.mediaDevices.getUserMedia = (c) => {
      window.constraints.push(c);
      return getUserMedia(c);
    };
  });
  const prepared = page.evaluate(() => new Promise((resolve) =>
    document.querySelector('fhir-media-capture').addEventListener('media-prepared', (e) => resolve(e.detail.prepared.source), { once: true })));
  await widget.getByRole('button', { name: 'Open camera' }).click();
  await page.waitForFunction((el) => el.shadowRoot.querySelector('video').readyState >= 2, await widget.elementHandle());
  const native = await widget.locator('video').evaluate((v) => [v.videoWidth, v.videoHeight]);
  await snap(page, '10-phone-camera');
  await widget.getByRole('button', { name: 'Take photo' }).click();
  const source = await prepared;
  assert.deepEqual([source.width, source.height], native);
  assert.equal(source.format, 'jpeg');
  const [constraints] = await page.evaluate(() => window.constraints);
  assert.deepEqual(constraints.video.facingMode, { ideal: 'environment' });
  await widget.getByRole('button', { name: 'Close camera' }).click();
});
