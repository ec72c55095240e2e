//! Known photo defects at graded strength, applied to an RGB raster: Gaussian defocus,
//! linear motion blur, exposure off by some EV, JPEG re-compression and sensor noise;
//! and procedural skin, a plain low-texture scene. Shared by the quality tests (native
//! and wasm) and examples/quality_calibration.rs. Plain Rust, deterministic.
#![allow(dead_code)]

use fhir_media_capture::pipeline::raster::Raster;

/// RGB raster from a pixel function.
pub fn rgb(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Raster {
    let mut data = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        for x in 0..width {
            data.extend(f(x, y));
        }
    }
    Raster::new(width, height, 3, data).expect("rgb size")
}

/// One pass of a 1-D kernel along rows (`dx`, `dy` = 1, 0) or any other line direction,
/// sampling at whole-pixel offsets `k * (dx, dy)` rounded, edges clamped.
fn convolve(src: &Raster, taps: &[(i32, i32, f32)]) -> Raster {
    let (w, h) = (src.width as i32, src.height as i32);
    let c = src.channels;
    let mut out = vec![0u8; src.data.len()];
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0f32; 4];
            for &(ox, oy, wt) in taps {
                let sx = (x + ox).clamp(0, w - 1) as usize;
                let sy = (y + oy).clamp(0, h - 1) as usize;
                let i = (sy * w as usize + sx) * c;
                for (a, v) in acc.iter_mut().zip(&src.data[i..i + c]) {
                    *a += wt * *v as f32;
                }
            }
            let o = (y as usize * w as usize + x as usize) * c;
            for (d, a) in out[o..o + c].iter_mut().zip(acc) {
                *d = a.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Raster::new(src.width, src.height, c, out).expect("same size")
}

/// Defocus: a Gaussian of `sigma` px (separable, ±3σ).
pub fn gaussian_blur(src: &Raster, sigma: f32) -> Raster {
    if sigma <= 0.0 {
        return src.clone();
    }
    let r = (3.0 * sigma).ceil() as i32;
    let mut k: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = k.iter().sum();
    k.iter_mut().for_each(|v| *v /= sum);
    let row: Vec<_> = (-r..=r).zip(&k).map(|(i, &w)| (i, 0, w)).collect();
    let col: Vec<_> = (-r..=r).zip(&k).map(|(i, &w)| (0, i, w)).collect();
    convolve(&convolve(src, &row), &col)
}

/// Linear motion: the mean along a `length` px line at `degrees` (0 = along rows),
/// sampled 4 times per px with bilinear weights, so a slanted path is not a staircase.
pub fn motion_blur(src: &Raster, length: f32, degrees: f32) -> Raster {
    let (s, c) = degrees.to_radians().sin_cos();
    let n = (length.max(1.0) * 4.0).round() as i32;
    let mut taps: Vec<(i32, i32, f32)> = Vec::new();
    for k in 0..n {
        let t = (k as f32 + 0.5) / 4.0 - length / 2.0;
        let (fx, fy) = (t * c, t * s);
        let (x0, y0) = (fx.floor(), fy.floor());
        let (ax, ay) = (fx - x0, fy - y0);
        for (dx, dy, w) in [
            (0, 0, (1.0 - ax) * (1.0 - ay)),
            (1, 0, ax * (1.0 - ay)),
            (0, 1, (1.0 - ax) * ay),
            (1, 1, ax * ay),
        ] {
            let at = (x0 as i32 + dx, y0 as i32 + dy);
            match taps.iter_mut().find(|tap| (tap.0, tap.1) == at) {
                Some(tap) => tap.2 += w / n as f32,
                None => taps.push((at.0, at.1, w / n as f32)),
            }
        }
    }
    convolve(src, &taps)
}

/// Exposure off by `ev` stops: linear light × 2^ev, clipped, back to sRGB.
pub fn exposure(src: &Raster, ev: f32) -> Raster {
    let to_linear = |v: f32| {
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let to_srgb = |v: f32| {
        if v <= 0.0031308 {
            v * 12.92
        } else {
            1.055 * v.powf(1.0 / 2.4) - 0.055
        }
    };
    let gain = 2f32.powf(ev);
    let lut: Vec<u8> = (0..256)
        .map(|v| {
            let l = (to_linear(v as f32 / 255.0) * gain).min(1.0);
            (to_srgb(l) * 255.0).round() as u8
        })
        .collect();
    let data = src.data.iter().map(|&v| lut[v as usize]).collect();
    Raster::new(src.width, src.height, src.channels, data).expect("same size")
}

/// Re-compressed as JPEG at `quality` (1–100) and decoded again.
pub fn jpeg_again(src: &Raster, quality: u8) -> Raster {
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, quality)
        .encode(
            &src.data,
            src.width as u16,
            src.height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .expect("encode");
    let mut d = jpeg_decoder::Decoder::new(bytes.as_slice());
    let data = d.decode().expect("decode");
    Raster::new(src.width, src.height, 3, data).expect("same size")
}

/// Tiny deterministic generator (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Roughly normal, mean 0, deviation 1 (sum of four uniforms).
    pub fn normal(&mut self) -> f32 {
        ((0..4).map(|_| self.unit()).sum::<f32>() - 2.0) * 3f32.sqrt()
    }
}

