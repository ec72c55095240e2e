//! Identify the container from its first bytes. File names and MIME types lie
//! (an iPhone "photo.jpg" is often HEIC), magic bytes do not.

use crate::error::MediaError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Heif,
    WebP,
    Gif,
    Bmp,
    Tiff,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Heif => "heif",
            Format::WebP => "webp",
            Format::Gif => "gif",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
        }
    }

    /// The format as the codecs module knows it; `None` for those decoded here (JPEG)
    /// or refused (HEIF, TIFF).
    pub fn codec(self) -> Option<fhir_media_codecs::Format> {
        use fhir_media_codecs::Format as Codec;
        match self {
            Format::Png => Some(Codec::Png),
            Format::WebP => Some(Codec::WebP),
            Format::Gif => Some(Codec::Gif),
            Format::Bmp => Some(Codec::Bmp),
            Format::Heif => Some(Codec::Heif),
            Format::Jpeg | Format::Tiff => None,
        }
    }
}

/// ISO-BMFF `ftyp` brands that mean HEIC/HEIF still images or sequences.
const HEIF_BRANDS: [&[u8; 4]; 8] = [
    b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevx", b"mif1", b"msf1",
];
/// AVIF lists `mif1` among its compatible brands too; its major brand says it is AVIF
/// (AV1 inside, not HEVC), which is refused as what it is, not as a HEIC to convert.
const AVIF_BRANDS: [&[u8; 4]; 2] = [b"avif", b"avis"];

pub fn sniff(bytes: &[u8]) -> Result<Format, MediaError> {
    let format = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Format::Jpeg
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Format::Png
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Format::WebP
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Format::Gif
    } else if bytes.starts_with(b"BM") && bytes.len() >= 26 {
        Format::Bmp
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Format::Tiff
    } else if is_heif(bytes) {
        Format::Heif
    } else {
        return Err(MediaError::UnsupportedFormat {
            detail: describe_unknown(bytes),
        });
    };
    Ok(format)
}

/// `ftyp` box first: its major brand is a HEIF brand, or, unless it is AVIF, one of
/// its compatible brands is.
fn is_heif(bytes: &[u8]) -> bool {
    if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    let declared = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    // Size 0 means "to the end of the file"; under 16 cannot hold major + minor.
    let end = match declared {
        0 => bytes.len(),
        size if size >= 16 => size.min(bytes.len()),
        _ => return false,
    };
    let major = &bytes[8..12];
    if is_brand(major, &HEIF_BRANDS) {
        return true;
    }
    !is_brand(major, &AVIF_BRANDS)
        && bytes
            .get(16..end)
            .unwrap_or_default()
            .chunks_exact(4)
            .any(|brand| is_brand(brand, &HEIF_BRANDS))
}

fn is_brand(brand: &[u8], brands: &[&[u8; 4]]) -> bool {
    brands.iter().any(|b| b.as_slice() == brand)
}

fn describe_unknown(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "the file is empty".to_string()
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && is_brand(&bytes[8..12], &AVIF_BRANDS)
    {
        "an AVIF image, a format we do not accept (export or share it as JPEG)".to_string()
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = String::from_utf8_lossy(&bytes[8..12]).into_owned();
        format!("an ISO media file of brand '{brand}', not a photo format we accept")
    } else if bytes.starts_with(b"%PDF") {
        "a PDF document".to_string()
    } else {
        "unrecognised file signature".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_magic_is_recognised() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(), Format::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....").unwrap(), Format::Png);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ").unwrap(), Format::WebP);
        assert_eq!(sniff(b"GIF89a\x01\0").unwrap(), Format::Gif);
        assert_eq!(sniff(b"II*\0\x08\0\0\0").unwrap(), Format::Tiff);
        assert_eq!(sniff(b"MM\0*\0\0\0\x08").unwrap(), Format::Tiff);
        let mut bmp = b"BM".to_vec();
        bmp.resize(54, 0);
        assert_eq!(sniff(&bmp).unwrap(), Format::Bmp);
    }

    #[test]
    fn heif_brands_major_and_compatible() {
        for brand in HEIF_BRANDS {
            let mut b = vec![0, 0, 0, 16];
            b.extend_from_slice(b"ftyp");
            b.extend_from_slice(brand);
            b.extend_from_slice(&[0, 0, 0, 0]);
            assert_eq!(sniff(&b).unwrap(), Format::Heif, "{brand:?}");
        }
        // Major brand unknown, `mif1` among compatible brands.
        let mut b = vec![0, 0, 0, 24];
        b.extend_from_slice(b"ftypisom\0\0\0\0mif1miaf");
        assert_eq!(sniff(&b).unwrap(), Format::Heif);
        // An AVIF lists `mif1` too, but it is AVIF: refused as such, not as a HEIC.
        let mut avif = vec![0, 0, 0, 24];
        avif.extend_from_slice(b"ftypavif\0\0\0\0mif1miaf");
        let e = sniff(&avif).unwrap_err();
        assert_eq!(e.code(), "unsupported-format");
        assert!(e.to_string().contains("AVIF"), "{e}");
        // An MP4 video is not a photo.
        let mut mp4 = vec![0, 0, 0, 20];
        mp4.extend_from_slice(b"ftypisom\0\0\x02\0isom");
        assert_eq!(sniff(&mp4).unwrap_err().code(), "unsupported-format");
    }

    #[test]
    fn empty_and_unknown_are_unsupported() {
        let e = sniff(&[]).unwrap_err();
        assert_eq!(e.code(), "unsupported-format");
        assert!(e.to_string().contains("empty"));
        assert_eq!(sniff(b"%PDF-1.7").unwrap_err().code(), "unsupported-format");
        assert_eq!(
            sniff(b"hello world").unwrap_err().code(),
            "unsupported-format"
        );
    }
}
