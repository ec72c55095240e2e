//! Slow and greedy clients: a request head or body trickled byte by byte is cut off, an
//! idle keep-alive connection is closed, and no more than `max_connections` are served at
//! once, while the server goes on answering everyone else once the slow ones are gone.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

async fn server_with(change: impl FnOnce(&mut fhir_media_endpoint::Config)) -> TestServer {
    let data = TempDir::new("data");
    let mut config = config(data.path());
    change(&mut config);
    TestServer::start_with(config, Some(data)).await
}

/// Sends `head`, then `drip` every 200 ms for as long as the server keeps the connection,
/// reading meanwhile. Returns what the server sent and how long it kept the connection
/// open; panics if it is still open after `patience`.
async fn trickle(
    addr: SocketAddr,
    head: &[u8],
    drip: &'static [u8],
    patience: Duration,
) -> (String, Duration) {
    let started = Instant::now();
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(head).await.expect("write head");
    let dripping = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(drip).await.is_err() {
                break;
            }
        }
    });
    let mut received = Vec::new();
    let read = tokio::time::timeout(patience, async {
        let mut chunk = [0u8; 4096];
        loop {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    dripping.abort();
    let kept = started.elapsed();
    assert!(
        read.is_ok(),
        "the server still holds the connection after {patience:?}; it sent {:?}",
        String::from_utf8_lossy(&received)
    );
    (String::from_utf8_lossy(&received).into_owned(), kept)
}

/// Slowloris: a request head that never ends, one header line at a time.
#[tokio::test]
async fn a_trickled_request_head_is_cut_off() {
    let server = server_with(|c| c.header_timeout = Duration::from_secs(1)).await;
    let head = format!(
        "GET /Media?patient=p1 HTTP/1.1\r\nHost: {}\r\n",
        server.addr
    );
    let (answer, kept) = trickle(
        server.addr,
        head.as_bytes(),
        b"X-Slow: 1\r\n",
        Duration::from_secs(6),
    )
    .await;
    assert!(!answer.contains(" 200 "), "{answer}");
    assert!(kept < Duration::from_secs(4), "closed after {kept:?}");
    assert_eq!(
        server
            .get("/Media?patient=p1")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = server_with(|c| c.header_timeout = Duration::from_secs(1)).await;
    let request = format!(
        "GET /Media?patient=p1 HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n",
        server.addr
    );
    // One request, answered; then silence (an empty drip writes nothing).
    let (answer, kept) =
        trickle(server.addr, request.as_bytes(), b"", Duration::from_secs(6)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{answer}");
    assert!(kept < Duration::from_secs(4), "closed after {kept:?}");
}

/// A body sent a few bytes at a time is cut off at the body deadline: 408 (if the client
/// still reads it), the connection closed, nothing stored.
#[tokio::test]
async fn a_trickled_request_body_is_cut_off() {
    let server = server_with(|c| c.body_timeout = Duration::from_secs(1)).await;
    let head = format!(
        "POST /Media HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
        server.addr
    );
    let (answer, kept) = trickle(
        server.addr,
        head.as_bytes(),
        b"          ",
        Duration::from_secs(6),
    )
    .await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(kept < Duration::from_secs(4), "closed after {kept:?}");
    let stats = server.stats().await;
    assert_eq!(stats["creates"], 0, "{stats}");
    // A body that arrives in time is still fine.
    server
        .create(&media("p1", None, "image/jpeg", &jpeg(1)))
        .await;
}

/// Opens a connection and sends the start of a request head, so the server has accepted it
/// and is waiting for the rest.
async fn hold(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\n").as_bytes())
        .await
        .expect("write");
    stream
}

/// A whole request on a fresh connection; its answer arrives on `answer` once it comes.
fn ask(addr: SocketAddr) -> tokio::sync::oneshot::Receiver<String> {
    let (send, answer) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let request = format!(
            "GET /Media?patient=p1 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
        );
        let received = raw_exchange(addr, request.as_bytes()).await;
        let _ = send.send(String::from_utf8_lossy(&received).into_owned());
    });
    answer
}

#[tokio::test]
async fn the_connection_cap_holds_and_frees() {
    let server = server_with(|c| {
        c.max_connections = 2;
        c.header_timeout = Duration::from_secs(20);
    })
    .await;
    let first = hold(server.addr).await;
    let second = hold(server.addr).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = ask(server.addr);
    // Two connections are being served: the third waits, neither answered nor refused.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        third.try_recv().is_err(),
        "a third connection was served over the cap of 2"
    );
    // The slow clients go away: the waiting one is served at once.
    drop((first, second));
    let answer = tokio::time::timeout(Duration::from_secs(5), third)
        .await
        .expect("served once a slot was free")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Slow clients that do not go away are pushed out by the head timeout, so holding every
/// slot costs an attacker a new connection per slot every few seconds, and others get in.
#[tokio::test]
async fn slow_clients_at_the_cap_are_timed_out_and_others_served() {
    let server = server_with(|c| {
        c.max_connections = 2;
        c.header_timeout = Duration::from_secs(1);
    })
    .await;
    let head = format!("GET / HTTP/1.1\r\nHost: {}\r\n", server.addr);
    let slow: Vec<_> = (0..2)
        .map(|_| {
            let head = head.clone();
            let addr = server.addr;
            tokio::spawn(async move {
                trickle(
                    addr,
                    head.as_bytes(),
                    b"X-Slow: 1\r\n",
                    Duration::from_secs(8),
                )
                .await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(5), ask(server.addr))
        .await
        .expect("served once the slow clients were timed out")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() > Duration::from_millis(300),
        "it had to wait for a slot"
    );
    for slow in slow {
        let (answer, _) = slow.await.unwrap();
        assert!(!answer.contains(" 200 "), "{answer}");
    }
}
