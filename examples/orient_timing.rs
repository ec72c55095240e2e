//! Orientation cost against decode cost, natively, for all 8 EXIF orientations:
//! `cargo run --release --example orient_timing -- photo.jpg...`. Decodes each photo as the
//! pipeline does (DCT-scaled for a 2048 px target) in two ways, interleaved, 9 runs each:
//! oriented by the decoder (`decode_oriented`, what the pipeline does since issue 15) and
//! as stored followed by `orient::apply` (the tiled pass it did before). Orientation's
//! cost is the extra time over decoding orientation 1, as a share of that decode.
use std::time::Instant;

use fhir_media_capture::pipeline::{decode, orient, Format};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("photo");
        let (mut fused, mut after) = (vec![Vec::new(); 9], vec![Vec::new(); 9]);
        for _ in 0..9 {
            for value in 1..=8u8 {
                let t = Instant::now();
                let d = decode::decode_oriented(&bytes, Format::Jpeg, 2048, u64::MAX, None, value)
                    .expect("decode");
                fused[value as usize].push(ms(t));
                std::hint::black_box(d);
                let t = Instant::now();
                let d = decode::decode(&bytes, Format::Jpeg, 2048, u64::MAX, None).expect("decode");
                std::hint::black_box(orient::apply(d.raster, value));
                after[value as usize].push(ms(t));
            }
        }
        let fused: Vec<f64> = fused.into_iter().skip(1).map(median).collect();
        let after: Vec<f64> = after.into_iter().skip(1).map(median).collect();
        println!(
            "{path}: decode (orientation 1) {:.1} ms, median of 9",
            fused[0]
        );
        for value in 1..=8 {
            let (f, a) = (fused[value - 1], after[value - 1]);
            println!(
                "  orientation {value}: in the decoder {f:.1} ms ({:+.1}% of decode), \
                 decode then orient {a:.1} ms ({:+.1}%)",
                100.0 * (f - fused[0]) / fused[0],
                100.0 * (a - fused[0]) / fused[0],
            );
        }
    }
}
