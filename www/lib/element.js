// <fhir-media-capture>: photos from files, drag and drop, paste, the phone's camera app or
// an in-page camera, prepared as FHIR Media in a Web Worker (the wasm pipeline), previewed
// as they will be sent, given a title and a note, and uploaded through UploadQueue (one at
// a time per encounter, retried, kept in IndexedDB across reloads); plus a gallery of the
// patient's existing Media. No framework; shadow DOM;
// themable with --fmc-* custom properties and ::part(). See element.d.ts for the API.
import { MediaClient, MediaError, FhirError, ready, UploadQueue } from './index.js';
import { Camera } from './element-camera.js';
import { HANDED_OVER, flagsOf, removeCard, renderCard, renderProgress, retryable, revokeImage } from './element-card.js';
import { el } from './element-dom.js';
import { Gallery } from './element-gallery.js';
import { PREPARE_TIMEOUT_MS, PrepareWorker } from './element-prepare.js';
import { LiveHint, hintText, qualityNotice } from './element-quality.js';
import { styleSheet, templateHTML } from './element-trusted.js';
import { byteSize, format, stringsFor, warmByteSize } from './i18n.js';
import * as wasm from '../../pkg/fhir_media_capture.js';

const TEMPLATE = `
<div class="root" part="root">
  <section class="inputs" part="inputs" aria-labelledby="inputs-h">
    <h2 id="inputs-h" data-t="addPhotos"></h2>
    <div class="dropzone" part="dropzone">
      <p class="muted" data-t="dropHint"></p>
      <div class="actions">
        <button type="button" class="primary" part="button" data-action="choose" data-t="choosePhotos"></button>
        <button type="button" part="button" data-action="native" data-t="phoneCamera"></button>
        <button type="button" part="button" data-action="open-camera" data-t="openCamera"></button>
      </div>
      <input type="file" accept="image/*" multiple hidden data-input="files">
      <input type="file" accept="image/*" capture="environment" hidden data-input="native">
    </div>
  </section>
  <section class="camera" part="camera" aria-labelledby="camera-h" hidden>
    <h2 id="camera-h" data-t="cameraRegion"></h2>
    <video part="video" playsinline muted data-t-label="cameraPreview"></video>
    <p class="hint" part="camera-hint" aria-live="polite" data-ref="cameraHint"></p>
    <p class="error" data-ref="cameraError" hidden></p>
    <div class="actions">
      <button type="button" class="primary" part="button" data-action="take" data-t="takePhoto"></button>
      <button type="button" part="button" data-action="switch" data-t="switchCamera"></button>
      <button type="button" part="button" data-action="close-camera" data-t="closeCamera"></button>
    </div>
  </section>
  <section class="queue" part="queue" aria-labelledby="queue-h">
    <div class="toolbar">
      <h2 id="queue-h" data-t="queueHeading"></h2>
      <button type="button" class="primary" part="button" data-action="upload-all" data-t="uploadAll"></button>
    </div>
    <p class="banner" data-ref="offline" data-t="offline" hidden></p>
    <p class="error" data-ref="storageError" role="alert" hidden></p>
    <p class="muted" data-ref="queueEmpty" data-t="queueEmpty"></p>
    <ul class="cards" data-ref="queue"></ul>
  </section>
  <section class="gallery" part="gallery" aria-labelledby="gallery-h">
    <div class="toolbar">
      <h2 id="gallery-h" data-t="galleryHeading"></h2>
      <button type="button" part="button" data-action="refresh" data-t="refresh"></button>
    </div>
    <p class="muted" data-ref="galleryStatus"></p>
    <ul class="cards" data-ref="gallery"></ul>
    <div class="actions"><button type="button" part="button" data-action="load-more" data-t="loadMore" hidden></button></div>
  </section>
  <div class="sr-only" role="status" aria-live="polite" part="status" data-ref="live"></div>
</div>`;

