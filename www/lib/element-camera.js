// In-page camera for <fhir-media-capture>: getUserMedia into a <video>, front/back switch,
// and stills at the sensor's size (ImageCapture.takePhoto where available, else the
// current video frame at the track's native size).

const STILL_TIMEOUT_MS = 5000;

export class Camera {
  #video;
  #stream = null;
  /** 'environment' (back, the default) or 'user' (front). */
  facing = 'environment';

  constructor(video) {
    this.#video = video;
  }

  get open() {
    return this.#stream !== null;
  }

  /** Start (or restart) the camera facing `facing`; resolves once frames play. */
  async start(facing = this.facing) {
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('getUserMedia unavailable');
    this.stop();
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      // Ask high: without a size the browser picks 640x480.
      video: { facingMode: { ideal: facing }, width: { ideal: 4096 }, height: { ideal: 3072 } },
    });
    this.#stream = stream;
    // A device that reports its side wins over what was asked for (desktop webcams report nothing).
    this.facing = stream.getVideoTracks()[0]?.getSettings().facingMode || facing;
    this.#video.srcObject = stream;
    await this.#video.play();
  }

  switch() {
    return this.start(this.facing === 'user' ? 'environment' : 'user');
  }

  /** A still photo as a Blob (never mirrored). */
  async takePhoto() {
    const track = this.#stream?.getVideoTracks()[0];
    if (!track) throw new Error('camera closed');
    if (typeof ImageCapture === 'function') {
      try {
        const blob = await withTimeout(new ImageCapture(track).takePhoto(), STILL_TIMEOUT_MS);
        if (blob?.size) return blob;
      } catch {
        // Not supported by this device or browser: fall back to a video frame.
      }
    }
    return this.#frame(track);
  }

  #frame(track) {
    const video = this.#video;
    const { width, height } = track.getSettings();
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth || width;
    canvas.height = video.videoHeight || height;
    canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('no frame'))), 'image/jpeg', 0.95),
    );
  }

  /** Stop every track: the camera light goes off. */
  stop() {
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = null;
    this.#video.srcObject = null;
  }
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), ms); }),
  ]).finally(() => clearTimeout(timer));
}
