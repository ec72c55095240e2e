// The packed tarball in every bundler users have: one scratch app (tests/package/app/)
// installs it once, then webpack 5, Vite, Rollup and esbuild each build it, with the
// configuration README.md ("Bundlers") gives, from the scratch app's node_modules only (a
// file missing from the tarball fails the build). The local endpoint serves each build;
// in Chromium the page prepares a JPEG and uploads it with MediaClient, and the element
// prepares another in its worker and uploads it. Each ends with both Media stored, 0
// console errors or warnings, and the codecs wasm never fetched (a JPEG never needs it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import webpack from 'webpack';
import { build as viteBuild } from 'vite';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, watchPage } from '../support/browser.mjs';
import { TOKEN, endpointBin, pack, root, scratchApp, startEndpoint, storedMedia } from './scratch.mjs';

let tmp;
let app;
let sites;
let endpoint;
let browser;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fmc-bundlers-'));
  app = path.join(tmp, 'app');
  sites = path.join(tmp, 'sites');
  fs.mkdirSync(sites);
  const { tarball } = await pack(tmp);
  await scratchApp(app, tarball);
  fs.copyFileSync(path.join(root, 'tests/package/app/index.js'), path.join(app, 'src/index.js'));
  assert.ok(endpointBin(), 'endpoint binary not found (scripts/test.sh exports FHIR_ENDPOINT_BIN)');
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  endpoint = await startEndpoint(sites, path.join(tmp, 'data'));
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  endpoint?.child.kill();
  if (tmp && !process.env.KEEP_PACK_TMP) fs.rmSync(tmp, { recursive: true, force: true });
});

