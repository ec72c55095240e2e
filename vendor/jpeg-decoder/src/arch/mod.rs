#![allow(unsafe_code)]

mod neon;
mod ssse3;
mod wasm;

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
use std::is_x86_feature_detected;

/// Arch-specific implementation of YCbCr conversion. Returns the number of pixels that were
/// converted.
#[allow(clippy::type_complexity)]
pub fn get_color_convert_line_ycbcr() -> Option<unsafe fn(&[u8], &[u8], &[u8], &mut [u8]) -> usize>
{
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[allow(unsafe_code)]
    {
        if is_x86_feature_detected!("ssse3") {
            return Some(ssse3::color_convert_line_ycbcr);
        }
    }
    // Runtime detection is not needed on aarch64.
    #[cfg(all(feature = "nightly_aarch64_neon", target_arch = "aarch64"))]
    {
        return Some(neon::color_convert_line_ycbcr);
    }
    #[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
    {
        return Some(wasm::color_convert_line_ycbcr);
    }
    #[allow(unreachable_code)]
    None
}

/// Vendored (orient.rs): how many leading pixels of a row of `width` the kernel of
/// [`get_color_convert_line_ycbcr`] converts, the rest being left to the scalar code.
/// tests/orientation.rs checks these against the kernels (natively and on wasm).
pub fn color_convert_line_ycbcr_pixels(width: usize) -> Option<usize> {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        if is_x86_feature_detected!("ssse3") {
            // Its 16-byte loads keep the last whole vector for the scalar code.
            return Some((width / 8).saturating_sub(1) * 8);
        }
    }
    #[cfg(any(
        all(feature = "nightly_aarch64_neon", target_arch = "aarch64"),
        all(target_feature = "simd128", target_arch = "wasm32")
    ))]
    {
        return Some(width / 8 * 8);
    }
    #[allow(unreachable_code)]
    None
}

/// Vendored: the SIMD128 4x4 IDCT (DCT scale 4/8), always there with simd128 enabled.
#[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
pub use wasm::dequantize_and_idct_block_4x4 as wasm_idct_4x4;
/// Vendored: the SIMD128 N×N IDCT (DCT scales 3/8, 5/8, 6/8, 7/8).
#[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
pub use wasm::dequantize_and_idct_block_nxn as wasm_idct_nxn;
/// Vendored: the SIMD128 5×5 IDCT (DCT scale 5/8), unrolled and with the DC-only shortcut.
#[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
pub use wasm::dequantize_and_idct_block_5x5 as wasm_idct_5x5;

/// Vendored: SIMD128 H2V1 and H2V2 fancy upsampling (upsampler.rs).
#[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
pub use wasm::{upsample_h2v1 as wasm_upsample_h2v1, upsample_h2v2 as wasm_upsample_h2v2};
/// Vendored: the SIMD128 8x8 IDCT that stores its block oriented (orient.rs).
#[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
pub use wasm::dequantize_and_idct_block_8x8_oriented as wasm_idct_8x8_oriented;

/// Arch-specific implementation of 8x8 IDCT.
#[allow(clippy::type_complexity)]
pub fn get_dequantize_and_idct_block_8x8(
) -> Option<unsafe fn(&[i16; 64], &[u16; 64], usize, &mut [u8])> {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[allow(unsafe_code)]
    {
        if is_x86_feature_detected!("ssse3") {
            return Some(ssse3::dequantize_and_idct_block_8x8);
        }
    }
    // Runtime detection is not needed on aarch64.
    #[cfg(all(feature = "nightly_aarch64_neon", target_arch = "aarch64"))]
    {
        return Some(neon::dequantize_and_idct_block_8x8);
    }
    #[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
    {
        return Some(wasm::dequantize_and_idct_block_8x8);
    }
    #[allow(unreachable_code)]
    None
}
