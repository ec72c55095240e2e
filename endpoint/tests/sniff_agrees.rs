//! The endpoint's sniffer (the test oracle) and the pipeline's are written apart on
//! purpose (endpoint/src/sniff.rs); here they must give one answer on every sample both
//! judge: JPEG, PNG and HEIC for the same bytes, and "not one of those" for the rest.

use fhir_media_capture::pipeline::sniff::{sniff as pipeline_sniff, Format};
use fhir_media_endpoint::sniff::{sniff as endpoint_sniff, ImageKind};

fn ftyp(size: u32, major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let mut out = size.to_be_bytes().to_vec();
    out.extend_from_slice(b"ftyp");
    out.extend_from_slice(major);
    out.extend_from_slice(&[0, 0, 0, 0]);
    for brand in compatible {
        out.extend_from_slice(*brand);
    }
    out
}

fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let mut bmp = b"BM".to_vec();
    bmp.resize(54, 0);
    let mut out = vec![
        ("jpeg", vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
        ("png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
        ("gif", b"GIF89a\x01\0\x01\0".to_vec()),
        ("webp", b"RIFF\0\0\0\0WEBPVP8 ".to_vec()),
        ("bmp", bmp),
        ("tiff", b"II*\0\x08\0\0\0".to_vec()),
        ("pdf", b"%PDF-1.7".to_vec()),
        ("empty", Vec::new()),
        ("short jpeg", vec![0xFF, 0xD8]),
        ("isom + mif1", ftyp(20, b"isom", &[b"mif1"])),
        ("avif + mif1", ftyp(24, b"avif", &[b"mif1", b"miaf"])),
        ("avis + msf1", ftyp(24, b"avis", &[b"msf1", b"miaf"])),
        ("mp4", ftyp(20, b"isom", &[b"mp41"])),
        ("size 0: to the end", ftyp(0, b"isom", &[b"mif1"])),
        ("size 8: no ftyp", ftyp(8, b"heic", &[])),
        ("mif1 past the box", {
            let mut b = ftyp(16, b"isom", &[]);
            b.extend_from_slice(b"mif1");
            b
        }),
    ];
    for brand in [
        b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevx", b"mif1", b"msf1",
    ] {
        out.push(("heif major", ftyp(16, brand, &[])));
        out.push(("heif compatible", ftyp(20, b"mp42", &[brand])));
    }
    out
}

#[test]
fn both_sniffers_agree_on_every_shared_sample() {
    for (name, bytes) in samples() {
        let pipeline = match pipeline_sniff(&bytes) {
            Ok(Format::Jpeg) => Some(ImageKind::Jpeg),
            Ok(Format::Png) => Some(ImageKind::Png),
            Ok(Format::Heif) => Some(ImageKind::Heic),
            Ok(_) | Err(_) => None,
        };
        assert_eq!(pipeline, endpoint_sniff(&bytes), "{name}: {bytes:02x?}");
    }
}

/// The answer both give for an AVIF photo: AVIF, not a HEIC to convert.
#[test]
fn an_avif_is_avif_for_both() {
    let avif = ftyp(24, b"avif", &[b"mif1", b"miaf"]);
    assert_eq!(endpoint_sniff(&avif), None);
    let e = pipeline_sniff(&avif).expect_err("refused");
    assert_eq!(e.code(), "unsupported-format");
    assert!(e.to_string().contains("AVIF"), "{e}");
}
