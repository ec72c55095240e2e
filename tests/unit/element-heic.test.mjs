// element-heic.js: the `heic` attribute and the one fallback from convert to keep, driven by
// the `heic-not-decodable` code alone, against a stand-in for one photo's preparation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEIC_FALLBACK, HEIC_KEPT, heicOption, prepareHeic } from '../../www/lib/element-heic.js';

const host = (heic) => ({ getAttribute: (name) => (name === 'heic' ? heic : null) });
const refused = (code) => Object.assign(new Error(code), { name: 'MediaError', code });
const kept = { prepared: { contentType: 'image/heic' }, image: null };
const jpeg = { prepared: { contentType: 'image/jpeg' }, image: null };

test('the heic attribute: keep (any case, spaces) or else convert', () => {
  assert.equal(heicOption(host('keep')), 'keep');
  assert.equal(heicOption(host(' KEEP ')), 'keep');
  for (const v of [null, '', 'convert', 'yes']) assert.equal(heicOption(host(v)), 'convert');
  assert.equal(heicOption(null), 'convert');
});

test('convert: a photo that prepares is not retried and has no notice', async () => {
  const calls = [];
  const out = await prepareHeic(host(null), { subject: 'Patient/1' }, async (o) => { calls.push(o); return jpeg; });
  assert.deepEqual(calls, [{ subject: 'Patient/1', heic: 'convert' }]);
  assert.equal(out.notice, null);
  assert.equal(out.prepared, jpeg.prepared);
});

test('convert: heic-not-decodable is prepared again kept, with the fallback notice', async () => {
  const calls = [];
  const out = await prepareHeic(host(null), { subject: 'Patient/1' }, async (o) => {
    calls.push(o.heic);
    if (o.heic === 'convert') throw refused('heic-not-decodable');
    return kept;
  });
  assert.deepEqual(calls, ['convert', 'keep']);
  assert.equal(out.notice, HEIC_FALLBACK);
  assert.equal(out.prepared.contentType, 'image/heic');
});

test('keep: a kept HEIC has the kept notice; no second attempt', async () => {
  const calls = [];
  const out = await prepareHeic(host('keep'), {}, async (o) => { calls.push(o.heic); return kept; });
  assert.deepEqual(calls, ['keep']);
  assert.equal(out.notice, HEIC_KEPT);
  const other = await prepareHeic(host('keep'), {}, async () => jpeg);
  assert.equal(other.notice, null, 'a JPEG in keep mode is converted as usual');
});

test('any other error, or the kept attempt failing, is the photo\'s error', async () => {
  for (const code of ['corrupt-image', 'too-large', 'prepare-failed']) {
    await assert.rejects(prepareHeic(host(null), {}, async () => { throw refused(code); }), { code });
  }
  let calls = 0;
  await assert.rejects(prepareHeic(host(null), {}, async (o) => {
    calls++;
    throw refused(o.heic === 'convert' ? 'heic-not-decodable' : 'corrupt-image');
  }), { code: 'corrupt-image' });
  assert.equal(calls, 2);
  // In keep mode heic-not-decodable cannot come back, and is not retried if it did.
  calls = 0;
  await assert.rejects(prepareHeic(host('keep'), {}, async () => { calls++; throw refused('heic-not-decodable'); }),
    { code: 'heic-not-decodable' });
  assert.equal(calls, 1);
});
