//! heif::scrub (keep mode): the real HEIC/HEIF photos of ../shared/testdata lose their
//! Exif and XMP and nothing else, and synthetic containers cover what those do not use
//! (idat, several extents, 8-byte offsets, iloc versions 0 and 2, base offsets) and every
//! way a container can be wrong, each a typed error and the bytes left as they were.

use std::path::PathBuf;

use fhir_media_codecs::heif::{scrub, Scrubbed};
use fhir_media_codecs::CodecError;

/// `../shared/testdata/photos/heic` (or under `$FHIR_TESTDATA`).
fn heic_dir() -> PathBuf {
    std::env::var_os("FHIR_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/testdata"
            ))
        })
        .join("photos/heic")
}

fn real_photos() -> Vec<(String, Vec<u8>)> {
    let dir = heic_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("read photo"))
        })
        .collect();
    out.sort();
    assert_eq!(out.len(), 3, "the three HEIC/HEIF photos of the issue");
    out
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn real_photos_lose_exif_and_xmp_and_nothing_else() {
    for (name, original) in real_photos() {
        let mut bytes = original.clone();
        let s = scrub(&mut bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(bytes.len(), original.len(), "{name}: same length");
        assert!(s.exif_items >= 1, "{name}: {s:?}");
        assert!(s.width > 0 && s.height > 0, "{name}: {s:?}");
        let iphone = name.to_ascii_lowercase().starts_with("iphone");
        assert_eq!(s.xmp_items, u32::from(iphone), "{name}: {s:?}");
        // What changed held a TIFF header (the Exif payload) and holds none now.
        let first = original
            .iter()
            .zip(&bytes)
            .position(|(a, b)| a != b)
            .expect("a change");
        let last = original.len()
            - original
                .iter()
                .rev()
                .zip(bytes.iter().rev())
                .position(|(a, b)| a != b)
                .expect("a change");
        let tiff = |b: &[u8]| find(b, b"MM\0*\0\0\0\x08\0") || find(b, b"II*\0\x08\0\0\0");
        assert!(tiff(&original[first..last]), "{name}");
        assert!(!find(&bytes[first..last], b"II*\0\x08\0\0\0"), "{name}");
        assert!(
            !find(&bytes[first..last], b"MM\0*\0\0\0\x08\0\x00\x01"),
            "{name}"
        );
        if iphone {
            assert!(find(&original, b"rdf:Description"), "{name}");
            assert!(!find(&bytes, b"rdf:Description"), "{name}");
        }
        // Only the metadata changed: at most s.bytes bytes differ.
        let changed = original.iter().zip(&bytes).filter(|(a, b)| a != b).count() as u64;
        assert!(
            changed > 0 && changed <= s.bytes,
            "{name}: {changed} changed, {s:?}"
        );
        // Scrubbing the result changes nothing more.
        let mut again = bytes.clone();
        assert_eq!(scrub(&mut again).map(|t| t.bytes), Ok(s.bytes), "{name}");
        assert_eq!(again, bytes, "{name}: idempotent");
    }
}

#[test]
fn primary_size_is_the_displayed_one() {
    for (name, original) in real_photos() {
        let s = scrub(&mut original.clone()).expect("scrub");
        // 12 MP (the iPhones) and 16 MP (the Nokia) photos, stored as grids of tiles.
        let pixels = u64::from(s.width) * u64::from(s.height);
        assert!((8_000_000..=17_000_000).contains(&pixels), "{name}: {s:?}");
    }
}

// ---- synthetic containers ----

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

fn full(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut b = ((u32::from(version) << 24) | flags).to_be_bytes().to_vec();
    b.extend_from_slice(body);
    bx(kind, &b)
}

fn uint(v: u64, size: usize) -> Vec<u8> {
    v.to_be_bytes()[8 - size..].to_vec()
}

/// An item's location: construction method, base offset, (offset, length) extents.
#[derive(Clone)]
struct Loc {
    id: u32,
    construction: u8,
    data_reference: u16,
    base: u64,
    extents: Vec<(u64, u64)>,
}

/// How to lay out the test file.
#[derive(Clone)]
struct Layout {
    iloc_version: u8,
    offset_size: usize,
    length_size: usize,
    base_size: usize,
    index_size: usize,
    /// Where each item's data is, relative to the mdat body / the idat body; turned into
    /// file offsets for construction method 0 by `build`.
    locs: Vec<Loc>,
    idat: Vec<u8>,
    mdat: Vec<u8>,
    xmp_type: &'static [u8],
}

const EXIF: &[u8] =
    b"\0\0\0\x06Exif\0\0MM\0*\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1aGPS-SECRET-PLACE";
const XMP: &[u8] = b"<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description exif:GPSLatitude='SECRET'/></rdf:RDF></x:xmpmeta><?xpacket end='w'?>";

fn layout() -> Layout {
    let mut mdat = b"PICTURE-DATA".to_vec();
    let exif_at = mdat.len() as u64;
    mdat.extend_from_slice(EXIF);
    let xmp_at = mdat.len() as u64;
    mdat.extend_from_slice(XMP);
    Layout {
        iloc_version: 1,
        offset_size: 4,
        length_size: 4,
        base_size: 0,
        index_size: 0,
        locs: vec![
            Loc {
                id: 1,
                construction: 0,
                data_reference: 0,
                base: 0,
                extents: vec![(exif_at, EXIF.len() as u64)],
            },
            Loc {
                id: 2,
                construction: 0,
                data_reference: 0,
                base: 0,
                extents: vec![(xmp_at, XMP.len() as u64)],
            },
            Loc {
                id: 3,
                construction: 0,
                data_reference: 0,
                base: 0,
                extents: vec![(0, 12)],
            },
        ],
        idat: Vec::new(),
        mdat,
        xmp_type: b"application/rdf+xml",
    }
}

/// The file, with construction-0 offsets made absolute (added to the base offset when
/// there is a base-offset field, else to each extent offset).
fn build(l: &Layout) -> Vec<u8> {
    let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
    let mut hdlr_body = vec![0u8; 4];
    hdlr_body.extend_from_slice(b"pict");
    hdlr_body.extend_from_slice(&[0; 12]);
    hdlr_body.push(0);
    let hdlr = full(b"hdlr", 0, 0, &hdlr_body);
    let pitm = full(b"pitm", 0, 0, &3u16.to_be_bytes());
    let infe = |id: u16, kind: &[u8; 4], extra: &[u8]| {
        let mut b = id.to_be_bytes().to_vec();
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(kind);
        b.push(0); // name
        b.extend_from_slice(extra);
        full(b"infe", 2, 0, &b)
    };
    let mut xmp_extra = l.xmp_type.to_vec();
    xmp_extra.push(0);
    let mut iinf_body = 3u16.to_be_bytes().to_vec();
    iinf_body.extend(infe(1, b"Exif", &[]));
    iinf_body.extend(infe(2, b"mime", &xmp_extra));
    iinf_body.extend(infe(3, b"hvc1", &[]));
    let iinf = full(b"iinf", 0, 0, &iinf_body);
    let mut ipco = bx(
        b"ipco",
        &full(b"ispe", 0, 0, &[0, 0, 0x0F, 0xC0, 0, 0, 0x0B, 0xD0]),
    );
    ipco.extend(bx(b"irot", &[1]));
    let ipco = bx(b"ipco", &ipco[8..]);
    let ipma = full(b"ipma", 0, 0, &[0, 0, 0, 1, 0, 3, 2, 0x81, 0x02]);
    let mut iprp_body = ipco;
    iprp_body.extend(ipma);
    let iprp = bx(b"iprp", &iprp_body);
    let idat = if l.idat.is_empty() {
        Vec::new()
    } else {
        bx(b"idat", &l.idat)
    };
    // Two passes: the mdat's offset depends on the iloc's size, which does not depend on
    // the offsets' values.
    let meta_with = |mdat_at: u64| {
        let mut b = vec![
            (l.offset_size << 4 | l.length_size) as u8,
            (l.base_size << 4 | l.index_size) as u8,
        ];
        if l.iloc_version < 2 {
            b.extend((l.locs.len() as u16).to_be_bytes());
        } else {
            b.extend((l.locs.len() as u32).to_be_bytes());
        }
        for loc in &l.locs {
            if l.iloc_version < 2 {
                b.extend((loc.id as u16).to_be_bytes());
            } else {
                b.extend(loc.id.to_be_bytes());
            }
            if l.iloc_version >= 1 {
                b.extend(u16::from(loc.construction).to_be_bytes());
            }
            b.extend(loc.data_reference.to_be_bytes());
            let shift = if loc.construction == 0 { mdat_at } else { 0 };
            let (base, per_extent) = if l.base_size > 0 {
                (loc.base + shift, 0)
            } else {
                (loc.base, shift)
            };
            b.extend(uint(base, l.base_size));
            b.extend((loc.extents.len() as u16).to_be_bytes());
            for &(o, n) in &loc.extents {
                b.extend(uint(0, l.index_size));
                b.extend(uint(o.wrapping_add(per_extent), l.offset_size));
                b.extend(uint(n, l.length_size));
            }
        }
        let iloc = full(b"iloc", l.iloc_version, 0, &b);
        let mut meta_body = hdlr.clone();
        for part in [&pitm, &iinf, &iprp, &iloc, &idat] {
            meta_body.extend_from_slice(part);
        }
        full(b"meta", 0, 0, &meta_body)
    };
    let meta_len = meta_with(0).len();
    let mdat_at = (ftyp.len() + meta_len + 8) as u64;
    let mut file = ftyp;
    file.extend(meta_with(mdat_at));
    file.extend(bx(b"mdat", &l.mdat));
    file
}

fn scrubbed(l: &Layout) -> (Vec<u8>, Result<Scrubbed, CodecError>) {
    let mut bytes = build(l);
    let result = scrub(&mut bytes);
    (bytes, result)
}

fn assert_clean(l: &Layout) -> Scrubbed {
    let original = build(l);
    let (bytes, result) = scrubbed(l);
    let s = result.expect("scrub");
    assert_eq!(bytes.len(), original.len());
    assert!(!find(&bytes, b"SECRET"), "a secret is left");
    assert!(find(&bytes, b"PICTURE-DATA"), "the picture is untouched");
    s
}

fn refused(l: &Layout) -> CodecError {
    let original = build(l);
    let (bytes, result) = scrubbed(l);
    assert_eq!(bytes, original, "a refused file is left as it was");
    result.expect_err("refused")
}

#[test]
fn synthetic_file_is_scrubbed_with_size_and_rotation() {
    let s = assert_clean(&layout());
    // ispe 4032 × 3024, irot a quarter turn: displayed 3024 × 4032.
    assert_eq!((s.width, s.height), (3024, 4032));
    assert_eq!((s.exif_items, s.xmp_items), (1, 1));
    assert_eq!(s.bytes, (EXIF.len() + XMP.len()) as u64);
}

#[test]
fn blanks_are_well_formed() {
    let l = layout();
    let (bytes, _) = scrubbed(&l);
    let at = |needle: &[u8]| {
        build(&l)
            .windows(needle.len())
            .position(|w| w == needle)
            .expect("in file")
    };
    let exif = &bytes[at(EXIF)..at(EXIF) + EXIF.len()];
    // TIFF header offset 0, then an empty big-endian IFD0.
    assert_eq!(&exif[..18], b"\0\0\0\0MM\0*\0\0\0\x08\0\0\0\0\0\0");
    assert!(exif[18..].iter().all(|&b| b == 0));
    let xmp = std::str::from_utf8(&bytes[at(XMP)..at(XMP) + XMP.len()]).expect("utf-8");
    assert!(xmp.starts_with("<?xpacket begin="), "{xmp}");
    assert!(xmp.ends_with("<?xpacket end=\"w\"?>"), "{xmp}");
}

#[test]
fn xmp_content_type_in_any_case_with_parameters() {
    let mut l = layout();
    l.xmp_type = b"Application/RDF+XML; charset=utf-8";
    assert_eq!(assert_clean(&l).xmp_items, 1);
}

#[test]
fn other_mime_items_are_left() {
    let mut l = layout();
    l.xmp_type = b"text/plain";
    let (bytes, result) = scrubbed(&l);
    assert_eq!(result.expect("scrub").xmp_items, 0);
    assert!(find(&bytes, b"exif:GPSLatitude"));
}

#[test]
fn iloc_versions_and_field_sizes() {
    for version in [0u8, 1, 2] {
        for (offset_size, length_size, base_size) in [(4, 4, 0), (8, 8, 0), (8, 4, 8), (4, 8, 4)] {
            let mut l = layout();
            l.iloc_version = version;
            (l.offset_size, l.length_size, l.base_size) = (offset_size, length_size, base_size);
            let s = assert_clean(&l);
            assert_eq!(
                (s.exif_items, s.xmp_items),
                (1, 1),
                "v{version} {offset_size}/{length_size}/{base_size}"
            );
        }
    }
}

#[test]
fn no_offset_or_length_fields_mean_base_to_the_end() {
    // Offset and length sizes 0: each item's data starts at its base offset and runs to
    // the end of the file. The Exif payload goes last; the XMP-like item before it is
    // text/plain here, so it is not scrubbed (and its range is not checked).
    let mut l = layout();
    (l.offset_size, l.length_size, l.base_size) = (0, 0, 8);
    l.xmp_type = b"text/plain";
    l.mdat = [b"PICTURE-DATA".as_slice(), XMP, EXIF].concat();
    let exif_at = (12 + XMP.len()) as u64;
    l.locs = vec![
        Loc {
            id: 1,
            construction: 0,
            data_reference: 0,
            base: exif_at,
            extents: vec![(0, 0)],
        },
        Loc {
            id: 2,
            construction: 0,
            data_reference: 0,
            base: 12,
            extents: vec![(0, 0)],
        },
        Loc {
            id: 3,
            construction: 0,
            data_reference: 0,
            base: 0,
            extents: vec![(0, 0)],
        },
    ];
    let (bytes, result) = scrubbed(&l);
    let s = result.expect("scrub");
    assert_eq!(
        (s.exif_items, s.xmp_items, s.bytes),
        (1, 0, EXIF.len() as u64)
    );
    assert!(!find(&bytes, b"GPS-SECRET-PLACE"));
    assert!(
        find(&bytes, b"exif:GPSLatitude"),
        "the text/plain item is not XMP"
    );
}

#[test]
fn exif_in_idat_is_scrubbed() {
    let mut l = layout();
    l.idat = [b"GRID".as_slice(), EXIF].concat();
    l.locs[0] = Loc {
        id: 1,
        construction: 1,
        data_reference: 0,
        base: 0,
        extents: vec![(4, EXIF.len() as u64)],
    };
    let (bytes, result) = scrubbed(&l);
    result.expect("scrub");
    assert!(find(&bytes, b"GRID"), "the rest of idat is kept");
    // The mdat still holds a copy of EXIF, no item's any more: look in idat only.
    let idat_at = build(&l)
        .windows(4)
        .position(|w| w == b"GRID")
        .expect("idat");
    assert!(!find(&bytes[idat_at..idat_at + 4 + EXIF.len()], b"SECRET"));
}

#[test]
fn several_extents_with_a_base_offset() {
    let mut l = layout();
    l.base_size = 4;
    let exif_at = 12u64;
    // The Exif payload in three pieces, relative to a base of exif_at.
    l.locs[0] = Loc {
        id: 1,
        construction: 0,
        data_reference: 0,
        base: exif_at,
        extents: vec![(0, 10), (10, 20), (30, EXIF.len() as u64 - 30)],
    };
    let s = assert_clean(&l);
    assert_eq!(s.bytes, (EXIF.len() + XMP.len()) as u64);
    // The blank runs across the pieces in order: the TIFF header lands at 4..8.
    let (bytes, _) = scrubbed(&l);
    let at = build(&l)
        .windows(EXIF.len())
        .position(|w| w == EXIF)
        .expect("exif");
    assert_eq!(&bytes[at..at + 8], b"\0\0\0\0MM\0*");
}

#[test]
fn out_of_range_and_overlapping_extents_are_refused() {
    let mut past = layout();
    past.locs[0].extents = vec![(12, 10_000)];
    assert!(matches!(refused(&past), CodecError::Corrupt(_)));

    let mut overflow = layout();
    overflow.offset_size = 8;
    overflow.length_size = 8;
    overflow.locs[0].extents = vec![(u64::MAX - 4, 8)];
    assert!(matches!(refused(&overflow), CodecError::Corrupt(_)));

    let mut overlap = layout();
    overlap.locs[1].extents = vec![(20, 40)]; // into the Exif payload
    assert!(matches!(refused(&overlap), CodecError::Corrupt(_)));

    let mut self_overlap = layout();
    self_overlap.locs[0].extents = vec![(12, 20), (20, 10)];
    assert!(matches!(refused(&self_overlap), CodecError::Corrupt(_)));

    // An extent over the meta box (before the mdat): the structure is not metadata.
    let mut in_meta = layout();
    in_meta.base_size = 8;
    in_meta.locs[0].base = 0;
    in_meta.locs[0].extents = vec![(0, 8)];
    let mut file = build(&in_meta);
    // Point it at the file's start: base = -(mdat_at) is not expressible, so patch the
    // iloc directly: find our base field (mdat_at as 8 bytes) and zero it.
    let mdat_at = (file.len() - in_meta.mdat.len()) as u64;
    let pos = file
        .windows(8)
        .position(|w| w == mdat_at.to_be_bytes())
        .expect("base field");
    file[pos..pos + 8].copy_from_slice(&0u64.to_be_bytes());
    let original = file.clone();
    assert!(matches!(scrub(&mut file), Err(CodecError::Corrupt(_))));
    assert_eq!(file, original);

    let mut no_idat = layout();
    no_idat.locs[0].construction = 1;
    assert!(matches!(refused(&no_idat), CodecError::Corrupt(_)));

    let mut idat_past = layout();
    idat_past.idat = b"GRID".to_vec();
    idat_past.locs[0] = Loc {
        id: 1,
        construction: 1,
        data_reference: 0,
        base: 0,
        extents: vec![(2, 4)],
    };
    assert!(matches!(refused(&idat_past), CodecError::Corrupt(_)));
}

#[test]
fn data_elsewhere_is_unsupported() {
    let mut other_file = layout();
    other_file.locs[0].data_reference = 1;
    assert!(matches!(refused(&other_file), CodecError::Unsupported(_)));

    let mut other_item = layout();
    other_item.locs[0].construction = 2;
    assert!(matches!(refused(&other_item), CodecError::Unsupported(_)));

    let mut unknown = layout();
    unknown.locs[0].construction = 5;
    assert!(matches!(refused(&unknown), CodecError::Corrupt(_)));
}

#[test]
fn metadata_item_without_location_is_refused() {
    let mut l = layout();
    l.locs.remove(0);
    assert!(matches!(refused(&l), CodecError::Corrupt(_)));
}

#[test]
fn every_truncation_is_a_typed_error() {
    let file = build(&layout());
    for len in 0..file.len() {
        let mut cut = file[..len].to_vec();
        let original = cut.clone();
        match scrub(&mut cut) {
            // Cut inside the mdat body only: the box size then overruns: still an error.
            Ok(s) => panic!("a file cut at {len} of {} was accepted: {s:?}", file.len()),
            Err(CodecError::Corrupt(_)) => assert_eq!(cut, original, "cut at {len}"),
            Err(e) => panic!("cut at {len}: {e:?}"),
        }
    }
}

#[test]
fn every_single_byte_change_is_handled() {
    // No panic, and a refused file is left as it was.
    let file = build(&layout());
    for i in 0..file.len() {
        for v in [0u8, 1, 0x7F, 0x80, 0xFF] {
            let mut bytes = file.clone();
            bytes[i] = v;
            let original = bytes.clone();
            if scrub(&mut bytes).is_err() {
                assert_eq!(bytes, original, "byte {i} = {v}");
            }
        }
    }
}

#[test]
fn structural_errors_are_typed() {
    let file = build(&layout());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("no ftyp first", [bx(b"free", b""), file.clone()].concat()),
        ("two meta", {
            let meta_at = 24usize;
            let meta_len =
                u32::from_be_bytes(file[meta_at..meta_at + 4].try_into().unwrap()) as usize;
            let mut f = file.clone();
            f.splice(meta_at..meta_at, file[meta_at..meta_at + meta_len].to_vec());
            f
        }),
        (
            "box size below its header",
            [file[..24].to_vec(), vec![0, 0, 0, 4], b"free".to_vec()].concat(),
        ),
        ("trailing 3 bytes", [file.clone(), vec![0, 0, 0]].concat()),
    ];
    for (what, mut bytes) in cases {
        assert!(
            matches!(scrub(&mut bytes), Err(CodecError::Corrupt(_))),
            "{what}"
        );
    }
}
