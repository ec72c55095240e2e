// Demo page: <fhir-media-capture> wired to the form above it. The local endpoint serves
// this page, so the FHIR base URL defaults to the page's own origin.
import '../lib/element.js';
import { applyStyles } from './styles.js';

applyStyles();

const form = document.getElementById('settings');
const capture = document.getElementById('capture');
const events = document.getElementById('events');

form.elements['base-url'].value = window.location.origin;

/** Copy the form into the element: attributes, and the token property. */
function apply() {
  // owner first: the element keeps one queue per base URL and owner.
  for (const name of ['owner', 'base-url', 'patient', 'encounter', 'operator', 'locale']) {
    const value = form.elements[name].value.trim();
    if (value) capture.setAttribute(name, value);
    else capture.removeAttribute(name);
  }
  capture.token = form.elements.token.value.trim();
}

form.addEventListener('change', apply);
form.addEventListener('submit', (event) => event.preventDefault());
apply();

function log(text) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  events.prepend(item);
}

capture.addEventListener('media-prepared', ({ detail: { prepared } }) =>
  log(`media-prepared: ${prepared.width} × ${prepared.height}, ${prepared.bytes} bytes, ${prepared.timings.total.toFixed(0)} ms`));
capture.addEventListener('media-created', ({ detail }) =>
  log(`media-created: Media/${detail.id}${detail.reconciled ? ' (found by searching after a lost answer)' : ''}`));
capture.addEventListener('storage-error', ({ detail }) => log(`storage-error: ${detail.error?.name ?? ''} ${detail.error?.message ?? detail.error}`));
capture.addEventListener('media-error', ({ detail }) =>
  log(`media-error: ${detail.name} ${detail.code ?? ''} ${detail.text ?? detail.message}`));
