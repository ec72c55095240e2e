//! Shared helpers for the native tests: test photos, synthetic images, output checks.
#![allow(dead_code)]

use std::path::PathBuf;

use fhir_media_capture::{prepare, PrepareOptions, Prepared, Settings};
use image::{Rgb, RgbImage};

/// `../shared/testdata` or `$FHIR_TESTDATA`.
pub fn testdata() -> PathBuf {
    std::env::var_os("FHIR_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/testdata"))
        })
}

/// `../shared/canvas-examples` or `$FHIR_CANVAS_EXAMPLES` (Canvas's documented bodies), or
/// `None` (with a message saying the case is skipped).
pub fn canvas_examples() -> Option<PathBuf> {
    let dir = std::env::var_os("FHIR_CANVAS_EXAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/canvas-examples"
            ))
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (set FHIR_CANVAS_EXAMPLES)",
            dir.display()
        );
        None
    }
}

/// Bytes of a shared photo, or `None` (with a message saying the case is skipped).
pub fn photo(name: &str) -> Option<Vec<u8>> {
    let path = testdata().join("photos").join(name);
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(_) => {
            eprintln!("SKIPPED: {} is absent (set FHIR_TESTDATA)", path.display());
            None
        }
    }
}

pub fn settings(json: &str) -> Settings {
    PrepareOptions::from_json(json)
        .expect("options parse")
        .validate()
        .expect("options valid")
}

pub fn base_settings() -> Settings {
    settings(r#"{"subject":"Patient/b8dfa97bdcdf4754bcd8197ca78ef0f0"}"#)
}

/// Run the pipeline and keep the resource for the FHIR validator (`target/fhir-out`).
pub fn prepare_ok(name: &str, bytes: &[u8], settings: &Settings) -> Prepared {
    let prepared = prepare(bytes, settings).unwrap_or_else(|e| panic!("{name}: {e}"));
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/fhir-out"));
    std::fs::create_dir_all(&dir).expect("mkdir fhir-out");
    let json = serde_json::to_vec_pretty(&prepared.media).expect("serialize");
    std::fs::write(dir.join(format!("{name}.json")), json).expect("write fhir-out");
    prepared
}

/// The encoded image inside a prepared Media.
pub fn output_bytes(p: &Prepared) -> Vec<u8> {
    use base64::Engine as _;
    let data = p.media.content.data.as_deref().expect("data");
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("standard base64")
}

/// Decode any output (JPEG or PNG) to RGB for pixel comparisons.
pub fn decode_rgb(bytes: &[u8]) -> RgbImage {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut d = jpeg_decoder::Decoder::new(bytes);
        let px = d.decode().expect("decode output jpeg");
        let info = d.info().expect("info");
        assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
        RgbImage::from_raw(info.width as u32, info.height as u32, px).expect("raw")
    } else {
        image::load_from_memory(bytes)
            .expect("decode output")
            .to_rgb8()
    }
}

/// Mean absolute difference per channel (0..255).
pub fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| (*x as i32 - *y as i32).unsigned_abs() as u64)
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// An asymmetric test card: gradients plus a bright block in the top-left corner, so
/// any flip or rotation changes it.
pub fn test_card(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        if x < w / 4 && y < h / 4 {
            Rgb([250, 250, 20])
        } else {
            Rgb([
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                ((x + y) % 64 * 3) as u8,
            ])
        }
    })
}

/// Encode with jpeg-encoder, optionally progressive and with an EXIF block.
pub fn jpeg_of(
    data: &[u8],
    w: u16,
    h: u16,
    color: jpeg_encoder::ColorType,
    progressive: bool,
    exif: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 90);
    enc.set_progressive(progressive);
    if let Some(e) = exif {
        enc.add_exif_metadata(e).expect("exif");
    }
    enc.encode(data, w, h, color).expect("encode");
    out
}

pub fn png_of(
    w: u32,
    h: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    data: &[u8],
    setup: impl FnOnce(&mut png::Encoder<&mut Vec<u8>>),
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(color);
        enc.set_depth(depth);
        setup(&mut enc);
        let mut writer = enc.write_header().expect("png header");
        writer.write_image_data(data).expect("png data");
    }
    out
}

/// A little-endian TIFF/EXIF block: IFD0 with Orientation and a GPS IFD with a latitude.
pub fn exif_with_gps(orientation: u16) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"II*\0");
    t.extend_from_slice(&8u32.to_le_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: [u8; 4]| {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&typ.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value);
    };
    // IFD0 at 8: 2 entries, ends at 38.
    t.extend_from_slice(&2u16.to_le_bytes());
    let o = orientation.to_le_bytes();
    entry(&mut t, 0x0112, 3, 1, [o[0], o[1], 0, 0]);
    entry(&mut t, 0x8825, 4, 1, 38u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    // GPS IFD at 38: 2 entries, ends at 68; rationals at 68.
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, 5, 3, 68u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    for (n, d) in [(52u32, 1u32), (31, 1), (1234, 100)] {
        t.extend_from_slice(&n.to_le_bytes());
        t.extend_from_slice(&d.to_le_bytes());
    }
    t
}

