use alloc::borrow::ToOwned;
use alloc::vec;
use alloc::vec::Vec;
use core::iter;
use std::io::BufRead;
use crate::read_u8;
use crate::error::{Error, Result};
use crate::marker::Marker;
use crate::parser::ScanInfo;

const LUT_BITS: u8 = 10;

#[derive(Debug)]
pub struct HuffmanDecoder {
    bits: u64,
    num_bits: u8,
    marker: Option<Marker>,
}

impl HuffmanDecoder {
    pub fn new() -> HuffmanDecoder {
        HuffmanDecoder {
            bits: 0,
            num_bits: 0,
            marker: None,
        }
    }

    // Section F.2.2.3
    // Figure F.16
    pub fn decode<R: BufRead>(&mut self, reader: &mut R, table: &HuffmanTable) -> Result<u8> {
        if self.num_bits < 16 {
            self.read_bits(reader)?;
        }
        // Vendored: the lookup of `decode_block`'s symbols, one copy of its long-code path.
        let mut s = FastBits { bits: self.bits, n: u32::from(self.num_bits) };
        let value = s.symbol(table).ok_or_else(bad_code)?;
        self.bits = s.bits;
        self.num_bits = s.n as u8;
        Ok(value)
    }

    #[inline]
    pub fn get_bits<R: BufRead>(&mut self, reader: &mut R, count: u8) -> Result<u16> {
        if self.num_bits < count {
            self.read_bits(reader)?;
        }

        let bits = self.peek_bits(count);
        self.consume_bits(count);

        Ok(bits)
    }

    #[inline]
    pub fn receive_extend<R: BufRead>(&mut self, reader: &mut R, count: u8) -> Result<i16> {
        let value = self.get_bits(reader, count)?;
        Ok(extend(value, count))
    }

    pub fn reset(&mut self) {
        self.bits = 0;
        self.num_bits = 0;
    }

    pub fn take_marker<R: BufRead>(&mut self, reader: &mut R) -> Result<Option<Marker>> {
        self.read_bits(reader).map(|_| self.marker.take())
    }

    #[inline]
    fn peek_bits(&mut self, count: u8) -> u16 {
        debug_assert!(count <= 16);
        debug_assert!(self.num_bits >= count);

        ((self.bits >> (64 - count)) & ((1 << count) - 1)) as u16
    }

    #[inline]
    fn consume_bits(&mut self, count: u8) {
        debug_assert!(self.num_bits >= count);

        self.bits <<= count as usize;
        self.num_bits -= count;
    }

    /// Vendored: one block of a sequential scan or of a progressive scan's first pass
    /// (Figures F.12-F.14, G.2.2; upstream's `decoder::decode_block`), in the manner of
    /// libjpeg-turbo's `decode_mcu_fast`: the bit buffer in locals, the bytes read in
    /// place, one refill check per coefficient, symbol and value in one lookup where they
    /// fit. `FastBits::block` stops for every refill it cannot do from whole words (0xFF
    /// bytes, a marker, the end); `read_bits` does it and the block resumes. Same output
    /// and errors as upstream.
    #[allow(clippy::too_many_arguments)]
    pub fn decode_block<R: BufRead>(
        &mut self,
        reader: &mut R,
        coefficients: &mut [i16; 64],
        dc: Option<&HuffmanTable>,
        ac: Option<&HuffmanTable>,
        spectral: core::ops::Range<u8>,
        al: u8,
        eob_run: &mut u16,
        dc_predictor: &mut i16,
        unzigzag: &[u8; 64],
    ) -> Result<()> {
        let mut k = usize::from(spectral.start);
        if k > 0 && *eob_run > 0 {
            // Inside an EOB run: this block's band is all zero (Figure G.4).
            *eob_run -= 1;
            return Ok(());
        }
        let scan = Scan {
            dc,
            ac,
            ac_lut: ac.and_then(|t| t.ac_lut.as_ref()).unwrap_or(&NO_AC_LUT),
            end: usize::from(spectral.end),
            al,
            unzigzag,
        };
        let mut s = FastBits {
            bits: self.bits,
            n: self.num_bits as u32,
        };
        let mut buf = reader.fill_buf()?;
        let mut pos = 0;
        loop {
            let slow = self.marker.is_some();
            match s.block(
                &scan,
                &mut k,
                buf,
                &mut pos,
                slow,
                coefficients,
                eob_run,
                dc_predictor,
            ) {
                Stop::Done => break,
                Stop::Refill => {
                    reader.consume(pos);
                    self.bits = s.bits;
                    self.num_bits = s.n as u8;
                    self.read_bits(reader)?;
                    s.bits = self.bits;
                    s.n = u32::from(self.num_bits);
                    buf = reader.fill_buf()?;
                    pos = 0;
                }
                Stop::BadCode => {
                    return Err(Error::Format("failed to decode huffman code".to_owned()))
                }
                // Section F.1.2.1.1, Table F.1
                Stop::BadDc => {
                    return Err(Error::Format(
                        "invalid DC difference magnitude category".to_owned(),
                    ))
                }
            }
        }
        reader.consume(pos);
        self.bits = s.bits;
        self.num_bits = s.n as u8;
        Ok(())
    }

