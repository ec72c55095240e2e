//! Decoding oriented (`Decoder::set_orientation`, src/orient.rs) against decoding as stored
//! and orienting after, pixel for pixel: all 8 EXIF orientations × 4:4:4, 4:2:2, 4:2:0,
//! 4:4:0, 4:1:1, 4:4:1, greyscale and CMYK × sizes that are not whole MCUs × baseline and
//! progressive × with and without restart intervals × every DCT scale M/8; and the shared
//! test photos (FHIR_TESTDATA) at full size and at 4/8 and 5/8 (natively). The synthetic
//! test also runs on wasm32 with SIMD128 (Node): the browser's IDCT and colour kernels.

use jpeg_decoder::{Decoder, Orientation};
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
#[cfg(not(target_arch = "wasm32"))]
use std::path::PathBuf;

/// The definition, one pixel at a time: oriented (x, y) reads stored (sx, sy).
fn orient_after(pixels: &[u8], w: usize, h: usize, c: usize, value: u8) -> Vec<u8> {
    let (ow, oh) = if value >= 5 { (h, w) } else { (w, h) };
    let mut out = Vec::with_capacity(pixels.len());
    for y in 0..oh {
        for x in 0..ow {
            let (sx, sy) = match value {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (y, h - 1 - x),
                7 => (w - 1 - y, h - 1 - x),
                8 => (w - 1 - y, x),
                _ => (x, y),
            };
            out.extend_from_slice(&pixels[(sy * w + sx) * c..][..c]);
        }
    }
    out
}

/// Decodes `jpeg` at the scale `request` picks, as stored and then oriented after, and
/// oriented by the decoder; they must be equal. The M/8 used.
fn check(jpeg: &[u8], request: Option<(u16, u16)>, value: u8, what: &str) -> usize {
    let decode = |orientation: Option<u8>| {
        let mut d = Decoder::new(jpeg);
        d.read_info().unwrap();
        let full = d.info().unwrap().width;
        if let Some((w, h)) = request {
            d.scale(w, h).unwrap();
        }
        if let Some(o) = orientation {
            d.set_orientation(Orientation::from_exif(o));
        }
        let pixels = d.decode().unwrap();
        let info = d.info().unwrap();
        let m = (usize::from(info.width.max(info.height)) * 8).div_ceil(usize::from(full));
        (pixels, info, m)
    };
    let (stored, info, _) = decode(None);
    let c = info.pixel_format.pixel_bytes();
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    let expected = orient_after(&stored, w, h, c, value);
    let (oriented, oinfo, m) = decode(Some(value));
    let size = if value >= 5 { (h, w) } else { (w, h) };
    assert_eq!(
        (usize::from(oinfo.width), usize::from(oinfo.height)),
        size,
        "{what}: oriented size"
    );
    assert_eq!(oinfo.pixel_format, info.pixel_format);
    if oriented != expected {
        let at = oriented.iter().zip(&expected).position(|(a, b)| a != b);
        if std::env::var_os("ORIENT_DEBUG").is_some() {
            let (ow, oh) = size;
            for y in 0..oh {
                let row: String = (0..ow)
                    .map(|x| {
                        let i = (y * ow + x) * c;
                        if oriented[i..i + c] == expected[i..i + c] {
                            '.'
                        } else {
                            'X'
                        }
                    })
                    .collect();
                eprintln!("{row}");
            }
        }
        panic!("{what} (size {w}x{h}): pixels differ, first at byte {at:?}");
    }
    m
}

/// A picture with edges, gradients and noise in every channel.
fn picture(w: usize, h: usize, c: usize) -> Vec<u8> {
    let mut seed = 7u32;
    (0..w * h * c)
        .map(|i| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let (p, ch) = (i / c, i % c);
            let (x, y) = (p % w, p / w);
            let v = (x * 255 / w.max(2) + ch * 80) ^ (y * 7) ^ (((seed >> 16) & 31) as usize);
            v as u8
        })
        .collect()
}

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn synthetic_jpegs_all_orientations_subsamplings_modes_and_scales() {
    let samplings = [
        ("4:4:4", SamplingFactor::R_4_4_4),
        ("4:2:2", SamplingFactor::R_4_2_2),
        ("4:2:0", SamplingFactor::R_4_2_0),
        ("4:4:0", SamplingFactor::R_4_4_0),
        ("4:1:1", SamplingFactor::R_4_1_1),
        ("4:4:1", SamplingFactor::R_4_4_1),
    ];
    let sizes = [(1, 1), (2, 3), (9, 17), (35, 18), (33, 47), (64, 48)];
    let mut scales = std::collections::BTreeSet::new();
    let mut cases = 0;
    for (w, h) in sizes {
        let kinds: Vec<(&str, ColorType, usize, SamplingFactor)> = samplings
            .iter()
            .map(|&(name, s)| (name, ColorType::Rgb, 3, s))
            .chain([
                ("grey", ColorType::Luma, 1, SamplingFactor::R_4_4_4),
                ("cmyk", ColorType::Cmyk, 4, SamplingFactor::R_4_4_4),
                ("ycck 4:2:0", ColorType::Ycck, 4, SamplingFactor::R_4_2_0),
            ])
            .collect();
        for (name, color, c, sampling) in kinds {
            let pixels = picture(w, h, c);
            for progressive in [false, true] {
                for restart in [0, 3] {
                    let mut jpeg = Vec::new();
                    let mut e = Encoder::new(&mut jpeg, 90);
                    e.set_sampling_factor(sampling);
                    e.set_progressive(progressive);
                    e.set_restart_interval(restart);
                    e.encode(&pixels, w as u16, h as u16, color).unwrap();
                    for m in 1..=8u16 {
                        let request = (m < 8)
                            .then(|| ((w as u16 * m).div_ceil(8), (h as u16 * m).div_ceil(8)));
                        for value in 1..=8 {
                            let what = format!(
                                "{name} {w}x{h} progressive {progressive} restart {restart} \
                                 request {m}/8 orientation {value}"
                            );
                            scales.insert(check(&jpeg, request, value, &what));
                            cases += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(scales.len() >= 6, "scales exercised: {scales:?}");
    println!("{cases} cases, scales {scales:?}");
}

#[cfg(not(target_arch = "wasm32"))]
fn photos() -> Vec<PathBuf> {
    let root = std::env::var_os("FHIR_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata")
        });
    let dir = root.join("photos");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (set FHIR_TESTDATA)", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("jpg")))
        .filter(|p| !p.to_string_lossy().contains("orient_Landscape_"))
        .collect();
    all.sort();
    assert!(!all.is_empty(), "no JPEG in {}", dir.display());
    all
}

// Natively only: the photos are files.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn photos_all_orientations_at_full_size_and_scaled() {
    for path in photos() {
        let bytes = std::fs::read(&path).unwrap();
        let mut d = Decoder::new(&bytes[..]);
        d.read_info().unwrap();
        let info = d.info().unwrap();
        assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
        let (w, h) = (info.width, info.height);
        for m in [8, 5, 4] {
            let request = (m < 8).then(|| ((w * m).div_ceil(8), (h * m).div_ceil(8)));
            for value in 1..=8 {
                let what = format!("{} {m}/8 orientation {value}", path.display());
                check(&bytes, request, value, &what);
            }
        }
    }
}