/// JPEG marker codes present in a file, up to the start of scan.
pub fn jpeg_markers(bytes: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut i = 2;
    while i + 4 <= bytes.len() && bytes[i] == 0xFF {
        let m = bytes[i + 1];
        markers.push(m);
        if m == 0xDA {
            break;
        }
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        i += 2 + len;
    }
    markers
}

/// Marsaglia's xorshift32 (13, 17, 5): deterministic test data (noise, mutations)
/// without a dependency. tests/encode_exact.rs's digests are taken over its bytes, so
/// its sequence is fixed.
pub struct XorShift(pub u32);

impl XorShift {
    pub fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    /// The next state's high byte (its best-mixed bits).
    pub fn byte(&mut self) -> u8 {
        (self.next_u32() >> 24) as u8
    }

    /// In `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        self.next_u32() as usize % n.max(1)
    }
}

/// A PNG chunk with its length and CRC.
pub fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 (ISO 3309, as PNG uses it), bit by bit: no table for a few chunks.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Mean SSIM of luma (BT.601 weights) over 8×8 windows at a stride of 4, with the
/// constants of Wang et al. 2004; the measure of bench/heic-eval and tests/heic.rs.
pub fn ssim(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let (width, height) = (a.width() as usize, a.height() as usize);
    let luma = |p: &[u8]| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64;
    let la: Vec<f64> = a.as_raw().chunks_exact(3).map(luma).collect();
    let lb: Vec<f64> = b.as_raw().chunks_exact(3).map(luma).collect();
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let (mut sum, mut n) = (0.0, 0usize);
    for y in (0..height.saturating_sub(7)).step_by(4) {
        for x in (0..width.saturating_sub(7)).step_by(4) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for j in 0..8 {
                for i in 0..8 {
                    let (p, q) = (la[(y + j) * width + x + i], lb[(y + j) * width + x + i]);
                    sa += p;
                    sb += q;
                    saa += p * p;
                    sbb += q * q;
                    sab += p * q;
                }
            }
            let (ma, mb) = (sa / 64.0, sb / 64.0);
            let (va, vb) = (saa / 64.0 - ma * ma, sbb / 64.0 - mb * mb);
            let cov = sab / 64.0 - ma * mb;
            sum += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            n += 1;
        }
    }
    sum / n.max(1) as f64
}

/// The compiled-in codecs (`fhir_media_codecs::Native`), watched. `full_size` asks them for
/// the full picture whatever the target: the codecs as they were before they reduced toward
/// it (issue 14), so `prepare_with(.., Some(&Watched::full_size()))` is the full-decode
/// path. `png_encodes` records the pixel count of every PNG encode.
#[derive(Default)]
pub struct Watched {
    pub full_size: bool,
    pub png_encodes: std::cell::RefCell<Vec<u64>>,
}

impl Watched {
    pub fn full_size() -> Watched {
        Watched {
            full_size: true,
            ..Watched::default()
        }
    }
}

impl fhir_media_codecs::Codecs for Watched {
    fn decode(
        &self,
        bytes: &[u8],
        format: fhir_media_codecs::Format,
        max_pixels: u64,
        target: u32,
    ) -> Result<fhir_media_codecs::Image, fhir_media_codecs::CodecError> {
        let target = if self.full_size { 0 } else { target };
        fhir_media_codecs::Codecs::decode(
            &fhir_media_codecs::Native,
            bytes,
            format,
            max_pixels,
            target,
        )
    }
    fn scrub_heif(
        &self,
        bytes: &mut [u8],
    ) -> Result<fhir_media_codecs::heif::Scrubbed, fhir_media_codecs::CodecError> {
        fhir_media_codecs::Codecs::scrub_heif(&fhir_media_codecs::Native, bytes)
    }
    fn encode_png(
        &self,
        width: u32,
        height: u32,
        channels: u8,
        pixels: &[u8],
    ) -> Result<Vec<u8>, fhir_media_codecs::CodecError> {
        self.png_encodes
            .borrow_mut()
            .push(u64::from(width) * u64::from(height));
        fhir_media_codecs::Codecs::encode_png(
            &fhir_media_codecs::Native,
            width,
            height,
            channels,
            pixels,
        )
    }
}
