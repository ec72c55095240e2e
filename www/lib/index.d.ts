// Type declarations for the public API of `fhir-media-capture` (DESIGN §2).

/** A FHIR R4 Reference, e.g. `{ reference: 'Patient/123' }`. */
export interface Reference {
  reference?: string;
  type?: string;
}

/** A FHIR R4 Attachment. On create `data` is standard base64 with no `data:` prefix. */
export interface Attachment {
  contentType?: 'image/jpeg' | 'image/png' | 'image/heic' | (string & {});
  data?: string;
  url?: string;
  title?: string;
}

export interface Annotation {
  text: string;
}

export interface Identifier {
  system?: string;
  value?: string;
}

/** The FHIR R4 Media resource as Canvas accepts it on create. */
export interface Media {
  resourceType: 'Media';
  id?: string;
  identifier?: Identifier[];
  status: 'completed' | 'entered-in-error' | (string & {});
  subject: Reference;
  encounter?: Reference;
  operator?: Reference;
  content: Attachment;
  note?: Annotation[];
  /** Elements the server sends that the types above do not name. */
  [element: string]: unknown;
}

export interface PrepareOptions {
  /** Longest side after orientation, px. Default 2048. */
  maxDimension?: number;
  /** Encoded image bytes (before base64). Default 2,000,000. */
  maxBytes?: number;
  /** Starting JPEG quality, 0 < q ≤ 1. Default 0.85. */
  quality?: number;
  /** Output encoding. 'auto' = JPEG unless the image has real transparency. Default 'auto'. */
  format?: 'auto' | 'jpeg' | 'png';
  /** Required: `Patient/<id>`. */
  subject: string;
  /** `Encounter/<id>`: the image goes into that encounter's note. */
  encounter?: string;
  /** `Practitioner/<id>` or `Patient/<id>`, shown as Originator. */
  operator?: string;
  /** Default 'completed'. */
  status?: 'completed' | 'entered-in-error';
  /** Media.content.title. */
  title?: string;
  /** Media.note texts, shown as comments on the image. */
  notes?: string[];
  /** A client-side identifier value for the Media (used to avoid duplicates). */
  identifier?: string;
  /** Inputs larger than this are rejected with `too-large`. Default 50,000,000. */
  maxInputBytes?: number;
  /** Inputs with more pixels than this are rejected with `too-many-pixels`. Default 100,000,000. */
  maxPixels?: number;
  /**
   * Progressive JPEG (successive approximation): the same pixels as baseline, fewer bytes,
   * shown coarse-to-fine while loading. `false` writes baseline JPEG. Default true.
   */
  progressive?: boolean;
  /**
   * What happens to a HEIC/HEIF photo. 'convert' (default): converted like any photo, or
   * refused with `heic-not-decodable` where it cannot be decoded. 'keep': sent as the
   * original file (`image/heic`) with its Exif and XMP items blanked in place (GPS,
   * camera, dates): no decoding, resizing or transcoding, and `maxBytes` does not apply
   * (`maxInputBytes` does). Other formats are prepared as usual either way.
   */
  heic?: 'convert' | 'keep';
  /**
   * Retake checks on the picture as it is sent: blur and exposure (`warnings`, `metrics`).
   * `true` (the default) uses the calibrated thresholds, an object overrides some of them,
   * `false` skips the checks (then `warnings` is empty and `metrics` null).
   */
  checks?: boolean | QualityThresholds;
}

/** When the retake checks warn; each 0–1. Defaults in README "Retake checks". */
export interface QualityThresholds {
  /** `blurry` when `sharpness` is below this. */
  minSharpness?: number;
  /** `too-dark` when `brightness` is below this… */
  minBrightness?: number;
  /** …or `clippedDark` above this. */
  maxClippedDark?: number;
  /** `too-bright` when `brightness` is above this… */
  maxBrightness?: number;
  /** …or `clippedBright` above this. */
  maxClippedBright?: number;
}

/** A reason to retake a photo. */
export type QualityWarning = 'blurry' | 'too-dark' | 'too-bright';

/** What the retake checks measured, each 0–1. */
export interface QualityMetrics {
  /** 1 sharp … 0 smeared: the share of fine detail a further blur would remove, in the
   *  sharpest parts of the picture (1 when nothing in it has edges to judge). */
  sharpness: number;
  /** Mean luma, 0 black … 1 white. */
  brightness: number;
  /** Share of pixels crushed to black. */
  clippedDark: number;
  /** Share of pixels blown to white. */
  clippedBright: number;
}

