// HEIC in <fhir-media-capture>: the `heic` attribute and the fallback to keep mode. With
// heic="keep" a HEIC/HEIF photo is sent as the original file, its Exif and XMP blanked
// (prepareMedia's `heic: 'keep'`). Otherwise it is converted like any photo, and when no
// decoder here can read it (the pipeline's `heic-not-decodable`) it is sent kept instead,
// and the card says so: this is the one place that decides that fallback.

/** The card notices (keys of i18n.js): why a photo is a kept HEIC. */
export const HEIC_KEPT = 'heicKept';
export const HEIC_FALLBACK = 'heicFallback';

/** prepareMedia's `heic` option for the element `host`: `keep` when heic="keep". */
export function heicOption(host) {
  return host?.getAttribute?.('heic')?.trim().toLowerCase() === 'keep' ? 'keep' : 'convert';
}

/**
 * Run `prepare(options)` (one photo through the worker) with the host's `heic` option; a
 * photo refused as `heic-not-decodable` is prepared again in keep mode. Resolves with what
 * `prepare` did, plus `notice` (HEIC_KEPT, HEIC_FALLBACK or null) for the card.
 */
export async function prepareHeic(host, options, prepare) {
  const heic = heicOption(host);
  try {
    const out = await prepare({ ...options, heic });
    return { ...out, notice: out.prepared?.contentType === 'image/heic' ? HEIC_KEPT : null };
  } catch (err) {
    if (err?.code !== 'heic-not-decodable' || heic === 'keep') throw err;
    const out = await prepare({ ...options, heic: 'keep' });
    return { ...out, notice: HEIC_FALLBACK };
  }
}

/** Whether a Media's image is a kept HEIC (most browsers cannot show it). */
export function isHeic(contentType) {
  return contentType === 'image/heic';
}
