// A deterministic corpus of hostile inputs for prepareMedia (issue 14): from a seed, N inputs
// made by mutating small images of every format we sniff (JPEG baseline and progressive,
// PNG, WebP, GIF, BMP, TIFF, HEIC-like boxes) plus any photos found in ../shared/testdata at
// run time (never copied into the repo): bit flips, byte hammering of headers, truncations,
// insertions, huge declared dimensions, decompression bombs and scan bombs.
// The JPEG and WebP seeds come from the browser's encoder (the runner passes them in); the
// rest are written here.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** xorshift32: the same stream for the same seed everywhere. */
export class Rng {
  constructor(seed) { this.s = (seed >>> 0) || 0x9e3779b9; }
  next() {
    let x = this.s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  below(n) { return n <= 0 ? 0 : this.next() % n; }
  byte() { return this.next() & 0xff; }
  pick(list) { return list[this.below(list.length)]; }
}

const u32be = (n) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const u16le = (n) => [n & 255, (n >>> 8) & 255];
const u32le = (n) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type, data) {
  const td = [...Buffer.from(type, 'latin1'), ...data];
  return [...u32be(data.length), ...td, ...u32be(crc32(td))];
}

/** A PNG: `w`x`h`, colour type `ct` (0 grey, 2 RGB, 6 RGBA), 8 bits, rows from `row(y)`. */
export function png(w, h, ct, raw) {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  const ihdr = [...u32be(w), ...u32be(h), 8, ct, 0, 0, 0];
  return Uint8Array.from([...sig, ...pngChunk('IHDR', ihdr), ...pngChunk('IDAT', [...zlib.deflateSync(raw)]),
    ...pngChunk('IEND', [])]);
}

