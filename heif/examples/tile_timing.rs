//! Where a grid tile's decode time goes (bench/HEIC.md "Where the time goes"): for each
//! tile of a HEIC, natively, one thread, best of 3 over the whole photo: the HEVC decode
//! (heifer_hevc_dec::decode_picture), the YCbCr → RGB conversion (heifer::color), and our
//! box average and orientation (GridPlan::decode_tile minus the two).
//! Usage: cargo run --release -p fhir_media_heif --example tile_timing -- PHOTO.HEIC [TARGET]
use std::time::{Duration, Instant};

use fhir_media_heif::{GridPlan, HeifFile};
use heifer::color::{frame_to_rgba_sized, ColorParams};
use heifer::heifer_hevc_dec::decoder::{decode_picture, DecodeOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: tile_timing PHOTO.HEIC [TARGET]");
    let target: u32 = args.next().map_or(2048, |t| t.parse().expect("target"));
    let bytes = std::fs::read(&path).expect("read");
    let file = HeifFile::parse(&bytes).expect("parse");
    let plan = GridPlan::of(&file, file.primary_id, target)
        .expect("plan")
        .expect("a grid with a scaled plan");
    let tiles = file.referenced_items(file.primary_id, b"dimg");
    let best = |f: &dyn Fn()| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .min()
            .unwrap_or(Duration::ZERO)
    };
    let hevc = best(&|| {
        for &id in tiles {
            let stream = file.hevc_bitstream(id).expect("stream");
            decode_picture(&stream, DecodeOptions::default()).expect("decode");
        }
    });
    let with_colour = best(&|| {
        for &id in tiles {
            let stream = file.hevc_bitstream(id).expect("stream");
            let frame = decode_picture(&stream, DecodeOptions::default()).expect("decode");
            // 8-bit samples, as GridPlan::decode_tile has them for an 8-bit picture.
            let image: heifer::Image<u8> =
                frame_to_rgba_sized(&frame, ColorParams::from_frame(&frame), 512, 512);
            std::hint::black_box(image);
        }
    });
    let whole = best(&|| {
        for i in 0..plan.tiles() {
            std::hint::black_box(plan.decode_tile(&file, i).expect("tile"));
        }
    });
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let n = plan.tiles() as f64;
    println!(
        "{path}: {} tiles at 1/{}: HEVC decode {:.0} ms ({:.1}/tile), YCbCr->RGB {:.0} ms, box average + orientation {:.0} ms, total {:.0} ms ({:.1}/tile)",
        plan.tiles(),
        plan.scale(),
        ms(hevc),
        ms(hevc) / n,
        ms(with_colour.saturating_sub(hevc)),
        ms(whole.saturating_sub(with_colour)),
        ms(whole),
        ms(whole) / n
    );
}
