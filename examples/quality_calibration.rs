//! Calibration of the retake checks (src/pipeline/quality.rs): builds a labelled set in
//! memory from the real photos in ../shared/testdata (whole, as `prepare` sizes them;
//! native-resolution crops; their plainest, low-texture regions) and from procedural
//! skin, each untouched and with known defects at graded strength; picks thresholds on
//! one half (split by source photo) and prints precision and recall on the other half.
//! The table it prints is bench/QUALITY.md.
//!
//! cargo run --release --example quality_calibration [-- --write DIR]
//!
//! `--write DIR` also saves every image of the set as PNG there (use target/ or /tmp:
//! never commit them).

use std::path::PathBuf;

use fhir_media_capture::pipeline::quality::{measure, Metrics, Thresholds};
use fhir_media_capture::pipeline::raster::Raster;
use fhir_media_capture::pipeline::{decode, orient, resize, sniff};

#[path = "../tests/support/defects.rs"]
mod defects;
use defects::*;

/// Whether an image should warn: yes, no, or either (a mild defect).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Label {
    Yes,
    No,
    Either,
}

struct Sample {
    view: String,
    half: usize,
    /// "untouched", "defocus", "motion", "under", "over", "jpeg", "noise", "defocus+noise"
    kind: &'static str,
    strength: String,
    blurry: Label,
    dark: Label,
    bright: Label,
    m: Metrics,
}

struct View {
    name: String,
    half: usize,
    /// Low-texture scene (plain region or skin): reported apart.
    plain: bool,
    raster: Raster,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let write = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let views = views();
    eprintln!("{} views; making and measuring the variants…", views.len());
    let samples: Vec<Sample> = std::thread::scope(|s| {
        let (a, b): (Vec<_>, Vec<_>) = views.iter().enumerate().partition(|(i, _)| i % 2 == 0);
        let write = &write;
        let run = |part: Vec<(usize, &View)>| {
            part.into_iter()
                .flat_map(|(i, v)| variants(v, i as u64, write.as_ref()))
                .collect::<Vec<_>>()
        };
        let ha = s.spawn(move || run(a));
        let hb = s.spawn(move || run(b));
        let mut all = ha.join().expect("worker");
        all.extend(hb.join().expect("worker"));
        all
    });
    let (fit, test): (Vec<&Sample>, Vec<&Sample>) = samples.iter().partition(|s| s.half == 0);
    let t = pick(&fit);
    report(&views, &samples, &test, &t);
}

/// The views, each at its final size (longest side ≤ 2048).
fn views() -> Vec<View> {
    let dir = std::env::var_os("FHIR_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/testdata"))
        })
        .join("photos");
    // Half 0 picks the thresholds, half 1 tests them; one photo's views stay together.
    let photos = [
        ("cam12mp_olympus_o1.jpg", 0),
        ("iphone6_8mp_o1.jpg", 0),
        ("iphone6_8mp_hdr.jpg", 1),
        ("canon_sx60_3mp_o6.jpg", 1),
        ("casio_exz750_3mp.jpg", 0),
        ("orient_Landscape_1.jpg", 1),
    ];
    let mut out = Vec::new();
    for (name, half) in photos {
        let path = dir.join(name);
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("SKIPPED: {} is absent (set FHIR_TESTDATA)", path.display());
            continue;
        };
        let stem = name.trim_end_matches(".jpg");
        let format = sniff::sniff(&bytes).expect("a JPEG");
        let o = orient::read_orientation(&bytes);
        // As `prepare` sizes it: DCT-scaled decode, upright, fitted into 2048.
        let d = decode::decode(&bytes, format, 2048, u64::MAX, None).expect("decodes");
        let whole = resize::fit(orient::apply(d.raster, o), 2048).expect("resizes");
        out.push(View {
            name: format!("{stem} whole"),
            half,
            plain: false,
            raster: whole,
        });
        let full = decode::decode(&bytes, format, u32::MAX, u64::MAX, None).expect("decodes");
        let full = orient::apply(full.raster, o);
        let (w, h) = (full.width, full.height);
        if w >= 3000 && h >= 2000 {
            // Native-resolution 2048x1536 corners: sharper than a downscaled whole.
            for (i, (x, y)) in [(0, 0), (w - 2048, 0), (0, h - 1536), (w - 2048, h - 1536)]
                .into_iter()
                .enumerate()
            {
                out.push(View {
                    name: format!("{stem} crop{i}"),
                    half,
                    plain: false,
                    raster: crop(&full, x, y, 2048, 1536),
                });
            }
            // Its plainest, low-texture regions at 2048x1536 (native resolution).
            for (i, (x, y)) in plainest(&full, 2048, 1536, 2).into_iter().enumerate() {
                out.push(View {
                    name: format!("{stem} plain{i}"),
                    half,
                    plain: true,
                    raster: crop(&full, x, y, 2048, 1536),
                });
            }
        }
    }
    for (i, tone) in [0.0, 0.2, 0.4, 0.6, 0.8, 1.0].into_iter().enumerate() {
        out.push(View {
            name: format!("skin tone {tone:.1}"),
            half: i % 2,
            plain: true,
            raster: skin(2048, 1536, tone, 7 + i as u64),
        });
    }
    out
}

