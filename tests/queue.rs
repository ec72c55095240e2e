//! The upload queue's scheduler, natively: each rule on its own, the reconcile verdict
//! table, and an interleaving explorer that runs thousands of seeded histories against
//! a simulated server with lost answers, throttling and page reloads.

use fhir_media_capture::queue::backoff::Backoff;
use fhir_media_capture::queue::options::DEFAULT_RECONCILE_DELAY_MS;
use fhir_media_capture::queue::reconcile::{self, Context, Key, Verdict};
use fhir_media_capture::queue::rng::Rng;
use fhir_media_capture::queue::{
    classify, Class, Command, CommandOutcome, Config, Item, NewItem, Queue, QueueOptions, Review,
    State,
};
use fhir_media_capture::MediaError;
use serde_json::{json, Value};

const PATIENT: &str = "Patient/p1";

fn config() -> Config {
    Config {
        seed: 42,
        ..Config::default()
    }
}

fn new_item(id: &str, encounter: Option<&str>) -> NewItem {
    NewItem {
        id: Some(id.to_string()),
        encounter: encounter.map(str::to_string),
        patient: Some(PATIENT.to_string()),
        identifier: Some(format!("urn:uuid:{id}")),
        title: Some("Left forearm".to_string()),
        notes: Some(vec!["Note #1".to_string()]),
        content_type: Some("image/jpeg".to_string()),
    }
}

fn queue_with(config: Config, items: &[(&str, Option<&str>)]) -> Queue {
    let mut q = Queue::new(config);
    for (i, (id, enc)) in items.iter().enumerate() {
        q.add(new_item(id, *enc), i as f64).expect("add");
    }
    q
}

fn ids(commands: &[Command]) -> Vec<String> {
    commands
        .iter()
        .map(|c| match c {
            Command::Create { id, .. } => format!("create {id}"),
            Command::Reconcile { id } => format!("reconcile {id}"),
        })
        .collect()
}

fn http(status: u16) -> CommandOutcome {
    CommandOutcome::Http {
        status,
        text: format!("HTTP {status}"),
        retry_after_ms: None,
    }
}

fn created(media_id: &str) -> CommandOutcome {
    CommandOutcome::Created {
        media_id: media_id.to_string(),
    }
}

fn state(q: &Queue, id: &str) -> State {
    q.item(id).expect("item").state
}

/// A searched Media: `identifier` only when the server echoes it.
fn media(id: &str, identifier: Option<&str>, title: &str, notes: &[&str], ct: &str) -> Value {
    let mut m = json!({
        "resourceType": "Media", "id": id, "status": "completed",
        "subject": {"reference": PATIENT},
        "content": {"contentType": ct, "title": title,
                    "url": format!("https://h.example/Media/{id}/files/content")},
        "note": notes.iter().map(|n| json!({"text": n})).collect::<Vec<_>>(),
    });
    if let Some(value) = identifier {
        m["identifier"] = json!([{"system": "urn:ietf:rfc:3986", "value": value}]);
    }
    m
}

// ---------------------------------------------------------------- classification

#[test]
fn each_status_class_leads_to_its_state() {
    // (status, state after, needs reconcile, next command after the backoff)
    let table: &[(u16, State, bool, Option<&str>)] = &[
        (503, State::Retrying, false, Some("create a")),
        (429, State::Retrying, false, Some("create a")),
        (408, State::Retrying, false, Some("create a")),
        (0, State::Retrying, true, Some("reconcile a")),
        (500, State::Retrying, true, Some("reconcile a")),
        (502, State::Retrying, true, Some("reconcile a")),
        (504, State::Retrying, true, Some("reconcile a")),
        // A success status we could not use (no Location…): it may be stored.
        (201, State::Retrying, true, Some("reconcile a")),
        (400, State::Failed, false, None),
        (401, State::Failed, false, None),
        (403, State::Failed, false, None),
        (404, State::Failed, false, None),
        (413, State::Failed, false, None),
        (422, State::Failed, false, None),
    ];
    for &(status, after, reconcile, next) in table {
        let mut q = queue_with(config(), &[("a", Some("Encounter/1"))]);
        assert_eq!(ids(&q.poll(0.0)), ["create a"]);
        q.settle("a", http(status), 10.0).expect("settle");
        let item = q.item("a").expect("a");
        assert_eq!(
            (item.state, item.needs_reconcile),
            (after, reconcile),
            "{status}"
        );
        assert_eq!(item.error.as_ref().map(|e| e.status), Some(status));
        assert_eq!(
            item.error.as_ref().map(|e| e.text.as_str()),
            Some(&*format!("HTTP {status}"))
        );
        let later = ids(&q.poll(1e9));
        assert_eq!(later.first().map(String::as_str), next, "{status}");
    }
}

#[test]
fn created_is_done_with_the_media_id() {
    let mut q = queue_with(config(), &[("a", None)]);
    q.poll(0.0);
    q.settle("a", created("m1"), 1.0).expect("settle");
    let a = q.item("a").expect("a");
    assert_eq!((a.state, a.media_id.as_deref()), (State::Done, Some("m1")));
    assert!(q.poll(2.0).is_empty());
    let mut q = queue_with(config(), &[("a", None)]);
    q.poll(0.0);
    let e = q.settle("a", created("  "), 1.0).expect_err("blank id");
    assert!(e.to_string().contains("mediaId"), "{e}");
}

// ---------------------------------------------------------------- backoff

