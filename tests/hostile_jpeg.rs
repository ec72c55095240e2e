//! Hostile JPEGs (issue 14, item 3): progressive frames too big for their coefficient
//! budget, scan bombs and headers that declare more than they hold are refused with typed
//! errors before jpeg-decoder allocates or loops, and the peak heap of `prepare` for them
//! stays within 2x the peak of a baseline photo of the same pixel count. Peaks come from a
//! counting global allocator (one measurement at a time: the count is the process's).

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use fhir_media_capture::{prepare, MediaError};
use support::*;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// One measurement at a time: the counters are the process's.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Old and new both live while the copy is made.
        let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
        PEAK.fetch_max(live, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak heap bytes above what was live before, while `prepare` runs on `bytes`.
fn peak_of(bytes: &[u8]) -> (usize, Result<(), MediaError>) {
    let settings = base_settings();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = prepare(bytes, &settings).map(|_| ());
    (PEAK.load(Ordering::Relaxed) - before, result)
}

fn mb(n: usize) -> String {
    format!("{:.1} MB", n as f64 / 1e6)
}

/// A noisy picture (so the JPEG is not trivially small), `w`x`h`.
fn picture(w: u32, h: u32) -> Vec<u8> {
    let mut rng = XorShift(0x5eed);
    let card = test_card(w, h);
    card.as_raw()
        .iter()
        .map(|&v| v.wrapping_add(rng.byte() % 16))
        .collect()
}

/// Set the frame size in the SOF of `jpeg` (a header that declares more than the data holds;
/// jpeg-decoder reads the missing blocks as zeros).
fn with_declared_size(jpeg: &[u8], w: u16, h: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let sof = out
        .windows(2)
        .position(|m| m[0] == 0xFF && (m[1] == 0xC0 || m[1] == 0xC2))
        .expect("SOF");
    out[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    out
}

/// `jpeg_of` with a chroma sampling: 4:2:0 is what phones and most encoders write.
fn jpeg_420(pixels: &[u8], w: u16, h: u16, progressive: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 90);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    enc.set_progressive(progressive);
    enc.encode(pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    out
}

/// Each SOS segment with its entropy-coded data, in order: (start, end) in `jpeg`.
fn scans(jpeg: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF && jpeg[i + 1] != 0xD9 {
        let start = i;
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        i += 2 + len;
        if jpeg[start + 1] == 0xDA {
            while !(jpeg[i] == 0xFF && jpeg[i + 1] != 0 && !(0xD0..=0xD7).contains(&jpeg[i + 1])) {
                i += 1;
            }
            out.push((start, i));
        }
    }
    out
}

/// `jpeg` with its first scan (the DC scan of a progressive file) written `copies` more
/// times before EOI: each copy is a valid scan that walks every block again.
fn scan_bomb(jpeg: &[u8], copies: usize) -> Vec<u8> {
    let (start, end) = scans(jpeg)[0];
    let eoi = jpeg.len() - 2;
    let mut out = jpeg[..eoi].to_vec();
    for _ in 0..copies {
        out.extend_from_slice(&jpeg[start..end]);
    }
    out.extend_from_slice(&jpeg[eoi..]);
    out
}

fn code(result: &Result<(), MediaError>) -> &'static str {
    result.as_ref().err().map_or("ok", MediaError::code)
}

#[test]
fn a_small_progressive_jpeg_declaring_100_mp_is_refused_before_its_coefficients_exist() {
    // 64x64 progressive and baseline files whose frames say 10000x10000: the baseline one
    // decodes (at 1/8, the missing blocks as zeros), the progressive one would hold 100 MP
    // of coefficients (~300 MB at 4:2:0) whatever the scale.
    let pixels = picture(64, 64);
    let baseline = with_declared_size(&jpeg_420(&pixels, 64, 64, false), 10000, 10000);
    let progressive = with_declared_size(&jpeg_420(&pixels, 64, 64, true), 10000, 10000);
    let (base_peak, base) = peak_of(&baseline);
    let (prog_peak, prog) = peak_of(&progressive);
    println!(
        "100 MP declared in {} B: baseline {} ({}), progressive {} ({})",
        progressive.len(),
        mb(base_peak),
        code(&base),
        mb(prog_peak),
        code(&prog)
    );
    assert_eq!(code(&prog), "too-many-pixels", "{prog:?}");
    assert!(
        prog_peak <= 2 * base_peak,
        "{} vs {}",
        mb(prog_peak),
        mb(base_peak)
    );
    assert!(
        prog_peak < 1_000_000,
        "refused before allocating: {}",
        mb(prog_peak)
    );
}

#[test]
fn scan_bombs_are_refused_before_decoding() {
    let pixels = picture(256, 256);
    let progressive = jpeg_420(&pixels, 256, 256, true);
    assert_eq!(
        code(&peak_of(&scan_bomb(&progressive, 400)).1),
        "ok",
        "500 scans or fewer pass"
    );
    // 4000 DC scans of a frame that says 4000x4000: each walks 375,000 blocks.
    let bomb = with_declared_size(&scan_bomb(&progressive, 4000), 4000, 4000);
    let start = std::time::Instant::now();
    let (peak, result) = peak_of(&bomb);
    println!(
        "scan bomb ({} B, {} scans): {} in {:?}, peak {}",
        bomb.len(),
        scans(&bomb).len(),
        code(&result),
        start.elapsed(),
        mb(peak)
    );
    assert_eq!(code(&result), "corrupt-image", "{result:?}");
    // A sequential JPEG has one scan per component.
    let baseline = jpeg_420(&pixels, 256, 256, false);
    assert_eq!(code(&peak_of(&scan_bomb(&baseline, 3)).1), "corrupt-image");
    // 500 scans over a frame within the coefficient budget (4800x3400 at 4:2:0): within
    // the scan count, but the blocks they walk would take ~30 s.
    let worst = with_declared_size(
        &scan_bomb(&progressive, 500 - scans(&progressive).len()),
        4800,
        3400,
    );
    let start = std::time::Instant::now();
    let (_, result) = peak_of(&worst);
    let spent = start.elapsed();
    assert_eq!(code(&result), "corrupt-image", "{result:?}");
    // Decoding its scans would take ~30 s; the marker walk takes well under 1 s (a debug
    // build on a busy 2-core machine has needed 1.2 s): 10 s tells the two apart.
    assert!(
        spent.as_millis() < 10_000,
        "refused from its markers: {spent:?}"
    );
    // The worst left: 32 passes over that frame.
    let worst = with_declared_size(
        &scan_bomb(&progressive, 32 - scans(&progressive).len()),
        4800,
        3400,
    );
    let start = std::time::Instant::now();
    let (peak, result) = peak_of(&worst);
    println!(
        "32 scans at 4800x3400: {} in {:?}, peak {}",
        code(&result),
        start.elapsed(),
        mb(peak)
    );
}

#[test]
fn progressive_peaks_stay_within_twice_a_baseline_of_the_same_size() {
    // Headers declaring each size over small files: both decode the declared frame (the
    // missing blocks as zeros), so the peaks compare the decoders, not the data.
    let pixels = picture(64, 64);
    let small_base = jpeg_420(&pixels, 64, 64, false);
    let small_prog = jpeg_420(&pixels, 64, 64, true);
    for (w, h) in [
        (1600, 1200),
        (3000, 2000),
        (4032, 3024),
        (4800, 3400),
        (5400, 4000),
        (16000, 1000),
        (8064, 6048),
        (10000, 10000),
    ] {
        let (base_peak, base) = peak_of(&with_declared_size(&small_base, w, h));
        let (prog_peak, prog) = peak_of(&with_declared_size(&small_prog, w, h));
        println!(
            "{w}x{h} 4:2:0: baseline {} ({}), progressive {} ({}): {:.2}x",
            mb(base_peak),
            code(&base),
            mb(prog_peak),
            code(&prog),
            prog_peak as f64 / base_peak as f64
        );
        assert!(
            prog_peak <= 2 * base_peak,
            "{w}x{h}: {} vs {}",
            mb(prog_peak),
            mb(base_peak)
        );
    }
}
