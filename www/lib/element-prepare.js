// prepareMedia in a module worker (worker.js), for <fhir-media-capture>. The photo goes
// over as its Blob (a handle: no bytes are copied or read on the main thread), so the
// worker checks its size before reading it; the worker can be terminated (wasm memory
// never shrinks) and starts again on the next job.
import { MediaError } from './core.js';

export class PrepareWorker {
  #worker = null;
  #jobs = new Map();
  #nextId = 1;

  /** Resolves with `{ prepared, image }`: the PreparedMedia and its image as a Blob. */
  async prepare(blob, options) {
    const worker = this.#ensure();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject });
      worker.postMessage({ id, blob, options });
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

  #ensure() {
    if (this.#worker) return this.#worker;
    // This exact form lets webpack (and other bundlers) emit the worker as its own chunk.
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.addEventListener('message', ({ data }) => {
      const job = this.#jobs.get(data.id);
      if (!job) return;
      this.#jobs.delete(data.id);
      if (data.error) job.reject(revive(data.error));
      else job.resolve({ prepared: data.prepared, image: data.image });
    });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.terminate(new Error(`prepare worker failed: ${event.message || 'could not start'}`));
    });
    this.#worker = worker;
    return worker;
  }

  /** Stop the worker (its wasm memory goes with it); pending jobs reject with `reason`. */
  terminate(reason = new DOMException('stopped', 'AbortError')) {
    this.#worker?.terminate();
    this.#worker = null;
    for (const job of this.#jobs.values()) job.reject(reason);
    this.#jobs.clear();
  }
}

/** The worker's flattened error as a MediaError (with its code) or a plain Error. */
function revive({ name, code, message }) {
  if (name === 'MediaError') return new MediaError(code, message);
  return Object.assign(new Error(message), { name });
}
