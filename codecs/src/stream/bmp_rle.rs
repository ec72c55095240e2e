//! An RLE-compressed BMP (BI_RLE8, BI_RLE4) decoded a row at a time. A few bytes of RLE can
//! claim a 48 MP picture, which image's `BmpDecoder` decodes whole (3 bytes a pixel); here
//! each row goes to the box sums as soon as the stream leaves it. The rows come bottom-up
//! and a delta may skip rows, so the sums cover the whole reduced picture (as Adam7's do).
//! The headers and palette are image's own reading (`BmpDecoder::new`); the pixel stream is
//! read by the same rules as image's `read_rle_data`, quirks included (a run past the row's
//! end is clamped in RLE8 and refused in RLE4; skipped pixels are black), so the pixels are
//! the whole decode's (tests below).

use std::io::SeekFrom;

use image::codecs::bmp::BmpDecoder;
use image::ImageDecoder;

use crate::header::{le16, le32};
use crate::native::{fill, image_error, read_error};
use crate::reduce::Reducer;
use crate::{check_pixels, CodecError, Format, Image, Source};

/// The BMP in `r` reduced by `k` if it is RLE-compressed, else `None`.
pub fn bmp_rle(r: &mut dyn Source, max_pixels: u64, k: u32) -> Result<Option<Image>, CodecError> {
    let mut fixed = [0u8; 54];
    let n = fill(r, &mut fixed)?;
    let b = &fixed[..n];
    let (Some(header), Some(compression), Some(bits), Some(offset), Some(colors)) = (
        le32(b, 14),
        le32(b, 30),
        le16(b, 28),
        le32(b, 10),
        le32(b, 46),
    ) else {
        return Ok(None);
    };
    let rle4 = match (compression, bits) {
        (1, 8) => false,
        (2, 4) => true,
        _ => return Ok(None),
    };
    if b.get(..2) != Some(b"BM") || ![40, 52, 56, 108, 124].contains(&header) {
        return Ok(None);
    }
    // image's reading of the headers and palette decides what the file is (and refuses a
    // top-down RLE bitmap, a palette larger than the depth allows, ...).
    r.seek(SeekFrom::Start(0)).map_err(read_error)?;
    let decoder = BmpDecoder::new(&mut *r).map_err(|e| image_error(Format::Bmp, e))?;
    let (width, height) = decoder.dimensions();
    let channels = usize::from(decoder.color_type().channel_count());
    drop(decoder);
    check_pixels(width, height, max_pixels)?;

    // The palette as image reads it: after the header, `colors` entries (all the depth's
    // when 0), at most 256 read, the rest black; B, G, R, reserved.
    let entries = if colors == 0 {
        1 << bits
    } else {
        colors.min(256)
    } as usize;
    let mut raw = vec![0u8; entries * 4];
    r.seek(SeekFrom::Start(14 + u64::from(header)))
        .map_err(read_error)?;
    r.read_exact(&mut raw).map_err(read_error)?;
    let mut palette = [[0u8; 3]; 256];
    for (p, c) in palette.iter_mut().zip(raw.chunks_exact(4)) {
        *p = [c[2], c[1], c[0]];
    }

    r.seek(SeekFrom::Start(u64::from(offset)))
        .map_err(read_error)?;
    let mut reducer = Reducer::window(width, height, channels, k, 0, height);
    let mut rows = RleRows {
        r,
        width: width as usize,
        channels,
        palette,
        rle4,
        row: vec![0; width as usize * channels],
        px: 0,
    };
    rows.decode(height as usize, |i, row| {
        reducer.add(height - 1 - i as u32, 0, 1, row)
    })?;
    Ok(Some(super::image(reducer, channels, (width, height))))
}

fn corrupt() -> CodecError {
    CodecError::Corrupt("BMP: Corrupt RLE data".into())
}

/// The pixel stream's reader: the row being written and the next pixel in it.
struct RleRows<'a> {
    r: &'a mut dyn Source,
    width: usize,
    channels: usize,
    palette: [[u8; 3]; 256],
    rle4: bool,
    row: Vec<u8>,
    px: usize,
}

