//! HEIC/HEIF through the pipeline natively (crate fhir_media_heif, feature `heic`): the
//! three testdata photos against libheif's own decode (`heif-convert`, which
//! scripts/setup.sh installs), oriented by the container, resized the same way; the
//! Media goes to target/fhir-out for the FHIR validator. Hostile HEIC → typed errors.

mod support;

use std::path::PathBuf;
use std::process::Command;

use fhir_media_capture::{prepare, MediaError};
use fhir_media_codecs::HeifDecoder;
use fhir_media_heif::Heifer;
use image::RgbImage;
use support::{base_settings, decode_rgb, output_bytes, prepare_ok, settings, ssim, XorShift};

const PHOTOS: [&str; 3] = [
    "heic/iphone_13_pro_max.HEIC",
    "heic/iphone_IMG_5195.HEIC",
    "heic/HMD_Nokia_8.3_5G_hdr.heif",
];

/// libheif's decode of `name` (heif-convert applies clap/irot/imir, not EXIF) as a PNG
/// file, made at test time into target/tmp; `None` with a SKIPPED line when heif-convert
/// is absent.
fn libheif_png(name: &str) -> Option<PathBuf> {
    let input = support::testdata().join("photos").join(name);
    let out_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/tmp/heic-ref"));
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let out = out_dir.join(format!("{}.png", name.replace('/', "_")));
    if !out.exists() {
        let status = Command::new("heif-convert").arg(&input).arg(&out).output();
        match status {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!(
                "heif-convert {name} failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(_) => {
                eprintln!(
                    "SKIPPED: heif-convert is absent (scripts/setup.sh installs libheif-examples)"
                );
                return None;
            }
        }
    }
    Some(out)
}

fn libheif_reference(name: &str) -> Option<RgbImage> {
    let png = libheif_png(name)?;
    Some(image::open(png).expect("reference png").to_rgb8())
}

#[test]
fn decoder_matches_libheif_full_size() {
    for name in PHOTOS {
        let Some(bytes) = support::photo(name) else {
            return;
        };
        let Some(reference) = libheif_reference(name) else {
            return;
        };
        let ours = Heifer.decode_heif(&bytes, 100_000_000).expect("decode");
        let img = RgbImage::from_raw(ours.width, ours.height, ours.pixels).expect("rgb");
        assert_eq!(
            img.dimensions(),
            reference.dimensions(),
            "{name}: orientation/size"
        );
        let s = ssim(&img, &reference);
        println!("{name}: decoder SSIM vs heif-convert {s:.5}");
        assert!(s >= 0.99, "{name}: SSIM {s}");
    }
}

#[test]
fn media_matches_libheif_oriented_and_resized() {
    let s = settings(
        r#"{"subject":"Patient/b8dfa97bdcdf4754bcd8197ca78ef0f0","maxDimension":1600,"quality":0.95,"maxBytes":8000000}"#,
    );
    for name in PHOTOS {
        let Some(bytes) = support::photo(name) else {
            return;
        };
        if libheif_png(name).is_none() {
            return;
        }
        let file = format!("heic-{}", name.trim_start_matches("heic/"));
        let prepared = prepare_ok(&file, &bytes, &s);
        assert_eq!(prepared.content_type, "image/jpeg");
        assert_eq!(prepared.source.format, "heif");
        assert_eq!(
            prepared.source.orientation, 1,
            "{name}: the container orients, not EXIF"
        );
        let out = decode_rgb(&output_bytes(&prepared));
        // libheif's pixels through the same resize and JPEG encode, so only the decoders
        // differ. Re-encoded first: heif-convert copies the EXIF (orientation 6 on the
        // iPhone photo) into its PNG, which the pipeline would apply on top.
        let pixels = libheif_reference(name).expect("made above");
        let (w, h) = pixels.dimensions();
        let png = support::png_of(
            w,
            h,
            png::ColorType::Rgb,
            png::BitDepth::Eight,
            pixels.as_raw(),
            |_| {},
        );
        // At full size: the PNG path now box-reduces toward the target, which the HEIC
        // decode here does not (the comparison is of the decoders).
        let reference = decode_rgb(&output_bytes(
            &fhir_media_capture::pipeline::prepare_with(
                &png,
                &s,
                Some(&support::Watched::full_size()),
            )
            .expect("reference"),
        ));
        assert_eq!(
            out.dimensions(),
            reference.dimensions(),
            "{name}: orientation/size"
        );
        let score = ssim(&out, &reference);
        println!(
            "{name}: Media SSIM vs heif-convert resized {score:.5} (quality {:?}, {} bytes)",
            prepared.quality, prepared.bytes
        );
        assert!(score >= 0.99, "{name}: SSIM {score}");
    }
}

