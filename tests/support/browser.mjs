// Shared by the Node/Playwright tests (tests/e2e, tests/package): where Chromium is, the
// flags it needs here, and starting a server that announces `listening on <url>`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

/** Debian's Chromium (scripts/setup.sh installs it); CHROMIUM_PATH overrides. */
export const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'].find(
  (p) => p && fs.existsSync(p),
);

/** DESIGN §4: root in a sandbox, no GPU, and no background traffic on a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Fake camera and auto-accepted permission prompt, for getUserMedia tests. */
export const FAKE_CAMERA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

/**
 * Spawn `cmd args` (in `env`, default this process's) and resolve `{ child, url }` once it prints `listening on <url>` (the
 * endpoint's and scripts/serve-static.mjs's startup line); reject if it exits or takes
 * over 30 s, with what it printed.
 */
export function startListening(cmd, args, { cwd, name = 'server', env } = {}) {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${output}`)), 30_000);
    const onData = (chunk) => {
      // Only the first lines matter; the endpoint logs every request to stderr after that.
      if (output.length < 64 * 1024) output += chunk;
      const m = output.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1].replace(/\/$/, '') });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
}

/** SIGTERM a child we started and wait for it to exit. */
export async function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid, 'SIGTERM');
  await exited;
}

/**
 * What every flow must end without: uncaught errors, console errors or warnings, and
 * Content Security Policy (Trusted Types included) violations of `page`. Chromium itself logs "Failed to load resource: …" for every answer that is not
 * 2xx and every dropped connection, which no page code can prevent; a test that provokes
 * one on purpose allows it with `allow(status)` (a number) or `allow(/net::ERR_…/)`.
 * `problems()` lists everything else.
 */
export function watchPage(page) {
  const problems = [];
  // A Content Security Policy or Trusted Types violation, reported however the page was built.
  page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`securitypolicyviolation: ${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    });
  });
  const allowed = [];
  const isAllowed = (text) => {
    const m = /^Failed to load resource: (?:the server responded with a status of (\d+)|(net::\S+))/.exec(text);
    if (!m) return false;
    return allowed.some((a) => (typeof a === 'number' ? Number(m[1]) === a : a.test(m[2] ?? '')));
  };
  page.on('pageerror', (err) => problems.push(`uncaught: ${err}`));
  page.on('console', (msg) => {
    const type = msg.type();
    if ((type === 'error' || type === 'warning') && !isAllowed(msg.text())) {
      problems.push(`console ${type}: ${msg.text()}`);
    }
  });
  return {
    allow: (...what) => allowed.push(...what),
    problems: () => [...problems],
  };
}
