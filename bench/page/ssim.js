// Image quality measure of the benchmark, in plain JS so that no contender grades itself.
//
// reference: the original decoded at full size by the browser (EXIF orientation applied),
//   turned into luma, then downscaled to the contender's exact output size with a separable
//   Lanczos-3 filter whose support widens with the scale factor (so it also area-averages
//   every source pixel), computed in float and clamped to 0..255.
// SSIM: Wang et al. 2004 on luma (BT.601: 0.299 R + 0.587 G + 0.114 B), 11x11 Gaussian
//   window with sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255, "valid" windows only (no padding),
//   no pre-downsampling; the score is the mean of the SSIM map.

/** BT.601 luma of RGBA pixels, as Float32Array. */
export function luma(rgba, width, height) {
  const out = new Float32Array(width * height);
  for (let i = 0, j = 0; i < out.length; i++, j += 4) {
    out[i] = 0.299 * rgba[j] + 0.587 * rgba[j + 1] + 0.114 * rgba[j + 2];
  }
  return out;
}

function lanczos3(x) {
  if (x === 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

/** For each output index: first source index and normalized weights. */
function weights(srcLen, dstLen) {
  const ratio = srcLen / dstLen;
  const scale = Math.max(1, ratio);
  const support = 3 * scale;
  const starts = new Int32Array(dstLen);
  const taps = Math.ceil(support) * 2 + 1;
  const w = new Float32Array(dstLen * taps);
  for (let o = 0; o < dstLen; o++) {
    const center = (o + 0.5) * ratio - 0.5;
    const start = Math.floor(center - support) + 1;
    starts[o] = start;
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const v = lanczos3((start + k - center) / scale);
      w[o * taps + k] = v;
      sum += v;
    }
    for (let k = 0; k < taps; k++) w[o * taps + k] /= sum;
  }
  return { starts, w, taps };
}

/** Separable Lanczos-3 resize of a single float plane; edges clamp. */
export function resizePlane(src, sw, sh, dw, dh) {
  if (sw === dw && sh === dh) return Float32Array.from(src);
  const hz = weights(sw, dw);
  const tmp = new Float32Array(dw * sh);
  for (let y = 0; y < sh; y++) {
    const row = y * sw;
    for (let x = 0; x < dw; x++) {
      const s = hz.starts[x];
      const base = x * hz.taps;
      let acc = 0;
      for (let k = 0; k < hz.taps; k++) {
        const wk = hz.w[base + k];
        if (wk === 0) continue;
        const sx = Math.min(sw - 1, Math.max(0, s + k));
        acc += wk * src[row + sx];
      }
      tmp[y * dw + x] = acc;
    }
  }
  const vt = weights(sh, dh);
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const s = vt.starts[y];
    const base = y * vt.taps;
    for (let k = 0; k < vt.taps; k++) {
      const wk = vt.w[base + k];
      if (wk === 0) continue;
      const sy = Math.min(sh - 1, Math.max(0, s + k));
      const row = sy * dw;
      const orow = y * dw;
      for (let x = 0; x < dw; x++) out[orow + x] += wk * tmp[row + x];
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.max(0, out[i]));
  return out;
}

const GAUSS = (() => {
  const g = new Float64Array(11);
  let sum = 0;
  for (let i = 0; i < 11; i++) sum += g[i] = Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5));
  return g.map((v) => v / sum);
})();

/** "Valid" separable 11-tap Gaussian filter: output (w-10) x (h-10). */
function blur(src, w, h) {
  const ow = w - 10;
  const oh = h - 10;
  const tmp = new Float64Array(ow * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < ow; x++) {
      let acc = 0;
      for (let k = 0; k < 11; k++) acc += GAUSS[k] * src[row + x + k];
      tmp[y * ow + x] = acc;
    }
  }
  const out = new Float64Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    for (let k = 0; k < 11; k++) {
      const g = GAUSS[k];
      const row = (y + k) * ow;
      const orow = y * ow;
      for (let x = 0; x < ow; x++) out[orow + x] += g * tmp[row + x];
    }
  }
  return out;
}

/** Mean SSIM of two luma planes of the same size. */
export function ssim(a, b, w, h) {
  const n = w * h;
  const aa = new Float64Array(n);
  const bb = new Float64Array(n);
  const ab = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    aa[i] = a[i] * a[i];
    bb[i] = b[i] * b[i];
    ab[i] = a[i] * b[i];
  }
  const muA = blur(a, w, h);
  const muB = blur(b, w, h);
  const sAA = blur(aa, w, h);
  const sBB = blur(bb, w, h);
  const sAB = blur(ab, w, h);
  const C1 = (0.01 * 255) ** 2;
  const C2 = (0.03 * 255) ** 2;
  let total = 0;
  for (let i = 0; i < muA.length; i++) {
    const ma = muA[i];
    const mb = muB[i];
    const va = sAA[i] - ma * ma;
    const vb = sBB[i] - mb * mb;
    const cov = sAB[i] - ma * mb;
    total += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
  }
  return total / muA.length;
}
