//! Lossless WebP decoded row by row (the vendored image-webp's `LosslessRows`; issue 14,
//! item 3): every row byte-for-byte what libwebp's own decoder gives, for files from
//! libwebp's encoder (the `webp` crate) that use every transform, palettes of each packing,
//! the colour cache and backward references reaching across a window that slides; damaged
//! files give the same answer as the whole-frame decode, and typed errors.

mod common;

use std::io::Cursor;

use common::rows_of;

use fhir_media_codecs::{reduce, Codecs, Format, Native};
use image_webp::{DecodingError, WebPDecoder};
use webp::{Encoder, WebPConfig};

/// A deterministic xorshift, so each picture is the same on every run.
struct Rng(u32);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

/// libwebp's lossless encode of `rgba` (method and quality pick how hard it searches:
/// higher tries more transforms and longer references).
fn lossless(rgba: &[u8], w: u32, h: u32, method: i32, quality: f32) -> Vec<u8> {
    let mut config = WebPConfig::new().expect("config");
    config.lossless = 1;
    config.method = method;
    config.quality = quality;
    config.exact = 1;
    let out = Encoder::from_rgba(rgba, w, h)
        .encode_advanced(&config)
        .expect("libwebp encodes");
    out.to_vec()
}

/// A photo-like picture: smooth gradients, a few edges and some noise, alpha as asked.
fn photo(w: u32, h: u32, alpha: bool, seed: u32) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut px = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let n = (rng.next() % 9) as i32 - 4;
            let edge = if (x / 37 + y / 23) % 3 == 0 { 60 } else { 0 };
            let c = |v: i32| (v + n).clamp(0, 255) as u8;
            px.push(c((x * 255 / w) as i32 + edge));
            px.push(c((y * 255 / h) as i32));
            px.push(c(((x + y) * 127 / (w + h)) as i32 + edge / 2));
            px.push(if alpha {
                c(255 - (x * 200 / w) as i32)
            } else {
                255
            });
        }
    }
    px
}

/// A picture of `colors` colours (libwebp then uses its colour-indexing transform, packing
/// 8, 4 or 2 pixels a byte for 2, 4 or 16 colours).
fn palette(w: u32, h: u32, colors: u32, seed: u32) -> Vec<u8> {
    let mut rng = Rng(seed);
    let table: Vec<[u8; 4]> = (0..colors)
        .map(|_| {
            let v = rng.next();
            [v as u8, (v >> 8) as u8, (v >> 16) as u8, 255]
        })
        .collect();
    let mut px = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let i = if rng.next().is_multiple_of(4) {
                rng.next() % colors
            } else {
                (x / 5 + y / 3) % colors
            };
            px.extend_from_slice(&table[i as usize]);
        }
    }
    px
}

/// A band of noise repeated down the picture: the encoder's backward references reach one
/// band up (`band * w` pixels), across every place where the window slides.
fn repeated(w: u32, h: u32, band: u32) -> Vec<u8> {
    let mut rng = Rng(7);
    let tile: Vec<u8> = (0..w * band)
        .flat_map(|_| {
            let v = rng.next();
            [v as u8, (v >> 8) as u8, (v >> 16) as u8, 255]
        })
        .collect();
    (0..h)
        .flat_map(|y| {
            let row = ((y % band) * w * 4) as usize;
            tile[row..row + (w * 4) as usize].to_vec()
        })
        .collect()
}

/// Upstream's whole-frame decode: (width, height, channels, pixels), or its error.
fn whole(webp: &[u8]) -> Result<(u32, u32, usize, Vec<u8>), DecodingError> {
    let mut d = WebPDecoder::new(Cursor::new(webp))?;
    let (w, h) = d.dimensions();
    let mut buf = vec![0; d.output_buffer_size().unwrap()];
    d.read_image(&mut buf)?;
    Ok((w, h, if d.has_alpha() { 4 } else { 3 }, buf))
}

fn cases() -> Vec<(String, u32, u32, Vec<u8>)> {
    let mut cases = Vec::new();
    for (w, h, alpha, method, quality) in [
        (301, 203, false, 4, 75.0),
        (301, 203, true, 6, 100.0),
        (64, 1, false, 4, 75.0),
        (1, 97, true, 4, 75.0),
        (513, 129, false, 0, 0.0),
    ] {
        let px = photo(w, h, alpha, w ^ h);
        let name = format!("photo {w}x{h} alpha {alpha} m{method} q{quality}");
        cases.push((name, w, h, lossless(&px, w, h, method, quality)));
    }
    // Chromium's lossless encodes (scripts/make-webp-fixtures.mjs), the fuzz seeds.
    for name in ["lossless-97x61", "lossless-alpha-64x50"] {
        let path = format!("{}/tests/fixtures/{name}.webp", env!("CARGO_MANIFEST_DIR"));
        let webp = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (w, h) = WebPDecoder::new(Cursor::new(&webp))
            .expect(name)
            .dimensions();
        cases.push((name.to_string(), w, h, webp));
    }
    for colors in [2, 3, 4, 11, 16, 17, 200] {
        for (w, h) in [(33, 17), (250, 41)] {
            let px = palette(w, h, colors, colors * 31 + w);
            let name = format!("palette of {colors} {w}x{h}");
            cases.push((name, w, h, lossless(&px, w, h, 4, 75.0)));
        }
    }
    cases
}

