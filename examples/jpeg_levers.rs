//! Encoder levers for bench/sweep.mjs: decodes, orients and resizes each photo exactly as
//! `prepare` does, then encodes it with every lever below at a sweep of qualities and
//! writes `<out>/<photo>/<lever>/<q>.jpg` plus `<out>/levers.json` (native encode ms).
//! The bench then measures each JPEG's SSIM in Chromium (bench/page/ssim.js) and reports
//! bytes/px at the SSIM of the canvas path. jpeg-encoder gives the same bytes natively
//! and in wasm (tests/encode_exact.rs), so these files are what the wasm would write.
//!
//! cargo run --release --example jpeg_levers -- OUT_DIR PHOTO.jpg...

use std::time::Instant;

use fhir_media_capture::pipeline::encode::ycbcr_row;
use fhir_media_capture::pipeline::raster::Raster;
use fhir_media_capture::pipeline::{decode, orient, resize, sniff};
use jpeg_encoder::{
    AdaptiveRounding, ChromaSubsamplingMethod, Encoder, ImageBuffer, JpegColorType,
    QuantizationTableType, SamplingFactor, Trellis,
};

/// Base tables of vendor/jpeg-encoder/src/quantization.rs (mozjpeg jcparam.c), natural order:
/// (name, luma, chroma); several published tables use one matrix for both.
const TABLES: [(&str, [u16; 64], [u16; 64]); 9] = [
    ("annexk", ANNEXK_LUMA, ANNEXK_CHROMA),
    ("flat", FLAT, FLAT),
    ("msssim", MSSSIM_LUMA, MSSSIM_CHROMA),
    ("psnrhvs", PSNRHVS_LUMA, PSNRHVS_CHROMA),
    ("imagemagick", IMAGEMAGICK, IMAGEMAGICK),
    ("klein", KLEIN, KLEIN),
    ("watson", WATSON, WATSON),
    ("ahumada", AHUMADA, AHUMADA),
    ("peterson", PETERSON, PETERSON),
];

const ANNEXK_LUMA: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

const ANNEXK_CHROMA: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

const FLAT: [u16; 64] = [
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
];

const MSSSIM_LUMA: [u16; 64] = [
    12, 17, 20, 21, 30, 34, 56, 63, 18, 20, 20, 26, 28, 51, 61, 55, 19, 20, 21, 26, 33, 58, 69, 55,
    26, 26, 26, 30, 46, 87, 86, 66, 31, 33, 36, 40, 46, 96, 100, 73, 40, 35, 46, 62, 81, 100, 111,
    91, 46, 66, 76, 86, 102, 121, 120, 101, 68, 90, 90, 96, 113, 102, 105, 103,
];

