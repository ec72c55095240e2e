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
export interface MediaExpiredDetail {
  /** The upload queue's id of the photo. */
  id: string;
  /** The Media that was never sent. */
  resource: Media;
}

/** The element's queue options: UploadQueueOptions without the client, base URL and owner it supplies. */
export type ElementQueueOptions = Omit<UploadQueueOptions, 'client' | 'baseUrl' | 'owner'>;

/** The element's own events (all bubble and are composed), by name. */
export interface FhirMediaCaptureEvents {
  'media-prepared': CustomEvent<MediaPreparedDetail>;
  'upload-progress': CustomEvent<UploadProgressDetail>;
  'media-created': CustomEvent<MediaCreatedDetail>;
  /** `detail` is the error itself: a MediaError (`code`) or a FhirError (`status`, `code`, `text`). */
  'media-error': CustomEvent<MediaError | FhirError | Error>;
  /** IndexedDB refused a write (e.g. QuotaExceededError): shown in the element, the upload goes on in memory. */
  'storage-error': CustomEvent<StorageErrorDetail>;
  /**
   * A photo stored by an earlier page, queued longer ago than the queue's `expireAfterMs`
   * (default 7 days), is about to be deleted unsent. Cancelable: `preventDefault()` keeps
   * and resumes it.
   */
  'media-expired': CustomEvent<MediaExpiredDetail>;
}

/** Every event the element dispatches: its own and HTMLElement's. */
export interface FhirMediaCaptureEventMap extends HTMLElementEventMap, FhirMediaCaptureEvents {}

/** The element's HTML attributes (its `observedAttributes`), as strings. */
export interface FhirMediaCaptureAttributes {
  /** The FHIR base URL, e.g. `https://fumage-example.canvasmedical.com`. */
  'base-url'?: string;
  /** `Patient/<id>` or a bare id. */
  patient?: string;
  /** `Encounter/<id>` or a bare id: photos go into that encounter's note. */
  encounter?: string;
  /** `Practitioner/<id>`, `Patient/<id>` or a bare Practitioner id, shown as Originator. */
  operator?: string;
  /**
   * The signed-in user or session (e.g. `Practitioner/<id>`): queued photos belong to it,
   * and only its own are restored from storage (the upload queue's `owner`).
   */
  owner?: string;
  /** Longest side after orientation, px (prepareMedia's `maxDimension`). */
  'max-dimension'?: string;
  /** Encoded image bytes (prepareMedia's `maxBytes`). */
  'max-bytes'?: string;
  /**
   * Largest photo read, in pixels as its header states them (prepareMedia's `maxPixels`,
   * default 100000000: a 48 MP phone photo fits); larger ones fail as 'too-many-pixels'
   * before anything is decoded.
   */
  'max-pixels'?: string;
  /**
   * `keep`: a HEIC/HEIF photo is sent as the original file with its Exif and XMP blanked
   * (prepareMedia's `heic: 'keep'`). Otherwise it is converted, and where this browser
   * cannot decode it, it is sent kept anyway and its card says so.
   */
  heic?: 'keep' | 'convert';
  /** `en` (default) or `es`. */
  locale?: string;
}

/**
 * `<fhir-media-capture base-url patient encounter operator owner max-dimension max-bytes max-pixels heic locale>`.
 * `patient` and `encounter` accept `Type/<id>` or a bare id; `operator` a bare id means a Practitioner.
 * Theme with --fmc-font, --fmc-fg, --fmc-muted, --fmc-bg, --fmc-surface, --fmc-border, --fmc-accent,
 * --fmc-accent-fg, --fmc-focus, --fmc-error, --fmc-success, --fmc-warning, --fmc-radius, --fmc-gap; parts: root, inputs,
 * dropzone, button, camera, video, queue, card, thumbnail, gallery, gallery-item, status.
 */
export class FhirMediaCaptureElement extends HTMLElement {
  /** The attributes the element reacts to. */
  static readonly observedAttributes: readonly (keyof FhirMediaCaptureAttributes)[];
  /** The bearer token, or a function that returns it (called with `{ refresh: true }` after a 401). */
  token: TokenSource | null;
  /** Overrides for any UI string, merged over the locale's (English, or Spanish with `locale="es"`). */
  strings: Partial<FhirMediaCaptureStrings>;
  baseUrl: string;
  patient: string;
  encounter: string;
  operator: string;
  /** The `owner` attribute. */
  owner: string;
  locale: string;
  /** Options for the upload queue (e.g. `{ baseDelayMs: 100 }`); setting it starts a new queue, queued photos carry over. */
  queueOptions: ElementQueueOptions;
  /**
   * Time limit for preparing one photo, ms (default 30000; Infinity: none). Over it, the
   * photo fails with MediaError 'timed-out' and its worker is replaced.
   */
  prepareTimeoutMs: number;
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

  addEventListener<K extends keyof FhirMediaCaptureEventMap>(type: K, listener: (this: FhirMediaCaptureElement, event: FhirMediaCaptureEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof FhirMediaCaptureEventMap>(type: K, listener: (this: FhirMediaCaptureElement, event: FhirMediaCaptureEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'fhir-media-capture': FhirMediaCaptureElement;
  }
}
