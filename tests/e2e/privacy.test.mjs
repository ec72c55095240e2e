// End-to-end: where the bearer token may go. After a whole flow (prepare, a refused and a
// retried upload, the created Media, the gallery's images) the token is in no storage the
// page keeps (IndexedDB, localStorage, sessionStorage, Cache Storage), no URL the page
// loaded, no console line and no error the element shows or sends; and an image behind a
// redirect to another origin (a presigned storage URL) is fetched without it; a redirected
// `POST /Media` is an error, never a create and never sent again (XMLHttpRequest, used for
// its progress events, follows redirects; the browser drops the token when one leaves the
// origin). Needs
// FHIR_ENDPOINT_BIN (scripts/test.sh sets it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, watchPage } from '../support/browser.mjs';
import { startEndpoint } from '../support/endpoint.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist');
// A token of this run's own, so any copy of it anywhere is found.
const TOKEN = `secret-${crypto.randomUUID()}`;

const skipAll = !process.env.FHIR_ENDPOINT_BIN && 'FHIR_ENDPOINT_BIN not set (scripts/test.sh sets it)';
let server;
let browser;

before(async () => {
  if (skipAll) return;
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/index.html missing: run the webpack build first');
  server = await startEndpoint(['--dev', '--static-dir', dist, '--token', TOKEN]);
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openDemo(t) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const watch = watchPage(page);
  // The demo opens with its default token, which this endpoint (run with its own) refuses.
  watch.allow(401);
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(m.text()));
  t.after(async () => {
    await context.close();
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings, CSP violations');
  });
  await page.goto(`${server.url}/`);
  const patient = `Patient/${crypto.randomUUID().replaceAll('-', '')}`;
  await page.fill('#patient', patient);
  await page.fill('#token', TOKEN);
  await page.locator('#settings').dispatchEvent('change');
  const widget = page.locator('fhir-media-capture');
  await widget.getByText('No photos for this patient yet').waitFor();
  return { page, widget, watch, patient, consoleLines };
}

/** One JPEG made in the page, added to the element and uploaded; resolves with the Media id. */
function uploadOne(widget) {
  return widget.evaluate(async (el) => {
    const canvas = new OffscreenCanvas(160, 120);
    const g = canvas.getContext('2d');
    g.fillStyle = '#48a'; g.fillRect(0, 0, 160, 120);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    window.errorsSeen ??= [];
    el.addEventListener('media-error', (e) => window.errorsSeen.push(`${e.detail?.message} ${JSON.stringify(e.detail)}`));
    const created = new Promise((resolve) => el.addEventListener('media-created', (e) => resolve(e.detail.id), { once: true }));
    await new Promise((resolve) => {
      el.addEventListener('media-prepared', resolve, { once: true });
      el.addFiles([new File([blob], 'photo.jpg', { type: 'image/jpeg' })]);
    });
    el.queueOptions = { baseDelayMs: 100, maxDelayMs: 500 };
    el.uploadAll();
    return created;
  });
}

test('after a whole flow the token is in no storage, URL, console line or error message', async (t) => {
  if (skipAll) return t.skip(skipAll);
  const { page, widget, watch, consoleLines } = await openDemo(t);
  // One refused attempt (503, retried) so that an error passes through too.
  await server.admin('POST', '/_admin/faults', { failNext: { count: 1, status: 503, retryAfter: 1 } });
  watch.allow(503);
  const id = await uploadOne(widget);
  await widget.getByRole('button', { name: 'Refresh' }).click();
  await page.waitForFunction((el) => [...el.shadowRoot.querySelectorAll('.gallery img')].some((img) => img.complete && img.naturalWidth > 0),
    await widget.elementHandle(), { timeout: 20_000 });

  // And one photo queued and held, so that IndexedDB holds a whole item when it is scanned.
  await widget.evaluate(async (el) => {
    el.queue.pause();
    const canvas = new OffscreenCanvas(80, 60);
    canvas.getContext('2d').fillRect(0, 0, 40, 30);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg' });
    await new Promise((resolve) => {
      el.addEventListener('media-prepared', resolve, { once: true });
      el.addFiles([new File([blob], 'held.jpg', { type: 'image/jpeg' })]);
    });
    el.uploadAll();
  });
  await page.waitForFunction((el) => el.items.some((i) => i.state === 'waiting'), await widget.elementHandle());

  const kept = await page.evaluate(async () => {
    const found = [];
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const store of db.objectStoreNames) {
        const all = await new Promise((resolve, reject) => {
          const req = db.transaction(store).objectStore(store).getAll();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        found.push(`indexedDB ${name}/${store}: ${JSON.stringify(all)}`);
      }
      db.close();
    }
    for (const storage of [localStorage, sessionStorage]) {
      for (let i = 0; i < storage.length; i++) found.push(`${storage.key(i)}=${storage.getItem(storage.key(i))}`);
    }
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        found.push(`cache ${request.url} ${[...request.headers].join()} ${await (await cache.match(request)).text()}`);
      }
    }
    found.push(location.href, ...performance.getEntriesByType('resource').map((e) => e.name));
    found.push(document.querySelector('fhir-media-capture').shadowRoot.textContent);
    found.push(...(window.errorsSeen ?? []));
    return found;
  });
  const everything = [...kept, ...consoleLines].join('\n');
  assert.ok(!everything.includes(TOKEN), 'the token appears nowhere the page keeps or shows');
  assert.ok(kept.some((s) => s.startsWith('indexedDB fhir-media-capture/uploads: [{')), 'IndexedDB was scanned with an item in it');
  assert.ok(everything.includes(id), 'the scan saw the flow (the Media id is there)');
});

