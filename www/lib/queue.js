// UploadQueue: the I/O around QueueCore (Rust, src/queue). The core decides what to do and
// when — ordering per encounter, parallelism, retries and backoff, reconciliation, review —
// and this driver does it: POSTs through MediaClient, searches for reconciliation, keeps
// the items in IndexedDB (queue-store.js), holds a Web Lock per item so two tabs never
// resume the same one, and follows the browser's online/offline state.
//
// The rule that makes "never twice" hold across reloads and crashes: an attempt is written
// to IndexedDB *before* its request is sent, so an item found in storage in an in-flight
// state is reconciled (searched for) before anything is posted again.
import { FhirError, MediaError, ready } from './core.js';
import * as wasm from '../../pkg/fhir_media_capture.js';
import { QueueStore } from './queue-store.js';

const LOCK_PREFIX = 'fhir-media-capture:';
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** How a failed request reads to QueueCore. */
function failure(err) {
  const out = { status: 0, text: String(err?.message ?? err) };
  if (err instanceof FhirError) {
    out.status = err.status;
    out.text = err.text || err.message;
    if (Number.isFinite(err.retryAfterMs)) out.retryAfterMs = err.retryAfterMs;
    // A redirected create is stopped on our side, never sent again: as final as a 400.
    if (err.code === 'redirected') out.status = 400;
  } else if (err instanceof MediaError) {
    // Refused on our side before anything was sent: as final as a 400 from the server.
    out.status = 400;
  } else if (err?.name === 'TimeoutError') {
    out.text = 'timed out';
  }
  return out;
}

/**
 * A persistent upload queue for prepared Media. See README "Upload queue" and index.d.ts.
 * Events: `change` (detail: the item's snapshot), `progress` ({ id, loaded, total }),
 * `created` ({ id, mediaId, resource, reconciled }), `storage-error` ({ id, error }),
 * `expired` ({ id, snapshot, resource }; cancelable: preventDefault() keeps the item).
 */
export class UploadQueue extends EventTarget {
  #client;
  #baseUrl;
  #owner;
  #expireAfterMs;
  #options;
  #createTimeoutMs;
  #core = null;
  #init;
  #store = null;
  /**
   * What this queue holds per item id, beside QueueCore's snapshot: `resource` (the Media
   * to POST, until done), `shown` (JSON of the last snapshot announced), `controller` (the
   * AbortController of its request in flight), `release` (frees its Web Lock), `write`
   * (the last pending IndexedDB write), `progress` ({ loaded, total }) and `error` (the
   * last request error).
   */
  #records = new Map();
  #timer = null;
  #paused = false;
  #closed = false;
  #closing = null;
  #echoes;
  #onConnectivity = () => this.#setOnline();