    fn read_bits<R: BufRead>(&mut self, reader: &mut R) -> Result<()> {
        // Vendored: the next 8 buffered bytes hold no 0xFF (so no stuffing and no marker):
        // take every whole byte that fits at once, the same bits the loop below would add.
        if self.marker.is_none() {
            if let Some((bits, n)) = reader.fill_buf().ok().and_then(|b| whole_bytes(b, u32::from(self.num_bits))) {
                self.bits |= bits;
                self.num_bits += 8 * n as u8;
                reader.consume(n as usize);
                return Ok(());
            }
        }
        while self.num_bits <= 56 {
            // Fill with zero bits if we have reached the end.
            let byte = match self.marker {
                Some(_) => 0,
                None => read_u8(reader)?,
            };

            if byte == 0xFF {
                let mut next_byte = read_u8(reader)?;

                // Check for byte stuffing.
                if next_byte != 0x00 {
                    // We seem to have reached the end of entropy-coded data and encountered a
                    // marker. Since we can't put data back into the reader, we have to continue
                    // reading to identify the marker so we can pass it on.

                    // Section B.1.1.2
                    // "Any marker may optionally be preceded by any number of fill bytes, which are bytes assigned code X’FF’."
                    while next_byte == 0xFF {
                        next_byte = read_u8(reader)?;
                    }

                    match next_byte {
                        0x00 => return Err(Error::Format("FF 00 found where marker was expected".to_owned())),
                        _    => self.marker = Some(Marker::from_u8(next_byte).unwrap()),
                    }

                    continue;
                }
            }

            self.bits |= (byte as u64) << (56 - self.num_bits);
            self.num_bits += 8;
        }

        Ok(())
    }
}

/// Vendored: the whole bytes that fit below `held` bits (≤ 64) of a bit buffer, taken from
/// the next 8 of `buf` if none of them is 0xFF (so no stuffing and no marker): the bits to
/// OR in and how many bytes. The one word refill of `read_bits` and `FastBits::fill`.
#[inline(always)]
fn whole_bytes(buf: &[u8], held: u32) -> Option<(u64, u32)> {
    let word = u64::from_be_bytes(*buf.first_chunk::<8>()?);
    let v = !word;
    if v.wrapping_sub(0x0101_0101_0101_0101) & !v & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    let n = (64 - held) / 8;
    if n == 0 {
        return Some((0, 0));
    }
    // The top n bytes of `word`, below the bits already held.
    Some(((word & (u64::MAX << (64 - 8 * n))) >> held, n))
}

/// For scans without AC coefficients, which never look it up.
static NO_AC_LUT: [(i16, u8); 1 << LUT_BITS] = [(0, 0); 1 << LUT_BITS];

/// Vendored: `HuffmanDecoder`'s bit buffer as locals of `decode_block` (MSB first, `n`
/// bits valid).
struct FastBits {
    bits: u64,
    n: u32,
}

