// The hostile-input corpus (issue 14) through the widget's worker and the release wasm in
// headless Chromium: `node scripts/hostile.mjs [count] [seed]` (npm run hostile: 10,000,
// seed 1). Prints the tallies; exits 1 on any tab crash or untyped error. Needs pkg/
// (scripts/build-wasm.sh). npm test runs a slice of it (tests/e2e/hostile.test.mjs).
// `node scripts/hostile.mjs peaks`: peak wasm memory of progressive and hostile JPEGs
// against baseline ones of the same size, each in a fresh worker, then PNG, GIF, BMP and
// WebP at 12, 24 and 48 MP (main + codecs module) against a baseline JPEG (bench/HOSTILE.md).
// `node scripts/hostile.mjs codec-peaks`: only the latter.
import { startSite, openHostile, runCorpus, describe, measurePeaks, measureCodecPeaks } from '../tests/support/hostile-run.mjs';

if (process.argv[2] === 'peaks' || process.argv[2] === 'codec-peaks') {
  const site = await startSite('pkg');
  const session = await openHostile(site.url);
  try {
    for (const [what, base, other, ratio, outcome] of process.argv[2] === 'peaks' ? await measurePeaks(session) : []) {
      console.log(`${what}: baseline ${base.toFixed(1)} MiB, other ${other.toFixed(1)} MiB (${ratio.toFixed(2)}x, ${outcome})`);
    }
    // PNG, GIF, BMP, WebP: main + codecs module against a baseline JPEG of the same size.
    for (const [what, base, other, ratio, outcome, codecs] of await measureCodecPeaks(session, site.dir)) {
      console.log(`${what}: baseline JPEG ${base.toFixed(1)} MiB, this ${other.toFixed(1)} MiB (codecs module ${codecs.toFixed(1)}) ${ratio.toFixed(2)}x, ${outcome}`);
    }
  } finally {
    await session.close();
    await site.stop();
  }
  process.exit(0);
}

const count = Number(process.argv[2] ?? 10_000);
const seed = Number(process.argv[3] ?? 1);
const site = await startSite('pkg');
const session = await openHostile(site.url);
let last = 0;
try {
  const t = await runCorpus(session, {
    seed, count,
    onProgress: (p) => {
      if (p.inputs - last >= 1000) { last = p.inputs; console.log(`hostile: ${p.inputs}/${count}`); }
    },
  });
  console.log(describe(t));
  for (const u of t.untyped.slice(0, 20)) console.log(`untyped: ${u.input}: ${u.name} ${u.code ?? ''} ${u.message}`);
  for (const c of t.crashes.slice(0, 20)) console.log(`crash: ${c}`);
  process.exitCode = t.untyped.length || t.crashes.length ? 1 : 0;
} finally {
  await session.close();
  await site.stop();
}