/// The `n` `w`x`h` windows with the least detail (mean |Δ| of green), each at least half
/// a window apart.
fn plainest(src: &Raster, w: u32, h: u32, n: usize) -> Vec<(u32, u32)> {
    let step = 128;
    let mut scored = Vec::new();
    let mut y = 0;
    while y + h <= src.height {
        let mut x = 0;
        while x + w <= src.width {
            let mut sum = 0u64;
            for yy in (y..y + h).step_by(2) {
                for xx in (x + 1..x + w).step_by(2) {
                    let i = (yy * src.width + xx) as usize * src.channels + 1;
                    sum += src.data[i].abs_diff(src.data[i - src.channels]) as u64;
                }
            }
            scored.push((sum, x, y));
            x += step;
        }
        y += step;
    }
    scored.sort();
    let mut picked: Vec<(u32, u32)> = Vec::new();
    for (_, x, y) in scored {
        let apart = picked
            .iter()
            .all(|&(px, py)| x.abs_diff(px) >= w / 2 || y.abs_diff(py) >= h / 2);
        if apart {
            picked.push((x, y));
        }
        if picked.len() == n {
            break;
        }
    }
    picked
}

/// The view untouched and with each defect; blur sizes are px at a 2048 px long side.
fn variants(v: &View, seed: u64, write: Option<&PathBuf>) -> Vec<Sample> {
    use Label::*;
    let scale = v.raster.width.max(v.raster.height) as f32 / 2048.0;
    let mut out = Vec::new();
    let mut add = |kind: &'static str, strength: String, labels: [Label; 3], r: Raster| {
        if let Some(dir) = write {
            save(dir, &format!("{} {kind} {strength}", v.name), &r);
        }
        out.push(Sample {
            view: v.name.clone(),
            half: v.half,
            kind,
            strength,
            blurry: labels[0],
            dark: labels[1],
            bright: labels[2],
            m: measure(&r),
        });
    };
    let r = &v.raster;
    add("untouched", String::new(), [No, No, No], r.clone());
    for sigma in [1.0, 2.0, 3.0, 5.0] {
        let label = if sigma >= 2.0 { Yes } else { Either };
        let b = gaussian_blur(r, sigma * scale);
        add("defocus", format!("σ {sigma}"), [label, No, No], b);
    }
    // One direction per view, turning through 0, 45, 90, 135°.
    let angle = (seed % 4) as f32 * 45.0;
    for length in [4.0, 8.0, 16.0] {
        // A box of length L has σ = L/√12: 8 px is about σ 2.3.
        let label = if length >= 8.0 { Yes } else { Either };
        let b = motion_blur(r, length * scale, angle);
        add(
            "motion",
            format!("{length} px {angle}°"),
            [label, No, No],
            b,
        );
    }
    for ev in [-3.0, -2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 3.0f32] {
        let label = |on: bool| match ev.abs() {
            e if e >= 1.5 && on => Yes,
            e if e >= 1.0 && on => Either,
            _ => No,
        };
        let kind = if ev < 0.0 { "under" } else { "over" };
        let l = [No, label(ev < 0.0), label(ev > 0.0)];
        add(kind, format!("{ev:+} EV"), l, exposure(r, ev));
    }
    for q in [50, 20] {
        add("jpeg", format!("q {q}"), [No, No, No], jpeg_again(r, q));
    }
    for sigma in [4.0, 10.0] {
        let n = noise(r, sigma, seed);
        add("noise", format!("σ {sigma}"), [No, No, No], n);
    }
    // Real defocus happens before the sensor adds its noise.
    let b = noise(&gaussian_blur(r, 3.0 * scale), 4.0, seed);
    add("defocus+noise", "σ 3, noise 4".into(), [Yes, No, No], b);
    out
}

fn save(dir: &PathBuf, name: &str, r: &Raster) {
    let _ = std::fs::create_dir_all(dir);
    let file = dir.join(format!("{}.png", name.replace([' ', '°', 'σ'], "_")));
    let img = image::RgbImage::from_raw(r.width, r.height, r.data.clone()).expect("rgb");
    img.save(file).expect("write png");
}

