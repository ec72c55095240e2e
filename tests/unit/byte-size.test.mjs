// www/lib/i18n.js byteSize: one Intl.NumberFormat per locale, made once (the first of a page
// costs ~15 ms, which once pushed the frame that shows a prepared photo past 50 ms), and
// warmByteSize makes it ahead of time. Intl.NumberFormat is counted by a stand-in that
// wraps the real one.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';

const RealNumberFormat = Intl.NumberFormat;
let made = [];

beforeEach(() => {
  made = [];
  Intl.NumberFormat = function NumberFormat(locale, options) {
    made.push(locale);
    return new RealNumberFormat(locale, options);
  };
});
afterEach(() => {
  Intl.NumberFormat = RealNumberFormat;
});

// A fresh module each time, so its cache starts empty.
let fresh = 0;
const load = () => import(`../../www/lib/i18n.js?fresh=${fresh++}`);

test('byteSize formats in KB below 1 MB and MB above, in the locale\'s digits', async () => {
  const { byteSize } = await load();
  assert.equal(byteSize(350_400), '350 KB');
  assert.equal(byteSize(10), '1 KB', 'never "0 KB" for a file that has bytes');
  assert.equal(byteSize(1_234_567), '1.2 MB');
  assert.equal(byteSize(1_234_567, 'de'), '1,2 MB');
  assert.equal(byteSize(1_234_567, 'es'), '1,2 MB');
});

test('one Intl.NumberFormat per locale, however many sizes are shown', async () => {
  const { byteSize } = await load();
  for (let i = 0; i < 50; i++) byteSize(1000 * i + 5e5);
  assert.deepEqual(made, ['en']);
  for (let i = 0; i < 50; i++) byteSize(2e6 + i, 'es');
  assert.deepEqual(made, ['en', 'es']);
});

test('a locale Intl does not know falls back to English once, not on every call', async () => {
  const { byteSize } = await load();
  assert.equal(byteSize(2_500_000, 'not a locale!'), '2.5 MB');
  assert.equal(byteSize(3_500_000, 'not a locale!'), '3.5 MB');
  assert.deepEqual(made, ['not a locale!', 'en'], 'the bad tag is tried once, then the English one is kept');
});

test('warmByteSize makes the format at idle time, so the first byteSize makes none', async () => {
  const { byteSize, warmByteSize } = await load();
  warmByteSize('es');
  assert.deepEqual(made, [], 'not in the caller\'s task');
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(made, ['es']);
  byteSize(123_456, 'es');
  assert.deepEqual(made, ['es']);
});
