// Type declarations for `fhir-media-capture/element`, which registers <fhir-media-capture>.
import type { FhirError, Media, MediaError, PreparedMedia, TokenSource } from './index.js';

/** Every user-visible string; see www/lib/i18n.js for the keys and the English and Spanish texts. */
export type FhirMediaCaptureStrings = Record<string, string>;

/** One photo in the queue. */
export interface QueuedPhoto {
  key: number;
  state: 'preparing' | 'ready' | 'queued' | 'uploading' | 'done' | 'error';
  prepared: PreparedMedia | null;
  title: string;
  note: string;
  /** The created Media id once uploaded. */
  id: string | null;
  error: MediaError | FhirError | Error | null;
}

export interface MediaPreparedDetail { key: number; prepared: PreparedMedia }
export interface UploadProgressDetail { key: number; loaded: number; total: number }
export interface MediaCreatedDetail { key: number; id: string; location: string; resource: Media }

/**
 * `<fhir-media-capture base-url patient encounter operator max-dimension max-bytes locale>`.
 * `patient` and `encounter` accept `Type/<id>` or a bare id; `operator` a bare id means a Practitioner.
 * Theme with --fmc-font, --fmc-fg, --fmc-muted, --fmc-bg, --fmc-surface, --fmc-border, --fmc-accent,
 * --fmc-accent-fg, --fmc-focus, --fmc-error, --fmc-success, --fmc-radius, --fmc-gap; parts: root, inputs,
 * dropzone, button, camera, video, queue, card, thumbnail, gallery, gallery-item, status.
 */
export class FhirMediaCaptureElement extends HTMLElement {
  /** The bearer token, or a function that returns it (called with `{ refresh: true }` after a 401). */
  token: TokenSource | null;
  /** Overrides for any UI string, merged over the locale's (English, or Spanish with `locale="es"`). */
  strings: Partial<FhirMediaCaptureStrings>;
  baseUrl: string;
  patient: string;
  encounter: string;
  operator: string;
  locale: string;
  /** A snapshot of the queue. */
  readonly items: QueuedPhoto[];
  /** Add photos as if they were picked. */
  addFiles(files: Iterable<Blob>): void;
  /** Upload every photo that is ready (or failed to upload), one at a time. */
  uploadAll(): void;
  /** Reload the gallery from its first page. */
  refreshGallery(): Promise<void>;

  addEventListener(type: 'media-prepared', listener: (event: CustomEvent<MediaPreparedDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: 'upload-progress', listener: (event: CustomEvent<UploadProgressDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: 'media-created', listener: (event: CustomEvent<MediaCreatedDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  /** `detail` is the error itself: a MediaError (`code`) or a FhirError (`status`, `code`, `text`). */
  addEventListener(type: 'media-error', listener: (event: CustomEvent<MediaError | FhirError | Error>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'fhir-media-capture': FhirMediaCaptureElement;
  }
}
