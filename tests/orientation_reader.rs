//! Differential test of our EXIF Orientation reader (src/pipeline/orient.rs) against
//! kamadak-exif, the reference it must agree with: on the shared photos, on synthetic files
//! for every orientation, byte order and container, and on deterministic mutations and
//! truncations of real headers. Where kamadak-exif fails we must say 1; where it finds a
//! value in 1..=8 we must find the same one. The deliberate differences (see orient.rs)
//! are checked for what they are, not skipped.

mod support;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use fhir_media_capture::pipeline::orient::read_orientation;
use support::{push_chunk, XorShift};

/// What kamadak-exif reads: the Orientation of IFD0, 1 when the EXIF is
/// missing, broken or the value out of range.
fn kamadak(bytes: &[u8]) -> u8 {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return 1;
    };
    exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .filter(|v| (1..=8).contains(v))
        .map_or(1, |v| v as u8)
}

/// Whether a kamadak-style walk of a JPEG (resynchronising, through the scan data) finds
/// its first APP1 Exif segment only after an SOS: the one case where our reader, which
/// stops at the first SOS, says 1 and kamadak-exif may not.
fn jpeg_exif_after_sos(b: &[u8]) -> bool {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let (mut pos, mut after_sos) = (2, false);
    loop {
        let Some(ff) = b[pos.min(b.len())..].iter().position(|&x| x == 0xFF) else {
            return false;
        };
        pos += ff;
        while b.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&code) = b.get(pos) else {
            return false;
        };
        pos += 1;
        match code {
            0x00 | 0x01 | 0xD0..=0xD7 => continue,
            0xD8 | 0xD9 => return false,
            _ => {}
        }
        let Some(len) = b
            .get(pos..pos + 2)
            .map(|l| u16::from_be_bytes([l[0], l[1]]) as usize)
        else {
            return false;
        };
        let Some(seg) = len.checked_sub(2).and_then(|n| b.get(pos + 2..pos + 2 + n)) else {
            return false;
        };
        if code == 0xE1 && seg.starts_with(b"Exif\0\0") {
            return after_sos;
        }
        after_sos |= code == 0xDA;
        pos += len;
    }
}

#[derive(Default)]
struct Tally {
    checked: usize,
    found: usize,
    after_sos: usize,
}

/// Compare on one input; the only disagreement allowed is EXIF found after an SOS.
fn compare(what: &str, bytes: &[u8], tally: &mut Tally) {
    let (ours, theirs) = (read_orientation(bytes), kamadak(bytes));
    tally.checked += 1;
    if ours == theirs {
        tally.found += usize::from(ours != 1);
        return;
    }
    assert!(
        ours == 1 && jpeg_exif_after_sos(bytes),
        "{what}: ours {ours}, kamadak-exif {theirs}"
    );
    tally.after_sos += 1;
}

fn photos(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            photos(&p, out);
        } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            ["jpg", "jpeg", "png", "webp"].contains(&e.to_ascii_lowercase().as_str())
        }) {
            out.push(p);
        }
    }
}

fn shared_photos() -> Vec<(String, Vec<u8>)> {
    let mut paths = Vec::new();
    photos(&support::testdata(), &mut paths);
    if paths.is_empty() {
        eprintln!("SKIPPED: no photos under {}", support::testdata().display());
    }
    paths
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(&p).expect("read photo"),
            )
        })
        .collect()
}

