// The package's public run-time names and the element's attributes and events, once. tsc
// proves each list equals what the declarations say (exactly: a name missing here or
// declared but not listed fails), and tests/types/exports.test.mjs proves the same lists
// equal what the modules export and the element observes at run time. Together: the
// declarations cannot drift from the code.
import type * as api from 'fhir-media-capture';
import type * as element from 'fhir-media-capture/element';
import type * as react from 'fhir-media-capture/react';
import type { FhirMediaCaptureAttributes, FhirMediaCaptureEvents } from 'fhir-media-capture/element';

/** true only when A and B are the same union. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(ok: Same<A, B>): Same<A, B> => ok;

export const indexExports = ['FhirError', 'MediaClient', 'MediaError', 'UploadQueue', 'prepareMedia', 'ready'] as const;
export const elementExports = ['FhirMediaCaptureElement'] as const;
export const reactExports = [] as const;
export const attributes = ['base-url', 'patient', 'encounter', 'operator', 'owner', 'max-dimension', 'max-bytes', 'max-pixels', 'heic', 'locale'] as const;
export const events = ['media-prepared', 'upload-progress', 'media-created', 'media-error', 'storage-error', 'media-expired'] as const;

// `typeof import(...)` holds a module's values only, so types and interfaces do not count.
same<keyof typeof api, (typeof indexExports)[number]>(true);
same<keyof typeof element, (typeof elementExports)[number]>(true);
same<keyof typeof react, (typeof reactExports)[number]>(true);
same<keyof FhirMediaCaptureAttributes, (typeof attributes)[number]>(true);
same<keyof FhirMediaCaptureEvents, (typeof events)[number]>(true);
