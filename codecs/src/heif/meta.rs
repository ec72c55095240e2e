//! The file-level `meta` box as plain data: the item list (`iinf`/`infe`), where each
//! item's bytes are (`iloc`, `idat`), and the primary item's size (`pitm`, `iprp` →
//! `ipco`/`ipma` → `ispe`, `irot`). Read strictly: the boxes HEIF requires must be there
//! once, versions must be known, counts must match; anything else is `corrupt-image`.

use std::ops::Range;

use super::boxes::{children, corrupt, single, BoxRef, Fail, Reader};

#[derive(Debug, Clone)]
pub(super) struct Item<'a> {
    pub id: u32,
    pub kind: [u8; 4],
    /// A `mime` item's content type, as written.
    pub content_type: &'a [u8],
    /// A `mime` item's content encoding (`deflate`, say); empty when none.
    pub content_encoding: &'a [u8],
}

#[derive(Debug, Clone)]
pub(super) struct Location {
    pub id: u32,
    /// 0: offsets into the file; 1: into the `idat` box; 2: into another item.
    pub construction: u8,
    pub data_reference: u16,
    pub base_offset: u64,
    /// (offset, length); a length of 0 means "to the end of the data".
    pub extents: Vec<(u64, u64)>,
}

#[derive(Debug, Clone)]
pub(super) struct Meta<'a> {
    pub items: Vec<Item<'a>>,
    pub locations: Vec<Location>,
    /// The body of `idat`, if there is one.
    pub idat: Option<Range<usize>>,
    /// The bodies of the top-level `mdat` boxes.
    pub mdats: Vec<Range<usize>>,
    /// The primary item's (width, height) as displayed (`ispe`, swapped by a quarter
    /// turn of `irot`), when the file states it.
    pub size: Option<(u32, u32)>,
}

/// Read the top level (`ftyp` first, then exactly one `meta`) and the `meta` box.
pub(super) fn read(bytes: &[u8]) -> Result<Meta<'_>, Fail> {
    let top = children(bytes, 0..bytes.len())?;
    if top.first().map(|b| &b.kind) != Some(b"ftyp") {
        return Err(corrupt("the file does not start with an ftyp box"));
    }
    let meta = single(&top, b"meta")?.ok_or_else(|| corrupt("no meta box"))?;
    let mut r = Reader::new(bytes, meta.body.clone())?;
    if r.full_box()?.0 != 0 {
        return Err(corrupt("unknown meta box version"));
    }
    let boxes = children(bytes, r.pos..meta.body.end)?;
    let required = |kind: &[u8; 4]| {
        single(&boxes, kind)?.ok_or_else(|| corrupt("the meta box lacks hdlr, pitm, iinf or iloc"))
    };
    let hdlr = required(b"hdlr")?;
    let mut h = Reader::new(bytes, hdlr.body.clone())?;
    h.full_box()?;
    h.skip(4)?; // pre_defined
    if &h.fourcc()? != b"pict" {
        return Err(corrupt(
            "the meta box is not a picture's (hdlr is not pict)",
        ));
    }
    let primary = read_pitm(bytes, required(b"pitm")?)?;
    let items = read_iinf(bytes, required(b"iinf")?)?;
    let locations = read_iloc(bytes, required(b"iloc")?)?;
    let idat = single(&boxes, b"idat")?.map(|b| b.body.clone());
    let size = match single(&boxes, b"iprp")? {
        Some(iprp) => primary_size(bytes, iprp, primary)?,
        None => None,
    };
    Ok(Meta {
        items,
        locations,
        idat,
        mdats: top
            .iter()
            .filter(|b| &b.kind == b"mdat")
            .map(|b| b.body.clone())
            .collect(),
        size,
    })
}

fn read_pitm(bytes: &[u8], pitm: &BoxRef) -> Result<u32, Fail> {
    let mut r = Reader::new(bytes, pitm.body.clone())?;
    match r.full_box()?.0 {
        0 => Ok(r.u16()?.into()),
        1 => r.u32(),
        _ => Err(corrupt("unknown pitm version")),
    }
}

fn read_iinf<'a>(bytes: &'a [u8], iinf: &BoxRef) -> Result<Vec<Item<'a>>, Fail> {
    let mut r = Reader::new(bytes, iinf.body.clone())?;
    let count = match r.full_box()?.0 {
        0 => u32::from(r.u16()?),
        _ => r.u32()?,
    };
    let entries = children(bytes, r.pos..iinf.body.end)?;
    if entries.len() as u64 != u64::from(count) || entries.iter().any(|b| &b.kind != b"infe") {
        return Err(corrupt("iinf's entry count does not match its infe boxes"));
    }
    let mut items: Vec<Item<'a>> = Vec::with_capacity(entries.len());
    for infe in &entries {
        let item = read_infe(bytes, infe)?;
        if items.iter().any(|i| i.id == item.id) {
            return Err(corrupt("two items have the same ID"));
        }
        items.push(item);
    }
    Ok(items)
}

