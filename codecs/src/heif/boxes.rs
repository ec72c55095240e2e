//! Bounds-checked reading of ISO-BMFF (ISO/IEC 14496-12) boxes and their fields. Every
//! read is checked against the end of what holds it, and every sum of offsets is checked
//! for overflow, so a damaged or hostile file is a `corrupt-image` error, never a panic.

use std::ops::Range;

use crate::CodecError;

/// Why a file was refused, as static text until it leaves the module: a `String` per
/// error site would make every `?` move and drop one (KBs of the codecs wasm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fail {
    Corrupt(&'static str),
    Unsupported(&'static str),
}

impl From<Fail> for CodecError {
    fn from(fail: Fail) -> Self {
        match fail {
            Fail::Corrupt(what) => CodecError::Corrupt(format!("HEIF: {what}")),
            Fail::Unsupported(what) => CodecError::Unsupported(format!("HEIF: {what}")),
        }
    }
}

/// `corrupt-image`, saying what was wrong.
pub(super) fn corrupt(what: &'static str) -> Fail {
    Fail::Corrupt(what)
}

/// A box: its type and where its body (after the header) lies in the file.
#[derive(Debug, Clone)]
pub(super) struct BoxRef {
    pub kind: [u8; 4],
    pub body: Range<usize>,
}

/// The boxes laid end to end over exactly `range` of `bytes`.
pub(super) fn children(bytes: &[u8], range: Range<usize>) -> Result<Vec<BoxRef>, Fail> {
    let mut out = Vec::new();
    let mut pos = range.start;
    while pos < range.end {
        let mut r = Reader::new(bytes, pos..range.end)?;
        let size32 = r.u32()?;
        let kind = r.fourcc()?;
        let size = match size32 {
            1 => r.u64()?,
            // Size 0: the box runs to the end of its container.
            0 => (range.end - pos) as u64,
            n => u64::from(n),
        };
        if kind == *b"uuid" {
            r.skip(16)?;
        }
        let end = usize::try_from(size)
            .ok()
            .and_then(|size| pos.checked_add(size))
            .filter(|&end| end <= range.end && end >= r.pos)
            .ok_or_else(|| corrupt("a box's size does not fit its container"))?;
        out.push(BoxRef {
            kind,
            body: r.pos..end,
        });
        pos = end;
    }
    Ok(out)
}

/// The one child of type `kind`; more than one is an error, none is `None`.
pub(super) fn single<'a>(boxes: &'a [BoxRef], kind: &[u8; 4]) -> Result<Option<&'a BoxRef>, Fail> {
    let mut found = boxes.iter().filter(|b| &b.kind == kind);
    let first = found.next();
    if found.next().is_some() {
        return Err(corrupt("a box that may appear once appears twice"));
    }
    Ok(first)
}

/// Big-endian fields read forward over `range` of the file, never past its end.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pub pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], range: Range<usize>) -> Result<Self, Fail> {
        if range.start > range.end || range.end > bytes.len() {
            return Err(corrupt("a range lies outside the file"));
        }
        Ok(Reader {
            bytes,
            pos: range.start,
            end: range.end,
        })
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Fail> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.end)
            .ok_or_else(|| corrupt("a box ends in the middle of a field"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub fn skip(&mut self, n: usize) -> Result<(), Fail> {
        self.take(n).map(|_| ())
    }

    pub fn u8(&mut self) -> Result<u8, Fail> {
        Ok(self.take(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16, Fail> {
        Ok(self.uint(2)? as u16)
    }

    pub fn u32(&mut self) -> Result<u32, Fail> {
        Ok(self.uint(4)? as u32)
    }

    pub fn u64(&mut self) -> Result<u64, Fail> {
        self.uint(8)
    }

    /// An unsigned big-endian number of `n` bytes, `n` at most 8 (0 reads as 0).
    pub fn uint(&mut self, n: usize) -> Result<u64, Fail> {
        if n > 8 {
            return Err(corrupt("a field is wider than 8 bytes"));
        }
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    pub fn fourcc(&mut self) -> Result<[u8; 4], Fail> {
        let b = self.take(4)?;
        Ok([b[0], b[1], b[2], b[3]])
    }

    /// A FullBox header: (version, flags).
    pub fn full_box(&mut self) -> Result<(u8, u32), Fail> {
        let v = self.u32()?;
        Ok(((v >> 24) as u8, v & 0x00FF_FFFF))
    }

    /// A NUL-terminated string (without its NUL); a missing NUL is an error.
    pub fn cstring(&mut self) -> Result<&'a [u8], Fail> {
        let rest = &self.bytes[self.pos..self.end];
        let len = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| corrupt("a string has no end"))?;
        let out = &rest[..len];
        self.pos += len + 1;
        Ok(out)
    }

    /// Whether anything is left.
    pub fn more(&self) -> bool {
        self.pos < self.end
    }
}