const page = (script) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<title>bundler test</title><p id="out" data-token="${TOKEN}"></p>${script}\n`;

/** The package's files inside the scratch app, as a user's config names them. */
const installed = (file) => path.join(app, 'node_modules/fhir-media-capture', file);

const bundlers = {
  // Zero configuration: webpack 5 emits new URL(…, import.meta.url) files as assets and
  // bundles the element's `new Worker(new URL('./worker.js', …))` as a worker chunk.
  async webpack(out) {
    const stats = await new Promise((resolve, reject) => {
      webpack({
        mode: 'production',
        context: app,
        entry: './src/index.js',
        output: { path: out, filename: 'main.[contenthash:8].js', clean: true },
        resolve: { modules: [path.join(app, 'node_modules')] },
        performance: { hints: false },
      }, (err, s) => (err ? reject(err) : resolve(s)));
    });
    assert.ok(!stats.hasErrors() && !stats.hasWarnings(), stats.toString('errors-warnings'));
    const main = stats.toJson({ assets: true, all: false }).assets.find((a) => /^main\..*\.js$/.test(a.name));
    fs.writeFileSync(path.join(out, 'index.html'), page(`<script src="${main.name}"></script>`));
  },

  // Zero configuration beyond `base` (the app is served from a sub-folder here): Vite
  // bundles the worker and emits the wasm files as assets.
  async vite(out) {
    fs.writeFileSync(path.join(app, 'index.html'), page('<script type="module" src="/src/index.js"></script>'));
    await viteBuild({
      root: app,
      base: './',
      configFile: false,
      logLevel: 'warn',
      build: { outDir: out, emptyOutDir: true },
    });
  },

  // Rollup resolves packages with @rollup/plugin-node-resolve and, with the small plugin
  // below (README: "Bundlers"), emits what `new URL('…', import.meta.url)` names: the
  // worker as a chunk of its own, the wasm files as assets.
  async rollup(out) {
    const bundle = await rollup({
      input: path.join(app, 'src/index.js'),
      plugins: [nodeResolve({ browser: true, rootDir: app }), importMetaUrlFiles()],
      onwarn: (w) => { throw new Error(`rollup: ${w.message}`); },
    });
    await bundle.write({ dir: out, format: 'es', entryFileNames: '[name].[hash].js' });
    await bundle.close();
    const main = fs.readdirSync(out).find((f) => /^index\..*\.js$/.test(f));
    fs.writeFileSync(path.join(out, 'index.html'), page(`<script type="module" src="./${main}"></script>`));
  },

  // esbuild has no asset handling for new URL(…, import.meta.url): the worker is a second
  // entry point named `worker` and the two wasm files are copied next to the bundles, where
  // the URLs, relative to each bundle, find them (README: "Bundlers").
  async esbuild(out) {
    const result = await esbuild.build({
      entryPoints: { main: path.join(app, 'src/index.js'), worker: installed('www/lib/worker.js') },
      bundle: true,
      format: 'esm',
      outdir: out,
      minify: true,
      logLevel: 'silent',
    });
    assert.deepEqual(result.warnings, []);
    for (const wasm of ['fhir_media_capture_bg.wasm', 'fhir_media_codecs_bg.wasm']) {
      fs.copyFileSync(installed(`pkg/${wasm}`), path.join(out, wasm));
    }
    fs.writeFileSync(path.join(out, 'index.html'), page('<script type="module" src="./main.js"></script>'));
  },
};

/** Rollup: `new URL('rel', import.meta.url)` of a .js file becomes an emitted chunk, of anything else an asset. */
function importMetaUrlFiles() {
  const pattern = /new URL\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;
  return {
    name: 'import-meta-url-files',
    transform(code, id) {
      if (!code.includes('import.meta.url')) return null;
      const rewritten = code.replace(pattern, (match, _q, rel) => {
        const file = path.resolve(path.dirname(id), rel);
        if (!fs.existsSync(file)) return match;
        const ref = file.endsWith('.js')
          ? this.emitFile({ type: 'chunk', id: file })
          : this.emitFile({ type: 'asset', name: path.basename(file), source: fs.readFileSync(file) });
        return `new URL(import.meta.ROLLUP_FILE_URL_${ref})`;
      });
      return rewritten === code ? null : { code: rewritten, map: null };
    },
  };
}

function sizes(dir) {
  const files = fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
  const sum = (re) => files.filter((f) => re.test(f)).reduce((n, f) => n + fs.statSync(f).size, 0);
  return { js: sum(/\.m?js$/), wasm: sum(/\.wasm$/) };
}

for (const [name, buildWith] of Object.entries(bundlers)) {
  test(`${name}: the installed package builds; the page and the element's worker prepare and upload a JPEG; no codecs wasm`, { timeout: 180_000 }, async () => {
    const out = path.join(sites, name);
    const started = Date.now();
    await buildWith(out);
    const { js, wasm } = sizes(out);
    console.log(`${name}: built in ${Date.now() - started} ms; JS ${(js / 1024).toFixed(0)} KB, wasm ${(wasm / 1024).toFixed(0)} KB`);

    const context = await browser.newContext();
    try {
      // Which module each fetched .wasm is, told by its bytes (bundlers rename them).
      const modules = Object.fromEntries(['fhir_media_capture', 'fhir_media_codecs']
        .map((m) => [fs.statSync(installed(`pkg/${m}_bg.wasm`)).size, m]));
      const wasmFetched = [];
      await context.route(/\.wasm(\?|$)/, (route) => {
        const file = path.join(sites, decodeURIComponent(new URL(route.request().url()).pathname));
        wasmFetched.push(modules[fs.existsSync(file) ? fs.statSync(file).size : -1] ?? 'unknown');
        return route.continue();
      });
      const p = await context.newPage();
      const watch = watchPage(p);
      await p.goto(`${endpoint.url}/${name}/`);
      await p.waitForSelector('#out[data-element-id], #out[data-error]', { timeout: 60_000 });
      const result = await p.$eval('#out', (el) => ({ ...el.dataset }));
      assert.equal(result.error, undefined, `the page failed: ${result.error}`);
      for (const [id, title] of [[result.apiId, 'bundler api'], [result.elementId, undefined]]) {
        const media = await storedMedia(endpoint.url, id);
        assert.equal(media.subject.reference, 'Patient/bundler-test');
        assert.equal(media.content.contentType, 'image/jpeg');
        if (title) assert.equal(media.content.title, title);
      }
      console.log(`${name}: wasm fetched by the page and the worker: ${wasmFetched.join(', ')}`);
      assert.ok(wasmFetched.length > 0, 'the main wasm was fetched');
      assert.deepEqual(wasmFetched.filter((m) => m !== 'fhir_media_capture'), [], 'a JPEG fetches the main wasm only, never the codecs');
      assert.deepEqual(watch.problems(), [], 'uncaught errors, console errors or warnings');
    } finally {
      await context.close();
    }
  });
}
