//! `QueueCore`: the upload queue's scheduler (`crate::queue`) for the JS driver in
//! `www/lib/queue.js`. Values cross as plain JS objects (camelCase, `null` for absent).
//! Bad input throws a `MediaError` 'invalid-options' naming the field, a call the item's
//! state does not allow a `MediaError` 'queue-misuse'; neither panics (ids and the review
//! action are plain string parameters: the glue converts them).
//! Objects are read and built through [`super::js`].

use js_sys::{Array, Object};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::errors::media_error;
use super::js::{boolean, field, get, number, object, object_of, required_object, string, strings};
use crate::error::MediaError;
use crate::queue::options::invalid;
use crate::queue::{
    Command, CommandOutcome, Item, ItemError, NewItem, Queue, QueueOptions, Review, State,
};

#[wasm_bindgen(js_name = QueueCore)]
pub struct QueueCore {
    queue: Queue,
}

#[wasm_bindgen(js_class = QueueCore)]
impl QueueCore {
    /// `new QueueCore(options?)`. Without a `seed` the jitter is seeded at random, so
    /// tabs that failed together do not retry together.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "QueueCoreOptions")] options: Option<JsValue>,
    ) -> Result<QueueCore, JsValue> {
        let options = options.unwrap_or(JsValue::UNDEFINED);
        let seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
        let config = parse_options(&options)
            .and_then(|o| o.validate(seed))
            .map_err(|e| media_error(&e))?;
        Ok(QueueCore {
            queue: Queue::new(config),
        })
    }

    /// Queue a new item at the end.
    pub fn add(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "QueueItemInput")] item: JsValue,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<(), JsValue> {
        new_item(&item)
            .and_then(|item| self.queue.add(item, now_ms))
            .map_err(|e| media_error(&e))
    }

    /// Bring back a persisted item; one that was in flight is reconciled first.
    pub fn restore(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ItemSnapshot")] snapshot: JsValue,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<(), JsValue> {
        snapshot_item(&snapshot)
            .and_then(|item| self.queue.restore(item, now_ms))
            .map_err(|e| media_error(&e))
    }

    /// The commands to start now.
    #[wasm_bindgen(unchecked_return_type = "QueueCommand[]")]
    pub fn poll(&mut self, #[wasm_bindgen(js_name = nowMs)] now_ms: f64) -> Array {
        self.queue
            .poll(now_ms)
            .iter()
            .map(|command| match command {
                Command::Create {
                    id,
                    capture_baseline,
                } => object_of(
                    &["kind", "id", "captureBaseline"],
                    &["create".into(), id.into(), (*capture_baseline).into()],
                ),
                Command::Reconcile { id } => {
                    object_of(&["kind", "id"], &["reconcile".into(), id.into()])
                }
            })
            .collect()
    }

    /// Report how a polled command ended.
    pub fn settle(
        &mut self,
        id: &str,
        #[wasm_bindgen(unchecked_param_type = "QueueOutcome")] outcome: JsValue,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<(), JsValue> {
        parse_outcome(&outcome)
            .and_then(|outcome| self.queue.settle(id, outcome, now_ms))
            .map_err(|e| media_error(&e))
    }

    /// The patient's Media just before a `captureBaseline` create is posted.
    #[wasm_bindgen(js_name = setBaseline)]
    pub fn set_baseline(
        &mut self,
        id: &str,
        #[wasm_bindgen(unchecked_param_type = "Media[]")] found: JsValue,
    ) -> Result<(), JsValue> {
        media_list(&found, "found")
            .and_then(|found| self.queue.set_baseline(id, &found))
            .map_err(|e| media_error(&e))
    }

    /// `false` pauses new commands; those in flight continue.
    #[wasm_bindgen(js_name = setOnline)]
    pub fn set_online(&mut self, online: bool) {
        self.queue.set_online(online);
    }

    /// A failed item goes back in line (reconciling first if needed).
    pub fn retry(
        &mut self,
        id: &str,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<(), JsValue> {
        self.queue.retry(id, now_ms).map_err(|e| media_error(&e))
    }

    /// 'send' creates the item again without reconciling; 'discard' removes it.
    /// `nowMs` is ignored: no review rule depends on the time. It stays in the JS
    /// signature, which `www/lib/queue.js` calls and `index.d.ts` declares.
    #[wasm_bindgen(js_name = resolveReview)]
    pub fn resolve_review(
        &mut self,
        id: &str,
        #[wasm_bindgen(unchecked_param_type = "'send' | 'discard'")] action: &str,
        #[wasm_bindgen(js_name = nowMs)] _now_ms: f64,
    ) -> Result<(), JsValue> {
        let action = match action {
            "send" => Ok(Review::Send),
            "discard" => Ok(Review::Discard),
            _ => Err(invalid("action", "must be 'send' or 'discard'")),
        };
        action
            .and_then(|action| self.queue.resolve_review(id, action))
            .map_err(|e| media_error(&e))
    }

    /// Drop an item; `false` while it is uploading or reconciling (or unknown).
    pub fn remove(&mut self, id: &str) -> bool {
        self.queue.remove(id)
    }

    /// The earliest `retryAtMs` among retrying items.
    #[wasm_bindgen(js_name = nextWakeMs)]
    pub fn next_wake_ms(&self) -> Option<f64> {
        self.queue.next_wake_ms()
    }

    /// Every item, in add order.
    #[wasm_bindgen(unchecked_return_type = "ItemSnapshot[]")]
    pub fn items(&self) -> Array {
        self.queue.items().iter().map(snapshot).collect()
    }

    #[wasm_bindgen(unchecked_return_type = "ItemSnapshot | undefined")]
    pub fn item(&self, id: &str) -> JsValue {
        match self.queue.item(id) {
            Some(item) => snapshot(item),
            None => JsValue::UNDEFINED,
        }
    }

    /// Whether searches showed the server keeping client identifiers; `undefined`
    /// until one showed anything (or the option said).
    #[wasm_bindgen(getter, js_name = echoesIdentifiers)]
    pub fn echoes_identifiers(&self) -> Option<bool> {
        self.queue.echoes_identifiers()
    }
}

