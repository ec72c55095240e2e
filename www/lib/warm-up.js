// The main module's warm-up, ahead of the first photo: worker.js runs it once when the
// element says a photo is coming (the picker or the camera opening, a file dragged over),
// and the benchmarks run it where they stand for the widget's page (bench/page/heic.js).
import { mainModule, prepareMedia } from './prepare.js';

/**
 * Load the wasm, then run the pipeline on a small picture made here: the browser compiles
 * wasm with a quick baseline compiler first and optimises a function only once it has run
 * a while, and a call running in baseline code stays there until it returns. Two small
 * runs (DCT-scaled decode, and full decode + resize) get the hot functions optimised in
 * the background while the user picks a photo, so the first real one runs at full speed.
 */
export async function warmUp() {
  await mainModule.load();
  if (typeof OffscreenCanvas !== 'function') return;
  const canvas = new OffscreenCanvas(1024, 768);
  const g = canvas.getContext('2d');
  const grad = g.createLinearGradient(0, 0, 1024, 768);
  grad.addColorStop(0, '#a53');
  grad.addColorStop(1, '#35a');
  g.fillStyle = grad;
  g.fillRect(0, 0, 1024, 768);
  for (let i = 0; i < 64; i++) {
    g.fillStyle = `hsl(${i * 37} 60% 50%)`;
    g.fillRect((i * 97) % 1024, (i * 53) % 768, 40 + (i % 5) * 20, 30 + (i % 7) * 10);
  }
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
  for (const maxDimension of [512, 800]) {
    await prepareMedia(blob, { subject: 'Patient/warm-up', maxDimension });
  }
}
