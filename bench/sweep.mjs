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
// --ssimulacra2: also score every output with SSIMULACRA2 (colour-aware, where the SSIM is
//   luma only) natively by bench/score against the same kind of reference, and compare
//   bytes/px at the canvas path's SSIMULACRA2 as well; outputs go to bench/out/sweep-jpegs.
// Prints markdown and writes bench/SWEEP.md (bench/out/SWEEP-partial.md with --images or a
// custom range) and bench/out/sweep.json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, IMAGES, assemble, chromiumPath, median, out, photos, root, serve } from './site.mjs';

const args = process.argv.slice(2).filter((a) => a !== '--sweep');
const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const CANVAS_Q = 0.8;
const from = Number(opt('--from') ?? 0.6);
const to = Number(opt('--to') ?? 0.9);
const step = Number(opt('--step') ?? 0.02);
const leversDir = opt('--levers');
const selected = (opt('--images') ?? '12 MP,8 MP').split(',');
const images = IMAGES.filter((i) => selected.includes(i.name) || selected.includes(i.label));
const S2 = args.includes('--ssimulacra2');
const qualities = [];
for (let q = from; q <= to + 1e-9; q += step) qualities.push(Math.round(q * 1000) / 1000);

const f3 = (x) => (x == null ? '–' : x.toFixed(3));
const f4 = (x) => (x == null ? '–' : x.toFixed(4));
const f1 = (x) => (x == null ? '–' : x.toFixed(1));
const f2 = (x) => (x == null ? '–' : x.toFixed(2));

/**
 * Points {q, bpp, ssim} of one encoder, in quality order. Where does SSIM first reach
 * `target`? Interpolates log(bytes/px) and quality linearly in SSIM between the two
 * neighbouring points that bracket it; null when the sweep does not reach it.
 */
export function atSsim(points, target, key = 'ssim') {
  const p = [...points].filter((x) => x[key] != null).sort((a, b) => a.q - b.q);
  for (let i = 1; i < p.length; i++) {
    const [a, b] = [p[i - 1], p[i]];
    if (a[key] <= target && b[key] >= target && b[key] > a[key]) {
      const t = (target - a[key]) / (b[key] - a[key]);
      return { bpp: Math.exp(Math.log(a.bpp) + t * (Math.log(b.bpp) - Math.log(a.bpp))), q: a.q + t * (b.q - a.q) };
    }
  }
  if (p.length && p[0][key] >= target) return { bpp: null, q: null, below: true };
  return { bpp: null, q: null };
}

