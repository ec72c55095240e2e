// Pushes inputs through prepareMedia the way the widget does (PrepareWorker -> worker.js ->
// the wasm) in headless Chromium, and counts what came back: prepared, typed MediaErrors by
// code, traps recovered (prepare-failed: the worker was replaced), time-outs, untyped errors
// (anything but a MediaError with a documented code) and tab crashes; plus the peak wasm
// memory any worker reached (worker.js reports its memory size after each photo).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, startListening, stopChild } from './browser.mjs';
import { hostileCorpus, localSeeds } from './hostile-corpus.mjs';
import { pngOf, bmpOf, bmpRle8Of, gifOf } from './peak-images.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** The codes prepareMedia and the element document (README "Errors"). */
export const KNOWN_CODES = new Set(['unsupported-format', 'corrupt-image', 'too-large', 'too-many-pixels',
  'heic-not-decodable', 'invalid-options', 'timed-out', 'prepare-failed']);

const PAGE = `<!doctype html><meta charset="utf-8"><title>hostile</title>
<script type="module">
// Count the workers PrepareWorker starts and the largest wasm memory they report.
const Native = globalThis.Worker;
const stats = { workers: 0, peak: 0, last: 0 };
globalThis.Worker = class extends Native {
  constructor(...args) {
    super(...args);
    stats.workers++;
    this.addEventListener('message', ({ data }) => {
      if (data && data.wasmBytes > stats.peak) stats.peak = data.wasmBytes;
      if (data && data.wasmBytes) stats.last = data.wasmBytes;
      if (data && data.codecsBytes !== undefined) stats.lastCodecs = data.codecsBytes;
    });
  }
};
const { PrepareWorker } = await import('/www/lib/element-prepare.js');
const pw = new PrepareWorker();
const bytesOf = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
globalThis.hostile = {
  stats,
  setTimeout(ms) { pw.timeoutMs = ms; },
  setRecycle(bytes) { pw.recycleBytes = bytes; },
  async run(items) {
    const out = [];
    for (const { b64, options } of items) {
      const t0 = performance.now();
      try {
        const { prepared } = await pw.prepare(new Blob([bytesOf(b64)]), options);
        out.push({ ok: true, ms: performance.now() - t0, width: prepared.width, wasmBytes: stats.last });
      } catch (err) {
        out.push({ ok: false, ms: performance.now() - t0, name: err?.name, code: err?.code, message: String(err?.message ?? err).slice(0, 300), wasmBytes: stats.last });
      }
    }
    return out;
  },
  /** Prepare in a worker of its own (a fresh wasm instance): its wasm memory after the
   *  photo (main module; codecsBytes: the codecs module's, 0 if it was not loaded). */
  fresh(b64, options) { return this.freshBlob(new Blob([bytesOf(b64)]), options); },
  async freshUrl(url, options) { return this.freshBlob(await (await fetch(url)).blob(), options); },
  /** The browser's encoder's picture of w x h as \`type\` (image/jpeg, image/webp), prepared
   *  fresh. \`quality\` 1 with image/webp is lossless (VP8L); \`alpha\` leaves a translucent
   *  band (a lossy WebP then has an alpha plane). */
  async freshCanvas(w, h, type, options, { quality = 0.9, alpha = false, animate = false } = {}) {
    const c = new OffscreenCanvas(w, h);
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, '#a53'); grad.addColorStop(1, '#35a');
    g.fillStyle = grad; g.fillRect(0, 0, w, h);
    for (let i = 0; i < 400; i++) {
      g.fillStyle = \`hsl(\${i * 37} 60% \${30 + (i % 40)}%)\`;
      g.fillRect((i * 997) % w, (i * 631) % h, w / 8, h / 8);
    }
    if (alpha) {
      g.clearRect(0, 0, w, h / 4);
      g.fillStyle = 'rgba(40 90 160 / 0.5)'; g.fillRect(0, 0, w / 2, h / 4);
    }
    let blob = await c.convertToBlob({ type, quality });
    if (animate) blob = await this.animated(blob, w, h);
    // A WebP's chunks (VP8 / VP8L, ALPH), so a test can tell which kind the encoder wrote.
    const chunks = [];
    if (type === 'image/webp') {
      const u = new Uint8Array(await blob.arrayBuffer());
      for (let at = 12; at + 8 <= u.length;) {
        const len = (u[at + 4] | (u[at + 5] << 8) | (u[at + 6] << 16) | (u[at + 7] << 24)) >>> 0;
        chunks.push(String.fromCharCode(...u.subarray(at, at + 4)));
        at += 8 + len + (len & 1);
      }
    }
    return { bytes: blob.size, chunks, ...(await this.freshBlob(blob, options)) };
  },
  /** A still WebP's frame as an animation of two frames on its canvas (VP8X, ANIM, two
   *  ANMF at (0, 0) holding its frame chunks): only the first is prepared. */
  async animated(blob, w, h) {
    const u = new Uint8Array(await blob.arrayBuffer());
    const frame = [];
    for (let at = 12; at + 8 <= u.length;) {
      const len = (u[at + 4] | (u[at + 5] << 8) | (u[at + 6] << 16) | (u[at + 7] << 24)) >>> 0;
      const end = at + 8 + len + (len & 1);
      if (/^(ALPH|VP8 |VP8L)$/.test(String.fromCharCode(...u.subarray(at, at + 4)))) frame.push(u.subarray(at, end));
      at = end;
    }
    const le = (v, n) => Array.from({ length: n }, (_, i) => (v >>> (8 * i)) & 255);
    const chunk = (name, body) => [...name].map((c) => c.charCodeAt(0)).concat(le(body.length, 4), body, body.length & 1 ? [0] : []);
    const frameBytes = frame.flatMap((f) => Array.from(f));
    const anmf = chunk('ANMF', [...le(0, 3), ...le(0, 3), ...le(w - 1, 3), ...le(h - 1, 3), ...le(100, 3), 0, ...frameBytes]);
    const body = [...'WEBP'].map((c) => c.charCodeAt(0)).concat(
      chunk('VP8X', [0x12, 0, 0, 0, ...le(w - 1, 3), ...le(h - 1, 3)]),
      chunk('ANIM', [0, 0, 0, 0, 0, 0]), anmf, anmf);
    return new Blob([new Uint8Array(chunk('RIFF', body))], { type: 'image/webp' });
  },
  async freshBlob(blob, options) {
    const own = new PrepareWorker();
    own.recycleBytes = Infinity;
    const before = stats.last;
    stats.last = 0;
    stats.lastCodecs = 0;
    try {
      const { prepared } = await own.prepare(blob, options);
      return { ok: true, width: prepared.width, height: prepared.height, wasmBytes: stats.last, codecsBytes: stats.lastCodecs };
    } catch (err) {
      return { ok: false, code: err?.code, message: String(err?.message), wasmBytes: stats.last, codecsBytes: stats.lastCodecs };
    } finally {
      own.terminate();
      stats.last = before;
    }
  },
  /** A baseline JPEG of w x h from the browser's encoder and the progressive one of the
   *  same pixels from prepareMedia, as base64. */
  async photoPair(w, h) {
    const c = new OffscreenCanvas(w, h);
    const g = c.getContext('2d');
    for (let i = 0; i < 400; i++) {
      g.fillStyle = \`hsl(\${i * 37} 60% \${30 + (i % 40)}%)\`;
      g.fillRect((i * 997) % w, (i * 631) % h, w / 8, h / 8);
    }
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    const base = new Uint8Array(await blob.arrayBuffer());
    const { prepared } = await pw.prepare(blob, { subject: 'Patient/peaks', maxDimension: 16384, maxBytes: 50e6, quality: 0.9 });
    let s = '';
    for (let i = 0; i < base.length; i += 8192) s += String.fromCharCode(...base.subarray(i, i + 8192));
    return { baseline: btoa(s), progressive: prepared.resource.content.data };
  },
  async seeds() {
    // JPEG and WebP (lossy, lossless; opaque and with alpha) from the browser's encoders; a
    // progressive JPEG from our own.
    const out = [];
    for (const [w, h] of [[48, 32], [640, 480]]) {
      const c = new OffscreenCanvas(w, h);
      const g = c.getContext('2d');
      const grad = g.createLinearGradient(0, 0, w, h);
      grad.addColorStop(0, '#a53'); grad.addColorStop(1, '#35a');
      g.fillStyle = grad; g.fillRect(0, 0, w, h);
      g.fillStyle = '#ff0'; g.fillRect(0, 0, w / 4, h / 4);
      const encode = async (type, quality) => {
        const bytes = new Uint8Array(await (await c.convertToBlob({ type, quality })).arrayBuffer());
        let bin = '';
        for (let i = 0; i < bytes.length; i += 8192) bin += String.fromCharCode(...bytes.subarray(i, i + 8192));
        out.push({ kind: type === 'image/jpeg' ? 'jpeg' : 'webp', b64: btoa(bin) });
      };
      await encode('image/jpeg', 0.8);
      await encode('image/webp', 0.8);
      await encode('image/webp', 1); // lossless
      g.clearRect(w / 2, 0, w / 2, h / 3); // alpha: an ALPH plane (lossy), alpha in VP8L
      await encode('image/webp', 0.8);
      await encode('image/webp', 1);
    }
    for (const s of out.filter((s) => s.kind === 'jpeg')) {
      const { prepared } = await pw.prepare(new Blob([bytesOf(s.b64)]), { subject: 'Patient/seed', progressive: true });
      out.push({ kind: 'progressive', b64: prepared.resource.content.data });
    }
    return out;
  },
};
globalThis.hostileReady = true;
</script>`;