#[test]
fn iphone_photo_is_portrait_like_libheif() {
    // The iPhone 13 Pro Max photo is coded landscape with irot; EXIF says 6 as well.
    // Applying both would turn it sideways again.
    let name = PHOTOS[0];
    let Some(bytes) = support::photo(name) else {
        return;
    };
    let prepared = prepare(&bytes, &base_settings()).expect("prepare");
    assert!(
        prepared.height > prepared.width,
        "{}x{}",
        prepared.width,
        prepared.height
    );
}

#[test]
fn icc_profile_of_iphone_photo_is_kept_as_colour_tags() {
    let Some(bytes) = support::photo(PHOTOS[0]) else {
        return;
    };
    let ours = Heifer.decode_heif(&bytes, 100_000_000).expect("decode");
    assert!(ours.icc_profile.is_some(), "iPhone HEICs carry Display P3");
    let prepared = prepare(&bytes, &base_settings()).expect("prepare");
    let jpeg = output_bytes(&prepared);
    // APP2 ICC_PROFILE in the output.
    assert!(jpeg.windows(12).any(|w| w == b"ICC_PROFILE\0"));
}

#[test]
fn pixel_limit_is_checked_from_the_container() {
    let Some(bytes) = support::photo(PHOTOS[0]) else {
        return;
    };
    let s =
        settings(r#"{"subject":"Patient/b8dfa97bdcdf4754bcd8197ca78ef0f0","maxPixels":1000000}"#);
    match prepare(&bytes, &s) {
        Err(MediaError::TooManyPixels { width, height, .. }) => {
            assert_eq!(u64::from(width) * u64::from(height), 3024 * 4032)
        }
        other => panic!("expected too-many-pixels, got {other:?}"),
    }
}

#[test]
fn truncated_and_mutated_heic_give_typed_errors() {
    let Some(bytes) = support::photo(PHOTOS[1]) else {
        return;
    };
    let allowed = ["corrupt-image", "heic-not-decodable", "too-many-pixels"];
    let settings = base_settings();
    for cut in [16, 100, 1000, 4000, bytes.len() / 2, bytes.len() - 1000] {
        match prepare(&bytes[..cut], &settings) {
            Err(e) => assert!(allowed.contains(&e.code()), "cut {cut}: {e:?}"),
            Ok(_) => panic!("cut at {cut} of {} decoded", bytes.len()),
        }
    }
    let mut rng = XorShift(0x4845_4943);
    for round in 0..12 {
        let mut m = bytes.clone();
        // Mutations in the container (first 4 KB) and anywhere.
        for _ in 0..8 {
            let at = if round % 2 == 0 {
                rng.below(4096)
            } else {
                rng.below(m.len())
            };
            m[at] = rng.byte();
        }
        if let Err(e) = prepare(&m, &settings) {
            assert!(allowed.contains(&e.code()), "round {round}: {e:?}");
        }
    }
}

#[test]
fn scaled_decode_matches_libheif_resized() {
    // What the HEIC module does for a photo bound for 2048 px: iPhone grids at 1/2, tile by
    // tile; libheif's full decode resized to the same size by the pipeline's resizer.
    use fhir_media_capture::pipeline::{raster::Raster, resize};
    for name in PHOTOS {
        let Some(bytes) = support::photo(name) else {
            return;
        };
        let Some(reference) = libheif_reference(name) else {
            return;
        };
        let ours = Heifer
            .decode_scaled(&bytes, 100_000_000, 2048)
            .expect("decode");
        let (rw, rh) = reference.dimensions();
        let long = ours.width.max(ours.height);
        let raster = Raster::new(rw, rh, 3, reference.into_raw()).expect("raster");
        let fitted = resize::fit(raster, long).expect("resize");
        let reference = RgbImage::from_raw(fitted.width, fitted.height, fitted.data).expect("rgb");
        let img = RgbImage::from_raw(ours.width, ours.height, ours.pixels).expect("rgb");
        assert_eq!(
            img.dimensions(),
            reference.dimensions(),
            "{name}: orientation/size"
        );
        let s = ssim(&img, &reference);
        println!(
            "{name}: scaled decode {}x{} SSIM vs heif-convert resized {s:.5}",
            img.width(),
            img.height()
        );
        assert!(s >= 0.99, "{name}: SSIM {s}");
    }
}