test('an image behind a redirect to another origin is fetched there without the token', async (t) => {
  if (skipAll) return t.skip(skipAll);
  const { page, widget } = await openDemo(t);
  // The "presigned storage" origin: records what it was sent, serves the JPEG.
  const seen = [];
  let jpeg = null;
  const storage = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null });
    res.writeHead(200, { 'content-type': 'image/jpeg', 'access-control-allow-origin': '*' }).end(jpeg);
  });
  await new Promise((resolve) => storage.listen(0, '127.0.0.1', resolve));
  t.after(() => storage.close());
  const storageUrl = `http://127.0.0.1:${storage.address().port}/bucket/photo.jpg?X-Signature=abc`;

  const id = await uploadOne(widget);
  jpeg = Buffer.from(await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(48, 36);
    canvas.getContext('2d').fillRect(0, 0, 24, 18);
    return [...new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg' })).arrayBuffer())];
  }));
  // content.url answers with a temporary redirect to the other origin, as Canvas's does to S3.
  await page.route(`**/Media/${id}/files/content`, (route) => route.fulfill({ status: 307, headers: { location: storageUrl } }));
  await widget.getByRole('button', { name: 'Refresh' }).click();
  const img = widget.locator(`li[part="gallery-item"][data-id="${id}"] img`);
  await page.waitForFunction((el) => el.complete && el.naturalWidth === 48, await img.elementHandle(), { timeout: 20_000 });
  // Every fetch there without the token. How many there are is not this test's point: a
  // fresh-clone CI run once saw two (the item rendered again, or fetched again), both
  // without it, and the count failed the test.
  const gets = seen.filter((r) => r.method === 'GET');
  assert.ok(gets.length >= 1, 'the image was fetched from the storage origin');
  assert.deepEqual(gets.map((r) => r.authorization), gets.map(() => null), 'without the token');
});

/** A second origin that lets anyone in by CORS, records what it is sent and claims a create. */
async function elsewhere(t) {
  const seen = [];
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST, GET, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type, accept',
    'access-control-expose-headers': 'Location',
  };
  const other = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk) => { bytes += chunk.length; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null, bytes });
      if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
      const base = `http://127.0.0.1:${other.address().port}`;
      res.writeHead(201, { ...cors, 'content-type': 'application/fhir+json', location: `${base}/Media/stolen/_history/1` })
        .end(JSON.stringify({ resourceType: 'Media', id: 'stolen', status: 'completed', content: { contentType: 'image/jpeg' } }));
    });
  });
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => other.close(resolve)));
  return { url: `http://127.0.0.1:${other.address().port}`, seen };
}

test('a redirected POST /Media fails the photo with "redirected": never recorded as created, never sent again, never with the token', { timeout: 60_000 }, async (t) => {
  if (skipAll) return t.skip(skipAll);
  const other = await elsewhere(t);
  const { page, widget, patient } = await openDemo(t);
  // The FHIR server answers the create with a temporary redirect to the other origin.
  let redirects = 0;
  await page.route(`${server.url}/Media`, (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    redirects++;
    return route.fulfill({ status: 307, headers: { location: `${other.url}/Media` } });
  });
  const error = await widget.evaluate(async (el) => {
    const canvas = new OffscreenCanvas(160, 120);
    const g = canvas.getContext('2d');
    g.fillStyle = '#48a'; g.fillRect(0, 0, 160, 120);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    await new Promise((resolve) => {
      el.addEventListener('media-prepared', resolve, { once: true });
      el.addFiles([new File([blob], 'photo.jpg', { type: 'image/jpeg' })]);
    });
    const failed = new Promise((resolve) => el.addEventListener('media-error', (e) => resolve(e.detail), { once: true }));
    el.queueOptions = { baseDelayMs: 50, maxDelayMs: 100 };
    el.uploadAll();
    const err = await failed;
    return { name: err.name, code: err.code, status: err.status, text: err.text };
  });
  assert.equal(error.name, 'FhirError');
  assert.equal(error.code, 'redirected');
  assert.match(error.text, new RegExp(`redirected the upload to ${other.url}/Media\\.`));
  const card = widget.locator('li[part="card"]');
  await card.and(page.locator('[data-state="failed"]')).waitFor();
  await card.getByText('The server sent the photo on to another address').waitFor();
  assert.equal(await card.getByRole('button', { name: /^Retry/ }).isVisible(), true, 'the person decides: Retry is offered');

  // Time for a retry that must not come (the backoff here is 50-100 ms).
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(redirects, 1, 'the create was not sent again');
  const posts = other.seen.filter((r) => r.method === 'POST');
  assert.ok(posts.length <= 1, 'at most the one re-send the browser makes on a 307');
  assert.deepEqual(other.seen.map((r) => r.authorization), other.seen.map(() => null), 'the token never left the FHIR server');
  assert.equal(await widget.evaluate((el) => el.items[0].state), 'failed');
  assert.equal(await widget.evaluate((el) => el.items[0].id), null, 'no Media id was taken from the other origin');
  const res = await fetch(`${server.url}/Media?patient=${patient}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal((await res.json()).total ?? 0, 0, 'the FHIR server stored nothing');
});