  /**
   * @param {import('./index.d.ts').UploadQueueOptions} options
   */
  constructor({ client, baseUrl, owner = null, storage = true, createTimeoutMs = 120_000, expireAfterMs = WEEK_MS, ...rest } = {}) {
    super();
    if (!client) throw new MediaError('invalid-options', 'UploadQueue: `client` (a MediaClient) is required');
    this.#client = client;
    this.#baseUrl = String(baseUrl ?? client.baseUrl ?? '').replace(/\/+$/, '');
    if (!this.#baseUrl) throw new MediaError('invalid-options', 'UploadQueue: `baseUrl` is required');
    if (owner !== null && (typeof owner !== 'string' || !owner.trim())) {
      throw new MediaError('invalid-options', 'UploadQueue: `owner` must be a non-empty string (the user or session the photos belong to) or null');
    }
    this.#owner = owner === null ? null : owner.trim();
    if (!(typeof expireAfterMs === 'number' && expireAfterMs > 0)) {
      throw new MediaError('invalid-options', 'UploadQueue: `expireAfterMs` must be a positive number of milliseconds (Infinity: never)');
    }
    this.#expireAfterMs = expireAfterMs;
    this.#options = rest;
    this.#createTimeoutMs = createTimeoutMs;
    if (storage) {
      try {
        this.#store = new QueueStore();
      } catch (error) {
        queueMicrotask(() => this.#storageError(null, error));
      }
    }
    this.#init = this.#start();
    this.#init.catch(() => {});
    globalThis.addEventListener?.('online', this.#onConnectivity);
    globalThis.addEventListener?.('offline', this.#onConnectivity);
  }

  async #start() {
    await ready();
    const options = { ...this.#options };
    if (options.echoesIdentifiers === undefined && this.#store) {
      // What an earlier session learnt about this server (does it echo Media.identifier?).
      try {
        const known = await this.#store.server(this.#baseUrl);
        if (typeof known?.echoesIdentifiers === 'boolean') options.echoesIdentifiers = known.echoesIdentifiers;
      } catch (error) {
        this.#storageError(null, error);
      }
    }
    this.#core = new wasm.QueueCore(options);
    this.#echoes = this.#core.echoesIdentifiers;
    this.#setOnline();
  }

  /** The base URL this queue's items belong to. */
  get baseUrl() {
    return this.#baseUrl;
  }

  /** The user or session this queue's items belong to (null: none set). */
  get owner() {
    return this.#owner;
  }

  /** False while the browser is offline or the queue is paused: nothing is sent then. */
  get running() {
    return !this.#paused && globalThis.navigator?.onLine !== false;
  }

  /**
   * Queue a prepared photo (or a Media resource) for upload; resolves with its id once it
   * is in the queue and written to storage. The id is the uuid of the resource's
   * `urn:uuid:` identifier (one is added when it has none).
   */
  async add(preparedOrResource, { patient } = {}) {
    const source = preparedOrResource?.resourceType === 'Media' ? preparedOrResource : preparedOrResource?.resource;
    if (source?.resourceType !== 'Media') throw new MediaError('invalid-options', 'UploadQueue.add: expected a prepared Media or a Media resource');
    await this.#init;
    this.#assertOpen();
    // Its client identifier (one is added when it has none) names the item.
    const { resource, id, value } = wasm.uploadIdentifier(structuredClone(source), crypto.randomUUID());
    if (this.#core.item(id) || this.#records.get(id)?.resource) {
      throw new MediaError('invalid-options', `UploadQueue.add: ${value} is already in the queue`);
    }
    const subject = patient ?? resource.subject?.reference;
    if (!subject) throw new MediaError('invalid-options', 'UploadQueue.add: the Media has no subject');
    this.#record(id).resource = resource;
    try {
      if (!(await this.#lock(id))) {
        throw new MediaError('invalid-options', `UploadQueue.add: ${value} is queued in another tab`);
      }
      this.#core.add({
        id,
        encounter: resource.encounter?.reference ?? null,
        patient: subject,
        identifier: value,
        title: resource.content?.title ?? null,
        notes: (resource.note ?? []).map((n) => n?.text).filter((text) => typeof text === 'string'),
        contentType: resource.content?.contentType ?? '',
      }, Date.now());
    } catch (error) {
      this.#record(id).resource = undefined;
      this.#unlock(id);
      throw error;
    }
    // Written before the first poll can send it.
    this.#announce(id);
    await this.#records.get(id)?.write;
    this.#pump();
    return id;
  }

  /**
   * Take over the items an earlier page left in storage (reload, crash, browser restart)
   * and resume them: only those of this base URL and this owner, and, with `patient`,
   * of that patient. Another user's photos on a shared workstation are neither shown nor
   * sent; items another tab is working on are skipped. Resolves with the ids restored.
   */
  async restore({ patient } = {}) {
    await this.#init;
    this.#assertOpen();
    if (!this.#store) return [];
    let records;
    try {
      records = await this.#store.list(this.#baseUrl);
    } catch (error) {
      this.#storageError(null, error);
      return [];
    }
    const restored = [];
    const mine = (record) => (record.owner ?? null) === this.#owner
      && (patient === undefined || record.snapshot?.patient === patient);
    for (const { id } of records.filter(mine)) {
      if (this.#closed || this.#core.item(id) || !(await this.#lock(id))) continue;
      // Read again under the lock: the tab that held it may have finished the item meanwhile.
      let record;
      try {
        record = await this.#store.get(id);
      } catch (error) {
        this.#storageError(id, error);
      }
      if (!record || !mine(record) || this.#core.item(id)) {
        this.#unlock(id);
        continue;
      }
      if (record.snapshot.state === 'done' || this.#expired(record)) {
        this.#save(id, null);
        this.#unlock(id);
        continue;
      }
      try {
        this.#core.restore(record.snapshot, Date.now());
      } catch (error) {
        // A record this version cannot read: reported, left in storage, not guessed at.
        this.#storageError(id, error);
        this.#unlock(id);
        continue;
      }
      this.#record(id).resource = record.resource;
      restored.push(id);
      this.#announce(id);
    }
    this.#pump();
    return restored;
  }

  /**
   * A stored item queued longer ago than `expireAfterMs` is reported, before it is
   * removed, by a cancelable `expired` event: an unsent photo is never dropped unseen, and
   * the host decides (preventDefault() keeps and resumes it).
   */
  #expired(record) {
    const addedAt = record.snapshot?.addedAtMs ?? record.savedAt ?? 0;
    if (!(Date.now() - addedAt > this.#expireAfterMs)) return false;
    const event = new CustomEvent('expired', {
      detail: { id: record.id, snapshot: record.snapshot, resource: record.resource },
      cancelable: true,
    });
    return this.dispatchEvent(event);
  }

  /**
   * Remove every item that is not in flight, from the queue and from storage (as remove()
   * does). Resolves, once storage is written, with the ids that were in flight and stay.
   */
  async clear() {
    await this.#init;
    this.#assertReady();
    const kept = this.#core.items().map(({ id }) => id).filter((id) => !this.remove(id));
    await Promise.allSettled([...this.#records.values()].map((record) => record.write));
    return kept;
  }

  /**
   * For logout on a shared device: delete every queued photo of every user and server that
   * this browser profile holds for this origin (the IndexedDB database). Close the page's
   * queues first (remove the element, or `await queue.close()`): an open one would store
   * its items again.
   */
  static clearAll() {
    return QueueStore.deleteAll();
  }

  /** Snapshots of every item, in the order they were added. */
  items() {
    return this.#core ? this.#core.items() : [];
  }

  item(id) {
    return this.#core?.item(id);
  }

  /** The Media as it is sent (until the item is done). */
  resource(id) {
    return this.#records.get(id)?.resource;
  }

  /** Bytes sent so far of the current attempt. */
  progress(id) {
    return this.#records.get(id)?.progress;
  }

  /** The last request error of an item (a FhirError, or what the request threw). */
  error(id) {
    return this.#records.get(id)?.error;
  }

  /** A `failed` item goes back to `waiting`. */
  retry(id) {
    this.#assertReady();
    this.#core.retry(id, Date.now());
    this.#pump();
  }

  /** A `needs-review` item: 'send' posts it anyway, 'discard' gives it up (nothing is sent). */
  resolveReview(id, action) {
    this.#assertReady();
    this.#core.resolveReview(id, action, Date.now());
    if (action === 'discard') {
      this.#core.remove(id);
      this.#forget(id);
    }
    this.#pump();
  }

  /** Take an item out of the queue and out of storage; false while its request is in flight. */
  remove(id) {
    this.#assertReady();
    if (this.#records.get(id)?.controller || !this.#core.remove(id)) return false;
    this.#forget(id);
    return true;
  }

  /** Hold back every request (the items stay queued) until `resume()`. */
  pause() {
    this.#paused = true;
    this.#setOnline();
  }

  resume() {
    this.#paused = false;
    this.#setOnline();
  }

  /**
   * Stop: abort requests in flight (their items stay in storage in their in-flight state,
   * so the next restore reconciles them), release the locks and the database. Resolves
   * once the pending writes are done and the locks released.
   */
  close() {
    if (this.#closed) return this.#closing;
    this.#closed = true;
    clearTimeout(this.#timer);
    globalThis.removeEventListener?.('online', this.#onConnectivity);
    globalThis.removeEventListener?.('offline', this.#onConnectivity);
    const records = [...this.#records.entries()];
    for (const [, record] of records) {
      record.controller?.abort(new DOMException('queue closed', 'AbortError'));
      record.controller = undefined;
    }
    this.#closing = Promise.allSettled(records.map(([, record]) => record.write)).then(() => {
      for (const [id] of records) this.#unlock(id);
      this.#store?.close();
    });
    return this.#closing;
  }

  // ---- the loop

  #assertOpen() {
    if (this.#closed) throw new DOMException('UploadQueue is closed', 'InvalidStateError');
  }

  #assertReady() {
    this.#assertOpen();
    if (!this.#core) throw new DOMException('UploadQueue is not ready yet (await restore() or add())', 'InvalidStateError');
  }

  #setOnline() {
    if (!this.#core || this.#closed) return;
    this.#core.setOnline(this.running);
    this.#pump();
  }

  /** Announce and persist what changed, start what the core says is due, sleep until the next due time. */
  #pump() {
    if (!this.#core || this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = null;
    const commands = this.#core.poll(Date.now());
    this.#announceAll();
    for (const command of commands) {
      if (command.kind === 'create') this.#create(command.id, command.captureBaseline);
      else if (command.kind === 'reconcile') this.#reconcile(command.id);
    }
    const wake = this.#core.nextWakeMs();
    if (wake !== undefined && wake !== null) {
      this.#timer = setTimeout(() => this.#pump(), Math.max(0, Math.min(wake - Date.now(), 2 ** 31 - 1)));
    }
  }

  #settle(id, outcome) {
    if (this.#closed) return;
    // No new record for an item removed meanwhile: only the one that sent the request.
    const record = this.#records.get(id);
    if (record) record.controller = undefined;
    if (!this.#core.item(id)) return;
    this.#core.settle(id, outcome, Date.now());
    this.#learn();
    this.#pump();
  }

  async #create(id, captureBaseline) {
    const controller = new AbortController();
    const record = this.#record(id);
    record.controller = controller;
    const item = this.#core.item(id);
    const { resource } = record;
    if (captureBaseline) {
      // What the patient already has, so that a later reconciliation can tell what is new.
      try {
        const found = await this.#client.searchAll({ patient: item.patient });
        if (this.#closed) return;
        this.#core.setBaseline(id, found);
      } catch (error) {
        // Nothing has been sent: a search that failed for a passing reason is retried
        // like a 503; a refusal (4xx) is the item's error.
        const f = failure(error);
        if (f.status === 0 || f.status >= 500) f.status = 503;
        record.error = error;
        this.#settle(id, { kind: 'http', ...f });
        return;
      }
    }
    // The attempt is on disk before the request leaves.
    this.#announce(id);
    await record.write;
    if (this.#closed) return;
    record.progress = { loaded: 0, total: 0 };
    let outcome;
    try {
      const post = () => this.#client.create(resource, {
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(this.#createTimeoutMs)]),
        onProgress: (loaded, total) => {
          record.progress = { loaded, total };
          this.#emit('progress', { id, loaded, total });
        },
      });
      const created = await this.#oneAtATime(item.encounter, controller.signal, post);
      outcome = { kind: 'created', mediaId: created.id };
      record.error = undefined;
    } catch (error) {
      if (this.#closed) return;
      record.error = error;
      outcome = { kind: 'http', ...failure(error) };
    }
    this.#settle(id, outcome);
  }

  async #reconcile(id) {
    const record = this.#record(id);
    record.controller = new AbortController();
    const { patient } = this.#core.item(id);
    let outcome;
    try {
      const found = await this.#client.searchAll({ patient });
      outcome = { kind: 'reconciled', found };
    } catch (error) {
      record.error = error;
      outcome = { kind: 'reconcileFailed', ...failure(error) };
    }
    this.#settle(id, outcome);
  }

  /** Keep what the core learnt about the server for the next session. */
  #learn() {
    const echoes = this.#core.echoesIdentifiers;
    if (echoes === this.#echoes || typeof echoes !== 'boolean') return;
    this.#echoes = echoes;
    this.#store?.putServer({ baseUrl: this.#baseUrl, echoesIdentifiers: echoes })
      .catch((error) => this.#storageError(null, error));
  }

  // ---- announcing and persisting

  #announceAll() {
    for (const snapshot of this.#core.items()) this.#announce(snapshot.id, snapshot);
  }

  /** If the item's snapshot changed: persist it (or delete it once done) and fire `change`. */
  #announce(id, snapshot = this.#core.item(id)) {
    if (!snapshot) return;
    const json = JSON.stringify(snapshot);
    const record = this.#record(id);
    if (record.shown === json) return;
    const before = record.shown ? JSON.parse(record.shown) : null;
    record.shown = json;
    if (snapshot.state === 'done') {
      this.#save(id, null).then(() => this.#unlock(id));
    } else {
      this.#save(id, snapshot);
    }
    if (!snapshot.inFlight) record.progress = undefined;
    this.#emit('change', snapshot);
    if (snapshot.state === 'done' && before?.state !== 'done' && snapshot.mediaId) {
      this.#emit('created', { id, mediaId: snapshot.mediaId, resource: record.resource,
        reconciled: before?.state === 'reconciling' });
      // The image data is on the server now; the snapshot stays in items().
      record.resource = undefined;
      record.error = undefined;
    }
  }

  /** Queue a write of the item's record (or its deletion with `null`), in order per item. */
  #save(id, snapshot) {
    if (!this.#store) return Promise.resolve();
    const record = this.#record(id);
    const { resource } = record;
    const previous = record.write ?? Promise.resolve();
    const write = previous.then(() => (snapshot
      ? this.#store.put({ id, baseUrl: this.#baseUrl, owner: this.#owner, resource, snapshot, savedAt: Date.now() })
      : this.#store.delete(id)))
      .catch((error) => this.#storageError(id, error));
    record.write = write;
    write.then(() => { if (record.write === write) record.write = undefined; });
    return write;
  }

  /** Out of storage; the record goes once its lock is released. */
  #forget(id) {
    const record = this.#record(id);
    this.#save(id, null).then(() => {
      this.#unlock(id);
      if (this.#records.get(id) === record && !record.shown && !record.write) this.#records.delete(id);
    });
    Object.assign(record, { shown: undefined, progress: undefined, error: undefined, resource: undefined });
  }

  /** Item `id`'s record, made on first use. */
  #record(id) {
    let record = this.#records.get(id);
    if (!record) this.#records.set(id, (record = {}));
    return record;
  }

  #storageError(id, error) {
    this.#emit('storage-error', { id, error });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // ---- one tab per item

  /** Take item `id`'s Web Lock for as long as this queue owns it; false if another tab has it. */
  #lock(id) {
    if (this.#records.get(id)?.release) return Promise.resolve(true);
    const locks = globalThis.navigator?.locks;
    if (!locks) return Promise.resolve(true);
    return new Promise((resolve) => {
      locks.request(LOCK_PREFIX + id, { ifAvailable: true }, (lock) => {
        if (!lock) return resolve(false);
        resolve(true);
        return new Promise((release) => { this.#record(id).release = release; });
      }).catch(() => resolve(false));
    });
  }

  /**
   * Run `post` holding the encounter's Web Lock: the core keeps one create per encounter
   * in this tab, the lock keeps it so across the tabs of this origin.
   */
  #oneAtATime(encounter, signal, post) {
    const locks = globalThis.navigator?.locks;
    if (!encounter || !locks) return post();
    return locks.request(`${LOCK_PREFIX}encounter:${encounter}`, { signal }, post);
  }

  #unlock(id) {
    const record = this.#records.get(id);
    record?.release?.();
    if (record) record.release = undefined;
  }
}