/** Milliseconds spent in each stage. */
export interface Timings {
  decode: number;
  orient: number;
  resize: number;
  /** The retake checks (0 when off). */
  checks: number;
  encode: number;
  total: number;
}

/** What the input was, before it was touched. */
export interface SourceInfo {
  format: 'jpeg' | 'png' | 'heif' | 'webp' | 'gif' | 'bmp' | 'tiff';
  width: number;
  height: number;
  bytes: number;
  /** EXIF orientation 1–8 (1 when absent). */
  orientation: number;
}

export interface PreparedMedia {
  /** The FHIR Media JSON, ready to POST. */
  resource: Media;
  /** 'image/heic' only for a HEIC kept as it is (`heic: 'keep'`). */
  contentType: 'image/jpeg' | 'image/png' | 'image/heic';
  /**
   * Pixel size of the encoded image, after orientation. A kept HEIC: its primary image's
   * size as the file states it (its `ispe`, turned by its `irot`), 0 when it does not.
   */
  width: number;
  height: number;
  /** Encoded image size in bytes (before base64). */
  bytes: number;
  /** JPEG quality the byte budget settled on (0–1); null for PNG and a kept HEIC. */
  quality: number | null;
  /** How many encodes the byte budget needed. */
  encodes: number;
  source: SourceInfo;
  /** Reasons to retake the photo, in this order; empty when fine (or `checks: false`).
   *  Advice only: the photo is prepared and may be uploaded all the same. */
  warnings: QualityWarning[];
  /** What the checks measured; null with `checks: false`. */
  metrics: QualityMetrics | null;
  timings: Timings;
}

/** `queue-misuse`: an upload-queue call its item's state does not allow (an unknown id,
 *  settling an item that was not polled, retrying one that has not failed); the rest
 *  are prepareMedia's and the options'. */
export type MediaErrorCode =
  | 'unsupported-format'
  | 'corrupt-image'
  | 'too-large'
  | 'too-many-pixels'
  | 'heic-not-decodable'
  | 'invalid-options'
  | 'queue-misuse'
  /** <fhir-media-capture> only: preparing one photo took longer than `prepareTimeoutMs`. */
  | 'timed-out'
  /** <fhir-media-capture> only: the pipeline stopped unexpectedly (a wasm trap); the next
   *  photo gets a fresh worker. */
  | 'prepare-failed';

/** An input or pipeline failure. */
export class MediaError extends Error {
  constructor(code: MediaErrorCode, message?: string, options?: ErrorOptions);
  readonly name: 'MediaError';
  code: MediaErrorCode;
}

/** A failed FHIR request, from the HTTP status and the server's OperationOutcome. */
export class FhirError extends Error {
  constructor(status: number, code: string, text: string, outcome?: unknown, options?: ErrorOptions);
  readonly name: 'FhirError';
  status: number;
  code: string;
  text: string;
  outcome?: unknown;
}

/** Decode, orient, downsize and encode a photo, and wrap it as a FHIR R4 Media. */
export function prepareMedia(
  input: Blob | ArrayBuffer | Uint8Array,
  options: PrepareOptions,
): Promise<PreparedMedia>;

/**
 * The access token, or a function that returns it (sync or async). The function is
 * called before each request; after a 401 it is called once more with
 * `refresh: true` and the request is retried once.
 */
export type TokenSource = string | ((context: { refresh: boolean }) => string | Promise<string>);

export interface MediaClientOptions {
  /** The FHIR base, e.g. `https://fumage-<instance>.canvasmedical.com`. https only; http is
   *  allowed for localhost, 127.0.0.1 and [::1]. Trailing slashes are dropped. */
  baseUrl: string;
  token: TokenSource;
}

export interface CreateOptions {
  /** Upload progress in bytes of the request body; the last call has `loaded === total`. */
  onProgress?: (loaded: number, total: number) => void;
  /** Aborting rejects the create with `signal.reason` (an `AbortError` DOMException by default). */
  signal?: AbortSignal;
}

export interface CreatedMedia {
  /** The new Media's id, from the `Location` header. */
  id: string;
  /** The `Location` header as an absolute URL. */
  location: string;
}

export interface SearchOptions {
  /** `Patient/<id>` or a bare id. */
  patient: string;
  /** Page size, 1–100. Default: the server's (10) for `search`, 100 for `searchAll`. */
  count?: number;
  /** Items to skip. Default 0. */
  offset?: number;
}

