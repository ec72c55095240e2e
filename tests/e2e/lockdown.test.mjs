// End-to-end: what a web page on another origin can do to the local endpoint a developer
// runs with `npm start` (`--dev`, the demo served from it): nothing. In Chromium, a page on
// another loopback port (no Private Network Access rule applies between two loopback
// pages, so only CORS and the admin token stand in the way) tries to read Media with the
// published token, read and drive the admin API, and wipe it with a "simple" POST that
// needs no preflight. The same script from an origin the endpoint allows
// (`--allow-origin`) reads everything, so the refusals are the server's doing. And a page
// that reaches the endpoint under its own domain name (DNS rebinding, simulated with
// Chromium's host resolver rules) gets 421, not the demo. Needs FHIR_ENDPOINT_BIN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS } from '../support/browser.mjs';
import { startEndpoint } from '../support/endpoint.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist');
const TOKEN = 'dev-token';
const REBIND = 'rebind.test';

const skipAll = !process.env.FHIR_ENDPOINT_BIN && 'FHIR_ENDPOINT_BIN not set (scripts/test.sh sets it)';
let other; // the other site: a plain page on another loopback port
let otherOrigin;
let browser;
const endpoints = [];

before(async () => {
  if (skipAll) return;
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/index.html missing: run the webpack build first');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  other = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>another site</title>'));
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherOrigin = `http://127.0.0.1:${other.address().port}`;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${REBIND} 127.0.0.1`],
    headless: true,
  });
});

after(async () => {
  await browser?.close();
  for (const e of endpoints) await e.stop();
  other?.close();
});

/** The endpoint as `npm start` runs it (`--dev`, the demo), plus `extra`; its request log collected. */
async function endpoint(extra = []) {
  const started = await startEndpoint(['--dev', '--static-dir', dist, ...extra]);
  endpoints.push(started);
  started.log = [];
  started.child.stderr.on('data', (chunk) => started.log.push(...String(chunk).split('\n')));
  return started;
}

async function createMedia(server, patient) {
  const jpeg = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==', 'base64');
  const res = await fetch(`${server.url}/Media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceType: 'Media', status: 'completed', subject: { reference: patient },
      content: { contentType: 'image/jpeg', data: jpeg.toString('base64'), title: 'kept' },
    }),
  });
  assert.equal(res.status, 201, await res.text());
  return res.headers.get('location').split('/').pop();
}

/** What a script on `pageOrigin` learns from `server`, and what it can make it do. */
async function attack(pageOrigin, server, patient) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${pageOrigin}/`);
    return await page.evaluate(async ({ base, token, adminToken, patient }) => {
      const read = async (url, init) => {
        try {
          const res = await fetch(url, init);
          return `${res.status} ${(await res.text()).slice(0, 60)}`;
        } catch (err) {
          return `refused: ${err.name}`;
        }
      };
      const auth = (t) => ({ headers: { authorization: `Bearer ${t}` } });
      return {
        media: await read(`${base}/Media?patient=${encodeURIComponent(patient)}`, auth(token)),
        stats: await read(`${base}/_admin/stats`),
        statsWithAdminToken: await read(`${base}/_admin/stats`, auth(adminToken)),
        // A simple request: no preflight, sent as it is; only its answer is hidden (opaque).
        simpleReset: await fetch(`${base}/_admin/reset`, {
          method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}',
        }).then((res) => res.type, (err) => `refused: ${err.name}`),
        resetWithAdminToken: await read(`${base}/_admin/reset`, { method: 'POST', ...auth(adminToken) }),
      };
    }, { base: server.url, token: TOKEN, adminToken: server.adminToken, patient });
  } finally {
    await context.close();
  }
}

test('a page on another origin reads nothing and wipes nothing; an allowed origin can', async (t) => {
  if (skipAll) return t.skip(skipAll);
  const patient = 'Patient/lockdown';
  const locked = await endpoint();
  const id = await createMedia(locked, patient);

  const seen = await attack(otherOrigin, locked, patient);
  assert.deepEqual(seen, {
    media: 'refused: TypeError',
    stats: 'refused: TypeError',
    statsWithAdminToken: 'refused: TypeError',
    simpleReset: 'opaque',
    resetWithAdminToken: 'refused: TypeError',
  }, 'every read refused by the browser');
  const log = locked.log.join('\n');
  assert.match(log, /^POST \/_admin\/reset 401 /m, 'the simple POST reached the endpoint, which refused it');
  assert.doesNotMatch(log, /^(GET|POST) \/_admin\/\S* 200 /m, 'no admin request from the page succeeded');
  const kept = await fetch(`${locked.url}/Media/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(kept.status, 200, 'the Media survived');
  assert.equal((await locked.admin('GET', '/_admin/stats')).creates, 1, 'the counters survived');

  // The same script from an origin the endpoint was told to allow: everything goes through.
  const allowing = await endpoint(['--allow-origin', otherOrigin]);
  await createMedia(allowing, patient);
  const granted = await attack(otherOrigin, allowing, patient);
  assert.match(granted.media, /^200 \{"resourceType":"Bundle"/);
  assert.match(granted.stats, /^401 /, 'no admin token, no admin API, even from an allowed origin');
  assert.match(granted.statsWithAdminToken, /^200 \{"requests"/);
  assert.match(granted.resetWithAdminToken, /^200 \{"reset":true\}/);
});

test('a page that reaches the endpoint under another name (DNS rebinding) gets 421, not the demo', async (t) => {
  if (skipAll) return t.skip(skipAll);
  const server = await endpoint();
  const port = new URL(server.url).port;
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const rebound = await page.goto(`http://${REBIND}:${port}/`);
  assert.equal(rebound.status(), 421);
  assert.match(await rebound.text(), /"code":"forbidden"/);
  assert.equal(await page.locator('fhir-media-capture').count(), 0, 'no demo on the rebound name');
  // Under its own names the demo is there.
  for (const name of ['127.0.0.1', 'localhost']) {
    const own = await page.goto(`http://${name}:${port}/`);
    assert.equal(own.status(), 200, name);
    await page.locator('fhir-media-capture').waitFor();
  }
});
