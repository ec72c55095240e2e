// The scratch app every bundler builds (tests/package/bundlers.test.mjs), as a user writes
// it: the API and the element from the installed package. It prepares a JPEG made in the
// page and uploads it with MediaClient, then has the element prepare (in its worker) and
// upload another, and reports both ids in #out (or the error in data-error). The FHIR
// server is the page's origin unless #out names another (the Vite dev server's page).
import { prepareMedia, MediaClient } from 'fhir-media-capture';
import 'fhir-media-capture/element';

const out = document.getElementById('out');
const TOKEN = out.dataset.token;
const BASE_URL = out.dataset.baseUrl ?? location.origin;
const PATIENT = 'Patient/bundler-test';

async function jpeg(color) {
  const canvas = new OffscreenCanvas(160, 120);
  const g = canvas.getContext('2d');
  g.fillStyle = color;
  g.fillRect(0, 0, 160, 120);
  g.fillStyle = '#fe4';
  g.fillRect(30, 20, 60, 40);
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
}

function once(target, type) {
  return new Promise((resolve, reject) => {
    target.addEventListener(type, (e) => resolve(e.detail), { once: true });
    target.addEventListener('media-error', (e) => reject(e.detail), { once: true });
  });
}

async function main() {
  const prepared = await prepareMedia(await jpeg('#c33'), { subject: PATIENT, title: 'bundler api', maxDimension: 64 });
  const client = new MediaClient({ baseUrl: BASE_URL, token: TOKEN });
  const { id: apiId } = await client.create(prepared.resource);

  const el = document.createElement('fhir-media-capture');
  el.setAttribute('base-url', BASE_URL);
  el.setAttribute('patient', PATIENT);
  el.token = TOKEN;
  document.body.append(el);
  const ready = once(el, 'media-prepared');
  el.addFiles([new File([await jpeg('#36c')], 'photo.jpg', { type: 'image/jpeg' })]);
  await ready;
  const created = once(el, 'media-created');
  el.uploadAll();
  const { id: elementId } = await created;

  out.dataset.apiId = apiId;
  out.dataset.elementId = elementId;
  out.textContent = `${apiId} ${elementId}`;
}

main().catch((err) => {
  out.dataset.error = String((err && (err.stack || err.message)) || err);
});
