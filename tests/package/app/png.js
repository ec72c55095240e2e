// The scratch app's PNG page (webpack builds it as a second entry): a PNG made in the page
// needs the codecs module, which prepareMedia fetches and instantiates on demand; the
// result is uploaded with MediaClient and its id reported in #out (or the error).
import { prepareMedia, MediaClient } from 'fhir-media-capture';

const out = document.getElementById('out');

async function main() {
  const canvas = new OffscreenCanvas(96, 64);
  const g = canvas.getContext('2d');
  const gradient = g.createLinearGradient(0, 0, 96, 64);
  gradient.addColorStop(0, '#c33');
  gradient.addColorStop(1, '#36c');
  g.fillStyle = gradient;
  g.fillRect(0, 0, 96, 64);
  g.fillStyle = '#fe4';
  g.fillRect(20, 16, 30, 24);
  const png = await canvas.convertToBlob({ type: 'image/png' });

  const prepared = await prepareMedia(png, {
    subject: 'Patient/bundler-test', title: 'bundler png', format: 'jpeg', maxDimension: 64,
  });
  const client = new MediaClient({ baseUrl: location.origin, token: out.dataset.token });
  const { id } = await client.create(prepared.resource);
  out.dataset.sourceFormat = prepared.source.format;
  out.dataset.size = `${prepared.width}x${prepared.height}`;
  out.dataset.id = id;
  out.textContent = id;
}

main().catch((err) => {
  out.dataset.error = String((err && (err.stack || err.message)) || err);
});
