// node scripts/make-webp-fixtures.mjs: writes codecs/tests/fixtures/*.webp, small WebPs from
// Chromium's encoder (libwebp), for codecs/tests/webp_rows.rs and the fuzz seeds
// (scripts/fuzz.sh). Committed so that neither needs a browser; this is how they were made.
// Synthetic pictures (gradients, edges, noise), never a photo; sizes chosen to cover odd
// widths and heights, fewer macroblock rows than the decoder's window, and alpha (VP8X).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS } from '../tests/support/browser.mjs';

const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'codecs', 'tests', 'fixtures');
const CASES = [
  // name, width, height, alpha, quality
  ['lossy-1001x667', 1001, 667, false, 0.8],
  ['lossy-37x21', 37, 21, false, 0.9],
  ['lossy-640x48', 640, 48, false, 0.5],
  ['lossy-300x65', 300, 65, false, 0.3],
  ['lossy-17x1000', 17, 1000, false, 0.95],
  ['lossy-alpha-120x90', 120, 90, true, 0.8],
  // Quality 1 is Chromium's lossless (VP8L): fuzz seeds for the lossless rows.
  ['lossless-97x61', 97, 61, false, 1],
  ['lossless-alpha-64x50', 64, 50, true, 1],
];

const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
const page = await browser.newPage();
fs.mkdirSync(OUT, { recursive: true });
for (const [name, width, height, alpha, quality] of CASES) {
  const b64 = await page.evaluate(({ width, height, alpha, quality }) => {
    const c = document.createElement('canvas');
    c.width = width;
    c.height = height;
    const ctx = c.getContext('2d');
    const img = ctx.createImageData(width, height);
    let seed = width * 7919 + height;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = 4 * (y * width + x);
        const band = ((x >> 5) + (y >> 5)) & 1; // hard edges every 32 px
        img.data[i] = (x * 255) / width;
        img.data[i + 1] = band ? 230 : (y * 255) / height;
        img.data[i + 2] = (rnd() >> 2) + (band ? 150 : 20); // noise: every mode, every filter
        img.data[i + 3] = alpha ? (x * 255) / width : 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    return c.toDataURL('image/webp', quality).split(',')[1];
  }, { width, height, alpha, quality });
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.subarray(8, 12).toString() !== 'WEBP') throw new Error(`${name}: Chromium did not write WebP`);
  fs.writeFileSync(path.join(OUT, `${name}.webp`), bytes);
  console.log(`${name}.webp ${bytes.length} B, first chunk ${bytes.subarray(12, 16)}`);
}
await browser.close();

// An animation of two frames from Chromium's lossless alpha encode: the first at (8, 6) on a
// 96x80 canvas, blended; the second at (0, 0), not. A fuzz seed for the first frame's rows.
{
  const still = fs.readFileSync(path.join(OUT, 'lossless-alpha-64x50.webp'));
  const frame = [];
  for (let at = 12; at + 8 <= still.length;) {
    const len = still.readUInt32LE(at + 4);
    const end = at + 8 + len + (len & 1);
    if (/^(ALPH|VP8 |VP8L)$/.test(still.toString('latin1', at, at + 4))) frame.push(still.subarray(at, end));
    at = end;
  }
  const le = (v, n) => Buffer.from(Array.from({ length: n }, (_, i) => (v >>> (8 * i)) & 255));
  const chunk = (name, body) => Buffer.concat([Buffer.from(name, 'latin1'), le(body.length, 4), body, Buffer.alloc(body.length & 1)]);
  const anmf = (x, y, flags) => chunk('ANMF', Buffer.concat([le(x / 2, 3), le(y / 2, 3), le(63, 3), le(49, 3), le(100, 3), Buffer.from([flags]), ...frame]));
  const body = Buffer.concat([Buffer.from('WEBP'), chunk('VP8X', Buffer.concat([Buffer.from([0x12, 0, 0, 0]), le(95, 3), le(79, 3)])),
    chunk('ANIM', Buffer.from([0, 0, 0, 0, 0, 0])), anmf(8, 6, 0), anmf(0, 0, 2)]);
  fs.writeFileSync(path.join(OUT, 'animated-lossless-96x80.webp'), chunk('RIFF', body));
  console.log('animated-lossless-96x80.webp');
}
