//! No input may panic the pipeline (on wasm a panic aborts the whole module): thousands of
//! deterministic mutations of small valid files in every format must each give Ok or a
//! typed error.

mod support;

use std::io::Cursor;

use fhir_media_capture::prepare;
use image::DynamicImage;
use support::*;

fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let card = test_card(40, 30);
    let mut out = vec![
        (
            "jpeg",
            jpeg_of(
                card.as_raw(),
                40,
                30,
                jpeg_encoder::ColorType::Rgb,
                false,
                Some(&exif_with_gps(6)),
            ),
        ),
        (
            "progressive",
            jpeg_of(
                card.as_raw(),
                40,
                30,
                jpeg_encoder::ColorType::Rgb,
                true,
                None,
            ),
        ),
    ];
    let img = DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(card).to_rgba8());
    for (name, format) in [
        ("png", image::ImageFormat::Png),
        ("webp", image::ImageFormat::WebP),
        ("gif", image::ImageFormat::Gif),
        ("bmp", image::ImageFormat::Bmp),
    ] {
        let mut buf = Cursor::new(Vec::new());
        img.write_to(&mut buf, format).expect("encode seed");
        out.push((name, buf.into_inner()));
    }
    out
}

fn mutate(rng: &mut XorShift, src: &[u8]) -> Vec<u8> {
    let mut b = src.to_vec();
    match rng.below(4) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(b.len());
                b[i] = rng.byte();
            }
        }
        1 => b.truncate(rng.below(b.len())),
        2 => {
            let i = rng.below(b.len());
            let n = rng.below(64);
            b.splice(i..i, (0..n).map(|_| rng.byte()));
        }
        _ => {
            // Header fields hold sizes and counts: hit the first 64 bytes hard.
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(b.len().min(64));
                b[i] = [0x00, 0xFF, 0x7F, 0x80][rng.below(4)];
            }
        }
    }
    b
}

#[test]
fn mutated_inputs_never_panic() {
    let settings = settings(r#"{"subject":"Patient/p1","maxPixels":4000000,"maxBytes":20000}"#);
    let mut rng = XorShift(0x9E37_79B9);
    let (mut ok, mut errs) = (0, 0);
    for (name, seed) in seeds() {
        prepare(&seed, &settings).unwrap_or_else(|e| panic!("seed {name} must be valid: {e}"));
        for i in 0..800 {
            let input = mutate(&mut rng, &seed);
            let result = std::panic::catch_unwind(|| prepare(&input, &settings));
            match result {
                Ok(Ok(_)) => ok += 1,
                Ok(Err(_)) => errs += 1,
                Err(_) => {
                    let path = std::env::temp_dir().join(format!("panic-{name}-{i}.bin"));
                    let _ = std::fs::write(&path, &input);
                    panic!(
                        "{name} mutation {i} panicked; input saved to {}",
                        path.display()
                    );
                }
            }
        }
    }
    eprintln!("mutations: {ok} prepared, {errs} typed errors, 0 panics");
    assert!(errs > 0 && ok > 0);
}