/// What `decode_block` decodes with.
struct Scan<'a> {
    dc: Option<&'a HuffmanTable>,
    ac: Option<&'a HuffmanTable>,
    ac_lut: &'a [(i16, u8); 1 << LUT_BITS],
    end: usize,
    al: u8,
    unzigzag: &'a [u8; 64],
}

/// Why `FastBits::block` returned.
enum Stop {
    Done,
    /// Fewer than 32 bits held and no whole word to take: resume after `read_bits`.
    Refill,
    BadCode,
    BadDc,
}

impl FastBits {
    /// `decode_block`'s loop from coefficient `k`, resumable after a `Stop::Refill` (it
    /// stops only before a coefficient). `slow`: a marker was met, so only `read_bits`,
    /// which then supplies zero bits, may refill.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn block(
        &mut self,
        scan: &Scan,
        k: &mut usize,
        buf: &[u8],
        pos: &mut usize,
        slow: bool,
        coefficients: &mut [i16; 64],
        eob_run: &mut u16,
        dc_predictor: &mut i16,
    ) -> Stop {
        // A symbol takes at most 16 bits and its value at most 15, so 32 bits before each.
        // The DC apart from the AC loop: one loop for both, with a `k == 0` test per
        // coefficient, decoded ~10 % slower in Chromium (bench/PERF.md).
        if *k == 0 {
            if self.n < 32 && (slow || !self.fill(buf, pos)) {
                return Stop::Refill;
            }
            // The scan's tables were checked to be there (`decode_scan`).
            let Some(size) = self.symbol(scan.dc.unwrap()) else {
                return Stop::BadCode;
            };
            if size > 11 {
                return Stop::BadDc;
            }
            // Malicious files can overflow the predictor: wrapping, as upstream.
            *dc_predictor = dc_predictor.wrapping_add(self.value(size));
            coefficients[0] = *dc_predictor << scan.al;
            *k = 1;
            if *eob_run > 0 && scan.end > 1 {
                // The AC band is inside an EOB run (Figure G.4).
                *eob_run -= 1;
                return Stop::Done;
            }
        }
        while *k < scan.end {
            if self.n < 32 && (slow || !self.fill(buf, pos)) {
                return Stop::Refill;
            }
            let (mut value, run_size) = scan.ac_lut[self.peek(LUT_BITS)];
            let run = if run_size != 0 {
                // Symbol and value in one lookup.
                self.skip(u32::from(run_size & 0x0f));
                run_size >> 4
            } else {
                let Some(symbol) = self.symbol(scan.ac.unwrap()) else {
                    return Stop::BadCode;
                };
                let (run, size) = (symbol >> 4, symbol & 0x0f);
                if size == 0 {
                    if run == 15 {
                        *k += 16;
                        continue;
                    }
                    // End of band, and of 2^run - 1 + (run bits) more blocks' bands.
                    *eob_run = (1 << run) - 1 + self.value_bits(run);
                    return Stop::Done;
                }
                value = self.value(size);
                run
            };
            *k += usize::from(run);
            if *k >= scan.end {
                break;
            }
            coefficients[usize::from(scan.unzigzag[*k & 63])] = value << scan.al;
            *k += 1;
        }
        Stop::Done
    }

    /// Whole bytes from `buf` at `pos` up to 57+ bits, if the next 8 bytes hold no 0xFF
    /// (so no stuffing and no marker).
    #[inline(always)]
    fn fill(&mut self, buf: &[u8], pos: &mut usize) -> bool {
        let Some((bits, k)) = buf.get(*pos..).and_then(|b| whole_bytes(b, self.n)) else {
            return false;
        };
        self.bits |= bits;
        self.n += 8 * k;
        *pos += k as usize;
        true
    }

    #[inline(always)]
    fn peek(&self, count: u8) -> usize {
        (self.bits >> (64 - count)) as usize
    }

    #[inline(always)]
    fn skip(&mut self, count: u32) {
        self.bits <<= count;
        self.n -= count;
    }

    /// One Huffman symbol (Figure F.16); needs 16 bits held.
    #[inline(always)]
    fn symbol(&mut self, table: &HuffmanTable) -> Option<u8> {
        let (value, size) = table.lut[self.peek(LUT_BITS)];
        if size > 0 {
            self.skip(u32::from(size));
            return Some(value);
        }
        self.long_symbol(table)
    }

    /// A code longer than the lookup table's bits.
    #[cold]
    #[inline(never)]
    fn long_symbol(&mut self, table: &HuffmanTable) -> Option<u8> {
        let bits = self.peek(16) as i32;
        for i in LUT_BITS as usize..16 {
            let code = bits >> (15 - i);
            if code <= table.maxcode[i] {
                self.skip(i as u32 + 1);
                return table.values.get((code + table.delta[i]) as usize).copied();
            }
        }
        None
    }

    /// `size` more bits, extended (Figure F.12); `size` ≤ 15 and held.
    #[inline(always)]
    fn value(&mut self, size: u8) -> i16 {
        if size == 0 {
            return 0;
        }
        extend(self.value_bits(size), size)
    }

    /// `count` more bits as they are; `count` ≤ 15 and held.
    #[inline(always)]
    fn value_bits(&mut self, count: u8) -> u16 {
        if count == 0 {
            return 0;
        }
        let bits = self.peek(count) as u16;
        self.skip(u32::from(count));
        bits
    }
}