/// libwebp's own decoder is the reference: the rows, and the whole-frame decode (which
/// runs the same rows since this fork), give its pixels byte for byte.
#[test]
fn lossless_rows_are_libwebps_decode_byte_for_byte() {
    for (name, _, _, webp) in cases() {
        let (w, h, ch, whole) = whole(&webp).expect(&name);
        let theirs = webp::Decoder::new(&webp).decode().expect("libwebp decodes");
        assert_eq!((theirs.width(), theirs.height()), (w, h), "{name}");
        assert_eq!(if theirs.is_alpha() { 4 } else { 3 }, ch, "{name}");
        assert!(
            *whole == *theirs,
            "{name}: the whole decode differs from libwebp's"
        );
        let rows = rows_of(&webp).expect(&name);
        assert!(*rows == *theirs, "{name}: the rows differ from libwebp's");
    }
}

/// 2048x2048: the window (2 x 2^20 pixels and a row) slides twice, and every backward
/// reference the encoder found one 300-row band up (614,400 pixels back) still lands.
#[test]
fn backward_references_reach_across_the_sliding_window() {
    let (w, h) = (2048, 2048);
    let webp = lossless(&repeated(w, h, 300), w, h, 1, 100.0);
    // Noise does not compress: only references to the band above make the file this small.
    assert!(webp.len() < (w * 300 * 4) as usize, "{} bytes", webp.len());
    let (_, _, ch, want) = whole(&webp).expect("whole");
    assert_eq!(ch, 3);
    let theirs = webp::Decoder::new(&webp).decode().expect("libwebp decodes");
    assert!(*theirs == *want, "image-webp and libwebp differ");
    let got = rows_of(&webp).expect("rows");
    assert!(got == want, "rows differ from the whole frame");
}

#[test]
fn reduced_lossless_webp_is_the_whole_picture_reduced() {
    for (name, w, h, webp) in cases() {
        let (_, _, ch, pixels) = whole(&webp).expect(&name);
        for target in [w.max(h) / 2, w.max(h) / 3, 8] {
            let k = reduce::factor(w, h, target);
            if k < 2 {
                continue;
            }
            let img = Native
                .decode(&webp, Format::WebP, 100_000_000, target)
                .expect(&name);
            assert_eq!(img.stored, (w, h), "{name}");
            assert_eq!(usize::from(img.channels), ch, "{name}");
            assert!(
                img.pixels == reduce::reduce(w, h, ch, k, &pixels),
                "{name} at k = {k}"
            );
        }
    }
}

/// Cut or damaged anywhere, the rows path answers as the whole decode does: the same
/// pixels, or an error (and the codecs a typed one); never a panic.
#[test]
fn damaged_lossless_webp_answers_as_the_whole_decode() {
    let mut rng = Rng(0x2545_f491);
    for (name, _, _, webp) in cases().into_iter().step_by(3) {
        for cut in (0..webp.len()).step_by(webp.len() / 40 + 1) {
            let part = &webp[..cut];
            if let Ok(got) = rows_of(part) {
                assert_eq!(
                    Some(got),
                    whole(part).ok().map(|w| w.3),
                    "{name} cut at {cut}"
                );
            }
            if let Err(e) = Native.decode(part, Format::WebP, 100_000_000, 16) {
                assert!(
                    ["corrupt-image", "unsupported-format"].contains(&e.code()),
                    "{name} cut at {cut}: {e:?}"
                );
            }
        }
        for _ in 0..300 {
            let mut bad = webp.clone();
            for _ in 0..3 {
                // Past the 20-byte headers, into the bit stream.
                let at = 20 + rng.next() as usize % (bad.len() - 20);
                bad[at] ^= (rng.next() as u8) | 1;
            }
            let rows = rows_of(&bad);
            let whole = whole(&bad);
            match (&rows, &whole) {
                (Ok(r), Ok(w)) => assert!(*r == w.3, "{name}: damaged, rows differ"),
                (Err(_), Err(_)) => {}
                _ => panic!("{name}: rows {:?} but whole {:?}", rows.err(), whole.err()),
            }
        }
    }
}

/// A lossy frame's alpha plane (ALPH), a header-less lossless image or raw bytes, read a
/// row at a time beside the frame's rows: libwebp's RGBA, byte for byte, for each of its
/// alpha filters, compressed and not.
#[test]
fn alpha_planes_are_libwebps() {
    let (w, h) = (203, 77);
    let px = photo(w, h, true, 5);
    for (filtering, compression) in [(0, 1), (1, 1), (2, 1), (0, 0), (1, 0)] {
        let mut config = WebPConfig::new().expect("config");
        config.quality = 80.0;
        config.alpha_compression = compression;
        config.alpha_filtering = filtering;
        config.alpha_quality = 100;
        let webp = Encoder::from_rgba(&px, w, h)
            .encode_advanced(&config)
            .expect("libwebp encodes")
            .to_vec();
        assert!(webp.windows(4).any(|c| c == b"ALPH"), "an alpha chunk");
        let (_, _, ch, ours) = whole(&webp).expect("whole");
        let theirs = webp::Decoder::new(&webp).decode().expect("libwebp decodes");
        assert_eq!((ch, theirs.is_alpha()), (4, true));
        let alpha = |p: &[u8]| p.chunks_exact(4).map(|p| p[3]).collect::<Vec<_>>();
        assert!(
            alpha(&ours) == alpha(&theirs),
            "alpha filter {filtering} compression {compression}: alpha differs"
        );
        // The colour too: libwebp's lossy decode and ours agree byte for byte.
        assert!(
            *ours == *theirs,
            "alpha filter {filtering} compression {compression}: RGBA differs"
        );
    }
}
