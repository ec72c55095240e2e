//! An animated WebP's first frame composed on its canvas a row at a time (the vendored
//! image-webp's `Rows`; issue 14, item 3): the canvas upstream's `read_frame` composes
//! (kept as upstream wrote it, the reference here), byte for byte, for frames of each kind
//! (lossy, lossy + ALPH, lossless with and without alpha) placed anywhere, blended or not,
//! on canvases with and without alpha; and libwebp's own animation encoder's files.

use std::io::Cursor;

use fhir_media_codecs::{reduce, Codecs, Format, Native};
use image_webp::WebPDecoder;
use webp::{AnimEncoder, AnimFrame, Encoder, WebPConfig};

/// A picture with edges, gradients and (if `alpha`) a translucent band.
fn picture(w: u32, h: u32, alpha: bool, seed: u32) -> Vec<u8> {
    let mut px = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let v = (x * 7 + y * 13 + seed) % 251;
            px.extend_from_slice(&[
                (x * 255 / w) as u8,
                v as u8,
                ((x + y + seed) * 3 % 256) as u8,
                if alpha { (y * 255 / h) as u8 } else { 255 },
            ]);
        }
    }
    px
}

fn encode(px: &[u8], w: u32, h: u32, lossless: bool) -> Vec<u8> {
    let mut config = WebPConfig::new().expect("config");
    config.lossless = i32::from(lossless);
    config.quality = 80.0;
    config.exact = 1;
    Encoder::from_rgba(px, w, h)
        .encode_advanced(&config)
        .expect("libwebp encodes")
        .to_vec()
}

/// The frame's chunks of a still WebP (ALPH and VP8, or VP8L), whole with their headers.
fn frame_chunks(still: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 12;
    while at + 8 <= still.len() {
        let len = u32::from_le_bytes(still[at + 4..at + 8].try_into().unwrap()) as usize;
        let end = at + 8 + len + (len & 1);
        if matches!(&still[at..at + 4], b"ALPH" | b"VP8 " | b"VP8L") {
            out.extend_from_slice(&still[at..end]);
        }
        at = end;
    }
    out
}

fn u24(v: u32) -> [u8; 3] {
    [v as u8, (v >> 8) as u8, (v >> 16) as u8]
}

