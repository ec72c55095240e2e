// Shadow-DOM styles of <fhir-media-capture>. Theme with the --fmc-* custom properties
// below (set them on the element) or style the exported ::part()s.
export const styles = `
:host {
  --fmc-font: system-ui, sans-serif;
  --fmc-fg: #1b1f24;
  --fmc-muted: #4b5563;
  --fmc-bg: #ffffff;
  --fmc-surface: #f6f7f9;
  --fmc-border: #8a929e;
  --fmc-accent: #0b57d0;
  --fmc-accent-fg: #ffffff;
  --fmc-focus: #0b62d6;
  --fmc-error: #b42318;
  --fmc-success: #146c2e;
  --fmc-warning: #8a4b00;
  --fmc-radius: 6px;
  --fmc-gap: 0.75rem;
  display: block;
  font-family: var(--fmc-font);
  line-height: 1.4;
  color: var(--fmc-fg);
}
:host([hidden]), [hidden] { display: none !important; }
* { box-sizing: border-box; }
.root { display: grid; gap: var(--fmc-gap); }
section { background: var(--fmc-bg); border: 1px solid var(--fmc-border); border-radius: var(--fmc-radius);
  padding: var(--fmc-gap); min-width: 0; }
h2, h3 { margin: 0 0 0.5rem; font-size: 1.05rem; }
h3 { font-size: 0.95rem; }
p { margin: 0; }
.muted { color: var(--fmc-muted); }
.dropzone { border: 2px dashed var(--fmc-border); border-radius: var(--fmc-radius); padding: var(--fmc-gap);
  display: grid; gap: 0.6rem; background: var(--fmc-surface); }
.dropzone.over { border-color: var(--fmc-accent); background: #e8f0fe; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
button { font: inherit; font-size: 0.95rem; min-height: 2.5rem; padding: 0.4rem 0.8rem; border-radius: var(--fmc-radius);
  border: 1px solid var(--fmc-accent); background: var(--fmc-bg); color: var(--fmc-accent); cursor: pointer; }
button.primary { background: var(--fmc-accent); color: var(--fmc-accent-fg); }
button:disabled { opacity: 0.55; cursor: not-allowed; }
button:hover:not(:disabled) { filter: brightness(0.92); }
:focus-visible { outline: 3px solid var(--fmc-focus); outline-offset: 2px; }
input, textarea { font: inherit; width: 100%; padding: 0.35rem 0.5rem; border: 1px solid var(--fmc-border);
  border-radius: 4px; background: var(--fmc-bg); color: var(--fmc-fg); }
textarea { min-height: 3.2rem; resize: vertical; }
label { display: grid; gap: 0.15rem; font-size: 0.9rem; }
.camera { display: grid; gap: 0.6rem; }
video { width: 100%; max-height: 60vh; background: #000; border-radius: var(--fmc-radius); object-fit: contain; }
video.mirrored { transform: scaleX(-1); }
ul { list-style: none; margin: 0; padding: 0; }
.cards { display: grid; gap: var(--fmc-gap); grid-template-columns: repeat(auto-fill, minmax(min(100%, 18.5rem), 1fr)); }
.card { border: 1px solid var(--fmc-border); border-radius: var(--fmc-radius); padding: 0.6rem; display: grid;
  gap: 0.5rem; align-content: start; background: var(--fmc-bg); min-width: 0; }
.card[data-state="error"], .card[data-state="failed"] { border-color: var(--fmc-error); }
.card[data-state="needs-review"] { border-color: var(--fmc-warning); border-width: 2px; }
.card[data-state="done"] { border-color: var(--fmc-success); }
.thumb { width: 100%; aspect-ratio: 4 / 3; object-fit: contain; background: var(--fmc-surface);
  border-radius: 4px; display: block; }
.placeholder { display: grid; place-items: center; color: var(--fmc-muted); }
.quality { font-size: 0.9rem; border-left: 4px solid var(--fmc-warning); padding: 0.3rem 0.5rem;
  background: var(--fmc-surface); color: var(--fmc-fg); }
.card[data-warnings] { border-color: var(--fmc-warning); border-width: 2px; }
.hint { font-weight: 600; color: var(--fmc-warning); min-height: 1.4em; }
.meta { font-size: 0.85rem; color: var(--fmc-muted); font-variant-numeric: tabular-nums; }
.state { font-size: 0.9rem; overflow-wrap: anywhere; }
.detail { font-size: 0.85rem; color: var(--fmc-muted); overflow-wrap: anywhere; }
.card[data-state="error"] .state, .card[data-state="failed"] .state { color: var(--fmc-error); font-weight: 600; }
.card[data-state="needs-review"] .state { color: var(--fmc-warning); font-weight: 600; }
.banner { border: 1px solid var(--fmc-warning); border-radius: var(--fmc-radius); padding: 0.5rem 0.75rem;
  margin-bottom: 0.5rem; background: var(--fmc-surface); color: var(--fmc-fg); }
.queue > .error { margin-bottom: 0.5rem; }
.card[data-state="done"] .state { color: var(--fmc-success); font-weight: 600; }
.progress { display: grid; gap: 0.15rem; font-size: 0.85rem; }
progress { width: 100%; height: 0.8rem; accent-color: var(--fmc-accent); }
.toolbar { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; justify-content: space-between;
  margin-bottom: 0.5rem; }
.toolbar h2 { margin: 0; }
.gallery .cards { grid-template-columns: repeat(auto-fill, minmax(min(100%, 10rem), 1fr)); }
.gallery figure { margin: 0; display: grid; gap: 0.3rem; }
.gallery figcaption { font-size: 0.85rem; overflow-wrap: anywhere; }
.gallery .title { font-weight: 600; }
.gallery .note { color: var(--fmc-muted); white-space: pre-wrap; }
.error { color: var(--fmc-error); font-weight: 600; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media (max-width: 30rem) {
  button { flex: 1 1 auto; }
}
`;
