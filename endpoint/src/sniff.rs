//! Recognises image formats from their first bytes, so a create whose `content.data`
//! does not hold the declared kind of image is refused before it is stored.
//!
//! Written apart from the pipeline's `src/pipeline/sniff.rs` on purpose: the endpoint is
//! the test oracle for what the widget sends, and an oracle that shares the code under
//! test shares its bugs. endpoint/tests/sniff_agrees.rs holds the two to one answer on
//! every sample both judge.

/// The image types Canvas accepts in `content.contentType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    Heic,
}

/// Every accepted content type, for error messages.
pub const ACCEPTED_CONTENT_TYPES: &str = "image/jpeg, image/png or image/heic";

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
/// ISO-BMFF brands that mark HEIC/HEIF still images and sequences.
const HEIF_BRANDS: [&[u8; 4]; 8] = [
    b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevx", b"mif1", b"msf1",
];
/// AVIF files also list `mif1`; their major brand tells them apart from HEIC.
const AVIF_BRANDS: [&[u8; 4]; 2] = [b"avif", b"avis"];

impl ImageKind {
    /// The kind named by a `content.contentType`, or `None` when Canvas would refuse it.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type.trim().to_ascii_lowercase().as_str() {
            "image/jpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "image/heic" => Some(Self::Heic),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Heic => "image/heic",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Heic => "HEIC/HEIF",
        }
    }

    /// What the bytes of this kind start with, said for a person reading an error.
    pub fn signature_description(self) -> &'static str {
        match self {
            Self::Jpeg => "FF D8 FF",
            Self::Png => "89 50 4E 47 0D 0A 1A 0A",
            Self::Heic => "an ISO-BMFF 'ftyp' box with a HEIC/HEIF brand",
        }
    }
}

/// The accepted image kind these bytes are, if any.
pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if bytes.starts_with(&PNG_SIGNATURE) {
        Some(ImageKind::Png)
    } else if is_heif(bytes) {
        Some(ImageKind::Heic)
    } else {
        None
    }
}

/// Names a few formats Canvas does not accept, so an error can say what was sent.
pub fn describe_other(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("a GIF image")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("a WebP image")
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && AVIF_BRANDS.iter().any(|b| &bytes[8..12] == *b)
    {
        Some("an AVIF image")
    } else if bytes.starts_with(b"BM") {
        Some("a BMP image")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("a TIFF image")
    } else if bytes.starts_with(b"%PDF") {
        Some("a PDF document")
    } else {
        None
    }
}

/// True for an ISO-BMFF file whose leading `ftyp` box names a HEIC/HEIF brand, either
/// as the major brand or, unless it is AVIF, among the compatible brands.
fn is_heif(bytes: &[u8]) -> bool {
    if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    let declared = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    // size 0 means "to the end of the file"; anything under 16 cannot hold major + minor.
    let end = match declared {
        0 => bytes.len(),
        size if size >= 16 => size.min(bytes.len()),
        _ => return false,
    };
    let major = &bytes[8..12];
    if HEIF_BRANDS.iter().any(|b| major == *b) {
        return true;
    }
    if AVIF_BRANDS.iter().any(|b| major == *b) {
        return false;
    }
    bytes
        .get(16..end)
        .unwrap_or_default()
        .chunks_exact(4)
        .any(|brand| HEIF_BRANDS.iter().any(|b| brand == *b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut out = (size as u32).to_be_bytes().to_vec();
        out.extend_from_slice(b"ftyp");
        out.extend_from_slice(major);
        out.extend_from_slice(&[0, 0, 0, 0]);
        for brand in compatible {
            out.extend_from_slice(*brand);
        }
        out
    }

    #[test]
    fn recognises_each_accepted_kind() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(ImageKind::Jpeg));
        assert_eq!(sniff(&PNG_SIGNATURE), Some(ImageKind::Png));
        for brand in HEIF_BRANDS {
            assert_eq!(sniff(&ftyp(brand, &[])), Some(ImageKind::Heic), "{brand:?}");
        }
        assert_eq!(sniff(&ftyp(b"isom", &[b"mif1"])), Some(ImageKind::Heic));
    }

    #[test]
    fn refuses_lookalikes() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(&[0xFF, 0xD8]), None);
        assert_eq!(sniff(&ftyp(b"avif", &[b"mif1", b"miaf"])), None);
        assert_eq!(sniff(&ftyp(b"isom", &[b"mp41"])), None);
        assert_eq!(sniff(b"GIF89a..."), None);
        assert_eq!(describe_other(b"GIF89a..."), Some("a GIF image"));
        // A box size below the minimum is not an ftyp box.
        let mut bad = ftyp(b"heic", &[]);
        bad[3] = 8;
        assert_eq!(sniff(&bad), None);
    }

    #[test]
    fn content_types_are_exact() {
        assert_eq!(
            ImageKind::from_content_type("image/jpeg"),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            ImageKind::from_content_type("IMAGE/PNG"),
            Some(ImageKind::Png)
        );
        assert_eq!(ImageKind::from_content_type("image/jpg"), None);
        assert_eq!(ImageKind::from_content_type("image/gif"), None);
    }
}
