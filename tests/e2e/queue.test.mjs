// End-to-end: the upload queue of <fhir-media-capture> (UploadQueue + QueueCore) against
// the local endpoint and its fault modes, in headless Chromium. Every test asserts on what
// the endpoint stored (GET /Media?patient=… counted per Media.identifier, /_admin/stats),
// not only on what the page shows. Needs FHIR_ENDPOINT_BIN (scripts/test.sh sets it).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { chromiumPath, CHROMIUM_ARGS, watchPage } from '../support/browser.mjs';
import { startEndpoint } from '../support/endpoint.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist');
const shots = path.join(root, 'test-results');
const TOKEN = 'dev-token';
const DEMO_ENCOUNTER = 'Encounter/eae3c8a5-a129-4960-9715-fc26da30eccc';
// Short backoffs so that retries take tenths of a second, not seconds.
const QUEUE_OPTIONS = { baseDelayMs: 100, maxDelayMs: 1500, reconcileDelayMs: 300 };

let server;
let baseUrl;
let browser;
const report = {};

const skipAll = !process.env.FHIR_ENDPOINT_BIN && 'FHIR_ENDPOINT_BIN not set (scripts/test.sh sets it)';

before(async () => {
  if (skipAll) return;
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/index.html missing: run the webpack build first');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  fs.mkdirSync(shots, { recursive: true });
  server = await startEndpoint(['--dev', '--static-dir', dist]);
  baseUrl = server.url;
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (Object.keys(report).length) {
    fs.writeFileSync(path.join(shots, 'queue-report.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`queue report: ${JSON.stringify(report)}`);
  }
});

// Counters and faults start from zero in every test.
beforeEach(async () => {
  if (!skipAll) await server.admin('POST', '/_admin/reset');
});

const stats = () => server.admin('GET', '/_admin/stats');
const faults = (body) => server.admin('POST', '/_admin/faults', body);

/** Every Media the endpoint stored for `patient`. */
async function stored(patient) {
  const all = [];
  for (let offset = 0; ; offset += 100) {
    const res = await fetch(`${baseUrl}/Media?patient=${encodeURIComponent(patient)}&_count=100&_offset=${offset}`, {
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' },
    });
    assert.equal(res.status, 200);
    const bundle = await res.json();
    all.push(...(bundle.entry ?? []).map((e) => e.resource));
    if (!(bundle.link ?? []).some((l) => l.relation === 'next')) return all;
  }
}

/**
 * How many stored Media carry each of `identifiers` (urn:uuid:…), and how many stored
 * Media carry none of them. "Exactly once" is every count 1 and no extras.
 */
async function countByIdentifier(patient, identifiers) {
  const media = await stored(patient);
  const counts = Object.fromEntries(identifiers.map((id) => [id, 0]));
  let extra = 0;
  for (const m of media) {
    const ours = (m.identifier ?? []).map((i) => i.value).filter((v) => v in counts);
    if (ours.length === 1) counts[ours[0]]++;
    else extra++;
  }
  const values = Object.values(counts);
  return {
    total: media.length,
    once: values.filter((n) => n === 1).length,
    lost: values.filter((n) => n === 0).length,
    duplicates: values.filter((n) => n > 1).reduce((a, n) => a + n - 1, 0),
    extra,
  };
}

function assertExactlyOnce(counts, n) {
  assert.deepEqual(counts, { total: n, once: n, lost: 0, duplicates: 0, extra: 0 }, 'each photo stored exactly once');
}

async function waitFor(check, { timeout = 30_000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Creates go through Playwright's own HTTP client, which never re-sends: Chromium re-sends
 * a POST by itself when a *reused* keep-alive connection closes without an answer, a
 * duplicate beyond any page code. A dropped connection reaches the page as a reset.
 */
async function createsThroughPlaywright(page) {
  await page.route(`${baseUrl}/Media`, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    let response;
    try {
      response = await route.fetch();
    } catch {
      return route.abort('connectionreset');
    }
    return route.fulfill({ response });
  });
}

/** The demo page with a fresh patient, short queue backoffs, and a count of creates in flight. */
async function openWidget(t, { context: shared } = {}) {
  if (skipAll) {
    t.skip(skipAll);
    return null;
  }
  const context = shared ?? await browser.newContext({ viewport: { width: 1200, height: 900 } });
  // Creates in flight at once as the page sees them (XHR POSTs to /Media), over the whole page.
  await context.addInitScript(() => {
    window.createsInFlight = 0;
    window.maxCreatesInFlight = 0;
    const { open, send } = XMLHttpRequest.prototype;
    XMLHttpRequest.prototype.open = function patchedOpen(method, url, ...rest) {
      this.isCreate = method === 'POST' && /\/Media$/.test(String(url));
      return open.call(this, method, url, ...rest);
    };
    XMLHttpRequest.prototype.send = function patchedSend(...args) {
      if (this.isCreate) {
        window.createsSent = (window.createsSent ?? 0) + 1;
        window.maxCreatesInFlight = Math.max(window.maxCreatesInFlight, ++window.createsInFlight);
        this.addEventListener('loadend', () => { window.createsInFlight--; }, { once: true });
      }
      return send.apply(this, args);
    };
  });
  const page = await context.newPage();
  const watch = watchPage(page);
  t.after(async () => {
    await faults({});
    await context.close();
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings on the page');
  });
  await page.goto(`${baseUrl}/`);
  const patient = `Patient/${crypto.randomUUID().replaceAll('-', '')}`;
  await page.fill('#patient', patient);
  await page.locator('#settings').dispatchEvent('change');
  const widget = page.locator('fhir-media-capture');
  await widget.getByText('No photos for this patient yet').waitFor();
  await widget.evaluate((el, options) => { el.queueOptions = options; }, QUEUE_OPTIONS);
  return { context, page, patient, widget, watch };
}

/** Add `n` small, distinct JPEGs (on `encounter`, or none with null) and wait until they are ready. */
async function addPhotos(widget, n, encounter = DEMO_ENCOUNTER) {
  await widget.evaluate(async (el, [n, encounter]) => {
    if (encounter) el.setAttribute('encounter', encounter);
    else el.removeAttribute('encounter');
    const blobs = [];
    for (let i = 0; i < n; i++) {
      const canvas = new OffscreenCanvas(64, 48);
      const g = canvas.getContext('2d');
      g.fillStyle = `hsl(${Math.floor(Math.random() * 360)} 60% 50%)`;
      g.fillRect(0, 0, 64, 48);
      g.fillStyle = '#fff';
      g.fillRect(i % 60, 10, 4, 4);
      blobs.push(await canvas.convertToBlob({ type: 'image/jpeg' }));
    }
    el.addFiles(blobs);
  }, [n, encounter]);
  await waitForItems(widget, (items, n) => items.slice(-n).every((i) => i.state === 'ready'), 'photos ready', 60_000, n);
}

/**
 * Wait until `predicate(items, arg)` holds, over each photo's `{ state, id, uploadId }` as
 * the element reports it. The predicate runs here: the page's CSP refuses eval, which an
 * in-page polling function would need.
 */
async function waitForItems(widget, predicate, what, timeout = 60_000, arg = null) {
  const end = Date.now() + timeout;
  for (;;) {
    const items = await widget.evaluate((el) => el.items.map(({ state, id, uploadId }) => ({ state, id, uploadId })));
    if (items.length > 0 && predicate(items, arg)) return;
    if (Date.now() > end) throw new Error(`${what}: timed out after ${timeout} ms (states: ${items.map((i) => i.state)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const identifiersOf = (widget) => widget.evaluate((el) => el.items.map((i) => `urn:uuid:${i.uploadId}`));
const statesOf = (widget) => widget.evaluate((el) => el.items.map((i) => i.state));

async function uploadAll(widget) {
  await widget.getByRole('button', { name: 'Upload all' }).click();
}

async function axe(page, state) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [],
    `axe violations in state "${state}"`);
}

test('22 photos over 3 encounters and none: one create at a time per encounter, parallel across them, each stored once', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, patient, widget } = ctx;
  const encounters = [1, 2, 3].map(() => `Encounter/${crypto.randomUUID()}`);
  const started = Date.now();
  await addPhotos(widget, 7, encounters[0]);
  await addPhotos(widget, 7, encounters[1]);
  await addPhotos(widget, 6, encounters[2]);
  await addPhotos(widget, 2, null);
  const identifiers = await identifiersOf(widget);
  assert.equal(new Set(identifiers).size, 22);
  // Slow creates, so that encounters overlap and one encounter's creates would too.
  await faults({ delayMs: 250 });
  await uploadAll(widget);
  await widget.locator('li.card[data-state="waiting"]').first().waitFor({ timeout: 5_000 });
  await waitForItems(widget, (items) => items.every((i) => i.state === 'done'), 'all done', 90_000);
  const s = await stats();
  const perEncounter = Object.fromEntries(encounters.map((e) => [e, s.encounters[e]]));
  for (const [e, n] of [[encounters[0], 7], [encounters[1], 7], [encounters[2], 6]]) {
    assert.equal(perEncounter[e]?.maxConcurrency, 1, `${e}: never two creates at once`);
    assert.equal(perEncounter[e]?.creates, n);
  }
  assert.equal(s.rejections.concurrent ?? 0, 0);
  assert.equal(s.creates, 22);
  const maxInFlight = await page.evaluate(() => window.maxCreatesInFlight);
  assert.ok(maxInFlight >= 2 && maxInFlight <= 3, `creates overlapped across encounters, at most 3 at once (saw ${maxInFlight})`);
  // The same, as the server saw it.
  assert.ok(s.maxCreatesInFlight >= 2 && s.maxCreatesInFlight <= 3, `server: ${s.maxCreatesInFlight} creates at once`);
  const counts = await countByIdentifier(patient, identifiers);
  assertExactlyOnce(counts, 22);
  // The media ids shown are the stored ones.
  const shown = await widget.evaluate((el) => el.items.map((i) => i.id));
  const ids = new Set((await stored(patient)).map((m) => m.id));
  assert.ok(shown.every((id) => ids.has(id)));
  report.ordering = { ...counts, createAttempts: s.createAttempts,
    maxConcurrencyPerEncounter: Object.fromEntries(Object.entries(perEncounter).map(([e, v]) => [e.slice(10, 18), v.maxConcurrency])),
    maxCreatesInFlight: maxInFlight, serverMaxCreatesInFlight: s.maxCreatesInFlight, ms: Date.now() - started };
});

test('bursts of 500, of 503 with Retry-After and of 429: retried, each stored once', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, patient, widget, watch } = ctx;
  watch.allow(500, 503, 429); // Chromium logs each provoked status itself
  const started = Date.now();
  const phases = {};
  for (const [status, extra] of [[500, {}], [503, { retryAfter: 1 }], [429, { retryAfter: 1 }]]) {
    await addPhotos(widget, 3, DEMO_ENCOUNTER);
    await faults({ failNext: { count: 3, status, ...extra } });
    const t0 = Date.now();
    await uploadAll(widget);
    if (status === 503) {
      // The card counts down to the retry the server asked for.
      const retrying = widget.locator('li.card[data-state="retrying"]').first();
      await retrying.waitFor({ timeout: 10_000 });
      assert.match(await retrying.locator('.state').innerText(), /^Retrying in [01] s$/);
      assert.match(await retrying.locator('.detail').innerText(), /503/);
      await page.screenshot({ path: path.join(shots, 'queue-retrying.png'), fullPage: true });
      await axe(page, 'retrying');
    }
    await waitForItems(widget, (items) => items.every((i) => i.state === 'done'), `all done after ${status}s`, 60_000);
    phases[status] = Date.now() - t0;
    const s = await stats();
    assert.equal(s.rejections[String(status)], 3, `three ${status}s were served`);
    if (status !== 500) assert.ok(phases[status] >= 1000, `Retry-After: 1 was honoured (${phases[status]} ms)`);
  }
  const s = await stats();
  const counts = await countByIdentifier(patient, await identifiersOf(widget));
  assertExactlyOnce(counts, 9);
  assert.equal(s.creates, 9);
  assert.equal(s.encounters[DEMO_ENCOUNTER].maxConcurrency, 1);
  report.retries = { ...counts, createAttempts: s.createAttempts, rejections: s.rejections, phaseMs: phases, ms: Date.now() - started };
});

test('the connection dropped after commit on 5 items: reconciled, 0 duplicates, 0 lost', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, patient, widget, watch } = ctx;
  watch.allow(/^net::ERR_CONNECTION_RESET$/); // Chromium's line for each provoked drop
  const started = Date.now();
  await addPhotos(widget, 4, DEMO_ENCOUNTER);
  await addPhotos(widget, 2, null);
  const created = page.evaluate(() => new Promise((resolve) => {
    const seen = [];
    document.querySelector('fhir-media-capture').addEventListener('media-created', (e) => {
      seen.push(e.detail.reconciled);
      if (seen.length === 6) resolve(seen);
    });
  }));
  // Chromium re-sends a POST by itself when a *reused* HTTP/1.1 keep-alive connection
  // closes without an answer (measured here: 6 sends from the page, 8 POSTs stored), so
  // against this endpoint the duplicate would be the browser's, beyond any page code.
  // The creates go through Playwright's own HTTP client instead (which never re-sends),
  // and a dropped connection reaches the page as a connection reset: an unknown outcome.
  await createsThroughPlaywright(page);
  await faults({ dropNext: { count: 5, when: 'after-commit' } });
  await uploadAll(widget);
  await waitForItems(widget, (items) => items.every((i) => i.state === 'done'), 'all done', 60_000);
  const s = await stats();
  assert.equal(s.dropped.afterCommit, 5);
  assert.equal(await page.evaluate(() => window.createsSent), 6, 'no create was sent again after a drop');
  assert.equal(s.createAttempts, 6);
  assert.equal(s.creates, 6);
  const reconciled = (await created).filter(Boolean).length;
  assert.equal(reconciled, 5, 'the five dropped creates were found by searching, not sent again');
  const counts = await countByIdentifier(patient, await identifiersOf(widget));
  assertExactlyOnce(counts, 6);
  report.drops = { ...counts, createAttempts: s.createAttempts, droppedAfterCommit: s.dropped.afterCommit, reconciled, ms: Date.now() - started };
});

test('a reload in the middle of uploading 10 photos: restored, and all 10 stored exactly once', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, patient, widget } = ctx;
  const started = Date.now();
  await addPhotos(widget, 10, DEMO_ENCOUNTER);
  const identifiers = await identifiersOf(widget);
  await faults({ delayMs: 400 });
  await uploadAll(widget);
  // Reload while a create is on the server and some are done.
  await waitFor(async () => (await stats()).creates >= 3, { what: '3 creates' });
  const before = await stats();
  await page.reload();
  // The page opens again on the same patient's chart (the demo's form is back to its
  // defaults): the photos queued for that patient, by the same user, come back.
  await openPatient(page, patient);
  const cards = widget.locator('li.card[data-key]');
  await cards.first().waitFor({ timeout: 15_000 });
  assert.match(await cards.first().locator('.meta').innerText(), /^Restored from an earlier visit/);
  await page.screenshot({ path: path.join(shots, 'queue-restored.png'), fullPage: true });
  await waitForItems(widget, (items) => items.every((i) => i.state === 'done'), 'restored photos done', 60_000);
  // Cards stay when done: these are the photos that came back.
  const restored = await cards.count();
  assert.ok(restored >= 1 && restored <= 10 - before.creates + 1, `the unfinished photos came back (${restored})`);
  const s = await stats();
  const counts = await countByIdentifier(patient, identifiers);
  assertExactlyOnce(counts, 10);
  assert.equal(s.creates, 10);
  assert.equal(s.encounters[DEMO_ENCOUNTER].maxConcurrency, 1);
  // Finished items leave storage.
  assert.equal(await storedCount(page), 0, 'nothing left in IndexedDB');
  report.reload = { ...counts, createAttempts: s.createAttempts, createsBeforeReload: before.creates, restoredCards: restored,
    maxConcurrency: s.encounters[DEMO_ENCOUNTER].maxConcurrency, ms: Date.now() - started };
});

/** Queue every ready photo but hold the queue (as offline would), so they stay in storage. */
async function holdAndQueue(widget) {
  await widget.evaluate((el) => el.queue.pause());
  await uploadAll(widget);
  await waitForItems(widget, (items) => items.every((i) => i.state === 'waiting'), 'queued and held', 10_000);
}

/** The demo page on `patient`'s chart: only that patient's stored photos are restored. */
async function openPatient(page, patient) {
  await page.fill('#patient', patient);
  await page.locator('#settings').dispatchEvent('change');
}

/** Sign the demo page in as `owner` on `patient` with `token`, as a host app would on a user switch. */
async function signIn(page, { owner, patient, token }) {
  await page.fill('#owner', owner);
  await page.fill('#patient', patient);
  await page.fill('#token', token);
  await page.locator('#settings').dispatchEvent('change');
}

test('a shared workstation: photos queued by one user are neither shown nor sent for the next user; back as that user, they are sent once', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, patient, widget } = ctx;
  const userA = { owner: 'Practitioner/user-a', patient, token: TOKEN };
  await signIn(page, userA);
  await widget.getByText('No photos for this patient yet').waitFor();
  await addPhotos(widget, 2, DEMO_ENCOUNTER);
  // Queued, and held back (as offline would), so they are still in storage at the reload.
  await holdAndQueue(widget);
  const identifiers = await identifiersOf(widget);

  // The next user of this browser, on another patient, with their own token.
  await page.reload();
  const patientB = `Patient/${crypto.randomUUID().replaceAll('-', '')}`;
  await signIn(page, { owner: 'Practitioner/user-b', patient: patientB, token: 'dev-read-only-token' });
  await widget.getByText('No photos for this patient yet').waitFor();
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await widget.locator('li.card[data-key]').count(), 0, "user B sees none of user A's photos");
  assert.deepEqual(await widget.evaluate((el) => el.queue.items()), [], "user B's queue holds none of them");
  assert.equal((await stats()).createAttempts, 0, 'nothing was sent under user B');
  // User A's photos are not restored for A's other patients either.
  await signIn(page, { ...userA, patient: `Patient/${crypto.randomUUID().replaceAll('-', '')}` });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await widget.locator('li.card[data-key]').count(), 0, 'not shown on another patient of the same user');

  // Back as user A on the patient: restored and sent, each once.
  await signIn(page, userA);
  await waitForItems(widget, (items) => items.length === 2 && items.every((i) => i.state === 'done'), 'sent as user A', 30_000);
  assertExactlyOnce(await countByIdentifier(patient, identifiers), 2);
  assert.equal((await stats()).createAttempts, 2);
});

/** How many items IndexedDB holds (-1: no database at all). */
function storedCount(page) {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'fhir-media-capture')) return -1;
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('fhir-media-capture');
      open.onsuccess = () => {
        const req = open.result.transaction('uploads').objectStore('uploads').count();
        req.onsuccess = () => { resolve(req.result); open.result.close(); };
        req.onerror = () => reject(req.error);
      };
      open.onerror = () => reject(open.error);
    });
  });
}

test('wipe: queue.clear() forgets every queued photo, UploadQueue.clearAll() deletes the database', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, widget } = ctx;
  await addPhotos(widget, 2, DEMO_ENCOUNTER);
  await holdAndQueue(widget);
  assert.equal(await storedCount(page), 2);
  assert.deepEqual(await widget.evaluate((el) => el.queue.clear()), [], 'nothing was in flight');
  assert.deepEqual(await widget.evaluate((el) => el.queue.items()), []);
  assert.equal(await storedCount(page), 0, 'nothing left in IndexedDB');
  // Logout: the element goes, then the whole database.
  await addPhotos(widget, 1, DEMO_ENCOUNTER);
  await uploadAll(widget);
  await waitForItems(widget, (items) => items.at(-1).state === 'waiting', 'queued and held', 10_000);
  assert.equal(await storedCount(page), 1);
  await widget.evaluate(async (el) => {
    const { queue } = el;
    el.remove();
    await queue.close();
    await queue.constructor.clearAll();
  });
  assert.equal(await storedCount(page), -1, 'the database is gone');
  assert.equal((await stats()).createAttempts, 0);
});

test('expiry: stored photos queued too long ago are reported before removal; the host keeps one, the other is deleted unsent', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, patient, widget } = ctx;
  await addPhotos(widget, 2, DEMO_ENCOUNTER);
  await holdAndQueue(widget);
  const [keep, drop] = await identifiersOf(widget);
  await page.reload();
  // The next visit, with a 1 ms expiry: both are expired; the host keeps the first.
  await widget.evaluate((el, [keep, options]) => {
    window.expired = [];
    el.addEventListener('media-expired', (e) => {
      window.expired.push(`urn:uuid:${e.detail.id}`);
      if (`urn:uuid:${e.detail.id}` === keep) e.preventDefault();
    });
    el.queueOptions = options;
  }, [keep, { ...QUEUE_OPTIONS, expireAfterMs: 1 }]);
  await openPatient(page, patient);
  await waitForItems(widget, (items) => items.length === 1 && items[0].state === 'done', 'the kept one sent', 30_000);
  assert.deepEqual((await page.evaluate(() => window.expired)).sort(), [keep, drop].sort(), 'both reported before removal');
  const counts = await countByIdentifier(patient, [keep, drop]);
  assert.deepEqual(counts, { total: 1, once: 1, lost: 1, duplicates: 0, extra: 0 }, 'the kept one stored once, the other never sent');
  assert.equal(await storedCount(page), 0, 'the expired one was deleted from storage');
});

test('offline, then online: the queue waits, then resumes by itself', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { context, page, patient, widget, watch } = ctx;
  watch.allow(/^net::ERR_INTERNET_DISCONNECTED$/); // a request the browser refused while offline
  const started = Date.now();
  // Prepared while online (the worker and its wasm load over the network).
  await addPhotos(widget, 3, DEMO_ENCOUNTER);
  await addPhotos(widget, 1, null);
  await context.setOffline(true);
  const banner = widget.locator('p.banner');
  await banner.waitFor({ timeout: 5_000 });
  assert.match(await banner.innerText(), /^You are offline\./);
  await uploadAll(widget);
  await waitForItems(widget, (items) => items.every((i) => i.state === 'waiting'), 'waiting offline', 10_000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await statesOf(widget), ['waiting', 'waiting', 'waiting', 'waiting'], 'nothing is attempted offline');
  assert.equal((await stats()).createAttempts, 0);
  await widget.locator('li.card[data-state="waiting"]').first().getByText('Waiting for the connection').waitFor();
  await page.screenshot({ path: path.join(shots, 'queue-offline.png'), fullPage: true });
  await axe(page, 'offline');
  const offlineMs = Date.now();
  await context.setOffline(false);
  await waitForItems(widget, (items) => items.every((i) => i.state === 'done'), 'done after going online', 30_000);
  assert.equal(await banner.isHidden(), true);
  const s = await stats();
  const counts = await countByIdentifier(patient, await identifiersOf(widget));
  assertExactlyOnce(counts, 4);
  report.offline = { ...counts, createAttempts: s.createAttempts, resumeMs: Date.now() - offlineMs, ms: Date.now() - started };
});

test('a server that keeps no identifiers, and a lost answer it cannot tell apart: needs review, nothing sent blindly', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { page, patient, widget, watch } = ctx;
  watch.allow(/^net::ERR_CONNECTION_RESET$/); // the provoked lost answer
  const started = Date.now();
  // The server as some deployments are: searches come back without Media.identifier.
  await page.route((url) => url.pathname === '/Media' && url.searchParams.has('patient'), async (route) => {
    const response = await route.fetch();
    const bundle = await response.json();
    for (const entry of bundle.entry ?? []) delete entry.resource.identifier;
    return route.fulfill({ response, json: bundle });
  });
  // Creates through Playwright's client, as in the drop test (no silent re-send by the browser).
  await createsThroughPlaywright(page);
  await addPhotos(widget, 1, null);
  const [identifier] = await identifiersOf(widget);
  await widget.locator('li.card').first().getByLabel('Title').fill('Left forearm');
  // Our create is stored and its answer lost; meanwhile another client stores a Media
  // with the same title and type: two new look-alikes, and no identifiers to tell them apart.
  await faults({ delayMs: 800, dropNext: { count: 1, when: 'after-commit' } });
  await uploadAll(widget);
  await waitFor(async () => (await stats()).createAttempts >= 1, { what: 'the create at the server' });
  const jpeg = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(40, 30);
    canvas.getContext('2d').fillRect(0, 0, 20, 15);
    return btoa(String.fromCharCode(...new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg' })).arrayBuffer())));
  });
  const other = await fetch(`${baseUrl}/Media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ resourceType: 'Media', status: 'completed', subject: { reference: patient },
      content: { contentType: 'image/jpeg', data: jpeg, title: 'Left forearm' } }),
  });
  assert.equal(other.status, 201);
  const card = widget.locator('li.card').first();
  await card.locator('xpath=self::*[@data-state="needs-review"]').waitFor({ timeout: 20_000 });
  assert.equal(await card.getByRole('alert').innerText(), 'This photo may already be in the chart.');
  await card.getByRole('button', { name: 'Send anyway Photo 1' }).waitFor();
  await page.screenshot({ path: path.join(shots, 'queue-needs-review.png'), fullPage: true });
  await axe(page, 'needs review');
  await new Promise((r) => setTimeout(r, 500));
  const s = await stats();
  assert.equal(s.createAttempts, 2, 'nothing was posted again: our one create and the other client\'s');
  const counts = await countByIdentifier(patient, [identifier]);
  assert.deepEqual({ once: counts.once, duplicates: counts.duplicates }, { once: 1, duplicates: 0 });
  // Discard: nothing is sent, the card and the stored item go.
  await card.getByRole('button', { name: 'Discard Photo 1' }).click();
  await waitFor(async () => (await widget.locator('li.card[data-key]').count()) === 0, { what: 'the card gone' });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await stats()).createAttempts, 2);
  report.review = { ...counts, createAttempts: s.createAttempts, ms: Date.now() - started };
});

