// Equal-SSIM comparison (issue 6: "bytes/px ≤ 0.95× the canvas path at SSIM ≥ its"):
// per photo, the canvas path at quality 0.8 gives the target SSIM; ours (prepareMedia) is
// swept over qualities and its bytes/px at that SSIM is interpolated, so ratios compare
// equal quality instead of equal nominal quality. Same page, photos, reference and SSIM
// as bench/bench.mjs (bench/page/ssim.js).
//
// Usage (after `npm run bench` has set up and built once, or via `npm run bench -- --sweep`):
//   node bench/sweep.mjs [--images 12 MP,8 MP] [--from 0.6 --to 0.9 --step 0.02]
//                        [--levers bench/out/levers] [--canvas]
// --levers DIR: also every DIR/<photo>/<lever>/<q>.jpg written by
//   `cargo run --release --example jpeg_levers -- DIR photo.jpg...` (our pipeline's pixels
//   encoded with other tables, progressive, chroma settings); DIR/levers.json has their
//   native encode ms.
// --canvas: also sweep the canvas path itself (its own bytes-vs-SSIM curve).
// Prints markdown and writes bench/SWEEP.md (bench/out/SWEEP-partial.md with --images or a
// custom range) and bench/out/sweep.json.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, IMAGES, assemble, chromiumPath, out, serve } from './site.mjs';

const args = process.argv.slice(2).filter((a) => a !== '--sweep');
const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const CANVAS_Q = 0.8;
const from = Number(opt('--from') ?? 0.6);
const to = Number(opt('--to') ?? 0.9);
const step = Number(opt('--step') ?? 0.02);
const leversDir = opt('--levers');
const selected = (opt('--images') ?? '12 MP,8 MP').split(',');
const images = IMAGES.filter((i) => selected.includes(i.name) || selected.includes(i.label));
const qualities = [];
for (let q = from; q <= to + 1e-9; q += step) qualities.push(Math.round(q * 1000) / 1000);

const f3 = (x) => (x == null ? '–' : x.toFixed(3));
const f4 = (x) => (x == null ? '–' : x.toFixed(4));
const f1 = (x) => (x == null ? '–' : x.toFixed(1));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

/**
 * Points {q, bpp, ssim} of one encoder, in quality order. Where does SSIM first reach
 * `target`? Interpolates log(bytes/px) and quality linearly in SSIM between the two
 * neighbouring points that bracket it; null when the sweep does not reach it.
 */
export function atSsim(points, target) {
  const p = [...points].sort((a, b) => a.q - b.q);
  for (let i = 1; i < p.length; i++) {
    const [a, b] = [p[i - 1], p[i]];
    if (a.ssim <= target && b.ssim >= target && b.ssim > a.ssim) {
      const t = (target - a.ssim) / (b.ssim - a.ssim);
      return { bpp: Math.exp(Math.log(a.bpp) + t * (Math.log(b.bpp) - Math.log(a.bpp))), q: a.q + t * (b.q - a.q) };
    }
  }
  if (p.length && p[0].ssim >= target) return { bpp: null, q: null, below: true };
  return { bpp: null, q: null };
}

