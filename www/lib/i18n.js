// The element's user-visible strings: English and Spanish built in. `{name}` marks a
// value filled in at run time. A host page overrides any of them with the `strings`
// property (merged over the locale's).
const en = {
  addPhotos: 'Add photos',
  dropHint: 'Drop photos here, paste them, or use the buttons.',
  choosePhotos: 'Choose photos',
  phoneCamera: 'Phone camera',
  openCamera: 'Open camera',
  cameraRegion: 'Camera',
  cameraPreview: 'Camera preview',
  takePhoto: 'Take photo',
  switchCamera: 'Switch camera',
  closeCamera: 'Close camera',
  cameraOpened: 'Camera open ({facing}).',
  cameraClosed: 'Camera closed.',
  facingBack: 'back camera',
  facingFront: 'front camera',
  cameraError: 'The camera could not be opened: {message}',
  noCamera: 'This browser has no camera access.',
  queueHeading: 'Photos to upload',
  queueEmpty: 'No photos yet.',
  uploadAll: 'Upload all',
  photoN: 'Photo {n}',
  thumbnailAlt: 'Photo {n} as it will be sent, {width} by {height} pixels',
  dimensions: '{width} × {height} px',
  preparing: 'Preparing…',
  prepared: 'Photo {n} ready: {width} × {height} px, {size}.',
  ready: 'Ready to upload',
  title: 'Title',
  note: 'Note',
  upload: 'Upload',
  retry: 'Retry',
  retake: 'Retake',
  remove: 'Remove',
  removed: 'Photo {n} removed.',
  progressLabel: 'Upload progress',
  uploading: 'Uploading… {percent}%',
  uploadingAnnounce: 'Uploading photo {n}.',
  uploaded: 'Uploaded as Media {id}',
  uploadedAnnounce: 'Photo {n} uploaded as Media {id}.',
  queued: 'Waiting to upload…',
  waitingOffline: 'Waiting for the connection…',
  reconciling: 'Checking whether the server already has it…',
  retryingIn: 'Retrying in {seconds} s',
  checkingIn: 'Checking with the server in {seconds} s',
  needsReview: 'This photo may already be in the chart.',
  needsReviewDetail: 'The connection was lost while it was being sent and the server cannot tell. Check the chart, then send it anyway or discard it.',
  reviewAnnounce: 'Photo {n} may already be in the chart: check it, then send it anyway or discard it.',
  send: 'Send anyway',
  discard: 'Discard',
  discarded: 'Photo {n} discarded.',
  restored: 'Restored from an earlier visit',
  restoredAlt: 'Photo {n} as it is being sent',
  offline: 'You are offline. Queued photos are kept and will be sent when the connection is back.',
  backOnline: 'Back online: sending the queued photos.',
  storageError: 'Photos cannot be saved on this device ({message}). Keep this page open until they are uploaded.',
  storageFull: 'the storage is full',
  errorAnnounce: 'Photo {n}: {text}',
  missingSetup: 'Set base-url, patient and a token before uploading.',
  galleryHeading: "Patient's photos",
  galleryEmpty: 'No photos for this patient yet.',
  galleryCount: '{shown} of {total} photos',
  galleryLoaded: 'Gallery: {shown} of {total} photos shown.',
  galleryLoading: 'Loading photos…',
  refresh: 'Refresh',
  loadMore: 'Load more',
  untitled: 'Untitled photo',
  galleryAlt: 'Photo: {title}',
  galleryError: 'The gallery could not be loaded: {text}',
  heicKept: 'Sent as the original HEIC photo; location and camera data removed.',
  heicFallback: 'This browser cannot convert HEIC photos, so the original is sent; location and camera data removed.',
  heicNoPreview: 'HEIC photo (no preview in this browser)',
  'quality.blurry': 'This photo looks blurred: details may not show.',
  'quality.too-dark': 'This photo looks too dark.',
  'quality.too-bright': 'This photo looks too bright: parts are washed out.',
  qualityAdvice: 'Retake it if you can; you can still upload it as it is.',
  'hint.blurry': 'Hold still and let the camera focus.',
  'hint.too-dark': 'More light, please.',
  'hint.too-bright': 'Too bright: avoid direct light or the flash.',
  'error.unsupported-format': 'This file is not an image we can read.',
  'error.corrupt-image': 'This image is damaged or incomplete.',
  'error.too-large': 'This file is too large.',
  'error.timed-out': 'Preparing this photo took too long, so it was stopped. Try again, or choose a smaller photo.',
  'error.prepare-failed': 'This photo could not be prepared. Try again, or choose another photo.',
  'error.too-many-pixels': 'This image has too many pixels.',
  'error.heic-not-decodable': 'This HEIC photo cannot be converted in this browser; choose JPEG or PNG.',
  'error.invalid-options': 'The widget is misconfigured: {message}',
  'error.network': 'The server could not be reached.',
  'error.redirected': 'The server sent the photo on to another address, so the upload was stopped. Ask your administrator to check the server address.',
  'error.http': 'The server refused the upload ({status}): {text}',
};