#[test]
fn backoff_doubles_with_jitter_and_caps() {
    let b = Backoff {
        base_delay_ms: 1000.0,
        max_delay_ms: 30_000.0,
    };
    let mut rng = Rng::new(9);
    for attempt in 1..=12u32 {
        let ceiling = (1000.0 * 2f64.powi(attempt as i32 - 1)).min(30_000.0);
        assert_eq!(b.ceiling(attempt), ceiling);
        let mut seen = Vec::new();
        for _ in 0..200 {
            let d = b.delay(attempt, None, &mut rng);
            assert!(d >= ceiling / 2.0 && d <= ceiling, "{attempt}: {d}");
            seen.push(d);
        }
        // Jitter: not all the same.
        assert!(seen.iter().any(|d| (d - seen[0]).abs() > 1.0), "{attempt}");
    }
    assert_eq!(b.ceiling(1000), 30_000.0);
}

#[test]
fn retry_after_is_a_floor_even_above_the_cap() {
    let b = Backoff {
        base_delay_ms: 1000.0,
        max_delay_ms: 5_000.0,
    };
    let mut rng = Rng::new(1);
    assert_eq!(b.delay(1, Some(60_000.0), &mut rng), 60_000.0);
    let d = b.delay(3, Some(10.0), &mut rng);
    assert!((2_000.0..=4_000.0).contains(&d), "{d}");
    for bad in [f64::NAN, -5.0, 0.0] {
        assert!(b.delay(1, Some(bad), &mut rng) <= 1000.0);
    }

    let mut q = queue_with(config(), &[("a", None)]);
    q.poll(0.0);
    q.settle(
        "a",
        CommandOutcome::Http {
            status: 503,
            text: "busy".into(),
            retry_after_ms: Some(120_000.0),
        },
        1_000.0,
    )
    .expect("settle");
    assert_eq!(q.item("a").and_then(|i| i.retry_at_ms), Some(121_000.0));
    assert_eq!(q.next_wake_ms(), Some(121_000.0));
    assert!(q.poll(120_999.0).is_empty());
    assert_eq!(ids(&q.poll(121_000.0)), ["create a"]);
}

#[test]
fn gives_up_after_max_attempts_and_a_manual_retry_reconciles_first() {
    let mut q = queue_with(
        Config {
            max_attempts: 3,
            ..config()
        },
        &[("a", Some("Encounter/1")), ("b", Some("Encounter/1"))],
    );
    let mut now = 0.0;
    assert_eq!(ids(&q.poll(now)), ["create a"]);
    q.settle("a", http(0), now).expect("drop");
    for _ in 0..2 {
        now = q.next_wake_ms().expect("wake");
        assert_eq!(ids(&q.poll(now)), ["reconcile a"]);
        q.settle(
            "a",
            CommandOutcome::ReconcileFailed {
                status: 502,
                text: "bad gateway".into(),
                retry_after_ms: None,
            },
            now,
        )
        .expect("search failed");
    }
    let a = q.item("a").expect("a").clone();
    assert_eq!(
        (a.state, a.attempts, a.needs_reconcile),
        (State::Failed, 3, true)
    );
    // A failed item releases its encounter.
    assert_eq!(ids(&q.poll(now)), ["create b"]);
    q.retry("a", now).expect("retry");
    let a = q.item("a").expect("a");
    assert_eq!((a.state, a.attempts), (State::Waiting, 0));
    // b holds the encounter now; once it is done, a reconciles (never creates) first.
    assert!(q.poll(now).is_empty());
    q.settle("b", created("mb"), now).expect("b");
    assert_eq!(ids(&q.poll(now)), ["reconcile a"]);
    let e = q.retry("b", now).expect_err("done cannot be retried");
    assert!(e.to_string().contains("is done"), "{e}");
}

// ---------------------------------------------------------------- order and limits

#[test]
fn one_per_encounter_in_add_order_and_no_encounter_runs_free() {
    let mut q = queue_with(
        Config {
            max_parallel: 10,
            ..config()
        },
        &[
            ("a1", Some("Encounter/A")),
            ("b1", Some("Encounter/B")),
            ("a2", Some("Encounter/A")),
            ("n1", None),
            ("n2", None),
            ("b2", Some("Encounter/B")),
        ],
    );
    assert_eq!(
        ids(&q.poll(0.0)),
        ["create a1", "create b1", "create n1", "create n2"]
    );
    assert!(q.poll(1.0).is_empty(), "nothing twice");
    // a1 retrying still holds Encounter/A; b1 needs-review releases Encounter/B.
    q.settle("a1", http(503), 1.0).expect("a1");
    q.settle("b1", http(0), 1.0).expect("b1");
    assert!(q.poll(1.0).is_empty());
    let wake = q.next_wake_ms().expect("wake");
    let cmds = ids(&q.poll(1e9));
    assert_eq!(cmds, ["create a1", "reconcile b1"], "after {wake}");
    // Two Media with our content and no baseline: cannot tell → needs-review.
    let found = vec![
        media("x1", None, "Left forearm", &["Note #1"], "image/jpeg"),
        media("x2", None, "Left forearm", &["Note #1"], "image/jpeg"),
    ];
    q.settle("b1", CommandOutcome::Reconciled { found }, 2.0)
        .expect("b1");
    assert_eq!(state(&q, "b1"), State::NeedsReview);
    assert_eq!(ids(&q.poll(2.0)), ["create b2"]);
    q.settle("a1", created("m-a1"), 3.0).expect("a1");
    assert_eq!(ids(&q.poll(3.0)), ["create a2"]);
}

#[test]
fn at_most_max_parallel_in_flight() {
    let items: Vec<(String, Option<String>)> = (0..6)
        .map(|i| (format!("i{i}"), Some(format!("Encounter/{i}"))))
        .collect();
    let refs: Vec<(&str, Option<&str>)> = items
        .iter()
        .map(|(i, e)| (i.as_str(), e.as_deref()))
        .collect();
    let mut q = queue_with(
        Config {
            max_parallel: 2,
            ..config()
        },
        &refs,
    );
    assert_eq!(ids(&q.poll(0.0)), ["create i0", "create i1"]);
    assert!(q.poll(0.0).is_empty());
    q.settle("i1", created("m1"), 1.0).expect("i1");
    assert_eq!(ids(&q.poll(1.0)), ["create i2"]);
}

