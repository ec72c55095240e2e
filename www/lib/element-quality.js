// Retake guidance in <fhir-media-capture>: what a prepared photo's `warnings` (blurred, too
// dark, burnt out; measured by the wasm pipeline) say on its card, and a live hint under
// the camera preview ("hold still", "more light") from the same measures on a small frame
// a little more than once a second, measured in the prepare worker, never on the page's
// main thread. Advice only: nothing here stops a photo from being uploaded.

/** The warning codes, in the order they are shown. */
const CODES = ['blurry', 'too-dark', 'too-bright'];

/** The card's notice for a prepared photo: its warnings in plain words, or '' when none. */
export function qualityNotice(prepared, t) {
  const codes = CODES.filter((code) => prepared?.warnings?.includes(code));
  if (!codes.length) return '';
  return [...codes.map((code) => t[`quality.${code}`]), t.qualityAdvice].join(' ');
}

/** The first warning's hint for the camera view, or '' when the frame looks fine. */
export function hintText(warnings, t) {
  const code = CODES.find((c) => warnings?.includes(c));
  return code ? t[`hint.${code}`] : '';
}

/** Frames are this wide for the hint: enough to see shake and light, cheap to measure. */
const FRAME_WIDTH = 640;
const INTERVAL_MS = 800;

/**
 * While started, measures a frame of `video` every INTERVAL_MS through `measure(bitmap)`
 * (the worker; resolves with `{ warnings }`) and calls `show(warnings)` when the verdict
 * changes and held for two frames in a row, so a single shaky frame does not flicker.
 */
export class LiveHint {
  #video;
  #measure;
  #show;
  #timer = null;
  #busy = false;
  #last = null;
  #shown = '';

  constructor(video, measure, show) {
    this.#video = video;
    this.#measure = measure;
    this.#show = show;
  }

  start() {
    this.stop();
    this.#timer = setInterval(() => this.#tick(), INTERVAL_MS);
  }

  stop() {
    clearInterval(this.#timer);
    this.#timer = null;
    this.#last = null;
    if (this.#shown) this.#show([]);
    this.#shown = '';
  }

  async #tick() {
    const video = this.#video;
    if (this.#busy || video.readyState < 2 || !video.videoWidth || typeof createImageBitmap !== 'function') return;
    this.#busy = true;
    try {
      const width = Math.min(FRAME_WIDTH, video.videoWidth);
      const height = Math.max(1, Math.round((video.videoHeight * width) / video.videoWidth));
      const bitmap = await createImageBitmap(video, { resizeWidth: width, resizeHeight: height, resizeQuality: 'medium' });
      const { warnings } = await this.#measure(bitmap);
      if (this.#timer === null) return;
      const verdict = warnings.join(' ');
      if (verdict === this.#last && verdict !== this.#shown) {
        this.#shown = verdict;
        this.#show(warnings);
      }
      this.#last = verdict;
    } catch {
      // A frame that cannot be grabbed or measured (camera switching, worker restarting)
      // gives no hint; the next one tries again.
    } finally {
      this.#busy = false;
    }
  }
}
