// The widget's first photo in a fresh page, with and without the worker warm-up that opening
// the file picker starts (www/lib/worker.js, warmUp): time from the file input's `change` to
// `media-prepared`, for the 12 MP photo, alternating the two kinds over 7 fresh pages each.
// Usage: npm run bench -- --first-photo   (bench/run.sh builds the demo and the endpoint).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, startListening, stopChild } from '../tests/support/browser.mjs';
import { median } from './site.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testdata = process.env.FHIR_TESTDATA ?? path.join(root, '..', 'shared', 'testdata');
const PHOTO = 'cam12mp_olympus_o1.jpg';
const RUNS = 7;

async function firstPhoto(browser, baseUrl, photo, warm) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    await page.fill('#patient', `Patient/${crypto.randomUUID().replaceAll('-', '')}`);
    await page.fill('#token', 'dev-token');
    await page.locator('#settings').dispatchEvent('change');
    const widget = page.locator('fhir-media-capture');
    await widget.getByText('No photos for this patient yet').waitFor();
    let chooser = null;
    if (warm) {
      [chooser] = await Promise.all([
        page.waitForEvent('filechooser'),
        widget.getByRole('button', { name: 'Choose photos' }).click(),
      ]);
    }
    await page.waitForTimeout(1500); // the user picking a photo
    await page.evaluate(() => {
      const el = document.querySelector('fhir-media-capture');
      el.shadowRoot.querySelector('input[type=file][multiple]')
        .addEventListener('change', () => { window.t0 = performance.now(); }, { capture: true, once: true });
      el.addEventListener('media-prepared', () => { window.t1 = performance.now(); }, { once: true });
    });
    const files = [{ name: PHOTO, mimeType: 'image/jpeg', buffer: photo }];
    if (chooser) await chooser.setFiles(files);
    else await widget.locator('input[type=file][multiple]').setInputFiles(files);
    await page.waitForFunction(() => window.t1, null, { timeout: 60_000 });
    return await page.evaluate(() => window.t1 - window.t0);
  } finally {
    await context.close();
  }
}

async function main() {
  const photo = fs.readFileSync(path.join(testdata, 'photos', PHOTO));
  const bin = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'release', 'fhir-media-endpoint');
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'fmc-first-photo-'));
  const { child, url } = await startListening(bin, ['--addr', '127.0.0.1:0', '--static-dir', path.join(root, 'dist'), '--dev', '--data-dir', data], { cwd: root });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
  try {
    const ms = { warm: [], cold: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const warm of i % 2 ? [true, false] : [false, true]) {
        ms[warm ? 'warm' : 'cold'].push(await firstPhoto(browser, url, photo, warm));
      }
    }
    const row = (label, a) => `${label}: median ${median(a).toFixed(0)} ms (runs ${a.map((x) => x.toFixed(0)).join(' ')})`;
    console.log(`first photo (${PHOTO}), file input change -> media-prepared, ${RUNS} fresh pages each, alternating:`);
    console.log(row('  file chosen without opening the picker (no warm-up)', ms.cold));
    console.log(row('  picker opened first (worker warmed up)            ', ms.warm));
    console.log(`  no warm-up / warm-up = ${(median(ms.cold) / median(ms.warm)).toFixed(2)}x`);
  } finally {
    await browser.close();
    await stopChild(child);
    fs.rmSync(data, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