/** One page of search results. */
export interface MediaPage {
  /** Matches in all (Bundle.total), when the server says. */
  readonly total: number | undefined;
  /** The Media on this page; reads carry `content.url`, never `content.data`. */
  readonly entries: Media[];
  readonly hasNext: boolean;
  /** The next page, or null after the last one. */
  next(): Promise<MediaPage | null>;
  /** Frees the wasm-side page now instead of at garbage collection. */
  free(): void;
}

/**
 * The Canvas FHIR Media API. Creates on one encounter are serialized within a client
 * (Canvas refuses concurrent creates on one encounter). Failed requests reject with a
 * `FhirError` (status 0, code 'network' when there was no answer; code 'redirected' when
 * the server redirected a create, which is never sent again); bad arguments with a
 * `MediaError` 'invalid-options' naming the field.
 */
/**
 * Resolves once the main wasm module (prepareMedia, MediaClient, UploadQueue) is
 * instantiated (otherwise it loads on first use). The codecs module (PNG, WebP, GIF, BMP
 * input; PNG output) loads when a photo first needs it.
 */
export function ready(): Promise<void>;

export class MediaClient {
  /**
   * Usable at once; methods wait for the main wasm module. Bad options (`MediaError`
   * 'invalid-options', `field` 'baseUrl' or 'token') throw here once the module is
   * ready (after `ready()`, `prepareMedia`, or any MediaClient or UploadQueue has used it), else they
   * reject the first call.
   */
  constructor(options: MediaClientOptions);
  /** The normalised base URL; undefined until the main wasm module is ready. */
  readonly baseUrl: string | undefined;
  /** `POST /Media`; resolves on 201 Created. */
  create(resource: Media, options?: CreateOptions): Promise<CreatedMedia>;
  /** `GET /Media/{id}`. */
  read(id: string): Promise<Media>;
  /** `GET /Media?patient=…`: the first page. */
  search(options: SearchOptions): Promise<MediaPage>;
  /** Every page of a search, as one list. */
  searchAll(options: SearchOptions): Promise<Media[]>;
  /**
   * The image behind `media.content.url` (the token is sent only to the base URL's origin),
   * typed by its bytes as image/jpeg, image/png or image/heic whatever the server said;
   * anything else (an SVG, HTML) rejects with a FhirError and never reaches the page.
   */
  fetchContent(media: Media): Promise<Blob>;
  free(): void;
}

// ---- Upload queue (www/lib/queue.js). The scheduling rules are QueueCore's (below).

/** Where an item is. `retrying` waits for `retryAtMs`; `failed` and `needs-review` wait for you. */
/** An item's state (the same as QueueCore's). */
export type UploadState = QueueItemState;

/** One queued item as QueueCore sees it (persisted as is, with the resource, never the
 *  token): QueueCore's ItemSnapshot, below. `id` is the uuid of its `urn:uuid:` identifier;
 *  `attempts` counts failed tries; `retryAtMs` is when a `retrying` item is due (epoch ms). */
export type UploadItem = ItemSnapshot;

/** QueueCore's options (maxParallel, maxAttempts, baseDelayMs, maxDelayMs, seed,
 *  echoesIdentifiers, reconcileDelayMs; see QueueCoreOptions below) plus these. An
 *  `echoesIdentifiers` left out is learnt and remembered per base URL. Any other name is
 *  refused (MediaError 'invalid-options'): `add()` and `restore()` reject with it. */
export interface UploadQueueOptions extends QueueCoreOptions {
  /** The client the queue uploads and searches with (its token is never stored). */
  client: MediaClient;
  /** The FHIR base the items belong to (persisted items are per base URL). Default: `client.baseUrl`. */
  baseUrl?: string;
  /**
   * The user or session the queued photos belong to (e.g. the signed-in practitioner's id):
   * stored with each item, and `restore()` takes only this owner's items, so on a shared
   * workstation one user's photos are never shown to, or sent by, the next. Default null.
   */
  owner?: string | null;
  /** Keep items in IndexedDB (database `fhir-media-capture`) across reloads. Default true. */
  storage?: boolean;
  /** A create with no answer after this long is aborted and treated as "outcome unknown". Default 120000. */
  createTimeoutMs?: number;
  /**
   * A stored item queued longer ago than this (ms) is reported by a cancelable `expired`
   * event when restored, and deleted unless the listener calls preventDefault().
   * Default 7 days; Infinity keeps items for ever.
   */
  expireAfterMs?: number;
}

