// <fhir-media-capture> in React 19: attributes from props, the token as a property (React
// 19 sets a custom element's property when the element has one), and the element's
// events as `on` + the event's name. TypeScript users add
// `import type {} from 'fhir-media-capture/react'` for the JSX types.
import { useState } from 'react';
import 'fhir-media-capture/element';

export function App({ baseUrl, patient, encounter, token }) {
  const [created, setCreated] = useState([]);
  const [error, setError] = useState(null);
  return (
    <main>
      <h1>React 19 + fhir-media-capture</h1>
      <fhir-media-capture
        base-url={baseUrl}
        patient={patient}
        encounter={encounter}
        locale="en"
        token={token}
        onmedia-created={(e) => setCreated((ids) => [...ids, e.detail.id])}
        onmedia-error={(e) => setError(e.detail.message)}
      />
      <p>
        Uploaded: <output id="created">{created.join(' ')}</output>
      </p>
      {error && <p id="error" role="alert">{error}</p>}
    </main>
  );
}
