// prepareMedia in a module worker (worker.js), for <fhir-media-capture>. The photo goes
// over as its Blob (a handle: no bytes are copied or read on the main thread), so the
// worker checks its size before reading it. One photo at a time: at most one photo's bytes
// are read and in wasm memory at once, and each has a time limit. A worker that failed in
// any way but a MediaError (a wasm trap: out of memory, a panic) or ran out of time is
// ended, its wasm memory with it, and a fresh one takes the next photo: an instance whose
// stack and heap a trap left half-changed is never used again.
import { MediaError } from './core.js';
import { prepareHeic } from './element-heic.js';

/** Default time limit for one photo (ms): a 48 MP photo takes ~2 s on a phone. */
export const PREPARE_TIMEOUT_MS = 30_000;

/** Wasm memory (main + codecs module) past which a worker is replaced after its photo:
 *  wasm memory never shrinks, so one large photo would otherwise hold it for the session. */
export const RECYCLE_BYTES = 256 * 2 ** 20;

export class PrepareWorker {
  #worker = null;
  #waiting = []; // { id, blob, options | frame, resolve, reject }, in order
  #current = null; // the job the worker has, with its timer
  #nextId = 1;
  #host;
  /** Time limit for one photo, ms (Infinity: none). */
  timeoutMs = PREPARE_TIMEOUT_MS;
  /** Replace the worker after a photo that left its wasm memory over this (bytes). */
  recycleBytes = RECYCLE_BYTES;

  /** `host`: the element, whose `heic` attribute applies (element-heic.js). */
  constructor(host = null) {
    this.#host = host;
  }

  /**
   * Resolves with `{ prepared, image, notice }`: the PreparedMedia, its image as a Blob,
   * and why it is a kept HEIC (element-heic.js; null when it is not).
   */
  prepare(blob, options) {
    return prepareHeic(this.#host, options, (opts) => this.#submit(blob, opts));
  }

  #submit(blob, options) {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id: this.#nextId++, blob, options, resolve, reject });
      this.#next();
    });
  }

  /**
   * The retake checks on a camera frame (an ImageBitmap, transferred): `{ warnings, metrics }`.
   * In the same line as the photos, so a frame never shares the wasm with a photo.
   */
  measureFrame(bitmap) {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id: this.#nextId++, frame: bitmap, resolve, reject });
      this.#next();
    });
  }

  /**
   * Start the worker and its wasm ahead of the first photo (the user is opening the camera
   * or the file picker): the first photo then waits neither for the module's download,
   * compile and instantiate nor for the browser to optimise it (worker.js, warmUp). A
   * failure here is left to that photo's own attempt to report.
   */
  warm() {
    this.#ensure().postMessage({ warm: true });
  }

  #next() {
    if (this.#current || this.#waiting.length === 0) return;
    const job = this.#waiting.shift();
    this.#current = job;
    const { id, blob, options, frame } = job;
    if (Number.isFinite(this.timeoutMs)) {
      job.timer = setTimeout(() => this.#restart(job, new MediaError('timed-out',
        `Preparing this photo took longer than ${Math.round(this.timeoutMs / 1000)} s, so it was stopped.`)), this.timeoutMs);
    }
    if (frame) this.#ensure().postMessage({ id, frame }, [frame]);
    else this.#ensure().postMessage({ id, blob, options });
  }

  #finish(job) {
    clearTimeout(job.timer);
    if (this.#current === job) this.#current = null;
  }

  /** End the worker (and its wasm) for good; `job` fails with `error`; the next starts afresh. */
  #restart(job, error) {
    this.#finish(job);
    this.#worker?.terminate();
    this.#worker = null;
    job.reject(error);
    this.#next();
  }

  #ensure() {
    if (this.#worker) return this.#worker;
    // This exact form lets webpack (and other bundlers) emit the worker as its own chunk.
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.addEventListener('message', ({ data }) => {
      const job = this.#current;
      if (!job || job.id !== data.id) return;
      if (data.error && data.error.name !== 'MediaError') {
        // A trap or anything else unplanned: this instance is not to be trusted again.
        this.#restart(job, new MediaError('prepare-failed',
          `This photo could not be prepared (${data.error.name}: ${data.error.message}); the next one starts afresh.`));
        return;
      }
      this.#finish(job);
      if ((data.wasmBytes ?? 0) + (data.codecsBytes ?? 0) > this.recycleBytes) {
        // Idle now: end it, so its memory goes; the next photo starts a fresh one.
        this.#worker?.terminate();
        this.#worker = null;
      }
      if (data.error) job.reject(revive(data.error));
      else if (data.quality) job.resolve(data.quality);
      else job.resolve({ prepared: data.prepared, image: data.image });
      this.#next();
    });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      const job = this.#current;
      if (job && event.message) {
        // An uncaught error while a photo was being prepared: a wasm trap inside the
        // wasm-bindgen future's poll never rejects prepareMedia's promise; it ends here.
        this.#restart(job, new MediaError('prepare-failed',
          `This photo could not be prepared (${event.message}); the next one starts afresh.`));
        return;
      }
      this.terminate(new Error(`prepare worker failed: ${event.message || 'could not start'}`));
    });
    this.#worker = worker;
    return worker;
  }

  /** Stop the worker (its wasm memory goes with it); pending jobs reject with `reason`. */
  terminate(reason = new DOMException('stopped', 'AbortError')) {
    this.#worker?.terminate();
    this.#worker = null;
    const jobs = [...(this.#current ? [this.#current] : []), ...this.#waiting];
    if (this.#current) clearTimeout(this.#current.timer);
    this.#current = null;
    this.#waiting = [];
    for (const job of jobs) job.reject(reason);
  }
}

/** The worker's flattened error as a MediaError (with its code). */
function revive({ code, message }) {
  return new MediaError(code, message);
}