/// A TIFF structure: IFD0 (width, Orientation `o` as `typ`, an Exif IFD pointer, a GPS
/// IFD pointer), the Exif IFD (with an Interop pointer), Interop and GPS IFDs, IFD1.
fn tiff(le: bool, o: u32, typ: u16) -> Vec<u8> {
    let u16b = |v: u16| if le { v.to_le_bytes() } else { v.to_be_bytes() };
    let u32b = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
    let mut t = Vec::new();
    t.extend_from_slice(if le { b"II" } else { b"MM" });
    t.extend_from_slice(&u16b(42));
    t.extend_from_slice(&u32b(8));
    let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: [u8; 4]| {
        t.extend_from_slice(&u16b(tag));
        t.extend_from_slice(&u16b(typ));
        t.extend_from_slice(&u32b(count));
        t.extend_from_slice(&value);
    };
    let short = |v: u16| {
        let mut f = [0; 4];
        f[..2].copy_from_slice(&u16b(v));
        f
    };
    // Offsets: IFD0 at 8 (4 entries: 2+48+4 = 54) → Exif at 62 (2 entries: 30) → Interop
    // at 92 (1 entry: 18) → GPS at 110 (1 entry: 18) → IFD1 at 128 (1 entry: 18).
    t.extend_from_slice(&u16b(4));
    entry(&mut t, 0x0100, 3, 1, short(640)); // ImageWidth
    let value = match typ {
        1 => [o as u8, 0, 0, 0],
        4 => u32b(o),
        _ => short(o as u16),
    };
    entry(&mut t, 0x0112, typ, 1, value);
    entry(&mut t, 0x8769, 4, 1, u32b(62));
    entry(&mut t, 0x8825, 4, 1, u32b(110));
    t.extend_from_slice(&u32b(128));
    assert_eq!(t.len(), 62);
    t.extend_from_slice(&u16b(2));
    entry(&mut t, 0x9000, 7, 4, *b"0232"); // ExifVersion
    entry(&mut t, 0xA005, 4, 1, u32b(92));
    t.extend_from_slice(&u32b(0));
    t.extend_from_slice(&u16b(1));
    entry(&mut t, 0x0001, 2, 4, *b"R98\0"); // InteroperabilityIndex
    t.extend_from_slice(&u32b(0));
    t.extend_from_slice(&u16b(1));
    entry(&mut t, 0x0000, 1, 4, [2, 3, 0, 0]); // GPSVersionID
    t.extend_from_slice(&u32b(0));
    assert_eq!(t.len(), 128);
    t.extend_from_slice(&u16b(1));
    entry(&mut t, 0x0103, 3, 1, short(6)); // Compression (thumbnail)
    t.extend_from_slice(&u32b(0));
    t
}

fn jpeg(tiff: &[u8]) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    // APP0 JFIF, then fill bytes before the APP1 marker.
    j.extend_from_slice(&[0xFF, 0xE0, 0, 16]);
    j.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    j.extend_from_slice(&[0xFF, 0xFF, 0xE1]);
    j.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    j.extend_from_slice(b"Exif\0\0");
    j.extend_from_slice(tiff);
    j.extend_from_slice(&[0xFF, 0xDB, 0, 3, 0]); // a segment of another kind
    j.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD9]);
    j
}

fn png(tiff: &[u8]) -> Vec<u8> {
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    push_chunk(&mut p, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
    push_chunk(&mut p, b"eXIf", tiff);
    push_chunk(&mut p, b"IEND", &[]);
    p
}

fn webp(payload: &[u8]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        body.extend_from_slice(kind);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    };
    chunk(b"VP8X", &[8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    chunk(b"ICCP", &[1, 2, 3]); // odd: padded
    chunk(b"EXIF", payload);
    let mut w = b"RIFF".to_vec();
    w.extend_from_slice(&(body.len() as u32).to_le_bytes());
    w.extend_from_slice(&body);
    w
}

fn synthetic() -> Vec<(String, Vec<u8>, u8)> {
    let mut out = Vec::new();
    for le in [true, false] {
        for o in 1..=8u32 {
            for (typ, name) in [(3, "SHORT"), (1, "BYTE"), (4, "LONG")] {
                let t = tiff(le, o, typ);
                let order = if le { "II" } else { "MM" };
                out.push((format!("JPEG {order} {name} {o}"), jpeg(&t), o as u8));
                out.push((format!("PNG {order} {name} {o}"), png(&t), o as u8));
                out.push((format!("WebP {order} {name} {o}"), webp(&t), o as u8));
            }
        }
    }
    out
}

#[test]
fn shared_photos_agree() {
    let mut tally = Tally::default();
    for (name, bytes) in shared_photos() {
        compare(&name, &bytes, &mut tally);
        // The orient_* photos are named after their tag.
        if let Some(n) = name.strip_suffix(".jpg").and_then(|s| s.rsplit('_').next()) {
            if name.contains("orient_") {
                assert_eq!(read_orientation(&bytes).to_string(), n, "{name}");
            }
        }
    }
    assert_eq!(tally.after_sos, 0);
    eprintln!(
        "{} photos, {} with an orientation other than 1",
        tally.checked, tally.found
    );
}

#[test]
fn synthetic_files_all_orientations_orders_and_containers() {
    let mut tally = Tally::default();
    for (name, bytes, o) in synthetic() {
        assert_eq!(read_orientation(&bytes), o, "{name}");
        compare(&name, &bytes, &mut tally);
    }
    assert_eq!(tally.found, 2 * 7 * 3 * 3);
}

#[test]
fn webp_exif_with_the_exif_prefix_is_read() {
    // Some writers prefix the WebP EXIF chunk like a JPEG APP1; kamadak-exif then fails
    // ("Invalid TIFF byte order") and said 1. We read it: a deliberate difference.
    for le in [true, false] {
        for o in 1..=8u32 {
            let mut payload = b"Exif\0\0".to_vec();
            payload.extend_from_slice(&tiff(le, o, 3));
            let w = webp(&payload);
            assert_eq!(read_orientation(&w), o as u8);
            assert_eq!(kamadak(&w), 1);
        }
    }
}

#[test]
fn out_of_range_and_odd_values_give_1() {
    for o in [0, 9, 255, 0x1_0000] {
        let t = tiff(true, o, 4);
        assert_eq!(read_orientation(&jpeg(&t)), 1, "{o}");
        assert_eq!(kamadak(&jpeg(&t)), 1, "{o}");
    }
    // SSHORT is not an unsigned type: kamadak-exif ignores it, so do we.
    let t = tiff(false, 6, 8);
    assert_eq!(read_orientation(&jpeg(&t)), 1);
    assert_eq!(kamadak(&jpeg(&t)), 1);
    for b in [
        &b""[..],
        b"\xFF",
        b"\xFF\xD8",
        b"\xFF\xD8\xFF",
        b"RIFF",
        b"\x89PNG",
    ] {
        assert_eq!(read_orientation(b), 1);
    }
}

#[test]
fn exif_after_the_first_sos_is_not_read() {
    // kamadak-exif scans through the image data; we stop at SOS (documented).
    let t = tiff(true, 6, 3);
    let j = jpeg(&t);
    let app1 = 2 + 18;
    let app1_end = app1 + 3 + 2 + 6 + t.len(); // fill byte, marker, length, ID
    let mut late = j[..app1].to_vec();
    late.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0x55]);
    late.extend_from_slice(&j[app1..app1_end]);
    late.extend_from_slice(&[0xFF, 0xD9]);
    assert_eq!(kamadak(&late), 6);
    assert_eq!(read_orientation(&late), 1);
    assert!(jpeg_exif_after_sos(&late));
}

