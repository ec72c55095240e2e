// PrepareWorker (www/lib/element-prepare.js) against a stand-in Worker: what it does when
// the pipeline traps or runs out of time. A real trap needs input the default limits refuse
// (that is their job), so the stand-in plays the worker's side of the protocol: it answers
// each job as the test says, and records which instance got it and which were terminated.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const workers = [];
let answer = () => ({ prepared: { ok: true }, image: null });

class StandInWorker {
  terminated = false;
  jobs = [];
  #listeners = { message: [], error: [] };
  constructor() { workers.push(this); }
  addEventListener(type, fn) { this.#listeners[type].push(fn); }
  postMessage(data) {
    if (data.warm) return;
    this.jobs.push(data.id);
    const reply = answer(data);
    if (reply === 'hang') return;
    if (reply.uncaught) {
      // What a trap inside the wasm-bindgen future does: no answer, an error event instead.
      setTimeout(() => { if (!this.terminated) for (const fn of this.#listeners.error) fn({ message: reply.uncaught, preventDefault() {} }); }, 1);
      return;
    }
    setTimeout(() => { if (!this.terminated) for (const fn of this.#listeners.message) fn({ data: { id: data.id, ...reply } }); }, 1);
  }
  terminate() { this.terminated = true; }
}
globalThis.Worker = StandInWorker;
const { PrepareWorker } = await import('../../www/lib/element-prepare.js');

test('a trap (any error but a MediaError) ends that worker; the photo fails as prepare-failed and the next gets a fresh worker', async () => {
  workers.length = 0;
  const pw = new PrepareWorker();
  answer = ({ id }) => (id === 2
    ? { error: { name: 'RuntimeError', message: 'unreachable' } }
    : { prepared: { id }, image: null });
  const results = await Promise.allSettled([1, 2, 3].map(() => pw.prepare(new Blob(['x']), {})));
  assert.equal(results[0].status, 'fulfilled');
  assert.equal(results[1].status, 'rejected');
  assert.equal(results[1].reason.name, 'MediaError');
  assert.equal(results[1].reason.code, 'prepare-failed');
  assert.match(results[1].reason.message, /RuntimeError: unreachable/);
  assert.equal(results[2].status, 'fulfilled', 'the next photo is prepared');
  assert.equal(workers.length, 2, 'a second worker');
  assert.deepEqual(workers.map((w) => [w.jobs, w.terminated]), [[[1, 2], true], [[3], false]],
    'the trapped worker got no further job and was terminated');
});

test('a MediaError is the photo\'s own fault: the worker stays', async () => {
  workers.length = 0;
  const pw = new PrepareWorker();
  answer = ({ id }) => (id === 1 ? { error: { name: 'MediaError', code: 'corrupt-image', message: 'damaged' } } : { prepared: {} });
  const results = await Promise.allSettled([1, 2].map(() => pw.prepare(new Blob(['x']), {})));
  assert.equal(results[0].reason.code, 'corrupt-image');
  assert.equal(results[1].status, 'fulfilled');
  assert.equal(workers.length, 1);
});

test('one photo at a time, each with its time limit: a hung one fails as timed-out and the rest go on in a fresh worker', async () => {
  workers.length = 0;
  const pw = new PrepareWorker();
  pw.timeoutMs = 50;
  answer = ({ id }) => (id === 1 ? 'hang' : { prepared: { id } });
  const started = Date.now();
  const results = await Promise.allSettled([1, 2].map(() => pw.prepare(new Blob(['x']), {})));
  assert.equal(results[0].reason.code, 'timed-out');
  assert.equal(results[1].status, 'fulfilled');
  assert.ok(Date.now() - started >= 50);
  assert.deepEqual(workers.map((w) => [w.jobs, w.terminated]), [[[1], true], [[2], false]],
    'the second photo was not sent until the first was done');
});

test('an uncaught error in the worker while a photo is prepared (a trap in the future\'s poll) fails that photo as prepare-failed; the next gets a fresh worker', async () => {
  workers.length = 0;
  const pw = new PrepareWorker();
  answer = ({ id }) => (id === 2 ? { uncaught: 'Uncaught RuntimeError: unreachable' } : { prepared: { id } });
  const results = await Promise.allSettled([1, 2, 3].map(() => pw.prepare(new Blob(['x']), {})));
  assert.equal(results[0].status, 'fulfilled');
  assert.equal(results[1].reason.name, 'MediaError');
  assert.equal(results[1].reason.code, 'prepare-failed');
  assert.match(results[1].reason.message, /RuntimeError: unreachable/);
  assert.equal(results[2].status, 'fulfilled', 'the next photo is prepared');
  assert.deepEqual(workers.map((w) => [w.jobs, w.terminated]), [[[1, 2], true], [[3], false]]);
});

test('a photo that left the worker\'s wasm memory (main + codecs module) over recycleBytes: the next photo gets a fresh worker', async () => {
  workers.length = 0;
  const pw = new PrepareWorker();
  assert.equal(pw.recycleBytes, 256 * 2 ** 20, 'the default threshold');
  const MiB = 2 ** 20;
  answer = ({ id }) => ({
    1: { prepared: { id }, wasmBytes: 40 * MiB, codecsBytes: 20 * MiB },
    2: { prepared: { id }, wasmBytes: 200 * MiB, codecsBytes: 80 * MiB },
    3: { error: { name: 'MediaError', code: 'corrupt-image', message: 'damaged' }, wasmBytes: 300 * MiB },
  }[id] ?? { prepared: { id }, wasmBytes: 30 * MiB });
  const results = await Promise.allSettled([1, 2, 3, 4].map(() => pw.prepare(new Blob(['x']), {})));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
    'every photo keeps its own answer');
  assert.deepEqual(workers.map((w) => [w.jobs, w.terminated]), [[[1, 2], true], [[3], true], [[4], false]],
    'each worker past 256 MiB after a photo was ended, and the next photo went to a fresh one');
});
