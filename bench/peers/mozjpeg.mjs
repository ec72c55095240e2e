// Peer encoder for the equal-SSIM sweep (bench/BYTES.md): mozjpeg (Squoosh's build,
// npm @jsquash/jpeg 1.6.0) encodes the pixels the lever tool wrote (INPUT_PPM=1) at
// qualities 56..95, with cjpeg's defaults (quant table 3, trellis, progressive) and with
// libjpeg's Annex K tables; the outputs are lever directories for `sweep.mjs --levers`.
// Not a dependency of the project: install it where you run this, e.g.
//   mkdir /tmp/moz && cd /tmp/moz && npm i --no-save @jsquash/jpeg@1.6.0
//   node /path/to/bench/peers/mozjpeg.mjs LEVER_DIR   (run from /tmp/moz)
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readPpm } from './ppm.mjs';

// From the working directory's node_modules (the package is not the project's).
const pkg = path.resolve('node_modules', '@jsquash', 'jpeg');
const { default: encode, init } = await import(pathToFileURL(path.join(pkg, 'encode.js')).href);
const wasm = fs.readFileSync(path.join(pkg, 'codec', 'enc', 'mozjpeg_enc.wasm'));
await init(await WebAssembly.compile(wasm));
const [root] = process.argv.slice(2);
for (const photo of fs.readdirSync(root)) {
  const ppm = path.join(root, photo, 'input.ppm');
  if (!fs.existsSync(ppm)) continue;
  const { width, height, rgb } = readPpm(fs.readFileSync(ppm));
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
    data[i * 4 + 3] = 255;
  }
  for (const [name, options] of [['mozjpeg', {}], ['mozjpeg-annexk', { quant_table: 0 }]]) {
    const dir = path.join(root, photo, name);
    fs.mkdirSync(dir, { recursive: true });
    for (let quality = 56; quality < 96; quality += 3) {
      const jpeg = await encode({ data, width, height }, { quality, ...options });
      fs.writeFileSync(path.join(dir, `${quality}.jpg`), Buffer.from(jpeg));
    }
    console.log(`${photo} ${name} done`);
  }
}
