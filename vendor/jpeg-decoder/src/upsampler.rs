use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use crate::error::{Error, Result, UnsupportedFeature};
use crate::decoder::{RowColorConvert, MAX_COMPONENTS};
use crate::orient::Orientation;
use crate::parser::Component;

pub struct Upsampler {
    components: Vec<UpsamplerComponent>,
    line_buffer_size: usize
}

struct UpsamplerComponent {
    upsampler: Box<dyn Upsample + Sync>,
    width: usize,
    height: usize,
    row_stride: usize,
    // Vendored (orient.rs): where the real samples start in the oriented plane, and how
    // many leading upsampled columns and rows a flip puts before the picture.
    origin: usize,
    skip: (usize, usize),
    // Vendored: a full-resolution component is read in place, not copied to a line buffer.
    in_place: bool,
}

impl Upsampler {
    /// Vendored: `output_*` are the oriented output's, the planes are oriented (orient.rs):
    /// sampling factors and sizes are swapped for a transposing orientation.
    pub fn new(components: &[Component], output_width: u16, output_height: u16, orientation: Orientation) -> Result<Upsampler> {
        let factors = |c: &Component| orientation.size(c.horizontal_sampling_factor, c.vertical_sampling_factor);
        let h_max = components.iter().map(|c| factors(c).0).max().unwrap();
        let v_max = components.iter().map(|c| factors(c).1).max().unwrap();
        let mut upsampler_components = Vec::with_capacity(components.len());
        let output = (output_width as usize, output_height as usize);

        for component in components {
            let (h, v) = factors(component);
            let (upsampler, scale) = choose_upsampler((h, v),
                                             (h_max, v_max),
                                             output_width,
                                             output_height)?;
            let real = (component.size.width as usize, component.size.height as usize);
            let n = component.dct_scale;
            let padded = (component.block_size.width as usize * n, component.block_size.height as usize * n);
            let (width, height) = orientation.size(real.0, real.1);
            let row_stride = orientation.size(padded.0, padded.1).0;
            let (x, y) = orientation.origin(real, padded);
            upsampler_components.push(UpsamplerComponent {
                upsampler,
                width,
                height,
                row_stride,
                origin: y * row_stride + x,
                skip: orientation.skip((width * scale.0 as usize, height * scale.1 as usize), output),
                in_place: scale == (1, 1),
            });
        }

        let buffer_size = upsampler_components.iter().map(|c| c.width).max().unwrap() * h_max as usize;

        Ok(Upsampler {
            components: upsampler_components,
            line_buffer_size: buffer_size
        })
    }

    /// One line buffer per component, for [`Self::upsample_and_interleave_row`] (vendored:
    /// reused for every row instead of allocated per row).
    pub fn line_buffers(&self) -> Vec<Vec<u8>> {
        vec![vec![0u8; self.line_buffer_size]; self.components.len()]
    }

    pub fn upsample_and_interleave_row(&self, component_data: &[Vec<u8>], row: usize, output_width: usize, output: &mut [u8], color_convert: &RowColorConvert, line_buffers: &mut [Vec<u8>]) {
        let component_count = component_data.len();
        debug_assert_eq!(component_count, self.components.len());
        let mut lines: [&[u8]; MAX_COMPONENTS] = [&[]; MAX_COMPONENTS];

        for (i, (component, buffer)) in self.components.iter().zip(line_buffers.iter_mut()).enumerate() {
            if component.in_place && component.skip.0 == 0 {
                // What UpsamplerH1V1 would copy (its row at the same offset), in place.
                let start = component.origin + (row + component.skip.1) * component.row_stride;
                lines[i] = &component_data[i][start..][..output_width];
                continue;
            }
            component.upsampler.upsample_row(&component_data[i][component.origin..],
                                             component.width,
                                             component.height,
                                             component.row_stride,
                                             row + component.skip.1,
                                             output_width,
                                             buffer);
            lines[i] = &buffer[component.skip.0..];
        }
        color_convert.row(&lines[..component_count], row, output);
    }
}

struct UpsamplerH1V1;
struct UpsamplerH2V1;
struct UpsamplerH1V2;
struct UpsamplerH2V2;

struct UpsamplerGeneric {
    horizontal_scaling_factor: u8,
    vertical_scaling_factor: u8
}

fn choose_upsampler(sampling_factors: (u8, u8),
                    max_sampling_factors: (u8, u8),
                    output_width: u16,
                    output_height: u16) -> Result<(Box<dyn Upsample + Sync>, (u8, u8))> {
    // Vendored: also the factors it upsamples by (orient.rs needs them for the skip).
    let h1 = sampling_factors.0 == max_sampling_factors.0 || output_width == 1;
    let v1 = sampling_factors.1 == max_sampling_factors.1 || output_height == 1;
    let h2 = sampling_factors.0 * 2 == max_sampling_factors.0;
    let v2 = sampling_factors.1 * 2 == max_sampling_factors.1;

    if h1 && v1 {
        Ok((Box::new(UpsamplerH1V1), (1, 1)))
    } else if h2 && v1 {
        Ok((Box::new(UpsamplerH2V1), (2, 1)))
    } else if h1 && v2 {
        Ok((Box::new(UpsamplerH1V2), (1, 2)))
    } else if h2 && v2 {
        Ok((Box::new(UpsamplerH2V2), (2, 2)))
    } else if max_sampling_factors.0 % sampling_factors.0 != 0
        || max_sampling_factors.1 % sampling_factors.1 != 0
    {
        Err(Error::Unsupported(
            UnsupportedFeature::NonIntegerSubsamplingRatio,
        ))
    } else {
        let factors = (max_sampling_factors.0 / sampling_factors.0, max_sampling_factors.1 / sampling_factors.1);
        Ok((Box::new(UpsamplerGeneric {
            horizontal_scaling_factor: factors.0,
            vertical_scaling_factor: factors.1,
        }), factors))
    }
}