#[test]
fn offline_pauses_new_commands_but_in_flight_ones_settle() {
    let mut q = queue_with(
        config(),
        &[("a", None), ("b", None), ("c", None), ("d", None)],
    );
    assert_eq!(q.poll(0.0).len(), 3);
    q.set_online(false);
    q.settle("a", created("ma"), 1.0)
        .expect("in flight settles");
    assert!(q.poll(2.0).is_empty());
    assert!(!q.online());
    q.set_online(true);
    assert_eq!(ids(&q.poll(3.0)), ["create d"]);
}

// ---------------------------------------------------------------- restore

#[test]
fn restore_turns_in_flight_into_reconcile_and_keeps_add_order() {
    let mut q = queue_with(
        config(),
        &[
            ("a", Some("Encounter/1")),
            ("b", Some("Encounter/1")),
            ("c", None),
            ("d", Some("Encounter/2")),
        ],
    );
    q.poll(0.0);
    q.settle("c", created("mc"), 1.0).expect("c");
    q.settle("d", http(0), 1.0).expect("d");
    assert_eq!(q.poll(1.0).len(), 0);
    // a is uploading, d is retrying with needs_reconcile; persist and reload.
    let snapshot: Vec<Item> = q.items().to_vec();
    let mut r = Queue::new(config());
    for item in snapshot.iter().rev() {
        r.restore(item.clone(), 500.0).expect("restore");
    }
    let order: Vec<&str> = r.items().iter().map(|i| i.id.as_str()).collect();
    assert_eq!(order, ["a", "b", "c", "d"]);
    let a = r.item("a").expect("a");
    // The search waits out the reconcile delay: the cut-off create may still land.
    let due = 500.0 + DEFAULT_RECONCILE_DELAY_MS;
    assert_eq!(
        (a.state, a.needs_reconcile, a.uncertain, a.retry_at_ms),
        (State::Retrying, true, true, Some(due))
    );
    assert_eq!(state(&r, "c"), State::Done);
    assert_eq!(r.item("c").and_then(|c| c.media_id.as_deref()), Some("mc"));
    // d's search was due earlier (its answer was lost at 1.0, before the reload).
    assert_eq!(ids(&r.poll(due - 1.0)), ["reconcile d"]);
    assert_eq!(ids(&r.poll(due)), ["reconcile a"]);
    let e = r.restore(snapshot[1].clone(), 0.0).expect_err("duplicate");
    assert!(e.to_string().contains("already queued"), "{e}");
}

/// Drive `id` (in flight as a create) through a lost answer and a search that finds
/// nothing yet, to the next create; returns the time then.
fn lost_then_not_found(q: &mut Queue, id: &str) -> f64 {
    assert_eq!(ids(&q.poll(0.0)), [format!("create {id}")]);
    q.settle(id, http(0), 0.0).expect("lost answer");
    // The search waits for a create the server may still be storing.
    assert!(q.poll(DEFAULT_RECONCILE_DELAY_MS - 1.0).is_empty());
    let t = DEFAULT_RECONCILE_DELAY_MS;
    assert_eq!(ids(&q.poll(t)), [format!("reconcile {id}")]);
    q.settle(id, CommandOutcome::Reconciled { found: vec![] }, t)
        .expect("not found yet");
    assert_eq!(ids(&q.poll(t)), [format!("create {id}")]);
    t
}

#[test]
fn a_late_create_holding_the_encounter_is_searched_for_not_failed_or_sent_again() {
    // The cut-off create lands after the search: the encounter is still busy with it,
    // so the new create gets Canvas's 422. That is no reason to give up, nor to post.
    let mut q = queue_with(config(), &[("a", Some("Encounter/1"))]);
    let t = lost_then_not_found(&mut q, "a");
    q.settle("a", http(422), t).expect("422");
    let a = q.item("a").expect("a");
    assert_eq!((a.state, a.needs_reconcile), (State::Retrying, true));
    let due = a.retry_at_ms.expect("due");
    assert!(due >= t + DEFAULT_RECONCILE_DELAY_MS);
    assert_eq!(ids(&q.poll(due)), ["reconcile a"]);
    let found = vec![media(
        "m-late",
        Some("urn:uuid:a"),
        "Left forearm",
        &["Note #1"],
        "image/jpeg",
    )];
    q.settle("a", CommandOutcome::Reconciled { found }, due)
        .expect("found");
    let a = q.item("a").expect("a");
    assert_eq!(
        (a.state, a.media_id.as_deref(), a.uncertain),
        (State::Done, Some("m-late"), false)
    );
}

#[test]
fn a_refusal_after_a_lost_answer_is_final_only_after_a_search() {
    // Without an encounter a 422 is just a refusal, but the first create may still land:
    // the retry by hand searches before it posts.
    let mut q = queue_with(config(), &[("a", None)]);
    let t = lost_then_not_found(&mut q, "a");
    q.settle("a", http(422), t).expect("422");
    let a = q.item("a").expect("a");
    assert_eq!(
        (a.state, a.needs_reconcile, a.uncertain),
        (State::Failed, true, true)
    );
    q.retry("a", t + 1.0).expect("retry");
    assert_eq!(ids(&q.poll(t + 1.0)), ["reconcile a"]);
    // A 422 on an item whose every create was answered stays final, with no search.
    let mut q = queue_with(config(), &[("b", Some("Encounter/1"))]);
    q.poll(0.0);
    q.settle("b", http(422), 0.0).expect("422");
    let b = q.item("b").expect("b");
    assert_eq!((b.state, b.needs_reconcile), (State::Failed, false));
    q.retry("b", 1.0).expect("retry");
    assert_eq!(ids(&q.poll(1.0)), ["create b"]);
}

