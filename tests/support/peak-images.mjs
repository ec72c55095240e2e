// Large pictures of each codecs format for `node scripts/hostile.mjs peaks` (bench/HOSTILE.md):
// written here from a smooth pattern (never from ../shared/testdata), into files the
// hostile page fetches, so that no 100 MB payload crosses the devtools protocol.
import zlib from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Sample `c` of pixel (x, y): gradients and a few bands, like a plain photo. */
const sample = (x, y, c, w, h) => ((c === 3 ? 255 - ((x * 64) / w | 0)
  : (x * (160 + c * 40)) / w + (y * (90 - c * 30)) / h + ((x >> 6) + (y >> 6)) % 3 * 9)) & 255;

const CHANNELS = { 0: 1, 2: 3, 4: 2, 6: 4 };
const ADAM7 = [[0, 8, 0, 8], [4, 8, 0, 8], [0, 4, 4, 8], [2, 4, 0, 4], [0, 2, 2, 4], [1, 2, 0, 2], [0, 1, 1, 2]];

/** A PNG `w`x`h`: colour type `ct` (0 grey, 2 RGB, 6 RGBA), `depth` 8 or 16, Adam7 or not. */
export function pngOf(w, h, ct, { depth = 8, interlaced = false } = {}) {
  const ch = CHANNELS[ct];
  const bps = depth / 8;
  const rows = [];
  const passes = interlaced ? ADAM7 : [[0, 1, 0, 1]];
  for (const [x0, dx, y0, dy] of passes) {
    if (x0 >= w) continue;
    const n = Math.ceil((w - x0) / dx);
    for (let y = y0; y < h; y += dy) {
      const row = Buffer.alloc(1 + n * ch * bps);
      let at = 1;
      for (let x = x0; x < w; x += dx) {
        for (let c = 0; c < ch; c++) {
          const v = sample(x, y, ch === 1 ? 1 : c, w, h);
          row[at++] = v;
          if (bps === 2) row[at++] = v;
        }
      }
      rows.push(row);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = depth; ihdr[9] = ct; ihdr[12] = interlaced ? 1 : 0;
  const idat = zlib.deflateSync(Buffer.concat(rows), { level: 1 });
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', [])]);
}

/** A 24-bit bottom-up BMP. */
export function bmpOf(w, h) {
  const rowBytes = (w * 3 + 3) & ~3;
  const out = Buffer.alloc(54 + rowBytes * h);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(w, 18);
  out.writeInt32LE(h, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(rowBytes * h, 34);
  for (let y = 0; y < h; y++) {
    let at = 54 + (h - 1 - y) * rowBytes;
    for (let x = 0; x < w; x++) for (const c of [2, 1, 0]) out[at++] = sample(x, y, c, w, h);
  }
  return out;
}

/** An RLE8 BMP (bottom-up, 256-colour palette): each row runs of 16 pixels, then an end of
 *  row; an end of bitmap. A few bytes a row claim the whole picture. */
export function bmpRle8Of(w, h) {
  const pal = Buffer.alloc(1024);
  for (let i = 0; i < 256; i++) { pal[i * 4] = i; pal[i * 4 + 1] = 255 - i; pal[i * 4 + 2] = (i * 7) & 255; }
  const rows = [];
  for (let y = 0; y < h; y++) {
    const r = [];
    for (let x = 0; x < w; x += 16) r.push(Math.min(16, w - x), ((x >> 4) + y) & 255);
    r.push(0, 0);
    rows.push(Buffer.from(r));
  }
  rows.push(Buffer.from([0, 1]));
  const data = Buffer.concat(rows);
  const head = Buffer.alloc(54);
  head.write('BM', 0, 'latin1');
  head.writeUInt32LE(54 + 1024 + data.length, 2);
  head.writeUInt32LE(54 + 1024, 10);
  head.writeUInt32LE(40, 14);
  head.writeInt32LE(w, 18);
  head.writeInt32LE(h, 22);
  head.writeUInt16LE(1, 26);
  head.writeUInt16LE(8, 28);
  head.writeUInt32LE(1, 30); // BI_RLE8
  head.writeUInt32LE(data.length, 34);
  head.writeUInt32LE(256, 46);
  return Buffer.concat([head, pal, data]);
}

/** A GIF87a: a `w`x`h` frame at (0, 0) on a `screenW`x`screenH` screen, 4 colours, 9-bit
 *  LZW codes with a clear code before every 250 pixels (valid without a dictionary). */
export function gifOf(w, h, screenW = w, screenH = h) {
  const head = Buffer.from([...Buffer.from('GIF87a'), screenW & 255, screenW >> 8, screenH & 255, screenH >> 8, 0x81, 0, 0,
    30, 60, 90, 200, 120, 40, 90, 160, 220, 240, 230, 200,
    0x2c, 0, 0, 0, 0, w & 255, w >> 8, h & 255, h >> 8, 0, 8]);
  const n = w * h;
  const codes = n + Math.ceil(n / 250) + 1;
  const data = Buffer.alloc(Math.ceil((codes * 9) / 8));
  let acc = 0;
  let bits = 0;
  let at = 0;
  const put = (c) => {
    acc |= c << bits; bits += 9;
    while (bits >= 8) { data[at++] = acc & 255; acc >>>= 8; bits -= 8; }
  };
  for (let i = 0; i < n; i++) {
    if (i % 250 === 0) put(256);
    const x = i % w;
    const y = (i / w) | 0;
    put(((x * 4) / w + (y >> 7)) & 3);
  }
  put(257);
  if (bits) data[at++] = acc & 255;
  const blocks = Math.ceil(at / 255);
  const out = Buffer.alloc(head.length + at + blocks + 2);
  head.copy(out, 0);
  let o = head.length;
  for (let i = 0; i < at; i += 255) {
    const len = Math.min(255, at - i);
    out[o++] = len;
    data.copy(out, o, i, i + len);
    o += len;
  }
  out[o++] = 0;
  out[o++] = 0x3b;
  return out;
}
