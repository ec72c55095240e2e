// Shared by the package tests: the tarball as `npm pack` makes it, a scratch app that
// installs it as a user would, the local endpoint serving that app's builds, and a visit
// of a built page in Chromium that records what a user's browser would fetch and log.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { watchPage } from '../support/browser.mjs';

export const run = promisify(execFile);
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TOKEN = 'dev-token';

/** `npm pack` of the repo into `dir` (prepack builds pkg/ if needed); npm's JSON record. */
export async function pack(dir) {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir, '--loglevel=error'], {
    cwd: root,
    maxBuffer: 16 << 20,
  });
  const [packed] = JSON.parse(stdout);
  return { ...packed, tarball: path.join(dir, packed.filename) };
}

/**
 * A scratch app in `app` (`"type": "module"`) with `tarball` installed the way a user
 * would, with its one dependency, `idb`, packed from the repo's own install: offline, from
 * an empty cache of its own, so nothing depends on what this machine's npm cache holds.
 */
export async function scratchApp(app, tarball) {
  fs.mkdirSync(path.join(app, 'src'), { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
    name: 'scratch-app', version: '0.0.0', private: true, type: 'module',
  }, null, 2));
  const work = path.dirname(app);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error',
    path.join(root, 'node_modules', 'idb')], { cwd: root, maxBuffer: 16 << 20 });
  const idb = path.join(work, JSON.parse(stdout)[0].filename);
  await run('npm', ['install', '--no-audit', '--no-fund', '--offline', '--loglevel=error',
    '--cache', path.join(work, 'npm-cache'), tarball, idb], { cwd: app, maxBuffer: 16 << 20 });
  return JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'fhir-media-capture', 'package.json'), 'utf8'));
}

/** The Media the endpoint stored under `id`. */
export async function storedMedia(url, id) {
  const res = await fetch(`${url}/Media/${id}`, {
    headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' },
  });
  if (res.status !== 200) throw new Error(`GET /Media/${id}: ${res.status}`);
  return res.json();
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * Which of the package's wasm modules `bytes` is ('fhir_media_capture', 'fhir_media_codecs',
 * 'fhir_media_heic'),
 * told by content since bundlers rename (and hash) the files; null for anything else.
 */
export function wasmModuleOf(app) {
  const known = new Map(['fhir_media_capture', 'fhir_media_codecs', 'fhir_media_heic'].map((m) => [
    sha256(fs.readFileSync(path.join(app, 'node_modules/fhir-media-capture/pkg', `${m}_bg.wasm`))), m,
  ]));
  return (bytes) => known.get(sha256(bytes)) ?? null;
}

/**
 * Open `url` in a fresh context of `browser` and wait until the page's `#out` has
 * `data-<doneKey>` or `data-error`. Resolves with its dataset, the wasm modules fetched
 * (by the page and its workers, in order, named by `moduleOf`), the workers' script URLs,
 * and the page's uncaught errors and console errors or warnings.
 */
export async function visit(browser, url, { doneKey, moduleOf }) {
  const context = await browser.newContext();
  try {
    const wasm = [];
    await context.route(/\.wasm(\?|$)/, async (route) => {
      const response = await route.fetch();
      wasm.push(moduleOf(await response.body()) ?? `unknown ${route.request().url()}`);
      await route.fulfill({ response });
    });
    const page = await context.newPage();
    const workers = [];
    page.on('worker', (w) => workers.push(w.url()));
    const watch = watchPage(page);
    await page.goto(url);
    const attr = doneKey.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    await page.waitForSelector(`#out[data-${attr}], #out[data-error]`, { timeout: 60_000 });
    const out = await page.$eval('#out', (el) => ({ ...el.dataset }));
    return { out, wasm, workers, problems: watch.problems() };
  } finally {
    await context.close();
  }
}

/** Bytes of the .js and of the .wasm files under `dir`. */
export function outputSizes(dir) {
  const files = fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
  const sum = (re) => files.filter((f) => re.test(f)).reduce((n, f) => n + fs.statSync(f).size, 0);
  return { js: sum(/\.m?js$/), wasm: sum(/\.wasm$/), wasmFiles: files.filter((f) => f.endsWith('.wasm')) };
}
