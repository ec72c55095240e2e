//! The codecs module of the browser package (`pkg/fhir_media_codecs.js` and its wasm):
//! fhir_media_codecs behind wasm-bindgen. The JS shell loads it only when a photo needs
//! it (PNG, WebP, GIF or BMP input, PNG output, or a HEIC kept as it is) and hands its
//! exports to the prepare module's `prepareMedia`, which calls them synchronously
//! (`src/web/codecs.rs`).
//!
//! Errors are thrown as JS `Error`s whose `code` is the `MediaError` code and whose
//! message is the detail; `too-many-pixels` also carries `width`, `height`, `limit`.

use fhir_media_codecs::{CodecError, Codecs, Format, Native};
use js_sys::{Error, Object, Reflect, Uint8Array};
use std::io::{BufReader, Read, Seek, SeekFrom};

use wasm_bindgen::prelude::*;

/// Decode `bytes` (read in place, never copied whole into this module) of `format`
/// (`"png"`, `"webp"`, `"gif"`, `"bmp"`), refusing more than `maxPixels` from the header
/// alone. `maxDimension`, the longest side the caller will
/// resize to (0 or absent: full size), lets it return the picture reduced by an integer
/// box factor (`fhir_media_codecs::reduce`). Returns `{ width, height, channels, pixels,
/// storedWidth, storedHeight }`: 8-bit samples, `channels` 1 (gray), 2 (gray + alpha),
/// 3 (RGB) or 4 (RGBA); the stored size is the file's, before the reduction.
#[wasm_bindgen(
    unchecked_return_type = "{ width: number, height: number, channels: number, pixels: Uint8Array, storedWidth: number, storedHeight: number }"
)]
pub fn decode(
    bytes: Uint8Array,
    format: &str,
    #[wasm_bindgen(js_name = maxPixels)] max_pixels: f64,
    #[wasm_bindgen(js_name = maxDimension)] max_dimension: Option<u32>,
) -> Result<JsValue, JsValue> {
    let codec = Format::from_name(format).ok_or_else(|| {
        thrown(&CodecError::Unsupported(format!(
            "no codec for format '{format}'"
        )))
    })?;
    // Read where the caller keeps them (the prepare module's memory, which does not move
    // during this synchronous call), not copied in: the file never takes room here.
    let mut source = BufReader::with_capacity(64 << 10, InPlace { bytes, at: 0 });
    let img = Native
        .decode_from(
            &mut source,
            codec,
            max_pixels as u64,
            max_dimension.unwrap_or(0),
        )
        .map_err(|e| thrown(&e))?;
    let out = Object::new();
    set(&out, "width", &img.width.into());
    set(&out, "height", &img.height.into());
    set(&out, "storedWidth", &img.stored.0.into());
    set(&out, "storedHeight", &img.stored.1.into());
    set(&out, "channels", &img.channels.into());
    set(
        &out,
        "pixels",
        &Uint8Array::from(img.pixels.as_slice()).into(),
    );
    Ok(out.into())
}

/// The caller's bytes as a seekable source, read a buffer at a time.
struct InPlace {
    bytes: Uint8Array,
    /// As a slice's cursor: may pass the end, where reads give nothing.
    at: u64,
}

impl Read for InPlace {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let end = u64::from(self.bytes.length());
        let n = (end.saturating_sub(self.at)).min(buf.len() as u64) as u32;
        if n > 0 {
            let at = self.at as u32; // < end, a u32
            self.bytes
                .subarray(at, at + n)
                .copy_to(&mut buf[..n as usize]);
            self.at += u64::from(n);
        }
        Ok(n as usize)
    }
}

impl Seek for InPlace {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let (base, delta) = match to {
            SeekFrom::Start(n) => {
                self.at = n;
                return Ok(n);
            }
            SeekFrom::End(d) => (u64::from(self.bytes.length()), d),
            SeekFrom::Current(d) => (self.at, d),
        };
        self.at = base
            .checked_add_signed(delta)
            .ok_or(std::io::ErrorKind::InvalidInput)?;
        Ok(self.at)
    }
}

/// Blank, in place and at the same length, every Exif and XMP item of the HEIF/HEIC file
/// `bytes` (keep mode; `fhir_media_codecs::heif::scrub`). Returns `{ width, height,
/// exifItems, xmpItems, bytes }`: the primary image's displayed size as the file states
/// it (0 when it does not), how many items were blanked and how many bytes overwritten.
/// A file that does not read cleanly throws (`corrupt-image`, or `unsupported-format` for
/// metadata kept outside the file) and is left as it was.
#[wasm_bindgen(
    js_name = scrubHeif,
    unchecked_return_type = "{ width: number, height: number, exifItems: number, xmpItems: number, bytes: number }"
)]
pub fn scrub_heif(bytes: &mut [u8]) -> Result<JsValue, JsValue> {
    let s = Native.scrub_heif(bytes).map_err(|e| thrown(&e))?;
    let out = Object::new();
    set(&out, "width", &s.width.into());
    set(&out, "height", &s.height.into());
    set(&out, "exifItems", &s.exif_items.into());
    set(&out, "xmpItems", &s.xmp_items.into());
    set(&out, "bytes", &(s.bytes as f64).into());
    Ok(out.into())
}

/// Encode 8-bit RGB (`channels` 3) or RGBA (4) pixels as PNG.
#[wasm_bindgen(js_name = encodePng)]
pub fn encode_png(
    pixels: &[u8],
    width: u32,
    height: u32,
    channels: u8,
) -> Result<Vec<u8>, JsValue> {
    Native
        .encode_png(width, height, channels, pixels)
        .map_err(|e| thrown(&e))
}

fn thrown(e: &CodecError) -> JsValue {
    let err = Error::new(&e.to_string());
    set(&err, "code", &e.code().into());
    if let CodecError::TooManyPixels {
        width,
        height,
        limit,
    } = *e
    {
        set(&err, "width", &width.into());
        set(&err, "height", &height.into());
        set(&err, "limit", &(limit as f64).into());
    }
    err.into()
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on a fresh object we own cannot fail; ignore the Result.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}
