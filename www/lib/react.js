// Types-only entry (see react.d.ts): `import type {} from 'fhir-media-capture/react'` puts
// <fhir-media-capture> into React's JSX types. It adds nothing at run time.
export {};
