//! Orientation cost against decode cost, natively, for all 8 EXIF orientations:
//! `cargo run --release --example orient_timing -- photo.jpg...`. Decodes each photo as
//! the pipeline does (DCT-scaled for a 2048 px target), then applies every orientation
//! with the pipeline's kernel and with the per-pixel loop it replaced (issue 15),
//! interleaved, 9 runs each; prints medians and orientation as a share of decode.
use std::time::Instant;

use fhir_media_capture::pipeline::{decode, orient, raster::Raster, Format};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// The loop before issue 15: one pixel at a time down whole columns.
fn per_pixel(r: &Raster, value: u8) -> Vec<u8> {
    let (w, h) = (r.width as usize, r.height as usize);
    let (ow, oh) = if value >= 5 { (h, w) } else { (w, h) };
    let src = r.data.as_chunks::<3>().0;
    let mut out = vec![[0u8; 3]; ow * oh];
    for (y, row) in out.chunks_exact_mut(ow).enumerate() {
        for (x, px) in row.iter_mut().enumerate() {
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
            *px = src[sy * w + sx];
        }
    }
    out.into_flattened()
}

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("photo");
        let mut dec = Vec::new();
        let mut raster = None;
        for _ in 0..9 {
            let t = Instant::now();
            let d = decode::decode(&bytes, Format::Jpeg, 2048, u64::MAX, None).expect("decode");
            dec.push(ms(t));
            raster = Some(d.raster);
        }
        let raster = raster.unwrap();
        let decode_ms = median(dec);
        println!(
            "{path}: {}x{} decoded in {decode_ms:.1} ms (median of 9)",
            raster.width, raster.height
        );
        for value in 2..=8u8 {
            let (mut ours, mut before) = (Vec::new(), Vec::new());
            for _ in 0..9 {
                let copy = raster.clone();
                let t = Instant::now();
                let r = orient::apply(copy, value);
                ours.push(ms(t));
                std::hint::black_box(r);
                let t = Instant::now();
                std::hint::black_box(per_pixel(&raster, value));
                before.push(ms(t));
            }
            let (o, b) = (median(ours), median(before));
            println!(
                "  orientation {value}: tiled {o:.2} ms ({:.1}% of decode), per-pixel {b:.2} ms ({:.1}%), ratio {:.2}x",
                100.0 * o / decode_ms,
                100.0 * b / decode_ms,
                o / b
            );
        }
    }
}
