// The demo page's own styles, as a constructable stylesheet: its Content Security Policy
// (style-src 'self') refuses an inline <style>.
const css = `
:root { font-family: system-ui, sans-serif; line-height: 1.4; color: #1b1f24; background: #f6f7f9; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem clamp(0.5rem, 3vw, 1.5rem) 3rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
form { display: grid; gap: 0.5rem 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 16rem), 1fr));
  background: #fff; border: 1px solid #c9ced6; border-radius: 6px; padding: 0.75rem 1rem 1rem; margin-bottom: 1rem; }
form h2 { grid-column: 1 / -1; }
label { display: block; font-size: 0.9rem; }
input, select { display: block; box-sizing: border-box; width: 100%; margin-top: 0.2rem; padding: 0.35rem 0.5rem;
  font: inherit; border: 1px solid #8a929e; border-radius: 4px; background: #fff; }
:focus-visible { outline: 3px solid #0b62d6; outline-offset: 2px; }
#log { background: #fff; border: 1px solid #c9ced6; border-radius: 6px; padding: 0.75rem 1rem; margin-top: 1rem; }
#log ol { margin: 0; padding-left: 1.25rem; font-size: 0.85rem; max-height: 14rem; overflow: auto; overflow-wrap: anywhere; }
`;

export function applyStyles() {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
