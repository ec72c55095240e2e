// A strict TypeScript app as a user writes it: every public export, every option (as
// `Required<…>`, so a new option fails here until it is used), every element attribute,
// property and event, the tag in HTMLElementTagNameMap and in React's JSX. Compiled by
// `tsc -p tests/types` in `npm test` (scripts/check-package.sh); it is never run.
import {
  FhirError,
  MediaClient,
  MediaError,
  UploadQueue,
  prepareMedia,
  ready,
  type CreateOptions,
  type CreatedMedia,
  type ItemSnapshot,
  type Media,
  type MediaClientOptions,
  type MediaErrorCode,
  type MediaPage,
  type PrepareOptions,
  type PreparedMedia,
  type QualityWarning,
  type QueueCommand,
  type QueueCore,
  type QueueCoreOptions,
  type QueueItemInput,
  type QueueItemState,
  type QueueOutcome,
  type SearchOptions,
  type SourceInfo,
  type Timings,
  type TokenSource,
  type UploadCreatedEventDetail,
  type UploadExpiredEventDetail,
  type UploadItem,
  type UploadProgressEventDetail,
  type UploadQueueOptions,
  type UploadState,
  type UploadStorageErrorEventDetail,
} from 'fhir-media-capture';
import {
  FhirMediaCaptureElement,
  type ElementQueueOptions,
  type FhirMediaCaptureAttributes,
  type FhirMediaCaptureEvents,
  type FhirMediaCaptureStrings,
  type MediaExpiredDetail,
  type MediaCreatedDetail,
  type MediaPreparedDetail,
  type QueuedPhoto,
  type StorageErrorDetail,
  type UploadProgressDetail,
} from 'fhir-media-capture/element';
import type { FhirMediaCaptureProps } from 'fhir-media-capture/react';

const prepareOptions: Required<PrepareOptions> = {
  maxDimension: 2048,
  maxBytes: 2_000_000,
  quality: 0.85,
  format: 'auto',
  subject: 'Patient/1',
  encounter: 'Encounter/2',
  operator: 'Practitioner/3',
  status: 'completed',
  title: 'Left forearm',
  notes: ['Note #1'],
  identifier: 'urn:uuid:0d6c1a0e-4e7b-4a43-9a8e-3f7bd7f0b0a1',
  maxInputBytes: 50_000_000,
  maxPixels: 100_000_000,
  progressive: true,
  heic: 'keep',
  checks: { minSharpness: 0.3, maxClippedBright: 0.1 },
};

const token: TokenSource = async ({ refresh }) => (refresh ? 'fresh-token' : 'token');
const clientOptions: Required<MediaClientOptions> = { baseUrl: 'https://fhir.example', token };
const coreOptions: Required<QueueCoreOptions> = {
  maxParallel: 3,
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  seed: 1,
  echoesIdentifiers: true,
  reconcileDelayMs: 2000,
};

async function useApi(file: Blob): Promise<void> {
  await ready();
  const prepared: PreparedMedia = await prepareMedia(file, prepareOptions);
  const media: Media = prepared.resource;
  const timings: Timings = prepared.timings;
  const source: SourceInfo = prepared.source;
  const sizes: number[] = [prepared.width, prepared.height, prepared.bytes, prepared.encodes, timings.total, source.orientation];
  const quality: number | null = prepared.quality;
  const warnings: QualityWarning[] = prepared.warnings;
  const sharpness: number | undefined = prepared.metrics?.sharpness;
  const checksMs: number = timings.checks;

  const client = new MediaClient(clientOptions);
  const controller = new AbortController();
  const createOptions: Required<CreateOptions> = { onProgress: (loaded, total) => void [loaded, total], signal: controller.signal };
  const created: CreatedMedia = await client.create(media, createOptions);
  const read: Media = await client.read(created.id);
  const searchOptions: Required<SearchOptions> = { patient: 'Patient/1', count: 10, offset: 0 };
  const page: MediaPage = await client.search(searchOptions);
  const next: MediaPage | null = page.hasNext ? await page.next() : null;
  const all: Media[] = await client.searchAll(searchOptions);
  const blob: Blob = await client.fetchContent(read);
  page.free();
  client.free();

  const queueOptions: Required<UploadQueueOptions> = {
    ...coreOptions,
    client,
    baseUrl: 'https://fhir.example',
    owner: 'Practitioner/3',
    storage: true,
    createTimeoutMs: 120_000,
    expireAfterMs: 7 * 24 * 60 * 60 * 1000,
  };
  const queue = new UploadQueue(queueOptions);
  queue.addEventListener('change', (e) => void (e.detail satisfies UploadItem));
  queue.addEventListener('progress', (e) => void (e.detail satisfies UploadProgressEventDetail));
  queue.addEventListener('created', (e) => void (e.detail satisfies UploadCreatedEventDetail));
  queue.addEventListener('storage-error', (e) => void (e.detail satisfies UploadStorageErrorEventDetail));
  queue.addEventListener('expired', (e) => {
    if ((e.detail satisfies UploadExpiredEventDetail).snapshot.patient === 'Patient/1') e.preventDefault();
  });
  const restored: string[] = [...(await queue.restore()), ...(await queue.restore({ patient: 'Patient/1' }))];
  const id = await queue.add(prepared, { patient: 'Patient/1' });
  const item: UploadItem | undefined = queue.item(id);
  const state: UploadState | undefined = item?.state;
  const resource: Media | undefined = queue.resource(id);
  const progress = queue.progress(id);
  const error: FhirError | Error | undefined = queue.error(id);
  queue.retry(id);
  queue.resolveReview(id, 'send');
  const removed: boolean = queue.remove(id);
  queue.pause();
  queue.resume();
  const running: boolean = queue.running && queue.baseUrl.length > 0 && queue.owner !== '';
  const inFlight: string[] = await queue.clear();
  await queue.close();
  await UploadQueue.clearAll();
  void [sizes, quality, warnings, sharpness, checksMs, created.location, next, all, blob, restored, queue.items(), state, resource, progress, error, removed, running, inFlight];

  try {
    await prepareMedia(new Uint8Array(), { subject: 'Patient/1' });
  } catch (err) {
    if (err instanceof MediaError) {
      const code: MediaErrorCode = err.code;
      void code;
    } else if (err instanceof FhirError) {
      const parts: [number, string, string, unknown, number | undefined] = [err.status, err.code, err.text, err.outcome, err.retryAfterMs];
      void parts;
    }
  }
  void new MediaError('corrupt-image', 'broken');
  void new FhirError(400, 'invalid', 'bad request');
}

