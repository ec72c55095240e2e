//! The pipeline natively, stage by stage, with real photos where ../shared/testdata has
//! them and synthetic images generated here otherwise.

mod support;

use fhir_media_capture::pipeline::encode::ScalePath;
use fhir_media_capture::{prepare, PrepareOptions};
use image::{DynamicImage, ImageEncoder, Rgba, RgbaImage};
use support::*;

#[test]
fn eight_orientations_come_out_upright_and_alike() {
    let Some(reference) = photo("orient_Landscape_1.jpg") else {
        return;
    };
    let s = base_settings();
    let upright = decode_rgb(&output_bytes(&prepare_ok("orient_1", &reference, &s)));
    assert_eq!(upright.dimensions(), (1800, 1200));
    for n in 2..=8 {
        let bytes = photo(&format!("orient_Landscape_{n}.jpg")).expect("all 8 present");
        let p = prepare_ok(&format!("orient_{n}"), &bytes, &s);
        assert_eq!(p.source.orientation, n, "orientation tag read");
        assert_eq!((p.width, p.height), (1800, 1200), "orientation {n}");
        let out = output_bytes(&p);
        assert!(
            !jpeg_markers(&out).contains(&0xE1),
            "no EXIF (so no orientation tag) in output"
        );
        let img = decode_rgb(&out);
        let diff = mean_abs_diff(&img, &upright);
        assert!(
            diff < 4.0,
            "orientation {n}: mean abs diff {diff:.2} vs orientation 1"
        );
    }
}

#[test]
fn a_wrong_orientation_would_be_caught_by_the_metric() {
    // Guard for the test above: a mirrored picture must differ clearly.
    let Some(reference) = photo("orient_Landscape_1.jpg") else {
        return;
    };
    let upright = decode_rgb(&output_bytes(&prepare_ok(
        "orient_ref",
        &reference,
        &base_settings(),
    )));
    let mirrored = image::imageops::flip_horizontal(&upright);
    assert!(mean_abs_diff(&upright, &mirrored) > 10.0);
}

#[test]
fn gps_exif_is_stripped() {
    let card = test_card(320, 240);
    let exif = exif_with_gps(1);
    let input = jpeg_of(
        card.as_raw(),
        320,
        240,
        jpeg_encoder::ColorType::Rgb,
        false,
        Some(&exif),
    );
    // The input really carries GPS.
    let parsed = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&input))
        .expect("input exif");
    assert!(parsed
        .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
        .is_some());

    let out = output_bytes(&prepare_ok("gps_stripped", &input, &base_settings()));
    let markers = jpeg_markers(&out);
    for m in [0xE1u8, 0xED, 0xFE] {
        assert!(
            !markers.contains(&m),
            "marker FF{m:02X} (EXIF/XMP, IPTC, comment) in output: {markers:02X?}"
        );
    }
    assert!(exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&out))
        .is_err());
    assert!(!out.windows(4).any(|w| w == b"Exif"));
}