/// The options `UploadQueue` hands on (its own, `client`, `baseUrl`, `storage` and
/// `createTimeoutMs`, it keeps).
const OPTION_NAMES: [&str; 7] = [
    "maxParallel",
    "maxAttempts",
    "baseDelayMs",
    "maxDelayMs",
    "seed",
    "echoesIdentifiers",
    "reconcileDelayMs",
];

#[inline(never)]
fn parse_options(options: &JsValue) -> Result<QueueOptions, MediaError> {
    let Some(obj) = object(options, "options", "UploadQueue", Some(&OPTION_NAMES))? else {
        return Ok(QueueOptions::default());
    };
    Ok(QueueOptions {
        max_parallel: count(&obj, "maxParallel")?,
        max_attempts: count(&obj, "maxAttempts")?,
        base_delay_ms: number(&obj, "baseDelayMs", true)?,
        max_delay_ms: number(&obj, "maxDelayMs", true)?,
        seed: number(&obj, "seed", true)?,
        echoes_identifiers: boolean(&obj, "echoesIdentifiers")?,
        reconcile_delay_ms: number(&obj, "reconcileDelayMs", true)?,
    })
}

/// `add`'s argument. Fields it does not name are ignored: the driver may keep more in
/// the same record.
#[inline(never)]
fn new_item(value: &JsValue) -> Result<NewItem, MediaError> {
    let obj = required_object(value, "item")?;
    let keys = [
        "id",
        "encounter",
        "patient",
        "identifier",
        "title",
        "contentType",
    ];
    let mut fields = keys.map(|_| None);
    for (key, slot) in keys.iter().zip(fields.iter_mut()) {
        *slot = string(&obj, key)?;
    }
    let [id, encounter, patient, identifier, title, content_type] = fields;
    Ok(NewItem {
        id,
        encounter,
        patient,
        identifier,
        title,
        notes: strings(&obj, "notes")?,
        content_type,
    })
}

/// A persisted `ItemSnapshot`: the item's fields are checked like `add` checks them
/// and the state must be one; the rest, which the queue wrote itself, is read leniently
/// (a wrong type reads as absent).
#[inline(never)]
fn snapshot_item(value: &JsValue) -> Result<Item, MediaError> {
    let item = new_item(value)?.into_item(get(value, "addedAtMs").as_f64().unwrap_or(0.0))?;
    let state = get(value, "state")
        .as_string()
        .as_deref()
        .and_then(State::parse)
        .ok_or_else(|| invalid("state", "is not an item state"))?;
    let error = field(value, "error").map(|e| ItemError {
        status: get(&e, "status").as_f64().map_or(0, |s| s as u16),
        text: get(&e, "text").as_string().unwrap_or_default(),
    });
    let baseline = get(value, "baselineIds");
    let baseline_ids = Array::is_array(&baseline).then(|| {
        Array::from(&baseline)
            .iter()
            .filter_map(|s| s.as_string())
            .collect()
    });
    Ok(Item {
        state,
        attempts: get(value, "attempts").as_f64().map_or(0, |n| n as u32),
        retry_at_ms: get(value, "retryAtMs").as_f64().filter(|t| t.is_finite()),
        needs_reconcile: get(value, "needsReconcile").as_bool().unwrap_or(false),
        uncertain: get(value, "uncertain").as_bool().unwrap_or(false),
        media_id: get(value, "mediaId").as_string(),
        error,
        baseline_ids,
        ..item
    })
}

