// A/B of two builds of the main module, in one headless Chromium page: how the decoder and
// pipeline changes in bench/PERF.md were measured. Both builds run prepareMedia on the same
// bytes, interleaved, the order alternating every run; the report gives the medians of the
// wasm's own `decode` stage and of the whole call, B/A, and whether every output is the same.
//
//   npm run bench -- --ab-save NAME           copy pkg/'s main module to bench/out/ab/NAME
//   npm run bench -- --ab A B [--runs N] [--images a.jpg,b.jpg]
//
// A and B: names saved with --ab-save, or folders holding fhir_media_capture.js and
// fhir_media_capture_bg.wasm. Images: file names in the shared photos or bench/out (the
// 48 MP input the main bench makes), default the main bench's.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, IMAGES, UPSCALED, chromiumPath, median, out, photos, root } from './site.mjs';

const args = process.argv.slice(2);
const opt = (name, n = 1) => (args.includes(name) ? args.slice(args.indexOf(name) + 1, args.indexOf(name) + 1 + n) : undefined);
const FILES = ['fhir_media_capture.js', 'fhir_media_capture_bg.wasm'];
const saved = path.join(out, 'ab');

function save(name) {
  const dir = path.join(saved, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of FILES) fs.copyFileSync(path.join(root, 'pkg', f), path.join(dir, f));
  console.log(`ab: pkg/'s main module saved as ${path.relative(root, dir)}`);
}

function build(name) {
  const dir = [path.join(saved, name), path.resolve(name)].find((d) => FILES.every((f) => fs.existsSync(path.join(d, f))));
  if (!dir) throw new Error(`ab: ${name}: neither a name saved with --ab-save nor a folder with ${FILES.join(' and ')}`);
  return dir;
}

function source(name) {
  return [path.join(photos, name), path.join(out, name)].find((p) => fs.existsSync(p));
}

async function ab([nameA, nameB]) {
  const dirs = { A: build(nameA), B: build(nameB) };
  const runs = Number(opt('--runs')?.[0] ?? 9);
  const names = opt('--images')?.[0]?.split(',') ?? IMAGES.map((i) => i.name);
  const images = names.filter((n) => {
    if (source(n)) return true;
    // Said, not skipped silently: the 48 MP input is made by the main bench's first run.
    console.log(`ab: ${n} not found${n === UPSCALED ? ' (the main bench makes it: npm run bench)' : ''}; left out`);
    return false;
  });
  if (!images.length) throw new Error('ab: no image to run');
  const server = http.createServer((req, res) => {
    const [, kind, file] = decodeURIComponent(req.url.split('?')[0]).split('/');
    const f = kind === 'photos' ? images.includes(file) && source(file) : dirs[kind] && FILES.includes(file) && path.join(dirs[kind], file);
    if (kind === '') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>ab</title>');
    } else if (!f) {
      res.writeHead(404).end();
    } else {
      const type = f.endsWith('.js') ? 'text/javascript' : f.endsWith('.wasm') ? 'application/wasm' : 'image/jpeg';
      res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(f));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const results = await page.evaluate(async ({ images, runs }) => {
      const mods = {};
      for (const k of ['A', 'B']) {
        mods[k] = await import(`/${k}/fhir_media_capture.js`);
        await mods[k].default({ module_or_path: `/${k}/fhir_media_capture_bg.wasm` });
      }
      const opts = { maxDimension: 2048, quality: 0.8, subject: 'Patient/1', maxBytes: 100_000_000 };
      const fail = () => { throw new Error('aborted'); };
      const all = {};
      for (const name of images) {
        const bytes = new Uint8Array(await (await fetch(`/photos/${name}`)).arrayBuffer());
        // Warm-up: V8 compiles the hot wasm functions optimised in the background after the
        // first calls; until then a build runs slower whichever it is.
        for (let w = 0; w < 3; w++) for (const k of ['A', 'B']) await mods[k].prepareMedia(bytes, opts, fail);
        const r = (all[name] = { A: [], B: [], same: true });
        for (let i = 0; i < runs; i++) {
          const outputs = {};
          for (const k of i % 2 ? ['A', 'B'] : ['B', 'A']) {
            const t0 = performance.now();
            const p = await mods[k].prepareMedia(bytes, opts, fail);
            r[k].push({ ms: performance.now() - t0, decode: p.timings.decode });
            outputs[k] = p.resource.content.data;
          }
          r.same &&= outputs.A === outputs.B;
        }
      }
      return all;
    }, { images, runs });
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const lines = [
      `A/B: A = ${path.relative(root, dirs.A)}, B = ${path.relative(root, dirs.B)}; ${runs} interleaved runs, medians`,
      `machine: ${cpu}, ${os.cpus().length} cores; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
      '',
      '| image | decode A ms | decode B ms | B/A | total A ms | total B ms | B/A | output |',
      '|---|---:|---:|---:|---:|---:|---:|---|',
    ];
    for (const [name, r] of Object.entries(results)) {
      const [dA, dB] = [median(r.A.map((x) => x.decode)), median(r.B.map((x) => x.decode))];
      const [tA, tB] = [median(r.A.map((x) => x.ms)), median(r.B.map((x) => x.ms))];
      lines.push(`| ${name} | ${dA.toFixed(1)} | ${dB.toFixed(1)} | ${(dB / dA).toFixed(3)} | ${tA.toFixed(1)} | ${tB.toFixed(1)} | ${(tB / tA).toFixed(3)} | ${r.same ? 'identical' : '**differs**'} |`);
    }
    console.log(lines.join('\n'));
    return Object.values(results).every((r) => r.same);
  } finally {
    await browser.close();
    server.close();
  }
}

if (opt('--ab-save')) save(opt('--ab-save')[0]);
else if (opt('--ab', 2)?.length === 2) process.exitCode = (await ab(opt('--ab', 2))) ? 0 : 1;
else throw new Error('usage: --ab-save NAME | --ab A B [--runs N] [--images a.jpg,b.jpg]');
