use alloc::vec;
use alloc::vec::Vec;
use core::mem;
use crate::decoder::MAX_COMPONENTS;
use crate::error::Result;
use crate::idct::dequantize_and_idct_block;
use crate::alloc::sync::Arc;
use crate::parser::Component;
use crate::orient::Orientation;
use super::{RowData, Worker};

pub struct ImmediateWorker {
    offsets: [usize; MAX_COMPONENTS],
    results: Vec<Vec<u8>>,
    components: Vec<Option<Component>>,
    quantization_tables: Vec<Option<Arc<[u16; 64]>>>,
    orientations: [Orientation; MAX_COMPONENTS],
}

impl Default for ImmediateWorker {
    fn default() -> Self {
        ImmediateWorker {
            offsets: [0; MAX_COMPONENTS],
            results: vec![Vec::new(); MAX_COMPONENTS],
            components: vec![None; MAX_COMPONENTS],
            quantization_tables: vec![None; MAX_COMPONENTS],
            orientations: [Orientation::default(); MAX_COMPONENTS],
        }
    }
}

impl ImmediateWorker {
    pub fn start_immediate(&mut self, data: RowData) {
        assert!(self.results[data.index].is_empty());

        self.offsets[data.index] = 0;
        self.results[data.index].resize(data.component.block_size.width as usize * data.component.block_size.height as usize * data.component.dct_scale * data.component.dct_scale, 0u8);
        self.components[data.index] = Some(data.component);
        self.quantization_tables[data.index] = Some(data.quantization_table);
        self.orientations[data.index] = data.orientation;
    }

    pub fn append_row_immediate(&mut self, (index, mut data): (usize, Vec<i16>)) {
        self.convert_row(index, &mut data, false);
    }

    /// Vendored: converts a lent MCU row; with `zero`, each block is zeroed right after its
    /// IDCT, while it is still in cache, so the decoder can reuse the row for the next one.
    fn convert_row(&mut self, index: usize, data: &mut [i16], zero: bool) {
        // Convert coefficients from a MCU row to samples.

        let component = self.components[index].as_ref().unwrap();
        let quantization_table = self.quantization_tables[index].as_ref().unwrap();
        let block_count = component.block_size.width as usize * component.vertical_sampling_factor as usize;
        let line_stride = component.block_size.width as usize * component.dct_scale;

        assert_eq!(data.len(), block_count * 64);

        let orientation = self.orientations[index];
        let n = component.dct_scale;
        let (bw, bh) = (component.block_size.width as usize, component.block_size.height as usize);
        // Vendored (orient.rs): an oriented block goes to its oriented place, stored so by
        // the wasm 8x8 kernel itself, else through `samples` and `put_block`; one IDCT call
        // either way (the kernels are big wasm).
        let stride = orientation.size(bw, bh).0 * n;
        let first_row = self.offsets[index] / (line_stride * n);
        let mut samples = [0u8; 64];
        // Vendored: on wasm the 8×8 kernel stores its block oriented itself (no `samples`).
        let in_kernel = cfg!(all(target_feature = "simd128", target_arch = "wasm32")) && n == 8;
        for i in 0..block_count {
            let (x, y) = (i % bw, first_row + i / bw);
            if y >= bh {
                if zero {
                    data[i * 64..].fill(0);
                }
                break;
            }
            let (x, y) = orientation.place(x, y, bw, bh);
            let at = (y * stride + x) * n;
            let coefficients = data[i * 64..(i + 1) * 64].try_into().unwrap();
            let put = !orientation.is_identity() && !in_kernel;
            let (output, output_stride) = if put {
                (&mut samples[..], 8)
            } else {
                (&mut self.results[index][at..], stride)
            };
            #[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
            if in_kernel {
                crate::arch::wasm_idct_8x8_oriented(coefficients, quantization_table, output_stride, output, orientation);
            } else {
                dequantize_and_idct_block(n, coefficients, quantization_table, output_stride, output);
            }
            #[cfg(not(all(target_feature = "simd128", target_arch = "wasm32")))]
            dequantize_and_idct_block(n, coefficients, quantization_table, output_stride, output);
            if zero {
                data[i * 64..(i + 1) * 64].fill(0);
            }
            if put {
                orientation.put_block(&samples, n, stride, &mut self.results[index][at..]);
            }
        }

        self.offsets[index] += block_count * n * n;
    }

    pub fn get_result_immediate(&mut self, index: usize) -> Vec<u8> {
        mem::take(&mut self.results[index])
    }
}

impl Worker for ImmediateWorker {
    fn start(&mut self, data: RowData) -> Result<()> {
        self.start_immediate(data);
        Ok(())
    }
    fn append_row(&mut self, row: (usize, Vec<i16>)) -> Result<()> {
        self.append_row_immediate(row);
        Ok(())
    }
    fn append_row_zeroing(&mut self, index: usize, row: &mut [i16]) -> Result<()> {
        self.convert_row(index, row, true);
        Ok(())
    }
    fn get_result(&mut self, index: usize) -> Result<Vec<u8>> {
        Ok(self.get_result_immediate(index))
    }
}
