// The published package as a user gets it: `npm pack`, the tarball's file list, then a
// scratch webpack 5 project that installs the tarball, imports { prepareMedia, MediaClient }
// from 'fhir-media-capture', prepares an image made in the page and uploads it to the
// local endpoint (FHIR_ENDPOINT_BIN, serving the scratch build with --static-dir), in
// headless Chromium via playwright-core. The endpoint must then answer GET /Media/<id>.
//
// webpack runs through its Node API from the repo's own node_modules (no second install
// of webpack, no registry access); only the tarball is installed into the scratch
// project, with `npm install --offline` and an empty cache of its own: its one runtime
// dependency, `idb`, is packed from the repo's node_modules and installed beside it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import webpack from 'webpack';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS } from '../support/browser.mjs';
import { TOKEN, endpointBin, pack, root, scratchApp, startEndpoint, storedMedia } from './scratch.mjs';

const pkgJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

let tmp;
let tarball;
let packed; // npm pack --json: { filename, size, unpackedSize, files: [{ path, size }] }
let endpoint;
let browser;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fmc-pack-'));
  assert.ok(fs.existsSync(path.join(root, 'pkg', 'fhir_media_capture_bg.wasm')), 'pkg/ missing: run scripts/build-wasm.sh first');
  packed = await pack(tmp);
  tarball = packed.tarball;
  console.log(`npm pack: ${packed.filename} ${(packed.size / 1024).toFixed(0)} KB packed, ` +
    `${(packed.unpackedSize / 1024).toFixed(0)} KB unpacked, ${packed.files.length} files:\n  ` +
    packed.files.map((f) => `${f.path} (${f.size} B)`).join('\n  '));
});

after(async () => {
  await browser?.close();
  if (endpoint) {
    endpoint.child.kill();
  }
  if (tmp && !process.env.KEEP_PACK_TMP) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds the ESM entry, its declarations and the wasm build', () => {
  const files = new Set(packed.files.map((f) => f.path));
  const wanted = [
    'package.json',
    'www/lib/index.js',
    'www/lib/index.d.ts',
    // The main module (prepareMedia, MediaClient, QueueCore), instantiated on first use.
    'pkg/fhir_media_capture.js',
    'pkg/fhir_media_capture_bg.wasm',
    // The codecs module (PNG, WebP, GIF, BMP), which prepare.js instantiates on demand.
    'pkg/fhir_media_codecs.js',
    'pkg/fhir_media_codecs_bg.wasm',
  ];
  for (const extra of ['www/lib/element.js', 'www/lib/element.d.ts', 'www/lib/worker.js']) {
    if (fs.existsSync(path.join(root, extra))) wanted.push(extra);
  }
  for (const f of wanted) assert.ok(files.has(f), `${f} is in the tarball`);

  // Every relative import of a packed module resolves inside the tarball.
  for (const f of files) {
    if (!/\.(m?js|d\.ts)$/.test(f)) continue;
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    for (const [, spec] of text.matchAll(/(?:from\s+|import\s*\(\s*|new URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), spec));
      assert.ok(files.has(target), `${f} refers to ${spec}, which is in the tarball`);
    }
  }

  const unwanted = [
    /^src\//, /^tests?\//, /(^|\/)node_modules\//, /(^|\/)\.data\//, /^target\//, /^endpoint\//,
    /^scripts\//, /^www\/demo\//, /^dist\//, /^\.tools\//, /^\.venv\//, /(^|\/)\.gitignore$/,
    /\.(jpe?g|png|heic|heif|webp|gif|bmp|tiff?)$/i, /\.(rs|log|tgz)$/, /(^|\/)\.build-stamp/,
  ];
  for (const f of files) {
    for (const re of unwanted) assert.ok(!re.test(f), `${f} must not be published (${re})`);
  }
  // Everything the exports map names is packed.
  const targets = (v) => (typeof v === 'string' ? [v] : Object.values(v ?? {}).flatMap(targets));
  const exportTargets = [...targets(pkgJson.exports), pkgJson.types].filter(Boolean);
  assert.ok(exportTargets.length > 0, 'package.json has exports');
  for (const t of exportTargets) {
    assert.ok(files.has(path.posix.normalize(t)), `exports/types target ${t} is in the tarball`);
  }
  // Every export condition set names its declarations.
  for (const [key, value] of Object.entries(pkgJson.exports)) {
    if (key === './package.json') continue;
    assert.ok(typeof value === 'object' && value.types, `exports["${key}"] has "types"`);
  }
});