const es = {
  addPhotos: 'Añadir fotos',
  dropHint: 'Suelte las fotos aquí, péguelas o use los botones.',
  choosePhotos: 'Elegir fotos',
  phoneCamera: 'Cámara del teléfono',
  openCamera: 'Abrir cámara',
  cameraRegion: 'Cámara',
  cameraPreview: 'Vista previa de la cámara',
  takePhoto: 'Tomar foto',
  switchCamera: 'Cambiar de cámara',
  closeCamera: 'Cerrar cámara',
  cameraOpened: 'Cámara abierta ({facing}).',
  cameraClosed: 'Cámara cerrada.',
  facingBack: 'cámara trasera',
  facingFront: 'cámara frontal',
  cameraError: 'No se pudo abrir la cámara: {message}',
  noCamera: 'Este navegador no tiene acceso a la cámara.',
  queueHeading: 'Fotos para subir',
  queueEmpty: 'Todavía no hay fotos.',
  uploadAll: 'Subir todas',
  photoN: 'Foto {n}',
  thumbnailAlt: 'Foto {n} tal como se enviará, {width} por {height} píxeles',
  dimensions: '{width} × {height} px',
  preparing: 'Preparando…',
  prepared: 'Foto {n} lista: {width} × {height} px, {size}.',
  ready: 'Lista para subir',
  title: 'Título',
  note: 'Nota',
  upload: 'Subir',
  retry: 'Reintentar',
  retake: 'Repetir',
  remove: 'Quitar',
  removed: 'Foto {n} quitada.',
  progressLabel: 'Progreso de la subida',
  uploading: 'Subiendo… {percent} %',
  uploadingAnnounce: 'Subiendo la foto {n}.',
  uploaded: 'Subida como Media {id}',
  uploadedAnnounce: 'Foto {n} subida como Media {id}.',
  queued: 'En espera para subir…',
  waitingOffline: 'Esperando la conexión…',
  reconciling: 'Comprobando si el servidor ya la tiene…',
  retryingIn: 'Reintento en {seconds} s',
  checkingIn: 'Comprobación con el servidor en {seconds} s',
  needsReview: 'Es posible que esta foto ya esté en la historia clínica.',
  needsReviewDetail: 'Se perdió la conexión mientras se enviaba y el servidor no permite saberlo. Revise la historia clínica y luego envíela de todos modos o descártela.',
  reviewAnnounce: 'Es posible que la foto {n} ya esté en la historia clínica: revísela y luego envíela de todos modos o descártela.',
  send: 'Enviar de todos modos',
  discard: 'Descartar',
  discarded: 'Foto {n} descartada.',
  restored: 'Recuperada de una visita anterior',
  restoredAlt: 'Foto {n} tal como se está enviando',
  offline: 'No hay conexión. Las fotos en cola se conservan y se enviarán cuando vuelva la conexión.',
  backOnline: 'Conexión recuperada: enviando las fotos en cola.',
  storageError: 'No se pueden guardar las fotos en este dispositivo ({message}). Mantenga esta página abierta hasta que se suban.',
  storageFull: 'el almacenamiento está lleno',
  errorAnnounce: 'Foto {n}: {text}',
  missingSetup: 'Indique base-url, patient y un token antes de subir.',
  galleryHeading: 'Fotos del paciente',
  galleryEmpty: 'Este paciente aún no tiene fotos.',
  galleryCount: '{shown} de {total} fotos',
  galleryLoaded: 'Galería: {shown} de {total} fotos.',
  galleryLoading: 'Cargando fotos…',
  refresh: 'Actualizar',
  loadMore: 'Cargar más',
  untitled: 'Foto sin título',
  galleryAlt: 'Foto: {title}',
  galleryError: 'No se pudo cargar la galería: {text}',
  heicKept: 'Se envía la foto HEIC original; se quitaron la ubicación y los datos de la cámara.',
  heicFallback: 'Este navegador no puede convertir fotos HEIC, así que se envía la original; se quitaron la ubicación y los datos de la cámara.',
  heicNoPreview: 'Foto HEIC (sin vista previa en este navegador)',
  'quality.blurry': 'Esta foto parece borrosa: puede que no se vean los detalles.',
  'quality.too-dark': 'Esta foto parece demasiado oscura.',
  'quality.too-bright': 'Esta foto parece demasiado clara: hay partes quemadas.',
  qualityAdvice: 'Repítala si puede; también puede subirla tal como está.',
  'hint.blurry': 'No se mueva y deje que la cámara enfoque.',
  'hint.too-dark': 'Hace falta más luz.',
  'hint.too-bright': 'Demasiada luz: evite la luz directa o el flash.',
  'error.unsupported-format': 'Este archivo no es una imagen que podamos leer.',
  'error.corrupt-image': 'La imagen está dañada o incompleta.',
  'error.too-large': 'El archivo es demasiado grande.',
  'error.timed-out': 'Preparar esta foto tardó demasiado y se detuvo. Inténtelo de nuevo o elija una foto más pequeña.',
  'error.prepare-failed': 'No se pudo preparar esta foto. Inténtelo de nuevo o elija otra foto.',
  'error.too-many-pixels': 'La imagen tiene demasiados píxeles.',
  'error.heic-not-decodable': 'Esta foto HEIC no se puede convertir en este navegador; elija JPEG o PNG.',
  'error.invalid-options': 'El widget está mal configurado: {message}',
  'error.network': 'No se pudo contactar con el servidor.',
  'error.redirected': 'El servidor desvió la foto a otra dirección, así que se detuvo el envío. Pida a su administrador que revise la dirección del servidor.',
  'error.http': 'El servidor rechazó la subida ({status}): {text}',
};

