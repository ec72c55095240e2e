// After the launch: the SMART JS client trades the code for tokens, and the element gets
// the FHIR base URL and the patient from its state, and its bearer token from a function.
// The element calls that function with { refresh: true } after a 401; the client then
// uses its refresh token (offline_access) for a new access token, and the upload is
// retried once with it.
import FHIR from 'fhirclient';
import 'fhir-media-capture/element';

const element = document.querySelector('fhir-media-capture');
const created = document.getElementById('created');
const error = document.getElementById('error');

function showError(err) {
  error.hidden = false;
  error.textContent = String(err?.message ?? err);
}

try {
  const client = await FHIR.oauth2.ready();
  const patient = `Patient/${client.patient.id}`;
  document.getElementById('patient').textContent = patient;
  element.token = ({ refresh }) =>
    refresh
      ? client.refresh().then((state) => state.tokenResponse.access_token)
      : client.state.tokenResponse.access_token;
  element.setAttribute('base-url', client.state.serverUrl);
  element.setAttribute('patient', patient);
  element.addEventListener('media-created', (e) => {
    created.textContent = `${created.textContent} ${e.detail.id}`.trim();
  });
  element.addEventListener('media-error', (e) => showError(e.detail));
} catch (err) {
  showError(err);
}
