import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.jsx';

// Settings from the page's query (the e2e test and a developer set them): ?base=…&patient=…&encounter=…&token=…
const query = new URLSearchParams(location.search);
createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App
      baseUrl={query.get('base') ?? location.origin}
      patient={query.get('patient') ?? 'Patient/b8dfa97bdcdf4754bcd8197ca78ef0f0'}
      encounter={query.get('encounter') ?? undefined}
      token={query.get('token') ?? 'dev-token'}
    />
  </StrictMode>,
);
