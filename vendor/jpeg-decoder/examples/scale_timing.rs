//! Native decode time per M/8, ours vs upstream 0.3.2, interleaved:
//! `cargo run --release --example scale_timing -- photo.jpg...` (in vendor/jpeg-decoder).
use std::time::Instant;

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap();
        let mut d = jpeg_decoder::Decoder::new(&bytes[..]);
        d.read_info().unwrap();
        let (w, h) = (u32::from(d.info().unwrap().width), u32::from(d.info().unwrap().height));
        for m in 1..=8u32 {
            let req = ((w * m).div_ceil(8) as u16, (h * m).div_ceil(8) as u16);
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            for _ in 0..9 {
                let t = Instant::now();
                let mut d = jpeg_decoder::Decoder::new(&bytes[..]);
                d.scale(req.0, req.1).unwrap();
                d.decode().unwrap();
                ours.push(t.elapsed().as_secs_f64() * 1e3);
                let t = Instant::now();
                let mut d = upstream::Decoder::new(&bytes[..]);
                d.scale(req.0, req.1).unwrap();
                d.decode().unwrap();
                theirs.push(t.elapsed().as_secs_f64() * 1e3);
            }
            ours.sort_by(f64::total_cmp);
            theirs.sort_by(f64::total_cmp);
            println!(
                "{path} {m}/8: ours {:.1} ms, upstream {:.1} ms (median of 9)",
                ours[4], theirs[4]
            );
        }
    }
}
