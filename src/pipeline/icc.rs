//! The source's ICC profile, with its colour tags only. A Display P3 photo must keep its
//! profile (without it the browser shows it as sRGB, dull), but a profile is free-form:
//! its description, copyright, header fields and any private tag may carry any text (a
//! name, a serial number), and so may the bytes between tags. So the profile is rebuilt
//! on zeros: the header without its vendor, device, creator and ID fields, a tag table of
//! the colour tags in numeric types only, and their data where it was; every other byte
//! stays zero. Description and copyright go too: colour engines (skcms in Chromium, qcms
//! in Firefox) read neither, and writing new ones cost ~1 KB of wasm. A profile that does
//! not parse, has no complete colour model or is larger than [`MAX_PROFILE`] is dropped:
//! the photo is then read as sRGB, as browsers read untagged JPEGs.

/// A matrix/TRC display profile is ~0.5-3 KB; LUT-based ones reach tens of KB. Larger is
/// no camera's or phone's, and would eat the photo's byte budget.
pub const MAX_PROFILE: usize = 64 * 1024;

/// Tags that define colour: the matrix/TRC model (the first six, needed together), gray,
/// the LUT-based transforms, white and black point, chromatic adaptation, code points.
const COLOUR_TAGS: [&[u8; 4]; 16] = [
    b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC", b"gTRC", b"bTRC", b"kTRC", b"A2B0", b"A2B1", b"B2A0",
    b"B2A1", b"wtpt", b"bkpt", b"chad", b"cicp", b"lumi",
];
/// Tag types that hold numbers only.
const NUMERIC_TYPES: [&[u8; 4]; 9] = [
    b"XYZ ", b"curv", b"para", b"sf32", b"mft1", b"mft2", b"mAB ", b"mBA ", b"cicp",
];

const HEADER: usize = 128;