async function main() {
  if (!chromiumPath) throw new Error('Chromium not found: run scripts/setup.sh');
  const site = path.join(out, 'site-sweep');
  assemble(site);
  const { child: server, url } = await serve(site);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
  const report = { date: new Date().toISOString(), command: args.length ? ` ${args.join(' ')}` : '', qualities, images: {} };
  const nativeMs = leversDir && fs.existsSync(path.join(leversDir, 'levers.json'))
    ? JSON.parse(fs.readFileSync(path.join(leversDir, 'levers.json'), 'utf8')) : [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${url}/`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
    await page.evaluate(([list]) => window.bench.load(list, { widgetWorker: false }),
      [images.map(({ name }) => ({ name, url: `/photos/${name}` }))]);
    const call = (image, contender, q, b64) =>
      page.evaluate(([i, c, k, b]) => window.bench.sweep(i, c, k, b), [image, contender, q, b64]);

    for (const img of images) {
      const r = (report.images[img.name] = { label: img.label, series: {} });
      const canvas = await call(img.name, 'native', CANVAS_Q);
      r.canvas = { q: CANVAS_Q, bpp: canvas.bytes / (canvas.width * canvas.height), ssim: canvas.ssim, bytes: canvas.bytes };
      console.log(`sweep: ${img.label} canvas q${CANVAS_Q}: ${canvas.bytes} B, SSIM ${f4(canvas.ssim)}`);
      const series = {};
      if (args.includes('--canvas')) {
        series['canvas'] = [];
        for (const q of qualities) {
          const x = await call(img.name, 'native', q);
          series['canvas'].push({ q, bpp: x.bytes / (x.width * x.height), ssim: x.ssim });
        }
      }
      series['ours (prepareMedia)'] = [];
      for (const q of qualities) {
        const runs = [];
        let x;
        for (let k = 0; k < 3; k++) {
          x = await call(img.name, 'ours', q);
          runs.push(x.timings.encode);
        }
        series['ours (prepareMedia)'].push({ q, bpp: x.bytes / (x.width * x.height), ssim: x.ssim, ms: median(runs) });
      }
      console.log(`sweep: ${img.label} ours swept`);
      const dir = leversDir && path.join(leversDir, img.name);
      if (dir && fs.existsSync(dir)) {
        for (const lever of fs.readdirSync(dir).sort()) {
          // Only as many points as bracket the target: start at 0.8, walk towards it.
          const files = fs.readdirSync(path.join(dir, lever))
            .map((f) => Number(f.replace('.jpg', ''))).sort((a, b) => a - b);
          const pts = [];
          const measureAt = async (i) => {
            const q = files[i] / 100;
            const b64 = fs.readFileSync(path.join(dir, lever, `${files[i]}.jpg`)).toString('base64');
            const x = await call(img.name, 'file', q, b64);
            const ms = nativeMs.find((n) => n.image === img.name && n.lever === lever && n.q === files[i])?.ms;
            const p = { q, bpp: x.bytes / (x.width * x.height), ssim: x.ssim, ms };
            pts.push(p);
            return p;
          };
          let i = files.indexOf(80);
          const first = await measureAt(i);
          const dirn = first.ssim < r.canvas.ssim ? 1 : -1;
          for (i += dirn; i >= 0 && i < files.length; i += dirn) {
            const p = await measureAt(i);
            if ((p.ssim >= r.canvas.ssim) === (dirn === 1)) break;
          }
          series[`lever ${lever}`] = pts.sort((a, b) => a.q - b.q);
          console.log(`sweep: ${img.label} lever ${lever} done`);
        }
      }
      r.series = series;
    }
  } finally {
    await browser.close();
    server.kill('SIGTERM');
  }
  fs.writeFileSync(path.join(out, 'sweep.json'), JSON.stringify(report, null, 1));
  const md = render(report);
  const partial = ['--images', '--from', '--to', '--step'].some((o) => args.includes(o));
  const target = partial ? path.join(out, 'SWEEP-partial.md') : path.join(out, '..', 'SWEEP.md');
  fs.writeFileSync(target, md);
  console.log(`\n${md}\nsweep: wrote ${path.relative(path.join(out, '..', '..'), target)} and bench/out/sweep.json`);
}

function render(report) {
  const L = [];
  L.push('# Equal-SSIM sweep', '', `Generated by \`npm run bench -- --sweep${report.command}\` (bench/sweep.mjs) on ${report.date}; do not edit by hand.`, '');
  L.push('bytes/px of each encoder at the SSIM the canvas path reaches at quality 0.8 (interpolated in its',
    'quality sweep), as a ratio to the canvas path\'s bytes/px; "q at canvas SSIM" is the quality where it gets',
    'there; "SSIM @0.8" and "ratio @0.8" are at nominal quality 0.8; encode ms is the median of',
    'prepared.timings.encode (wasm, in the page) for ours, the native encode of the lever tool for levers',
    '(compare levers with "lever base", not with ours).', '');
  for (const [name, r] of Object.entries(report.images)) {
    L.push(`## ${r.label} (${name}): canvas q0.8 ${f3(r.canvas.bpp)} bytes/px, SSIM ${f4(r.canvas.ssim)}`, '');
    L.push('| encoder | bytes/px ratio at canvas SSIM | q at canvas SSIM | SSIM @0.8 | ratio @0.8 | encode ms @0.8 |');
    L.push('|---|---:|---:|---:|---:|---:|');
    const rows = Object.entries(r.series).map(([label, pts]) => {
      const eq = atSsim(pts, r.canvas.ssim);
      const at8 = pts.find((p) => Math.abs(p.q - 0.8) < 1e-6);
      return { label, eq, at8 };
    });
    rows.sort((a, b) => (a.eq.bpp ?? Infinity) - (b.eq.bpp ?? Infinity));
    for (const { label, eq, at8 } of rows) {
      const ratio = eq.bpp != null ? `${f3(eq.bpp / r.canvas.bpp)}×` : eq.below ? 'above target at lowest q' : 'not reached';
      L.push(`| ${label} | ${ratio} | ${f3(eq.q)} | ${f4(at8?.ssim)} | ${at8 ? `${f3(at8.bpp / r.canvas.bpp)}×` : '–'} | ${f1(at8?.ms)} |`);
    }
    L.push('');
  }
  return L.join('\n');
}

main().catch((e) => {
  console.error(`sweep: ${e.stack ?? e}`);
  process.exit(1);
});