fn read_infe<'a>(bytes: &'a [u8], infe: &BoxRef) -> Result<Item<'a>, Fail> {
    let mut r = Reader::new(bytes, infe.body.clone())?;
    let version = r.full_box()?.0;
    let id = match version {
        0..=2 => u32::from(r.u16()?),
        3 => r.u32()?,
        _ => return Err(corrupt("unknown infe version")),
    };
    r.skip(2)?; // item_protection_index
                // Versions 0 and 1 have no item type: their entries describe MIME content.
    let kind = if version >= 2 { r.fourcc()? } else { *b"mime" };
    r.cstring()?; // item_name
    let (mut content_type, mut content_encoding) = (&[][..], &[][..]);
    if &kind == b"mime" {
        content_type = r.cstring()?;
        // content_encoding is optional: absent when the box ends here.
        if r.more() {
            content_encoding = r.cstring()?;
        }
    }
    Ok(Item {
        id,
        kind,
        content_type,
        content_encoding,
    })
}

fn read_iloc(bytes: &[u8], iloc: &BoxRef) -> Result<Vec<Location>, Fail> {
    let mut r = Reader::new(bytes, iloc.body.clone())?;
    let version = r.full_box()?.0;
    if version > 2 {
        return Err(corrupt("unknown iloc version"));
    }
    let sizes = r.u8()?;
    let more = r.u8()?;
    let field = |n: u8| match n {
        0 | 4 | 8 => Ok(usize::from(n)),
        _ => Err(corrupt("an iloc field size is not 0, 4 or 8")),
    };
    let (offset_size, length_size) = (field(sizes >> 4)?, field(sizes & 15)?);
    let base_offset_size = field(more >> 4)?;
    let index_size = if version >= 1 { field(more & 15)? } else { 0 };
    let count = if version < 2 {
        u32::from(r.u16()?)
    } else {
        r.u32()?
    };
    let mut out: Vec<Location> = Vec::new();
    for _ in 0..count {
        let id = if version < 2 {
            u32::from(r.u16()?)
        } else {
            r.u32()?
        };
        let construction = if version >= 1 {
            (r.u16()? & 15) as u8
        } else {
            0
        };
        let data_reference = r.u16()?;
        let base_offset = r.uint(base_offset_size)?;
        let extent_count = r.u16()?;
        let mut extents = Vec::new();
        for _ in 0..extent_count {
            r.uint(index_size)?; // extent_index: only for construction method 2
            let offset = r.uint(offset_size)?;
            let length = r.uint(length_size)?;
            extents.push((offset, length));
        }
        if out.iter().any(|l| l.id == id) {
            return Err(corrupt("two iloc entries for one item"));
        }
        out.push(Location {
            id,
            construction,
            data_reference,
            base_offset,
            extents,
        });
    }
    Ok(out)
}

/// The primary item's displayed size: its `ispe`, with width and height swapped when
/// its `irot` turns it a quarter. `None` when it has no `ispe`.
fn primary_size(bytes: &[u8], iprp: &BoxRef, primary: u32) -> Result<Option<(u32, u32)>, Fail> {
    let boxes = children(bytes, iprp.body.clone())?;
    let (Some(ipco), Some(ipma)) = (
        single(&boxes, b"ipco")?,
        boxes.iter().find(|b| &b.kind == b"ipma"),
    ) else {
        return Ok(None);
    };
    let properties = children(bytes, ipco.body.clone())?;
    let mut r = Reader::new(bytes, ipma.body.clone())?;
    let (version, flags) = r.full_box()?;
    let entries = r.u32()?;
    let mut indices = Vec::new();
    for _ in 0..entries {
        let id = if version < 1 {
            u32::from(r.u16()?)
        } else {
            r.u32()?
        };
        let n = r.u8()?;
        for _ in 0..n {
            // The top bit says "essential"; the rest is a 1-based index into ipco (0: none).
            let index = if flags & 1 != 0 {
                usize::from(r.u16()? & 0x7FFF)
            } else {
                usize::from(r.u8()? & 0x7F)
            };
            if id == primary && index > 0 {
                indices.push(index);
            }
        }
    }
    let mut size = None;
    let mut quarter = false;
    for index in indices {
        let prop = properties
            .get(index - 1)
            .ok_or_else(|| corrupt("ipma names a property ipco does not have"))?;
        let mut p = Reader::new(bytes, prop.body.clone())?;
        match &prop.kind {
            b"ispe" => {
                p.full_box()?;
                size = Some((p.u32()?, p.u32()?));
            }
            b"irot" => quarter = p.u8()? & 1 == 1,
            _ => {}
        }
    }
    Ok(size.map(|(w, h)| if quarter { (h, w) } else { (w, h) }))
}