#[test]
fn adds_within_one_millisecond_keep_their_order_through_restore() {
    let mut q = Queue::new(config());
    for id in ["x", "y", "z"] {
        q.add(new_item(id, Some("Encounter/1")), 1000.0)
            .expect("add");
    }
    let snapshot: Vec<Item> = q.items().to_vec();
    let mut r = Queue::new(config());
    for i in [2, 0, 1] {
        r.restore(snapshot[i].clone(), 0.0).expect("restore");
    }
    let order: Vec<&str> = r.items().iter().map(|i| i.id.as_str()).collect();
    assert_eq!(order, ["x", "y", "z"]);
}

// ---------------------------------------------------------------- review, remove, errors

#[test]
fn review_send_creates_without_reconciling_and_discard_removes() {
    for (action, expect) in [(Review::Send, Some("create a")), (Review::Discard, None)] {
        let mut q = queue_with(config(), &[("a", None)]);
        q.poll(0.0);
        q.settle("a", http(500), 0.0).expect("500");
        q.poll(1e9);
        let found = vec![media("m", None, "Left forearm", &["Note #1"], "image/jpeg")];
        q.settle("a", CommandOutcome::Reconciled { found }, 1e9)
            .expect("reconciled");
        assert_eq!(state(&q, "a"), State::NeedsReview);
        assert!(
            q.retry("a", 1e9).is_err(),
            "needs-review is resolved, not retried"
        );
        q.resolve_review("a", action).expect("resolve");
        assert_eq!(ids(&q.poll(1e9)).first().map(String::as_str), expect);
        assert_eq!(q.item("a").is_some(), action == Review::Send);
    }
    let mut q = queue_with(config(), &[("a", None)]);
    assert!(q.resolve_review("a", Review::Send).is_err());
}

#[test]
fn remove_is_refused_while_in_flight() {
    let mut q = queue_with(config(), &[("a", None), ("b", Some("Encounter/1"))]);
    q.poll(0.0);
    assert!(!q.remove("a"));
    assert!(!q.remove("nope"));
    q.settle("a", http(503), 0.0).expect("a");
    assert!(q.remove("a"));
    assert!(q.item("a").is_none());
}

#[test]
fn bad_calls_are_invalid_options_naming_the_field() {
    let mut q = queue_with(config(), &[("a", None)]);
    for (field, item) in [
        (
            "patient",
            NewItem {
                patient: None,
                ..new_item("p", None)
            },
        ),
        (
            "identifier",
            NewItem {
                identifier: Some(" ".into()),
                ..new_item("i", None)
            },
        ),
        (
            "contentType",
            NewItem {
                content_type: None,
                ..new_item("c", None)
            },
        ),
        (
            "id",
            NewItem {
                id: None,
                ..new_item("x", None)
            },
        ),
    ] {
        let e = q.add(item, 0.0).expect_err(field);
        assert_eq!(e.code(), "invalid-options");
        assert!(e.to_string().contains(&format!("`{field}`")), "{e}");
    }
    q.poll(0.0);
    let e = q
        .settle("a", created(" "), 0.0)
        .expect_err("blank media id");
    assert_eq!(e.code(), "invalid-options");
    assert_eq!(state(&q, "a"), State::Uploading);
}

/// A call the item's state does not allow is the driver's bug, not bad input: its own
/// code, naming the item and the rule, and nothing changes.
#[test]
fn calls_the_state_does_not_allow_are_queue_misuse() {
    let misuse = |result: Result<(), MediaError>, says: &str| {
        let e = result.expect_err(says);
        assert_eq!(e.code(), "queue-misuse", "{e}");
        assert!(e.to_string().contains(says), "{e}");
    };
    let mut q = queue_with(config(), &[("a", None)]);
    misuse(q.add(new_item("a", None), 0.0), "already queued");
    misuse(q.settle("nope", http(0), 0.0), "\"nope\" is not queued");
    misuse(q.retry("nope", 0.0), "is not queued");
    misuse(q.resolve_review("nope", Review::Send), "is not queued");
    misuse(q.set_baseline("nope", &[]), "is not queued");
    misuse(q.settle("a", created("m"), 0.0), "is waiting");
    misuse(q.retry("a", 0.0), "only a failed item is retried");
    misuse(
        q.resolve_review("a", Review::Discard),
        "only a needs-review item is resolved",
    );
    q.poll(0.0);
    misuse(
        q.settle("a", CommandOutcome::Reconciled { found: vec![] }, 0.0),
        "`outcome`",
    );
    assert_eq!(
        state(&q, "a"),
        State::Uploading,
        "a bad settle changes nothing"
    );
    q.settle("a", created("m"), 0.0).expect("created");
    misuse(
        q.set_baseline("a", &[]),
        "is done: a baseline belongs before the post",
    );
    misuse(q.settle("a", created("m"), 0.0), "is done");
    let mut r = Queue::new(config());
    r.restore(q.item("a").expect("a").clone(), 0.0)
        .expect("restore");
    misuse(
        r.restore(q.item("a").expect("a").clone(), 0.0),
        "already queued",
    );
    assert_eq!(q.items(), r.items(), "nothing changed");
}

// ---------------------------------------------------------------- options and protocol