#[cold]
fn bad_code() -> Error {
    Error::Format("failed to decode huffman code".to_owned())
}

// Section F.2.2.1
// Figure F.12
fn extend(value: u16, count: u8) -> i16 {
    let vt = 1 << (count as u16 - 1);

    if value < vt {
        value as i16 + (-1 << count as i16) + 1
    } else {
        value as i16
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HuffmanTableClass {
    DC,
    AC,
}

pub struct HuffmanTable {
    values: Vec<u8>,
    delta: [i32; 16],
    maxcode: [i32; 16],

    lut: [(u8, u8); 1 << LUT_BITS],
    ac_lut: Option<[(i16, u8); 1 << LUT_BITS]>,
}

impl HuffmanTable {
    pub fn new(bits: &[u8; 16], values: &[u8], class: HuffmanTableClass) -> Result<HuffmanTable> {
        let (huffcode, huffsize) = derive_huffman_codes(bits)?;

        // Section F.2.2.3
        // Figure F.15
        // delta[i] is set to VALPTR(I) - MINCODE(I)
        let mut delta = [0i32; 16];
        let mut maxcode = [-1i32; 16];
        let mut j = 0;

        for i in 0 .. 16 {
            if bits[i] != 0 {
                delta[i] = j as i32 - huffcode[j] as i32;
                j += bits[i] as usize;
                maxcode[i] = huffcode[j - 1] as i32;
            }
        }

        // Build a lookup table for faster decoding.
        let mut lut = [(0u8, 0u8); 1 << LUT_BITS];

        for (i, &size) in huffsize.iter().enumerate().filter(|&(_, &size)| size <= LUT_BITS) {
            let bits_remaining = LUT_BITS - size;
            let start = (huffcode[i] << bits_remaining) as usize;

            let val = (values[i], size);
            for b in &mut lut[start..][..1 << bits_remaining] {
                *b = val;
            }
        }

        // Build a lookup table for small AC coefficients which both decodes the value and does the
        // equivalent of receive_extend.
        let ac_lut = match class {
            HuffmanTableClass::DC => None,
            HuffmanTableClass::AC => {
                let mut table = [(0i16, 0u8); 1 << LUT_BITS];

                for (i, &(value, size)) in lut.iter().enumerate() {
                    let run_length = value >> 4;
                    let magnitude_category = value & 0x0f;

                    if magnitude_category > 0 && size + magnitude_category <= LUT_BITS {
                        let unextended_ac_value = (((i << size) & ((1 << LUT_BITS) - 1)) >> (LUT_BITS - magnitude_category)) as u16;
                        let ac_value = extend(unextended_ac_value, magnitude_category);

                        table[i] = (ac_value, (run_length << 4) | (size + magnitude_category));
                    }
                }

                Some(table)
            },
        };

        Ok(HuffmanTable {
            values: values.to_vec(),
            delta,
            maxcode,
            lut,
            ac_lut,
        })
    }
}

// Section C.2
fn derive_huffman_codes(bits: &[u8; 16]) -> Result<(Vec<u16>, Vec<u8>)> {
    // Figure C.1
    let huffsize = bits.iter()
                       .enumerate()
                       .fold(Vec::new(), |mut acc, (i, &value)| {
                           acc.extend(iter::repeat((i + 1) as u8).take(value as usize));
                           acc
                       });

    // Figure C.2
    let mut huffcode = vec![0u16; huffsize.len()];
    let mut code_size = huffsize[0];
    let mut code = 0u32;

    for (i, &size) in huffsize.iter().enumerate() {
        while code_size < size {
            code <<= 1;
            code_size += 1;
        }

        if code >= (1u32 << size) {
            return Err(Error::Format("bad huffman code length".to_owned()));
        }

        huffcode[i] = code as u16;
        code += 1;
    }

    Ok((huffcode, huffsize))
}

// https://www.loc.gov/preservation/digital/formats/fdd/fdd000063.shtml
// "Avery Lee, writing in the rec.video.desktop newsgroup in 2001, commented that "MJPEG, or at
//  least the MJPEG in AVIs having the MJPG fourcc, is restricted JPEG with a fixed -- and
//  *omitted* -- Huffman table. The JPEG must be YCbCr colorspace, it must be 4:2:2, and it must
//  use basic Huffman encoding, not arithmetic or progressive.... You can indeed extract the
//  MJPEG frames and decode them with a regular JPEG decoder, but you have to prepend the DHT
//  segment to them, or else the decoder won't have any idea how to decompress the data.
//  The exact table necessary is given in the OpenDML spec.""
// Vendored: `.ok()` where upstream unwrapped these constant tables' `Result` (never an
// error): the unwrap linked the Debug of jpeg_decoder::Error, and through it std::io::Error's
// and str's (~1 KB gzip of wasm).
pub fn fill_default_mjpeg_tables(scan: &ScanInfo,
                                 dc_huffman_tables: &mut[Option<HuffmanTable>],
                                 ac_huffman_tables: &mut[Option<HuffmanTable>]) {
    // Section K.3.3

    if dc_huffman_tables[0].is_none() && scan.dc_table_indices.iter().any(|&i| i == 0) {
        // Table K.3
        dc_huffman_tables[0] = HuffmanTable::new(
            &[0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            &[0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B], HuffmanTableClass::DC).ok();
    }
    if dc_huffman_tables[1].is_none() && scan.dc_table_indices.iter().any(|&i| i == 1) {
        // Table K.4
        dc_huffman_tables[1] = HuffmanTable::new(
            &[0x00, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00],
            &[0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B], HuffmanTableClass::DC).ok();
    }
    if ac_huffman_tables[0].is_none() && scan.ac_table_indices.iter().any(|&i| i == 0) {
        // Table K.5
        ac_huffman_tables[0] = HuffmanTable::new(
            &[0x00, 0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7D],
            &[0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
              0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52, 0xD1, 0xF0,
              0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25, 0x26, 0x27, 0x28,
              0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
              0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
              0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
              0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
              0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5,
              0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2,
              0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
              0xF9, 0xFA
            ], HuffmanTableClass::AC).ok();
    }
    if ac_huffman_tables[1].is_none() && scan.ac_table_indices.iter().any(|&i| i == 1) {
        // Table K.6
        ac_huffman_tables[1] = HuffmanTable::new(
            &[0x00, 0x02, 0x01, 0x02, 0x04, 0x04, 0x03, 0x04, 0x07, 0x05, 0x04, 0x04, 0x00, 0x01, 0x02, 0x77],
            &[0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
              0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33, 0x52, 0xF0,
              0x15, 0x62, 0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18, 0x19, 0x1A, 0x26,
              0x27, 0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
              0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
              0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
              0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5,
              0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3,
              0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA,
              0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
              0xF9, 0xFA
            ], HuffmanTableClass::AC).ok();
    }
}