/// Sensor-like noise: each channel + N(0, `sigma`) grey levels.
pub fn noise(src: &Raster, sigma: f32, seed: u64) -> Raster {
    let mut rng = Rng(seed);
    let data = src
        .data
        .iter()
        .map(|&v| (v as f32 + sigma * rng.normal()).round().clamp(0.0, 255.0) as u8)
        .collect();
    Raster::new(src.width, src.height, src.channels, data).expect("same size")
}

/// A plain, low-texture close-up of skin: an even tone (`tone` 0 light … 1 dark) under
/// soft light falling off to one side, fine pores and mottling, a few hairs and one
/// small, sharply bordered lesion; sharp (as if in focus), with a little sensor noise.
pub fn skin(width: u32, height: u32, tone: f32, seed: u64) -> Raster {
    let mut rng = Rng(seed);
    let base = [
        235.0 - 150.0 * tone,
        190.0 - 130.0 * tone,
        165.0 - 115.0 * tone,
    ];
    let (w, h) = (width as usize, height as usize);
    // Pores: sparse single-pixel-ish dark dots; mottling: a coarse random field.
    let mut pores = vec![0f32; w * h];
    for _ in 0..(w * h / 60) {
        let x = (rng.next() % w as u64) as usize;
        let y = (rng.next() % h as u64) as usize;
        let depth = 4.0 + 6.0 * rng.unit();
        pores[y * w + x] -= depth;
        if x + 1 < w {
            pores[y * w + x + 1] -= depth / 2.0;
        }
    }
    let cells = 32usize;
    let (cw, ch) = (w.div_ceil(cells) + 1, h.div_ceil(cells) + 1);
    let mottle: Vec<f32> = (0..cw * ch).map(|_| 6.0 * rng.normal()).collect();
    let hairs: Vec<(f32, f32, f32)> = (0..12)
        .map(|_| {
            (
                rng.unit() * w as f32,
                rng.unit() * h as f32,
                rng.unit() * std::f32::consts::PI,
            )
        })
        .collect();
    let (lx, ly, lr) = (w as f32 * 0.55, h as f32 * 0.45, h as f32 * 0.06);
    let mut out = rgb(width, height, |x, y| {
        let (xf, yf) = (x as f32, y as f32);
        // Bilinear mottling between cell corners.
        let (gx, gy) = (xf / cells as f32, yf / cells as f32);
        let (ix, iy) = (gx as usize, gy as usize);
        let (fx, fy) = (gx - ix as f32, gy - iy as f32);
        let m = |i: usize, j: usize| mottle[j.min(ch - 1) * cw + i.min(cw - 1)];
        let mot = m(ix, iy) * (1.0 - fx) * (1.0 - fy)
            + m(ix + 1, iy) * fx * (1.0 - fy)
            + m(ix, iy + 1) * (1.0 - fx) * fy
            + m(ix + 1, iy + 1) * fx * fy;
        let light = 1.0 - 0.25 * xf / w as f32;
        let mut v = base.map(|b| (b + mot) * light + pores[y as usize * w + x as usize]);
        // Hairs: thin dark lines, 1–2 px wide, 300 px long.
        for &(hx, hy, a) in &hairs {
            let (dx, dy) = (xf - hx, yf - hy);
            let along = dx * a.cos() + dy * a.sin();
            let across = (-dx * a.sin() + dy * a.cos()).abs();
            if along.abs() < 150.0 && across < 1.2 {
                v = v.map(|c| c * 0.55);
            }
        }
        // A lesion with a 2 px soft border.
        let d = ((xf - lx).powi(2) + (yf - ly).powi(2)).sqrt();
        let inside = ((lr - d) / 2.0).clamp(0.0, 1.0);
        let lesion = [110.0, 60.0, 50.0].map(|c: f32| c * (1.0 - 0.6 * tone));
        for (c, l) in v.iter_mut().zip(lesion) {
            *c = *c * (1.0 - inside) + l * inside;
        }
        v.map(|c| c.round().clamp(0.0, 255.0) as u8)
    });
    out = noise(&out, 1.5, seed ^ 0x5eed);
    out
}

/// A `w`x`h` window of `src` at (`x`, `y`).
pub fn crop(src: &Raster, x: u32, y: u32, w: u32, h: u32) -> Raster {
    let c = src.channels;
    let mut data = Vec::with_capacity(w as usize * h as usize * c);
    for row in y..y + h {
        let start = (row as usize * src.width as usize + x as usize) * c;
        data.extend_from_slice(&src.data[start..start + w as usize * c]);
    }
    Raster::new(w, h, c, data).expect("crop inside")
}
