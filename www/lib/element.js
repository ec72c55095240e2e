// <fhir-media-capture>: photos from files, drag and drop, paste, the phone's camera app or
// an in-page camera, prepared as FHIR Media in a Web Worker (the wasm pipeline), previewed
// as they will be sent, given a title and a note, and uploaded one at a time with
// MediaClient; plus a gallery of the patient's existing Media. No framework; shadow DOM;
// themable with --fmc-* custom properties and ::part(). See element.d.ts for the API.
import { MediaClient, MediaError, FhirError, ready } from './index.js';
import { Camera } from './element-camera.js';
import { el } from './element-dom.js';
import { Gallery } from './element-gallery.js';
import { PrepareWorker } from './element-prepare.js';
import { styles } from './element-styles.js';
import { format, stringsFor } from './i18n.js';

const TEMPLATE = `
<style>${styles}</style>
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
  static observedAttributes = ['base-url', 'patient', 'encounter', 'operator', 'max-dimension', 'max-bytes', 'locale'];

  #token = null;
  #strings = {};
  #t = stringsFor('en');
  #refs = {};
  #items = [];
  #count = 0;
  #replaceTarget = null;
  #worker = new PrepareWorker();
  #camera;
  #client = null;
  #clientBase = null;
  #clientToken = null;
  #uploadChain = Promise.resolve();
  #uploadsPending = 0;
  #uploadedSinceRefresh = false;
  #gallery;
  #galleryTimer = null;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = TEMPLATE;
    for (const node of root.querySelectorAll('[data-ref]')) this.#refs[node.dataset.ref] = node;
    this.#refs.video = root.querySelector('video');
    this.#refs.cameraSection = root.querySelector('section.camera');
    this.#refs.files = root.querySelector('[data-input="files"]');
    this.#refs.native = root.querySelector('[data-input="native"]');
    this.#camera = new Camera(this.#refs.video);
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
    for (const name of ['token', 'strings']) {
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
    this.#scheduleGallery();
  }

  disconnectedCallback() {
    this.#closeCamera(false);
    this.#worker.terminate();
    this.#gallery.clear();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue) return;
    if (name === 'locale') this.#applyStrings();
    if (name === 'base-url' || name === 'patient') this.#scheduleGallery();
  }

  /** The bearer token, or a function `({ refresh }) => token | Promise<token>`. */
  get token() {
    return this.#token;
  }

  set token(value) {
    this.#token = value;
    this.#scheduleGallery();
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
  get locale() { return this.getAttribute('locale') ?? 'en'; }
  set locale(v) { this.setAttribute('locale', v); }

  /** The photos in the queue, in order: `{ key, state, prepared, title, note, id, error }`. */
  get items() {
    return this.#items.map(({ key, state, prepared, title, note, createdId, error }) =>
      ({ key, state, prepared, title, note, id: createdId, error }));
  }

  /** Add photos as if picked (Blobs or Files). */
  addFiles(files) {
    this.#addBlobs([...files], 'file');
  }

  /** Upload every photo that is ready (or failed to upload), one at a time. */
  uploadAll() {
    for (const item of this.#items) {
      if (item.state === 'ready' || (item.state === 'error' && item.errorPhase === 'upload')) this.#enqueueUpload(item);
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
      return this.#say('error.http', { status: err.status, text: err.text || err.message });
    }
    return String(err?.message ?? err);
  }

  #size(bytes) {
    let nf;
    try {
      nf = new Intl.NumberFormat(this.getAttribute('locale') || 'en', { maximumFractionDigits: 1 });
    } catch {
      nf = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
    }
    return bytes >= 1e6 ? `${nf.format(bytes / 1e6)} MB` : `${nf.format(Math.max(1, Math.round(bytes / 1e3)))} KB`;
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  // ---- actions

  #onAction(action) {
    switch (action) {
      case 'choose': this.#refs.files.click(); break;
      case 'native': this.#refs.native.click(); break;
      case 'open-camera': this.#openCamera(); break;
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
    this.#announce(this.#say('cameraOpened', { facing: this.#t[front ? 'facingFront' : 'facingBack'] }));
  }

  #cameraFailed(err) {
    const text = navigator.mediaDevices?.getUserMedia
      ? this.#say('cameraError', { message: err?.message || err?.name || String(err) })
      : this.#t.noCamera;
    this.#refs.cameraError.textContent = text;
    this.#refs.cameraError.hidden = false;
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
        Object.assign(item, { source, error: null, prepared: null, createdId: null });
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
    for (const [attr, name] of [['max-dimension', 'maxDimension'], ['max-bytes', 'maxBytes']]) {
      const value = Number(this.getAttribute(attr));
      if (this.hasAttribute(attr) && Number.isFinite(value) && value > 0) options[name] = value;
    }
    return options;
  }

  async #prepare(item) {
    const { blob } = item;
    item.state = 'preparing';
    this.#renderCard(item);
    try {
      const prepared = await this.#worker.prepare(blob, this.#prepareOptions());
      if (item.blob !== blob || !this.#items.includes(item)) return;
      item.prepared = prepared;
      item.state = 'ready';
      this.#renderCard(item);
      this.#emit('media-prepared', { key: item.key, prepared });
      this.#announce(this.#say('prepared', { n: item.n, width: prepared.width, height: prepared.height, size: this.#size(prepared.bytes) }));
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
    item.errorPhase = phase;
    item.error = err;
    this.#renderCard(item);
    this.#emit('media-error', err);
    this.#announce(this.#say('errorAnnounce', { n: item.n, text: this.#errorText(err) }));
  }

  #remove(item) {
    this.#items = this.#items.filter((other) => other !== item);
    item.ui?.card.remove();
    if (this.#replaceTarget === item) this.#replaceTarget = null;
    this.#refs.queueEmpty.hidden = this.#items.length > 0;
    this.#renderUploadAll();
    this.#announce(this.#say('removed', { n: item.n }));
    (this.#refs.queue.querySelector('button:not(:disabled):not([hidden])')
      ?? this.shadowRoot.querySelector('[data-action="choose"]')).focus();
  }

  #retake(item) {
    this.#replaceTarget = item;
    if (item.source === 'camera') this.#openCamera();
    else if (item.source === 'native') this.#refs.native.click();
    else this.#refs.files.click();
  }

  // ---- queue: upload (one at a time, in the order asked)

  #enqueueUpload(item) {
    item.state = 'queued';
    item.loaded = 0;
    item.total = 0;
    this.#renderCard(item);
    this.#uploadsPending++;
    this.#uploadChain = this.#uploadChain.then(() => this.#upload(item)).finally(() => {
      if (--this.#uploadsPending === 0 && this.#uploadedSinceRefresh) {
        this.#uploadedSinceRefresh = false;
        this.#gallery.load();
      }
    });
  }

  /** The Media as it will be sent: the prepared one with this card's title and note. */
  #resourceOf(item) {
    const resource = { ...item.prepared.resource, content: { ...item.prepared.resource.content } };
    const title = item.title.trim();
    const note = item.note.trim();
    if (title) resource.content.title = title;
    else delete resource.content.title;
    if (note) resource.note = [{ text: note }];
    else delete resource.note;
    return resource;
  }

  async #upload(item) {
    if (!this.#items.includes(item) || item.state !== 'queued') return;
    item.state = 'uploading';
    this.#renderCard(item);
    this.#announce(this.#say('uploadingAnnounce', { n: item.n }));
    try {
      const client = await this.#clientOrThrow();
      const resource = this.#resourceOf(item);
      const created = await client.create(resource, {
        onProgress: (loaded, total) => {
          item.loaded = loaded;
          item.total = total;
          this.#renderProgress(item);
          this.#emit('upload-progress', { key: item.key, loaded, total });
        },
      });
      item.state = 'done';
      item.createdId = created.id;
      this.#renderCard(item);
      this.#uploadedSinceRefresh = true;
      this.#emit('media-created', { key: item.key, id: created.id, location: created.location, resource });
      this.#announce(this.#say('uploadedAnnounce', { n: item.n, id: created.id }));
    } catch (err) {
      this.#fail(item, err, 'upload');
    }
  }

  async #ensureClient() {
    const baseUrl = this.baseUrl.trim();
    if (!baseUrl || !this.#token || !reference(this.patient, 'Patient')) return null;
    const token = this.#token;
    if (this.#client && this.#clientBase === baseUrl && this.#clientToken === token) return this.#client;
    // Once the wasm is ready a bad base URL or token throws here, with a MediaError naming it.
    // (An older client is left to garbage collection: an upload may still be using it.)
    await ready();
    this.#client = new MediaClient({ baseUrl, token });
    this.#clientBase = baseUrl;
    this.#clientToken = token;
    return this.#client;
  }

  async #clientOrThrow() {
    const client = await this.#ensureClient();
    if (!client) throw new MediaError('invalid-options', this.#t.missingSetup);
    return client;
  }

  // ---- rendering the queue

  #renderCard(item) {
    const t = this.#t;
    const id = `item-${item.key}`;
    if (!item.ui) {
      const heading = el('h3', { id: `${id}-h` });
      const thumb = el('div', { className: 'thumb placeholder' });
      const meta = el('p', { className: 'meta' });
      const titleInput = el('input', { type: 'text', autocomplete: 'off', maxLength: 200 });
      titleInput.addEventListener('input', () => { item.title = titleInput.value; });
      const noteInput = el('textarea', { rows: 2, maxLength: 2000 });
      noteInput.addEventListener('input', () => { item.note = noteInput.value; });
      const titleLabel = el('label', {}, el('span'), titleInput);
      const noteLabel = el('label', {}, el('span'), noteInput);
      const progressLabel = el('span', { id: `${id}-pl` });
      const progress = el('progress', { max: 1, value: 0 });
      progress.setAttribute('aria-labelledby', `${id}-pl ${id}-h`);
      const progressBox = el('div', { className: 'progress' }, progressLabel, progress);
      const state = el('p', { className: 'state' });
      const detail = el('p', { className: 'detail' });
      const button = (action, primary) => {
        const b = el('button', { type: 'button', id: `${id}-${action}`, className: primary ? 'primary' : '' });
        b.setAttribute('part', 'button');
        b.setAttribute('aria-labelledby', `${id}-${action} ${id}-h`);
        b.addEventListener('click', () => this.#cardAction(item, action));
        return b;
      };
      const buttons = { upload: button('upload', true), retry: button('retry', true), retake: button('retake'), remove: button('remove') };
      const card = el('li', { className: 'card' }, heading, thumb, meta, titleLabel, noteLabel, progressBox, state, detail,
        el('div', { className: 'actions' }, ...Object.values(buttons)));
      card.setAttribute('part', 'card');
      item.ui = { card, heading, thumb, meta, titleInput, noteInput, titleLabel, noteLabel, progressLabel, progress, progressBox, state, detail, buttons };
      this.#refs.queue.append(card);
    }
    const ui = item.ui;
    ui.card.dataset.state = item.state;
    ui.card.dataset.key = item.key;
    ui.heading.textContent = this.#say('photoN', { n: item.n });
    ui.titleLabel.firstChild.textContent = t.title;
    ui.noteLabel.firstChild.textContent = t.note;
    ui.titleInput.value = item.title;
    ui.noteInput.value = item.note;
    const prepared = item.prepared;
    if (prepared) {
      let img = ui.thumb;
      if (img.tagName !== 'IMG') {
        img = el('img', { className: 'thumb' });
        img.setAttribute('part', 'thumbnail');
        ui.thumb.replaceWith(img);
        ui.thumb = img;
      }
      // What you see is what is sent: the thumbnail is the prepared bytes themselves.
      // (Compared by the prepared object: reading img.src back would re-serialize a long URL.)
      if (ui.shown !== prepared) {
        img.src = `data:${prepared.contentType};base64,${prepared.resource.content.data}`;
        ui.shown = prepared;
      }
      img.alt = this.#say('thumbnailAlt', { n: item.n, width: prepared.width, height: prepared.height });
      ui.meta.textContent = `${this.#say('dimensions', { width: prepared.width, height: prepared.height })} · ${this.#size(prepared.bytes)}`;
    } else {
      if (ui.thumb.tagName === 'IMG') {
        ui.shown = null;
        const placeholder = el('div', { className: 'thumb placeholder' });
        ui.thumb.replaceWith(placeholder);
        ui.thumb = placeholder;
      }
      ui.thumb.textContent = item.state === 'preparing' ? t.preparing : '';
      ui.meta.textContent = '';
    }
    const busy = item.state === 'queued' || item.state === 'uploading';
    const locked = busy || item.state === 'done';
    ui.titleInput.disabled = locked;
    ui.noteInput.disabled = locked;
    const uploadError = item.state === 'error' && item.errorPhase === 'upload';
    ui.buttons.upload.hidden = uploadError || item.state === 'done' || (item.state === 'error');
    ui.buttons.upload.disabled = item.state !== 'ready';
    ui.buttons.retry.hidden = !uploadError;
    ui.buttons.retake.hidden = item.state === 'done';
    ui.buttons.retake.disabled = busy;
    ui.buttons.remove.disabled = busy;
    for (const [action, b] of Object.entries(ui.buttons)) b.textContent = t[action];
    ui.progressLabel.textContent = t.progressLabel;
    ui.progressBox.hidden = !(busy || item.state === 'done' || uploadError);
    let stateText = '';
    if (item.state === 'preparing') stateText = t.preparing;
    else if (item.state === 'ready') stateText = t.ready;
    else if (item.state === 'queued') stateText = t.queued;
    else if (item.state === 'done') stateText = this.#say('uploaded', { id: item.createdId });
    else if (item.state === 'error') stateText = this.#errorText(item.error);
    ui.state.textContent = stateText;
    // A pipeline error also shows the library's own explanation (it says what to do).
    const detailText = item.state === 'error' && item.errorPhase === 'prepare' && item.error?.message;
    ui.detail.textContent = detailText && detailText !== stateText ? detailText : '';
    ui.detail.hidden = !ui.detail.textContent;
    // Without a prepared image there is nothing to preview, title or note.
    const noImage = item.state === 'error' && item.errorPhase === 'prepare';
    ui.thumb.hidden = noImage;
    ui.titleLabel.hidden = noImage;
    ui.noteLabel.hidden = noImage;
    if (item.state === 'error') ui.state.setAttribute('role', 'alert');
    else ui.state.removeAttribute('role');
    this.#renderProgress(item);
    this.#renderUploadAll();
  }

  /** "Upload all" is enabled while some photo can be uploaded. */
  #renderUploadAll() {
    this.shadowRoot.querySelector('[data-action="upload-all"]').disabled = !this.#items.some(
      (item) => item.state === 'ready' || (item.state === 'error' && item.errorPhase === 'upload'));
  }

  #renderProgress(item) {
    const { progress, state } = item.ui;
    const fraction = item.state === 'done' ? 1 : item.total ? item.loaded / item.total : 0;
    progress.value = fraction;
    progress.setAttribute('aria-valuetext', `${Math.round(fraction * 100)}%`);
    if (item.state === 'uploading') state.textContent = this.#say('uploading', { percent: Math.round(fraction * 100) });
  }

  #cardAction(item, action) {
    if (action === 'upload' || action === 'retry') this.#enqueueUpload(item);
    else if (action === 'retake') this.#retake(item);
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
