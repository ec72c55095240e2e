//! The HEIF container parser and HEVC decoder (fhir_media_heif over heifer) on any bytes:
//! pixels of the stated size within the limit, or a typed error; never a panic, a timeout
//! or an allocation over libFuzzer's limit. The limit is 4 MP so that the seeds' 12 MP
//! photos exercise the container and the small synthetic ones the decoder.
//!
//! Then the grid path the browser takes for a photo bound for 2048 px (heif-wasm's
//! HeicGrid): the tile plan and every tile's input from one parse, the plan as a tile
//! worker receives it, and the first and last tiles decoded, box-averaged and placed. Its
//! limit is 16 MP so that the 12 MP seeds reach it; two tiles only, for the time limit.
#![no_main]

use fhir_media_codecs::{CodecError, HeifDecoder};
use fhir_media_heif::{GridPlan, Heifer};
use libfuzzer_sys::fuzz_target;

const MAX_PIXELS: u64 = 4_000_000;
const GRID_MAX_PIXELS: u64 = 16_000_000;

fuzz_target!(|data: &[u8]| {
    match Heifer.decode_heif(data, MAX_PIXELS) {
        Ok(img) => {
            let pixels = u64::from(img.width) * u64::from(img.height);
            assert!(pixels <= MAX_PIXELS, "{}x{}", img.width, img.height);
            assert_eq!(img.pixels.len() as u64, pixels * u64::from(img.channels));
        }
        Err(CodecError::TooManyPixels { width, height, .. }) => {
            assert!(u64::from(width) * u64::from(height) > MAX_PIXELS)
        }
        Err(_) => {}
    }
    grid(data);
});

fn grid(data: &[u8]) {
    let Ok(Some((plan, inputs))) = Heifer.grid_inputs(data, GRID_MAX_PIXELS, 2048) else {
        return;
    };
    assert_eq!(inputs.len(), plan.tiles());
    let words = plan.to_words();
    let worker = GridPlan::from_words(&words).expect("a tile worker refused the plan");
    assert_eq!(worker.to_words(), words);
    let (w, h) = plan.size();
    let mut picture = vec![0u8; w as usize * h as usize * 3];
    // The first tile and the last (the one an output cropped right or below cuts).
    for i in [0, plan.tiles() - 1] {
        let Some(Ok(input)) = inputs.get(i) else {
            continue;
        };
        if let Ok(block) = worker.decode_input(i, input.as_ref()) {
            // The page copies the block into the picture and throws if it does not fit.
            let (x, y, bw, bh) = (block.x, block.y, block.width, block.height);
            assert!(
                x + bw <= w && y + bh <= h,
                "tile {i}: {bw}x{bh} at {x},{y} outside {w}x{h}"
            );
            assert_eq!(block.rgb.len(), bw as usize * bh as usize * 3);
            block.place(&mut picture, w);
        }
    }
}