#[inline(never)]
fn parse_outcome(value: &JsValue) -> Result<CommandOutcome, MediaError> {
    let obj = required_object(value, "outcome")?;
    let failure = || -> Result<(u16, String, Option<f64>), MediaError> {
        Ok((
            status(&obj)?,
            string(&obj, "text")?.unwrap_or_default(),
            number(&obj, "retryAfterMs", true)?,
        ))
    };
    Ok(match string(&obj, "kind")?.as_deref() {
        Some("created") => CommandOutcome::Created {
            media_id: string(&obj, "mediaId")?.unwrap_or_default(),
        },
        Some("http") => {
            let (status, text, retry_after_ms) = failure()?;
            CommandOutcome::Http {
                status,
                text,
                retry_after_ms,
            }
        }
        Some("reconcileFailed") => {
            let (status, text, retry_after_ms) = failure()?;
            CommandOutcome::ReconcileFailed {
                status,
                text,
                retry_after_ms,
            }
        }
        Some("reconciled") => CommandOutcome::Reconciled {
            found: media_list(&field(&obj, "found").unwrap_or(JsValue::NULL), "found")?,
        },
        _ => {
            return Err(invalid(
                "kind",
                "must be created, http, reconciled or reconcileFailed",
            ))
        }
    })
}

/// `Media[]` from a search, as JSON values: JSON text through serde_json, whose parser
/// the wasm carries anyway for the client's answers.
#[inline(never)]
fn media_list(value: &JsValue, name: &str) -> Result<Vec<Value>, MediaError> {
    let bad = || invalid(name, "must be an array of Media objects");
    if !Array::is_array(value) {
        return Err(bad());
    }
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(bad)?;
    match serde_json::from_str(&text) {
        Ok(Value::Array(list)) if list.iter().all(Value::is_object) => Ok(list),
        _ => Err(bad()),
    }
}

/// The JS `ItemSnapshot`.
#[inline(never)]
fn snapshot(item: &Item) -> JsValue {
    let opt_str = |v: &Option<String>| v.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    let list = |v: &[String]| -> JsValue {
        v.iter()
            .map(|s| JsValue::from_str(s))
            .collect::<Array>()
            .into()
    };
    let error = item.error.as_ref().map_or(JsValue::NULL, |e| {
        object_of(
            &["status", "text"],
            &[e.status.into(), e.text.as_str().into()],
        )
    });
    object_of(
        &SNAPSHOT_KEYS,
        &[
            item.id.as_str().into(),
            opt_str(&item.encounter),
            item.patient.as_str().into(),
            item.identifier.as_str().into(),
            opt_str(&item.title),
            list(&item.notes),
            item.content_type.as_str().into(),
            item.state.as_str().into(),
            item.attempts.into(),
            item.retry_at_ms.map_or(JsValue::NULL, JsValue::from),
            item.needs_reconcile.into(),
            item.uncertain.into(),
            opt_str(&item.media_id),
            error,
            item.baseline_ids.as_deref().map_or(JsValue::NULL, list),
            item.added_at_ms.into(),
            item.state.in_flight().into(),
            item.state.holds_encounter().into(),
            item.state.retryable().into(),
        ],
    )
}

/// `inFlight`, `pending` and `retryable` say what the state means to a view (the
/// `State` rules), so that no view re-derives them from state names.
const SNAPSHOT_KEYS: [&str; 19] = [
    "id",
    "encounter",
    "patient",
    "identifier",
    "title",
    "notes",
    "contentType",
    "state",
    "attempts",
    "retryAtMs",
    "needsReconcile",
    "uncertain",
    "mediaId",
    "error",
    "baselineIds",
    "addedAtMs",
    "inFlight",
    "pending",
    "retryable",
];

#[inline(never)]
fn count(obj: &Object, key: &str) -> Result<Option<u32>, MediaError> {
    match number(obj, key, true)? {
        Some(n) if n.fract() != 0.0 || !(0.0..=u32::MAX as f64).contains(&n) => {
            Err(invalid(key, "must be a whole number ≥ 0"))
        }
        n => Ok(n.map(|n| n as u32)),
    }
}

/// An HTTP status: an integer, 0 for no answer.
#[inline(never)]
fn status(obj: &Object) -> Result<u16, MediaError> {
    match number(obj, "status", true)? {
        Some(s) if s.fract() == 0.0 && (0.0..=999.0).contains(&s) => Ok(s as u16),
        _ => Err(invalid("status", "must be an HTTP status (0: no answer)")),
    }
}
