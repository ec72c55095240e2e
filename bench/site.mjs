// What the bench scripts share: paths, the photos, the Chromium flags,
// and the static site the bench page is served from.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..');
export const out = path.join(here, 'out');
export const site = path.join(out, 'site');
export const testdata = process.env.FHIR_TESTDATA || path.join(root, '..', 'shared', 'testdata');
export const photos = path.join(testdata, 'photos');
export const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'].find(
  (p) => p && fs.existsSync(p),
);
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** The median; of an even count, the mean of the middle two; of none, null. */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const UPSCALED = 'cam48mp_upscaled.jpg';
export const IMAGES = [
  { name: 'cam12mp_olympus_o1.jpg', label: '12 MP' },
  { name: 'iphone6_8mp_o1.jpg', label: '8 MP' },
  { name: 'canon_sx60_3mp_o6.jpg', label: '3 MP o6' },
  { name: UPSCALED, label: '48 MP' },
];
/** bench/out/site: the page, a copy of pkg/ (others may rebuild it meanwhile), the peers, the photos. */
export function assemble(site = path.join(out, 'site')) {
  fs.rmSync(site, { recursive: true, force: true });
  fs.mkdirSync(path.join(site, 'vendor'), { recursive: true });
  fs.mkdirSync(path.join(site, 'photos'));
  fs.cpSync(path.join(root, 'pkg'), path.join(site, 'pkg'), { recursive: true });
  fs.symlinkSync(path.join(here, 'page'), path.join(site, 'page'));
  fs.symlinkSync(path.join(here, 'page', 'index.html'), path.join(site, 'index.html'));
  fs.mkdirSync(path.join(site, 'www'));
  fs.symlinkSync(path.join(root, 'www', 'lib'), path.join(site, 'www', 'lib')); // imports ../../pkg/
  const nm = path.join(root, 'node_modules');
  for (const f of [
    'browser-image-compression/dist/browser-image-compression.mjs',
    'browser-image-compression/dist/browser-image-compression.js', // its worker's libURL
    'pica/dist/pica.mjs',
    'compressorjs/dist/compressor.esm.js',
  ]) fs.symlinkSync(path.join(nm, f), path.join(site, 'vendor', path.basename(f)));
  for (const { name } of IMAGES) {
    const src = name === UPSCALED ? path.join(out, name) : path.join(photos, name);
    fs.symlinkSync(src, path.join(site, 'photos', name));
  }
}

export function serve(site = path.join(out, 'site')) {
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'serve-static.mjs'), site, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`static server did not start:\n${text}`)), 30_000);
    const onData = (chunk) => {
      text += chunk;
      const m = text.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1].replace(/\/$/, '') });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`static server exited with ${code}:\n${text}`)));
  });
}

