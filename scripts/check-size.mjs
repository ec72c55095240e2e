// Size guard: the gzip size of every pkg/*.wasm must stay within the budget.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

// Regression guard at the measured size plus a little; issue "faster and smaller" owns
// the 200 KB target (rare formats in a lazily loaded module, SIMD encoder, -Oz tuning).
const LIMIT = 401_500; // bytes, gzip level 9 (measured 399,440: RGBA resize monomorphised once; bench/SIZE.md)
const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'pkg');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.wasm')) : [];
if (files.length === 0) {
  console.error('check-size: no pkg/*.wasm; run scripts/build-wasm.sh first');
  process.exit(1);
}
let ok = true;
for (const file of files) {
  const raw = fs.readFileSync(path.join(dir, file));
  const gz = zlib.gzipSync(raw, { level: 9 }).length;
  const fits = gz <= LIMIT;
  ok &&= fits;
  console.log(`check-size: ${file} ${raw.length} bytes raw, ${gz} bytes gzip (limit ${LIMIT}) ${fits ? 'ok' : 'TOO BIG'}`);
}
process.exit(ok ? 0 : 1);
