// Cost of the retake checks per photo in headless Chromium: prepareMedia on the shared
// photos (longest side 2048), RUNS times each with `checks: true`, interleaved with
// `checks: false`; prints the median of `timings.checks` (the measures alone, timed
// inside the wasm) and of `timings.total` both ways, and the CPU.
// Usage: npm run bench -- --quality   (bench/run.sh builds the wasm first).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, startListening, stopChild } from '../tests/support/browser.mjs';
import { median } from './site.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testdata = process.env.FHIR_TESTDATA ?? path.join(root, '..', 'shared', 'testdata');
const PHOTOS = ['cam12mp_olympus_o1.jpg', 'iphone6_8mp_o1.jpg', 'canon_sx60_3mp_o6.jpg'];
const RUNS = 9;

const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown';
const { child, url } = await startListening(process.execPath, [path.join(root, 'scripts/serve-static.mjs'), root, '--port', '0'], { cwd: root });
const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
try {
  const page = await browser.newPage();
  // Any same-origin document will do: the module is imported into it.
  await page.goto(`${url}/package.json`);
  console.log(`retake checks in ${browser.version()} (headless), CPU ${cpu}, ${RUNS} runs each, checks on/off interleaved:`);
  for (const name of PHOTOS) {
    const bytes = [...fs.readFileSync(path.join(testdata, 'photos', name))];
    const r = await page.evaluate(async ({ bytes, runs }) => {
      const { prepareMedia } = await import('/www/lib/prepare.js');
      const input = new Uint8Array(bytes);
      const out = { checks: [], on: [], off: [], size: '', warnings: '' };
      for (let i = 0; i < runs + 1; i++) {
        for (const checks of i % 2 ? [true, false] : [false, true]) {
          const p = await prepareMedia(input, { subject: 'Patient/bench', checks });
          if (i === 0) continue; // warm-up
          if (checks) {
            out.checks.push(p.timings.checks);
            out.on.push(p.timings.total);
            out.size = `${p.width}x${p.height}`;
            out.warnings = JSON.stringify(p.warnings);
          } else out.off.push(p.timings.total);
        }
      }
      return out;
    }, { bytes, runs: RUNS });
    console.log(`  ${name} -> ${r.size}: checks median ${median(r.checks).toFixed(2)} ms (min ${Math.min(...r.checks).toFixed(2)}, max ${Math.max(...r.checks).toFixed(2)}); ` +
      `total ${median(r.on).toFixed(0)} ms with, ${median(r.off).toFixed(0)} ms without; warnings ${r.warnings}`);
  }
} finally {
  await browser.close();
  await stopChild(child);
}
