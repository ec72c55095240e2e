// `<fhir-media-capture>` in React 19's JSX (`React.JSX.IntrinsicElements`). Types only: add
// `import type {} from 'fhir-media-capture/react';` once in a React + TypeScript app.
// React 19 sets a custom element's properties when the element has them (token, strings,
// queueOptions) and listens to its events as `on` + the event's name (`onmedia-created`).
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { FhirMediaCaptureAttributes, FhirMediaCaptureElement, FhirMediaCaptureEvents } from './element.js';

/** `onmedia-prepared`, `onmedia-created`, …: each handler gets the element's typed event. */
export type FhirMediaCaptureEventProps = {
  [K in keyof FhirMediaCaptureEvents as `on${K}`]?: (event: FhirMediaCaptureEvents[K]) => void;
};

/** What `<fhir-media-capture>` takes in JSX: its attributes, its settable properties and its events. */
export type FhirMediaCaptureProps = DetailedHTMLProps<HTMLAttributes<FhirMediaCaptureElement>, FhirMediaCaptureElement> &
  FhirMediaCaptureAttributes &
  Partial<Pick<FhirMediaCaptureElement, 'token' | 'strings' | 'queueOptions'>> &
  FhirMediaCaptureEventProps;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'fhir-media-capture': FhirMediaCaptureProps;
    }
  }
}