/** `Patient/<id>` from `Patient/<id>` or a bare id (same for the other reference types). */
function reference(value, type) {
  const v = (value ?? '').trim();
  if (!v) return undefined;
  return v.includes('/') ? v : `${type}/${v}`;
}

let nextKey = 1;

export class FhirMediaCaptureElement extends HTMLElement {
  static observedAttributes = ['base-url', 'patient', 'encounter', 'operator', 'owner', 'max-dimension', 'max-bytes', 'max-pixels', 'heic', 'locale'];

  #token = null;
  #strings = {};
  #t = stringsFor('en');
  #refs = {};
  #items = [];
  #count = 0;
  #replaceTarget = null;
  #worker = new PrepareWorker(this);
  #camera;
  #hint;
  #client = null;
  #clientBase = null;
  #queue = null;
  #queueBase = null;
  #queueOptions = {};
  #queueSwitch = Promise.resolve();
  #heldForToken = false;
  #byUpload = new Map(); // upload id -> item
  #uploadedSinceRefresh = false;
  #ticker = null;
  #onConnectivity = () => this.#renderOnline(true);
  #gallery;
  #cardView;
  #galleryTimer = null;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [styleSheet()];
    root.innerHTML = templateHTML(TEMPLATE);
    for (const node of root.querySelectorAll('[data-ref]')) this.#refs[node.dataset.ref] = node;
    this.#refs.video = root.querySelector('video');
    this.#refs.cameraSection = root.querySelector('section.camera');
    this.#refs.files = root.querySelector('[data-input="files"]');
    this.#refs.native = root.querySelector('[data-input="native"]');
    this.#camera = new Camera(this.#refs.video);
    this.#hint = new LiveHint(this.#refs.video, (frame) => this.#worker.measureFrame(frame),
      (warnings) => { this.#refs.cameraHint.textContent = hintText(warnings, this.#t); });
    this.#gallery = new Gallery({
      list: this.#refs.gallery,
      status: this.#refs.galleryStatus,
      more: root.querySelector('[data-action="load-more"]'),
      refresh: root.querySelector('[data-action="refresh"]'),
      client: () => this.#ensureClient(),
      patient: () => reference(this.patient, 'Patient'),
      t: () => this.#t,
      say: (key, values) => this.#say(key, values),
      errorText: (err) => this.#errorText(err),
      announce: (text) => this.#announce(text),
    });
    this.#cardView = {
      list: this.#refs.queue,
      t: () => this.#t,
      say: (key, values) => this.#say(key, values),
      size: (bytes) => this.#size(bytes),
      errorText: (err) => this.#errorText(err),
      onAction: (item, action) => this.#cardAction(item, action),
    };

    root.addEventListener('click', (event) => {
      const action = event.target.closest?.('button[data-action]')?.dataset.action;
      if (action) this.#onAction(action);
    });
    for (const input of [this.#refs.files, this.#refs.native]) {
      input.addEventListener('change', () => {
        const source = input === this.#refs.native ? 'native' : 'file';
        this.#addBlobs([...input.files], source);
        input.value = '';
      });
      input.addEventListener('cancel', () => { this.#replaceTarget = null; });
    }
    const drop = root.querySelector('.root');
    const zone = root.querySelector('.dropzone');
    drop.addEventListener('dragover', (event) => {
      if (![...(event.dataTransfer?.types ?? [])].includes('Files')) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      // A photo is coming, as when the picker opens: the worker warms up meanwhile.
      if (!zone.classList.contains('over')) this.#worker.warm();
      zone.classList.add('over');
    });
    drop.addEventListener('dragleave', (event) => {
      if (!drop.contains(event.relatedTarget)) zone.classList.remove('over');
    });
    drop.addEventListener('drop', (event) => {
      zone.classList.remove('over');
      const files = [...(event.dataTransfer?.files ?? [])];
      if (!files.length) return;
      event.preventDefault();
      this.#addBlobs(files, 'file');
    });
    this.addEventListener('paste', (event) => {
      const files = [...(event.clipboardData?.files ?? [])];
      if (!files.length) return;
      event.preventDefault();
      this.#addBlobs(files, 'file');
    });
    this.#applyStrings();
    this.#renderUploadAll();
  }

  connectedCallback() {
    // A property set before the element was defined sits on the instance, shadowing the setter.
    for (const name of ['token', 'strings', 'queueOptions']) {
      if (Object.hasOwn(this, name)) {
        const value = this[name];
        delete this[name];
        this[name] = value;
      }
    }
    // On devices with a fine pointer the phone-camera button would only open a file picker.
    const coarse = globalThis.matchMedia?.('(pointer: coarse)').matches;
    this.shadowRoot.querySelector('[data-action="native"]').hidden = !coarse;
    // Photos whose preparation was cut off by a disconnect (the worker stops then) start again.
    for (const item of this.#items) if (item.state === 'interrupted') this.#prepare(item);
    globalThis.addEventListener('online', this.#onConnectivity);
    globalThis.addEventListener('offline', this.#onConnectivity);
    this.#renderOnline(false);
    warmByteSize(this.getAttribute('locale') || 'en');
    // Photos queued by an earlier page (reload, crash) come back and resume.
    this.#syncQueue();
    this.#scheduleGallery();
  }

  disconnectedCallback() {
    this.#closeCamera(false);
    this.#worker.terminate();
    this.#gallery.clear();
    globalThis.removeEventListener('online', this.#onConnectivity);
    globalThis.removeEventListener('offline', this.#onConnectivity);
    // The upload queue goes on: photos already queued still reach the server.
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue) return;
    if (name === 'locale') this.#applyStrings();
    if (name === 'base-url' || name === 'patient') this.#scheduleGallery();
    if (name === 'base-url' || name === 'owner') this.#syncQueue();
    if (name === 'patient') this.#restorePatient();
  }

  /** The bearer token, or a function `({ refresh }) => token | Promise<token>`. */
  get token() {
    return this.#token;
  }

  set token(value) {
    this.#token = value;
    this.#syncQueue();
    this.#scheduleGallery();
  }

  /**
   * Options for the upload queue (`maxParallel`, `maxAttempts`, `baseDelayMs`, `maxDelayMs`,
   * `createTimeoutMs`, `storage`; see UploadQueueOptions). Setting it starts a new queue
   * with them; queued photos carry over through storage.
   */
  get queueOptions() {
    return { ...this.#queueOptions };
  }

  set queueOptions(value) {
    this.#queueOptions = { ...(value ?? {}) };
    if (this.#queueBase !== null) {
      this.#queueBase = null;
      this.#syncQueue();
    }
  }

  /** The UploadQueue the element uploads through (null until base-url is set). */
  /** Time limit for preparing one photo, ms (default 30000; Infinity: none). */
  get prepareTimeoutMs() { return this.#worker.timeoutMs; }
  set prepareTimeoutMs(ms) { this.#worker.timeoutMs = Number(ms) > 0 ? Number(ms) : PREPARE_TIMEOUT_MS; }

  get queue() {
    return this.#queue;
  }

  /** Overrides for any UI string (merged over the locale's). */
  get strings() {
    return this.#strings;
  }

  set strings(value) {
    this.#strings = { ...(value ?? {}) };
    this.#applyStrings();
  }

  get baseUrl() { return this.getAttribute('base-url') ?? ''; }
  set baseUrl(v) { this.setAttribute('base-url', v); }
  get patient() { return this.getAttribute('patient') ?? ''; }
  set patient(v) { this.setAttribute('patient', v); }
  get encounter() { return this.getAttribute('encounter') ?? ''; }
  set encounter(v) { this.setAttribute('encounter', v); }
  get operator() { return this.getAttribute('operator') ?? ''; }
  set operator(v) { this.setAttribute('operator', v); }
  get owner() { return this.getAttribute('owner') ?? ''; }
  set owner(v) { this.setAttribute('owner', v); }
  get locale() { return this.getAttribute('locale') ?? 'en'; }
  set locale(v) { this.setAttribute('locale', v); }

  /** The photos in the queue, in order: `{ key, state, prepared, title, note, id, error, uploadId }`. */
  get items() {
    return this.#items.map(({ key, state, prepared, title, note, createdId, error, uploadId }) =>
      ({ key, state, prepared, title, note, id: createdId ?? null, error: error ?? null, uploadId: uploadId ?? null }));
  }

  /** Add photos as if picked (Blobs or Files). */
  addFiles(files) {
    this.#addBlobs([...files], 'file');
  }

  /** Queue every photo that is ready, and retry every one that failed to upload. */
  uploadAll() {
    for (const item of this.#items) {
      if (item.state === 'ready' || (item.state === 'error' && item.errorPhase === 'upload')) this.#enqueue(item);
      else if (retryable(item)) this.#queue?.retry(item.uploadId);
    }
  }

  /** Reload the gallery from its first page. */
  refreshGallery() {
    return this.#gallery.load();
  }

  // ---- strings and announcements

  #applyStrings() {
    this.#t = stringsFor(this.getAttribute('locale'), this.#strings);
    const root = this.shadowRoot;
    for (const node of root.querySelectorAll('[data-t]')) node.textContent = this.#t[node.dataset.t];
    for (const node of root.querySelectorAll('[data-t-label]')) node.setAttribute('aria-label', this.#t[node.dataset.tLabel]);
    root.querySelector('.root').lang = this.getAttribute('locale') || 'en';
    for (const item of this.#items) this.#renderCard(item);
    this.#gallery?.render();
  }

  #say(key, values) {
    return format(this.#t[key], values);
  }

  /** Put `text` in the polite live region (cleared first, so a repeat is announced too). */
  #announce(text) {
    const live = this.#refs.live;
    live.textContent = '';
    requestAnimationFrame(() => { live.textContent = text; });
  }

  #errorText(err) {
    if (err instanceof MediaError) {
      const key = `error.${err.code}`;
      return key in this.#t ? this.#say(key, { message: err.message }) : err.message;
    }
    if (err instanceof FhirError) {
      if (err.status === 0) return this.#t['error.network'];
      if (err.code === 'redirected') return this.#t['error.redirected'];
      return this.#say('error.http', { status: err.status, text: err.text || err.message });
    }
    return String(err?.message ?? err);
  }

  #size(bytes) {
    return byteSize(bytes, this.getAttribute('locale') || 'en');
  }

  /** Dispatch `type`; false when a cancelable one was canceled (preventDefault). */
  #emit(type, detail, { cancelable = false } = {}) {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }

  // ---- actions

  #onAction(action) {
    switch (action) {
      // Each of these means a photo is coming: the worker loads the wasm meanwhile.
      case 'choose': this.#worker.warm(); this.#refs.files.click(); break;
      case 'native': this.#worker.warm(); this.#refs.native.click(); break;
      case 'open-camera': this.#worker.warm(); this.#openCamera(); break;
      case 'take': this.#takePhoto(); break;
      case 'switch': this.#switchCamera(); break;
      case 'close-camera': this.#closeCamera(true); break;
      case 'upload-all': this.uploadAll(); break;
      case 'refresh': this.#gallery.load(); break;
      case 'load-more': this.#gallery.loadMore(); break;
      default: break;
    }
  }

  // ---- camera

  async #openCamera() {
    const { cameraSection, cameraError } = this.#refs;
    cameraSection.hidden = false;
    cameraError.hidden = true;
    try {
      await this.#camera.start('environment');
      this.#cameraStarted();
      cameraSection.querySelector('[data-action="take"]').focus();
    } catch (err) {
      this.#cameraFailed(err);
    }
  }

  async #switchCamera() {
    try {
      await this.#camera.switch();
      this.#cameraStarted();
    } catch (err) {
      this.#cameraFailed(err);
    }
  }

  #cameraStarted() {
    const front = this.#camera.facing === 'user';
    // The preview of the front camera is mirrored like a mirror; the photo never is.
    this.#refs.video.classList.toggle('mirrored', front);
    this.#setCameraButtons(true);
    this.#hint.start();
    this.#announce(this.#say('cameraOpened', { facing: this.#t[front ? 'facingFront' : 'facingBack'] }));
  }

  #cameraFailed(err) {
    const text = navigator.mediaDevices?.getUserMedia
      ? this.#say('cameraError', { message: err?.message || err?.name || String(err) })
      : this.#t.noCamera;
    this.#refs.cameraError.textContent = text;
    this.#refs.cameraError.hidden = false;
    this.#hint.stop();
    this.#setCameraButtons(false);
    this.#announce(text);
  }

  #setCameraButtons(open) {
    for (const action of ['take', 'switch']) this.shadowRoot.querySelector(`[data-action="${action}"]`).disabled = !open;
  }

  async #takePhoto() {
    try {
      const blob = await this.#camera.takePhoto();
      const replacing = this.#replaceTarget;
      this.#addBlobs([blob], 'camera');
      if (replacing) this.#closeCamera(true);
    } catch (err) {
      this.#cameraFailed(err);
    }
  }

  #closeCamera(announce) {
    const wasOpen = !this.#refs.cameraSection.hidden;
    this.#hint.stop();
    this.#camera.stop();
    this.#refs.cameraSection.hidden = true;
    if (this.#replaceTarget?.source === 'camera') this.#replaceTarget = null;
    if (announce && wasOpen) {
      this.shadowRoot.querySelector('[data-action="open-camera"]').focus();
      this.#announce(this.#t.cameraClosed);
    }
  }

  // ---- queue: prepare

  #addBlobs(blobs, source) {
    let first = true;
    for (const blob of blobs) {
      let item = first && this.#replaceTarget && this.#items.includes(this.#replaceTarget) ? this.#replaceTarget : null;
      first = false;
      if (item) {
        this.#replaceTarget = null;
        Object.assign(item, { source, error: null, prepared: null, createdId: null, resource: null });
      } else {
        item = { key: nextKey++, n: ++this.#count, source, title: '', note: '', ui: null };
        this.#items.push(item);
      }
      item.blob = blob;
      this.#prepare(item);
    }
    this.#refs.queueEmpty.hidden = this.#items.length > 0;
  }

  #prepareOptions() {
    const options = { subject: reference(this.patient, 'Patient') ?? '' };
    const encounter = reference(this.encounter, 'Encounter');
    const operator = reference(this.operator, 'Practitioner');
    if (encounter) options.encounter = encounter;
    if (operator) options.operator = operator;
    for (const [attr, name] of [['max-dimension', 'maxDimension'], ['max-bytes', 'maxBytes'], ['max-pixels', 'maxPixels']]) {
      const value = Number(this.getAttribute(attr));
      if (this.hasAttribute(attr) && Number.isFinite(value) && value > 0) options[name] = value;
    }
    return options;
  }

  async #prepare(item) {
    const { blob } = item;
    item.state = 'preparing';
    item.flags = null;
    item.uploadId = crypto.randomUUID();
    this.#renderCard(item);
    try {
      const { prepared, image, notice } = await this.#worker.prepare(blob, this.#prepareOptions());
      if (item.blob !== blob || !this.#items.includes(item)) return;
      Object.assign(item, { prepared, notice });
      revokeImage(item);
      item.imageUrl = URL.createObjectURL(image);
      item.state = 'ready';
      this.#renderCard(item);
      this.#emit('media-prepared', { key: item.key, prepared });
      const advice = qualityNotice(prepared, this.#t);
      this.#announce([this.#say('prepared', { n: item.n, width: prepared.width, height: prepared.height, size: this.#size(prepared.bytes) }),
        advice].join(' ').trim());
    } catch (err) {
      if (item.blob !== blob || !this.#items.includes(item)) return;
      if (err?.name === 'AbortError' && !this.isConnected) {
        item.state = 'interrupted';
        return;
      }
      this.#fail(item, err, 'prepare');
    }
  }

  #fail(item, err, phase) {
    item.state = 'error';
    item.flags = null;
    item.errorPhase = phase;
    item.error = err;
    this.#renderCard(item);
    this.#emit('media-error', err);
    this.#announce(this.#say('errorAnnounce', { n: item.n, text: this.#errorText(err) }));
  }

  #remove(item, announce = 'removed') {
    // Out of the upload queue and its storage too (not while a request for it is out).
    if (this.#byUpload.get(item.uploadId) === item && this.#queue?.item(item.uploadId)
      && !this.#queue.remove(item.uploadId)) return;
    this.#dropCard(item);
    this.#announce(this.#say(announce, { n: item.n }));
    (this.#refs.queue.querySelector('button:not(:disabled):not([hidden])')
      ?? this.shadowRoot.querySelector('[data-action="choose"]')).focus();
  }

  #retake(item) {
    this.#replaceTarget = item;
    if (item.source === 'camera') this.#openCamera();
    else if (item.source === 'native') this.#refs.native.click();
    else this.#refs.files.click();
  }

  // ---- queue: upload through UploadQueue

  #enqueue(item) {
    if (!this.#token || !reference(this.patient, 'Patient') || !this.baseUrl.trim()) {
      this.#fail(item, new MediaError('invalid-options', this.#t.missingSetup), 'upload');
      return;
    }
    this.#syncQueue();
    ready().then(async () => {
      // The Media as it will be sent is fixed from here on: it is what the queue stores.
      // Its client identifier urn:uuid:<uploadId> makes the upload idempotent (UploadQueue).
      const finished = wasm.finishMedia(item.prepared.resource, item.title, item.note);
      item.resource = wasm.uploadIdentifier(finished, item.uploadId).resource;
      item.state = 'waiting';
      item.flags = HANDED_OVER;
      item.error = null;
      item.loaded = 0;
      item.total = 0;
      this.#byUpload.set(item.uploadId, item);
      this.#renderCard(item);
      await this.#queueSwitch;
      if (!this.#queue) throw new MediaError('invalid-options', this.#t.missingSetup);
      await this.#queue.add(item.resource);
    }).catch((err) => {
      if (this.#byUpload.get(item.uploadId) === item) this.#byUpload.delete(item.uploadId);
      this.#fail(item, err, 'upload');
    });
  }

  /** The bearer token for a request (MediaClient calls this before each one). */
  #tokenFor(context) {
    const token = this.#token;
    return typeof token === 'function' ? token(context) : token;
  }

  /** One client per base URL; it asks the element for the token on every request. */
  #clientFor(baseUrl) {
    if (this.#client && this.#clientBase === baseUrl) return this.#client;
    // (An older client is left to garbage collection: an upload may still be using it.)
    this.#client = new MediaClient({ baseUrl, token: (context) => this.#tokenFor(context) });
    this.#clientBase = baseUrl;
    return this.#client;
  }

  async #ensureClient() {
    const baseUrl = this.baseUrl.trim();
    if (!baseUrl || !this.#token || !reference(this.patient, 'Patient')) return null;
    // Once the wasm is ready a bad base URL throws here, with a MediaError naming it.
    await ready();
    return this.#clientFor(baseUrl);
  }

  /**
   * Follow base-url and owner (a queue per base URL and owner, restored from storage) and
   * the token (paused without one).
   */
  #syncQueue() {
    if (!this.isConnected) return;
    const baseUrl = this.baseUrl.trim();
    const key = `${baseUrl} ${this.owner.trim()}`;
    if (key !== this.#queueBase) {
      const previous = this.#queueBase;
      this.#queueBase = key;
      this.#switchQueue(baseUrl, key, previous !== null && previous !== key);
    } else if (this.#queue) {
      this.#holdWithoutToken(this.#queue);
    }
  }

  /** No token, no requests: the queue is held until one is set (a host's own pause() stays). */
  #holdWithoutToken(queue) {
    if (!this.#token && !this.#heldForToken) {
      this.#heldForToken = true;
      queue.pause();
    } else if (this.#token && this.#heldForToken) {
      this.#heldForToken = false;
      queue.resume();
    }
  }

  #switchQueue(baseUrl, key, otherBase) {
    const old = this.#queue;
    this.#queue = null;
    this.#queueSwitch = this.#queueSwitch.then(async () => {
      if (old) {
        await old.close();
        // Photos of another server or owner leave the list; they stay stored for when
        // that server and owner come back.
        if (otherBase) for (const item of [...this.#byUpload.values()]) this.#dropCard(item);
      }
      if (!baseUrl || this.#queueBase !== key) return;
      await ready();
      const owner = this.owner.trim() || null;
      const queue = new UploadQueue({ ...this.#queueOptions, client: this.#clientFor(baseUrl), baseUrl, owner });
      this.#listen(queue);
      this.#queue = queue;
      this.#heldForToken = false;
      this.#holdWithoutToken(queue);
      await this.#restorePatient();
    }).catch((err) => this.#emit('media-error', err));
  }

  /** Take over this owner's stored photos of the patient on show (none without a patient). */
  async #restorePatient() {
    const patient = reference(this.patient, 'Patient');
    if (!this.#queue || !patient) return;
    try {
      await this.#queue.restore({ patient });
    } catch (err) {
      this.#emit('media-error', err);
    }
  }

  #listen(queue) {
    const mine = (handler) => (event) => { if (queue === this.#queue) handler(event.detail); };
    queue.addEventListener('change', mine((snapshot) => this.#onQueueChange(snapshot)));
    queue.addEventListener('progress', mine(({ id, loaded, total }) => {
      const item = this.#byUpload.get(id);
      if (!item) return;
      item.loaded = loaded;
      item.total = total;
      renderProgress(item, this.#cardView.say);
      this.#emit('upload-progress', { key: item.key, loaded, total });
    }));
    queue.addEventListener('created', mine(({ id, mediaId, resource, reconciled }) => {
      const item = this.#byUpload.get(id);
      if (!item) return;
      this.#uploadedSinceRefresh = true;
      const location = `${queue.baseUrl}/Media/${mediaId}`;
      this.#emit('media-created', { key: item.key, id: mediaId, location, resource, reconciled });
      this.#announce(this.#say('uploadedAnnounce', { n: item.n, id: mediaId }));
      this.#refreshWhenIdle();
    }));
    // A stored photo queued too long ago: the host decides (preventDefault keeps it).
    queue.addEventListener('expired', (event) => {
      if (queue !== this.#queue) return;
      const { id, resource } = event.detail;
      if (!this.#emit('media-expired', { id, resource }, { cancelable: true })) event.preventDefault();
    });
    queue.addEventListener('storage-error', mine(({ id, error }) => {
      this.#showStorageError(error);
      this.#emit('storage-error', { key: this.#byUpload.get(id)?.key ?? null, error });
    }));
  }

  #onQueueChange(snapshot) {
    let item = this.#byUpload.get(snapshot.id);
    if (!item) item = this.#restoredItem(snapshot);
    const previous = item.state;
    item.state = snapshot.state;
    item.flags = { queued: true, inFlight: snapshot.inFlight, pending: snapshot.pending, retryable: snapshot.retryable };
    item.snapshot = snapshot;
    if (snapshot.mediaId) item.createdId = snapshot.mediaId;
    if (snapshot.state === 'uploading' && previous !== 'uploading') {
      item.loaded = 0;
      item.total = 0;
      this.#announce(this.#say('uploadingAnnounce', { n: item.n }));
    }
    if (snapshot.state === 'failed' && previous !== 'failed') {
      const { status = 0, text = '' } = snapshot.error ?? {};
      item.error = this.#queue?.error(snapshot.id) ?? new FhirError(status, status ? 'exception' : 'network', text);
      if (previous) this.#emit('media-error', item.error);
      this.#announce(this.#say('errorAnnounce', { n: item.n, text: this.#errorText(item.error) }));
    }
    if (snapshot.state === 'needs-review' && previous !== 'needs-review') {
      this.#announce(this.#say('reviewAnnounce', { n: item.n }));
    }
    this.#renderCard(item);
    this.#syncTicker();
    this.#refreshWhenIdle();
  }

  /** A card for a photo queued by an earlier page, from what the queue stored. */
  #restoredItem(snapshot) {
    const resource = this.#queue?.resource(snapshot.id) ?? null;
    const item = {
      key: nextKey++, n: ++this.#count, source: 'restored', ui: null, prepared: null, resource,
      uploadId: snapshot.id, title: resource?.content?.title ?? '',
      note: (resource?.note ?? []).map((n) => n.text).join('\n'),
    };
    this.#items.push(item);
    this.#byUpload.set(snapshot.id, item);
    this.#refs.queueEmpty.hidden = true;
    return item;
  }

  /** Take a card off the list without touching the queue or storage. */
  #dropCard(item) {
    if (this.#byUpload.get(item.uploadId) === item) this.#byUpload.delete(item.uploadId);
    this.#items = this.#items.filter((other) => other !== item);
    removeCard(item);
    if (this.#replaceTarget === item) this.#replaceTarget = null;
    this.#refs.queueEmpty.hidden = this.#items.length > 0;
    this.#renderUploadAll();
  }

  /** Once nothing is left to send, reload the gallery if something arrived. */
  #refreshWhenIdle() {
    if (!this.#uploadedSinceRefresh || this.#items.some((item) => flagsOf(item).pending)) return;
    this.#uploadedSinceRefresh = false;
    this.#gallery.load();
  }

  /** A one-second tick while some card counts down to its retry. */
  #syncTicker() {
    const counting = this.#items.some((item) => item.state === 'retrying');
    if (counting && !this.#ticker) {
      this.#ticker = setInterval(() => {
        for (const item of this.#items) if (item.state === 'retrying') this.#renderCard(item);
      }, 1000);
    } else if (!counting && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = null;
    }
  }

  #renderOnline(announce) {
    const online = navigator.onLine !== false;
    const wasHidden = this.#refs.offline.hidden;
    this.#refs.offline.hidden = online;
    if (announce && wasHidden === online) this.#announce(this.#t[online ? 'backOnline' : 'offline']);
  }

  #showStorageError(error) {
    const message = error?.name === 'QuotaExceededError' ? this.#t.storageFull : String(error?.message ?? error);
    this.#refs.storageError.textContent = this.#say('storageError', { message });
    this.#refs.storageError.hidden = false;
  }

  // ---- rendering the queue

  #renderCard(item) {
    renderCard(item, this.#cardView);
    this.#renderUploadAll();
  }

  /** "Upload all" is enabled while some photo can be queued or retried. */
  #renderUploadAll() {
    this.shadowRoot.querySelector('[data-action="upload-all"]').disabled = !this.#items.some(
      (item) => item.state === 'ready' || retryable(item));
  }

  #cardAction(item, action) {
    if (action === 'upload' || (action === 'retry' && item.state === 'error')) this.#enqueue(item);
    else if (action === 'retry') this.#queue?.retry(item.uploadId);
    else if (action === 'send') this.#queue?.resolveReview(item.uploadId, 'send');
    else if (action === 'discard') {
      this.#queue?.resolveReview(item.uploadId, 'discard');
      this.#byUpload.delete(item.uploadId);
      this.#remove(item, 'discarded');
    } else if (action === 'retake') this.#retake(item);
    else if (action === 'remove') this.#remove(item);
  }

  // ---- gallery

  #scheduleGallery() {
    if (!this.isConnected) return;
    clearTimeout(this.#galleryTimer);
    this.#galleryTimer = setTimeout(() => this.#gallery.load(), 0);
  }
}

if (!customElements.get('fhir-media-capture')) customElements.define('fhir-media-capture', FhirMediaCaptureElement);
