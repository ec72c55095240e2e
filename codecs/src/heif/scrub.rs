//! Find every Exif and XMP item, check where all their bytes are, then overwrite them.
//! Nothing is written unless every item's every extent checked out: a file is either
//! scrubbed whole or refused (so no half-scrubbed photo can leave with its GPS).

use std::ops::Range;

use super::blank;
use super::boxes::{corrupt, Fail};
use super::meta::{self, Location, Meta};
use crate::CodecError;

/// What [`scrub`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scrubbed {
    /// The primary image's size as displayed, from its `ispe` (and `irot`); 0 × 0 when
    /// the file does not state it.
    pub width: u32,
    pub height: u32,
    /// How many `Exif` items were blanked.
    pub exif_items: u32,
    /// How many XMP (`mime`, `application/rdf+xml`) items were blanked.
    pub xmp_items: u32,
    /// How many bytes were overwritten in all.
    pub bytes: u64,
}

/// Overwrite, in place and at the same length, the payload of every `Exif` item and
/// every XMP item of the HEIF/HEIC file `bytes` (see `blank` for what goes there). The
/// container must read cleanly and every extent of those items must lie inside an
/// `mdat` box (construction method 0) or the `idat` box (1), with no two overlapping;
/// otherwise `corrupt-image` (or `unsupported-format` for data kept elsewhere: another
/// file, another item), and `bytes` is left as it was.
pub fn scrub(bytes: &mut [u8]) -> Result<Scrubbed, CodecError> {
    scrub_checked(bytes).map_err(CodecError::from)
}

/// One item to blank: its extents in order, whether it is XMP, whether it is encoded.
type Plan = (Vec<Range<usize>>, bool, bool);

fn scrub_checked(bytes: &mut [u8]) -> Result<Scrubbed, Fail> {
    let (mut out, plans) = plan(bytes)?;
    for (ranges, xmp, encoded) in plans {
        let len = ranges.iter().map(|r| r.len()).sum();
        let blank = if xmp {
            blank::xmp(len, encoded)
        } else {
            blank::exif(len)
        };
        // The item's payload is its extents in order; the blank is laid across them so.
        let mut at = 0;
        for range in ranges {
            let n = range.len();
            bytes[range].copy_from_slice(&blank[at..at + n]);
            at += n;
        }
        out.bytes += len as u64;
    }
    Ok(out)
}

/// Everything checked before a byte is written: the items, their extents, no overlaps.
fn plan(bytes: &[u8]) -> Result<(Scrubbed, Vec<Plan>), Fail> {
    let meta = meta::read(bytes)?;
    let mut out = Scrubbed::default();
    if let Some((width, height)) = meta.size {
        (out.width, out.height) = (width, height);
    }
    let mut plans: Vec<Plan> = Vec::new();
    for item in &meta.items {
        let xmp = &item.kind == b"mime" && is_xmp(item.content_type);
        if &item.kind != b"Exif" && !xmp {
            continue;
        }
        let location = meta
            .locations
            .iter()
            .find(|l| l.id == item.id)
            .ok_or_else(|| corrupt("a metadata item has no location"))?;
        let ranges = extents(&meta, location, bytes.len())?;
        if xmp {
            out.xmp_items += 1;
        } else {
            out.exif_items += 1;
        }
        plans.push((ranges, xmp, !item.content_encoding.is_empty()));
    }
    // Pairwise: a handful of extents, and no sort (std's sorts are KBs of wasm).
    let all: Vec<&Range<usize>> = plans.iter().flat_map(|p| &p.0).collect();
    for (i, a) in all.iter().enumerate() {
        if all[i + 1..]
            .iter()
            .any(|b| a.start < b.end && b.start < a.end)
        {
            return Err(corrupt("two metadata extents overlap"));
        }
    }
    Ok((out, plans))
}

/// `application/rdf+xml`, in any case, with or without parameters.
fn is_xmp(content_type: &[u8]) -> bool {
    let essence = content_type
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default();
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(b"application/rdf+xml")
}

/// Where in the file each extent of `location` lies, checked.
fn extents(meta: &Meta, location: &Location, file_len: usize) -> Result<Vec<Range<usize>>, Fail> {
    if location.data_reference != 0 {
        return Err(Fail::Unsupported(
            "a metadata item's data is in another file",
        ));
    }
    let source = match location.construction {
        0 => 0..file_len,
        1 => meta
            .idat
            .clone()
            .ok_or_else(|| corrupt("an item is in idat, and there is no idat box"))?,
        2 => {
            return Err(Fail::Unsupported(
                "a metadata item is made from another item's data",
            ))
        }
        _ => return Err(corrupt("unknown iloc construction method")),
    };
    let source_len = (source.end - source.start) as u64;
    let mut out = Vec::with_capacity(location.extents.len());
    for &(offset, length) in &location.extents {
        let start = location
            .base_offset
            .checked_add(offset)
            .filter(|&s| s <= source_len)
            .ok_or_else(|| corrupt("an item's extent starts outside its data"))?;
        // Length 0: the rest of the data.
        let end = if length == 0 {
            source_len
        } else {
            start
                .checked_add(length)
                .filter(|&e| e <= source_len)
                .ok_or_else(|| corrupt("an item's extent runs past its data"))?
        };
        // Both within source_len, which is a usize.
        let range = source.start + start as usize..source.start + end as usize;
        if location.construction == 0
            && !meta
                .mdats
                .iter()
                .any(|m| m.start <= range.start && range.end <= m.end)
        {
            return Err(corrupt("a metadata extent lies outside the mdat boxes"));
        }
        out.push(range);
    }
    Ok(out)
}
