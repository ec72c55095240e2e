//! One grid tile's HEVC picture: heifer-hevc-dec's `decode_picture`, step for step, from
//! its public parts, with the two steps that loop over the picture (the slice's coding
//! tree units, then the in-loop filters) each in a function of its own.
//!
//! Why: V8 runs a wasm function first as baseline code and compiles it again with its
//! optimizing compiler (TurboFan) once it is hot. heifer's `decode_picture` is one 43 KB
//! wasm function (LLVM inlines the slice loop and both filters into it), mostly cold code
//! (parameter sets, slice headers, checks) that TurboFan compiled in full on the first
//! HEIC of a page: 150–290 ms of compiling on a 2-core machine whose cores decode tiles.
//! Here the cold part stays baseline code and only the loops are compiled again
//! (bench/HEIC.md, "Only hot code optimized"). The HEIC module is built with wasm-opt
//! `-ocimfs` so that Binaryen does not inline them back. heifer's own `decode_picture` stays
//! in the module for whole-image decodes, so the slice decoding is in it twice: ~8 KB gzip.

use heifer::heifer_hevc_dec::nal::{split_annex_b, NalUnit};
use heifer::heifer_hevc_dec::params::ParameterSets;
use heifer::heifer_hevc_dec::recon::{Frame, Reconstructor};
use heifer::heifer_hevc_dec::slice::SliceHeader;
use heifer::heifer_hevc_dec::syntax::{decode_slice_segment, Picture};
use heifer::heifer_hevc_dec::Error;

/// The first picture of an HEVC Annex B stream, cropped to its conformance window, as
/// heifer-hevc-dec's `decode_picture` with default options but `max_pixels` gives it (no
/// picture hash check: heifer checks it only when asked).
pub(crate) fn decode_picture(stream: &[u8], max_pixels: u64) -> Result<Frame, Error> {
    let nals: Vec<NalUnit<'_>> = split_annex_b(stream)
        .map(NalUnit::parse)
        .collect::<Result<_, _>>()?;
    // Parameter sets sent before the first slice are the first picture's.
    let mut sets = ParameterSets::default();
    for nal in nals.iter().take_while(|n| !n.header.unit_type.is_slice()) {
        sets.add(nal)?;
    }
    let mut state: Option<(Picture<'_>, Reconstructor<'_>)> = None;
    let mut previous: Option<SliceHeader> = None;
    for nal in nals.iter().filter(|n| n.header.unit_type.is_slice()) {
        // first_slice_segment_in_pic_flag is the first bit: only the first picture.
        let first_in_pic = nal.rbsp.first().is_some_and(|b| b & 0x80 != 0);
        if first_in_pic && state.is_some() {
            break;
        }
        let header = SliceHeader::parse(&nal.rbsp, &nal.header, &sets, previous.as_ref())?;
        let (pps, sps) = sets.get(usize::from(header.slice_pic_parameter_set_id))?;
        if u64::from(sps.pic_width_in_luma_samples) * u64::from(sps.pic_height_in_luma_samples)
            > max_pixels
        {
            return Err(Error::Unimplemented(
                "picture larger than the configured size limit",
            ));
        }
        let (pic, recon) =
            state.get_or_insert_with(|| (Picture::new(sps, pps), Reconstructor::new(sps, pps)));
        recon.start_slice(&header);
        slice(pic, &header, header.slice_qp_y(&sets)?, &nal.rbsp, recon)?;
        if let Some(e) = recon.error.take() {
            return Err(e);
        }
        if !header.dependent_slice_segment_flag {
            previous = Some(header);
        }
    }
    let (pic, recon) = state.ok_or(Error::Invalid("no slice in bitstream"))?;
    if !pic.is_complete() {
        return Err(Error::Invalid("picture is incomplete"));
    }
    let sps = pic.sps;
    let frame = filtered(recon);
    // Most pictures have no conformance window: no copy then.
    Ok(if sps.conf_win_offsets == [0; 4] {
        frame
    } else {
        frame.cropped(sps)
    })
}

