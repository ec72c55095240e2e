//! The vendored entropy decoder (`HuffmanDecoder::decode_block`, libjpeg-turbo's
//! `decode_mcu_fast` manner) against upstream 0.3.2 on the streams the shared photos do not
//! have: progressive with successive approximation and EOB runs, restart markers after every
//! MCU, and truncated and mutated files (markers and ends mid-block, bad codes), where both
//! must fail or both give the same pixels. The variants are made losslessly by libjpeg-turbo's
//! `jpegtran` (scripts/setup.sh installs it with djpeg).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::{Command, Stdio};

mod support;

fn photo(name: &str) -> Vec<u8> {
    let path = support::photos_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (set FHIR_TESTDATA)", path.display()))
}

fn jpegtran(args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("jpegtran")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("jpegtran (libjpeg-turbo-progs; scripts/setup.sh installs it)");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "jpegtran {args:?} failed");
    out.stdout
}

type Outcome = Result<Vec<u8>, String>;

fn ours(bytes: &[u8]) -> Outcome {
    jpeg_decoder::Decoder::new(bytes).decode().map_err(|e| e.to_string())
}

fn upstream(bytes: &[u8]) -> Option<Outcome> {
    // Upstream panics on some damaged files; those are compared only for ours not panicking.
    catch_unwind(AssertUnwindSafe(|| upstream::Decoder::new(bytes).decode().map_err(|e| e.to_string()))).ok()
}

/// Same pixels, or both an error.
fn agree(what: &str, bytes: &[u8]) -> bool {
    let a = catch_unwind(AssertUnwindSafe(|| ours(bytes))).unwrap_or_else(|_| panic!("{what}: ours panicked"));
    let Some(b) = upstream(bytes) else { return false };
    match (a, b) {
        (Ok(a), Ok(b)) => assert!(a == b, "{what}: pixels differ from upstream"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("{what}: ours {:?} vs upstream {:?}", a.err(), b.err()),
    }
    true
}

/// The first SOS segment's end: where the entropy-coded data starts.
fn scan_start(bytes: &[u8]) -> usize {
    let sos = bytes.windows(2).position(|w| w == [0xFF, 0xDA]).expect("an SOS marker");
    sos + 2 + usize::from(u16::from_be_bytes([bytes[sos + 2], bytes[sos + 3]]))
}

const VARIANTS: &[&[&str]] = &[
    &["-copy", "none"],
    &["-copy", "none", "-optimize"],
    &["-copy", "none", "-progressive"],
    &["-copy", "none", "-restart", "1B"],
    &["-copy", "none", "-progressive", "-restart", "3"],
];

#[test]
fn progressive_and_restart_streams_match_upstream() {
    for name in ["orient_Landscape_1.jpg", "canon_sx60_3mp_o6.jpg", "casio_exz750_3mp.jpg"] {
        let original = photo(name);
        for args in VARIANTS {
            let bytes = jpegtran(args, &original);
            assert!(ours(&bytes).is_ok(), "{name} {args:?}: ours failed");
            assert!(agree(&format!("{name} {args:?}"), &bytes), "{name} {args:?}: upstream panicked");
        }
    }
}

#[test]
fn truncated_and_mutated_streams_match_upstream() {
    let original = photo("orient_Landscape_1.jpg");
    let (mut compared, mut upstream_panics) = (0, 0);
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    };
    for args in VARIANTS {
        let bytes = jpegtran(args, &original);
        let start = scan_start(&bytes);
        let data = bytes.len() - start;
        let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
        for i in 1..=12 {
            let cut = start + data * i / 13;
            cases.push((format!("cut at {cut}"), bytes[..cut].to_vec()));
        }
        for _ in 0..24 {
            let at = start + next(data);
            let mut m = bytes.clone();
            // A random byte, a stray marker (0xFF then a byte), or a run of 0xFF.
            match next(3) {
                0 => m[at] = next(256) as u8,
                1 => m.splice(at..at, [0xFF, next(256) as u8]).for_each(drop),
                _ => m[at..(at + 4).min(bytes.len())].fill(0xFF),
            }
            cases.push((format!("mutated at {at}"), m));
        }
        for (what, case) in cases {
            if agree(&format!("{args:?} {what}"), &case) {
                compared += 1;
            } else {
                upstream_panics += 1;
            }
        }
    }
    eprintln!("{compared} damaged streams compared, {upstream_panics} where upstream panicked");
    assert!(compared >= 150, "only {compared} damaged streams compared");
}

/// Motion-JPEG frames (an APP0 "AVI1" segment) may leave out their Huffman tables: the
/// decoder fills in the standard ones (Annex K.3), which jpegtran writes when not asked to
/// optimize. The same frame without its DHT segments must give the same pixels.
#[test]
fn mjpeg_frames_without_huffman_tables_get_the_standard_ones() {
    let standard = jpegtran(&["-copy", "none"], &photo("canon_sx60_3mp_o6.jpg"));
    let mut frame = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x07, b'A', b'V', b'I', b'1', 0x00];
    let mut at = 2;
    let end = scan_start(&standard);
    let mut dropped = 0;
    while at < end {
        assert_eq!(standard[at], 0xFF, "a marker at {at}");
        let len = 2 + usize::from(u16::from_be_bytes([standard[at + 2], standard[at + 3]]));
        if standard[at + 1] == 0xC4 {
            dropped += 1;
        } else {
            frame.extend_from_slice(&standard[at..at + len]);
        }
        at += len;
    }
    frame.extend_from_slice(&standard[end..]);
    assert!(dropped > 0, "jpegtran wrote no DHT segment");
    let want = ours(&standard).expect("the standard-table file decodes");
    assert!(ours(&frame).expect("the MJPEG frame decodes") == want, "pixels differ");
    // Without the AVI1 segment the same bytes lack tables: an error, not a panic.
    let mut bare = vec![0xFF, 0xD8];
    bare.extend_from_slice(&frame[11..]);
    assert!(ours(&bare).is_err(), "decoded without Huffman tables");
}
