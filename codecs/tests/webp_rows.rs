//! Lossy WebP decoded row by row (the vendored image-webp's `Vp8Rows` and `LossyRows`;
//! issue 14, item 3): every row byte-for-byte what libwebp's decoder gives (as upstream's
//! whole-frame decode did), so a reduced WebP is the same as the whole picture reduced,
//! from a few macroblock rows of memory instead of the picture. The fixtures are Chromium's
//! libwebp encodes (scripts/make-webp-fixtures.mjs); tests/webp_lossless_rows.rs makes its
//! own with the `webp` crate.

mod common;

use std::io::Cursor;

use common::rows_of;

use fhir_media_codecs::{reduce, Codecs, Format, Native};
use image_webp::WebPDecoder;

// The memory test of this path (`a_lossy_webp_is_never_decoded_whole`) is in
// tests/bounded_codecs.rs, beside that binary's counting allocator.

const OPAQUE: [&str; 5] = [
    "lossy-1001x667",
    "lossy-37x21",
    "lossy-640x48",
    "lossy-300x65",
    "lossy-17x1000",
];

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}.webp", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The same frame in a simple container (RIFF, then the "VP8 " chunk alone), as a camera
/// app without metadata writes it; Chromium writes the extended one (VP8X, ICCP, VP8).
fn simple(webp: &[u8]) -> Vec<u8> {
    let mut at = 12;
    while at + 8 <= webp.len() {
        let len = u32::from_le_bytes(webp[at + 4..at + 8].try_into().unwrap()) as usize;
        if &webp[at..at + 4] == b"VP8 " {
            let chunk = &webp[at..at + 8 + len + (len & 1)];
            let mut out = b"RIFF".to_vec();
            out.extend_from_slice(&(4 + chunk.len() as u32).to_le_bytes());
            out.extend_from_slice(b"WEBP");
            out.extend_from_slice(chunk);
            return out;
        }
        at += 8 + len + (len & 1);
    }
    panic!("no VP8 chunk");
}

/// The reference: libwebp's own decode (fancy upsampling, as image-webp's default), which
/// upstream image-webp's whole-frame decode matched byte for byte on these fixtures:
/// (width, height, channels, pixels). `read_image` (the rows since this fork) must too.
fn whole(webp: &[u8]) -> (u32, u32, usize, Vec<u8>) {
    let theirs = webp::Decoder::new(webp).decode().expect("libwebp decodes");
    let (w, h) = (theirs.width(), theirs.height());
    let ch = if theirs.is_alpha() { 4 } else { 3 };
    let mut d = WebPDecoder::new(Cursor::new(webp)).expect("header");
    let mut buf = vec![0; d.output_buffer_size().unwrap()];
    d.read_image(&mut buf).expect("decode");
    assert!(*buf == *theirs, "read_image differs from libwebp's decode");
    (w, h, ch, buf)
}

#[test]
fn rows_are_the_whole_frame_decode_byte_for_byte() {
    for name in OPAQUE {
        for (container, webp) in [
            ("extended", fixture(name)),
            ("simple", simple(&fixture(name))),
        ] {
            let (_, _, ch, want) = whole(&webp);
            assert_eq!(ch, 3, "{name}");
            let got = rows_of(&webp).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                got == want,
                "{name} ({container}): rows differ from the whole frame"
            );
        }
    }
}

#[test]
fn reduced_webp_is_the_whole_picture_reduced() {
    for name in OPAQUE {
        let webp = fixture(name);
        let (w, h, ch, pixels) = whole(&webp);
        for target in [w.max(h) / 2, w.max(h) / 3, w.max(h) / 5, 8] {
            let k = reduce::factor(w, h, target);
            if k < 2 {
                continue;
            }
            let img = Native
                .decode(&webp, Format::WebP, 100_000_000, target)
                .expect(name);
            assert_eq!(img.stored, (w, h), "{name}");
            assert_eq!((img.width, img.height), (w.div_ceil(k), h.div_ceil(k)));
            assert!(
                img.pixels == reduce::reduce(w, h, ch, k, &pixels),
                "{name} at k = {k}"
            );
        }
    }
}

/// With alpha (VP8X + ALPH) the rows are RGBA, the alpha plane unfiltered a row at a
/// time: the whole decode's bytes, and the reduced picture the whole picture reduced.
#[test]
fn alpha_webp_rows_are_the_whole_frame_decode() {
    let webp = fixture("lossy-alpha-120x90");
    let (w, h, ch, pixels) = whole(&webp);
    assert_eq!(ch, 4);
    let rows = rows_of(&webp).expect("alpha: row by row too");
    assert!(rows == pixels, "alpha rows differ from the whole frame");
    let img = Native
        .decode(&webp, Format::WebP, 100_000_000, 40)
        .expect("alpha");
    assert_eq!((img.width, img.height, img.channels), (40, 30, 4));
    assert_eq!(img.pixels, reduce::reduce(w, h, 4, 3, &pixels));
}

/// Cut or damaged anywhere, a lossy WebP is a typed error or a picture, never a panic; a
/// frame larger than the canvas it claims is refused before its rows are decoded.
#[test]
fn damaged_lossy_webp_gives_typed_errors() {
    for name in ["lossy-300x65", "lossy-alpha-120x90"] {
        let webp = fixture(name);
        for cut in (0..webp.len()).step_by(7) {
            if let Err(e) = Native.decode(&webp[..cut], Format::WebP, 100_000_000, 50) {
                assert!(
                    ["corrupt-image", "unsupported-format"].contains(&e.code()),
                    "{name} cut at {cut}: {e:?}"
                );
            }
        }
        let mut seed = 0x2545_f491_u32;
        for _ in 0..400 {
            let mut bad = webp.clone();
            for _ in 0..4 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let at = (seed >> 8) as usize % bad.len();
                bad[at] ^= (seed >> 3) as u8 | 1;
            }
            let _ = Native.decode(&bad, Format::WebP, 100_000_000, 50);
        }
    }
    let webp = fixture("lossy-300x65");
    // The canvas (VP8X) says 300x65; the frame inside says 600x65.
    let mut wide = webp.clone();
    let frame = wide
        .windows(3)
        .position(|w| w == [0x9d, 0x01, 0x2a])
        .expect("key frame start code");
    wide[frame + 3..frame + 5].copy_from_slice(&600u16.to_le_bytes());
    let e = Native
        .decode(&wide, Format::WebP, 100_000_000, 100)
        .unwrap_err();
    assert_eq!(e.code(), "corrupt-image", "{e:?}");
}
