// The EHR opens launch.html?iss=<FHIR base URL>&launch=<launch id>. The SMART JS client
// reads both, discovers the server's OAuth endpoints (.well-known/smart-configuration) and
// redirects to its authorization endpoint (PKCE S256); the EHR sends the user back to
// index.html with a code. offline_access asks for a refresh token.
import FHIR from 'fhirclient';

FHIR.oauth2.authorize({
  clientId: 'fhir-media-capture-example',
  scope: 'launch patient/Media.write patient/Media.read openid fhirUser offline_access',
  redirectUri: 'index.html',
});