#[test]
fn queue_options_get_defaults_and_are_checked_naming_the_option() {
    let config = QueueOptions::default().validate(7).expect("defaults");
    assert_eq!(
        config,
        Config {
            seed: 7,
            ..Config::default()
        }
    );
    // A base delay over the default cap raises the cap with it.
    let config = QueueOptions {
        base_delay_ms: Some(400_000.0),
        seed: Some(-1.0),
        ..QueueOptions::default()
    }
    .validate(7)
    .expect("base over the default cap");
    assert_eq!(
        (config.backoff.max_delay_ms, config.seed),
        (400_000.0, u64::MAX)
    );
    let with = |set: fn(&mut QueueOptions)| {
        let mut options = QueueOptions::default();
        set(&mut options);
        options
    };
    let refused = [
        ("maxParallel", with(|o| o.max_parallel = Some(0))),
        ("maxAttempts", with(|o| o.max_attempts = Some(0))),
        ("baseDelayMs", with(|o| o.base_delay_ms = Some(-1.0))),
        (
            "baseDelayMs",
            with(|o| o.base_delay_ms = Some(f64::INFINITY)),
        ),
        ("maxDelayMs", with(|o| o.max_delay_ms = Some(f64::NAN))),
        (
            "maxDelayMs",
            with(|o| (o.base_delay_ms, o.max_delay_ms) = (Some(10.0), Some(5.0))),
        ),
        (
            "reconcileDelayMs",
            with(|o| o.reconcile_delay_ms = Some(-0.5)),
        ),
        ("seed", with(|o| o.seed = Some(f64::NAN))),
    ];
    for (field, options) in refused {
        match options.clone().validate(7) {
            Err(MediaError::InvalidOptions { field: f, .. }) => assert_eq!(f, field, "{options:?}"),
            other => panic!("{options:?}: {other:?}"),
        }
    }
}

#[test]
fn statuses_classify_as_not_created_unknown_or_fatal() {
    for (status, class) in [
        (408, Class::NotCreated),
        (429, Class::NotCreated),
        (503, Class::NotCreated),
        (0, Class::Unknown),
        (200, Class::Unknown),
        (201, Class::Unknown),
        (500, Class::Unknown),
        (502, Class::Unknown),
        (504, Class::Unknown),
        (599, Class::Unknown),
        (400, Class::Fatal),
        (401, Class::Fatal),
        (404, Class::Fatal),
        (422, Class::Fatal),
        (302, Class::Fatal),
        (600, Class::Fatal),
    ] {
        assert_eq!(classify(status), class, "{status}");
    }
}

#[test]
fn titles_and_notes_are_normalised_like_prepare_media() {
    let mut q = Queue::new(config());
    let item = NewItem {
        title: Some("  ".into()),
        notes: Some(vec![" a ".into(), "".into(), "b".into()]),
        encounter: Some(" ".into()),
        ..new_item("a", None)
    };
    q.add(item, 0.0).expect("add");
    let a = q.item("a").expect("a");
    assert_eq!(
        (a.title.as_deref(), a.notes.clone(), a.encounter.as_deref()),
        (None, vec!["a".to_string(), "b".to_string()], None)
    );
}

// ---------------------------------------------------------------- baselines

#[test]
fn a_non_echoing_server_gets_baselines_and_one_new_match_is_ours() {
    let mut q = queue_with(
        Config {
            echoes_identifiers: Some(false),
            ..config()
        },
        &[("a", Some("Encounter/1"))],
    );
    assert_eq!(
        q.poll(0.0),
        [Command::Create {
            id: "a".into(),
            capture_baseline: true
        }]
    );
    let before = vec![
        media("old", None, "Left forearm", &["Note #1"], "image/jpeg"),
        media("other", None, "Right knee", &[], "image/jpeg"),
    ];
    q.set_baseline("a", &before).expect("baseline");
    assert_eq!(
        q.item("a").and_then(|a| a.baseline_ids.clone()),
        Some(vec!["old".to_string()])
    );
    q.settle("a", http(504), 1.0).expect("504");
    q.poll(1e9);
    let mut after = before.clone();
    after.push(media(
        "new",
        None,
        "Left forearm",
        &["Note #1"],
        "image/jpeg",
    ));
    q.settle("a", CommandOutcome::Reconciled { found: after }, 1e9)
        .expect("reconciled");
    let a = q.item("a").expect("a");
    assert_eq!((a.state, a.media_id.as_deref()), (State::Done, Some("new")));
    assert_eq!(q.echoes_identifiers(), Some(false));
}

#[test]
fn searches_teach_whether_the_server_echoes_identifiers() {
    let mut q = queue_with(config(), &[("a", None), ("b", None)]);
    assert_eq!(q.echoes_identifiers(), None);
    q.poll(0.0);
    q.settle("a", http(0), 0.0).expect("a");
    q.poll(1e9);
    q.settle("a", CommandOutcome::Reconciled { found: vec![] }, 1e9)
        .expect("empty");
    assert_eq!(
        q.echoes_identifiers(),
        None,
        "nothing found teaches nothing"
    );
    assert_eq!(state(&q, "a"), State::Waiting);
    assert!(matches!(
        q.poll(1e9).as_slice(),
        [Command::Create {
            capture_baseline: false,
            ..
        }]
    ));
    q.settle("a", http(0), 1e9).expect("a");
    q.poll(2e9);
    let found = vec![media(
        "z",
        Some("urn:uuid:someone-else"),
        "X",
        &[],
        "image/png",
    )];
    q.settle("a", CommandOutcome::Reconciled { found }, 2e9)
        .expect("echo");
    assert_eq!(q.echoes_identifiers(), Some(true));
    assert_eq!(
        state(&q, "a"),
        State::Waiting,
        "echoing server without ours: not created"
    );
}

// ---------------------------------------------------------------- reconcile verdicts