function smallPng(w, h, ct) {
  const ch = { 0: 1, 2: 3, 6: 4 }[ct];
  const raw = Buffer.alloc((w * ch + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w * ch; x++) raw[y * (w * ch + 1) + 1 + x] = (x * 7 + y * 13) & 255;
  return png(w, h, ct, raw);
}

/** A PNG whose IHDR says `w`x`h` grey and whose IDAT inflates to all of it (zeros): a
 *  decompression bomb of ~w*h bytes in ~w*h/1000. */
function pngBomb(w, h) {
  const raw = Buffer.alloc((w + 1) * h);
  return png(w, h, 0, raw);
}

/** A 24-bit BMP, `w`x`h` (negative `h`: top-down). */
function bmp(w, h) {
  const rowBytes = (w * 3 + 3) & ~3;
  const pixels = rowBytes * Math.abs(h);
  const head = [0x42, 0x4d, ...u32le(54 + pixels), 0, 0, 0, 0, ...u32le(54),
    ...u32le(40), ...u32le(w), ...u32le(h >>> 0), ...u16le(1), ...u16le(24), ...u32le(0), ...u32le(pixels),
    ...u32le(2835), ...u32le(2835), ...u32le(0), ...u32le(0)];
  const body = Array.from({ length: pixels }, (_, i) => (i * 31) & 255);
  return Uint8Array.from([...head, ...body]);
}

/** An RLE BMP (`bits` 8 or 4), `w`x`h`, full palette, around the RLE `stream`. */
function bmpRle(w, h, bits, stream) {
  const colors = 1 << bits;
  const offset = 54 + colors * 4;
  const head = [0x42, 0x4d, ...u32le(offset + stream.length), 0, 0, 0, 0, ...u32le(offset),
    ...u32le(40), ...u32le(w), ...u32le(h), ...u16le(1), ...u16le(bits), ...u32le(bits === 8 ? 1 : 2),
    ...u32le(stream.length), ...u32le(2835), ...u32le(2835), ...u32le(colors), ...u32le(0)];
  const palette = Array.from({ length: colors * 4 }, (_, i) => (i * 53) & 255);
  return Uint8Array.from([...head, ...palette, ...stream]);
}

/** An RLE stream of every instruction: runs, an absolute span, an in-row and a row-skipping
 *  delta, ends of row, the end of the bitmap. */
const RLE_STREAM = [5, 1, 3, 2, 0, 4, 9, 8, 7, 6, 0, 2, 2, 0, 0, 0, 6, 200, 0, 2, 1, 2, 4, 3, 0, 0, 8, 17, 0, 1];

/** A GIF87a, `w`x`h`, 4-colour palette, image data as 9-bit LZW codes with a clear code
 *  before every 250 pixels (valid without a dictionary). */
function gif(w, h, screenW = w, screenH = h) {
  const out = [...Buffer.from('GIF87a'), ...u16le(screenW), ...u16le(screenH), 0x81, 0, 0,
    0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255,
    0x2c, 0, 0, 0, 0, ...u16le(w), ...u16le(h), 0, 8];
  const codes = [];
  for (let i = 0; i < w * h; i++) {
    if (i % 250 === 0) codes.push(256);
    codes.push((i * 3) & 3);
  }
  codes.push(257);
  const bytes = [];
  let acc = 0;
  let bits = 0;
  for (const c of codes) {
    acc |= c << bits; bits += 9;
    while (bits >= 8) { bytes.push(acc & 255); acc >>>= 8; bits -= 8; }
  }
  if (bits) bytes.push(acc & 255);
  for (let i = 0; i < bytes.length; i += 255) {
    const block = bytes.slice(i, i + 255);
    out.push(block.length, ...block);
  }
  out.push(0, 0x3b);
  return Uint8Array.from(out);
}

/** A little-endian uncompressed RGB TIFF (which the pipeline refuses as a format). */
function tiff(w, h) {
  const entries = [[256, 4, 1, w], [257, 4, 1, h], [258, 3, 1, 8], [259, 3, 1, 1], [262, 3, 1, 2],
    [273, 4, 1, 8 + 2 + 12 * 8 + 4], [277, 3, 1, 3], [279, 4, 1, w * h * 3]];
  const ifd = [...u16le(entries.length)];
  for (const [tag, type, count, value] of entries) ifd.push(...u16le(tag), ...u16le(type), ...u32le(count), ...u32le(value));
  ifd.push(...u32le(0));
  return Uint8Array.from([0x49, 0x49, 42, 0, ...u32le(8), ...ifd, ...Array.from({ length: w * h * 3 }, (_, i) => i & 255)]);
}

function box(type, payload) {
  return [...u32be(8 + payload.length), ...Buffer.from(type, 'latin1'), ...payload];
}

/** ISO-BMFF boxes as a HEIC starts: ftyp heic, then a meta with hdlr pict and an ispe. */
function heicHeader(w, h) {
  const ispe = box('ispe', [0, 0, 0, 0, ...u32be(w), ...u32be(h)]);
  const meta = box('meta', [0, 0, 0, 0, ...box('hdlr', [0, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('pict'), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    ...box('iprp', box('ipco', ispe))]);
  return Uint8Array.from([...box('ftyp', [...Buffer.from('heic'), 0, 0, 0, 0, ...Buffer.from('mif1heic')]), ...meta,
    ...box('mdat', Array.from({ length: 64 }, (_, i) => i))]);
}

/** A WebP VP8L (lossless) header of `w`x`h` over junk image data. */
function webpLosslessHeader(w, h) {
  const bits = (w - 1) | ((h - 1) << 14);
  const payload = [0x2f, ...u32le(bits >>> 0), ...Array.from({ length: 32 }, (_, i) => (i * 37) & 255)];
  const chunk = [...Buffer.from('VP8L'), ...u32le(payload.length), ...payload];
  return Uint8Array.from([...Buffer.from('RIFF'), ...u32le(4 + chunk.length), ...Buffer.from('WEBP'), ...chunk]);
}

// ---- JPEG surgery ------------------------------------------------------------------------

/** Marker segments of a JPEG up to EOI: [{ marker, start, end }] (an SOS runs to the end of
 *  its entropy-coded data). */
export function jpegSegments(b) {
  const out = [];
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff && b[i + 1] !== 0xd9) {
    const start = i;
    const marker = b[i + 1];
    if (marker === 0xff) { i++; continue; }
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
    if (marker === 0xda) {
      while (i + 1 < b.length && !(b[i] === 0xff && b[i + 1] !== 0 && !(b[i + 1] >= 0xd0 && b[i + 1] <= 0xd7))) i++;
    }
    out.push({ marker, start, end: i });
  }
  return out;
}

function setJpegSize(b, w, h) {
  const out = Uint8Array.from(b);
  const sof = jpegSegments(b).find((s) => s.marker >= 0xc0 && s.marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(s.marker));
  if (!sof) return out;
  out[sof.start + 5] = h >> 8; out[sof.start + 6] = h & 255;
  out[sof.start + 7] = w >> 8; out[sof.start + 8] = w & 255;
  return out;
}

/** The first scan repeated `n` more times before EOI (fewer if that would pass 8 MB). */
function scanBomb(b, n) {
  const scan = jpegSegments(b).find((s) => s.marker === 0xda);
  if (!scan) return Uint8Array.from(b);
  const piece = b.subarray(scan.start, scan.end);
  n = Math.min(n, Math.floor(8e6 / piece.length));
  const eoi = b.length - 2;
  const out = new Uint8Array(eoi + piece.length * n + 2);
  out.set(b.subarray(0, eoi));
  for (let k = 0; k < n; k++) out.set(piece, eoi + k * piece.length);
  out.set(b.subarray(eoi), eoi + piece.length * n);
  return out;
}

// ---- mutations ---------------------------------------------------------------------------

const DIMS = [[65535, 65535], [65535, 1], [1, 65535], [0, 100], [100, 0], [40000, 40000], [10000, 10000], [20000, 5000]];

function setPngSize(b, w, h) {
  const out = Uint8Array.from(b);
  out.set(u32be(w >>> 0), 16);
  out.set(u32be(h >>> 0), 20);
  out.set(u32be(crc32(out.subarray(12, 29))), 29);
  return out;
}

function setDims(kind, b, [w, h]) {
  switch (kind) {
    case 'jpeg': case 'progressive': case 'photo': return setJpegSize(b, w, h);
    case 'png': return setPngSize(b, w, h);
    case 'gif': { const o = Uint8Array.from(b); o.set(u16le(w), 6); o.set(u16le(h), 8); return o; }
    case 'bmp': { const o = Uint8Array.from(b); o.set(u32le(w), 18); o.set(u32le(h), 22); return o; }
    case 'webp': return webpLosslessHeader(Math.min(w, 16384) || 1, Math.min(h, 16384) || 1);
    case 'tiff': return tiff(Math.min(w, 64), Math.min(h, 64));
    case 'heic': return heicHeader(w, h);
    default: return Uint8Array.from(b);
  }
}

/** One hostile input from `seed` (kind, bytes), family picked by `rng`. */
function mutate(rng, { kind, bytes }) {
  const b = Uint8Array.from(bytes);
  const family = rng.below(10);
  switch (family) {
    case 0: { // bit flips
      for (let k = 0, n = 1 + rng.below(8); k < n; k++) b[rng.below(b.length)] ^= 1 << rng.below(8);
      return ['bitflip', b];
    }
    case 1: { // header hammering: sizes and counts live in the first bytes
      for (let k = 0, n = 1 + rng.below(4); k < n; k++) b[rng.below(Math.min(b.length, 96))] = rng.pick([0, 0xff, 0x7f, 0x80]);
      return ['header', b];
    }
    case 2: return ['truncate', b.subarray(0, rng.below(b.length))];
    case 3: { // insertion of random bytes
      const at = rng.below(b.length);
      const ins = Array.from({ length: 1 + rng.below(64) }, () => rng.byte());
      return ['insert', Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)])];
    }
    case 4: { // duplicated span (repeated chunks, segments, boxes)
      const at = rng.below(b.length);
      const len = 1 + rng.below(Math.min(512, b.length - at));
      const span = b.subarray(at, at + len);
      const times = 1 + rng.below(32);
      const parts = [b.subarray(0, at + len)];
      for (let k = 0; k < times; k++) parts.push(span);
      parts.push(b.subarray(at + len));
      return ['duplicate', concat(parts)];
    }
    case 5: case 6: return ['dimensions', setDims(kind, b, rng.pick(DIMS))];
    case 7: { // random bytes behind the format's magic
      const junk = Array.from({ length: 16 + rng.below(2048) }, () => rng.byte());
      return ['junk', Uint8Array.from([...b.subarray(0, 12), ...junk])];
    }
    case 8: { // a JPEG's scan repeated (scan bomb) with a declared size; others: cut + flips
      if (kind === 'jpeg' || kind === 'progressive' || kind === 'photo') {
        const bomb = scanBomb(b, rng.pick([8, 64, 600, 3000]));
        return ['scanbomb', rng.below(2) ? setJpegSize(bomb, ...rng.pick(DIMS.slice(5))) : bomb];
      }
      const cut = b.subarray(0, Math.max(16, b.length - rng.below(64)));
      const c = Uint8Array.from(cut);
      c[rng.below(c.length)] ^= 0xff;
      return ['cutflip', c];
    }
    default: { // zeroed or 0xFF-filled span
      const at = rng.below(b.length);
      b.fill(rng.below(2) ? 0 : 0xff, at, at + 1 + rng.below(256));
      return ['fill', b];
    }
  }
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Seeds made here: every format but JPEG and lossy WebP (the browser's encoder makes
 *  those: `browserSeeds`), plus the bombs and testdata photos under 1 MB. */