/// Where the TIFF structure starts (after "Exif\0\0"), to aim most mutations at it.
fn tiff_start(b: &[u8]) -> usize {
    b.windows(6)
        .position(|w| w == b"Exif\0\0")
        .map_or(0, |p| p + 6)
}

fn mutate(rng: &mut XorShift, base: &[u8]) -> Vec<u8> {
    let mut m = base.to_vec();
    let start = tiff_start(base);
    match rng.below(4) {
        // Truncate anywhere.
        0 => m.truncate(rng.below(m.len() + 1)),
        // Truncate within the first KB of the TIFF structure.
        1 => m.truncate((start + rng.below(1024)).min(m.len())),
        // Change 1..=4 bytes, mostly in the IFDs and their header.
        _ => {
            for _ in 0..=rng.below(4) {
                let at = if rng.below(8) == 0 {
                    rng.below(m.len())
                } else {
                    (start.saturating_sub(12) + rng.below(268)).min(m.len() - 1)
                };
                m[at] = match rng.below(4) {
                    0 => 0,
                    1 => 0xFF,
                    2 => rng.below(13) as u8,
                    _ => rng.byte(),
                };
            }
        }
    }
    m
}

#[test]
fn mutations_and_truncations_agree() {
    let mut bases: Vec<(String, Vec<u8>)> = shared_photos()
        .into_iter()
        .map(|(n, b)| (n, b[..b.len().min(64 * 1024)].to_vec()))
        .collect();
    bases.extend(synthetic().into_iter().map(|(n, b, _)| (n, b)));
    let mut rng = XorShift(0x9E37_79B9);
    let mut tally = Tally::default();
    // Mutants of an oriented file that both readers refuse (they say 1): the error
    // paths are exercised, not only the happy one.
    let mut refused = 0;
    for (name, base) in &bases {
        compare(name, base, &mut tally);
        let oriented = read_orientation(base) != 1;
        let rounds = if name.contains('/') { 400 } else { 40 };
        for i in 0..rounds {
            let m = mutate(&mut rng, base);
            compare(&format!("{name} mutation {i}"), &m, &mut tally);
            refused += usize::from(oriented && read_orientation(&m) == 1);
        }
    }
    eprintln!(
        "{} inputs compared; {} with an orientation other than 1; {refused} mutants of \
         oriented files refused; {} with EXIF after SOS (kamadak-exif reads it, we do not)",
        tally.checked, tally.found, tally.after_sos
    );
    assert!(tally.checked >= 3_000 && refused >= 500);
}