#[test]
fn reconcile_verdict_table() {
    let notes = vec!["Note #1".to_string()];
    let key = Key {
        identifier: "urn:uuid:ours",
        title: Some("Left forearm"),
        notes: &notes,
        content_type: "image/jpeg",
        encounter: Some("Encounter/1"),
    };
    let same = |id: &str| media(id, None, "Left forearm", &["Note #1"], "image/jpeg");
    let ours_echoed = media(
        "m9",
        Some("urn:uuid:ours"),
        "Left forearm",
        &["Note #1"],
        "image/jpeg",
    );
    let theirs_echoed = media(
        "m8",
        Some("urn:uuid:theirs"),
        "Left forearm",
        &["Note #1"],
        "image/jpeg",
    );
    let mut other_encounter = same("e2");
    other_encounter["encounter"] = json!({"reference": "Encounter/2"});
    let mut absolute_encounter = same("e1");
    absolute_encounter["encounter"] = json!({"reference": "https://h.example/Encounter/1"});
    let baseline = vec!["b1".to_string()];
    let known = vec!["k1"];
    let no_base = Context::default();
    let with_base = Context {
        baseline: Some(&baseline),
        ..Context::default()
    };
    let cases: Vec<(&str, Vec<Value>, Context<'_>, Verdict)> = vec![
        (
            "ours echoed",
            vec![theirs_echoed.clone(), ours_echoed.clone()],
            no_base,
            Verdict::Created("m9".into()),
        ),
        (
            "server echoes, ours absent",
            vec![theirs_echoed.clone(), same("x")],
            no_base,
            Verdict::NotCreated,
        ),
        ("nothing found", vec![], no_base, Verdict::NotCreated),
        (
            "no content match",
            vec![media("x", None, "Other", &[], "image/jpeg")],
            no_base,
            Verdict::NotCreated,
        ),
        (
            "notes differ",
            vec![media("x", None, "Left forearm", &["Note #2"], "image/jpeg")],
            no_base,
            Verdict::NotCreated,
        ),
        (
            "type differs",
            vec![media("x", None, "Left forearm", &["Note #1"], "image/png")],
            no_base,
            Verdict::NotCreated,
        ),
        (
            "other encounter",
            vec![other_encounter],
            no_base,
            Verdict::NotCreated,
        ),
        (
            "one match, no baseline",
            vec![same("x")],
            no_base,
            Verdict::Unsure,
        ),
        (
            "one new match over a baseline",
            vec![same("b1"), same("x")],
            with_base,
            Verdict::Created("x".into()),
        ),
        (
            "absolute encounter reference",
            vec![same("b1"), absolute_encounter],
            with_base,
            Verdict::Created("e1".into()),
        ),
        (
            "only the baseline",
            vec![same("b1")],
            with_base,
            Verdict::NotCreated,
        ),
        (
            "two new matches",
            vec![same("b1"), same("x"), same("y")],
            with_base,
            Verdict::Unsure,
        ),
        (
            "a known id of another item is not ours",
            vec![same("k1"), same("x")],
            Context {
                known_ids: &known,
                ..with_base
            },
            Verdict::Created("x".into()),
        ),
        (
            "a twin may own the match",
            vec![same("x")],
            Context {
                twin_unresolved: true,
                ..with_base
            },
            Verdict::Unsure,
        ),
    ];
    for (name, found, cx, expect) in cases {
        assert_eq!(reconcile::reconcile(&key, &found, &cx), expect, "{name}");
    }
    assert_eq!(reconcile::echoes_identifiers(&[]), None);
    assert_eq!(reconcile::echoes_identifiers(&[same("x")]), Some(false));
    assert_eq!(
        reconcile::echoes_identifiers(&[same("x"), ours_echoed]),
        Some(true)
    );
}

// ---------------------------------------------------------------- interleaving explorer

/// What the simulated server does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Ok,
    Busy503,
    Throttled429,
    Error500Before,
    Error500After,
    DropBefore,
    DropAfter,
}

const FATES: [(Fate, u64); 7] = [
    (Fate::Ok, 50),
    (Fate::Busy503, 8),
    (Fate::Throttled429, 7),
    (Fate::Error500Before, 7),
    (Fate::Error500After, 7),
    (Fate::DropBefore, 9),
    (Fate::DropAfter, 12),
];

fn pick_fate(rng: &mut Rng) -> Fate {
    let total: u64 = FATES.iter().map(|(_, w)| w).sum();
    let mut roll = rng.below(total);
    for (fate, weight) in FATES {
        if roll < weight {
            return fate;
        }
        roll -= weight;
    }
    Fate::Ok
}

struct Stored {
    id: String,
    /// The item that created it (the simulation's truth; the queue never sees it).
    owner: Option<usize>,
    value: Value,
}

struct Server {
    echoes: bool,
    stored: Vec<Stored>,
    next: u64,
    /// Item indexes in commit order.
    commits: Vec<usize>,
}

impl Server {
    fn commit(&mut self, owner: Option<usize>, spec: &Spec, identifier: &str) -> String {
        self.next += 1;
        let id = format!("m{}", self.next);
        let notes: Vec<&str> = spec.notes.iter().map(String::as_str).collect();
        let mut value = media(
            &id,
            self.echoes.then_some(identifier),
            spec.title.as_deref().unwrap_or(""),
            &notes,
            spec.content_type,
        );
        if spec.title.is_none() {
            value["content"].as_object_mut().map(|c| c.remove("title"));
        }
        if let Some(enc) = &spec.encounter {
            value["encounter"] = json!({ "reference": enc });
        }
        self.stored.push(Stored {
            id: id.clone(),
            owner,
            value,
        });
        if let Some(o) = owner {
            self.commits.push(o);
        }
        id
    }

    fn search(&self) -> Vec<Value> {
        self.stored.iter().map(|s| s.value.clone()).collect()
    }
}

#[derive(Clone)]
struct Spec {
    id: String,
    encounter: Option<String>,
    title: Option<String>,
    notes: Vec<String>,
    content_type: &'static str,
}

struct Request {
    item: usize,
    reconcile: bool,
    fate: Fate,
}

#[derive(Default, Debug)]
struct Stats {
    runs: u64,
    items: u64,
    requests: u64,
    faults: [u64; 7],
    search_failures: u64,
    reloads: u64,
    reload_commits: u64,
    done: u64,
    needs_review: u64,
    manual_retries: u64,
    duplicates: u64,
    lost: u64,
}

