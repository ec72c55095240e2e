// Benchmark: ours (prepareMedia, main thread and worker) against the browser's own canvas
// path and three JS libraries, in one headless Chromium page, interleaved with a rotating
// order, reported as ratios to the canvas path measured in the same run.
// Usage: node bench/bench.mjs [--quick] [--runs N] [--images name,name] [--throttle N]
// (via bench/run.sh). --throttle N: Chromium's CPU throttling (CDP
// Emulation.setCPUThrottlingRate, rate N, e.g. 4 as a phone proxy) on the page during the
// timed runs; the report then goes to bench/out/RESULTS-throttle-N.md. --cpu-limit N: the
// whole browser on 1/N of one core during the timed runs (bench/cpu-limit.mjs: a cgroup,
// root only), which slows Chromium's own decoder threads and workers too; the report goes
// to bench/out/RESULTS-cpu-limit-N.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { limitCpu } from './cpu-limit.mjs';
import { CHROMIUM_ARGS, IMAGES, UPSCALED, assemble, chromiumPath, here, median, out, photos, root, serve, site } from './site.mjs';

const args = process.argv.slice(2);
const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const quick = args.includes('--quick');
const THROTTLE = Number(opt('--throttle') ?? 1);
const CPU_LIMIT = Number(opt('--cpu-limit') ?? 1);
const RUNS = Number(opt('--runs') ?? (quick ? 3 : 7));
const PROBES = quick ? 1 : 3; // fresh workers per image
const WARM = 3; // warm calls in each fresh worker
// Rounds of the 8 orientations (~0.3 s each): a few ms between orientations needs more than RUNS.
const ORIENT_RUNS = quick ? RUNS : Math.max(RUNS, 21);

// The widget's worker (www/lib/worker.js) runs (e2) once it exists; the bench worker stands in before.
const WIDGET_WORKER = fs.existsSync(path.join(root, 'www', 'lib', 'worker.js'));
const selected = opt('--images')?.split(',') ?? (quick ? ['cam12mp_olympus_o1.jpg'] : IMAGES.map((i) => i.name));
const images = IMAGES.filter((i) => selected.includes(i.name) || selected.includes(i.label));
const LABELS = {
  native: '(a) canvas', bic: '(b) browser-image-compression', pica: '(c) pica lanczos3',
  compressorjs: '(d) compressorjs', ours: '(e) ours, main thread', oursWorker: '(e2) ours, bench worker',
};

const f0 = (x) => (x == null ? '–' : Math.round(x).toLocaleString('en-US'));
const f2 = (x) => (x == null ? '–' : x.toFixed(2));
const f3 = (x) => (x == null ? '–' : x.toFixed(3));
const f4 = (x) => (x == null ? '–' : x.toFixed(4));
const mb = (x) => (x == null ? '–' : (x / 2 ** 20).toFixed(1));

function wasmGzip() {
  // Every module, by name: main (prepareMedia in the widget's worker, MediaClient and the
  // queue on the page; one file, downloaded once), codecs (the worker, only PNG/WebP/GIF/BMP
  // or PNG output).
  const size = (name) => {
    const raw = fs.readFileSync(path.join(site, 'pkg', `fhir_media_${name}_bg.wasm`));
    return { raw: raw.length, gzip: zlib.gzipSync(raw, { level: 9 }).length };
  };
  const modules = { main: size('capture'), codecs: size('codecs') };
  // What the widget downloads for a JPEG photo captured and uploaded: the main module.
  const jpegWidget = modules.main.gzip;
  return { ...modules.main, modules, jpegWidget };
}

