// The HEIC tiers (www/lib/heic.js) with stand-in decoders: no engine on this machine has a
// HEIC decoder of its own (Chromium, Firefox and WebKitGTK all reject createImageBitmap on
// a HEIC), so tier 1 is played here by a stand-in, and tier 2 by a stand-in module whose
// loads are counted. The real tier 2 runs in the e2e and wasm tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asCodecs, heicDecoder, decodeWithBrowser } from '../../www/lib/heic.js';

const BYTES = new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112]);
const fromBrowser = { width: 2, height: 1, channels: 4, pixels: new Uint8Array(8) };
const fromModule = { width: 2, height: 1, channels: 3, pixels: new Uint8Array(6) };

function standInModule() {
  const module = { loads: 0, decodes: 0, args: null, decode: (...args) => { module.decodes++; module.args = args; return fromModule; } };
  return { module, loadModule: async () => { module.loads++; return module; } };
}

test('tier 1: the browser decodes, the HEIC module is never loaded', async () => {
  const { module, loadModule } = standInModule();
  const decode = heicDecoder({ loadModule, browserDecode: async () => fromBrowser });
  assert.equal(await decode(BYTES, 1e6), fromBrowser);
  assert.equal(module.loads, 0);
});

test('tier 2: the browser rejects (Chromium, Firefox today), our module decodes', async () => {
  const { module, loadModule } = standInModule();
  const decode = heicDecoder({ loadModule, browserDecode: async () => { throw new DOMException('no', 'InvalidStateError'); } });
  assert.equal(await decode(BYTES, 1e6, 2048), fromModule);
  assert.equal(module.loads, 1);
  assert.deepEqual(module.args, [BYTES, 1e6, 2048], 'the size wanted reaches our decoder, which may scale');
});

test('tier 2: a browser decoder that never settles is given up after its time limit', async () => {
  const { loadModule } = standInModule();
  const decode = heicDecoder({ loadModule, browserDecode: () => new Promise(() => {}), browserMs: 30 });
  const start = Date.now();
  assert.equal(await decode(BYTES, 1e6), fromModule);
  assert.ok(Date.now() - start < 2000);
});

test('tier 2: no browser decoder at all (null) goes straight to the module', async () => {
  const { loadModule } = standInModule();
  const decode = heicDecoder({ loadModule, browserDecode: async () => null });
  assert.equal(await decode(BYTES, 1e6), fromModule);
});

test('the browser tier saying too-many-pixels is the answer, not a reason to try the module', async () => {
  const { module, loadModule } = standInModule();
  const tooBig = Object.assign(new Error('big'), { code: 'too-many-pixels', width: 9000, height: 9000, limit: 1e6 });
  const decode = heicDecoder({ loadModule, browserDecode: async () => { throw tooBig; } });
  await assert.rejects(decode(BYTES, 1e6), (e) => e === tooBig);
  assert.equal(module.loads, 0);
});

test('a module that does not load in time gives heic-not-decodable', async () => {
  const decode = heicDecoder({ loadModule: () => new Promise(() => {}), browserDecode: null, moduleMs: 30 });
  await assert.rejects(decode(BYTES, 1e6), (e) => e.code === 'heic-not-decodable');
});

test('a module that cannot be fetched (offline) gives heic-not-decodable, so the photo can be kept', async () => {
  const decode = heicDecoder({ loadModule: async () => { throw new TypeError('Failed to fetch'); }, browserDecode: null });
  await assert.rejects(decode(BYTES, 1e6), (e) => e.code === 'heic-not-decodable');
});

test('typed errors of the module pass through; a trap (no code) too, for the worker to restart', async () => {
  const corrupt = Object.assign(new Error('HEIF container: unexpected end of data'), { code: 'corrupt-image' });
  const trap = new WebAssembly.RuntimeError('unreachable');
  for (const thrown of [corrupt, trap]) {
    const decode = heicDecoder({ loadModule: async () => ({ decode() { throw thrown; } }), browserDecode: null });
    await assert.rejects(decode(BYTES, 1e6), (e) => e === thrown);
  }
});

test('decodeWithBrowser: no createImageBitmap (Node) means no tier 1', async () => {
  assert.equal(await decodeWithBrowser(BYTES, 1e6), null);
});

/** Runs `fn` with stand-in browser globals (an engine's canvas, createImageBitmap and,
 *  where given, ImageDecoder), then puts back what was there. */
async function inBrowser({ imageDecoder }, fn) {
  const names = ['createImageBitmap', 'OffscreenCanvas', 'ImageDecoder'];
  const before = names.map((n) => [n, Object.getOwnPropertyDescriptor(globalThis, n)]);
  const calls = { bitmaps: 0, asked: [] };
  globalThis.createImageBitmap = async () => {
    calls.bitmaps++;
    return { width: 2, height: 1, close() {} };
  };
  globalThis.OffscreenCanvas = class {
    getContext() {
      return { drawImage() {}, getImageData: (x, y, w, h) => ({ data: new Uint8ClampedArray(w * h * 4) }) };
    }
  };
  if (imageDecoder) {
    globalThis.ImageDecoder = { isTypeSupported: async (type) => { calls.asked.push(type); return imageDecoder(type); } };
  } else {
    delete globalThis.ImageDecoder;
  }
  try {
    return await fn(calls);
  } finally {
    for (const [n, d] of before) {
      if (d) Object.defineProperty(globalThis, n, d);
      else delete globalThis[n];
    }
  }
}

test('decodeWithBrowser: an ImageDecoder that knows neither HEIC nor HEIF means no tier 1, without reading the photo', async () => {
  await inBrowser({ imageDecoder: () => false }, async (calls) => {
    assert.equal(await decodeWithBrowser(BYTES, 1e6), null);
    assert.equal(calls.bitmaps, 0, 'createImageBitmap was not asked');
    assert.deepEqual(calls.asked.sort(), ['image/heic', 'image/heif']);
  });
});

test('decodeWithBrowser: createImageBitmap is asked where ImageDecoder knows HEIC, has no answer, or is missing (WebKit)', async () => {
  for (const imageDecoder of [(type) => type === 'image/heic', () => { throw new TypeError('no'); }, null]) {
    await inBrowser({ imageDecoder }, async (calls) => {
      const image = await decodeWithBrowser(BYTES, 1e6);
      assert.equal(calls.bitmaps, 1);
      assert.deepEqual([image.width, image.height, image.channels, image.pixels.length], [2, 1, 4, 8]);
    });
  }
});

test('asCodecs: decodes at load, decode() hands over the image or throws the typed error', async () => {
  const ok = await asCodecs(async () => fromModule, BYTES, 1e6);
  assert.equal(ok.decode(), fromModule);
  const corrupt = Object.assign(new Error('cut'), { code: 'corrupt-image' });
  const bad = await asCodecs(async () => { throw corrupt; }, BYTES, 1e6);
  assert.throws(() => bad.decode(), (e) => e === corrupt);
  const trap = new WebAssembly.RuntimeError('unreachable');
  await assert.rejects(asCodecs(async () => { throw trap; }, BYTES, 1e6), (e) => e === trap);
});
