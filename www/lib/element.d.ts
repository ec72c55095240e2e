// Type declarations for `fhir-media-capture/element`, which registers <fhir-media-capture>.
import type { FhirError, Media, MediaError, PreparedMedia, TokenSource, UploadQueue, UploadQueueOptions } from './index.js';

/** Every user-visible string; see www/lib/i18n.js for the keys and the English and Spanish texts. */
export type FhirMediaCaptureStrings = Record<string, string>;

/** One photo in the list. `error` is a preparation error (or a photo that could not be queued); the others after `ready` are the upload queue's states. */
export interface QueuedPhoto {
  key: number;
  state: 'preparing' | 'ready' | 'error' | 'waiting' | 'uploading' | 'reconciling' | 'retrying' | 'done' | 'failed' | 'needs-review';
  prepared: PreparedMedia | null;
  title: string;
  note: string;
  /** The created Media id once uploaded. */
  id: string | null;
  error: MediaError | FhirError | Error | null;
  /** The upload queue's id for the photo: the uuid of its `urn:uuid:` Media.identifier. */
  uploadId: string | null;
}

export interface MediaPreparedDetail { key: number; prepared: PreparedMedia }
export interface UploadProgressDetail { key: number; loaded: number; total: number }
export interface MediaCreatedDetail {
  key: number;
  id: string;
  location: string;
  resource: Media;
  /** True when the Media was found by searching after its create's answer was lost. */
  reconciled: boolean;
}
export interface StorageErrorDetail { key: number | null; error: unknown }

/** The element's queue options: UploadQueueOptions without the client and base URL it supplies. */
export type ElementQueueOptions = Omit<UploadQueueOptions, 'client' | 'baseUrl'>;

/**
 * `<fhir-media-capture base-url patient encounter operator max-dimension max-bytes locale>`.
 * `patient` and `encounter` accept `Type/<id>` or a bare id; `operator` a bare id means a Practitioner.
 * Theme with --fmc-font, --fmc-fg, --fmc-muted, --fmc-bg, --fmc-surface, --fmc-border, --fmc-accent,
 * --fmc-accent-fg, --fmc-focus, --fmc-error, --fmc-success, --fmc-warning, --fmc-radius, --fmc-gap; parts: root, inputs,
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
  /** Options for the upload queue (e.g. `{ baseDelayMs: 100 }`); setting it starts a new queue, queued photos carry over. */
  queueOptions: ElementQueueOptions;
  /** The upload queue (one per base URL); null until `base-url` is set. */
  readonly queue: UploadQueue | null;
  /** A snapshot of the photos. */
  readonly items: QueuedPhoto[];
  /** Add photos as if they were picked. */
  addFiles(files: Iterable<Blob>): void;
  /** Queue every photo that is ready and retry every one that failed. */
  uploadAll(): void;
  /** Reload the gallery from its first page. */
  refreshGallery(): Promise<void>;

  addEventListener(type: 'media-prepared', listener: (event: CustomEvent<MediaPreparedDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: 'upload-progress', listener: (event: CustomEvent<UploadProgressDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: 'media-created', listener: (event: CustomEvent<MediaCreatedDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  /** `detail` is the error itself: a MediaError (`code`) or a FhirError (`status`, `code`, `text`). */
  addEventListener(type: 'media-error', listener: (event: CustomEvent<MediaError | FhirError | Error>) => void, options?: boolean | AddEventListenerOptions): void;
  /** IndexedDB refused a write (e.g. QuotaExceededError): shown in the element, the upload goes on in memory. */
  addEventListener(type: 'storage-error', listener: (event: CustomEvent<StorageErrorDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'fhir-media-capture': FhirMediaCaptureElement;
  }
}