impl RleRows<'_> {
    fn byte(&mut self) -> Result<u8, CodecError> {
        let mut b = [0u8];
        self.r.read_exact(&mut b).map_err(read_error)?;
        Ok(b[0])
    }

    /// Sets the next pixel to palette entry `index`; false when the row is full.
    fn put(&mut self, index: u8) -> bool {
        if self.px >= self.width {
            return false;
        }
        let at = self.px * self.channels;
        self.row[at..at + 3].copy_from_slice(&self.palette[usize::from(index)]);
        self.px += 1;
        true
    }

    /// Skips `n` pixels (left black); false when the row has fewer.
    fn skip(&mut self, n: usize) -> bool {
        self.px += n;
        self.px <= self.width
    }

    /// Hands `row(i, pixels)` each row `i` the stream writes, counted from the bottom;
    /// rows it skips (a delta, an early end) are black, which the sums count as zero.
    fn decode(
        &mut self,
        height: usize,
        mut row: impl FnMut(usize, &[u8]),
    ) -> Result<(), CodecError> {
        let mut i = 0;
        while i < height {
            self.row.fill(0);
            self.px = 0;
            let mut x = 0usize;
            loop {
                let control = self.byte()?;
                if control != 0 {
                    let index = self.byte()?;
                    let n = usize::from(control);
                    if self.rle4 {
                        for j in 0..n {
                            let nibble = if j % 2 == 0 { index >> 4 } else { index & 15 };
                            if !self.put(nibble) {
                                return Err(corrupt());
                            }
                        }
                    } else {
                        // Clamped to the row, as image does for ImageMagick's files.
                        for _ in 0..n.min(self.width - self.px) {
                            self.put(index);
                        }
                    }
                    x += n;
                    continue;
                }
                match self.byte()? {
                    0 => break,
                    1 => {
                        row(i, &self.row);
                        return Ok(());
                    }
                    2 => {
                        let dx = usize::from(self.byte()?);
                        let dy = usize::from(self.byte()?);
                        if dy > 0 {
                            row(i, &self.row);
                            i += dy;
                            if i >= height {
                                return Err(corrupt());
                            }
                            self.row.fill(0);
                            self.px = 0;
                            if !self.skip(x) {
                                return Err(corrupt());
                            }
                        }
                        if !self.skip(dx) {
                            return Err(corrupt());
                        }
                        x += dx;
                    }
                    n => {
                        let n = usize::from(n);
                        let mut len = if self.rle4 { n.div_ceil(2) } else { n };
                        len += len & 1;
                        // At most 255 pixels: 256 bytes with the padding, on the stack.
                        let mut bytes = [0u8; 256];
                        self.r.read_exact(&mut bytes[..len]).map_err(read_error)?;
                        for j in 0..n {
                            let index = if !self.rle4 {
                                bytes[j]
                            } else if j % 2 == 0 {
                                bytes[j / 2] >> 4
                            } else {
                                bytes[j / 2] & 15
                            };
                            if !self.put(index) {
                                return Err(corrupt());
                            }
                        }
                        x += n;
                    }
                }
            }
            row(i, &self.row);
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::codecs::bmp::BmpDecoder;
    use image::ImageDecoder;

    use crate::{reduce, Codecs, Format, Native};

    struct Rng(u32);
    impl Rng {
        fn next(&mut self, n: u32) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            self.0 % n.max(1)
        }
    }

    /// An RLE BMP (info header, `colors` palette entries) around `stream`.
    fn rle_file(bits: u16, width: u32, height: u32, colors: u32, stream: &[u8]) -> Vec<u8> {
        let entries = if colors == 0 { 1 << bits } else { colors };
        let offset = 54 + entries * 4;
        let mut f = b"BM".to_vec();
        f.extend_from_slice(&(offset + stream.len() as u32).to_le_bytes());
        f.extend_from_slice(&[0; 4]);
        f.extend_from_slice(&offset.to_le_bytes());
        f.extend_from_slice(&40u32.to_le_bytes());
        f.extend_from_slice(&width.to_le_bytes());
        f.extend_from_slice(&height.to_le_bytes());
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f.extend_from_slice(&(if bits == 8 { 1u32 } else { 2 }).to_le_bytes());
        f.extend_from_slice(&(stream.len() as u32).to_le_bytes());
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&colors.to_le_bytes());
        f.extend_from_slice(&[0; 4]);
        for i in 0..entries {
            f.extend_from_slice(&[
                (i * 37) as u8,
                (i * 91 + 7) as u8,
                (i * 13).wrapping_neg() as u8,
                0,
            ]);
        }
        f.extend_from_slice(stream);
        f
    }

    /// A stream of runs, absolute spans, in-row and row-skipping deltas, row ends; with
    /// `quirks`, also RLE8 runs past the row's end (clamped) and an early end of bitmap.
    fn stream(rng: &mut Rng, bits: u16, width: u32, height: u32, quirks: bool) -> Vec<u8> {
        let mut s = Vec::new();
        let mut y = 0;
        while y < height {
            let mut x = 0;
            while x < width {
                let left = width - x;
                match rng.next(10) {
                    0..=4 => {
                        let n = 1 + rng.next(left.min(255));
                        s.extend_from_slice(&[n as u8, rng.next(256) as u8]);
                        x += n;
                    }
                    5..=7 if left >= 3 => {
                        let n = 3 + rng.next(left.min(255) - 2);
                        s.extend_from_slice(&[0, n as u8]);
                        let len = if bits == 8 { n } else { n.div_ceil(2) };
                        for _ in 0..len + (len & 1) {
                            s.push(rng.next(256) as u8);
                        }
                        x += n;
                    }
                    8 => {
                        let dx = rng.next(left.min(255) + 1);
                        let dy = if y + 2 < height { rng.next(3) } else { 0 };
                        s.extend_from_slice(&[0, 2, dx as u8, dy as u8]);
                        x += dx;
                        y += dy;
                    }
                    _ => break,
                }
            }
            if quirks && bits == 8 && rng.next(8) == 0 {
                s.extend_from_slice(&[200, 9]); // past the end: clamped
            }
            s.extend_from_slice(&[0, 0]);
            y += 1;
            if quirks && rng.next(40) == 0 {
                break;
            }
        }
        s.extend_from_slice(&[0, 1]);
        s
    }

    fn whole(file: &[u8]) -> Result<(u32, u32, usize, Vec<u8>), image::ImageError> {
        let d = BmpDecoder::new(Cursor::new(file))?;
        let (w, h) = d.dimensions();
        let ch = usize::from(d.color_type().channel_count());
        let mut px = vec![0; d.total_bytes() as usize];
        d.read_image(&mut px)?;
        Ok((w, h, ch, px))
    }

    fn cases() -> Vec<(String, Vec<u8>)> {
        let mut rng = Rng(0x9e37_79b9);
        let mut out = Vec::new();
        for bits in [8, 4] {
            for (w, h) in [(37, 23), (64, 40), (5, 60), (301, 7)] {
                for quirks in [false, true] {
                    for colors in [0, if bits == 8 { 100 } else { 9 }] {
                        let s = stream(&mut rng, bits, w, h, quirks);
                        let name = format!("RLE{bits} {w}x{h} quirks {quirks} colors {colors}");
                        out.push((name, rle_file(bits, w, h, colors, &s)));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn rle_rows_give_the_whole_decode_reduced() {
        for (name, file) in cases() {
            let (w, h, ch, px) = whole(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
            for target in [w.max(h) / 2, w.max(h) / 3, 4] {
                let k = reduce::factor(w, h, target);
                if k < 2 {
                    continue;
                }
                let img = Native
                    .decode(&file, Format::Bmp, 1 << 20, target)
                    .expect(&name);
                assert_eq!(
                    (img.width, img.height),
                    (w.div_ceil(k), h.div_ceil(k)),
                    "{name}"
                );
                assert!(
                    img.pixels == reduce::reduce(w, h, ch, k, &px),
                    "{name} at k = {k}"
                );
            }
        }
    }

    /// Damaged anywhere, the rows answer as the whole decode: the same picture or an error.
    #[test]
    fn damaged_rle_answers_as_the_whole_decode() {
        let mut rng = Rng(7);
        for (name, file) in cases() {
            for _ in 0..60 {
                let mut bad = file.clone();
                for _ in 0..2 {
                    let at = 54 + rng.next(bad.len() as u32 - 54) as usize;
                    bad[at] = rng.next(256) as u8;
                }
                if rng.next(4) == 0 {
                    bad.truncate(54 + rng.next(bad.len() as u32 - 54) as usize);
                }
                let whole = whole(&bad);
                let rows = Native.decode(&bad, Format::Bmp, 1 << 20, 8);
                match (&whole, &rows) {
                    (Ok((w, h, ch, px)), Ok(img)) => {
                        let k = reduce::factor(*w, *h, 8);
                        assert!(img.pixels == reduce::reduce(*w, *h, *ch, k, px), "{name}");
                    }
                    (Err(_), Err(e)) => assert_eq!(e.code(), "corrupt-image", "{name}: {e:?}"),
                    _ => panic!("{name}: whole {:?}, rows {:?}", whole.err(), rows.err()),
                }
            }
        }
    }
}
