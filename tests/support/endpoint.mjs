// The local endpoint as every Node test starts it (tests/e2e, tests/package): the binary
// scripts/test.sh built, on a free loopback port, with a data directory of its own and an
// admin token of this run's own, so no test leans on the published default.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startListening, stopChild } from './browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** FHIR_ENDPOINT_BIN (scripts/test.sh exports it), else the debug build in target/, else null. */
export function endpointBin() {
  const candidates = [
    process.env.FHIR_ENDPOINT_BIN,
    path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'debug', 'fhir-media-endpoint'),
  ];
  return candidates.find((p) => p && fs.existsSync(p)) ?? null;
}

/**
 * Start the endpoint on 127.0.0.1:0 with `args` (e.g. `['--dev', '--static-dir', dist]`).
 * Resolves with
 * - `url`: where it listens (`http://127.0.0.1:<port>`), from its `listening on …` line;
 * - `child`: the process (its stderr carries the request log);
 * - `admin(method, path, body)`: a call of its admin API (`--dev`) with the admin token;
 *   a non-2xx answer throws, and the JSON answer is returned;
 * - `stop()`: SIGTERM, wait for the exit, remove the data directory.
 */
export async function startEndpoint(args = [], { name = 'endpoint' } = {}) {
  const bin = endpointBin();
  if (!bin) throw new Error('endpoint binary not found: scripts/test.sh exports FHIR_ENDPOINT_BIN');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `fmc-${name}-`));
  const adminToken = `admin-${crypto.randomUUID()}`;
  const all = ['--addr', '127.0.0.1:0', '--data-dir', dataDir, ...args];
  // The token in the environment, not on the command line where `ps` shows it.
  const env = { ...process.env, FHIR_ENDPOINT_ADMIN_TOKEN: adminToken };
  let started;
  try {
    started = await startListening(bin, all, { cwd: root, name, env });
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const { child, url } = started;
  return {
    url,
    child,
    adminToken,
    async admin(method, adminPath, body) {
      const res = await fetch(`${url}${adminPath}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${name}: ${method} ${adminPath}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    async stop() {
      await stopChild(child);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
