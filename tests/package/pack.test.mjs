// The published package as a user gets it, packed once and installed once: `npm pack`, the
// tarball's file list, then one scratch app (tests/package/app/) that installs the tarball
// offline from an empty cache of its own (its one dependency, `idb`, packed from the
// repo's node_modules beside it), built by webpack 5, Vite, Rollup and esbuild as README.md
// ("Bundlers") configures them (tests/package/builds.mjs). The local endpoint
// (FHIR_ENDPOINT_BIN) serves each build; in headless Chromium the page prepares a JPEG
// and uploads it with MediaClient, and the element prepares another in its worker and
// uploads it. Each ends with both Media stored, 0 console errors or warnings, and the
// codecs wasm never fetched (a JPEG never needs it); webpack's build also has a PNG page,
// which must fetch the codecs wasm and upload. Vite's dev server, what `npm run dev`
// serves, runs the same page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS } from '../support/browser.mjs';
import { endpointBin, startEndpoint } from '../support/endpoint.mjs';
import {
  TOKEN, outputSizes, pack, root, scratchApp, storedMedia, visit, wasmModuleOf,
} from './scratch.mjs';
import { builds, html, viteDevServer } from './builds.mjs';
import { importMetaUrlFiles } from './rollup-import-meta-url.mjs';

const pkgJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const PATIENT = 'Patient/bundler-test';

let tmp;
let packed; // npm pack --json: { filename, size, unpackedSize, files: [{ path, size }], tarball }
let app;
let installed; // the package.json npm installed into the scratch app
let sites;
let endpoint;
let browser;
let moduleOf;

before(async () => {
  assert.ok(fs.existsSync(path.join(root, 'pkg', 'fhir_media_capture_bg.wasm')), 'pkg/ missing: run scripts/build-wasm.sh first');
  assert.ok(endpointBin(), 'endpoint binary not found (scripts/test.sh exports FHIR_ENDPOINT_BIN)');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fmc-pack-'));
  let t = Date.now();
  packed = await pack(tmp);
  console.log(`npm pack: ${packed.filename} ${(packed.size / 1024).toFixed(0)} KB packed, ` +
    `${(packed.unpackedSize / 1024).toFixed(0)} KB unpacked, ${packed.files.length} files, ${Date.now() - t} ms:\n  ` +
    packed.files.map((f) => `${f.path} (${f.size} B)`).join('\n  '));
  app = path.join(tmp, 'app');
  t = Date.now();
  installed = await scratchApp(app, packed.tarball);
  console.log(`npm install --offline (empty cache): ${Date.now() - t} ms`);
  for (const f of fs.readdirSync(path.join(root, 'tests/package/app'))) {
    fs.copyFileSync(path.join(root, 'tests/package/app', f), path.join(app, 'src', f));
  }
  moduleOf = wasmModuleOf(app);
  sites = path.join(tmp, 'sites');
  fs.mkdirSync(sites);
  endpoint = await startEndpoint(['--static-dir', sites, '--token', TOKEN]);
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await endpoint?.stop();
  if (tmp && !process.env.KEEP_PACK_TMP) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds the ESM entries, their declarations and the wasm build, and nothing else', () => {
  assert.equal(installed.version, pkgJson.version, 'npm installed the packed version');
  const files = new Set(packed.files.map((f) => f.path));
  const wanted = [
    'package.json',
    'www/lib/index.js',
    'www/lib/index.d.ts',
    'www/lib/element.js',
    'www/lib/element.d.ts',
    'www/lib/worker.js',
    // The main module (prepareMedia, MediaClient, QueueCore), instantiated on first use.
    'pkg/fhir_media_capture.js',
    'pkg/fhir_media_capture_bg.wasm',
    // The codecs module (PNG, WebP, GIF, BMP), which prepare.js instantiates on demand.
    'pkg/fhir_media_codecs.js',
    'pkg/fhir_media_codecs_bg.wasm',
    // The HEIC module, which heic.js instantiates for a HEIC the browser cannot decode.
    'pkg/fhir_media_heic.js',
    'pkg/fhir_media_heic_bg.wasm',
  ];
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
  // Everything the exports map names is packed, and every entry names its declarations.
  const targets = (v) => (typeof v === 'string' ? [v] : Object.values(v ?? {}).flatMap(targets));
  const exportTargets = [...targets(pkgJson.exports), pkgJson.types].filter(Boolean);
  assert.ok(exportTargets.length > 0, 'package.json has exports');
  for (const t of exportTargets) {
    assert.ok(files.has(path.posix.normalize(t)), `exports/types target ${t} is in the tarball`);
  }
  for (const [key, value] of Object.entries(pkgJson.exports)) {
    if (key === './package.json') continue;
    assert.ok(typeof value === 'object' && value.types, `exports["${key}"] has "types"`);
  }
});