const MSSSIM_CHROMA: [u16; 64] = [
    8, 12, 15, 15, 86, 96, 96, 98, 13, 13, 15, 26, 90, 96, 99, 98, 12, 15, 18, 96, 99, 99, 99, 99,
    17, 16, 90, 96, 99, 99, 99, 99, 96, 96, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

const PSNRHVS_LUMA: [u16; 64] = [
    9, 10, 12, 14, 27, 32, 51, 62, 11, 12, 14, 19, 27, 44, 59, 73, 12, 14, 18, 25, 42, 59, 79, 78,
    17, 18, 25, 42, 61, 92, 87, 92, 23, 28, 42, 75, 79, 112, 112, 99, 40, 42, 59, 84, 88, 124, 132,
    111, 42, 64, 78, 95, 105, 126, 125, 99, 70, 75, 100, 102, 116, 100, 107, 98,
];

const PSNRHVS_CHROMA: [u16; 64] = [
    9, 10, 17, 19, 62, 89, 91, 97, 12, 13, 18, 29, 84, 91, 88, 98, 14, 19, 29, 93, 95, 95, 98, 97,
    20, 26, 84, 88, 95, 95, 98, 94, 26, 86, 91, 93, 97, 99, 98, 99, 99, 100, 98, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 97, 97, 99, 99, 99, 99, 97, 99,
];

const IMAGEMAGICK: [u16; 64] = [
    16, 16, 16, 18, 25, 37, 56, 85, 16, 17, 20, 27, 34, 40, 53, 75, 16, 20, 24, 31, 43, 62, 91,
    135, 18, 27, 31, 40, 53, 74, 106, 156, 25, 34, 43, 53, 69, 94, 131, 189, 37, 40, 62, 74, 94,
    124, 169, 238, 56, 53, 91, 106, 131, 169, 226, 311, 85, 75, 135, 156, 189, 238, 311, 418,
];

const KLEIN: [u16; 64] = [
    10, 12, 14, 19, 26, 38, 57, 86, 12, 18, 21, 28, 35, 41, 54, 76, 14, 21, 25, 32, 44, 63, 92,
    136, 19, 28, 32, 41, 54, 75, 107, 157, 26, 35, 44, 54, 70, 95, 132, 190, 38, 41, 63, 75, 95,
    125, 170, 239, 57, 54, 92, 107, 132, 170, 227, 312, 86, 76, 136, 157, 190, 239, 312, 419,
];

const WATSON: [u16; 64] = [
    7, 8, 10, 14, 23, 44, 95, 241, 8, 8, 11, 15, 25, 47, 102, 255, 10, 11, 13, 19, 31, 58, 127,
    255, 14, 15, 19, 27, 44, 83, 181, 255, 23, 25, 31, 44, 72, 136, 255, 255, 44, 47, 58, 83, 136,
    255, 255, 255, 95, 102, 127, 181, 255, 255, 255, 255, 241, 255, 255, 255, 255, 255, 255, 255,
];

const AHUMADA: [u16; 64] = [
    15, 11, 11, 12, 15, 19, 25, 32, 11, 13, 10, 10, 12, 15, 19, 24, 11, 10, 14, 14, 16, 18, 22, 27,
    12, 10, 14, 18, 21, 24, 28, 33, 15, 12, 16, 21, 26, 31, 36, 42, 19, 15, 18, 24, 31, 38, 45, 53,
    25, 19, 22, 28, 36, 45, 55, 65, 32, 24, 27, 33, 42, 53, 65, 77,
];

const PETERSON: [u16; 64] = [
    14, 10, 11, 14, 19, 25, 34, 45, 10, 11, 11, 12, 15, 20, 26, 33, 11, 11, 15, 18, 21, 25, 31, 38,
    14, 12, 18, 24, 28, 33, 39, 47, 19, 15, 21, 28, 36, 43, 51, 59, 25, 20, 25, 33, 43, 54, 64, 74,
    34, 26, 31, 39, 51, 64, 77, 91, 45, 33, 38, 47, 59, 74, 91, 108,
];

/// One way of encoding: base tables (by name), chroma quality relative to luma, etc.
#[derive(Clone)]
struct Lever {
    name: String,
    luma: &'static str,
    chroma: &'static str,
    /// Luma quantiser scale = libjpeg's × this.
    luma_scale: f64,
    /// Chroma quantiser scale = luma's × this.
    chroma_scale: f64,
    method: ChromaSubsamplingMethod,
    sampling: SamplingFactor,
    scans: Option<u8>,
    /// AC rounding, percent of the divisor (50 = nearest), luma and chroma.
    rounding: (u8, u8),
    /// Chroma at this fixed quality instead of the swept one (luma-only levers).
    chroma_q: Option<u8>,
    /// Trellis quantisation (replaces the rounding).
    trellis: Option<Trellis>,
    /// Progressive with successive approximation (libjpeg's standard script).
    standard_progression: bool,
    /// Per-block rounding by variance (replaces `rounding`).
    adaptive: Option<AdaptiveRounding>,
}

fn lever(name: &str) -> Lever {
    Lever {
        name: name.into(),
        luma: "annexk",
        chroma: "annexk",
        luma_scale: 1.0,
        chroma_scale: 1.0,
        method: ChromaSubsamplingMethod::Average,
        sampling: SamplingFactor::R_4_2_0,
        scans: None,
        rounding: (50, 50),
        chroma_q: None,
        trellis: None,
        standard_progression: false,
        adaptive: None,
    }
}

fn levers() -> Vec<Lever> {
    let mut out = vec![lever("base")];
    for scans in [2, 4] {
        out.push(Lever {
            scans: Some(scans),
            ..lever(&format!("prog{scans}"))
        });
    }
    for (t, _, _) in TABLES.iter().skip(1) {
        out.push(Lever {
            luma: t,
            chroma: t,
            ..lever(&format!("tables-{t}"))
        });
        out.push(Lever {
            luma: t,
            ..lever(&format!("luma-{t}"))
        });
    }
    out.push(Lever {
        method: ChromaSubsamplingMethod::Nearest,
        ..lever("nearest")
    });
    out.push(Lever {
        sampling: SamplingFactor::R_4_4_4,
        ..lever("444")
    });
    out.push(Lever {
        sampling: SamplingFactor::R_4_2_2,
        ..lever("422")
    });
    for s in [1.25, 1.5, 2.0] {
        out.push(Lever {
            chroma_scale: s,
            ..lever(&format!("chroma-x{s}"))
        });
    }
    for r in [45, 40, 35, 30] {
        out.push(Lever {
            rounding: (r, r),
            ..lever(&format!("dz{r}"))
        });
    }
    // Luma only: chroma held at the canvas path's (Annex K at quality 80), luma swept.
    for (t, _, _) in TABLES.iter() {
        for r in [50, 40, 33] {
            out.push(Lever {
                luma: t,
                rounding: (r, 50),
                chroma_q: Some(80),
                ..lever(&format!(
                    "Y-{t}{}",
                    if r == 50 {
                        String::new()
                    } else {
                        format!("-dz{r}")
                    }
                ))
            });
        }
    }
    // What src/pipeline/encode.rs does: luma scale 0.97, dead zone 40 on both, chroma as libjpeg.
    out.push(Lever {
        luma_scale: 0.97,
        rounding: (40, 40),
        ..lever("wired")
    });
    // Trellis quantisation: mozjpeg's λ (14.75, 16.5), then λ₁ around it, 1 or 2 passes.
    for passes in [1, 2] {
        for l1 in [13.5f32, 14.0, 14.5, 14.75, 15.0, 15.5] {
            for l2 in [15.5f32, 16.5, 17.5] {
                out.push(Lever {
                    trellis: Some(Trellis {
                        lambda_log_scale1: l1,
                        lambda_log_scale2: l2,
                        passes,
                    }),
                    ..lever(&format!("trellis{passes}-{l1}-{l2}"))
                });
            }
        }
    }
    out.push(Lever {
        luma_scale: 0.97,
        rounding: (40, 40),
        standard_progression: true,
        ..lever("wired-sa")
    });
    // The same with another luma scale (per-path calibration of the quality mapping).
    for scale in [0.85, 0.9, 0.93, 1.0, 1.03, 1.06, 1.09, 1.12, 1.15] {
        out.push(Lever {
            luma_scale: scale,
            rounding: (40, 40),
            standard_progression: true,
            ..lever(&format!("wired-sa-L{scale}"))
        });
    }
    // Chroma against luma, judged by SSIMULACRA2 (`sweep.mjs --ssimulacra2`), which sees
    // colour where the SSIM sees luma only: chroma quantiser × s, at 4:2:0 and at 4:4:4.
    for s in [0.7, 0.85, 1.25, 1.5, 2.0] {
        out.push(Lever {
            luma_scale: 0.97,
            rounding: (40, 40),
            standard_progression: true,
            chroma_scale: s,
            ..lever(&format!("wired-sa-C{s}"))
        });
    }
    for s in [1.0, 1.5, 2.0, 3.0] {
        out.push(Lever {
            luma_scale: 0.97,
            rounding: (40, 40),
            standard_progression: true,
            chroma_scale: s,
            sampling: SamplingFactor::R_4_4_4,
            ..lever(&format!("wired-sa-444-C{s}"))
        });
    }
    // Adaptive quantisation: the dead zone by block variance (flat → busy rounding,
    // variance at half way) and towards high frequencies (hf), on wired-sa.
    let aq = |flat, busy, half, hf, name: String| Lever {
        luma_scale: 0.97,
        standard_progression: true,
        adaptive: Some(AdaptiveRounding {
            flat,
            busy,
            half,
            hf,
        }),
        ..lever(&name)
    };
    for (flat, busy) in [(50, 30), (50, 20), (45, 30), (45, 20), (40, 40), (45, 35)] {
        for half in [50.0f32, 200.0, 800.0] {
            for hf in [0.0f32, 0.3] {
                out.push(aq(
                    flat,
                    busy,
                    half,
                    hf,
                    format!("aq-{flat}-{busy}-{half}-{hf}"),
                ));
            }
        }
    }
    // The other way round (flat blocks coarser), and the frequency ramp alone.
    for (flat, busy) in [(30, 45), (20, 45), (35, 50)] {
        for half in [50.0f32, 200.0] {
            out.push(aq(
                flat,
                busy,
                half,
                0.0,
                format!("aqr-{flat}-{busy}-{half}"),
            ));
        }
    }
    for (p, hf) in [
        (40, 0.5f32),
        (40, 0.8),
        (45, 0.3),
        (45, 0.5),
        (45, 0.8),
        (50, 0.5),
        (50, 0.8),
    ] {
        out.push(aq(p, p, 1.0, hf, format!("hf-{p}-{hf}")));
    }
    // LEVERS=a,b: only those (a trailing * matches a prefix).
    if let Ok(only) = std::env::var("LEVERS") {
        out.retain(|l| {
            only.split(',').any(|n| match n.strip_suffix('*') {
                Some(prefix) => l.name.starts_with(prefix),
                None => n == l.name,
            })
        });
    }
    out
}

fn base(name: &str, luma: bool) -> &'static [u16; 64] {
    let (_, l, c) = TABLES.iter().find(|t| t.0 == name).expect("table");
    if luma {
        l
    } else {
        c
    }
}

