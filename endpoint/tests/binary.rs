//! The real binary: startup line, env fallbacks, request log, SIGTERM shutdown, and
//! data that survives a restart on the same data directory.

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data_dir: &std::path::Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fhir-media-endpoint"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--dev",
            "--read-only-token",
            READ_ONLY_TOKEN,
            "--allow-origin",
            "http://localhost:5173,http://127.0.0.1:5173",
            "--allow-origin=https://app.example",
        ])
        .env("FHIR_ENDPOINT_DATA_DIR", data_dir)
        .env("FHIR_ENDPOINT_TOKEN", TOKEN)
        .env("FHIR_ENDPOINT_ADMIN_TOKEN", ADMIN_TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the endpoint binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the startup line");
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected startup line {line:?}"))
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    Running { child, base }
}

/// Sends SIGTERM and returns the exit status and everything written to stderr.
fn terminate(mut running: Running) -> (std::process::ExitStatus, String) {
    let pid = running.child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = running.child.try_wait().expect("wait") {
            break exit;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = running.child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    (exit, stderr)
}

#[tokio::test]
async fn the_binary_keeps_data_across_a_restart() {
    let data = TempDir::new("bin");
    let client = client();
    let image = jpeg(42);
    let body = media("p-restart", Some("e1"), "image/jpeg", &image);

    let first = start(data.path());
    let response = client
        .post(format!("{}/Media", first.base))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let id = created_id(&response);
    let anonymous = client
        .get(format!("{}/Media/{id}?secret=query-value", first.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    // The admin token comes from the environment; the API token does not open the admin API.
    for (token, status) in [(ADMIN_TOKEN, 200), (TOKEN, 401)] {
        let stats = client
            .get(format!("{}/_admin/stats", first.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(stats.status(), status);
    }
    // Every --allow-origin, comma-separated or repeated, and nothing else.
    for (origin, granted) in [
        ("http://localhost:5173", true),
        ("http://127.0.0.1:5173", true),
        ("https://app.example", true),
        ("http://localhost:5174", false),
    ] {
        let response = client
            .get(format!("{}/Media?patient=p-restart", first.base))
            .bearer_auth(TOKEN)
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        let allowed = response.headers().get("access-control-allow-origin");
        assert_eq!(allowed.is_some(), granted, "{origin}");
    }

    let (exit, log) = terminate(first);
    assert!(
        exit.success(),
        "SIGTERM exits 0, got {exit:?}; stderr:\n{log}"
    );
    assert!(log.contains("shut down cleanly"), "{log}");
    assert!(log.contains("POST /Media 201"), "request log:\n{log}");
    assert!(
        log.contains(&format!("GET /Media/{id} 401")),
        "request log:\n{log}"
    );
    assert!(!log.contains(TOKEN), "the token is never logged");
    assert!(
        !log.contains(ADMIN_TOKEN),
        "the admin token is never logged"
    );
    assert!(
        !log.contains("query-value"),
        "query strings are never logged"
    );
    assert!(
        !log.contains(&b64(&image)[..40]),
        "image data is never logged"
    );
    assert!(data.path().join("media.sqlite3").exists());

    let second = start(data.path());
    let read: Value = client
        .get(format!("{}/Media/{id}", second.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["id"], id.as_str());
    assert_eq!(
        read["content"]["url"],
        format!("{}/Media/{id}/files/content", second.base)
    );
    let follow = reqwest::Client::builder().no_proxy().build().unwrap();
    let bytes = follow
        .get(read["content"]["url"].as_str().unwrap())
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        bytes.as_ref(),
        image.as_slice(),
        "image bytes survive the restart"
    );
    let search: Value = client
        .get(format!("{}/Media?patient=Patient/p-restart", second.base))
        .bearer_auth(READ_ONLY_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(search["total"], 1);
    let (exit, log) = terminate(second);
    assert!(exit.success(), "{exit:?}; stderr:\n{log}");
}

#[test]
fn sigterm_right_after_the_startup_line_is_a_clean_shutdown() {
    // The signal handlers must be in place before the line is printed: scripts may
    // stop the server the moment they have read it.
    let data = TempDir::new("bin-term");
    for _ in 0..5 {
        let (exit, log) = terminate(start(data.path()));
        assert!(exit.success(), "{exit:?}; stderr:\n{log}");
    }
}

#[test]
fn bad_options_fail_with_a_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_fhir-media-endpoint"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--token",
            "same",
            "--read-only-token",
            "same",
        ])
        .env(
            "FHIR_ENDPOINT_DATA_DIR",
            std::env::temp_dir().join("fme-unused"),
        )
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    assert!(
        output.stdout.is_empty(),
        "no startup line when refusing to start"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--read-only-token"), "{stderr}");

    for (args, says) in [
        (
            &["--allow-origin", "http://localhost:5173/"][..],
            "--allow-origin",
        ),
        (&["--allow-origin", "*"][..], "--allow-origin"),
        (&["--allow-host", "bad host"][..], "--allow-host"),
        (&["--admin-token", "dev-token"][..], "--admin-token"),
        (&["--max-connections", "0"][..], "--max-connections"),
        (&["--body-timeout-secs", "0"][..], "--body-timeout-secs"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_fhir-media-endpoint"))
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env(
                "FHIR_ENDPOINT_DATA_DIR",
                std::env::temp_dir().join("fme-unused"),
            )
            .env_remove("FHIR_ENDPOINT_TOKEN")
            .env_remove("FHIR_ENDPOINT_ADMIN_TOKEN")
            .output()
            .expect("run the binary");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} started");
        assert!(output.stdout.is_empty(), "{args:?}: no startup line");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(says),
            "{args:?}: {stderr}"
        );
    }

    let help = Command::new(env!("CARGO_BIN_EXE_fhir-media-endpoint"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for option in [
        "--addr",
        "--data-dir",
        "--token",
        "--read-only-token",
        "--max-body-bytes",
        "--static-dir",
        "--dev",
        "--admin-token",
        "--allow-origin",
        "--allow-host",
        "--max-connections",
        "--header-timeout-secs",
        "--body-timeout-secs",
    ] {
        assert!(help.contains(option), "{option} in --help");
    }
    assert!(help.contains("FHIR_ENDPOINT_TOKEN"));
    assert!(help.contains("FHIR_ENDPOINT_ADMIN_TOKEN"));
}

/// Off loopback, the published default tokens (and `--dev`) are refused before anything
/// listens, with a sentence that says what to do.
#[test]
fn a_non_loopback_address_with_the_default_tokens_refuses_to_start() {
    let data = TempDir::new("data");
    let output = Command::new(env!("CARGO_BIN_EXE_fhir-media-endpoint"))
        .args(["--addr", "0.0.0.0:0"])
        .env("FHIR_ENDPOINT_DATA_DIR", data.path())
        .env_remove("FHIR_ENDPOINT_TOKEN")
        .env_remove("FHIR_ENDPOINT_READ_ONLY_TOKEN")
        .output()
        .expect("run the endpoint binary");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not a loopback address") && stderr.contains("--token"),
        "{stderr}"
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).is_empty(),
        "never listened"
    );
}
