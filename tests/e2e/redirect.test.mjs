// End-to-end: a redirected `POST /Media` is an error, never a create and never sent again.
// XMLHttpRequest (the upload, for its progress events) follows redirects; the browser
// drops the token when one leaves the origin. Here the FHIR server's POST answers 307 to a
// second origin that allows everything by CORS and claims a create (the worst case): the
// photo's item fails with FhirError code 'redirected', the card says so, the second origin
// never saw the token and got exactly one POST, and the real server stored nothing.
// Needs FHIR_ENDPOINT_BIN (scripts/test.sh sets it).
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
const TOKEN = `secret-${crypto.randomUUID()}`;

const skipAll = !process.env.FHIR_ENDPOINT_BIN && 'FHIR_ENDPOINT_BIN not set (scripts/test.sh sets it)';
let server;
let browser;

before(async () => {
  if (skipAll) return;
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/index.html missing: run the webpack build first');
  server = await startEndpoint(['--dev', '--static-dir', dist, '--token', TOKEN], { name: 'redirect' });
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
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
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const watch = watchPage(page);
  // The demo opens with its default token, which this endpoint (run with its own) refuses.
  watch.allow(401);
  t.after(async () => {
    await context.close();
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings, CSP violations');
  });
  // The FHIR server answers the create with a temporary redirect to the other origin.
  let redirects = 0;
  await page.route(`${server.url}/Media`, (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    redirects++;
    return route.fulfill({ status: 307, headers: { location: `${other.url}/Media` } });
  });
  await page.goto(`${server.url}/`);
  const patient = `Patient/${crypto.randomUUID().replaceAll('-', '')}`;
  await page.fill('#patient', patient);
  await page.fill('#token', TOKEN);
  await page.locator('#settings').dispatchEvent('change');
  const widget = page.locator('fhir-media-capture');
  await widget.getByText('No photos for this patient yet').waitFor();

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