const ENCOUNTERS: [Option<&str>; 4] = [
    Some("Encounter/e1"),
    Some("Encounter/e2"),
    Some("Encounter/e3"),
    None,
];
const TITLES: [Option<&str>; 3] = [Some("Left forearm"), Some("Rash"), None];

fn explore(seed: u64, echoes: bool, stats: &mut Stats) {
    let mut rng = Rng::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xA5A5);
    let n_items = 10 + rng.below(21) as usize;
    let specs: Vec<Spec> = (0..n_items)
        .map(|i| Spec {
            id: format!("it{i}"),
            encounter: ENCOUNTERS[rng.below(4) as usize].map(str::to_string),
            title: TITLES[rng.below(3) as usize].map(str::to_string),
            notes: if rng.below(2) == 0 {
                vec![]
            } else {
                vec!["Note #1".to_string()]
            },
            content_type: if rng.below(4) == 0 {
                "image/png"
            } else {
                "image/jpeg"
            },
        })
        .collect();
    let identifier = |i: usize| format!("urn:uuid:{seed}-{i}");
    let mut server = Server {
        echoes,
        stored: Vec::new(),
        next: 0,
        commits: Vec::new(),
    };
    // Media the patient already has from elsewhere, some with our items' content.
    for k in 0..rng.below(4) {
        let spec = specs[rng.below(n_items as u64) as usize].clone();
        server.commit(None, &spec, &format!("urn:uuid:elsewhere-{k}"));
    }
    let max_parallel = 1 + rng.below(4) as usize;
    // Few attempts in some runs, so items fail and a person retries them.
    let max_attempts = 2 + rng.below(7) as u32;
    let make_config = |rng: &mut Rng, learnt: Option<bool>| Config {
        max_parallel,
        max_attempts,
        seed: rng.next_u64(),
        // Sometimes the driver remembers what an earlier page learnt; never wrongly.
        echoes_identifiers: if rng.below(2) == 0 { learnt } else { None },
        ..Config::default()
    };
    let mut core = Queue::new(make_config(&mut rng, None));
    let mut now = 1_000.0;
    let mut added = 0;
    let mut in_flight: Vec<Request> = Vec::new();
    // Per item: the last create may have been stored and no verdict has cleared it.
    let mut unknown = vec![false; n_items];
    let mut ever_failed = vec![false; n_items];
    let mut reloads = 0;
    let index = |id: &str| -> usize {
        id.strip_prefix("it")
            .and_then(|n| n.parse().ok())
            .expect("item id")
    };

    for step in 0.. {
        assert!(step < 20_000, "seed {seed}: no quiescence");
        // New photos arrive over time.
        if added < n_items && (added == 0 || rng.below(3) == 0) {
            let s = &specs[added];
            core.add(
                NewItem {
                    id: Some(s.id.clone()),
                    encounter: s.encounter.clone(),
                    patient: Some(PATIENT.into()),
                    identifier: Some(identifier(added)),
                    title: s.title.clone(),
                    notes: Some(s.notes.clone()),
                    content_type: Some(s.content_type.into()),
                },
                now,
            )
            .expect("add");
            added += 1;
        }
        if rng.below(40) == 0 {
            core.set_online(!core.online());
        }
        for command in core.poll(now) {
            let (id, reconcile, capture) = match command {
                Command::Create {
                    id,
                    capture_baseline,
                } => (id, false, capture_baseline),
                Command::Reconcile { id } => (id, true, false),
            };
            let i = index(&id);
            assert!(
                !in_flight.iter().any(|r| r.item == i),
                "seed {seed}: two commands for {id}"
            );
            if !reconcile {
                assert!(
                    !unknown[i],
                    "seed {seed}: create for {id} whose last create may have been stored"
                );
            }
            if capture {
                core.set_baseline(&id, &server.search()).expect("baseline");
            }
            let fate = if reconcile {
                if rng.below(5) == 0 {
                    Fate::DropBefore
                } else {
                    Fate::Ok
                }
            } else {
                pick_fate(&mut rng)
            };
            in_flight.push(Request {
                item: i,
                reconcile,
                fate,
            });
            stats.requests += 1;
        }
        // Invariants over what is in flight.
        assert!(
            in_flight.len() <= max_parallel,
            "seed {seed}: over maxParallel"
        );
        for enc in ENCOUNTERS.iter().flatten() {
            let n = in_flight
                .iter()
                .filter(|r| specs[r.item].encounter.as_deref() == Some(enc))
                .count();
            assert!(n <= 1, "seed {seed}: {n} in flight on {enc}");
        }

        // A page reload: requests in flight may or may not have reached the server.
        if reloads < 3 && rng.below(60) == 0 {
            reloads += 1;
            stats.reloads += 1;
            for r in in_flight.drain(..) {
                if !r.reconcile {
                    unknown[r.item] = true;
                    if rng.below(2) == 0 {
                        stats.reload_commits += 1;
                        server.commit(Some(r.item), &specs[r.item], &identifier(r.item));
                    }
                }
            }
            let mut snapshot: Vec<Item> = core.items().to_vec();
            // The driver may read them back in any order.
            for i in (1..snapshot.len()).rev() {
                snapshot.swap(i, rng.below(i as u64 + 1) as usize);
            }
            core = Queue::new(make_config(&mut rng, core.echoes_identifiers()));
            for item in snapshot {
                core.restore(item, now).expect("restore");
            }
        }

        // Answers come back in any order.
        // Some steps none, so requests overlap (and reloads catch them in flight).
        let answers = rng.below(in_flight.len() as u64 + 1) as usize;
        for _ in 0..answers {
            let r = in_flight.swap_remove(rng.below(in_flight.len() as u64) as usize);
            let id = specs[r.item].id.clone();
            let outcome = if r.reconcile {
                if r.fate == Fate::Ok {
                    CommandOutcome::Reconciled {
                        found: server.search(),
                    }
                } else {
                    stats.search_failures += 1;
                    CommandOutcome::ReconcileFailed {
                        status: [0, 500, 503][rng.below(3) as usize],
                        text: "search failed".into(),
                        retry_after_ms: None,
                    }
                }
            } else {
                stats.faults[FATES.iter().position(|(f, _)| *f == r.fate).unwrap_or(0)] += 1;
                let commit = |server: &mut Server| {
                    server.commit(Some(r.item), &specs[r.item], &identifier(r.item))
                };
                let failed = |status: u16, retry_after_ms: Option<f64>| CommandOutcome::Http {
                    status,
                    text: format!("HTTP {status}"),
                    retry_after_ms,
                };
                match r.fate {
                    Fate::Ok => CommandOutcome::Created {
                        media_id: commit(&mut server),
                    },
                    Fate::Busy503 => failed(503, Some(2_000.0 * (1 + rng.below(3)) as f64)),
                    Fate::Throttled429 => failed(429, None),
                    Fate::Error500Before => failed(500, None),
                    Fate::Error500After => {
                        commit(&mut server);
                        failed(500, None)
                    }
                    Fate::DropBefore => failed(0, None),
                    Fate::DropAfter => {
                        commit(&mut server);
                        failed(0, None)
                    }
                }
            };
            if !r.reconcile {
                if let CommandOutcome::Http { status, .. } = &outcome {
                    if matches!(status, 0 | 500) {
                        unknown[r.item] = true;
                    }
                }
            }
            core.settle(&id, outcome, now).expect("settle");
            if r.reconcile && core.item(&id).map(|i| i.state) == Some(State::Waiting) {
                unknown[r.item] = false;
            }
        }
        // A person retries what failed, after a while (later items go ahead meanwhile).
        let failed: Vec<String> = core
            .items()
            .iter()
            .filter(|i| i.state == State::Failed)
            .map(|i| i.id.clone())
            .collect();
        for id in failed {
            ever_failed[index(&id)] = true;
            if rng.below(4) != 0 {
                continue;
            }
            stats.manual_retries += 1;
            core.retry(&id, now).expect("retry");
        }

        now += rng.below(400) as f64;
        if in_flight.is_empty() {
            let settled = core
                .items()
                .iter()
                .all(|i| matches!(i.state, State::Done | State::NeedsReview));
            if added == n_items && settled {
                break;
            }
            if !core.online() {
                core.set_online(true);
            } else if let Some(wake) = core.next_wake_ms() {
                now = now.max(wake);
            }
        }
    }

    // ---- what the server ended up with
    let mut stored_by = vec![0u32; n_items];
    for s in &server.stored {
        if let Some(o) = s.owner {
            stored_by[o] += 1;
        }
    }
    for (i, spec) in specs.iter().enumerate() {
        let item = core.item(&spec.id).expect("item kept");
        assert!(
            stored_by[i] <= 1,
            "seed {seed}: {} stored {} times",
            spec.id,
            stored_by[i]
        );
        stats.duplicates += u64::from(stored_by[i].saturating_sub(1));
        match item.state {
            State::Done => {
                stats.done += 1;
                let mine = server
                    .stored
                    .iter()
                    .find(|s| Some(s.id.as_str()) == item.media_id.as_deref());
                let owner = mine.and_then(|s| s.owner);
                if owner != Some(i) {
                    stats.lost += 1;
                }
                assert_eq!(
                    owner,
                    Some(i),
                    "seed {seed}: {} done with another's Media",
                    spec.id
                );
            }
            State::NeedsReview => {
                assert!(!echoes, "seed {seed}: needs-review on an echoing server");
                stats.needs_review += 1;
            }
            other => panic!("seed {seed}: {} ended {other:?}", spec.id),
        }
    }
    // Per encounter, the server stored items in add order (items a person retried by
    // hand after they failed may legitimately come later).
    for enc in ENCOUNTERS.iter().flatten() {
        let order: Vec<usize> = server
            .commits
            .iter()
            .copied()
            .filter(|&i| specs[i].encounter.as_deref() == Some(enc) && !ever_failed[i])
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "seed {seed}: {enc} committed in order {order:?}"
        );
    }
    stats.runs += 1;
    stats.items += n_items as u64;
}