export interface UploadProgressEventDetail { id: string; loaded: number; total: number }
export interface UploadCreatedEventDetail {
  id: string;
  mediaId: string;
  resource: Media;
  /** True when the Media was found by reconciliation (the create's answer was lost). */
  reconciled: boolean;
}
export interface UploadExpiredEventDetail {
  id: string;
  snapshot: UploadItem;
  resource: Media;
}
export interface UploadStorageErrorEventDetail {
  /** The item whose write failed, or null. */
  id: string | null;
  /** The IndexedDB error, e.g. a `QuotaExceededError` DOMException. The upload goes on in memory. */
  error: unknown;
}

/**
 * Uploads prepared Media: one create at a time per encounter (FIFO), up to `maxParallel`
 * across encounters; retries with backoff; never posts an item whose last attempt has an
 * unknown outcome before searching for it; kept in IndexedDB across reloads. See README
 * "Upload queue" for the exact guarantee.
 */
export class UploadQueue extends EventTarget {
  constructor(options: UploadQueueOptions);
  readonly baseUrl: string;
  /** The user or session this queue's items belong to (null: none set). */
  readonly owner: string | null;
  /** False while offline or paused. */
  readonly running: boolean;
  /** Queue a prepared photo or a Media; resolves with the item id once it is queued and stored. */
  add(media: PreparedMedia | Media, options?: { patient?: string }): Promise<string>;
  /**
   * Take over the persisted items of this base URL and owner (and, with `patient`, of that
   * patient), not those another tab holds, and resume them.
   */
  restore(options?: { patient?: string }): Promise<string[]>;
  items(): UploadItem[];
  item(id: string): UploadItem | undefined;
  /** The Media as it is sent. */
  resource(id: string): Media | undefined;
  /** Bytes of the current attempt sent so far. */
  progress(id: string): { loaded: number; total: number } | undefined;
  /** The last request error of the item. */
  error(id: string): FhirError | Error | undefined;
  /** `failed` → `waiting`. */
  retry(id: string): void;
  /** For a `needs-review` item: post it anyway, or give it up. */
  resolveReview(id: string, action: 'send' | 'discard'): void;
  /** Drop an item (and its stored copy); false while its request is in flight. */
  remove(id: string): boolean;
  /** Hold back every request until `resume()` (offline does the same by itself). */
  pause(): void;
  resume(): void;
  /** Remove every item not in flight, from memory and storage; resolves with the ids in flight, which stay. */
  clear(): Promise<string[]>;
  /**
   * Logout on a shared device: delete every stored photo of every user and server (the
   * IndexedDB database). Close the page's queues first.
   */
  static clearAll(): Promise<void>;
  /** Abort requests in flight (they stay stored, to be reconciled on the next restore), release locks and storage. */
  close(): Promise<void>;

