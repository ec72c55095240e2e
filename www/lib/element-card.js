// One photo's card in <fhir-media-capture>'s queue: built once, then re-rendered from the
// item's state; what a state means (queued, in flight, retryable) comes from the queue's
// snapshots. Text goes in as textContent, never as markup. The element owns the items and
// hands a small view in: strings, formatters, the list to append to and the action handler.
import { FhirError } from './index.js';
import { el } from './element-dom.js';
import { isHeic } from './element-heic.js';
import { qualityNotice } from './element-quality.js';

/**
 * What a card's state means to it. Queue states come with their flags in each snapshot
 * (QueueCore's rule); the element's own states (preparing, ready, error) are not queued.
 */
const NOT_QUEUED = { queued: false, inFlight: false, pending: false, retryable: false };
/** Handed to the queue, before its first snapshot: the Media is fixed and on its way. */
export const HANDED_OVER = { queued: true, inFlight: false, pending: true, retryable: false };

export function flagsOf(item) {
  return item.flags ?? NOT_QUEUED;
}

/** A photo whose upload stopped until someone retries it. */
export function retryable(item) {
  return (item.state === 'error' && item.errorPhase === 'upload') || flagsOf(item).retryable;
}

/**
 * Render `item` into its card, building the card on first use.
 * @param view {{ t: () => Record<string, string>, say: (key: string, values?: object) => string,
 *   size: (bytes: number) => string, errorText: (err: unknown) => string,
 *   list: HTMLElement, onAction: (item: object, action: string) => void }}
 */