fn chunk(name: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = name.to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// An animated WebP of `canvas` whose frames are `(x, y, blend, still)`: each still's frame
/// chunks in an ANMF at (x, y) (even), blended over the canvas or not.
fn animation(canvas: (u32, u32), alpha: bool, frames: &[(u32, u32, bool, Vec<u8>)]) -> Vec<u8> {
    let mut vp8x = vec![0x02 | if alpha { 0x10 } else { 0 }, 0, 0, 0];
    vp8x.extend_from_slice(&u24(canvas.0 - 1));
    vp8x.extend_from_slice(&u24(canvas.1 - 1));
    let mut body = b"WEBP".to_vec();
    body.extend(chunk(b"VP8X", &vp8x));
    body.extend(chunk(b"ANIM", &[10, 20, 30, 255, 0, 0]));
    for (x, y, blend, still) in frames {
        let (w, h) = WebPDecoder::new(Cursor::new(still)).unwrap().dimensions();
        let mut anmf = Vec::new();
        for v in [x / 2, y / 2, w - 1, h - 1, 100] {
            anmf.extend_from_slice(&u24(v));
        }
        anmf.push(if *blend { 0 } else { 0b10 });
        anmf.extend(frame_chunks(still));
        body.extend(chunk(b"ANMF", &anmf));
    }
    chunk(b"RIFF", &body)
}

/// Upstream's first frame (`read_frame`) and the rows (`read_image` runs them).
fn both(webp: &[u8]) -> (Vec<u8>, Vec<u8>, (u32, u32), usize) {
    let mut d = WebPDecoder::new(Cursor::new(webp)).expect("header");
    assert!(d.is_animated());
    let mut upstream = vec![0; d.output_buffer_size().unwrap()];
    d.read_frame(&mut upstream).expect("read_frame");
    let mut d = WebPDecoder::new(Cursor::new(webp)).expect("header");
    let mut rows = vec![0; d.output_buffer_size().unwrap()];
    d.read_image(&mut rows).expect("rows");
    let ch = if d.has_alpha() { 4 } else { 3 };
    (upstream, rows, d.dimensions(), ch)
}

fn cases() -> Vec<(String, Vec<u8>)> {
    let (cw, ch) = (120, 90);
    let opaque = picture(60, 40, false, 1);
    let translucent = picture(60, 40, true, 2);
    let kinds = [
        ("lossy", encode(&opaque, 60, 40, false)),
        ("lossy + ALPH", encode(&translucent, 60, 40, false)),
        ("lossless", encode(&opaque, 60, 40, true)),
        ("lossless + alpha", encode(&translucent, 60, 40, true)),
    ];
    let mut out = Vec::new();
    for (kind, still) in &kinds {
        for (x, y) in [(0, 0), (20, 10), (60, 50)] {
            for blend in [true, false] {
                for alpha in [true, false] {
                    let name = format!("{kind} at ({x}, {y}) blend {blend} canvas alpha {alpha}");
                    let second = (0, 0, true, kinds[0].1.clone());
                    let webp = animation((cw, ch), alpha, &[(x, y, blend, still.clone()), second]);
                    out.push((name, webp));
                }
            }
        }
    }
    // libwebp's own animation encoder: full-canvas key frame, then a smaller one.
    let config = WebPConfig::new().expect("config");
    let a = picture(80, 50, true, 3);
    let b = picture(80, 50, true, 4);
    let mut enc = AnimEncoder::new(80, 50, &config);
    enc.add_frame(AnimFrame::from_rgba(&a, 80, 50, 0));
    enc.add_frame(AnimFrame::from_rgba(&b, 80, 50, 100));
    out.push(("libwebp AnimEncoder".into(), enc.encode().to_vec()));
    // Chromium's lossless alpha frame at (8, 6), blended (scripts/make-webp-fixtures.mjs).
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/animated-lossless-96x80.webp"
    );
    out.push(("fixture".into(), std::fs::read(path).expect(path)));
    out
}

#[test]
fn first_frame_rows_are_read_frames_canvas() {
    for (name, webp) in cases() {
        let (upstream, rows, _, _) = both(&webp);
        assert!(
            rows == upstream,
            "{name}: rows differ from read_frame's canvas"
        );
    }
}

#[test]
fn reduced_animation_is_its_first_frame_reduced() {
    for (name, webp) in cases() {
        let (upstream, _, (w, h), ch) = both(&webp);
        let img = Native
            .decode(&webp, Format::WebP, 1_000_000, 30)
            .expect(&name);
        let k = reduce::factor(w, h, 30);
        assert!(k > 1, "{name}");
        assert_eq!(usize::from(img.channels), ch, "{name}");
        assert!(
            img.pixels == reduce::reduce(w, h, ch, k, &upstream),
            "{name} at k = {k}"
        );
    }
}

/// A frame larger than the canvas or beyond its edge, a frame chunk of the wrong kind, cut
/// files: typed errors (as `read_frame` gives), never a panic.
#[test]
fn damaged_animations_give_typed_errors() {
    let still = encode(&picture(60, 40, false, 1), 60, 40, true);
    let outside = animation((64, 64), false, &[(10, 30, true, still.clone())]);
    let e = Native
        .decode(&outside, Format::WebP, 1_000_000, 16)
        .unwrap_err();
    assert_eq!(e.code(), "corrupt-image", "{e:?}");
    let webp = animation((120, 90), true, &[(20, 10, true, still)]);
    for cut in (0..webp.len()).step_by(5) {
        if let Err(e) = Native.decode(&webp[..cut], Format::WebP, 1_000_000, 16) {
            assert!(
                ["corrupt-image", "unsupported-format"].contains(&e.code()),
                "cut at {cut}: {e:?}"
            );
        }
    }
}
