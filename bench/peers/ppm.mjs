/** A binary PPM (P6, maxval 255) as the lever tool writes it: {width, height, rgb}. */
export function readPpm(bytes) {
  const fields = [];
  let at = 0;
  while (fields.length < 4) {
    while (bytes[at] === 0x20 || bytes[at] === 0x0a) at++;
    const start = at;
    while (bytes[at] !== 0x20 && bytes[at] !== 0x0a) at++;
    fields.push(bytes.subarray(start, at).toString('latin1'));
  }
  const [magic, w, h, max] = fields;
  if (magic !== 'P6' || max !== '255') throw new Error('not an 8-bit P6 PPM');
  const [width, height] = [Number(w), Number(h)];
  const rgb = bytes.subarray(at + 1, at + 1 + width * height * 3);
  if (rgb.length !== width * height * 3) throw new Error('PPM truncated');
  return { width, height, rgb };
}
