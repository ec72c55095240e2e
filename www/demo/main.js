// Demo page: prepares each chosen file with prepareMedia and shows the result.
import { prepareMedia, MediaError } from '../lib/index.js';

const form = document.getElementById('options');
const fileInput = document.getElementById('files');
const results = document.getElementById('results');

/** The options from the form; blank optional fields are left out. */
function readOptions() {
  const value = (name) => form.elements[name].value.trim();
  const options = {
    maxDimension: Number(value('maxDimension')),
    maxBytes: Number(value('maxBytes')),
    format: value('format'),
    subject: value('subject'),
  };
  for (const name of ['encounter', 'operator', 'title']) {
    if (value(name)) options[name] = value(name);
  }
  return options;
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** The Media JSON with the base64 shortened, for display only. */
function displayJson(resource) {
  const data = resource.content?.data ?? '';
  const shown = structuredClone(resource);
  if (data.length > 64) shown.content.data = `${data.slice(0, 64)}… (${data.length} base64 chars)`;
  return JSON.stringify(shown, null, 2);
}

function showPrepared(card, prepared) {
  const { resource, contentType, width, height, bytes, quality, source, timings } = prepared;
  const ms = (n) => `${n.toFixed(1)} ms`;
  const facts = [
    ['Size', `${width} × ${height}`, 'dims'],
    ['Type', contentType],
    ['Bytes', bytes.toLocaleString('en-US')],
    ['Quality', quality == null ? 'lossless' : quality.toFixed(2)],
    ['Source', `${source.format}, ${source.width} × ${source.height}, ${source.bytes.toLocaleString('en-US')} bytes, orientation ${source.orientation}`],
    ['Decode', ms(timings.decode)],
    ['Orient', ms(timings.orient)],
    ['Resize', ms(timings.resize)],
    ['Encode', ms(timings.encode)],
    ['Total', ms(timings.total)],
  ];
  const dl = el('dl');
  for (const [term, text, className = ''] of facts) dl.append(el('dt', { textContent: term }), el('dd', { textContent: text, className }));
  card.replaceChildren(
    card.querySelector('h2'),
    el('img', { src: `data:${contentType};base64,${resource.content.data}`, alt: `Prepared ${card.dataset.name}, ${width} by ${height} pixels` }),
    dl,
    el('details', { open: true }, el('summary', { textContent: 'Media JSON' }), el('pre', { textContent: displayJson(resource) })),
  );
  card.dataset.state = 'done';
}

function showError(card, err) {
  const text = err instanceof MediaError ? `MediaError ${err.code}: ${err.message}` : `Error: ${err?.message ?? err}`;
  card.replaceChildren(card.querySelector('h2'), el('p', { className: 'error', role: 'alert', textContent: text }));
  card.dataset.state = 'error';
  if (err instanceof MediaError) card.dataset.code = err.code;
}

async function prepareFiles(files) {
  const options = readOptions();
  results.replaceChildren();
  for (const file of files) {
    const card = el('article', { className: 'result' }, el('h2', { textContent: file.name }), el('p', { className: 'pending', textContent: 'Preparing…' }));
    card.dataset.name = file.name;
    card.dataset.state = 'pending';
    results.append(card);
    try {
      showPrepared(card, await prepareMedia(file, options));
    } catch (err) {
      showError(card, err);
    }
  }
}

fileInput.addEventListener('change', () => prepareFiles([...fileInput.files]));