/// The profile with its colour tags only, or `None` to drop it.
pub fn sanitize(profile: &[u8]) -> Option<Vec<u8>> {
    let size = be32(profile, 0)? as usize;
    if profile.len() > MAX_PROFILE || size < HEADER + 4 || size > profile.len() {
        return None;
    }
    if profile.get(36..40)? != b"acsp" {
        return None;
    }
    let mut out = vec![0u8; size];
    out[..HEADER].copy_from_slice(&profile[..HEADER]);
    // Preferred CMM, platform, flags, device manufacturer and model, attributes, creator,
    // profile ID (which no longer matches) and the reserved bytes: cleared. Size, version,
    // class, colour spaces, rendering intent and illuminant stay.
    out[4..8].fill(0);
    out[40..64].fill(0);
    out[80..HEADER].fill(0);
    let count = (be32(profile, HEADER)? as usize).min(100);
    let table_end = HEADER + 4 + 12 * count;
    let (mut kept, mut found) = (0usize, 0u32);
    for i in 0..count {
        let entry = profile.get(HEADER + 4 + 12 * i..HEADER + 16 + 12 * i)?;
        let (offset, len) = (be32(entry, 4)? as usize, be32(entry, 8)? as usize);
        // Data inside the table or past the end: not a profile to repair.
        let end = offset
            .checked_add(len)
            .filter(|&e| offset >= table_end && e <= size)?;
        let data = &profile[offset..end];
        let colour = COLOUR_TAGS.iter().position(|t| **t == entry[..4]);
        let numeric = data
            .get(..4)
            .is_some_and(|t| NUMERIC_TYPES.iter().any(|n| **n == *t));
        if let (Some(bit), true) = (colour, numeric) {
            let at = HEADER + 4 + 12 * kept;
            out[at..at + 12].copy_from_slice(entry);
            out[offset..end].copy_from_slice(data);
            kept += 1;
            found |= 1 << bit;
        }
    }
    // The table only shrank, and every tag's data lies after it.
    out[HEADER..HEADER + 4].copy_from_slice(&(kept as u32).to_be_bytes());
    let matrix = found & 0b11_1111 == 0b11_1111;
    (matrix || found & 0b1100_0000 != 0).then_some(out)
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKER: &[u8] = b"PATIENT-MARKER-7f3a";

    fn tag(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        [&kind[..], &[0; 4], body].concat()
    }

    /// A v2 matrix/TRC profile whose description, copyright, device fields and a private
    /// tag carry the marker.
    fn profile(version: u8) -> (Vec<u8>, Vec<u8>) {
        let xyz = |x: u32| {
            tag(
                b"XYZ ",
                &[
                    x.to_be_bytes(),
                    0x1_0000u32.to_be_bytes(),
                    7u32.to_be_bytes(),
                ]
                .concat(),
            )
        };
        let curve = tag(b"curv", &[0, 0, 0, 1, 2, 51]); // gamma 2.2
        let text = tag(b"text", &[MARKER, b"\0"].concat());
        let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
            (b"desc", text.clone()),
            (b"cprt", text.clone()),
            (b"rXYZ", xyz(0x6fa2)),
            (b"gXYZ", xyz(0x6299)),
            (b"bXYZ", xyz(0x24a0)),
            (b"wtpt", xyz(0xf351)),
            (b"rTRC", curve.clone()),
            (b"gTRC", curve.clone()),
            (b"bTRC", curve.clone()),
            (b"priv", text.clone()),
            (b"dmnd", text),
        ];
        let mut header = vec![0u8; HEADER];
        header[4..8].copy_from_slice(b"lcms");
        header[8] = version;
        header[12..16].copy_from_slice(b"mntr");
        header[16..20].copy_from_slice(b"RGB ");
        header[20..24].copy_from_slice(b"XYZ ");
        header[36..40].copy_from_slice(b"acsp");
        header[48..52].copy_from_slice(&MARKER[..4]);
        header[80..84].copy_from_slice(&MARKER[4..8]);
        let table_len = 4 + 12 * tags.len();
        let mut data = Vec::new();
        let mut table = (tags.len() as u32).to_be_bytes().to_vec();
        let mut written: Vec<(&Vec<u8>, usize)> = Vec::new();
        for (sig, body) in &tags {
            // Equal tags share their data, as rTRC, gTRC and bTRC often do.
            let offset = match written.iter().find(|(b, _)| *b == body) {
                Some(&(_, offset)) => offset,
                None => {
                    let offset = HEADER + table_len + data.len();
                    data.extend_from_slice(body);
                    written.push((body, offset));
                    offset
                }
            };
            table.extend_from_slice(&sig[..]);
            table.extend_from_slice(&(offset as u32).to_be_bytes());
            table.extend_from_slice(&(body.len() as u32).to_be_bytes());
        }
        let mut out = [header, table, data].concat();
        let len = out.len() as u32;
        out[0..4].copy_from_slice(&len.to_be_bytes());
        (out, xyz(0x6fa2))
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn colour_tags_stay_and_every_text_goes() {
        for version in [2, 4] {
            let (source, red) = profile(version);
            let clean = sanitize(&source).expect("kept");
            assert!(
                !contains(&clean, MARKER)
                    && !contains(&clean, &MARKER[..4])
                    && !contains(&clean, &MARKER[4..8])
            );
            assert!(contains(&clean, &red), "rXYZ kept byte for byte");
            assert_eq!(be32(&clean, 0), Some(clean.len() as u32));
            assert_eq!(&clean[36..40], b"acsp");
            let count = be32(&clean, HEADER).unwrap() as usize;
            let signatures: Vec<&[u8]> = (0..count)
                .map(|i| &clean[HEADER + 4 + 12 * i..][..4])
                .collect();
            assert_eq!(
                signatures,
                [
                    &b"rXYZ"[..],
                    b"gXYZ",
                    b"bXYZ",
                    b"wtpt",
                    b"rTRC",
                    b"gTRC",
                    b"bTRC"
                ]
            );
            let at = |i: usize| be32(&clean, HEADER + 4 + 12 * i + 4);
            assert_eq!((at(4), at(4)), (at(5), at(6)), "the curve stays shared");
            assert!(!contains(&clean, b"text"), "no text tag left");
        }
    }

    #[test]
    fn what_is_not_a_colour_profile_is_dropped() {
        let (source, _) = profile(2);
        assert_eq!(sanitize(&source[..100]), None, "truncated");
        let mut bad = source.clone();
        bad[36..40].copy_from_slice(b"xxxx");
        assert_eq!(sanitize(&bad), None, "no acsp");
        let mut huge = source.clone();
        huge.resize(MAX_PROFILE + 1, 0);
        let len = huge.len() as u32;
        huge[0..4].copy_from_slice(&len.to_be_bytes());
        assert_eq!(sanitize(&huge), None, "too large");
        // Colour tags in a text type are not colour.
        let mut texty = source;
        let at = HEADER
            + texty[HEADER..]
                .windows(4)
                .position(|w| w == b"XYZ ")
                .unwrap();
        texty[at..at + 4].copy_from_slice(b"text");
        assert_eq!(
            sanitize(&texty),
            None,
            "rXYZ as text: the matrix is incomplete"
        );
    }
}
