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
}

/** Milliseconds spent in each stage. */
export interface Timings {
  decode: number;
  orient: number;
  resize: number;
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
  contentType: 'image/jpeg' | 'image/png';
  /** Pixel size of the encoded image, after orientation. */
  width: number;
  height: number;
  /** Encoded image size in bytes (before base64). */
  bytes: number;
  /** JPEG quality the byte budget settled on (0–1); null for PNG. */
  quality: number | null;
  /** How many encodes the byte budget needed. */
  encodes: number;
  source: SourceInfo;
  timings: Timings;
}

export type MediaErrorCode =
  | 'unsupported-format'
  | 'corrupt-image'
  | 'too-large'
  | 'too-many-pixels'
  | 'heic-not-decodable'
  | 'invalid-options';

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

/** The FHIR client (coming): undefined until the wasm build exports it. */
export const MediaClient: unknown;