#[test]
fn interleaving_explorer() {
    let seeds = 2_000u64;
    let started = std::time::Instant::now();
    let mut echoing = Stats::default();
    let mut silent = Stats::default();
    for seed in 0..seeds {
        if seed % 2 == 0 {
            explore(seed, true, &mut echoing);
        } else {
            explore(seed, false, &mut silent);
        }
    }
    for (name, s) in [("echoing", &echoing), ("non-echoing", &silent)] {
        println!(
            "explorer {name}: {} runs, {} items, {} requests, faults {:?} \
             (ok, 503, 429, 500-before, 500-after, drop-before, drop-after), \
             {} failed searches, {} reloads ({} in-flight creates committed), \
             {} done, {} needs-review, {} manual retries, {} duplicates, {} lost",
            s.runs,
            s.items,
            s.requests,
            s.faults,
            s.search_failures,
            s.reloads,
            s.reload_commits,
            s.done,
            s.needs_review,
            s.manual_retries,
            s.duplicates,
            s.lost
        );
    }
    println!("explorer: {seeds} seeds in {:?}", started.elapsed());
    assert_eq!(
        echoing.done, echoing.items,
        "echoing server: every item done"
    );
    assert_eq!(echoing.duplicates + silent.duplicates, 0);
    assert_eq!(echoing.lost + silent.lost, 0);
    assert!(
        echoing.faults.iter().all(|&n| n > 0),
        "every fault injected"
    );
    assert!(echoing.reload_commits > 0 && silent.reload_commits > 0);
}