test('storage full: the quota error is shown, and the upload goes on in memory', async (t) => {
  if (skipAll) return t.skip(skipAll);
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  // Every IndexedDB write fails as a full disk makes it fail.
  await context.addInitScript(() => {
    IDBObjectStore.prototype.put = function put() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  const ctx = await openWidget(t, { context });
  const { page, patient, widget } = ctx;
  const errors = page.evaluate(() => new Promise((resolve) =>
    document.querySelector('fhir-media-capture').addEventListener('storage-error', (e) => resolve(e.detail.error.name), { once: true })));
  await addPhotos(widget, 2, DEMO_ENCOUNTER);
  await uploadAll(widget);
  assert.equal(await errors, 'QuotaExceededError');
  const alert = widget.locator('section.queue > p.error[role="alert"]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /cannot be saved on this device \(the storage is full\)/);
  await waitForItems(widget, (items) => items.every((i) => i.state === 'done'), 'done without storage', 30_000);
  assertExactlyOnce(await countByIdentifier(patient, await identifiersOf(widget)), 2);
  await axe(page, 'storage error');
});

test('two tabs: a tab never takes over photos another open tab holds; after it closes, they are sent once', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { context, page, patient, widget } = ctx;
  // Tab A queues 3 photos but holds them (paused), as a tab busy elsewhere would.
  await addPhotos(widget, 3, DEMO_ENCOUNTER);
  await widget.evaluate((el) => el.queue.pause());
  await uploadAll(widget);
  await waitForItems(widget, (items) => items.every((i) => i.state === 'waiting'), 'queued in tab A', 10_000);
  const identifiers = await identifiersOf(widget);
  // Tab B opens on the same origin: the stored items are there, but their locks are A's.
  const pageB = await context.newPage();
  const watchB = watchPage(pageB);
  await pageB.goto(`${baseUrl}/`);
  const widgetB = pageB.locator('fhir-media-capture');
  await pageB.waitForFunction((el) => el.queue, await widgetB.elementHandle());
  assert.deepEqual(await widgetB.evaluate((el) => el.queue.restore()), [], 'tab B restores nothing A holds');
  assert.equal(await widgetB.locator('li.card[data-key]').count(), 0);
  assert.equal((await stats()).createAttempts, 0);
  // Tab A goes away; B, opened again, takes the photos over and sends each once.
  await page.close();
  await pageB.reload();
  await openPatient(pageB, patient);
  await widgetB.locator('li.card[data-key]').nth(2).waitFor({ timeout: 15_000 });
  await waitForItems(widgetB, (items) => items.every((i) => i.state === 'done'), 'sent from tab B', 30_000);
  const s = await stats();
  assertExactlyOnce(await countByIdentifier(patient, identifiers), 3);
  assert.equal(s.createAttempts, 3);
  report.tabs = { stored: 3, createAttempts: s.createAttempts };
  assert.deepEqual(watchB.problems(), [], 'tab B: uncaught errors, console errors or warnings');
});

test('a create with no answer in time is aborted; the server still stores it; the search after reconcileDelayMs finds it: stored once, never sent again', async (t) => {
  const ctx = await openWidget(t);
  if (!ctx) return;
  const { patient, widget } = ctx;
  // The server takes 1.5 s and finishes the create although the page gave up after 0.5 s;
  // the search waits reconcileDelayMs (2 s) after the lost answer, so it sees the Media.
  await widget.evaluate((el, options) => { el.queueOptions = options; },
    { ...QUEUE_OPTIONS, createTimeoutMs: 500, reconcileDelayMs: 2_000 });
  await addPhotos(widget, 1, DEMO_ENCOUNTER);
  await faults({ delayMs: 1500 });
  await uploadAll(widget);
  await waitFor(async () => (await stats()).createAttempts >= 1, { what: 'the first create' });
  const card = widget.locator('li.card').first();
  await card.locator('xpath=self::*[@data-state="retrying" or @data-state="reconciling"]').waitFor({ timeout: 5_000 });
  await waitForItems(widget, (items) => items.every((i) => i.state === 'done'), 'done after a timeout', 30_000);
  const s = await stats();
  assertExactlyOnce(await countByIdentifier(patient, await identifiersOf(widget)), 1);
  assert.equal(s.createAttempts, 1, 'found by the search, not sent again');
  assert.equal(s.rejections.concurrent ?? 0, 0, 'never a second create while the first was still being stored');
  await faults({});
  report.timeout = { createAttempts: s.createAttempts, creates: s.creates };
});