  addEventListener(type: 'change', listener: (event: CustomEvent<UploadItem>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: 'progress', listener: (event: CustomEvent<UploadProgressEventDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: 'created', listener: (event: CustomEvent<UploadCreatedEventDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: 'storage-error', listener: (event: CustomEvent<UploadStorageErrorEventDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  /** Cancelable: preventDefault() keeps the expired item. */
  addEventListener(type: 'expired', listener: (event: CustomEvent<UploadExpiredEventDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}

// ---- QueueCore (src/web/queue.rs) and FhirError.retryAfterMs — begin ----------------
// The upload queue's scheduler, a plain state machine in the wasm (`new QueueCore(…)` from
// the wasm glue; UploadQueue above drives it). It never reads a clock: every time is a
// `Date.now()`-style number passed in. Bad arguments throw a `MediaError`
// 'invalid-options' whose `field` names the culprit; a call the item's state does not
// allow throws a `MediaError` 'queue-misuse'.

export interface FhirError {
  /** The answer's `Retry-After` (delay-seconds or HTTP-date) in ms from when it came; undefined without one. */
  retryAfterMs?: number;
}

/** Unknown names are refused (MediaError 'invalid-options' naming it). */
export interface QueueCoreOptions {
  /** Requests (creates + reconciliation searches) in flight at once. Default 3. */
  maxParallel?: number;
  /** Failed tries before an item is `failed`. Default 8. */
  maxAttempts?: number;
  /** Backoff after the n-th failed try: `baseDelayMs * 2^(n-1)`, capped, half of it random. Default 1000. */
  baseDelayMs?: number;
  /** Cap of the backoff (a longer Retry-After still wins). Default 300000. */
  maxDelayMs?: number;
  /** Jitter seed; random when left out. */
  seed?: number;
  /** Preset for what searches teach: does the server keep Media.identifier? */
  echoesIdentifiers?: boolean;
  /** Least wait between an unclear create answer (or a reload mid-create) and the search. Default 5000. */
  reconcileDelayMs?: number;
}

export interface QueueItemInput {
  id: string;
  encounter?: string | null;
  patient: string;
  /** The Media's identifier value (`urn:uuid:…`, system `urn:ietf:rfc:3986`). */
  identifier: string;
  title?: string | null;
  notes?: string[];
  contentType: string;
}

export type QueueItemState = 'waiting' | 'uploading' | 'reconciling' | 'retrying' | 'done' | 'failed' | 'needs-review';

export interface ItemSnapshot {
  /** The uuid of the item's `urn:uuid:` identifier (UploadQueue's ids). */
  id: string;
  encounter: string | null;
  patient: string;
  identifier: string;
  /** Trimmed; blank is null (as prepareMedia writes it). */
  title: string | null;
  /** Trimmed, blanks dropped. */
  notes: string[];
  contentType: string;
  state: QueueItemState;
  /** Failed tries since it was added (or retried by hand). */
  attempts: number;
  /** When a `retrying` item is due (epoch ms). */
  retryAtMs: number | null;
  /** The last create may have been stored: the next command is a reconcile. */
  needsReconcile: boolean;
  /** Some create got no clear answer and no search has found it yet: it may still land. A
   *  refusal then is final only after a search, and a 422 on an encounter is retried. */
  uncertain: boolean;
  /** The created Media's id, once `done`. */
  mediaId: string | null;
  /** The last failure: HTTP status (0 = no answer) and the server's text. */
  error: { status: number; text: string } | null;
  /** Ids of same-content Media the patient had just before the last create (non-echoing servers). */
  baselineIds: string[] | null;
  addedAtMs: number;
  /** A request for it is out (uploading, reconciling): it cannot be removed. */
  inFlight: boolean;
  /** Still on its way to the server (waiting, uploading, reconciling, retrying). */
  pending: boolean;
  /** Stopped until `retry` (failed). */
  retryable: boolean;
}

export type QueueCommand =
  | { kind: 'create'; id: string; /** Search the patient and call setBaseline before posting. */ captureBaseline: boolean }
  | { kind: 'reconcile'; id: string };

export type QueueOutcome =
  | { kind: 'created'; mediaId: string }
  /** status 0 = no answer (network, timeout). 503/429/408 retry; 0/5xx reconcile first; other 4xx fail. */
  | { kind: 'http'; status: number; text: string; retryAfterMs?: number }
  /** Every Media of the patient (all pages). */
  | { kind: 'reconciled'; found: Media[] }
  | { kind: 'reconcileFailed'; status: number; text: string; retryAfterMs?: number };

/**
 * One create or reconcile in flight per encounter, in add order; at most `maxParallel`
 * overall; none started while offline. A create whose outcome is unknown is never
 * followed by another create before a reconcile says "not created" (or a person says
 * 'send').
 */
export interface QueueCore {
  /** Fields beyond QueueItemInput's are ignored. A duplicate id, or a missing id/patient/identifier/contentType, throws. */
  add(item: QueueItemInput, nowMs: number): void;
  /** A persisted snapshot; one that was uploading/reconciling comes back `retrying`, due after `reconcileDelayMs`, to reconcile. */
  restore(snapshot: ItemSnapshot, nowMs: number): void;
  /** The commands to start now; each item is then in flight until `settle`. */
  poll(nowMs: number): QueueCommand[];
  /** Only for an item in flight (uploading: created/http; reconciling: reconciled/reconcileFailed). */
  settle(id: string, outcome: QueueOutcome, nowMs: number): void;
  /** For a `captureBaseline` create, before the post (the item is uploading). */
  setBaseline(id: string, found: Media[]): void;
  setOnline(online: boolean): void;
  /** `failed` → `waiting` with fresh attempts (a `retrying` item becomes due now). */
  retry(id: string, nowMs: number): void;
  /** `needs-review` only: 'send' posts without reconciling, 'discard' removes it. */
  resolveReview(id: string, action: 'send' | 'discard', nowMs: number): void;
  /** False (nothing removed) while uploading/reconciling or for an unknown id. */
  remove(id: string): boolean;
  /** The earliest `retryAtMs` among retrying items. */
  nextWakeMs(): number | undefined;
  /** In add order. */
  items(): ItemSnapshot[];
  item(id: string): ItemSnapshot | undefined;
  readonly echoesIdentifiers: boolean | undefined;
  free(): void;
}
// ---- QueueCore and FhirError.retryAfterMs — end -------------------------------------