/** bench/score, built once (its own workspace, in target/bench-score): SSIMULACRA2 scores. */
function scorer() {
  const targetDir = path.join(root, 'target', 'bench-score');
  execFileSync('cargo', ['build', '--release', '-q', '--manifest-path', path.join(root, 'bench', 'score', 'Cargo.toml'),
    '--target-dir', targetDir], { stdio: 'inherit' });
  const bin = path.join(targetDir, 'release', 'bench_score');
  return (original, files) => {
    const lines = execFileSync(bin, [original, ...files], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n');
    return new Map(lines.map((l) => JSON.parse(l)).map((x) => [x.file, x.ssimulacra2]));
  };
}

async function main() {
  if (!chromiumPath) throw new Error('Chromium not found: run scripts/setup.sh');
  const score = S2 ? scorer() : null;
  const jpegs = path.join(out, 'sweep-jpegs');
  if (S2) fs.rmSync(jpegs, { recursive: true, force: true });
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
      page.evaluate(([i, c, k, b, d]) => window.bench.sweep(i, c, k, b, d), [image, contender, q, b64, S2]);
    // With --ssimulacra2: each point's JPEG on disk, scored after its photo's sweep.
    let pending = [];
    const keep = (img, series, point, x, file) => {
      if (!S2) return point;
      if (!file) {
        file = path.join(jpegs, img.name, series.replace(/[^\w.-]+/g, '_'), `${point.q}.jpg`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, Buffer.from(x.b64, 'base64'));
      }
      pending.push({ file, point });
      return point;
    };

    for (const img of images) {
      const r = (report.images[img.name] = { label: img.label, series: {} });
      const canvas = await call(img.name, 'native', CANVAS_Q);
      r.canvas = keep(img, 'canvas-ref', { q: CANVAS_Q, bpp: canvas.bytes / (canvas.width * canvas.height), ssim: canvas.ssim, bytes: canvas.bytes }, canvas);
      console.log(`sweep: ${img.label} canvas q${CANVAS_Q}: ${canvas.bytes} B, SSIM ${f4(canvas.ssim)}`);
      const series = {};
      if (args.includes('--canvas')) {
        series['canvas'] = [];
        for (const q of qualities) {
          const x = await call(img.name, 'native', q);
          series['canvas'].push(keep(img, 'canvas', { q, bpp: x.bytes / (x.width * x.height), ssim: x.ssim }, x));
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
        series['ours (prepareMedia)'].push(keep(img, 'ours', { q, bpp: x.bytes / (x.width * x.height), ssim: x.ssim, ms: median(runs) }, x));
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
            const p = keep(img, lever, { q, bpp: x.bytes / (x.width * x.height), ssim: x.ssim, ms }, x,
              path.join(dir, lever, `${files[i]}.jpg`));
            pts.push(p);
            return p;
          };
          // With --ssimulacra2 every point: the SSIMULACRA2 target may lie elsewhere.
          if (S2) {
            for (let k = 0; k < files.length; k++) await measureAt(k);
            series[`lever ${lever}`] = pts.sort((a, b) => a.q - b.q);
            console.log(`sweep: ${img.label} lever ${lever} done`);
            continue;
          }
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
      if (S2) {
        const scores = score(path.join(photos, img.name), pending.map((p) => p.file));
        for (const { file, point } of pending) point.s2 = scores.get(file);
        pending = [];
        console.log(`sweep: ${img.label} SSIMULACRA2 scored (canvas q${CANVAS_Q}: ${f1(r.canvas.s2)})`);
      }
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
  const s2 = Object.values(report.images).some((r) => r.canvas.s2 != null);
  if (s2) {
    L.push('SSIMULACRA2 (bench/score, natively: XYB, all three channels, against the same kind of reference,',
      'in colour) is a second, colour-aware judge: "ratio at canvas S2" is bytes/px at the SSIMULACRA2 the',
      'canvas path reaches at 0.8, interpolated the same way.', '');
  }
  const ratioOf = (eq, r) => (eq.bpp != null ? `${f3(eq.bpp / r.canvas.bpp)}×` : eq.below ? 'above target at lowest q' : 'not reached');
  for (const [name, r] of Object.entries(report.images)) {
    L.push(`## ${r.label} (${name}): canvas q0.8 ${f3(r.canvas.bpp)} bytes/px, SSIM ${f4(r.canvas.ssim)}${
      s2 ? `, SSIMULACRA2 ${f2(r.canvas.s2)}` : ''}`, '');
    L.push(`| encoder | bytes/px ratio at canvas SSIM | q at canvas SSIM | SSIM @0.8 | ratio @0.8 | encode ms @0.8 |${
      s2 ? ' ratio at canvas S2 | S2 @0.8 |' : ''}`);
    L.push(`|---|---:|---:|---:|---:|---:|${s2 ? '---:|---:|' : ''}`);
    const rows = Object.entries(r.series).map(([label, pts]) => {
      const eq = atSsim(pts, r.canvas.ssim);
      const eq2 = s2 ? atSsim(pts, r.canvas.s2, 's2') : null;
      const at8 = pts.find((p) => Math.abs(p.q - 0.8) < 1e-6);
      return { label, eq, eq2, at8 };
    });
    rows.sort((a, b) => (a.eq.bpp ?? Infinity) - (b.eq.bpp ?? Infinity));
    for (const { label, eq, eq2, at8 } of rows) {
      L.push(`| ${label} | ${ratioOf(eq, r)} | ${f3(eq.q)} | ${f4(at8?.ssim)} | ${at8 ? `${f3(at8.bpp / r.canvas.bpp)}×` : '–'} | ${f1(at8?.ms)} |${
        s2 ? ` ${ratioOf(eq2, r)} | ${f2(at8?.s2)} |` : ''}`);
    }
    L.push('');
  }
  return L.join('\n');
}

main().catch((e) => {
  console.error(`sweep: ${e.stack ?? e}`);
  process.exit(1);
});
