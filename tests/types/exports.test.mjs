// The declared API against the running code: tests/types/names.ts lists the public names
// (tsc proves the lists equal the .d.ts files); this test proves they equal what the
// modules export and the element observes in Chromium, and the events element*.js
// dispatch. Run by scripts/check-package.sh after `tsc -p tests/types`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, startListening, stopChild } from '../support/browser.mjs';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sorted = (list) => [...list].sort();

let tmp;
let names;
let server;
let browser;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fmc-types-'));
  // names.ts as JavaScript, by the same compiler and options that checked it.
  await run(path.join(root, 'node_modules/.bin/tsc'), ['-p', 'tests/types', '--noEmit', 'false', '--outDir', tmp], { cwd: root });
  names = await import(pathToFileURL(path.join(tmp, 'names.js')).href);
});

after(async () => {
  await browser?.close();
  await stopChild(server?.child);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the modules export exactly the declared names, and the element observes the declared attributes', async () => {
  assert.ok(chromiumPath, 'Chromium not found: run scripts/setup.sh');
  assert.ok(fs.existsSync(path.join(root, 'pkg/fhir_media_capture.js')), 'pkg/ missing: run scripts/build-wasm.sh first');
  server = await startListening(process.execPath, ['scripts/serve-static.mjs', root, '--port', '0'], { cwd: root, name: 'static server' });
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(`${m.type()}: ${m.text()}`));
  // The package's one bare import, as a bundler would resolve it.
  const idb = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/idb/package.json'), 'utf8'));
  const idbEntry = idb.exports?.['.']?.import ?? idb.module;
  const html = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>exports</title>
<script type="importmap">${JSON.stringify({ imports: { idb: `/node_modules/idb/${idbEntry.replace(/^\.\//, '')}` } })}</script>`;
  await page.route('**/exports.html', (route) => route.fulfill({ contentType: 'text/html', body: html }));
  await page.goto(`${server.url}/exports.html`);
  const found = await page.evaluate(async () => {
    const index = await import('/www/lib/index.js');
    const element = await import('/www/lib/element.js');
    const react = await import('/www/lib/react.js');
    return {
      index: Object.keys(index),
      element: Object.keys(element),
      react: Object.keys(react),
      attributes: [...customElements.get('fhir-media-capture').observedAttributes],
      registered: customElements.get('fhir-media-capture') === element.FhirMediaCaptureElement,
    };
  });
  assert.deepEqual(sorted(found.index), sorted(names.indexExports), "'fhir-media-capture' exports");
  assert.deepEqual(sorted(found.element), sorted(names.elementExports), "'fhir-media-capture/element' exports");
  assert.deepEqual(sorted(found.react), sorted(names.reactExports), "'fhir-media-capture/react' exports");
  assert.deepEqual(sorted(found.attributes), sorted(names.attributes), 'observedAttributes');
  assert.equal(found.registered, true, 'the element module registers <fhir-media-capture>');
  assert.deepEqual(problems, []);
});

test('the element dispatches exactly the declared events', () => {
  // Every event the element's modules dispatch goes through an `emit('name', …)` call.
  const emitted = new Set();
  for (const file of fs.readdirSync(path.join(root, 'www/lib')).filter((f) => /^element.*\.js$/.test(f))) {
    const text = fs.readFileSync(path.join(root, 'www/lib', file), 'utf8');
    for (const [, name] of text.matchAll(/emit\(\s*'([a-z-]+)'/g)) emitted.add(name);
    assert.doesNotMatch(text, /new CustomEvent\(\s*'/, `${file} dispatches events through emit() only`);
  }
  assert.deepEqual(sorted(emitted), sorted(names.events));
});
