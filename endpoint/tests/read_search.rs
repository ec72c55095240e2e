//! Read, search with paging, and the content.url redirect to signed storage URLs.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn read_returns_the_media_with_id_url_and_no_data() {
    let server = TestServer::start().await;
    let body = media(
        "b8dfa97bdcdf4754bcd8197ca78ef0f0",
        Some("eae3c8a5-a129-4960-9715-fc26da30eccc"),
        "image/jpeg",
        &jpeg(1),
    );
    let id = server.create(&body).await;
    let response = server.get(&format!("/Media/{id}")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let read: Value = response.json().await.unwrap();

    assert_eq!(
        shape(&read),
        shape(&fixture("read-200.json")),
        "same structure as Canvas's example: {read}"
    );
    assert_eq!(read["resourceType"], "Media");
    assert_eq!(read["id"], id.as_str());
    assert_eq!(read["status"], "completed");
    assert_eq!(
        read["subject"]["reference"],
        "Patient/b8dfa97bdcdf4754bcd8197ca78ef0f0"
    );
    assert_eq!(read["subject"]["type"], "Patient");
    assert_eq!(read["content"]["contentType"], "image/jpeg");
    assert_eq!(
        read["content"]["url"],
        format!("{}/Media/{id}/files/content", server.base)
    );
    assert!(read["content"].get("data").is_none());
}

#[tokio::test]
async fn content_url_follows_the_host_header() {
    let server = TestServer::start().await;
    let id = server
        .create(&media("p1", None, "image/png", &png(1)))
        .await;
    let read: Value = server
        .get(&format!("/Media/{id}"))
        .header("host", format!("localhost:{}", server.addr.port()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        read["content"]["url"],
        format!(
            "http://localhost:{}/Media/{id}/files/content",
            server.addr.port()
        )
    );
}

async fn page(server: &TestServer, path: &str) -> Value {
    let response = server.get(path).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

fn link<'a>(bundle: &'a Value, relation: &str) -> Option<&'a str> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)
        .and_then(|l| l["url"].as_str())
}

