//! Canvas's rule: no two creates in flight on one encounter. The server rejects the
//! overlap with 422 and its stats show the highest concurrency each encounter saw.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn overlapping_creates_on_one_encounter_get_one_201_and_one_422() {
    let server = TestServer::start().await;
    // The delay keeps the first create in flight long enough for the second to overlap.
    server.set_faults(json!({"delayMs": 600})).await;
    let first = media("p1", Some("enc-shared"), "image/jpeg", &jpeg(1));
    let second = media("p1", Some("enc-shared"), "image/jpeg", &jpeg(2));
    let (a, b) = tokio::join!(server.post_media(&first).send(), async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        server.post_media(&second).send().await
    });
    // Which one wins the slot is up to the scheduler; exactly one must.
    let (a, b) = (a.unwrap(), b.unwrap());
    let (created, refused) = if a.status() == 201 { (a, b) } else { (b, a) };
    assert_eq!(created.status(), 201);
    let text = assert_outcome(refused, 422, "business-rule").await;
    assert!(
        text.contains("concurrent creates on one encounter"),
        "{text}"
    );
    assert!(text.contains("Encounter/enc-shared"), "{text}");

    let stats = server.stats().await;
    assert_eq!(stats["creates"], 1);
    assert_eq!(stats["createAttempts"], 2);
    assert_eq!(stats["rejections"]["concurrent"], 1);
    assert_eq!(stats["rejections"]["422"], 1);
    let encounter = &stats["encounters"]["Encounter/enc-shared"];
    assert_eq!(encounter["creates"], 1);
    assert_eq!(encounter["concurrentRejections"], 1);
    assert_eq!(encounter["maxConcurrency"], 2);

    // Once the first has finished the encounter takes creates again.
    server.set_faults(json!({})).await;
    server.create(&second).await;
}

#[tokio::test]
async fn creates_on_different_encounters_may_overlap() {
    let server = TestServer::start().await;
    server.set_faults(json!({"delayMs": 500})).await;
    let a = media("p1", Some("enc-a"), "image/jpeg", &jpeg(1));
    let b = media("p1", Some("enc-b"), "image/png", &png(1));
    let c = media("p1", None, "image/png", &png(2));
    let started = std::time::Instant::now();
    let (ra, rb, rc) = tokio::join!(
        server.post_media(&a).send(),
        server.post_media(&b).send(),
        server.post_media(&c).send()
    );
    assert_eq!(ra.unwrap().status(), 201);
    assert_eq!(rb.unwrap().status(), 201);
    assert_eq!(rc.unwrap().status(), 201);
    // One after another they would take 1.5 s.
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1450),
        "ran concurrently"
    );

    let stats = server.stats().await;
    assert_eq!(stats["creates"], 3);
    assert_eq!(stats["rejections"]["concurrent"], 0);
    assert_eq!(stats["maxCreatesInFlight"], 3, "{stats}");
    for enc in ["Encounter/enc-a", "Encounter/enc-b"] {
        assert_eq!(stats["encounters"][enc]["maxConcurrency"], 1, "{enc}");
        assert_eq!(stats["encounters"][enc]["creates"], 1, "{enc}");
    }
}

#[tokio::test]
async fn a_sequential_client_keeps_max_concurrency_at_one() {
    let server = TestServer::start().await;
    server.set_faults(json!({"delayMs": 50})).await;
    for i in 0..5 {
        server
            .create(&media("p1", Some("enc-seq"), "image/jpeg", &jpeg(i)))
            .await;
    }
    let stats = server.stats().await;
    let encounter = &stats["encounters"]["Encounter/enc-seq"];
    assert_eq!(encounter["creates"], 5);
    assert_eq!(encounter["maxConcurrency"], 1);
    assert_eq!(encounter["concurrentRejections"], 0);
    assert_eq!(stats["maxCreatesInFlight"], 1);
}

#[tokio::test]
async fn a_burst_on_one_encounter_lets_exactly_one_through() {
    let server = TestServer::start().await;
    server.set_faults(json!({"delayMs": 800})).await;
    let bodies: Vec<_> = (0..4)
        .map(|i| media("p1", Some("enc-burst"), "image/jpeg", &jpeg(i)))
        .collect();
    let responses = futures_join_all(&server, &bodies).await;
    let created = responses.iter().filter(|s| **s == 201).count();
    let refused = responses.iter().filter(|s| **s == 422).count();
    assert_eq!((created, refused), (1, 3), "{responses:?}");
    let stats = server.stats().await;
    // Each refused attempt overlapped the one holding the slot.
    let max = stats["encounters"]["Encounter/enc-burst"]["maxConcurrency"]
        .as_u64()
        .unwrap();
    assert!(max >= 2, "{stats}");
    assert_eq!(
        stats["encounters"]["Encounter/enc-burst"]["concurrentRejections"],
        3
    );
}

/// Sends every body at once (each on its own connection) and returns the statuses.
async fn futures_join_all(server: &TestServer, bodies: &[serde_json::Value]) -> Vec<u16> {
    let tasks: Vec<_> = bodies
        .iter()
        .map(|body| {
            let request = server.post_media(body);
            tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().unwrap());
    }
    statuses
}
