// The patient's existing Media for <fhir-media-capture>: MediaClient.search 10 at a time,
// "load more" through page.next(), thumbnails through fetchContent as object URLs.
// Titles and notes come from the server and are rendered as text, never as markup.
import { el } from './element-dom.js';

const PAGE_SIZE = 10;

export class Gallery {
  #host;
  #generation = 0;
  #page = null;
  #total = undefined;
  #entries = [];
  #loading = false;
  #error = null;

  /**
   * @param host {{ list: HTMLElement, status: HTMLElement, more: HTMLButtonElement, refresh: HTMLButtonElement,
   *   client: () => Promise<import('./index.js').MediaClient | null>, patient: () => string | undefined,
   *   t: () => Record<string, string>, say: (key: string, values?: object) => string,
   *   errorText: (err: unknown) => string, announce: (text: string) => void }}
   */
  constructor(host) {
    this.#host = host;
  }

  /** Forget every entry and any request in flight; revoke the thumbnails' object URLs. */
  clear() {
    this.#generation++;
    for (const entry of this.#entries) if (entry.url) URL.revokeObjectURL(entry.url);
    this.#page?.free();
    this.#page = null;
    this.#total = undefined;
    this.#entries = [];
    this.#loading = false;
    this.#error = null;
  }

  /** (Re)load from the first page; without a client (no base URL, token or patient) it stays empty. */
  async load() {
    this.clear();
    const generation = this.#generation;
    let client = null;
    try {
      client = await this.#host.client();
    } catch (err) {
      this.#error = err;
    }
    if (!client) return this.render();
    this.#loading = true;
    this.render();
    try {
      const page = await client.search({ patient: this.#host.patient(), count: PAGE_SIZE });
      if (generation !== this.#generation) return page.free();
      this.#addPage(client, page);
    } catch (err) {
      this.#failed(generation, err);
    }
  }

  async loadMore() {
    const generation = this.#generation;
    if (!this.#page || this.#loading) return;
    this.#loading = true;
    this.render();
    try {
      const client = await this.#host.client();
      const next = await this.#page.next();
      if (generation !== this.#generation) return next?.free();
      this.#page.free();
      this.#page = null;
      if (next) this.#addPage(client, next);
      else {
        this.#loading = false;
        this.render();
      }
    } catch (err) {
      this.#failed(generation, err);
    }
  }

  #failed(generation, err) {
    if (generation !== this.#generation) return;
    this.#error = err;
    this.#loading = false;
    this.render();
  }

  #addPage(client, page) {
    const generation = this.#generation;
    this.#page = page;
    this.#total = page.total;
    this.#loading = false;
    this.#error = null;
    const added = page.entries.map((media) => ({ media, url: null, img: null }));
    this.#entries.push(...added);
    this.render();
    const shown = this.#entries.length;
    this.#host.announce(this.#host.say('galleryLoaded', { shown, total: this.#total ?? shown }));
    for (const entry of added) {
      client.fetchContent(entry.media).then((blob) => {
        if (generation !== this.#generation) return;
        entry.url = URL.createObjectURL(blob);
        if (entry.img) entry.img.src = entry.url;
      }, () => { /* the card keeps its placeholder and caption */ });
    }
  }

  render() {
    const { list, status, more, refresh, say } = this.#host;
    const t = this.#host.t();
    list.replaceChildren(...this.#entries.map((entry) => {
      const title = entry.media.content?.title?.trim() || t.untitled;
      const img = el('img', { className: 'thumb', alt: say('galleryAlt', { title }) });
      img.setAttribute('part', 'thumbnail');
      if (entry.url) img.src = entry.url;
      entry.img = img;
      const caption = el('figcaption', {}, el('span', { className: 'title', textContent: title }));
      for (const note of entry.media.note ?? []) {
        if (note?.text) caption.append(el('br'), el('span', { className: 'note', textContent: note.text }));
      }
      caption.append(el('br'), el('span', { className: 'meta', textContent: entry.media.id ?? '' }));
      const li = el('li', { className: 'card' }, el('figure', {}, img, caption));
      li.setAttribute('part', 'gallery-item');
      li.dataset.id = entry.media.id ?? '';
      return li;
    }));
    const shown = this.#entries.length;
    let text = '';
    if (this.#error) text = say('galleryError', { text: this.#host.errorText(this.#error) });
    else if (this.#loading) text = t.galleryLoading;
    else if (this.#page && !shown) text = t.galleryEmpty;
    else if (shown) text = say('galleryCount', { shown, total: this.#total ?? shown });
    status.textContent = text;
    status.classList.toggle('error', Boolean(this.#error));
    const hadFocus = more.getRootNode().activeElement === more;
    more.hidden = !this.#page?.hasNext;
    more.disabled = this.#loading;
    // The last page hides "load more": keep the keyboard user's focus in the gallery.
    if (hadFocus && more.hidden) refresh.focus();
  }
}
