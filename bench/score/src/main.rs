//! `bench_score ORIGINAL OUTPUT.jpg...`: the SSIMULACRA2 score of each output against a
//! reference made from the original as the in-page SSIM's is (bench/page/ssim.js): decoded
//! at full size with its EXIF orientation applied, then downscaled with a Lanczos-3 filter
//! (support widened with the factor) in float to that output's exact size. SSIMULACRA2
//! judges colour too (XYB, all three channels), where the bench's SSIM sees luma only.
//! Prints one JSON object a line: `{"file", "width", "height", "bytes", "ssimulacra2"}`.
//! Used by `node bench/sweep.mjs --ssimulacra2`; not part of the product.

use std::collections::HashMap;
use std::process::ExitCode;

use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageDecoder, ImageReader, Rgb32FImage};
use ssimulacra2::{compute_frame_ssimulacra2, ColorPrimaries, Rgb, TransferCharacteristic};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [original, outputs @ ..] = args.as_slice() else {
        eprintln!("usage: bench_score ORIGINAL OUTPUT.jpg...");
        return ExitCode::from(2);
    };
    let original = match decode_oriented(original) {
        Ok(img) => img.into_rgb32f(),
        Err(e) => {
            eprintln!("bench_score: {original}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut references: HashMap<(u32, u32), Rgb32FImage> = HashMap::new();
    let mut failed = false;
    for file in outputs {
        match score(&original, &mut references, file) {
            Ok((w, h, bytes, s)) => println!(
                "{{\"file\":{file:?},\"width\":{w},\"height\":{h},\"bytes\":{bytes},\"ssimulacra2\":{s:.4}}}"
            ),
            Err(e) => {
                eprintln!("bench_score: {file}: {e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

type Scored = (u32, u32, u64, f64);

fn score(
    original: &Rgb32FImage,
    references: &mut HashMap<(u32, u32), Rgb32FImage>,
    file: &str,
) -> Result<Scored, String> {
    let bytes = std::fs::metadata(file).map_err(|e| e.to_string())?.len();
    let out = decode_oriented(file)?.into_rgb32f();
    let (w, h) = out.dimensions();
    let reference = references
        .entry((w, h))
        .or_insert_with(|| imageops::resize(original, w, h, FilterType::Lanczos3));
    let s = compute_frame_ssimulacra2(to_rgb(reference)?, to_rgb(&out)?)
        .map_err(|e| format!("ssimulacra2: {e:?}"))?;
    Ok((w, h, bytes, s))
}

fn decode_oriented(path: &str) -> Result<DynamicImage, String> {
    let mut decoder = ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| e.to_string())?
        .into_decoder()
        .map_err(|e| e.to_string())?;
    let orientation = decoder.orientation().map_err(|e| e.to_string())?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// sRGB-encoded samples in 0..=1 (Lanczos rings past the ends: clamped, as a display would).
fn to_rgb(img: &Rgb32FImage) -> Result<Rgb, String> {
    let data = img
        .pixels()
        .map(|p| p.0.map(|v| v.clamp(0.0, 1.0)))
        .collect();
    Rgb::new(
        data,
        img.width() as usize,
        img.height() as usize,
        TransferCharacteristic::SRGB,
        ColorPrimaries::BT709,
    )
    .map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32, blur: bool) -> Rgb32FImage {
        let img = Rgb32FImage::from_fn(w, h, |x, y| {
            let v = if (x / 4 + y / 4) % 2 == 0 { 0.8 } else { 0.2 };
            image::Rgb([v, x as f32 / w as f32, y as f32 / h as f32])
        });
        if blur {
            imageops::blur(&img, 2.0)
        } else {
            img
        }
    }

    #[test]
    fn same_picture_scores_100_and_a_blurred_one_less() {
        let sharp = gradient(64, 48, false);
        let same =
            compute_frame_ssimulacra2(to_rgb(&sharp).unwrap(), to_rgb(&sharp).unwrap()).unwrap();
        assert!((same - 100.0).abs() < 1e-6, "{same}");
        let blurred = gradient(64, 48, true);
        let worse =
            compute_frame_ssimulacra2(to_rgb(&sharp).unwrap(), to_rgb(&blurred).unwrap()).unwrap();
        assert!(worse < 90.0, "{worse}");
    }
}