#[derive(Clone, Copy)]
enum Which {
    Blurry,
    Dark,
    Bright,
}

fn label(s: &Sample, w: Which) -> Label {
    match w {
        Which::Blurry => s.blurry,
        Which::Dark => s.dark,
        Which::Bright => s.bright,
    }
}

fn fires(t: &Thresholds, m: &Metrics, w: Which) -> bool {
    use fhir_media_capture::pipeline::quality::Warning;
    let code = match w {
        Which::Blurry => Warning::Blurry,
        Which::Dark => Warning::TooDark,
        Which::Bright => Warning::TooBright,
    };
    t.warnings(m).contains(&code)
}

/// (precision, recall, false alarms on untouched photos, n positives, n negatives).
fn score(set: &[&Sample], t: &Thresholds, w: Which) -> (f64, f64, f64, usize, usize) {
    let (mut tp, mut fp, mut fneg, mut neg, mut clean, mut clean_fa) = (0, 0, 0, 0, 0, 0);
    for s in set {
        let hit = fires(t, &s.m, w);
        match label(s, w) {
            Label::Yes if hit => tp += 1,
            Label::Yes => fneg += 1,
            Label::No => {
                neg += 1;
                fp += hit as usize;
            }
            Label::Either => {}
        }
        if s.kind == "untouched" {
            clean += 1;
            clean_fa += hit as usize;
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    (
        ratio(tp, tp + fp),
        ratio(tp, tp + fneg),
        ratio(clean_fa, clean),
        tp + fneg,
        neg,
    )
}

/// Thresholds that maximise min(precision, recall) on `fit`, among those that warn on at
/// most 5 % of its untouched photos; among equals, the one that warns least (a false
/// alarm costs a patient a retake for nothing). For blur the 5 % holds with a margin
/// (`BLUR_MARGIN`): phones softer than the calibration's sit nearer the threshold.
fn pick(fit: &[&Sample]) -> Thresholds {
    /// An untouched photo within 15 % above the blur threshold counts as a false alarm.
    const BLUR_MARGIN: f64 = 1.15;
    let mut t = Thresholds::default();
    let best = |candidates: Vec<Thresholds>, w: Which| -> Thresholds {
        let scored: Vec<(f64, usize, Thresholds)> = candidates
            .into_iter()
            .map(|c| {
                let (p, r, _, _, _) = score(fit, &c, w);
                let wider = Thresholds {
                    min_sharpness: c.min_sharpness * BLUR_MARGIN,
                    ..c
                };
                let (_, _, fa, _, _) = score(fit, &wider, w);
                let fired = fit.iter().filter(|s| fires(&c, &s.m, w)).count();
                (if fa <= 0.05 { p.min(r) } else { -1.0 }, fired, c)
            })
            .collect();
        let top = scored.iter().map(|s| s.0).fold(f64::MIN, f64::max);
        let least = scored.iter().filter(|s| s.0 == top).map(|s| s.1).min();
        scored
            .iter()
            .find(|s| s.0 == top && Some(s.1) == least)
            .map_or(Thresholds::default(), |s| s.2)
    };
    let steps = |from: f64, to: f64, step: f64| {
        let n = ((to - from) / step).round() as usize;
        (0..=n).map(move |i| from + i as f64 * step)
    };
    t = best(
        steps(0.05, 0.6, 0.005)
            .map(|v| Thresholds {
                min_sharpness: v,
                ..t
            })
            .collect(),
        Which::Blurry,
    );
    t = best(
        steps(0.02, 0.45, 0.01)
            .flat_map(|b| {
                steps(0.05, 0.95, 0.025).map(move |c| Thresholds {
                    min_brightness: b,
                    max_clipped_dark: c,
                    ..t
                })
            })
            .collect(),
        Which::Dark,
    );
    t = best(
        steps(0.55, 0.98, 0.01)
            .flat_map(|b| {
                steps(0.01, 0.6, 0.01).map(move |c| Thresholds {
                    max_brightness: b,
                    max_clipped_bright: c,
                    ..t
                })
            })
            .collect(),
        Which::Bright,
    );
    t
}

fn report(views: &[View], all: &[Sample], test: &[&Sample], t: &Thresholds) {
    let (fit_views, test_views): (Vec<&View>, Vec<&View>) = views.iter().partition(|v| v.half == 0);
    let names = |vs: &[&View]| {
        let mut n: Vec<String> = vs
            .iter()
            .map(|v| v.name.split(' ').next().unwrap_or("").to_string())
            .collect();
        n.dedup();
        n.join(", ")
    };
    println!(
        "Calibration set: {} views x {} variants = {} images ({} low-texture views).",
        views.len(),
        all.len() / views.len().max(1),
        all.len(),
        views.iter().filter(|v| v.plain).count()
    );
    println!(
        "Fit half: {} views ({}); test half: {} views ({}).",
        fit_views.len(),
        names(&fit_views),
        test_views.len(),
        names(&test_views)
    );
    println!();
    println!("Thresholds picked on the fit half:");
    println!(
        "  blurry     sharpness < {:.3}\n  too-dark   brightness < {:.2} or clippedDark > {:.3}\n  too-bright brightness > {:.2} or clippedBright > {:.3}",
        t.min_sharpness, t.min_brightness, t.max_clipped_dark, t.max_brightness, t.max_clipped_bright
    );
    println!();
    println!(
        "Test half (yes = moderate defect: defocus σ ≥ 2 px, motion ≥ 8 px at 2048 px, |EV| ≥ 1.5;"
    );
    println!("no = everything without that defect; milder ones are left out of P/R):");
    println!();
    println!("| warning | precision | recall | false alarms, untouched | positives | negatives |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (name, w) in [
        ("blurry", Which::Blurry),
        ("too-dark", Which::Dark),
        ("too-bright", Which::Bright),
    ] {
        let (p, r, fa, pos, neg) = score(test, t, w);
        println!(
            "| {name} | {p:.3} | {r:.3} | {:.1} % | {pos} | {neg} |",
            fa * 100.0
        );
    }
    let untouched: Vec<&&Sample> = test.iter().filter(|s| s.kind == "untouched").collect();
    let any = untouched
        .iter()
        .filter(|s| !t.warnings(&s.m).is_empty())
        .count();
    println!(
        "\nUntouched test photos with any warning: {any} of {} ({:.1} %).",
        untouched.len(),
        100.0 * any as f64 / untouched.len().max(1) as f64
    );
    println!();
    println!("Share of test images that get each warning, by defect and strength:");
    println!();
    println!("| defect | strength | n | blurry | too-dark | too-bright | median sharpness | median brightness |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut groups: Vec<(&str, String)> = Vec::new();
    for s in test {
        let key = (s.kind, strength_key(&s.strength));
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    for (kind, strength) in groups {
        let g: Vec<&&Sample> = test
            .iter()
            .filter(|s| s.kind == kind && strength_key(&s.strength) == strength)
            .collect();
        let rate = |w: Which| {
            100.0 * g.iter().filter(|s| fires(t, &s.m, w)).count() as f64 / g.len() as f64
        };
        let median = |f: fn(&Metrics) -> f64| {
            let mut v: Vec<f64> = g.iter().map(|s| f(&s.m)).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        println!(
            "| {kind} | {strength} | {} | {:.0} % | {:.0} % | {:.0} % | {:.3} | {:.3} |",
            g.len(),
            rate(Which::Blurry),
            rate(Which::Dark),
            rate(Which::Bright),
            median(|m| m.sharpness),
            median(|m| m.brightness)
        );
    }
    println!();
    println!("Untouched and low-texture views, test half (sharpness, brightness, clippedDark, clippedBright → warnings):");
    println!();
    for s in test.iter().filter(|s| s.kind == "untouched") {
        let w: Vec<&str> = t.warnings(&s.m).iter().map(|w| w.code()).collect();
        println!(
            "- {}: {:.3}, {:.3}, {:.3}, {:.3} → {}",
            s.view,
            s.m.sharpness,
            s.m.brightness,
            s.m.clipped_dark,
            s.m.clipped_bright,
            if w.is_empty() {
                "none".into()
            } else {
                w.join(", ")
            }
        );
    }
    println!();
    println!(
        "Moderate defects that got no warning of their own, test half (sharpness, brightness):"
    );
    println!();
    for s in test {
        let missed = [Which::Blurry, Which::Dark, Which::Bright]
            .into_iter()
            .any(|w| label(s, w) == Label::Yes && !fires(t, &s.m, w));
        if missed {
            println!(
                "- {} {} {}: {:.3}, {:.3}",
                s.view, s.kind, s.strength, s.m.sharpness, s.m.brightness
            );
        }
    }
    if std::env::var_os("QUALITY_DUMP").is_some() {
        for s in all {
            eprintln!(
                "{}\t{}\t{}\t{}\t{:.4}\t{:.4}\t{:.4}\t{:.4}",
                s.half,
                s.view,
                s.kind,
                s.strength,
                s.m.sharpness,
                s.m.brightness,
                s.m.clipped_dark,
                s.m.clipped_bright
            );
        }
    }
}

/// Motion rows are grouped by length, whatever their angle.
fn strength_key(s: &str) -> String {
    s.split(" px").next().map_or(s.to_string(), |l| {
        if s.contains(" px") {
            format!("{l} px")
        } else {
            s.to_string()
        }
    })
}