export const locales = { en, es };

/** The strings for `locale` ('es-MX' falls back to 'es', unknown ones to English), with `overrides` on top. */
export function stringsFor(locale, overrides) {
  const base = locales[String(locale || 'en').toLowerCase().split('-')[0]] ?? en;
  return { ...en, ...base, ...overrides };
}

/** Fill `{name}` placeholders from `values`. */
export function format(template, values = {}) {
  return String(template).replace(/\{(\w+)\}/g, (m, key) => (key in values ? String(values[key]) : m));
}

// Intl.NumberFormat is costly to make (the first one of a page loads the locale's data: it
// was the largest script, ~15 ms, in the frame that shows a prepared photo, and pushed that
// frame past 50 ms on a busy machine), so one is kept per locale and warmed at idle time.
const numberFormats = new Map();

function numberFormat(locale) {
  let nf = numberFormats.get(locale);
  if (!nf) {
    try {
      nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    } catch {
      nf = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
    }
    numberFormats.set(locale, nf);
  }
  return nf;
}

/** A byte count for people, "1.2 MB" or "350 KB", in `locale`'s digits. */
export function byteSize(bytes, locale = 'en') {
  const nf = numberFormat(locale);
  return bytes >= 1e6 ? `${nf.format(bytes / 1e6)} MB` : `${nf.format(Math.max(1, Math.round(bytes / 1e3)))} KB`;
}

/** Make `locale`'s number format when the page is idle, ahead of the first photo. */
export function warmByteSize(locale = 'en') {
  const warm = () => numberFormat(locale);
  if (globalThis.requestIdleCallback) globalThis.requestIdleCallback(warm, { timeout: 2000 });
  else setTimeout(warm, 0);
}