/** The queue core's protocol types, as a driver written against them sees them. */
function useCore(core: QueueCore, input: QueueItemInput): void {
  core.add(input, Date.now());
  const commands: QueueCommand[] = core.poll(Date.now());
  for (const command of commands) {
    const outcome: QueueOutcome =
      command.kind === 'create' ? { kind: 'created', mediaId: 'm1' } : { kind: 'reconciled', found: [] };
    core.settle(command.id, outcome, Date.now());
  }
  const snapshot: ItemSnapshot | undefined = core.item(input.id);
  const state: QueueItemState | undefined = snapshot?.state;
  void state;
}

function useElement(): void {
  // The tag is in HTMLElementTagNameMap: createElement and querySelector are typed.
  const el: FhirMediaCaptureElement = document.createElement('fhir-media-capture');
  const found: FhirMediaCaptureElement | null = document.querySelector('fhir-media-capture');
  const attributes: Required<FhirMediaCaptureAttributes> = {
    'base-url': 'https://fhir.example',
    patient: 'Patient/1',
    encounter: 'Encounter/2',
    operator: 'Practitioner/3',
    owner: 'Practitioner/3',
    'max-dimension': '1600',
    'max-bytes': '1500000',
    heic: 'keep',
    'max-pixels': '50000000',
    locale: 'es',
  };
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  const observed: readonly (keyof FhirMediaCaptureAttributes)[] = FhirMediaCaptureElement.observedAttributes;

  el.token = token;
  el.token = 'a-token';
  el.token = null;
  const strings: Partial<FhirMediaCaptureStrings> = { upload: 'Send' };
  el.strings = strings;
  el.baseUrl = 'https://fhir.example';
  el.patient = 'Patient/1';
  el.encounter = 'Encounter/2';
  el.operator = 'Practitioner/3';
  el.owner = 'Practitioner/3';
  el.locale = 'en';
  const queueOptions: Required<ElementQueueOptions> = { ...coreOptions, storage: false, createTimeoutMs: 60_000, expireAfterMs: Infinity };
  el.queueOptions = queueOptions;
  const queue: UploadQueue | null = el.queue;
  const photos: QueuedPhoto[] = el.items;
  el.addFiles([new Blob([])]);
  el.uploadAll();
  void el.refreshGallery();

  // Every event, with its typed detail (removeEventListener takes the same listener).
  const listeners: { [K in keyof FhirMediaCaptureEvents]: (event: FhirMediaCaptureEvents[K]) => void } = {
    'media-prepared': (e) => void (e.detail satisfies MediaPreparedDetail),
    'upload-progress': (e) => void (e.detail satisfies UploadProgressDetail),
    'media-created': (e) => void (e.detail satisfies MediaCreatedDetail),
    'media-error': (e) => void (e.detail satisfies MediaError | FhirError | Error),
    'storage-error': (e) => void (e.detail satisfies StorageErrorDetail),
    'media-expired': (e) => void (e.detail satisfies MediaExpiredDetail),
  };
  el.addEventListener('media-prepared', listeners['media-prepared']);
  el.addEventListener('upload-progress', listeners['upload-progress']);
  el.addEventListener('media-created', listeners['media-created']);
  el.addEventListener('media-error', listeners['media-error']);
  el.addEventListener('storage-error', listeners['storage-error']);
  el.addEventListener('media-expired', listeners['media-expired']);
  el.removeEventListener('media-created', listeners['media-created']);
  el.addEventListener('click', (e) => void (e satisfies MouseEvent));
  void [found, observed, queue, photos];
}

/** React 19: attributes, properties and events on the tag. */
export function Capture({ onCreated }: { onCreated: (id: string) => void }) {
  const props: FhirMediaCaptureProps = { patient: 'Patient/1' };
  return (
    <fhir-media-capture
      {...props}
      base-url="https://fhir.example"
      encounter="Encounter/2"
      operator="Practitioner/3"
      max-dimension="1600"
      max-bytes="1500000"
      locale="es"
      token={token}
      strings={{ upload: 'Send' }}
      queueOptions={{ maxParallel: 1 }}
      onmedia-prepared={(e) => void (e.detail.prepared satisfies PreparedMedia)}
      onupload-progress={(e) => void (e.detail.loaded satisfies number)}
      onmedia-created={(e) => onCreated(e.detail.id)}
      onmedia-error={(e) => void (e.detail.message satisfies string)}
      onstorage-error={(e) => void (e.detail.key satisfies number | null)}
      onmedia-expired={(e) => e.preventDefault()}
    />
  );
}

export { useApi, useCore, useElement };
