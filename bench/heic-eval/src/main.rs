//! Decodes each HEIC/HEIF given with each candidate decoder, single-threaded (the browser's
//! wasm is), and prints time and SSIM against a reference PNG decoded by libheif's
//! `heif-convert` (same transforms, no colour conversion). Usage:
//! `heic_eval REF_DIR FILE...` where REF_DIR/<file name>.png is the reference.
use std::time::Instant;

type Decoded = Result<(u32, u32, Vec<u8>), String>;

fn heifer(bytes: &[u8]) -> Decoded {
    let options = heifer::Options { max_threads: 1, max_pixels: 0 };
    let image = heifer::decode_rgba8(bytes, &options).map_err(|e| e.to_string())?;
    let rgb = image.data.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    Ok((image.width, image.height, rgb))
}

fn heic_rs(bytes: &[u8]) -> Decoded {
    let options = heic_rs::DecodeOptions::default()
        .with_layout(heic_rs::PixelLayout::Rgb8)
        .with_threads(Some(1));
    let image = heic_rs::decode(bytes, &options).map_err(|e| e.to_string())?;
    Ok((image.width, image.height, image.data))
}

fn heic_decoder(bytes: &[u8]) -> Decoded {
    let image = heic_decoder::decode(bytes).map_err(|e| e.to_string())?;
    let rgb = image.to_rgb8().map_err(|e| e.to_string())?;
    Ok((rgb.width as u32, rgb.height as u32, rgb.data))
}

/// Mean SSIM of luma (BT.601 weights) over 8×8 windows at a stride of 4, the constants of
/// Wang et al. 2004.
fn ssim(width: usize, height: usize, a: &[u8], b: &[u8]) -> f64 {
    let luma = |p: &[u8]| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64;
    let la: Vec<f64> = a.chunks_exact(3).map(luma).collect();
    let lb: Vec<f64> = b.chunks_exact(3).map(luma).collect();
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
            let (va, vb, cov) = (saa / 64.0 - ma * ma, sbb / 64.0 - mb * mb, sab / 64.0 - ma * mb);
            sum += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            n += 1;
        }
    }
    sum / n.max(1) as f64
}

fn main() {
    let mut args = std::env::args().skip(1);
    let reference_dir = args.next().expect("usage: heic_eval REF_DIR FILE...");
    let decoders: [(&str, fn(&[u8]) -> Decoded); 3] =
        [("heifer", heifer), ("heic-rs", heic_rs), ("heic-decoder", heic_decoder)];
    println!("| file | decoder | decodes | size | SSIM vs libheif | time (best of 3, 1 thread) |");
    println!("|---|---|---|---|---|---|");
    for path in args {
        let bytes = std::fs::read(&path).expect("read input");
        let name = std::path::Path::new(&path).file_name().unwrap().to_string_lossy().to_string();
        let reference = image::open(format!("{reference_dir}/{name}.png")).expect("reference").to_rgb8();
        for (decoder, decode) in decoders {
            let mut best = f64::INFINITY;
            let mut result = None;
            for _ in 0..3 {
                let start = Instant::now();
                let out = decode(&bytes);
                best = best.min(start.elapsed().as_secs_f64());
                let failed = out.is_err();
                result = Some(out);
                if failed {
                    break;
                }
            }
            match result.unwrap() {
                Ok((w, h, rgb)) => {
                    let same = (w, h) == reference.dimensions();
                    let score = if same {
                        format!("{:.4}", ssim(w as usize, h as usize, &rgb, reference.as_raw()))
                    } else {
                        format!("size differs ({}×{})", reference.width(), reference.height())
                    };
                    println!("| {name} | {decoder} | yes | {w}×{h} | {score} | {:.2} s |", best);
                }
                Err(e) => println!("| {name} | {decoder} | no: {e} | | | |"),
            }
        }
    }
}
