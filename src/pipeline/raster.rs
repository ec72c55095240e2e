//! The in-memory picture passed between stages: 8-bit RGB, or RGBA when the source had
//! an alpha channel. Decoders convert to one of these; nothing else flows between stages.
//! (A struct of our own rather than `image::DynamicImage`, whose every-format generics
//! and colour management would triple the wasm size.)

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    pub width: u32,
    pub height: u32,
    /// 3 (RGB) or 4 (RGBA).
    pub channels: usize,
    pub data: Vec<u8>,
}

impl Raster {
    /// `None` when `data` does not hold exactly `width * height * channels` bytes.
    pub fn new(width: u32, height: u32, channels: usize, data: Vec<u8>) -> Option<Self> {
        let ok = matches!(channels, 3 | 4)
            && (width as usize)
                .checked_mul(height as usize)
                .and_then(|n| n.checked_mul(channels))
                == Some(data.len());
        ok.then_some(Raster {
            width,
            height,
            channels,
            data,
        })
    }

    /// True when some pixel is not fully opaque.
    pub fn has_transparency(&self) -> bool {
        self.channels == 4 && self.data.chunks_exact(4).any(|p| p[3] < 255)
    }

    /// Drop an alpha channel that carries nothing (all opaque); keeps RGB as is.
    pub fn without_opaque_alpha(self) -> Raster {
        if self.channels == 4 && !self.has_transparency() {
            self.flatten_onto_white()
        } else {
            self
        }
    }

    /// Composite onto white: a JPEG has no alpha, and black behind a cut-out photo
    /// would hide what matters.
    pub fn flatten_onto_white(self) -> Raster {
        if self.channels == 3 {
            return self;
        }
        let data = self
            .data
            .chunks_exact(4)
            .flat_map(|p| {
                let a = p[3] as u32;
                // round(c * a / 255 + 255 * (255 - a) / 255)
                let mix = |c: u8| ((c as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
                [mix(p[0]), mix(p[1]), mix(p[2])]
            })
            .collect();
        Raster {
            width: self.width,
            height: self.height,
            channels: 3,
            data,
        }
    }
}

/// Expand 8-bit pixels of `src_channels` (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) to RGB or
/// RGBA.
pub fn from_8bit(width: u32, height: u32, src_channels: usize, data: Vec<u8>) -> Option<Raster> {
    match src_channels {
        3 | 4 => Raster::new(width, height, src_channels, data),
        1 => Raster::new(
            width,
            height,
            3,
            data.iter().flat_map(|&l| [l, l, l]).collect(),
        ),
        2 => Raster::new(
            width,
            height,
            4,
            data.chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flatten_mixes_with_white() {
        let r = Raster::new(2, 1, 4, vec![0, 0, 0, 0, 200, 10, 10, 255]).unwrap();
        assert!(r.has_transparency());
        assert_eq!(
            r.flatten_onto_white().data,
            vec![255, 255, 255, 200, 10, 10]
        );
    }

    #[test]
    fn expands_gray_and_checks_sizes() {
        let r = from_8bit(2, 1, 2, vec![10, 255, 20, 128]).unwrap();
        assert_eq!(r.data, vec![10, 10, 10, 255, 20, 20, 20, 128]);
        assert!(Raster::new(2, 2, 3, vec![0; 11]).is_none());
    }
}
