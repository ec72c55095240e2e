//! What `fetchContent` hands to a page: a JPEG, PNG or HEIC image (the types Canvas
//! stores), told by its bytes, never by the server's `Content-Type`. Anything else (an
//! SVG with script, HTML, an unknown type) is refused, so a page can show the Blob as an
//! image, or open it in a tab, without running what a server sent.

use super::ClientError;
use crate::pipeline::sniff::{sniff, Format};

/// How many leading bytes [`image_type`] looks at (a HEIF `ftyp` box with its brands).
pub const HEAD_BYTES: u32 = 64;

/// The MIME type to give the content whose first bytes are `head`.
pub fn image_type(status: u16, head: &[u8]) -> Result<&'static str, ClientError> {
    match sniff(head) {
        Ok(Format::Jpeg) => Ok("image/jpeg"),
        Ok(Format::Png) => Ok("image/png"),
        Ok(Format::Heif) => Ok("image/heic"),
        Ok(other) => Err(refused(status, other.name())),
        Err(_) => Err(refused(status, "not an image format")),
    }
}

fn refused(status: u16, what: &str) -> ClientError {
    ClientError::invalid_response(
        status,
        format!("the Media content is {what}, not a JPEG, PNG or HEIC image; it is not shown"),
    )
}

#[cfg(test)]
mod tests {
    use super::image_type;

    #[test]
    fn photos_get_their_type_from_their_bytes() {
        assert_eq!(
            image_type(200, &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Ok("image/jpeg")
        );
        assert_eq!(
            image_type(200, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Ok("image/png")
        );
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        assert_eq!(image_type(200, heic), Ok("image/heic"));
    }

    #[test]
    fn anything_else_is_refused_whatever_the_server_calls_it() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        for body in [
            &svg[..],
            b"<!doctype html><script>alert(1)</script>",
            b"GIF89a\x01\0\x01\0",
            b"",
        ] {
            let err = image_type(200, body).unwrap_err();
            assert_eq!(err.status(), 200);
            assert!(
                err.to_string().contains("not a JPEG, PNG or HEIC image"),
                "{err}"
            );
        }
    }
}
