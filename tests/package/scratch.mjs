// Shared by the package tests: the tarball as `npm pack` makes it, a scratch app that
// installs it as a user would, and the local endpoint serving that app's build.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startListening } from '../support/browser.mjs';

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

/** The endpoint binary scripts/test.sh built (FHIR_ENDPOINT_BIN), or target/debug's. */
export function endpointBin() {
  const candidates = [
    process.env.FHIR_ENDPOINT_BIN,
    path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'debug', 'fhir-media-endpoint'),
  ];
  return candidates.find((p) => p && fs.existsSync(p));
}

/** The endpoint on a free port serving `staticDir`; resolves with `{ child, url }`. */
export function startEndpoint(staticDir, dataDir) {
  const args = ['--addr', '127.0.0.1:0', '--static-dir', staticDir, '--data-dir', dataDir, '--token', TOKEN];
  return startListening(endpointBin(), args, { name: 'endpoint' });
}

/** The Media the endpoint stored under `id`. */
export async function storedMedia(url, id) {
  const res = await fetch(`${url}/Media/${id}`, {
    headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' },
  });
  if (res.status !== 200) throw new Error(`GET /Media/${id}: ${res.status}`);
  return res.json();
}
