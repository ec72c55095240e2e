//! Shared test harness: an in-process server on a free port with its own temporary
//! data directory, an HTTP client, generated images and the Canvas fixtures.
#![allow(dead_code)] // each test binary uses a different part of the harness

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use fhir_media_endpoint::{AppState, Config, Server};
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub const TOKEN: &str = "test-token";
pub const READ_ONLY_TOKEN: &str = "test-read-only-token";
pub const ADMIN_TOKEN: &str = "test-admin-token";

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        let path = std::env::temp_dir().join(format!("fme-{label}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn config(data_dir: &Path) -> Config {
    Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data_dir.to_owned(),
        token: TOKEN.into(),
        read_only_token: READ_ONLY_TOKEN.into(),
        admin_token: ADMIN_TOKEN.into(),
        dev: true,
        request_log: false,
        ..Config::default()
    }
}

/// A running in-process server; stops (gracefully) when dropped.
pub struct TestServer {
    pub base: String,
    pub addr: SocketAddr,
    pub state: AppState,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<TempDir>,
}

impl TestServer {
    /// A `--dev` server on a fresh data directory.
    pub async fn start() -> Self {
        let dir = TempDir::new("data");
        let config = config(dir.path());
        Self::start_with(config, Some(dir)).await
    }

    pub async fn start_with(config: Config, dir: Option<TempDir>) -> Self {
        let server = Server::bind(config).await.expect("bind test server");
        let addr = server.local_addr();
        let state = server.state().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .run_until(async {
                    let _ = stopped.await;
                })
                .await
                .expect("server runs");
        });
        Self {
            base: format!("http://{addr}"),
            addr,
            state,
            client: client(),
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        }
    }

    /// Stops the server and waits until it has shut down.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(TOKEN)
    }

    /// GET with the token, expecting a JSON body (any status).
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path).send().await.unwrap().json().await.unwrap()
    }

    pub fn post_media(&self, body: &Value) -> reqwest::RequestBuilder {
        self.client
            .post(self.url("/Media"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body.to_string())
    }

    /// Creates a Media and returns its id, asserting Canvas's 201 contract.
    pub async fn create(&self, body: &Value) -> String {
        let response = self.post_media(body).send().await.expect("POST /Media");
        assert_eq!(
            response.status(),
            201,
            "create failed: {:?}",
            response.text().await
        );
        created_id(&response)
    }

    /// A request to the admin API, with the admin token.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(ADMIN_TOKEN)
    }

    /// GET an admin route, expecting 200 and JSON.
    pub async fn admin_json(&self, path: &str) -> Value {
        let response = self
            .admin(reqwest::Method::GET, path)
            .send()
            .await
            .expect(path);
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.expect("admin json")
    }

    pub async fn stats(&self) -> Value {
        self.admin_json("/_admin/stats").await
    }

    pub async fn set_faults(&self, faults: Value) {
        let response = self
            .admin(reqwest::Method::POST, "/_admin/faults")
            .json(&faults)
            .send()
            .await
            .expect("set faults");
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A client that never follows redirects (tests check the 307 itself) and never uses
/// a proxy from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client")
}

/// The id from a 201's `Location: /Media/<id>`, checking the body is empty.
pub fn created_id(response: &reqwest::Response) -> String {
    let location = response
        .headers()
        .get("location")
        .expect("Location header")
        .to_str()
        .expect("ascii Location");
    let id = location
        .strip_prefix("/Media/")
        .expect("Location is /Media/<id>");
    uuid::Uuid::parse_str(id).expect("id is a uuid");
    id.to_owned()
}

/// A small real JPEG; `seed` varies the pixels so each image has different bytes.
pub fn jpeg(seed: u8) -> Vec<u8> {
    let (w, h) = (8u16, 8u16);
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h) * 3)
        .map(|i| {
            (i as u8)
                .wrapping_mul(7)
                .wrapping_add(seed.wrapping_mul(31))
        })
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode jpeg");
    out
}

/// A small real PNG.
pub fn png(seed: u8) -> Vec<u8> {
    let (w, h) = (4u32, 4u32);
    let pixels: Vec<u8> = (0..(w * h * 3) as usize)
        .map(|i| (i as u8).wrapping_add(seed))
        .collect();
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("png header");
        writer.write_image_data(&pixels).expect("png data");
    }
    out
}

/// The leading `ftyp` box of a HEIC file (all the server checks), plus filler.
pub fn heic() -> Vec<u8> {
    let mut out = vec![0, 0, 0, 24];
    out.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    out.extend_from_slice(&[0u8; 32]);
    out
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A create body shaped like Canvas's `create-request.json`.
pub fn media(patient: &str, encounter: Option<&str>, content_type: &str, bytes: &[u8]) -> Value {
    let mut body = json!({
        "resourceType": "Media",
        "status": "completed",
        "subject": {"reference": format!("Patient/{patient}")},
        "operator": {"reference": "Practitioner/76428138e7644ce6b7eb426fdbbf2f39"},
        "content": {"contentType": content_type, "data": b64(bytes), "title": "Image title"},
        "note": [{"text": "Note #1"}, {"text": "Note #2"}]
    });
    if let Some(encounter) = encounter {
        body["encounter"] = json!({"reference": format!("Encounter/{encounter}")});
    }
    body
}

pub fn unique(label: &str) -> String {
    format!("{label}{}", uuid::Uuid::new_v4().simple())
}

/// Canvas's documented examples, from FHIR_CANVAS_EXAMPLES or shared/canvas-examples.
pub fn fixture(name: &str) -> Value {
    let dir = std::env::var("FHIR_CANVAS_EXAMPLES").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/canvas-examples").to_owned()
    });
    let path = Path::new(&dir).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "read fixture {}: {err} (set FHIR_CANVAS_EXAMPLES)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// The structure of a JSON value: same keys and nesting, leaves reduced to their type.
pub fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => Value::Null,
    }
}

/// Asserts an error response has `status`, the structure of Canvas's documented
/// OperationOutcome for that status (error-<status>.json; error-400.json for statuses
/// Canvas does not document) and issue `code`, and returns its `details.text`.
pub async fn assert_outcome(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status(), status, "status");
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json")),
        "content-type is JSON"
    );
    let body: Value = response.json().await.expect("OperationOutcome JSON");
    let documented = matches!(status, 400 | 401 | 403 | 404 | 405 | 422);
    let example = fixture(&format!(
        "error-{}.json",
        if documented { status } else { 400 }
    ));
    assert_eq!(
        shape(&body),
        shape(&example),
        "OperationOutcome shape: {body}"
    );
    if documented {
        assert_eq!(
            body["issue"][0]["code"], example["issue"][0]["code"],
            "{body}"
        );
    }
    assert_eq!(body["issue"][0]["code"], code, "{body}");
    let text = body["issue"][0]["details"]["text"]
        .as_str()
        .expect("text")
        .to_owned();
    assert!(
        text.len() > 15 || status == 401,
        "error text should be a sentence: {text}"
    );
    text
}

/// Sends raw bytes on a fresh connection and returns everything the server sends back
/// until it closes (an error, e.g. a reset, counts as "nothing more").
pub async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write request");
    let mut received = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "server neither answered nor closed the connection"
    );
    received
}
