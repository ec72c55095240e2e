//! What the WebP row tests share.

use std::io::Cursor;

use image_webp::{DecodingError, WebPDecoder};

/// Every row of `WebPDecoder::rows`, in order, in the channels `read_image` gives (checked
/// against the decoder's own alpha flag).
pub fn rows_of(webp: &[u8]) -> Result<Vec<u8>, DecodingError> {
    let mut d = WebPDecoder::new(Cursor::new(webp))?;
    let has_alpha = d.has_alpha();
    let rows = d.rows()?;
    let (w, h) = rows.dimensions();
    let ch = rows.channels();
    assert_eq!(ch, if has_alpha { 4 } else { 3 });
    let mut out = Vec::new();
    let mut next = 0;
    rows.decode(|y, row| {
        assert_eq!(y, next, "rows in order");
        assert_eq!(row.len(), w as usize * ch);
        next += 1;
        out.extend_from_slice(row);
    })?;
    assert_eq!(next, h, "every row");
    Ok(out)
}