export function renderCard(item, view) {
  const t = view.t();
  const { say } = view;
  const id = `item-${item.key}`;
  if (!item.ui) {
    const heading = el('h3', { id: `${id}-h` });
    const thumb = el('div', { className: 'thumb placeholder' });
    const meta = el('p', { className: 'meta' });
    const quality = el('p', { className: 'quality' });
    quality.setAttribute('part', 'quality-warning');
    const titleInput = el('input', { type: 'text', autocomplete: 'off', maxLength: 200 });
    titleInput.addEventListener('input', () => { item.title = titleInput.value; });
    const noteInput = el('textarea', { rows: 2, maxLength: 2000 });
    noteInput.addEventListener('input', () => { item.note = noteInput.value; });
    const titleLabel = el('label', {}, el('span'), titleInput);
    const noteLabel = el('label', {}, el('span'), noteInput);
    const progressLabel = el('span', { id: `${id}-pl` });
    const progress = el('progress', { max: 1, value: 0 });
    progress.setAttribute('aria-labelledby', `${id}-pl ${id}-h`);
    const progressBox = el('div', { className: 'progress' }, progressLabel, progress);
    const state = el('p', { className: 'state' });
    const detail = el('p', { className: 'detail' });
    const button = (action, primary) => {
      const b = el('button', { type: 'button', id: `${id}-${action}`, className: primary ? 'primary' : '' });
      b.setAttribute('part', 'button');
      b.setAttribute('aria-labelledby', `${id}-${action} ${id}-h`);
      b.addEventListener('click', () => view.onAction(item, action));
      return b;
    };
    const buttons = { upload: button('upload', true), retry: button('retry', true), send: button('send', true),
      discard: button('discard'), retake: button('retake'), remove: button('remove') };
    const actions = el('div', { className: 'actions' }, ...Object.values(buttons));
    const card = el('li', { className: 'card' }, heading, thumb, meta, quality, titleLabel, noteLabel, progressBox, state, detail,
      actions);
    card.setAttribute('part', 'card');
    item.ui = { card, heading, thumb, meta, quality, actions, titleInput, noteInput, titleLabel, noteLabel, progressLabel, progress, progressBox, state, detail, buttons };
    view.list.append(card);
  }
  const ui = item.ui;
  ui.card.dataset.state = item.state;
  ui.card.dataset.key = item.key;
  ui.heading.textContent = say('photoN', { n: item.n });
  ui.titleLabel.firstChild.textContent = t.title;
  ui.noteLabel.firstChild.textContent = t.note;
  ui.titleInput.value = item.title;
  ui.noteInput.value = item.note;
  const prepared = item.prepared;
  // What you see is what is sent: the thumbnail is the prepared bytes themselves (for a
  // photo restored from storage, the stored Media's).
  const shown = prepared ?? item.resource;
  // A kept HEIC: most browsers cannot show one, so its card shows a placeholder.
  const heic = shown && isHeic(prepared ? prepared.contentType : shown.content?.contentType);
  const preparedMeta = () => `${say('dimensions', { width: prepared.width, height: prepared.height })} · ${view.size(prepared.bytes)}`;
  if (shown && !heic) {
    let img = ui.thumb;
    if (img.tagName !== 'IMG') {
      img = el('img', { className: 'thumb' });
      img.setAttribute('part', 'thumbnail');
      ui.thumb.replaceWith(img);
      ui.thumb = img;
    }
    // (Compared by object: reading img.src back would re-serialize a long URL.)
    if (ui.shown !== shown) {
      const media = prepared ? prepared.resource : shown;
      // A prepared photo's Blob URL (made in the worker); only a restored one's data: URL.
      img.src = (prepared && item.imageUrl) || `data:${media.content.contentType};base64,${media.content.data}`;
      ui.shown = shown;
    }
    if (prepared) {
      img.alt = say('thumbnailAlt', { n: item.n, width: prepared.width, height: prepared.height });
      ui.meta.textContent = preparedMeta();
    } else {
      img.alt = say('restoredAlt', { n: item.n });
      ui.meta.textContent = `${t.restored} · ${view.size(Math.floor((shown.content.data.length * 3) / 4))}`;
    }
  } else {
    if (ui.thumb.tagName === 'IMG') {
      ui.shown = null;
      const placeholder = el('div', { className: 'thumb placeholder' });
      ui.thumb.replaceWith(placeholder);
      ui.thumb = placeholder;
    }
    ui.thumb.textContent = item.state === 'preparing' ? t.preparing : heic ? t.heicNoPreview : '';
    ui.meta.textContent = heic && prepared ? preparedMeta() : '';
  }
  const state = item.state;
  // In the upload queue, the Media is fixed: it is what is (or was) sent.
  const { queued, inFlight } = flagsOf(item);
  const uploadError = state === 'error' && item.errorPhase === 'upload';
  ui.titleInput.disabled = queued;
  ui.noteInput.disabled = queued;
  ui.buttons.upload.hidden = !(state === 'preparing' || state === 'ready');
  ui.buttons.upload.disabled = state !== 'ready';
  ui.buttons.retry.hidden = !retryable(item);
  ui.buttons.send.hidden = state !== 'needs-review';
  ui.buttons.discard.hidden = state !== 'needs-review';
  ui.buttons.retake.hidden = queued;
  ui.buttons.remove.hidden = state === 'needs-review';
  ui.buttons.remove.disabled = inFlight;
  for (const [action, b] of Object.entries(ui.buttons)) b.textContent = t[action];
  // A photo that looks blurred, dark or burnt out says so, and Retake comes first (and
  // is the primary action); Upload stays: the person holding the phone decides.
  const notice = state === 'ready' ? qualityNotice(prepared, t) : '';
  ui.quality.textContent = notice;
  ui.quality.hidden = !notice;
  ui.card.toggleAttribute('data-warnings', Boolean(notice));
  const retakeFirst = Boolean(notice);
  if ((ui.actions.firstChild === ui.buttons.retake) !== retakeFirst) {
    if (retakeFirst) ui.actions.prepend(ui.buttons.retake);
    else ui.buttons.discard.after(ui.buttons.retake);
  }
  ui.buttons.retake.classList.toggle('primary', retakeFirst);
  ui.buttons.upload.classList.toggle('primary', !retakeFirst);
  ui.progressLabel.textContent = t.progressLabel;
  ui.progressBox.hidden = !(queued || uploadError);
  let stateText = '';
  let detailText = '';
  if (state === 'preparing') stateText = t.preparing;
  else if (state === 'ready') stateText = t.ready;
  else if (state === 'waiting') stateText = navigator.onLine === false ? t.waitingOffline : t.queued;
  else if (state === 'reconciling') stateText = t.reconciling;
  else if (state === 'retrying') {
    const seconds = Math.max(0, Math.ceil(((item.snapshot?.retryAtMs ?? Date.now()) - Date.now()) / 1000));
    stateText = say(item.snapshot?.needsReconcile ? 'checkingIn' : 'retryingIn', { seconds });
    const last = item.snapshot?.error;
    if (last) detailText = view.errorText(new FhirError(last.status, '', last.text));
  } else if (state === 'done') stateText = say('uploaded', { id: item.createdId });
  else if (state === 'failed' || state === 'error') stateText = view.errorText(item.error);
  else if (state === 'needs-review') stateText = t.needsReview;
  ui.state.textContent = stateText;
  // A pipeline error also shows the library's own explanation (it says what to do).
  if (state === 'error' && item.errorPhase === 'prepare' && item.error?.message) detailText = item.error.message;
  else if (state === 'needs-review') detailText = t.needsReviewDetail;
  // Why this photo goes as the original HEIC (element-heic.js), while it is the one sent.
  else if (prepared && item.notice && state !== 'error' && !detailText) detailText = t[item.notice] ?? '';
  ui.detail.textContent = detailText && detailText !== stateText ? detailText : '';
  ui.detail.hidden = !ui.detail.textContent;
  // Without an image there is nothing to preview, title or note.
  const noImage = state === 'error' && item.errorPhase === 'prepare';
  ui.thumb.hidden = noImage;
  ui.titleLabel.hidden = noImage;
  ui.noteLabel.hidden = noImage;
  if (state === 'error' || state === 'failed' || state === 'needs-review') ui.state.setAttribute('role', 'alert');
  else ui.state.removeAttribute('role');
  renderProgress(item, say);
}

/** The upload progress bar (and the "uploading n %" text) of a rendered card. */
export function renderProgress(item, say) {
  const { progress, state } = item.ui;
  const fraction = item.state === 'done' ? 1 : item.state === 'uploading' && item.total ? item.loaded / item.total : 0;
  progress.value = fraction;
  progress.setAttribute('aria-valuetext', `${Math.round(fraction * 100)}%`);
  if (item.state === 'uploading') state.textContent = say('uploading', { percent: Math.round(fraction * 100) });
}

/** Take the card out of the page and free its thumbnail. */
export function removeCard(item) {
  item.ui?.card.remove();
  revokeImage(item);
}

/** Free a card's thumbnail Blob URL, if it has one. */
export function revokeImage(item) {
  if (item.imageUrl) URL.revokeObjectURL(item.imageUrl);
  item.imageUrl = null;
}