/// The slice segment's coding tree units, parsed and reconstructed: hot, its own function.
#[inline(never)]
fn slice(
    pic: &mut Picture<'_>,
    header: &SliceHeader,
    qp_y: i32,
    rbsp: &[u8],
    recon: &mut Reconstructor<'_>,
) -> Result<(), Error> {
    let data = rbsp.get(header.header_size..).ok_or(Error::UnexpectedEof)?;
    decode_slice_segment(pic, header, qp_y, data, recon).map(|_| ())
}

/// The picture deblocked and SAO-filtered: hot, its own function.
#[inline(never)]
fn filtered(recon: Reconstructor<'_>) -> Frame {
    recon.finish(false)
}

#[cfg(test)]
mod tests {
    use super::decode_picture;
    use heifer::heifer_hevc_dec::decoder::{self, DecodeOptions};
    use heifer::heifer_isobmff::HeifFile;

    /// Every coded picture of every test HEIC/HEIF decodes to heifer's own frame, and a
    /// cut or oversized stream to heifer's own error.
    #[test]
    fn same_pictures_and_errors_as_heifer() {
        let dir = std::env::var_os("FHIR_TESTDATA")
            .map_or_else(
                || {
                    std::path::PathBuf::from(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/../../shared/testdata"
                    ))
                },
                std::path::PathBuf::from,
            )
            .join("photos/heic");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("SKIPPED: {} is absent (set FHIR_TESTDATA)", dir.display());
            return;
        };
        let mut pictures = 0;
        for entry in entries {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("photo");
            let file = HeifFile::parse(&bytes).expect("container");
            for item in file.items.iter().filter(|i| i.item_type.0 == *b"hvc1") {
                let stream = file.hevc_bitstream(item.id).expect("hvc1 stream");
                let heifer = |stream: &[u8], max_pixels| {
                    let options = DecodeOptions {
                        max_pixels,
                        ..Default::default()
                    };
                    decoder::decode_picture(stream, options)
                };
                let limit = 1 << 28;
                assert_eq!(
                    decode_picture(&stream, limit),
                    heifer(&stream, limit),
                    "item {}",
                    item.id
                );
                for cut in [stream.len() / 3, stream.len() - 7] {
                    let short = &stream[..cut];
                    assert_eq!(
                        decode_picture(short, limit).err(),
                        heifer(short, limit).err(),
                        "item {} cut at {cut}",
                        item.id
                    );
                }
                assert_eq!(
                    decode_picture(&stream, 1000).err(),
                    heifer(&stream, 1000).err()
                );
                pictures += 1;
            }
        }
        // 48 tiles of the iPhone 13 photo alone, and more.
        assert!(pictures > 48, "{pictures} pictures compared");
    }

    /// Hostile streams: the small fuzz seeds' HEVC with bytes changed or cut, decoded here
    /// and by heifer: the same frame or the same error every time, and no panic.
    #[test]
    fn mutated_streams_give_heifers_answer() {
        let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/seeds/heif");
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15);
        let (mut same_frames, mut same_errors) = (0, 0);
        for name in ["small-8bit.heic", "small-10bit.heic"] {
            let bytes = std::fs::read(format!("{seeds}/{name}")).expect("fuzz seed");
            let file = HeifFile::parse(&bytes).expect("container");
            let hvc1 = file.items.iter().find(|i| i.item_type.0 == *b"hvc1");
            let stream = file.hevc_bitstream(hvc1.expect("an hvc1 item").id);
            let stream = stream.expect("hvc1 stream");
            let options = DecodeOptions {
                max_pixels: 1 << 20,
                ..Default::default()
            };
            for round in 0..600 {
                let mut m = stream.clone();
                for _ in 0..1 + round % 4 {
                    let at = (next() as usize) % m.len();
                    m[at] = next() as u8;
                }
                if round % 5 == 0 {
                    m.truncate((next() as usize) % m.len());
                }
                let ours = decode_picture(&m, 1 << 20);
                assert_eq!(
                    ours,
                    decoder::decode_picture(&m, options),
                    "{name} round {round}"
                );
                if ours.is_ok() {
                    same_frames += 1;
                } else {
                    same_errors += 1;
                }
            }
        }
        // Both kinds of answer were compared (most changes break these tiny streams: 20
        // frames and 1,180 errors with this seed).
        assert!(
            same_frames >= 10 && same_errors >= 100,
            "{same_frames} frames, {same_errors} errors"
        );
    }
}