#[allow(clippy::too_many_arguments)]
trait Upsample {
    fn upsample_row(&self,
                    input: &[u8],
                    input_width: usize,
                    input_height: usize,
                    row_stride: usize,
                    row: usize,
                    output_width: usize,
                    output: &mut [u8]);
}

impl Upsample for UpsamplerH1V1 {
    fn upsample_row(&self,
                    input: &[u8],
                    _input_width: usize,
                    _input_height: usize,
                    row_stride: usize,
                    row: usize,
                    output_width: usize,
                    output: &mut [u8]) {
        let input = &input[row * row_stride ..];

        output[..output_width].copy_from_slice(&input[..output_width]);
    }
}

impl Upsample for UpsamplerH2V1 {
    fn upsample_row(&self,
                    input: &[u8],
                    input_width: usize,
                    _input_height: usize,
                    row_stride: usize,
                    row: usize,
                    _output_width: usize,
                    output: &mut [u8]) {
        let input = &input[row * row_stride ..];

        if input_width == 1 {
            output[0] = input[0];
            output[1] = input[0];
            return;
        }

        output[0] = input[0];
        output[1] = ((input[0] as u32 * 3 + input[1] as u32 + 2) >> 2) as u8;

        // Vendored: SIMD128 for most of the row on wasm, the same samples.
        #[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
        let start = crate::arch::wasm_upsample_h2v1(input, input_width, output);
        #[cfg(not(all(target_feature = "simd128", target_arch = "wasm32")))]
        let start = 1;
        for i in start .. input_width - 1 {
            let sample = 3 * input[i] as u32 + 2;
            output[i * 2]     = ((sample + input[i - 1] as u32) >> 2) as u8;
            output[i * 2 + 1] = ((sample + input[i + 1] as u32) >> 2) as u8;
        }

        output[(input_width - 1) * 2] = ((input[input_width - 1] as u32 * 3 + input[input_width - 2] as u32 + 2) >> 2) as u8;
        output[(input_width - 1) * 2 + 1] = input[input_width - 1];
    }
}

impl Upsample for UpsamplerH1V2 {
    fn upsample_row(&self,
                    input: &[u8],
                    _input_width: usize,
                    input_height: usize,
                    row_stride: usize,
                    row: usize,
                    output_width: usize,
                    output: &mut [u8]) {
        let row_near = row as f32 / 2.0;
        // If row_near's fractional is 0.0 we want row_far to be the previous row and if it's 0.5 we
        // want it to be the next row.
        let row_far = (row_near + row_near.fract() * 3.0 - 0.25).min((input_height - 1) as f32);

        let input_near = &input[row_near as usize * row_stride ..];
        let input_far = &input[row_far as usize * row_stride ..];

        let output = &mut output[..output_width];
        let input_near = &input_near[..output_width];
        let input_far = &input_far[..output_width];
        for i in 0..output_width {
            output[i] = ((3 * input_near[i] as u32 + input_far[i] as u32 + 2) >> 2) as u8;
        }
    }
}

impl Upsample for UpsamplerH2V2 {
    fn upsample_row(&self,
                    input: &[u8],
                    input_width: usize,
                    input_height: usize,
                    row_stride: usize,
                    row: usize,
                    _output_width: usize,
                    output: &mut [u8]) {
        let row_near = row as f32 / 2.0;
        // If row_near's fractional is 0.0 we want row_far to be the previous row and if it's 0.5 we
        // want it to be the next row.
        let row_far = (row_near + row_near.fract() * 3.0 - 0.25).min((input_height - 1) as f32);

        let input_near = &input[row_near as usize * row_stride ..];
        let input_far = &input[row_far as usize * row_stride ..];

        if input_width == 1 {
            let value = ((3 * input_near[0] as u32 + input_far[0] as u32 + 2) >> 2) as u8;
            output[0] = value;
            output[1] = value;
            return;
        }

        let mut t1 = 3 * input_near[0] as u32 + input_far[0] as u32;
        output[0] = ((t1 + 2) >> 2) as u8;

        // Vendored: SIMD128 for most of the row on wasm, the same samples.
        #[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
        let start = crate::arch::wasm_upsample_h2v2(input_near, input_far, input_width, output);
        #[cfg(not(all(target_feature = "simd128", target_arch = "wasm32")))]
        let start = 1;
        if start > 1 {
            t1 = 3 * input_near[start - 1] as u32 + input_far[start - 1] as u32;
        }
        for i in start .. input_width {
            let t0 = t1;
            t1 = 3 * input_near[i] as u32 + input_far[i] as u32;

            output[i * 2 - 1] = ((3 * t0 + t1 + 8) >> 4) as u8;
            output[i * 2]     = ((3 * t1 + t0 + 8) >> 4) as u8;
        }

        output[input_width * 2 - 1] = ((t1 + 2) >> 2) as u8;
    }
}

impl Upsample for UpsamplerGeneric {
    // Uses nearest neighbor sampling
    fn upsample_row(&self,
                    input: &[u8],
                    input_width: usize,
                    _input_height: usize,
                    row_stride: usize,
                    row: usize,
                    _output_width: usize,
                    output: &mut [u8]) {
        let mut index = 0;
        let start = (row / self.vertical_scaling_factor as usize) * row_stride;
        let input = &input[start..(start + input_width)];
        for val in input {
            for _ in 0..self.horizontal_scaling_factor {
                output[index] = *val;
                index += 1;
            }
        }
    }
}
