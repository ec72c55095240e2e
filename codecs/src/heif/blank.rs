//! Same-length replacements for a metadata item's payload: what a reader finds there
//! afterwards is well-formed and says nothing.

/// An Exif item's payload (ISO/IEC 23008-12 A.2.1): a 4-byte offset to the TIFF header,
/// then the TIFF structure. The blank keeps that shape with nothing in it: offset 0, a
/// big-endian TIFF header whose first IFD has no entries and no next IFD, then zeros.
/// Too short to hold that, it is all zeros.
pub(super) fn exif(len: usize) -> Vec<u8> {
    const EMPTY: [u8; 18] = [
        0, 0, 0, 0, // exif_tiff_header_offset: the TIFF header follows at once
        b'M', b'M', 0, 42, // big-endian TIFF, magic 42
        0, 0, 0, 8, // IFD0 right after the 8-byte header
        0, 0, // no entries
        0, 0, 0, 0, // no next IFD
    ];
    blank(len, &EMPTY, &[], 0)
}

/// An XMP item's payload: an empty XMP packet (no properties), padded with spaces inside
/// the packet as XMP allows; too short to hold that, all spaces. `encoded` (a content
/// encoding such as deflate): all zeros, since plain text there would be no valid stream.
pub(super) fn xmp(len: usize, encoded: bool) -> Vec<u8> {
    if encoded {
        return vec![0; len];
    }
    const HEAD: &[u8] = b"<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>\n";
    const TAIL: &[u8] = b"<?xpacket end=\"w\"?>";
    blank(len, HEAD, TAIL, b' ')
}

/// `head`, `fill` up to `len - tail.len()`, `tail`; all `fill` when `len` is too short.
fn blank(len: usize, head: &[u8], tail: &[u8], fill: u8) -> Vec<u8> {
    let mut out = vec![fill; len];
    if len >= head.len() + tail.len() {
        out[..head.len()].copy_from_slice(head);
        out[len - tail.len()..].copy_from_slice(tail);
    }
    out
}
