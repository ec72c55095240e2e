// Where UploadQueue keeps its items between page loads: IndexedDB through `idb`.
// Database `fhir-media-capture`:
//   uploads  one record per queued item, keyed by its id:
//            { id, baseUrl, owner, resource, snapshot, savedAt } — the prepared Media,
//            the QueueCore snapshot (its `patient` included) and the user or session
//            it belongs to (`owner`, null when the host sets none), never the token;
//            index `baseUrl`.
//   servers  what was learnt about a FHIR base URL: { baseUrl, echoesIdentifiers }.
// Every method rejects with the IndexedDB error (QuotaExceededError included): the
// queue reports it, it never swallows it.
import { openDB } from 'idb';
import { once } from './once.js';

export const DB_NAME = 'fhir-media-capture';
const VERSION = 1;

export class QueueStore {
  // The open database: opened on first use, and again after close() (another tab
  // upgrading it closes ours, see `blocking`) or a failed attempt.
  #db = once(() => openDB(DB_NAME, VERSION, {
    upgrade(db) {
      const uploads = db.createObjectStore('uploads', { keyPath: 'id' });
      uploads.createIndex('baseUrl', 'baseUrl');
      db.createObjectStore('servers', { keyPath: 'baseUrl' });
    },
    // Another tab wants a newer version: let it; the next call opens the database again.
    blocking: () => this.close(),
  }));

  constructor() {
    if (!globalThis.indexedDB) throw new DOMException('IndexedDB is not available', 'NotSupportedError');
  }

  #open() {
    return this.#db.load();
  }

  /** Every persisted item of `baseUrl`. */
  async list(baseUrl) {
    return (await this.#open()).getAllFromIndex('uploads', 'baseUrl', baseUrl);
  }

  async get(id) {
    return (await this.#open()).get('uploads', id);
  }

  /** Resolves once the transaction has committed. */
  async put(record) {
    const db = await this.#open();
    const tx = db.transaction('uploads', 'readwrite');
    await Promise.all([tx.store.put(record), tx.done]);
  }

  async delete(id) {
    const db = await this.#open();
    const tx = db.transaction('uploads', 'readwrite');
    await Promise.all([tx.store.delete(id), tx.done]);
  }

  async server(baseUrl) {
    return (await this.#open()).get('servers', baseUrl);
  }

  async putServer(record) {
    await (await this.#open()).put('servers', record);
  }

  close() {
    this.#db.reset()?.then((db) => db.close(), () => {});
  }

  /**
   * Delete the whole database: every queued photo of every user and server in this
   * browser profile. Open QueueStores close when asked (`blocking`); resolves once it is gone.
   */
  static deleteAll() {
    return new Promise((resolve, reject) => {
      if (!globalThis.indexedDB) return resolve();
      const request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
  }
}