test('a webpack 5 app using the installed tarball prepares and uploads a Media', { timeout: 180_000 }, async () => {
  assert.ok(endpointBin(), 'endpoint binary not found (scripts/test.sh exports FHIR_ENDPOINT_BIN)');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');

  // The scratch project, as a user would write it.
  const app = path.join(tmp, 'app');
  const installed = await scratchApp(app, tarball);
  assert.equal(installed.version, pkgJson.version);
  const hasElement = Boolean(pkgJson.exports['./element']);
  fs.writeFileSync(path.join(app, 'src', 'index.js'), `
import { prepareMedia, MediaClient } from 'fhir-media-capture';
${hasElement ? "import 'fhir-media-capture/element';" : ''}

async function main() {
  // A small photo made in the page: a gradient with a few shapes, as a PNG blob (so it
  // goes through the codecs module, which prepareMedia instantiates on demand).
  const canvas = new OffscreenCanvas(96, 64);
  const ctx = canvas.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, 96, 64);
  g.addColorStop(0, '#c33'); g.addColorStop(1, '#36c');
  ctx.fillStyle = g; ctx.fillRect(0, 0, 96, 64);
  ctx.fillStyle = '#fe4'; ctx.fillRect(20, 16, 30, 24);
  const blob = await canvas.convertToBlob({ type: 'image/png' });

  const prepared = await prepareMedia(blob, {
    subject: 'Patient/pack-test', title: 'npm pack test', format: 'jpeg', maxDimension: 64,
  });
  const client = new MediaClient({ baseUrl: location.origin, token: ${JSON.stringify(TOKEN)} });
  const { id } = await client.create(prepared.resource);
  const out = document.getElementById('out');
  out.dataset.contentType = prepared.contentType;
  out.dataset.size = prepared.width + 'x' + prepared.height;
  out.dataset.element = String(Boolean(customElements.get('fhir-media-capture')));
  out.dataset.id = id;
  out.textContent = id;
}

main().catch((err) => {
  document.getElementById('out').dataset.error = String(err && (err.stack || err.message) || err);
});
`);

  // webpack from the repo, building the scratch project; modules resolve from the scratch
  // node_modules only, so a file the tarball lacks fails the build here.
  const dist = path.join(app, 'dist');
  const stats = await new Promise((resolve, reject) => {
    webpack({
      mode: 'production',
      context: app,
      entry: './src/index.js',
      output: { path: dist, filename: 'main.[contenthash:8].js', clean: true },
      resolve: { modules: [path.join(app, 'node_modules')] },
      performance: { hints: false },
    }, (err, s) => (err ? reject(err) : resolve(s)));
  });
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  const info = stats.toJson({ assets: true, all: false });
  const main = info.assets.find((a) => /^main\..*\.js$/.test(a.name));
  assert.ok(main, 'webpack emitted the entry chunk');
  // The main and codecs modules, both found through new URL(..., import.meta.url).
  const wasmAssets = info.assets.filter((a) => a.name.endsWith('.wasm')).map((a) => a.name);
  assert.equal(wasmAssets.length, 2, `webpack emitted the two wasm modules (main, codecs) as assets: ${wasmAssets}`);
  fs.writeFileSync(path.join(dist, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>pack test</title><p id="out"></p><script src="${main.name}"></script>\n`);

  endpoint = await startEndpoint(dist, path.join(tmp, 'data'));
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(`${endpoint.url}/`);
  await page.waitForSelector('#out[data-id], #out[data-error]', { timeout: 60_000 });
  const out = await page.$eval('#out', (el) => ({ ...el.dataset }));
  assert.equal(out.error, undefined, `the page failed: ${out.error}`);
  assert.deepEqual(pageErrors, []);
  assert.equal(out.contentType, 'image/jpeg');
  assert.match(out.size, /^64x4[23]$/, 'longest side capped at maxDimension');
  assert.match(out.id, /^[A-Za-z0-9.-]{1,64}$/);
  if (hasElement) {
    // The element's import registers it (sideEffects keeps it) and its worker is bundled.
    assert.equal(out.element, 'true', "import 'fhir-media-capture/element' registers <fhir-media-capture>");
    assert.ok(info.assets.length >= 3, `entry, worker chunk and wasm emitted: ${info.assets.map((a) => a.name)}`);
  }

  const media = await storedMedia(endpoint.url, out.id);
  assert.equal(media.resourceType, 'Media');
  assert.equal(media.id, out.id);
  assert.equal(media.subject.reference, 'Patient/pack-test');
  assert.equal(media.content.title, 'npm pack test');
});
