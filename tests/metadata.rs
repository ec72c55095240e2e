//! No text of the source file reaches the chart: a marker planted in every metadata place
//! a JPEG or PNG has (EXIF, XMP, IPTC, COM, the ICC profile's description and private
//! tags; PNG tEXt, iTXt and zTXt; WebP EXIF, XMP and ICCP chunks) is in no output byte and
//! nowhere in the Media, while
//! the ICC profile's colour tags are kept (a Display P3 photo must not turn dull).

mod support;

use fhir_media_capture::pipeline::encode::{self, JpegStyle, ScalePath};
use fhir_media_capture::pipeline::raster::Raster;
use support::{base_settings, output_bytes, prepare_ok};

const MARKER: &[u8] = b"PATIENT-MARKER-5e1d";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A v2 matrix/TRC profile whose description and a private tag carry the marker.
fn marked_profile() -> (Vec<u8>, Vec<u8>) {
    let typed = |kind: &[u8], body: &[u8]| [kind, &[0; 4], body].concat();
    let red = typed(b"XYZ ", &[0, 0, 0x6f, 0xa2, 0, 1, 0, 0, 0, 0, 0, 7]);
    let text = typed(b"text", &[MARKER, b"\0"].concat());
    let curve = typed(b"curv", &[0, 0, 0, 1, 2, 51]);
    let tags: [(&[u8], &Vec<u8>); 8] = [
        (b"desc", &text),
        (b"rXYZ", &red),
        (b"gXYZ", &red),
        (b"bXYZ", &red),
        (b"rTRC", &curve),
        (b"gTRC", &curve),
        (b"bTRC", &curve),
        (b"priv", &text),
    ];
    let mut header = vec![0u8; 128];
    header[8] = 2;
    header[12..16].copy_from_slice(b"mntr");
    header[16..20].copy_from_slice(b"RGB ");
    header[36..40].copy_from_slice(b"acsp");
    let (mut table, mut data) = ((tags.len() as u32).to_be_bytes().to_vec(), Vec::new());
    for (sig, body) in tags {
        let offset = 128 + 4 + 12 * tags.len() + data.len();
        table.extend_from_slice(sig);
        table.extend_from_slice(&(offset as u32).to_be_bytes());
        table.extend_from_slice(&(body.len() as u32).to_be_bytes());
        data.extend_from_slice(body);
    }
    let mut profile = [header, table, data].concat();
    let len = profile.len() as u32;
    profile[..4].copy_from_slice(&len.to_be_bytes());
    (profile, red)
}

/// A JPEG segment: marker, big-endian length, payload.
fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() + 2) as u16;
    [&[0xFF, marker][..], &len.to_be_bytes(), payload].concat()
}

#[test]
fn no_jpeg_metadata_text_survives_and_the_colour_profile_does() {
    let pixels: Vec<u8> = (0..96 * 64 * 3).map(|i| (i * 7 % 251) as u8).collect();
    let img = Raster::new(96, 64, 3, pixels).expect("raster");
    let (profile, red) = marked_profile();
    let style = JpegStyle {
        icc_profile: Some(&profile),
        progressive: false,
        path: ScalePath::Unscaled,
    };
    let jpeg = encode::jpeg(&img, 90, style).expect("encode");
    assert!(
        contains(&jpeg, MARKER),
        "the source carries the marker in its ICC profile"
    );
    let exif = [
        &b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x0e\0\x02\0\0\0\x14\0\0\0\x1a\0\0\0\0"[..],
        MARKER,
        b"\0",
    ]
    .concat();
    let xmp = [
        &b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><dc:creator>"[..],
        MARKER,
        b"</dc:creator></x:xmpmeta>",
    ]
    .concat();
    let iptc = [
        &b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x18\x1c\x02\x78\0\x13"[..],
        MARKER,
    ]
    .concat();
    let planted = [
        &jpeg[..2],
        &segment(0xE1, &exif),
        &segment(0xE1, &xmp),
        &segment(0xED, &iptc),
        &segment(0xFE, &[b"comment ", MARKER].concat()),
        &jpeg[2..],
    ]
    .concat();
    let prepared = prepare_ok("metadata_jpeg", &planted, &base_settings());
    let out = output_bytes(&prepared);
    assert!(!contains(&out, MARKER), "no marker in the output JPEG");
    let json = serde_json::to_vec(&prepared.media).expect("json");
    assert!(!contains(&json, MARKER), "no marker anywhere in the Media");
    assert!(
        contains(&out, b"ICC_PROFILE\0"),
        "the colour profile is kept"
    );
    assert!(contains(&out, &red), "with its colour tags byte for byte");
}