fn ids(bundle: &Value) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| e["resource"]["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn search_pages_25_items_ten_at_a_time_in_creation_order() {
    let server = TestServer::start().await;
    let patient = unique("pat");
    let mut created = Vec::new();
    for i in 0..25u8 {
        created.push(
            server
                .create(&media(&patient, None, "image/jpeg", &jpeg(i)))
                .await,
        );
    }
    // Another patient's media never shows up.
    server
        .create(&media("someone-else", None, "image/jpeg", &jpeg(99)))
        .await;

    let q = |offset: u32| format!("/Media?patient=Patient%2F{patient}&_count=10&_offset={offset}");
    let first = page(
        &server,
        &format!("/Media?patient=Patient/{patient}&_count=10"),
    )
    .await;
    assert_eq!(first["resourceType"], "Bundle");
    assert_eq!(first["type"], "searchset");
    assert_eq!(first["total"], 25);
    let relations: Vec<&str> = first["link"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["relation"].as_str().unwrap())
        .collect();
    assert_eq!(relations, ["self", "first", "next", "last"]);
    assert_eq!(link(&first, "self"), Some(q(0).as_str()));
    assert_eq!(link(&first, "first"), Some(q(0).as_str()));
    assert_eq!(link(&first, "next"), Some(q(10).as_str()));
    assert_eq!(link(&first, "last"), Some(q(20).as_str()));
    assert_eq!(ids(&first), created[0..10]);

    // Follow the relative next links as a client would.
    let second = page(&server, link(&first, "next").unwrap()).await;
    assert_eq!(link(&second, "self"), Some(q(10).as_str()));
    assert_eq!(link(&second, "next"), Some(q(20).as_str()));
    assert_eq!(link(&second, "last"), Some(q(20).as_str()));
    assert_eq!(ids(&second), created[10..20]);

    let third = page(&server, link(&second, "next").unwrap()).await;
    assert_eq!(third["total"], 25);
    assert_eq!(link(&third, "self"), Some(q(20).as_str()));
    assert_eq!(link(&third, "next"), None, "no next on the last page");
    assert_eq!(link(&third, "first"), Some(q(0).as_str()));
    assert_eq!(link(&third, "last"), Some(q(20).as_str()));
    assert_eq!(ids(&third), created[20..25]);

    // Entries are read-shaped: url, no data.
    let entry = &first["entry"][0]["resource"];
    assert!(entry["content"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/files/content"));
    assert!(entry["content"].get("data").is_none());

    // Default _count is 10.
    let default = page(&server, &format!("/Media?patient=Patient/{patient}")).await;
    assert_eq!(ids(&default), created[0..10]);
    assert_eq!(link(&default, "next"), Some(q(10).as_str()));
}

#[tokio::test]
async fn a_one_item_search_has_the_canvas_example_shape() {
    let server = TestServer::start().await;
    let patient = "b8dfa97bdcdf4754bcd8197ca78ef0f0";
    let id = server
        .create(&media(
            patient,
            Some("eae3c8a5-a129-4960-9715-fc26da30eccc"),
            "image/jpeg",
            &jpeg(1),
        ))
        .await;
    let bundle = page(&server, &format!("/Media?patient=Patient%2F{patient}")).await;
    let example = fixture("search-200.json");
    assert_eq!(shape(&bundle), shape(&example), "{bundle}");
    assert_eq!(
        bundle["link"], example["link"],
        "links exactly as documented"
    );
    assert_eq!(ids(&bundle), [id]);
}

#[tokio::test]
async fn empty_results_have_no_links_and_bare_ids_and_id_work() {
    let server = TestServer::start().await;
    let empty = page(&server, "/Media?patient=Patient/nobody").await;
    assert_eq!(empty["total"], 0);
    assert!(empty.get("link").is_none(), "no links at all: {empty}");
    assert!(empty.get("entry").is_none(), "{empty}");

    let patient = unique("bare");
    let a = server
        .create(&media(&patient, None, "image/png", &png(1)))
        .await;
    let b = server
        .create(&media(&patient, None, "image/png", &png(2)))
        .await;
    let bare = page(&server, &format!("/Media?patient={patient}")).await;
    assert_eq!(ids(&bare), [a.clone(), b.clone()]);
    assert_eq!(
        link(&bare, "self"),
        Some(format!("/Media?patient=Patient%2F{patient}&_count=10&_offset=0").as_str())
    );

    let by_id = page(&server, &format!("/Media?_id={b}")).await;
    assert_eq!(ids(&by_id), std::slice::from_ref(&b));
    let both = page(
        &server,
        &format!("/Media?patient=Patient/{patient}&_id={a}"),
    )
    .await;
    assert_eq!(ids(&both), [a]);
    let mismatch = page(&server, &format!("/Media?patient=Patient/other&_id={b}")).await;
    assert_eq!(mismatch["total"], 0);

    // Past the end: total stays, no entries, no next.
    let past = page(&server, &format!("/Media?patient={patient}&_offset=50")).await;
    assert_eq!(past["total"], 2);
    assert!(past.get("entry").is_none());
    assert_eq!(link(&past, "next"), None);
}

#[tokio::test]
async fn bad_search_parameters_are_400() {
    let server = TestServer::start().await;
    for (query, mentions) in [
        ("/Media", "patient"),
        ("/Media?_count=10", "patient"),
        ("/Media?patient=", "patient"),
        ("/Media?patient=Practitioner/1", "patient"),
        ("/Media?patient=p&_count=0", "_count"),
        ("/Media?patient=p&_count=101", "_count"),
        ("/Media?patient=p&_count=ten", "_count"),
        ("/Media?patient=p&_count=-1", "_count"),
        ("/Media?patient=p&_offset=-5", "_offset"),
        ("/Media?patient=p&_offset=x", "_offset"),
        ("/Media?patient=p&patient=q", "patient"),
    ] {
        let response = server.get(query).send().await.unwrap();
        let text = assert_outcome(response, 400, "invalid").await;
        assert!(text.contains(mentions), "{query}: {text}");
    }
    assert_eq!(
        server
            .get("/Media?patient=p&_count=100")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        server
            .get("/Media?patient=p&_count=1")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn content_url_redirects_to_a_signed_url_serving_identical_bytes() {
    let data = TempDir::new("data");
    let config = fhir_media_endpoint::Config {
        allow_origins: vec!["http://page.example".into()],
        ..config(data.path())
    };
    let server = TestServer::start_with(config, Some(data)).await;
    for (content_type, bytes) in [
        ("image/jpeg", jpeg(7)),
        ("image/png", png(7)),
        ("image/heic", heic()),
    ] {
        let id = server
            .create(&media("p1", None, content_type, &bytes))
            .await;
        let read: Value = server.get_json(&format!("/Media/{id}")).await;
        let url = read["content"]["url"].as_str().unwrap();

        let anonymous = server.client.get(url).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "content.url needs the token");

        let redirect = server
            .client
            .get(url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(redirect.status(), 307);
        let location = redirect.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            location.starts_with(&format!("{}/_storage/{id}?expires=", server.base)),
            "{location}"
        );
        assert!(location.contains("&signature="), "{location}");

        // The signed URL works without a token, from an allowed origin too.
        let stored = server
            .client
            .get(&location)
            .header("origin", "http://page.example")
            .send()
            .await
            .unwrap();
        assert_eq!(stored.status(), 200);
        assert_eq!(stored.headers()["content-type"], content_type);
        assert_eq!(
            stored.headers()["access-control-allow-origin"],
            "http://page.example"
        );
        assert_eq!(
            stored.bytes().await.unwrap().as_ref(),
            bytes.as_slice(),
            "identical bytes"
        );
    }
    // A client that follows redirects gets the bytes in one call, as a browser fetch does.
    let follow = reqwest::Client::builder().no_proxy().build().unwrap();
    let id = server
        .create(&media("p1", None, "image/png", &png(9)))
        .await;
    let bytes = follow
        .get(server.url(&format!("/Media/{id}/files/content")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), png(9).as_slice());
}

#[tokio::test]
async fn bad_or_expired_signatures_are_403() {
    let server = TestServer::start().await;
    let id = server
        .create(&media("p1", None, "image/jpeg", &jpeg(1)))
        .await;
    let redirect = server
        .get(&format!("/Media/{id}/files/content"))
        .send()
        .await
        .unwrap();
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let (path, query) = location.split_once('?').unwrap();
    let mut pairs = form_urlencoded_pairs(query);
    let expires: u64 = pairs.remove("expires").unwrap().parse().unwrap();
    let signature = pairs.remove("signature").unwrap();

    let flipped = format!(
        "{}{}",
        if signature.starts_with('0') { "1" } else { "0" },
        &signature[1..]
    );
    let other = server
        .create(&media("p1", None, "image/jpeg", &jpeg(2)))
        .await;
    let tampered = [
        format!("{path}?expires={expires}&signature={flipped}"),
        format!("{path}?expires={}&signature={signature}", expires + 3600),
        format!("{path}?signature={signature}"),
        format!("{path}?expires={expires}"),
        format!("{path}?expires={expires}&signature=not-hex"),
        path.to_owned(),
        format!(
            "{}/_storage/{other}?expires={expires}&signature={signature}",
            server.base
        ),
    ];
    for url in tampered {
        let response = server.client.get(&url).send().await.unwrap();
        let text = assert_outcome(response, 403, "forbidden").await;
        assert!(text.contains("expired"), "{text}");
    }

    // Correctly signed, but in the past.
    let expired = server
        .state
        .signer()
        .sign_path(&id, fhir_media_endpoint::signing::now_unix() - 1);
    let response = server
        .client
        .get(server.url(&expired))
        .send()
        .await
        .unwrap();
    assert_outcome(response, 403, "forbidden").await;

    // The genuine URL still works.
    assert_eq!(
        server.client.get(&location).send().await.unwrap().status(),
        200
    );
}

fn form_urlencoded_pairs(query: &str) -> std::collections::HashMap<String, String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[tokio::test]
async fn signed_urls_expire_after_the_configured_lifetime() {
    let data = TempDir::new("data");
    let config = fhir_media_endpoint::Config {
        signed_url_ttl: std::time::Duration::from_secs(1),
        ..config(data.path())
    };
    let server = TestServer::start_with(config, Some(data)).await;
    let id = server
        .create(&media("p1", None, "image/jpeg", &jpeg(1)))
        .await;
    let redirect = server
        .get(&format!("/Media/{id}/files/content"))
        .send()
        .await
        .unwrap();
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        server.client.get(&location).send().await.unwrap().status(),
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let response = server.client.get(&location).send().await.unwrap();
    assert_outcome(response, 403, "forbidden").await;
}