export function localSeeds(testdata = process.env.FHIR_TESTDATA) {
  const seeds = [
    { kind: 'png', bytes: smallPng(40, 30, 2) },
    { kind: 'png', bytes: smallPng(17, 9, 6) },
    { kind: 'png', bytes: smallPng(64, 3, 0) },
    { kind: 'bmp', bytes: bmp(20, 12) },
    { kind: 'bmp', bytes: bmp(7, -5) },
    { kind: 'bmp', bytes: bmpRle(20, 12, 8, RLE_STREAM) },
    { kind: 'bmp', bytes: bmpRle(20, 12, 4, RLE_STREAM) },
    { kind: 'gif', bytes: gif(24, 16) },
    { kind: 'tiff', bytes: tiff(8, 8) },
    { kind: 'heic', bytes: heicHeader(4032, 3024) },
    { kind: 'webp', bytes: webpLosslessHeader(32, 32) },
  ];
  const photos = testdata && path.join(testdata, 'photos');
  if (photos && fs.existsSync(photos)) {
    for (const f of fs.readdirSync(photos).sort()) {
      const p = path.join(photos, f);
      if (/\.(jpe?g|heic|heif)$/i.test(f) && fs.statSync(p).size < 1_000_000) {
        seeds.push({ kind: /\.jpe?g$/i.test(f) ? 'photo' : 'heic', bytes: new Uint8Array(fs.readFileSync(p)) });
      }
    }
  }
  return seeds;
}