async function main() {
  for (const { name } of IMAGES) {
    if (name !== UPSCALED && !fs.existsSync(path.join(photos, name))) {
      throw new Error(`${path.join(photos, name)} missing: set FHIR_TESTDATA to the shared testdata folder`);
    }
  }
  if (!chromiumPath) throw new Error('Chromium not found: run scripts/setup.sh');
  const started = Date.now();
  const loadBefore = os.loadavg();
  fs.mkdirSync(out, { recursive: true });
  assemble();
  const { child: server, url } = await serve();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && console.error(`page console: ${m.text()}`));
    await page.goto(`${url}/`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });

    const upscaled = path.join(out, UPSCALED);
    if (images.some((i) => i.name === UPSCALED) && !fs.existsSync(upscaled)) {
      console.log('bench: making the 48 MP input (12 MP photo upscaled to 8064x6048, JPEG q0.92)');
      const b64 = await page.evaluate(
        ([u, w, h]) => window.bench.upscale(u, w, h), ['/photos/cam12mp_olympus_o1.jpg', 8064, 6048]);
      fs.writeFileSync(`${upscaled}.tmp`, Buffer.from(b64, 'base64'));
      fs.renameSync(`${upscaled}.tmp`, upscaled);
    }
    const env = await page.evaluate(
      ([list, o]) => window.bench.load(list, o),
      [images.map(({ name }) => ({ name, url: `/photos/${name}` })), { widgetWorker: WIDGET_WORKER }]);
    if (WIDGET_WORKER) LABELS.oursWorker = '(e2) ours, www/lib/worker.js';
    const contenders = await page.evaluate(() => window.bench.contenders);
    if (THROTTLE !== 1) {
      // After the set-up (48 MP input, loading): only the runs are throttled.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
      console.log(`bench: CPU throttled ${THROTTLE}x (Emulation.setCPUThrottlingRate)`);
    }
    // Only the timed runs: the quality references and fresh-worker probes run unlimited.
    const limited = async (f) => {
      if (CPU_LIMIT === 1) return f();
      const release = limitCpu(CPU_LIMIT);
      try {
        return await f();
      } finally {
        release();
      }
    };
    if (CPU_LIMIT !== 1) console.log(`bench: the timed runs on 1/${CPU_LIMIT} of one core (whole browser, cgroup)`);
    console.log(`bench: ${images.length} image(s) x ${contenders.length} contenders, 1 warm-up + ${RUNS} runs each, rotating order`);

    const results = {}; // image -> contender -> {ms[], bytes, stages[], timings[], memory[], error}
    const probes = {};
    for (const img of images) {
      const res = (results[img.name] = Object.fromEntries(contenders.map((c) => [c, { ms: [], stages: [], timings: [], memory: [] }])));
      await limited(async () => { for (let r = 0; r <= RUNS; r++) {
        const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
        const line = [];
        for (const c of order) {
          if (res[c].error) continue;
          try {
            const x = await page.evaluate(([i, k]) => window.bench.run(i, k), [img.name, c]);
            res[c].bytes = x.bytes;
            if (x.memory) res[c].memory.push(x.memory);
            if (r > 0) {
              res[c].ms.push(x.ms);
              if (x.stages) res[c].stages.push(x.stages);
              if (x.timings) res[c].timings.push(x.timings);
            }
            line.push(`${c} ${Math.round(x.ms)}`);
          } catch (e) {
            res[c].error = e.message.split('\n')[0];
            line.push(`${c} FAILED`);
          }
        }
        console.log(`bench: ${img.label} ${r === 0 ? 'warm-up' : `run ${r}/${RUNS}`}: ${line.join(', ')} ms`);
      } });
      for (const c of contenders) {
        if (res[c].error) continue;
        Object.assign(res[c], await page.evaluate(([i, k]) => window.bench.quality(i, k), [img.name, c]));
      }
      await page.evaluate((i) => window.bench.forget(i), img.name);
      probes[img.name] = [];
      for (let p = 0; p < PROBES; p++) {
        const kinds = WIDGET_WORKER ? ['bench', 'widget'] : ['bench'];
        if (p % 2) kinds.reverse(); // alternate which kind of worker goes first
        for (const which of kinds) {
          try {
            const x = await page.evaluate(([i, w, k]) => window.bench.freshWorker(i, w, k), [img.name, WARM, which]);
            probes[img.name].push({ which, ...x });
          } catch (e) {
            probes[img.name].push({ which, error: e.message.split('\n')[0] });
          }
        }
      }
      console.log(`bench: ${img.label} quality and fresh-worker probes done`);
    }

    // Issue 15: orientation inside the decoder. The oriented photo again with its tag
    // rewritten to each of the 8 values, interleaved in a rotating order; what orientation
    // costs is decode + orient over orientation 1's.
    const orientations = {};
    if (images.some((i) => i.name === ORIENTED)) await limited(async () => {
      for (let r = 0; r <= ORIENT_RUNS; r++) {
        const line = [];
        for (let k = 0; k < 8; k++) {
          const value = ((r + k) % 8) + 1;
          const x = await page.evaluate(([i, v]) => window.bench.oriented(i, v), [ORIENTED, value]);
          if (r > 0) (orientations[value] ??= []).push(x.timings);
          line.push(`o${value} ${Math.round(x.timings.decode + x.timings.orient)}`);
        }
        console.log(`bench: orientations of ${ORIENTED} ${r === 0 ? 'warm-up' : `run ${r}/${ORIENT_RUNS}`}: decode+orient ${line.join(', ')} ms`);
      }
    });

    const report = {
      env: {
        ...env, chromium: browser.version(), cpu: os.cpus()[0]?.model, nproc: os.cpus().length,
        memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version,
        commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim(),
        date: new Date().toISOString(), loadBefore, loadAfter: os.loadavg(),
        seconds: (Date.now() - started) / 1000, wasm: wasmGzip(),
        command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`, runs: RUNS, quick, throttle: THROTTLE, cpuLimit: CPU_LIMIT,
      },
      images, contenders, results, probes, orientations,
    };
    fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(report, null, 1));
    const md = render(report);
    const target = CPU_LIMIT !== 1 ? path.join(out, `RESULTS-cpu-limit-${CPU_LIMIT}.md`)
      : THROTTLE !== 1 ? path.join(out, `RESULTS-throttle-${THROTTLE}.md`)
      : quick ? path.join(out, 'RESULTS-quick.md') : path.join(here, 'RESULTS.md');
    fs.writeFileSync(target, md);
    console.log(`\n${md}\nbench: wrote ${path.relative(root, target)} and bench/out/results.json in ${report.env.seconds.toFixed(0)} s`);
  } finally {
    await browser.close();
    server.kill('SIGTERM');
  }
}

const ORIENTED = 'canon_sx60_3mp_o6.jpg';
const ORIENTED_LABEL = '3 MP';
const f1 = (x) => (x == null ? '–' : x.toFixed(1));

/** Medians per orientation: decode, orient, their sum, and the sum over o1's as % of o1's decode. */
function orientationStats(orientations) {
  const rows = Object.entries(orientations).map(([value, ts]) => ({
    value: Number(value),
    decode: median(ts.map((t) => t.decode)),
    orient: median(ts.map((t) => t.orient)),
    both: median(ts.map((t) => t.decode + t.orient)),
  })).sort((a, b) => a.value - b.value);
  const base = rows.find((o) => o.value === 1);
  // The cost is the median of per-round differences with o1 (each round decodes all 8 back
  // to back), which cancels the machine's slower spells that medians of each alone keep.
  const both = (v) => orientations[v].map((t) => t.decode + t.orient);
  for (const o of rows) {
    o.extra = base ? median(both(o.value).map((x, r) => x - both(1)[r])) : null;
    o.share = base ? (100 * o.extra) / base.decode : null;
  }
  return { rows, base };
}

/** Everything derived from a contender's runs on one image. */
function stats(res, c, img) {
  const x = res[c];
  if (x.error) return { error: x.error };
  const px = x.width * x.height;
  return {
    median: median(x.ms), min: Math.min(...x.ms), bytes: x.bytes, width: x.width, height: x.height,
    bpp: x.bytes / px, ssim: x.ssim, memory: x.memory.length ? Math.max(...x.memory) : null,
  };
}

function render({ env, images, contenders, results, probes, orientations = {} }) {
  const L = [];
  const mark = (ok) => (ok == null ? 'not measured' : ok ? '**met**' : '**not met**');
  L.push('# Benchmark results', '');
  L.push(`Generated by \`${env.command}\` (bench/bench.mjs); do not edit by hand.`, '');
  L.push(`- date: ${env.date}; commit ${env.commit}; run time ${env.seconds.toFixed(0)} s`);
  L.push(`- machine: ${env.cpu}, ${env.nproc} cores, ${env.memGiB} GiB; load average ${env.loadBefore.map(f2).join(' ')} before, ${env.loadAfter.map(f2).join(' ')} after (others build on the same 2 cores: compare ratios, not absolute times)`);
  L.push(`- browser: headless Chromium ${env.chromium} (playwright-core, --disable-gpu), ${env.userAgent}; Node ${env.node}`);
  L.push(`- runs: 1 warm-up + ${env.runs} timed runs per contender and image, contenders interleaved, order rotated every run`);
  if ((env.cpuLimit ?? 1) !== 1) L.push(`- the whole browser on 1/${env.cpuLimit} of one core during the timed runs (bench/cpu-limit.mjs: a cgroup's CFS quota; Chromium's decoder threads and workers included), a phone proxy; the fresh-worker probes and SSIM run unlimited`);
  if (env.throttle !== 1) L.push(`- CPU throttled ${env.throttle}x during the runs (CDP Emulation.setCPUThrottlingRate on the page; workers are not throttled)`);
  const n = (x) => x.toLocaleString('en-US');
  const m = env.wasm.modules;
  L.push(`- wasm (gzip, Node zlib level 9, as scripts/check-size.mjs): main ${n(m.main.gzip)} B (what the runs below use; ` +
    `prepareMedia in the widget's worker, MediaClient and the queue on the page), codecs ${n(m.codecs.gzip)} B (non-JPEG only); ` +
    `a JPEG captured and uploaded by the widget loads the main module only`);
  L.push('');
  L.push('Every contender goes from a `File` to the base64 string of a JPEG, longest side ≤ 2048, quality 0.8.',
    'SSIM: luma (BT.601), 11x11 Gaussian window σ 1.5, K1 0.01, K2 0.03, against a reference made by the bench:',
    'the original decoded by Chromium at full size (EXIF orientation applied), downscaled in float with a',
    'separable Lanczos-3 (support scaled with the factor) to the exact output size (bench/page/ssim.js).',
    'bytes/px = JPEG bytes (before base64) / output pixels. wasm memory = linear memory of the main-thread',
    'instance after that image\'s runs, cumulative over the images before it (wasm memory never shrinks); the',
    'per-image peak is in the fresh-worker table.', '');
  L.push('| image | contender | median ms | min ms | JPEG bytes | output | bytes/px | SSIM | wasm memory MB |');
  L.push('|---|---|---:|---:|---:|---|---:|---:|---:|');
  const S = {};
  for (const img of images) {
    S[img.name] = {};
    for (const c of contenders) {
      const s = (S[img.name][c] = stats(results[img.name], c, img));
      if (s.error) L.push(`| ${img.label} | ${LABELS[c]} | failed: ${s.error} | | | | | | |`);
      else L.push(`| ${img.label} | ${LABELS[c]} | ${f0(s.median)} | ${f0(s.min)} | ${f0(s.bytes)} | ${s.width}x${s.height} | ${f3(s.bpp)} | ${f4(s.ssim)} | ${mb(s.memory)} |`);
    }
  }
  L.push('', '## Ours relative to (a), the canvas path, same run', '');
  L.push('Time ratio of medians, and of minima (the min is the run least disturbed by other work on the machine).', '');
  L.push('| image | ours | time ratio (median) | time ratio (min) | bytes/px ratio | SSIM delta |');
  L.push('|---|---|---:|---:|---:|---:|');
  const ratio = (img, c) => {
    const a = S[img]?.native;
    const o = S[img]?.[c];
    if (!a || !o || a.error || o.error) return null;
    return { time: o.median / a.median, timeMin: o.min / a.min, bpp: o.bpp / a.bpp, dssim: o.ssim - a.ssim };
  };
  for (const img of images) {
    for (const c of ['ours', 'oursWorker']) {
      const r = ratio(img.name, c);
      L.push(`| ${img.label} | ${LABELS[c]} | ${r ? `${f2(r.time)}×` : '–'} | ${r ? `${f2(r.timeMin)}×` : '–'} | ${r ? `${f3(r.bpp)}×` : '–'} | ${r ? (r.dssim >= 0 ? '+' : '') + f4(r.dssim) : '–'} |`);
    }
  }

  L.push('', '## Fresh worker: first call vs warm calls, and per-image peak wasm memory', '');
  L.push(`Each probe spawns a new worker (the bench's and, when present, the widget's www/lib/worker.js, alternating`,
    `which goes first) and times \`new Worker\` → first result (module fetch, wasm compile + instantiate, first`,
    `prepareMedia, ArrayBuffer transfer), then ${WARM} warm calls in the same worker; ${PROBES} probe(s) per worker and image.`,
    'The memory is the bench worker\'s wasm linear memory after its calls, i.e. the peak for that image alone (wasm',
    'memory never shrinks); the widget\'s worker does not report it. Chromium may reuse compiled wasm code across',
    'workers of one page, as it would for a real user on a warm HTTP cache.', '');
  L.push('| image | worker | first call ms (median of probes) | warm ms (median) | first / warm | peak wasm memory MB |');
  L.push('|---|---|---:|---:|---:|---:|');
  const P = {}; // image -> which -> {cold, warm, peak}
  const WHO = { bench: 'bench/page/worker.js', widget: 'www/lib/worker.js' };
  for (const img of images) {
    P[img.name] = {};
    for (const which of ['bench', 'widget']) {
      const all = probes[img.name].filter((p) => p.which === which);
      if (!all.length) continue;
      const ok = all.filter((p) => !p.error);
      if (!ok.length) {
        L.push(`| ${img.label} | ${WHO[which]} | failed: ${all[0].error} | | | |`);
        continue;
      }
      const cold = median(ok.map((p) => p.cold));
      const warm = median(ok.flatMap((p) => p.warm));
      const mems = ok.map((p) => p.memoryPeak).filter((m) => m != null);
      const peak = mems.length ? Math.max(...mems) : null;
      P[img.name][which] = { cold, warm, peak };
      L.push(`| ${img.label} | ${WHO[which]} | ${f0(cold)} | ${f0(warm)} | ${f2(cold / warm)}× | ${peak == null ? 'not exposed' : mb(peak)} |`);
    }
  }
  // Memory comes from the bench worker (the widget's does not report it); cold/warm from the widget's when present.
  const mem = (n) => P[n]?.bench?.peak ?? null;
  const coldWarm = (n) => P[n]?.widget ?? P[n]?.bench ?? null;

  L.push('', '## Where the time goes (median ms per stage)', '');
  L.push('Ours: `prepared.timings` from the wasm (decode, orient, resize, encode, total); "glue" is the wall time',
    'minus `total` (reading the Blob, crossing into wasm, building the JS result, worker messaging).',
    '(a) and (c) are split by the bench around their awaits; drawImage on an OffscreenCanvas is recorded lazily and',
    'runs inside convertToBlob, so (a) can only be split into decode and resize+encode.', '');
  L.push('| image | contender | stages |');
  L.push('|---|---|---|');
  for (const img of images) {
    for (const c of contenders) {
      const x = results[img.name][c];
      if (x.error) continue;
      let parts = null;
      if (x.timings.length) {
        const keys = Object.keys(x.timings[0]);
        const m = Object.fromEntries(keys.map((k) => [k, median(x.timings.map((t) => t[k]))]));
        parts = keys.map((k) => `${k} ${f0(m[k])}`);
        parts.push(`glue ${f0(median(x.ms) - m.total)}`);
      } else if (x.stages.length) {
        const keys = Object.keys(x.stages[0]);
        parts = keys.map((k) => `${k} ${f0(median(x.stages.map((t) => t[k])))}`);
      }
      if (parts) L.push(`| ${img.label} | ${LABELS[c]} | ${parts.join(', ')} |`);
    }
  }

  // Stage by stage against the browser's own codecs: (a)'s decode is createImageBitmap at full size;
  // (c)'s encode is canvas.toBlob of the 2048-px canvas, i.e. Chromium's JPEG encoder alone.
  const OS = orientationStats(orientations);
  if (OS.rows.length) {
    L.push('', `Orientation (issue 15): ${ORIENTED_LABEL} (${ORIENTED}) with its EXIF tag rewritten to each value, ours on the`,
      'main thread, medians of the interleaved runs. A JPEG is oriented inside the decoder (blocks placed oriented), so',
      '"orient" is ~0 and the cost shows in "decode"; cost = the median over rounds of (decode + orient) minus orientation',
      `1's in the same round (${ORIENT_RUNS} rounds of all 8, rotating order), as % of orientation 1's median decode.`, '',
      '| orientation | decode ms | orient ms | decode + orient ms | cost, % of o1 decode |', '|---:|---:|---:|---:|---:|');
    for (const o of OS.rows) L.push(`| ${o.value} | ${f1(o.decode)} | ${f1(o.orient)} | ${f1(o.both)} | ${f1(o.share)} |`);
  }
  L.push('', 'Stage by stage against Chromium\'s own codecs ((a)\'s decode = createImageBitmap at full size;',
    '(c)\'s encode = canvas.toBlob of the output-size canvas, Chromium\'s JPEG encoder alone):', '');
  const stageMedian = (img, c, k, from) => {
    const xs = results[img]?.[c]?.[from]?.map((t) => t[k]).filter((v) => v != null);
    return xs?.length ? median(xs) : null;
  };
  for (const img of images) {
    const od = stageMedian(img.name, 'ours', 'decode', 'timings');
    const oo = stageMedian(img.name, 'ours', 'orient', 'timings');
    const or = stageMedian(img.name, 'ours', 'resize', 'timings');
    const oe = stageMedian(img.name, 'ours', 'encode', 'timings');
    const ad = stageMedian(img.name, 'native', 'decode', 'stages');
    const are = stageMedian(img.name, 'native', 'resize+encode', 'stages');
    const pe = stageMedian(img.name, 'pica', 'encode', 'stages');
    if (od == null || ad == null) continue;
    const o = S[img.name].ours;
    L.push(`- ${img.label}: decode ours ${f0(od)} ms vs Chromium ${f0(ad)} ms (${f2(od / ad)}×); ` +
      `encode ours ${f0(oe)} ms for ${o.width}x${o.height} vs Chromium's encoder ${f0(pe)} ms (${pe ? f2(oe / pe) : '–'}×); ` +
      `ours orient ${f0(oo)} + resize ${f0(or)} ms vs (a)'s whole resize+encode ${f0(are)} ms.`);
  }

  L.push('', 'Reading these numbers (written with the bench; the figures above are from this run):', '',
    '- Ours outputs 2016x1512 for the 12 MP and 48 MP inputs: the JPEG is decoded DCT-scaled (4/8, 2/8) to a size',
    '  ≥ 97.5% of the 2048 cap (DESIGN §3), so there is no resize pass; the peers resize to exactly 2048x1536.',
    '  bytes/px and SSIM are each taken at the contender\'s own output size.',
    '- The 8 MP photo (3264 px) is decoded at 5/8 (2040x1530, the vendored decoder\'s reduced IDCT, issue 15): no resize.',
    '- Encoding: compare "encode" above (jpeg-encoder in wasm, vendored with SIMD128 colour conversion, DCT,',
    '  quantisation, chroma averaging and coefficient scan, vs libjpeg-turbo behind canvas.toBlob on a canvas of',
    '  about the same size). The 3 MP orientation-6 photo also pays a full-image rotation ("orient").',
    '- (d) compressorjs (an <img> drawn to a canvas) is often the fastest peer, faster than (a) even though both',
    '  end in Chromium\'s encoder: Blink likely decodes an <img> that is drawn downscaled at a reduced JPEG scale,',
    '  which createImageBitmap(file) in (a) does not. The issue\'s targets are against (a).',
    '- SSIM here is not comparable with the 0.9434 in shared/testdata/photos/SOURCES.md (ImageMagick reference,',
    '  other method): only differences within one run mean something.',
    '- Equal-SSIM comparison: `npm run bench -- --sweep` (bench/sweep.mjs) sweeps our quality, interpolates',
    '  bytes/px at the SSIM of (a) at 0.8 (same page, reference and SSIM as here) and writes bench/out/SWEEP.md;',
    '  `--levers DIR` adds JPEGs of other encoder settings from `cargo run --release --example jpeg_levers --',
    '  DIR photo.jpg...` (tables, progressive, subsampling, chroma scale, AC dead zone). The SSIM is luma only:',
    '  it cannot see chroma, so chroma levers are held at (a)\'s chroma (Annex K at the same quality, 4:2:0).');

  const twelve = 'cam12mp_olympus_o1.jpg';
  const eight = 'iphone6_8mp_o1.jpg';
  const has = (n) => images.some((i) => i.name === n);
  const r12 = ratio(twelve, 'ours');
  const r8 = ratio(eight, 'ours');
  const w12 = ratio(twelve, 'oursWorker');
  const w8 = ratio(eight, 'oursWorker');
  const bppOk = (r) => r && r.bpp <= 0.95 && r.dssim >= 0;
  const fails48 = has(UPSCALED) && Boolean(S[UPSCALED].ours.error || S[UPSCALED].oursWorker.error || mem(UPSCALED) == null);
  const cw12 = coldWarm(twelve);
  const wk = (r, f) => (r ? `; worker ${f(r)}` : '');
  const tm = (r) => `${f2(r.time)}× (min ${f2(r.timeMin)}×)`;
  L.push('', '## Targets from the issue', '');
  L.push('| target | measured | status |');
  L.push('|---|---|---|');
  L.push(`| time ≤ 0.7× (a) on 12 MP | ${r12 ? tm(r12) : '–'}${wk(w12, tm)} | ${mark(r12 && r12.time <= 0.7)} |`);
  L.push(`| time ≤ 1.0× (a) on 8 MP | ${r8 ? tm(r8) : '–'}${wk(w8, tm)} | ${mark(r8 && r8.time <= 1.0)} |`);
  L.push(`| bytes/px ≤ 0.95× (a) at SSIM ≥ (a)'s, 12 MP and 8 MP | 12 MP ${r12 ? `${f3(r12.bpp)}×, ΔSSIM ${f4(r12.dssim)}` : '–'}; 8 MP ${r8 ? `${f3(r8.bpp)}×, ΔSSIM ${f4(r8.dssim)}` : '–'} | ${mark(r12 && r8 ? bppOk(r12) && bppOk(r8) : null)} |`);
  L.push(`| peak wasm memory ≤ 48 MB for 12 MP | ${mem(twelve) != null ? `${mb(mem(twelve))} MB` : '–'} | ${mark(mem(twelve) != null ? mem(twelve) <= 48 * 2 ** 20 : null)} |`);
  L.push(`| peak wasm memory ≤ 96 MB for 48 MP, and 48 MP does not fail | ${has(UPSCALED) ? (fails48 ? 'failed' : `${mb(mem(UPSCALED))} MB`) : '–'} | ${mark(has(UPSCALED) ? !fails48 && mem(UPSCALED) <= 96 * 2 ** 20 : null)} |`);
  // The issue says "the whole widget's wasm": for a JPEG that is the main module (worker and page).
  L.push(`| the whole widget's wasm ≤ 200 KB gzip | JPEG capture + upload ${env.wasm.jpegWidget.toLocaleString('en-US')} B ` +
    `(the main module, in the worker and on the page; codecs ` +
    `${env.wasm.modules.codecs.gzip.toLocaleString('en-US')} B only for non-JPEG) | ${mark(env.wasm.jpegWidget <= 200_000)} |`);
  L.push(`| first prepareMedia in a fresh worker ≤ 1.5× a warm one (12 MP) | ${cw12 ? `${f2(cw12.cold / cw12.warm)}× (${P[twelve].widget ? 'www/lib/worker.js' : 'bench worker'})` : '–'} | ${mark(cw12 ? cw12.cold / cw12.warm <= 1.5 : null)} |`);
  // Issue 15's targets: time against (a), decode against Chromium's, orientation against decode.
  const i15 = [['cam12mp_olympus_o1.jpg', 0.55], ['iphone6_8mp_o1.jpg', 0.8], ['canon_sx60_3mp_o6.jpg', 0.6], [UPSCALED, 0.45]];
  for (const [name, limit] of i15) {
    if (!has(name)) continue;
    const r = ratio(name, 'ours');
    const label = images.find((i) => i.name === name).label;
    L.push(`| issue 15: time ≤ ${limit}× (a) on ${label} | ${r ? tm(r) : '–'} | ${mark(r && r.time <= limit)} |`);
  }
  for (const img of images) {
    const od = stageMedian(img.name, 'ours', 'decode', 'timings');
    const ad = stageMedian(img.name, 'native', 'decode', 'stages');
    if (od == null || ad == null) continue;
    L.push(`| issue 15: our decode ≤ Chromium's on ${img.label} | ${f0(od)} vs ${f0(ad)} ms (${f2(od / ad)}×) | ${mark(od <= ad)} |`);
  }
  const O = orientationStats(orientations);
  for (const o of O.rows.filter((x) => x.value > 1)) {
    L.push(`| issue 15: orientation ≤ 10% of decode, ${ORIENTED_LABEL} tagged ${o.value} | ${f1(o.extra)} ms over ` +
      `o1's ${f1(O.base.both)} ms (${f1(o.share)}% of o1's decode ${f1(O.base.decode)} ms) | ${mark(o.share <= 10)} |`);
  }
  L.push('', 'MB here = 2^20 bytes; 200 KB is judged as 200,000 B. Time targets are judged on the median ratio of (e), ours on',
    'the main thread, with (e2) beside it; memory targets use the fresh bench-worker probes (one image per',
    'worker). The 48 MP input is made by the bench (the 12 MP photo upscaled in the page to 8064x6048, JPEG',
    'q0.92, cached in bench/out/); no photo is stored in the repository.', '');
  // Hand-written notes (speed: issue 15 levers; size: what was tried, the codecs split; bytes: trellis,
  // resize kernel), carried along.
  for (const notes of ['PERF.md', 'SIZE.md', 'BYTES.md']) {
    const file = path.join(here, notes);
    if (fs.existsSync(file)) L.push(fs.readFileSync(file, 'utf8'));
  }
  return L.join('\n');
}

main().catch((e) => {
  console.error(`bench: ${e.stack ?? e}`);
  process.exit(1);
});