#[test]
fn transparency_becomes_white_in_jpeg_and_stays_in_auto_png() {
    let img = RgbaImage::from_fn(64, 64, |x, _| {
        if x < 32 {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([200, 30, 30, 255])
        }
    });
    let png = encode_png(&DynamicImage::ImageRgba8(img));

    let jpeg = prepare_ok(
        "alpha_as_jpeg",
        &png,
        &settings(r#"{"subject":"Patient/p1","format":"jpeg"}"#),
    );
    assert_eq!(jpeg.content_type, "image/jpeg");
    let rgb = decode_rgb(&output_bytes(&jpeg));
    let left = rgb.get_pixel(8, 32).0;
    assert!(
        left.iter().all(|&c| c >= 250),
        "transparent area is white, got {left:?}"
    );
    let right = rgb.get_pixel(56, 32).0;
    assert!(
        right[0] > 170 && right[1] < 70,
        "opaque area keeps its colour, got {right:?}"
    );

    let auto = prepare_ok("alpha_auto", &png, &base_settings());
    assert_eq!(auto.content_type, "image/png");
    let back = image::load_from_memory(&output_bytes(&auto))
        .expect("png")
        .to_rgba8();
    assert_eq!(back.get_pixel(8, 32).0[3], 0);
}

#[test]
fn opaque_rgba_png_in_auto_mode_is_jpeg_and_png_can_be_forced() {
    let img = RgbaImage::from_fn(40, 30, |x, y| Rgba([x as u8 * 6, y as u8 * 8, 100, 255]));
    let png = encode_png(&DynamicImage::ImageRgba8(img));
    assert_eq!(
        prepare_ok("opaque_auto", &png, &base_settings()).content_type,
        "image/jpeg"
    );
    let forced = prepare_ok(
        "opaque_png",
        &png,
        &settings(r#"{"subject":"Patient/p1","format":"png"}"#),
    );
    assert_eq!(forced.content_type, "image/png");
    assert_eq!(forced.quality, None);
    assert!(output_bytes(&forced).starts_with(b"\x89PNG"));
}

#[test]
fn twelve_megapixel_photo_meets_300_kb_in_three_encodes() {
    let Some(bytes) = photo("cam12mp_olympus_o1.jpg") else {
        return;
    };
    let s = settings(r#"{"subject":"Patient/p1","maxBytes":300000}"#);
    let p = prepare_ok("cam12mp_300k", &bytes, &s);
    assert!(p.bytes <= 300_000, "{} bytes", p.bytes);
    assert!(p.encodes <= 3, "{} encodes", p.encodes);
    assert!(p.quality.unwrap() >= 0.5);
    // DCT half-scale: 4032x3024 → 2016x1512 with no resize pass.
    assert_eq!((p.width, p.height), (2016, 1512));
    eprintln!(
        "12MP → {}x{} {} B q{:?} in {} encodes, {:?}",
        p.width, p.height, p.bytes, p.quality, p.encodes, p.timings
    );
}

#[test]
fn default_budget_and_scaled_decode_on_real_photos() {
    // The luma scale follows how the pixels were made smaller (encode::ScalePath).
    for (name, dims, path) in [
        ("cam12mp_olympus_o1.jpg", (2016, 1512), ScalePath::DctScaled),
        // 3264x2448 at 5/8 (DCT-scaled, issue 15): no resample.
        (
            "iphone6_8mp_o1.jpg",
            (2040, 1530),
            ScalePath::DctScaledFraction,
        ),
        ("canon_sx60_3mp_o6.jpg", (1536, 2048), ScalePath::Unscaled),
    ] {
        let Some(bytes) = photo(name) else { return };
        let p = prepare_ok(name.trim_end_matches(".jpg"), &bytes, &base_settings());
        assert_eq!((p.width, p.height), dims, "{name}");
        assert!(p.bytes <= 2_000_000);
        assert_eq!(p.encodes, 1, "{name} fits at the start quality");
        assert_eq!(p.quality, Some(0.85));
        assert_eq!(
            luma_table_sum(&output_bytes(&p)),
            annex_k_luma_sum(85, path.luma_scale()),
            "{name}: {path:?}"
        );
    }
}

/// Sum of the 64 values of the JPEG's luma quantisation table (DQT destination 0).
fn luma_table_sum(jpeg: &[u8]) -> u32 {
    let mut pos = 2;
    while pos + 4 <= jpeg.len() {
        let len = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        if jpeg[pos + 1] == 0xDB && jpeg[pos + 4] == 0 {
            return jpeg[pos + 5..pos + 5 + 64]
                .iter()
                .map(|&v| u32::from(v))
                .sum();
        }
        pos += 2 + len;
    }
    panic!("no luma DQT");
}

/// Sum of ITU-T T.81 Annex K's luma table at libjpeg's scale for `quality` times `factor`.
fn annex_k_luma_sum(quality: u32, factor: f64) -> u32 {
    const ANNEX_K_LUMA: [u32; 64] = [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69,
        56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81,
        104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ];
    let scale = f64::from(if quality < 50 {
        5000 / quality
    } else {
        200 - 2 * quality
    }) * factor;
    ANNEX_K_LUMA
        .iter()
        .map(|&v| {
            ((f64::from(v) * scale + 50.0) / 100.0)
                .floor()
                .clamp(1.0, 255.0) as u32
        })
        .sum()
}

#[test]
fn tiny_budget_shrinks_dimensions_below_min_quality() {
    let card = test_card(1600, 1200);
    let input = jpeg_of(
        card.as_raw(),
        1600,
        1200,
        jpeg_encoder::ColorType::Rgb,
        false,
        None,
    );
    let p = prepare_ok(
        "tiny_budget",
        &input,
        &settings(r#"{"subject":"Patient/p1","maxBytes":8000}"#),
    );
    assert!(p.bytes <= 8000, "{}", p.bytes);
    assert_eq!(p.quality, Some(0.5));
    assert!(p.width < 1600 && p.height < 1200);
    assert!(
        (p.width as f64 / p.height as f64 - 4.0 / 3.0).abs() < 0.02,
        "aspect kept"
    );
}

#[test]
fn never_upscales_and_caps_the_long_side() {
    let card = test_card(300, 200);
    let input = jpeg_of(
        card.as_raw(),
        300,
        200,
        jpeg_encoder::ColorType::Rgb,
        false,
        None,
    );
    let p = prepare_ok("small", &input, &base_settings());
    assert_eq!((p.width, p.height), (300, 200));
    let p = prepare_ok(
        "capped",
        &input,
        &settings(r#"{"subject":"Patient/p1","maxDimension":150}"#),
    );
    assert_eq!((p.width, p.height), (150, 100));
}

#[test]
fn progressive_grayscale_and_cmyk_jpegs_decode() {
    let card = test_card(96, 64);
    let progressive = jpeg_of(
        card.as_raw(),
        96,
        64,
        jpeg_encoder::ColorType::Rgb,
        true,
        None,
    );
    let p = prepare_ok("progressive", &progressive, &base_settings());
    let diff = mean_abs_diff(&decode_rgb(&output_bytes(&p)), &card);
    assert!(diff < 8.0, "progressive diff {diff}");

    let gray: Vec<u8> = (0..96 * 64).map(|i| (i % 96 * 2) as u8).collect();
    let g = jpeg_of(&gray, 96, 64, jpeg_encoder::ColorType::Luma, false, None);
    let out = decode_rgb(&output_bytes(&prepare_ok(
        "grayscale",
        &g,
        &base_settings(),
    )));
    let px = out.get_pixel(50, 10).0;
    assert!(
        (px[0] as i32 - px[2] as i32).abs() <= 2 && (px[0] as i32 - 100).abs() < 8,
        "gray {px:?}"
    );

    // Pure red as CMYK (C=0, M=Y=100%, K=0), stored both as Adobe CMYK and as YCCK.
    let cmyk: Vec<u8> = (0..64 * 64).flat_map(|_| [0u8, 255, 255, 0]).collect();
    for (name, ct) in [
        ("cmyk", jpeg_encoder::ColorType::Cmyk),
        ("ycck", jpeg_encoder::ColorType::CmykAsYcck),
    ] {
        let j = jpeg_of(&cmyk, 64, 64, ct, false, None);
        let out = decode_rgb(&output_bytes(&prepare_ok(name, &j, &base_settings())));
        let px = out.get_pixel(32, 32).0;
        assert!(
            px[0] > 230 && px[1] < 30 && px[2] < 30,
            "{name}: red expected, got {px:?}"
        );
    }
}

#[test]
fn png_of_every_kind_decodes() {
    use png::{BitDepth, ColorType};
    let (w, h) = (33u32, 17u32);
    let n = (w * h) as usize;
    let rgb16: Vec<u8> = (0..n)
        .flat_map(|i| {
            let v = (i * 7 % 256) as u8;
            [v, v, 0, 0, 255 - v, 0]
        })
        .collect();
    let gray8: Vec<u8> = (0..n).map(|i| (i % 256) as u8).collect();
    let gray_alpha: Vec<u8> = (0..n).flat_map(|i| [(i % 256) as u8, 255]).collect();
    let packed: Vec<u8> = vec![0b1010_0101; (w as usize).div_ceil(8) * h as usize];
    let palette_idx: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "png_rgb16",
            png_of(w, h, ColorType::Rgb, BitDepth::Sixteen, &rgb16, |_| {}),
        ),
        (
            "png_gray8",
            png_of(w, h, ColorType::Grayscale, BitDepth::Eight, &gray8, |_| {}),
        ),
        (
            "png_gray1",
            png_of(w, h, ColorType::Grayscale, BitDepth::One, &packed, |_| {}),
        ),
        (
            "png_gray_alpha",
            png_of(
                w,
                h,
                ColorType::GrayscaleAlpha,
                BitDepth::Eight,
                &gray_alpha,
                |_| {},
            ),
        ),
        (
            "png_palette",
            png_of(
                w,
                h,
                ColorType::Indexed,
                BitDepth::Eight,
                &palette_idx,
                |e| e.set_palette(vec![255, 0, 0, 0, 255, 0, 0, 0, 255]),
            ),
        ),
        ("png_interlaced", interlaced_gray_png(w, h, &gray8)),
    ];
    for (name, bytes) in cases {
        let p = prepare_ok(name, &bytes, &base_settings());
        assert_eq!((p.width, p.height), (w, h), "{name}");
    }
    // The palette really decoded: pixel 0 is red, pixel 1 green.
    let pal = png_of(
        w,
        h,
        ColorType::Indexed,
        BitDepth::Eight,
        &palette_idx,
        |e| e.set_palette(vec![255, 0, 0, 0, 255, 0, 0, 0, 255]),
    );
    let out = prepare_ok(
        "png_palette_forced",
        &pal,
        &settings(r#"{"subject":"Patient/p1","format":"png"}"#),
    );
    let img = image::load_from_memory(&output_bytes(&out))
        .expect("png")
        .to_rgb8();
    assert_eq!(img.get_pixel(0, 0).0, [255, 0, 0]);
    assert_eq!(img.get_pixel(1, 0).0, [0, 255, 0]);
}

#[test]
fn webp_gif_bmp_decode_and_tiff_is_refused_clearly() {
    let card = DynamicImage::ImageRgb8(test_card(48, 32));
    for (name, format) in [
        ("webp", image::ImageFormat::WebP),
        ("gif", image::ImageFormat::Gif),
        ("bmp", image::ImageFormat::Bmp),
    ] {
        let mut bytes = std::io::Cursor::new(Vec::new());
        let src = if format == image::ImageFormat::WebP {
            DynamicImage::ImageRgba8(card.to_rgba8())
        } else {
            card.clone()
        };
        src.write_to(&mut bytes, format)
            .unwrap_or_else(|e| panic!("{name} encode: {e}"));
        let p = prepare_ok(name, bytes.get_ref(), &base_settings());
        assert_eq!((p.width, p.height), (48, 32), "{name}");
        assert_eq!(p.source.format, name);
        assert_eq!(p.content_type, "image/jpeg");
        let diff = mean_abs_diff(&decode_rgb(&output_bytes(&p)), &card.to_rgb8());
        assert!(
            diff < 12.0,
            "{name}: decoded pixels match the source (diff {diff:.1})"
        );
    }
    // TIFF (a scanner format) is recognised, then refused with advice.
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.resize(64, 0);
    let e = prepare(&tiff, &base_settings()).unwrap_err();
    assert_eq!(e.code(), "unsupported-format");
    assert!(e.to_string().contains("JPEG or PNG"), "{e}");
}

#[test]
fn bad_bytes_give_the_right_codes() {
    let code = |bytes: &[u8]| prepare(bytes, &base_settings()).unwrap_err().code();
    assert_eq!(code(&[]), "unsupported-format");
    assert_eq!(code(b"GIF-ish but not really"), "unsupported-format");
    // Deterministic pseudo-random bytes.
    let mut x: u32 = 0x1234_5678;
    let random: Vec<u8> = (0..50_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    assert_eq!(code(&random), "unsupported-format");
    // Real magic, garbage after it.
    let mut fake_jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    fake_jpeg.extend_from_slice(&random[..1000]);
    assert_eq!(code(&fake_jpeg), "corrupt-image");
    let card = test_card(256, 128);
    let jpeg = jpeg_of(
        card.as_raw(),
        256,
        128,
        jpeg_encoder::ColorType::Rgb,
        false,
        None,
    );
    for cut in (20..jpeg.len() - 1).step_by(jpeg.len() / 40) {
        let e = prepare(&jpeg[..cut], &base_settings()).unwrap_err();
        assert_eq!(e.code(), "corrupt-image", "jpeg truncated at {cut}: {e}");
    }
    let png = encode_png(&DynamicImage::ImageRgb8(card));
    for cut in [12, 40, png.len() / 2] {
        let e = prepare(&png[..cut], &base_settings()).unwrap_err();
        assert_eq!(e.code(), "corrupt-image", "png truncated at {cut}: {e}");
    }
}

#[test]
fn oversized_input_is_refused_before_decoding() {
    let card = test_card(64, 64);
    let jpeg = jpeg_of(
        card.as_raw(),
        64,
        64,
        jpeg_encoder::ColorType::Rgb,
        false,
        None,
    );
    let e = prepare(
        &jpeg,
        &settings(r#"{"subject":"Patient/p1","maxInputBytes":1000}"#),
    )
    .unwrap_err();
    assert_eq!(e.code(), "too-large");
    assert!(e.to_string().contains("1000"));
}

#[test]
fn png_header_claiming_30000_squared_is_refused_without_allocating() {
    // A valid signature + IHDR for 30000x30000 RGBA and one tiny IDAT: decoding it would
    // need 3.6 GB. The limit must trip on the header alone.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&30000u32.to_be_bytes());
    ihdr.extend_from_slice(&30000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    push_chunk(&mut png, b"IHDR", &ihdr);
    push_chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    push_chunk(&mut png, b"IEND", &[]);
    let start = std::time::Instant::now();
    let e = prepare(&png, &base_settings()).unwrap_err();
    assert_eq!(e.code(), "too-many-pixels", "{e}");
    assert!(e.to_string().contains("30000x30000"));
    assert!(
        start.elapsed().as_millis() < 500,
        "answered from the header"
    );
}

#[test]
fn heic_without_a_heic_decoder_is_refused_with_advice() {
    // Codecs without HEIF (a build or browser without the HEIC module): the typed refusal
    // that keep mode (issue 13) falls back on. With the decoder: tests/heic.rs.
    let dir = testdata().join("photos/heic");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        return;
    };
    let mut seen = 0;
    for entry in entries.flatten() {
        let bytes = std::fs::read(entry.path()).expect("read heic");
        let codecs = fhir_media_codecs::Native;
        let e =
            fhir_media_capture::prepare_with(&bytes, &base_settings(), Some(&codecs)).unwrap_err();
        assert_eq!(e.code(), "heic-not-decodable", "{:?}", entry.path());
        assert!(e.to_string().contains("JPEG"), "message says what to do");
        seen += 1;
    }
    assert_eq!(seen, 3);
}

#[test]
fn heic_kept_is_the_original_with_metadata_blanked() {
    let dir = testdata().join("photos/heic");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        return;
    };
    let keep = settings(r#"{"subject":"Patient/1","heic":"keep","maxBytes":1000}"#);
    let mut seen = 0;
    for entry in entries.flatten() {
        let original = std::fs::read(entry.path()).expect("read heic");
        let name = format!("heic_keep_{seen}");
        // maxBytes does not apply: the original's bytes cannot be reduced without converting.
        let p = prepare_ok(&name, &original, &keep);
        assert_eq!(p.content_type, "image/heic");
        assert_eq!(p.media.content.content_type.as_deref(), Some("image/heic"));
        let sent = output_bytes(&p);
        let mut expected = original.clone();
        let scrubbed = fhir_media_codecs::heif::scrub(&mut expected).expect("scrub");
        assert_eq!(
            sent,
            expected,
            "{:?}: the scrubbed original, nothing else",
            entry.path()
        );
        assert_ne!(sent, original);
        assert_eq!((p.width, p.height), (scrubbed.width, scrubbed.height));
        assert!(p.width > 0 && p.height > 0);
        assert_eq!((p.bytes, p.source.bytes), (original.len(), original.len()));
        assert_eq!((p.source.format, p.quality, p.encodes), ("heif", None, 0));
        seen += 1;
    }
    assert_eq!(seen, 3);
    // Convert (the default) decodes it to a JPEG instead; a damaged HEIC to keep is
    // corrupt-image.
    let heic = std::fs::read(dir.join("iphone_IMG_5195.HEIC")).expect("read");
    let converted = prepare(&heic, &base_settings()).expect("converts");
    assert_eq!(converted.content_type, "image/jpeg");
    let cut = &heic[..heic.len() / 2];
    assert_eq!(prepare(cut, &keep).unwrap_err().code(), "corrupt-image");
    // Keep changes nothing for other formats.
    let jpeg = jpeg_of(
        test_card(64, 48).as_raw(),
        64,
        48,
        jpeg_encoder::ColorType::Rgb,
        false,
        None,
    );
    assert_eq!(
        prepare(&jpeg, &keep).expect("jpeg").content_type,
        "image/jpeg"
    );
}

#[test]
fn media_resource_has_canvas_shape() {
    let card = test_card(64, 48);
    let jpeg = jpeg_of(
        card.as_raw(),
        64,
        48,
        jpeg_encoder::ColorType::Rgb,
        false,
        None,
    );
    let s = settings(
        r#"{"subject":"Patient/b8dfa97bdcdf4754bcd8197ca78ef0f0","encounter":"Encounter/eae3c8a5-a129-4960-9715-fc26da30eccc","operator":"Practitioner/76428138e7644ce6b7eb426fdbbf2f39","title":"Image title","notes":["Note #1","  ","Note #2"],"identifier":"urn:uuid:6f1c2f43-8a43-4b0e-9a53-3c1a3c1e0a11"}"#,
    );
    let p = prepare_ok("canvas_shape", &jpeg, &s);
    let v = serde_json::to_value(&p.media).expect("json");
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(testdata().join("../canvas-examples/create-request.json"))
            .unwrap_or_else(|_| "null".into()),
    )
    .expect("fixture json");
    if !fixture.is_null() {
        // Same keys as Canvas's documented create body (plus our identifier), same values.
        for key in [
            "resourceType",
            "status",
            "subject",
            "encounter",
            "operator",
            "note",
        ] {
            assert_eq!(v[key], fixture[key], "{key}");
        }
        assert_eq!(v["content"]["title"], fixture["content"]["title"]);
        assert_eq!(v["content"]["contentType"], "image/jpeg");
    }
    assert_eq!(
        v["identifier"][0]["value"],
        "urn:uuid:6f1c2f43-8a43-4b0e-9a53-3c1a3c1e0a11"
    );
    let data = v["content"]["data"].as_str().expect("data");
    assert!(!data.starts_with("data:"));
    assert!(output_bytes(&p).starts_with(&[0xFF, 0xD8, 0xFF]));
}

#[test]
fn options_are_checked_and_typos_named() {
    let err = |json: &str| {
        let e = PrepareOptions::from_json(json)
            .and_then(|o| o.validate())
            .unwrap_err();
        assert_eq!(e.code(), "invalid-options");
        match e {
            fhir_media_capture::MediaError::InvalidOptions { field, .. } => field,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        err(r#"{"subject":"Patient/1","maxDimenson":10}"#),
        "maxDimenson"
    );
    assert_eq!(
        err(r#"{"subject":"Patient/1","maxDimension":"big"}"#),
        "maxDimension"
    );
    assert_eq!(
        err(r#"{"subject":"Patient/1","maxDimension":4}"#),
        "maxDimension"
    );
    assert_eq!(err(r#"{"subject":"Patient/1","quality":1.5}"#), "quality");
    assert_eq!(err(r#"{"subject":"Patient/1","quality":0}"#), "quality");
    assert_eq!(err(r#"{"subject":"Patient/1","maxBytes":10}"#), "maxBytes");
    assert_eq!(err(r#"{"subject":"Patient/1","format":"gif"}"#), "format");
    assert_eq!(err(r#"{"subject":"Patient/1","status":"final"}"#), "status");
    assert_eq!(err(r#"{}"#), "subject");
    assert_eq!(err(r#"{"subject":"Practitioner/1"}"#), "subject");
    assert_eq!(err(r#"{"subject":"Patient/"}"#), "subject");
    assert_eq!(err(r#"{"subject":"Patient/a b"}"#), "subject");
    assert_eq!(
        err(r#"{"subject":"Patient/1","encounter":"Patient/2"}"#),
        "encounter"
    );
    assert_eq!(
        err(r#"{"subject":"Patient/1","operator":"Encounter/2"}"#),
        "operator"
    );
    assert_eq!(err(r#"{"subject":"Patient/1","notes":"one"}"#), "notes");
    assert_eq!(
        err(r#"{"subject":"Patient/1","identifier":"no spaces allowed"}"#),
        "identifier"
    );
    let ok = PrepareOptions::from_json(r#"{"subject":"Patient/1","operator":"Patient/1","status":"entered-in-error","title":"  "}"#).unwrap().validate().unwrap();
    assert_eq!(
        ok.title, None,
        "blank title dropped (FHIR strings may not be empty)"
    );
}

fn encode_png(img: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            img.as_bytes(),
            img.width(),
            img.height(),
            img.color().into(),
        )
        .expect("png");
    out
}

/// Adam7-interlaced 8-bit grayscale PNG, written by hand (the png crate cannot write
/// interlaced images) with stored deflate blocks.
fn interlaced_gray_png(w: u32, h: u32, px: &[u8]) -> Vec<u8> {
    let passes = [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ];
    let mut raw = Vec::new();
    for (x0, y0, dx, dy) in passes {
        let xs: Vec<u32> = (x0..w).step_by(dx).collect();
        if xs.is_empty() {
            continue;
        }
        for y in (y0..h).step_by(dy) {
            raw.push(0);
            raw.extend(xs.iter().map(|&x| px[(y * w + x) as usize]));
        }
    }
    let mut z = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (i, c) in chunks.iter().enumerate() {
        z.push(u8::from(i + 1 == chunks.len()));
        z.extend_from_slice(&(c.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(c.len() as u16)).to_le_bytes());
        z.extend_from_slice(c);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 1]);
    push_chunk(&mut png, b"IHDR", &ihdr);
    push_chunk(&mut png, b"IDAT", &z);
    push_chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn option_names_list_matches_the_reader() {
    for name in PrepareOptions::NAMES {
        // Each listed name is read: null counts as absent...
        PrepareOptions::from_json(&format!(r#"{{"{name}":null}}"#))
            .unwrap_or_else(|e| panic!("{name} is listed but not read: {e}"));
        // ...and a value of no option's type is refused under that very name (an object
        // for all but `checks`, which takes one of thresholds, and no list).
        let bad = if name == "checks" { "[]" } else { "{}" };
        match PrepareOptions::from_json(&format!(r#"{{"{name}":{bad}}}"#)) {
            Err(fhir_media_capture::MediaError::InvalidOptions { field, .. }) => {
                assert_eq!(field, name)
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // A name not in the list is refused, and the message lists them all.
    let e = PrepareOptions::from_json(r#"{"nope":1}"#).unwrap_err();
    for name in PrepareOptions::NAMES {
        assert!(e.to_string().contains(name), "{name} not in {e}");
    }
}

#[test]
/// Bytes that are no colour profile are dropped with the EXIF (tests/metadata.rs: a real
/// profile keeps its colour tags, and only those).
fn an_icc_profile_that_is_not_one_is_dropped_and_so_is_exif() {
    let card = test_card(64, 48);
    let icc: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut input = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut input, 90);
    enc.add_icc_profile(&icc).expect("icc");
    enc.add_exif_metadata(&exif_with_gps(1)).expect("exif");
    enc.encode(card.as_raw(), 64, 48, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    let out = output_bytes(&prepare_ok("icc_kept", &input, &base_settings()));
    let mut kept = jpeg_decoder::Decoder::new(out.as_slice());
    kept.read_info().expect("output header");
    assert_eq!(kept.icc_profile(), None, "3000 bytes without an ICC header");
    assert!(!jpeg_markers(&out).contains(&0xE1), "EXIF still dropped");
}

#[test]
fn png_over_budget_shrinks_and_stays_lossless_png() {
    // Noise does not compress: 256x256 RGB is ~196 KB as PNG.
    let mut x: u32 = 7;
    let noise = RgbaImage::from_fn(256, 256, |_, _| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        Rgba([x as u8, (x >> 8) as u8, (x >> 16) as u8, 255])
    });
    let png = encode_png(&DynamicImage::ImageRgba8(noise));
    let p = prepare_ok(
        "png_budget",
        &png,
        &settings(r#"{"subject":"Patient/p1","format":"png","maxBytes":50000}"#),
    );
    assert_eq!(p.content_type, "image/png");
    assert!(p.bytes <= 50_000, "{}", p.bytes);
    assert!(
        p.width < 256 && p.width == p.height,
        "{}x{}",
        p.width,
        p.height
    );
    assert!(p.encodes >= 2);
    let out = image::load_from_memory(&output_bytes(&p)).expect("png");
    assert_eq!((out.width(), out.height()), (p.width, p.height));
}

#[test]
fn png_budget_below_what_deflate_can_reach_shrinks_before_encoding() {
    // A flat 2048 x 2048 picture is ~12 MB of rows; deflate cannot pack that under ~12 KB
    // (at most ~1032:1), so a 2,000-byte budget cannot be met at this size, and a full-size
    // encode to find that out cost seconds in the fuzzer. The first encode is smaller.
    let flat = RgbaImage::from_pixel(2048, 2048, Rgba([90, 140, 200, 255]));
    let png = encode_png(&DynamicImage::ImageRgba8(flat));
    let counting = Watched::default();
    let p = fhir_media_capture::prepare_with(
        &png,
        &settings(r#"{"subject":"Patient/p1","format":"png","maxBytes":2000}"#),
        Some(&counting),
    )
    .expect("a flat picture fits 2,000 bytes once small enough");
    assert_eq!(p.content_type, "image/png");
    assert!(p.bytes <= 2_000, "{}", p.bytes);
    let encoded = counting.png_encodes.borrow();
    assert!(
        encoded[0] < 2048 * 2048 / 4,
        "the first encode was already shrunk: {encoded:?}"
    );
    assert_eq!(encoded.len() as u32, p.encodes);
}

/// The frame type (SOFn marker) of a JPEG, by walking its header segments.
fn sof_marker(jpeg: &[u8]) -> u8 {
    let mut pos = 2;
    while pos + 4 <= jpeg.len() {
        assert_eq!(jpeg[pos], 0xFF, "segment at {pos}");
        let marker = jpeg[pos + 1];
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            return marker;
        }
        pos += 2 + usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
    }
    panic!("no SOF marker");
}

#[test]
fn progressive_by_default_and_baseline_on_request_with_the_same_pixels() {
    let Some(bytes) = photo("canon_sx60_3mp_o6.jpg") else {
        return;
    };
    let progressive = output_bytes(&prepare_ok("progressive", &bytes, &base_settings()));
    let s =
        settings(r#"{"subject":"Patient/b8dfa97bdcdf4754bcd8197ca78ef0f0","progressive":false}"#);
    let baseline = output_bytes(&prepare_ok("baseline", &bytes, &s));
    assert_eq!(sof_marker(&progressive), 0xC2, "SOF2: progressive DCT");
    assert_eq!(sof_marker(&baseline), 0xC0, "SOF0: baseline DCT");
    // The same coefficients in another order: identical pixels, fewer bytes.
    assert_eq!(
        decode_rgb(&progressive).as_raw(),
        decode_rgb(&baseline).as_raw()
    );
    assert!(
        progressive.len() * 100 < baseline.len() * 99,
        "{} vs {}",
        progressive.len(),
        baseline.len()
    );
    let e = PrepareOptions::from_json(r#"{"subject":"Patient/1","progressive":"yes"}"#)
        .and_then(|o| o.validate())
        .unwrap_err();
    assert_eq!(e.code(), "invalid-options");
    assert!(e.to_string().contains("progressive"), "{e}");
}