/**
 * A static site over the package's www/ and `pkgDir` as its pkg/ (symlinks in
 * target/hostile-site-<tag>/), served on a free port: { url, stop() }.
 */
export async function startSite(pkgDir, tag = 'release') {
  const dir = path.join(ROOT, 'target', `hostile-site-${tag}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'www'), path.join(dir, 'www'));
  fs.symlinkSync(path.resolve(pkgDir), path.join(dir, 'pkg'));
  fs.writeFileSync(path.join(dir, 'index.html'), PAGE);
  const { child, url } = await startListening(process.execPath, [path.join(ROOT, 'scripts/serve-static.mjs'), dir, '--port', '0'],
    { name: 'static server' });
  return { url, dir, stop: () => stopChild(child) };
}

/** A browser and a page on `url` with `hostile` ready; reopens the page after a crash. */
export async function openHostile(url) {
  if (!chromiumPath) throw new Error('Chromium not found (scripts/setup.sh installs it)');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  const session = {
    browser,
    page: null,
    crashed: false,
    async open() {
      if (this.page) await this.page.close().catch(() => {});
      this.crashed = false;
      this.page = await browser.newPage();
      this.page.on('crash', () => { this.crashed = true; });
      await this.page.goto(`${url}/index.html`);
      await this.page.waitForFunction(() => globalThis.hostileReady === true);
    },
    async close() { await browser.close(); },
  };
  await session.open();
  return session;
}

const b64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/**
 * Run `count` corpus inputs from `seed` through the page; returns the tallies. `onProgress`
 * gets the tallies every batch. The page's per-photo time limit is `timeoutMs`.
 */
export async function runCorpus(session, { seed = 1, count = 300, batch = 25, timeoutMs = 30_000, onProgress } = {}) {
  const started = Date.now();
  const browserSeeds = (await session.page.evaluate(() => hostile.seeds()))
    .map(({ kind, b64: data }) => ({ kind, bytes: new Uint8Array(Buffer.from(data, 'base64')) }));
  const seeds = [...browserSeeds, ...localSeeds(process.env.FHIR_TESTDATA ?? path.join(ROOT, '../shared/testdata'))];
  await session.page.evaluate((ms) => hostile.setTimeout(ms), timeoutMs);
  const t = {
    inputs: 0, prepared: 0, typed: {}, trapsRecovered: 0, timedOut: 0, untyped: [], crashes: [],
    peakWasmBytes: 0, workers: 0, ms: 0, slowest: [], seeds: seeds.length, byFamily: {},
  };
  let workersBefore = 0;
  const options = (i) => ({ subject: 'Patient/hostile', ...(i % 7 === 3 ? { format: 'png' } : {}) });
  let pending = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const items = pending;
    pending = [];
    let results;
    try {
      results = await session.page.evaluate((list) => hostile.run(list), items.map(({ input, i }) => ({ b64: b64(input.bytes), options: options(i) })));
    } catch (err) {
      // The tab crashed (or the page died) somewhere in this batch: rerun it one at a time
      // on a fresh page to find which input did it.
      if (!session.crashed) throw err;
      const s = await session.page.evaluate(() => ({ ...hostile.stats })).catch(() => null);
      if (s) workersBefore += s.workers;
      await session.open();
      for (const item of items) {
        try {
          const [r] = await session.page.evaluate((list) => hostile.run(list), [{ b64: b64(item.input.bytes), options: options(item.i) }]);
          tally(item, r);
        } catch (e) {
          if (!session.crashed) throw e;
          t.crashes.push(item.input.name);
          t.inputs++;
          await session.open();
        }
      }
      return;
    }
    items.forEach((item, k) => tally(item, results[k]));
    const s = await session.page.evaluate(() => ({ ...hostile.stats }));
    t.peakWasmBytes = Math.max(t.peakWasmBytes, s.peak);
    t.workers = workersBefore + s.workers;
    onProgress?.(t);
  };
  const tally = ({ input }, r) => {
    t.inputs++;
    // The input after which the memory first reached its peak (wasm memory never shrinks).
    if (r.wasmBytes > (t.peakAfter?.[1] ?? 0)) t.peakAfter = [input.name, r.wasmBytes];
    t.byFamily[input.family] = (t.byFamily[input.family] ?? 0) + 1;
    t.slowest.push([r.ms, input.name, r.ok ? 'ok' : r.code]);
    t.slowest.sort((a, b) => b[0] - a[0]);
    t.slowest.length = Math.min(t.slowest.length, 5);
    if (r.ok) { t.prepared++; return; }
    if (r.name !== 'MediaError' || !KNOWN_CODES.has(r.code)) {
      t.untyped.push({ input: input.name, name: r.name, code: r.code, message: r.message });
      return;
    }
    t.typed[r.code] = (t.typed[r.code] ?? 0) + 1;
    if (r.code === 'prepare-failed') t.trapsRecovered++;
    if (r.code === 'timed-out') t.timedOut++;
  };
  let i = 0;
  for (const input of hostileCorpus(seed, count, seeds)) {
    pending.push({ input, i: i++ });
    if (pending.length >= batch || input.bytes.length > 1e6) await flush();
  }
  await flush();
  t.ms = Date.now() - started;
  return t;
}

/** The tallies as a few lines for a log or a doc. */
export function describe(t) {
  const typed = Object.entries(t.typed).sort().map(([c, n]) => `${c} ${n}`).join(', ');
  return [
    `inputs ${t.inputs} (from ${t.seeds} seeds) in ${(t.ms / 1000).toFixed(1)} s`,
    `prepared ${t.prepared}; typed errors: ${typed}`,
    `traps recovered ${t.trapsRecovered}, timed out ${t.timedOut}, workers started ${t.workers}`,
    `untyped errors ${t.untyped.length}, tab crashes ${t.crashes.length}`,
    `peak wasm memory ${(t.peakWasmBytes / 2 ** 20).toFixed(1)} MiB (reached with ${t.peakAfter?.[0]})`,
    `slowest: ${t.slowest.map(([ms, name, r]) => `${name} ${Math.round(ms)} ms (${r})`).join('; ')}`,
  ].join('\n');
}

/** Set a JPEG's declared frame size (its first SOFn). */
export function declare(bytes, w, h) {
  const out = Buffer.from(bytes);
  for (let i = 2; i + 9 < out.length; i++) {
    if (out[i] === 0xff && out[i + 1] >= 0xc0 && out[i + 1] <= 0xc2) {
      out.writeUInt16BE(h, i + 5);
      out.writeUInt16BE(w, i + 7);
      return out;
    }
  }
  return out;
}

/**
 * Peak wasm memory, each in a fresh worker (wasm memory never shrinks, so its size after
 * one photo is that photo's peak): baseline vs progressive JPEGs of the same pixels, and
 * hostile JPEGs against a baseline that declares the same size. Rows of
 * [case, baseline MiB, other MiB, ratio, outcome].
 */
export async function measurePeaks(session) {
  const mib = (n) => n / 2 ** 20;
  const opts = { subject: 'Patient/peaks' };
  const rows = [];
  const peak = (b64, o = opts) => session.page.evaluate(([d, x]) => hostile.fresh(d, x), [b64, o]);
  for (const [w, h] of [[1600, 1200], [4032, 3024], [4800, 3400]]) {
    const pair = await session.page.evaluate(([a, b]) => hostile.photoPair(a, b), [w, h]);
    const base = await peak(pair.baseline);
    const prog = await peak(pair.progressive);
    rows.push([`${w}x${h} photo, progressive vs baseline`, mib(base.wasmBytes), mib(prog.wasmBytes), prog.wasmBytes / base.wasmBytes, prog.ok ? 'ok' : prog.code]);
  }
  const small = await session.page.evaluate(() => hostile.photoPair(64, 64));
  const sb = Buffer.from(small.baseline, 'base64');
  const sp = Buffer.from(small.progressive, 'base64');
  for (const [w, h] of [[10000, 10000], [16000, 1000], [5400, 4000]]) {
    const base = await peak(declare(sb, w, h).toString('base64'));
    const prog = await peak(declare(sp, w, h).toString('base64'));
    rows.push([`64x64 progressive declaring ${w}x${h} vs baseline declaring it`, mib(base.wasmBytes), mib(prog.wasmBytes), prog.wasmBytes / base.wasmBytes, prog.ok ? 'ok' : prog.code]);
  }
  return rows;
}

/**
 * Peak wasm memory (main + codecs module, each case in a fresh worker, default options)
 * of PNG, GIF, BMP and WebP at `sizes` against a baseline JPEG of the same pixel count
 * (the browser's encoder): rows [what, baseline MiB, case MiB (main + codecs), ratio,
 * outcome, codecs MiB]. The pictures are written into the site's directory `dir`.
 */
export async function measureCodecPeaks(session, dir, sizes = [[4000, 3000], [6000, 4000], [8000, 6000]]) {
  const mib = (n) => n / 2 ** 20;
  const opts = { subject: 'Patient/peaks' };
  const rows = [];
  const total = (r) => r.wasmBytes + (r.codecsBytes ?? 0);
  const outcome = (r) => (r.ok ? `${r.width}x${r.height}` : `${r.code}: ${r.message}`);
  const cases = (w, h) => [
    ['PNG RGB', () => pngOf(w, h, 2)],
    ['PNG RGBA', () => pngOf(w, h, 6)],
    ['PNG grey', () => pngOf(w, h, 0)],
    ['PNG RGB 16-bit', () => pngOf(w, h, 2, { depth: 16 })],
    ['PNG RGB Adam7', () => pngOf(w, h, 2, { interlaced: true })],
    ['GIF', () => gifOf(w, h)],
    ['BMP 24-bit', () => bmpOf(w, h)],
    ['BMP RLE8', () => bmpRle8Of(w, h)],
  ];
  for (const [w, h] of sizes) {
    const mp = `${((w * h) / 1e6).toFixed(0)} MP`;
    const base = await session.page.evaluate(([a, b, o]) => hostile.freshCanvas(a, b, 'image/jpeg', o), [w, h, opts]);
    const b = total(base);
    for (const [what, make] of cases(w, h)) {
      const name = `peak-${w}x${h}-${what.replace(/\W+/g, '-')}.bin`;
      fs.writeFileSync(path.join(dir, name), make());
      const r = await session.page.evaluate(([u, o]) => hostile.freshUrl(u, o), [`/${name}`, opts]);
      fs.rmSync(path.join(dir, name));
      rows.push([`${what} ${w}x${h} (${mp})`, mib(b), mib(total(r)), total(r) / b, outcome(r), mib(r.codecsBytes ?? 0)]);
    }
    for (const [what, enc] of [['lossy', {}], ['lossy + alpha', { alpha: true }], ['lossless', { quality: 1 }], ['animated, lossless', { quality: 1, animate: true }]]) {
      const webp = await session.page.evaluate(([a, bb, o, e]) => hostile.freshCanvas(a, bb, 'image/webp', o, e), [w, h, opts, enc]);
      rows.push([`WebP (${what}, Chromium) ${w}x${h} (${mp})`, mib(b), mib(total(webp)), total(webp) / b, outcome(webp), mib(webp.codecsBytes ?? 0)]);
    }
  }
  // The hostile corpus' 24x16 GIF on a 100 MP screen, against a baseline JPEG of 100 MP.
  const [sw, sh] = [10000, 10000];
  fs.writeFileSync(path.join(dir, 'peak-gif-screen.bin'), gifOf(24, 16, sw, sh));
  const screen = await session.page.evaluate(([u, o]) => hostile.freshUrl(u, o), ['/peak-gif-screen.bin', opts]);
  fs.rmSync(path.join(dir, 'peak-gif-screen.bin'));
  const base = await session.page.evaluate(([a, b, o]) => hostile.freshCanvas(a, b, 'image/jpeg', o), [sw, sh, opts]);
  rows.push([`GIF 24x16 on a ${sw}x${sh} screen (100 MP)`, mib(total(base)), mib(total(screen)), total(screen) / total(base), outcome(screen), mib(screen.codecsBytes ?? 0)]);
  return rows;
}