#[test]
fn no_png_text_chunk_survives() {
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, 40, 30);
        encoder.set_color(png::ColorType::Rgb);
        let marker = String::from_utf8(MARKER.to_vec()).expect("ascii");
        encoder
            .add_text_chunk("Author".into(), marker.clone())
            .expect("tEXt");
        encoder
            .add_itxt_chunk("Description".into(), marker.clone())
            .expect("iTXt");
        encoder
            .add_ztxt_chunk("Comment".into(), marker)
            .expect("zTXt");
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&[90u8; 40 * 30 * 3]).expect("data");
    }
    assert!(
        contains(&png, MARKER),
        "tEXt and iTXt hold the marker as text"
    );
    let prepared = prepare_ok("metadata_png", &png, &base_settings());
    assert!(!contains(&output_bytes(&prepared), MARKER));
    assert!(!contains(
        &serde_json::to_vec(&prepared.media).expect("json"),
        MARKER
    ));
}

/// A RIFF chunk: FourCC, little-endian size, payload, a pad byte to even length.
fn riff_chunk(fourcc: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut c = [
        fourcc.as_slice(),
        &(payload.len() as u32).to_le_bytes(),
        payload,
    ]
    .concat();
    if payload.len() % 2 == 1 {
        c.push(0);
    }
    c
}

#[test]
fn no_webp_metadata_chunk_survives() {
    // A lossless WebP from the image crate, its VP8L chunk rewrapped in an extended (VP8X)
    // file with ICCP, EXIF and XMP chunks that carry the marker.
    let (w, h) = (40u32, 30u32);
    let mut simple = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        w,
        h,
        image::Rgb([90, 120, 150]),
    ))
    .write_to(&mut simple, image::ImageFormat::WebP)
    .expect("webp");
    let simple = simple.into_inner();
    assert_eq!(
        &simple[12..16],
        b"VP8L",
        "the image crate writes lossless WebP"
    );
    let image_chunk = &simple[12..];
    let (profile, _) = marked_profile();
    let exif = [b"Exif\0\0".as_slice(), b"II*\0", MARKER].concat();
    let xmp = [
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><dc:creator>".as_slice(),
        MARKER,
        b"</dc:creator></x:xmpmeta>",
    ]
    .concat();
    // VP8X flags: ICC 0x20, EXIF 0x08, XMP 0x04; canvas size minus one, 24 bits each.
    let mut vp8x = vec![0x20 | 0x08 | 0x04, 0, 0, 0];
    vp8x.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    let body = [
        b"WEBP".as_slice(),
        &riff_chunk(b"VP8X", &vp8x),
        &riff_chunk(b"ICCP", &profile),
        image_chunk,
        &riff_chunk(b"EXIF", &exif),
        &riff_chunk(b"XMP ", &xmp),
    ]
    .concat();
    let webp = [
        b"RIFF".as_slice(),
        &(body.len() as u32).to_le_bytes(),
        &body,
    ]
    .concat();
    assert!(contains(&webp, MARKER));
    for (name, format) in [("metadata_webp", "jpeg"), ("metadata_webp_png", "png")] {
        let settings = support::settings(&format!(
            r#"{{"subject":"Patient/b8dfa97bdcdf4754bcd8197ca78ef0f0","format":"{format}"}}"#
        ));
        let prepared = prepare_ok(name, &webp, &settings);
        assert_eq!((prepared.width, prepared.height), (w, h), "decoded");
        assert!(!contains(&output_bytes(&prepared), MARKER), "{format}");
        assert!(!contains(
            &serde_json::to_vec(&prepared.media).expect("json"),
            MARKER
        ));
    }
}
