//! Keep mode judged by other readers: after heif::scrub, exiftool finds no Exif, GPS,
//! maker-note or XMP tag in the three HEIC/HEIF photos of ../shared/testdata (it does
//! find them in the originals, so the check can fail), and libheif (`heif-convert`) still
//! decodes them (and `heif-info` states the size scrub read). The tools come from
//! scripts/setup.sh (Debian `libimage-exiftool-perl`, `libheif-examples`); a machine
//! without them fails here, loudly, rather than skipping.

use std::path::{Path, PathBuf};
use std::process::Command;

use fhir_media_codecs::heif::scrub;

fn heic_dir() -> PathBuf {
    std::env::var_os("FHIR_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/testdata"
            ))
        })
        .join("photos/heic")
}

fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{name} is missing: run scripts/setup.sh (apt: libimage-exiftool-perl, libheif-examples)"
    );
    Command::new(name)
}

/// exiftool's tag lines (`[Group] Name : value`) for the file.
fn exif_tool_lines(path: &Path) -> Vec<String> {
    let out = tool("exiftool")
        .args(["-a", "-G0", "-s", "-u"])
        .arg(path)
        .output()
        .expect("run exiftool");
    assert!(
        out.status.success(),
        "exiftool failed on {}",
        path.display()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The primary image's size as `heif-info` states it (`image: 4032x3024 (id=49), primary`).
fn libheif_size(path: &Path) -> Option<(u32, u32)> {
    let out = tool("heif-info").arg(path).output().expect("run heif-info");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.trim_end().ends_with("primary"))?;
    let size = line.trim().strip_prefix("image: ")?.split(' ').next()?;
    let (w, h) = size.split_once('x')?;
    Some((w.parse().ok()?, h.parse().ok()?))
}

/// The lines that are metadata keep mode must remove.
fn metadata(lines: &[String]) -> Vec<&String> {
    lines
        .iter()
        .filter(|l| {
            ["[EXIF]", "[XMP]", "[MakerNotes]"]
                .iter()
                .any(|g| l.starts_with(g))
                || l.contains("GPS")
        })
        .collect()
}

#[test]
fn exiftool_finds_no_metadata_and_libheif_still_decodes() {
    let dir = heic_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        return;
    };
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("heif-keep");
    std::fs::create_dir_all(&out_dir).expect("out dir");
    let (mut seen, mut gps_seen) = (0, 0);
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let before = exif_tool_lines(&entry.path());
        assert!(
            !metadata(&before).is_empty(),
            "{name}: the original has Exif for exiftool to find"
        );
        gps_seen += usize::from(before.iter().any(|l| l.contains("GPS")));
        let mut bytes = std::fs::read(entry.path()).expect("read");
        let s = scrub(&mut bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(
            Some((s.width, s.height)),
            libheif_size(&entry.path()),
            "{name}: the primary image's size as libheif states it"
        );
        let kept = out_dir.join(&name);
        std::fs::write(&kept, &bytes).expect("write");

        let after = exif_tool_lines(&kept);
        assert_eq!(
            metadata(&after),
            Vec::<&String>::new(),
            "{name}: exiftool still finds metadata"
        );
        assert!(
            !after
                .iter()
                .any(|l| l.starts_with("[ExifTool]") && l.contains("Warning")),
            "{name}: exiftool warns: {after:#?}"
        );

        let jpeg = out_dir.join(format!("{name}.jpg"));
        let _ = std::fs::remove_file(&jpeg);
        let status = tool("heif-convert")
            .arg(&kept)
            .arg(&jpeg)
            .output()
            .expect("run heif-convert");
        assert!(
            status.status.success(),
            "{name}: libheif cannot decode the kept file: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        let decoded = std::fs::metadata(&jpeg).map(|m| m.len()).unwrap_or(0);
        assert!(
            decoded > 100_000,
            "{name}: heif-convert wrote {decoded} bytes"
        );
        seen += 1;
    }
    assert_eq!(seen, 3);
    assert_eq!(gps_seen, 2, "two of the three carry GPS");
}
