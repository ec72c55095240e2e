// End-to-end: the package built without the HEIC module (FHIR_MEDIA_HEIC=0, for hosts that
// must not ship an HEVC decoder: README "Patents"). scripts/build-wasm.sh runs for real on a
// copy of pkg/ (FHIR_MEDIA_PKG), where the main and codecs modules are up to date, so only
// the HEIC module is left out; then, in headless Chromium, on a page that imports the
// package's modules from that copy: a HEIC is refused with the typed `heic-not-decodable`
// (so the element can offer to send it kept), no HEIC wasm is requested, a kept HEIC and a
// JPEG still go through.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, startListening, stopChild, watchPage } from '../support/browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const testdata = process.env.FHIR_TESTDATA ?? path.join(root, '..', 'shared', 'testdata');
const HEIC_FILE = path.join(testdata, 'photos', 'heic', 'iphone_IMG_5195.HEIC');
const JPEG_FILE = path.join(testdata, 'photos', 'cam12mp_olympus_o1.jpg');
const pkg = path.join(root, 'target', 'pkg-no-heic');
const site = path.join(root, 'target', 'heic-left-out-site');

const PAGE = `<!doctype html><meta charset="utf-8"><title>no HEIC module</title><link rel="icon" href="data:,">
<script type="module">
const { prepareMedia } = await import('/www/lib/prepare.js');
const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
globalThis.leftOut = {
  async run(url, options = {}) {
    try {
      const p = await prepareMedia(new Blob([await bytes(url)]), { subject: 'Patient/left-out', ...options });
      return { format: p.source.format, contentType: p.resource.content.contentType, width: p.width, height: p.height };
    } catch (err) {
      return { error: { name: err.name, code: err.code, message: err.message } };
    }
  },
};
globalThis.leftOutReady = true;
</script>`;

let server;
let browser;
let build;

before(async () => {
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  for (const f of [HEIC_FILE, JPEG_FILE]) assert.ok(fs.existsSync(f), `${f} missing (set FHIR_TESTDATA)`);
  assert.ok(fs.existsSync(path.join(root, 'pkg', '.build-stamp-main')), 'pkg/ is not built: bash scripts/build-wasm.sh');
  fs.rmSync(pkg, { recursive: true, force: true });
  fs.cpSync(path.join(root, 'pkg'), pkg, { recursive: true });
  build = execFileSync('bash', ['scripts/build-wasm.sh'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, FHIR_MEDIA_HEIC: '0', FHIR_MEDIA_PKG: pkg },
  });
  fs.rmSync(site, { recursive: true, force: true });
  fs.mkdirSync(site, { recursive: true });
  fs.symlinkSync(path.join(root, 'www'), path.join(site, 'www'));
  fs.symlinkSync(pkg, path.join(site, 'pkg'));
  fs.symlinkSync(HEIC_FILE, path.join(site, 'photo.heic'));
  fs.symlinkSync(JPEG_FILE, path.join(site, 'photo.jpg'));
  fs.writeFileSync(path.join(site, 'index.html'), PAGE);
  server = await startListening(process.execPath, [path.join(root, 'scripts/serve-static.mjs'), site, '--port', '0'], { name: 'static server' });
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await stopChild(server?.child);
});

test('FHIR_MEDIA_HEIC=0 builds the package without the HEIC wasm, and the size check knows', () => {
  assert.match(build, /fhir_media_capture up to date/, `the main module was not rebuilt:\n${build}`);
  assert.match(build, /fhir_media_codecs up to date/);
  assert.match(build, /fhir_media_heic left out \(FHIR_MEDIA_HEIC=0\)/);
  assert.ok(!fs.existsSync(path.join(pkg, 'fhir_media_heic_bg.wasm')), 'no HEIC wasm in the package');
  assert.ok(!fs.existsSync(path.join(pkg, '.build-stamp-heic')), 'no stamp saying it is built');
  assert.match(fs.readFileSync(path.join(pkg, 'fhir_media_heic.d.ts'), 'utf8'), /HEIC_LEFT_OUT: true/);
  const size = execFileSync(process.execPath, ['scripts/check-size.mjs'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, FHIR_MEDIA_PKG: pkg },
  });
  assert.match(size, /fhir_media_heic_bg\.wasm left out \(FHIR_MEDIA_HEIC=0\)/);
});

test('without the HEIC module a HEIC is refused with heic-not-decodable, kept HEICs and JPEGs go through, no HEIC wasm is fetched', { timeout: 120_000 }, async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const watch = watchPage(page);
    const requested = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => globalThis.leftOutReady === true, null, { timeout: 60_000 });
    const run = (url, options) => page.evaluate(([u, o]) => globalThis.leftOut.run(u, o), [url, options]);

    const refused = await run('/photo.heic');
    assert.equal(refused.error?.code, 'heic-not-decodable', `a typed refusal: ${JSON.stringify(refused)}`);
    assert.equal(refused.error?.name, 'MediaError');
    const kept = await run('/photo.heic', { heic: 'keep' });
    assert.deepEqual([kept.format, kept.contentType], ['heif', 'image/heic'], `kept as it is: ${JSON.stringify(kept)}`);
    const jpeg = await run('/photo.jpg', { maxDimension: 1024 });
    assert.deepEqual([jpeg.format, jpeg.contentType], ['jpeg', 'image/jpeg']);
    // Within 1024 px, and at least 97.5 % of it (the DCT-scaled decode's rule).
    const long = Math.max(jpeg.width, jpeg.height);
    assert.ok(long <= 1024 && long >= 998, `the JPEG fitted in 1024 px: ${jpeg.width}x${jpeg.height}`);

    assert.ok(requested.includes('/pkg/fhir_media_capture_bg.wasm'), `the main module was fetched: ${requested}`);
    assert.deepEqual(requested.filter((p) => p.includes('fhir_media_heic_bg')), [], 'no HEIC wasm requested');
    assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings on the page');
  } finally {
    await context.close();
  }
});