/// libjpeg's quality scaling (as jpeg-encoder's), with the scale multiplied by `factor`.
fn scaled(table: &[u16; 64], quality: u8, factor: f64) -> [u16; 64] {
    let q = quality.clamp(1, 100) as u32;
    let scale = if q < 50 { 5000 / q } else { 200 - 2 * q } as f64 * factor;
    let mut out = [0u16; 64];
    for (o, &v) in out.iter_mut().zip(table) {
        *o = ((v as f64 * scale + 50.0) / 100.0)
            .floor()
            .clamp(1.0, 255.0) as u16;
    }
    out
}

/// RESIZE=lanczos3|mitchell|catmullrom|bilinear: another kernel than the pipeline's.
fn resize_with(src: Raster, max: u32, filter: &str) -> Raster {
    use fast_image_resize::images::{Image, ImageRef};
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
    let (w, h) = resize::fitted_size(src.width, src.height, max);
    if (w, h) == (src.width, src.height) {
        return src;
    }
    let filter = match filter {
        "lanczos3" => FilterType::Lanczos3,
        "mitchell" => FilterType::Mitchell,
        "catmullrom" => FilterType::CatmullRom,
        "bilinear" => FilterType::Bilinear,
        other => panic!("RESIZE={other}?"),
    };
    let pixel = if src.channels == 4 {
        PixelType::U8x4
    } else {
        PixelType::U8x3
    };
    let from = ImageRef::new(src.width, src.height, &src.data, pixel).expect("src");
    let mut to = Image::new(w, h, pixel);
    Resizer::new()
        .resize(
            &from,
            &mut to,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)),
        )
        .expect("resize");
    Raster::new(w, h, src.channels, to.into_vec()).expect("raster")
}