test("README's Rollup plugin is the one the Rollup build runs", () => {
  const words = (text) => text.replace(/\s+/g, ' ').trim();
  const readme = words(fs.readFileSync(path.join(root, 'README.md'), 'utf8'));
  assert.ok(readme.includes(words(importMetaUrlFiles.toString())), 'README.md ("Bundlers") has importMetaUrlFiles() as tests/package/rollup-import-meta-url.mjs');
});

/**
 * The page at `url` (tests/package/app/index.js) uploaded a JPEG through MediaClient and one
 * through the element, whose worker came from the same server as the page; the endpoint at
 * `fhirUrl` stored both; only the main wasm was fetched; nothing went to the console.
 */
async function expectJpegFlows(url, fhirUrl = endpoint.url) {
  const visited = await visit(browser, url, { doneKey: 'elementId', moduleOf });
  assert.equal(visited.out.error, undefined, `the page failed: ${visited.out.error}`);
  for (const [id, title] of [[visited.out.apiId, 'bundler api'], [visited.out.elementId, undefined]]) {
    const media = await storedMedia(fhirUrl, id);
    assert.equal(media.subject.reference, PATIENT);
    assert.equal(media.content.contentType, 'image/jpeg');
    if (title) assert.equal(media.content.title, title);
  }
  const origin = new URL(url).origin;
  console.log(`  ${url}: workers ${visited.workers.map((u) => u.slice(origin.length)).join(', ')}; ` +
    `wasm fetched by the page and the worker: ${visited.wasm.join(', ')}`);
  assert.ok(visited.workers.some((u) => u.startsWith(url)), `the element ran its worker from ${url}`);
  assert.ok(visited.wasm.includes('fhir_media_capture'), 'the main wasm was fetched');
  assert.deepEqual(visited.wasm.filter((m) => m !== 'fhir_media_capture'), [], 'a JPEG fetches the main wasm only, never the codecs');
  assert.deepEqual(visited.problems, [], 'uncaught errors, console errors or warnings');
}

for (const [name, build] of Object.entries(builds)) {
  test(`${name}: the installed package builds; the page and the element's worker prepare and upload a JPEG; no codecs wasm`, { timeout: 180_000 }, async () => {
    const out = path.join(sites, name);
    const started = Date.now();
    await build(app, out, (script) => html(TOKEN, script));
    const sizes = outputSizes(out);
    console.log(`${name}: built in ${Date.now() - started} ms; JS ${(sizes.js / 1024).toFixed(0)} KB (every entry), ` +
      `wasm ${(sizes.wasm / 1024).toFixed(0)} KB (${sizes.wasmFiles.map((f) => path.relative(out, f)).join(', ')})`);
    // Every module is in the output: a build without the codecs would fail its first PNG,
    // one without the HEIC module its first HEIC.
    const emitted = sizes.wasmFiles.map((f) => moduleOf(fs.readFileSync(f))).sort();
    assert.deepEqual(emitted, ['fhir_media_capture', 'fhir_media_codecs', 'fhir_media_heic'], 'the output has each wasm module once');

    await expectJpegFlows(`${endpoint.url}/${name}/`);

    if (name === 'webpack') {
      // The codecs module loads from the same build: a PNG made in the page is decoded by it.
      const png = await visit(browser, `${endpoint.url}/${name}/png.html`, { doneKey: 'id', moduleOf });
      assert.equal(png.out.error, undefined, `the PNG page failed: ${png.out.error}`);
      assert.equal(png.out.sourceFormat, 'png');
      assert.match(png.out.size, /^64x4[23]$/, 'longest side capped at maxDimension');
      assert.deepEqual([...new Set(png.wasm)].sort(), ['fhir_media_capture', 'fhir_media_codecs'], 'a PNG fetches the codecs wasm');
      assert.deepEqual(png.problems, [], 'uncaught errors, console errors or warnings on the PNG page');
      const media = await storedMedia(endpoint.url, png.out.id);
      assert.equal(media.content.title, 'bundler png');
      assert.equal(media.content.contentType, 'image/jpeg');
    }
  });
}

test('vite dev server: the installed package with no configuration; the same JPEG flows against an endpoint on another origin that allows it', { timeout: 120_000 }, async () => {
  let api;
  // What a developer runs beside `npm run dev`: the endpoint with --allow-origin <the dev server>.
  const server = await viteDevServer(app, async (script, origin) => {
    api = await startEndpoint(['--token', TOKEN, '--allow-origin', origin], { name: 'api' });
    return html(TOKEN, script, api.url);
  });
  try {
    await expectJpegFlows(server.resolvedUrls.local[0], api.url);
  } finally {
    await server.close();
    await api?.stop();
  }
});
