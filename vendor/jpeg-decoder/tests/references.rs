//! The vendored decoder against references, on the shared test photos (FHIR_TESTDATA, else
//! ../../../shared/testdata; none is stored here): at full size byte for byte with upstream
//! 0.3.2 from crates.io, and at every M/8 within a PSNR bound of libjpeg-turbo's
//! `djpeg -scale M/8` (islow IDCT, fancy upsampling; scripts/setup.sh installs djpeg).

use std::path::PathBuf;
use std::process::Command;

mod support;

fn photos() -> Vec<PathBuf> {
    let dir = support::photos_dir();
    let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (set FHIR_TESTDATA)", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("jpg")))
        .collect();
    all.sort();
    assert!(!all.is_empty(), "no JPEG in {}", dir.display());
    all
}

#[test]
fn full_size_is_byte_exact_with_upstream() {
    for path in photos() {
        let bytes = std::fs::read(&path).unwrap();
        let ours = jpeg_decoder::Decoder::new(&bytes[..]).decode();
        let theirs = upstream::Decoder::new(&bytes[..]).decode();
        match (ours, theirs) {
            (Ok(a), Ok(b)) => assert!(a == b, "{}: pixels differ from upstream", path.display()),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{}: ours {:?} vs upstream {:?}", path.display(), a.err(), b.err()),
        }
    }
}

/// Upstream's own scales (1/8, 2/8, 4/8) are unchanged too.
#[test]
fn upstream_scales_are_byte_exact_with_upstream() {
    for path in photos() {
        let bytes = std::fs::read(&path).unwrap();
        for m in [1u32, 2, 4] {
            let mut ours = jpeg_decoder::Decoder::new(&bytes[..]);
            let mut theirs = upstream::Decoder::new(&bytes[..]);
            ours.read_info().unwrap();
            let info = ours.info().unwrap();
            let (w, h) = (u32::from(info.width), u32::from(info.height));
            let req = ((w * m).div_ceil(8) as u16, (h * m).div_ceil(8) as u16);
            assert_eq!(ours.scale(req.0, req.1).unwrap(), theirs.scale(req.0, req.1).unwrap());
            assert!(ours.decode().unwrap() == theirs.decode().unwrap(), "{}: {m}/8", path.display());
        }
    }
}

fn djpeg(path: &PathBuf, m: u32) -> (usize, usize, Vec<u8>) {
    let out = Command::new("djpeg")
        .args(["-scale", &format!("{m}/8"), "-rgb", "-ppm"])
        .arg(path)
        .output()
        .expect("djpeg (libjpeg-turbo-progs) is needed: run scripts/setup.sh");
    assert!(out.status.success(), "djpeg failed on {}", path.display());
    // Binary PPM: "P6\n<w> <h>\n255\n" then RGB.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while out.stdout[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !out.stdout[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&out.stdout[start..i]).into_owned());
    }
    let (w, h) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, out.stdout[i + 1..].to_vec())
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let se: f64 = a.iter().zip(b).map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2)).sum();
    10.0 * (255.0f64.powi(2) / (se / a.len() as f64)).log10()
}

/// Every scale M/8 against djpeg. The decoders differ in method (chroma upsampling,
/// libjpeg-turbo's scaled chroma IDCTs), so the bound is a PSNR, not equality.
#[test]
fn every_scale_agrees_with_libjpeg_turbo() {
    for path in photos() {
        let bytes = std::fs::read(&path).unwrap();
        let mut info_dec = jpeg_decoder::Decoder::new(&bytes[..]);
        info_dec.read_info().unwrap();
        let info = info_dec.info().unwrap();
        if info.pixel_format != jpeg_decoder::PixelFormat::RGB24 {
            continue;
        }
        let (w, h) = (u32::from(info.width), u32::from(info.height));
        let mut report = Vec::new();
        for m in 1..=8u32 {
            let mut dec = jpeg_decoder::Decoder::new(&bytes[..]);
            let req = ((w * m).div_ceil(8) as u16, (h * m).div_ceil(8) as u16);
            let got = dec.scale(req.0, req.1).unwrap();
            assert_eq!(got, req, "{}: {m}/8 size", path.display());
            let ours = dec.decode().unwrap();
            let (dw, dh, theirs) = djpeg(&path, m);
            assert_eq!((dw, dh), (usize::from(req.0), usize::from(req.1)), "{}: {m}/8", path.display());
            let p = psnr(&ours, &theirs);
            report.push(format!("{m}/8 {p:.1} dB"));
            // Ours (3, 5, 6, 7) measured 44..55 dB on the photos; upstream's 1/8, 2/8 and
            // 4/8 (kept byte-exact, above) 37.8..46 dB, and full size ~57 dB.
            let bound = if matches!(m, 3 | 5 | 6 | 7) { 42.0 } else { 35.0 };
            assert!(p >= bound, "{}: {m}/8 PSNR {p:.2} dB vs djpeg", path.display());
        }
        eprintln!("{}: {}", path.file_name().unwrap().to_string_lossy(), report.join(", "));
    }
}