struct Rows<'a>(&'a Raster);

impl ImageBuffer for Rows<'_> {
    fn get_jpeg_color_type(&self) -> JpegColorType {
        JpegColorType::Ycbcr
    }
    fn width(&self) -> u16 {
        self.0.width as u16
    }
    fn height(&self) -> u16 {
        self.0.height as u16
    }
    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let c = self.0.channels;
        let len = self.0.width as usize * c;
        let row = &self.0.data[y as usize * len..(y as usize + 1) * len];
        let [luma, cb, cr, _] = buffers;
        ycbcr_row(row, c, luma, cb, cr);
    }
}

fn encode(img: &Raster, l: &Lever, q: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = Encoder::new(&mut out, q);
    e.set_sampling_factor(l.sampling);
    e.set_chroma_subsampling_method(l.method);
    e.set_optimized_huffman_tables(true);
    let luma = scaled(base(l.luma, true), q, l.luma_scale);
    let chroma = scaled(
        base(l.chroma, false),
        l.chroma_q.unwrap_or(q),
        l.chroma_scale,
    );
    e.set_quantization_tables(
        QuantizationTableType::Custom(Box::new(luma)),
        QuantizationTableType::Custom(Box::new(chroma)),
    );
    e.set_ac_rounding(l.rounding.0, l.rounding.1);
    e.set_trellis(l.trellis);
    e.set_adaptive_rounding(l.adaptive);
    e.set_standard_progression(l.standard_progression);
    if let Some(s) = l.scans {
        e.set_progressive_scans(s);
    }
    e.encode_image(Rows(img)).expect("encode");
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out_dir, photos) = args.split_first().expect("usage: OUT_DIR PHOTO.jpg...");
    let step = std::env::var("STEP").map_or(4, |s| s.parse().expect("STEP"));
    // QRANGE=70-86: only those qualities (a sweep scoring every point wants few).
    let (lo, hi) = std::env::var("QRANGE").map_or((40, 96), |r| {
        let (a, b) = r.split_once('-').expect("QRANGE=lo-hi");
        (a.parse().expect("QRANGE"), b.parse().expect("QRANGE"))
    });
    let qualities: Vec<u8> = (lo..=hi).step_by(step).collect();
    let mut json = Vec::new();
    for path in photos {
        let bytes = std::fs::read(path).expect("read photo");
        let format = sniff::sniff(&bytes).expect("sniff");
        let decoded = decode::decode(&bytes, format, 2048, 100_000_000, None).expect("decode");
        let oriented = orient::apply(decoded.raster, orient::read_orientation(&bytes));
        let img = match std::env::var("RESIZE") {
            Ok(filter) => resize_with(oriented, 2048, &filter),
            Err(_) => resize::fit(oriented, 2048).expect("fit"),
        }
        .flatten_onto_white();
        let name = std::path::Path::new(path)
            .file_name()
            .unwrap()
            .to_string_lossy();
        // INPUT_PPM=1: also the pixels every lever encodes, for encoders outside this tool.
        if std::env::var_os("INPUT_PPM").is_some() {
            std::fs::create_dir_all(format!("{out_dir}/{name}")).expect("mkdir");
            let mut ppm = format!("P6\n{} {}\n255\n", img.width, img.height).into_bytes();
            ppm.extend(img.data.chunks_exact(img.channels).flat_map(|px| &px[..3]));
            std::fs::write(format!("{out_dir}/{name}/input.ppm"), ppm).expect("write ppm");
        }
        for l in levers() {
            let dir = format!("{out_dir}/{name}/{}", l.name);
            std::fs::create_dir_all(&dir).expect("mkdir");
            for &q in &qualities {
                let mut best = f64::MAX;
                let mut jpeg = Vec::new();
                // Timed levers: best of 3 (REPEATS=n: every lever best of n); the rest once (the bench runs them for SSIM).
                let repeats = match std::env::var("REPEATS") {
                    Ok(n) => n.parse().expect("REPEATS"),
                    Err(_) if l.name == "base" || l.scans.is_some() => 3,
                    Err(_) => 1,
                };
                for _ in 0..repeats {
                    let t = Instant::now();
                    jpeg = encode(&img, &l, q);
                    best = best.min(t.elapsed().as_secs_f64() * 1000.0);
                }
                std::fs::write(format!("{dir}/{q}.jpg"), &jpeg).expect("write");
                json.push(format!(
                    r#"{{"image":"{name}","lever":"{}","q":{q},"bytes":{},"ms":{best:.2}}}"#,
                    l.name,
                    jpeg.len()
                ));
            }
            eprintln!("{name} {} done", l.name);
        }
    }
    std::fs::write(
        format!("{out_dir}/levers-{}.json", std::process::id()),
        format!("[\n{}\n]\n", json.join(",\n")),
    )
    .expect("write json");
}