/** Fixed bombs, each once per corpus (they are slow to make and meant to be big inside). */
export function bombs() {
  return [
    { family: 'bomb', kind: 'png', name: 'png 20000x20000 grey of zeros (400 MB inflated)', bytes: pngBomb(20000, 20000) },
    { family: 'bomb', kind: 'png', name: 'png 9000x9000 grey of zeros (81 MB, under maxPixels)', bytes: pngBomb(9000, 9000) },
    { family: 'bomb', kind: 'gif', name: 'gif 65535x65535 screen over a 24x16 frame', bytes: gif(24, 16, 65535, 65535) },
    { family: 'bomb', kind: 'bmp', name: 'bmp 30000x30000 header, 20x12 data', bytes: setDims('bmp', bmp(20, 12), [30000, 30000]) },
    { family: 'bomb', kind: 'bmp', name: 'bmp RLE8 8000x6000 of one end of bitmap (48 MP from 1 KB)', bytes: bmpRle(8000, 6000, 8, [0, 1]) },
  ];
}

/**
 * `count` hostile inputs from `seed`, one at a time: { name, family, kind, bytes }. `seeds`
 * are [{ kind, bytes }] (browser-made JPEG/WebP seeds plus localSeeds()). Deterministic for
 * the same seed and seeds.
 */
export function* hostileCorpus(seed, count, seeds) {
  const rng = new Rng(seed);
  const jpegs = seeds.filter((s) => s.kind === 'progressive' || s.kind === 'jpeg');
  let made = 0;
  const out = { push(item) { made++; return item; }, get length() { return made; } };
  for (const b of bombs()) if (out.length < count) yield out.push(b);
  // Scan bombs of the progressive seeds at sizes around the limits.
  for (const s of jpegs.filter((j) => j.kind === 'progressive')) {
    for (const [n, dims] of [[600, null], [40, [4800, 3400]], [3000, [4000, 4000]]]) {
      if (out.length >= count) break;
      const bomb = scanBomb(s.bytes, n);
      yield out.push({ family: 'bomb', kind: 'progressive', name: `progressive scan bomb x${n}${dims ? ` at ${dims.join('x')}` : ''}`,
        bytes: dims ? setJpegSize(bomb, ...dims) : bomb });
    }
    if (out.length < count) {
      yield out.push({ family: 'bomb', kind: 'progressive', name: 'progressive declaring 10000x10000', bytes: setJpegSize(s.bytes, 10000, 10000) });
    }
  }
  let i = 0;
  while (out.length < count) {
    const s = seeds[rng.below(seeds.length)];
    const [family, bytes] = mutate(rng, s);
    yield out.push({ family, kind: s.kind, name: `#${i++} ${s.kind} ${family}`, bytes });
  }
}
