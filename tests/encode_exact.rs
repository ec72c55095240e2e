//! The JPEG encoder gives the same bytes on every target. Natively this runs the scalar
//! code (jpeg-encoder's own); on wasm32 with simd128 (`cargo test --target
//! wasm32-unknown-unknown --test encode_exact`, in Node) it runs our SIMD128 colour
//! conversion and vendor/jpeg-encoder's SIMD128 DCT and quantisation. Both must match
//! the hashes below, which are the scalar path's: the SIMD code must not change a byte.

use fhir_media_capture::pipeline::encode::{jpeg, ycbcr_row, JpegStyle, ScalePath};
use fhir_media_capture::pipeline::raster::Raster;
use jpeg_encoder::rgb_to_ycbcr;
use support::XorShift;

mod support;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// FNV-1a, 64 bit: a stable digest without a hashing dependency.
fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Rasters that reach every DCT and quantiser range: white noise (large AC
/// coefficients), smooth gradients with a little noise, saturated hard edges, and sizes
/// that are not multiples of 16 (edge padding) or 16 pixels (SIMD tails).
fn rasters() -> Vec<Raster> {
    let mut noise = XorShift(0x1234_5678);
    let mut out = Vec::new();
    let mut make = |w: u32, h: u32, channels: usize, f: &mut dyn FnMut(u32, u32, usize) -> u8| {
        let mut data = Vec::with_capacity((w * h) as usize * channels);
        for y in 0..h {
            for x in 0..w {
                for c in 0..channels {
                    data.push(if c == 3 { 255 } else { f(x, y, c) });
                }
            }
        }
        out.push(Raster::new(w, h, channels, data).expect("raster"));
    };
    make(203, 157, 3, &mut |_, _, _| noise.byte());
    make(320, 240, 3, &mut |x, y, c| {
        let v = (x * (c as u32 + 1) + y * 2) as u8;
        v.wrapping_add(noise.byte() >> 5)
    });
    make(67, 45, 4, &mut |x, y, c| {
        if ((x / 3) + (y / 5) + c as u32).is_multiple_of(2) {
            255
        } else {
            0
        }
    });
    make(1, 1, 3, &mut |_, _, c| [250, 3, 128][c]);
    make(17, 3, 3, &mut |x, y, c| {
        (x * 15 + y * 80 + c as u32 * 40) as u8
    });
    out
}

fn digests(progressive: bool) -> Vec<String> {
    let style = JpegStyle {
        icc_profile: None,
        progressive,
        path: ScalePath::Resampled,
    };
    let mut hashes = Vec::new();
    for img in rasters() {
        let mut hash = FNV_START;
        for quality in [1, 30, 80, 95, 100] {
            let bytes = jpeg(&img, quality, style).expect("encode");
            hash = fnv(hash, &bytes);
        }
        hashes.push(format!("{hash:016x}"));
    }
    hashes
}

#[test]
fn jpeg_bytes_match_the_scalar_encoder() {
    assert_eq!(digests(true), EXPECTED);
}

#[test]
fn baseline_jpeg_bytes_match_the_scalar_encoder() {
    assert_eq!(digests(false), EXPECTED_BASELINE);
}

/// The scalar encoder's (native), progressive (the default; the scan script is
/// vendor/jpeg-encoder/src/progression.rs, whose own test checks that these files decode
/// to the baseline ones' pixels).
const EXPECTED: [&str; 5] = [
    "2f9215cf732ea4a9",
    "4f65e8cb75d22290",
    "311abac3bfad26c3",
    "78161af8ef65626c",
    "08384829d8826f7e",
];

/// `progressive: false`, `ScalePath::Resampled` (luma scale 0.97), with the AC dead zone.
/// Both lists change only with a deliberate change of the encoder's output (its tables,
/// its rounding, measured with bench/sweep.mjs), and are regenerated with it.
const EXPECTED_BASELINE: [&str; 5] = [
    "dc469f9217bdfaed",
    "1c1ca9eafebc13dc",
    "af9209bb78c6439f",
    "9d7c64fd58b07c28",
    "b727423b83034d27",
];

/// Every 24-bit colour in rows of RGB, every fifth red value in rows of RGBA, through
/// `ycbcr_row` (the SIMD path on wasm) against jpeg-encoder's scalar `rgb_to_ycbcr`.
/// (CI runs this in three browsers with an unoptimised build, hence not the RGBA cube too.)
#[test]
fn ycbcr_row_matches_rgb_to_ycbcr_for_every_colour() {
    let (mut y, mut cb, mut cr) = (Vec::new(), Vec::new(), Vec::new());
    for channels in [3usize, 4] {
        let step = if channels == 3 { 1 } else { 5 };
        for r in (0..=255u8).step_by(step) {
            // One row per red value: all 65536 (g, b) pairs, 16-pixel groups and no tail;
            // for some, also an odd-length slice of it so the scalar tail runs too.
            let mut row = Vec::with_capacity(65536 * channels);
            for g in 0..=255u8 {
                for b in 0..=255u8 {
                    row.extend_from_slice(&[r, g, b, 255][..channels]);
                }
            }
            let odd = 1000 + usize::from(r);
            let lens: &[usize] = if r % 50 == 0 { &[65536, odd] } else { &[65536] };
            for &len in lens {
                y.clear();
                cb.clear();
                cr.clear();
                ycbcr_row(&row[..len * channels], channels, &mut y, &mut cb, &mut cr);
                assert_eq!(y.len(), len);
                for (i, px) in row[..len * channels].chunks_exact(channels).enumerate() {
                    let want = rgb_to_ycbcr(px[0], px[1], px[2]);
                    assert_eq!(
                        (y[i], cb[i], cr[i]),
                        want,
                        "rgb {px:?}, {channels} channels"
                    );
                }
            }
        }
    }
}
