// Strict CSP and Trusted Types for <fhir-media-capture>. The element puts one HTML string
// into the page, its constant shadow-DOM template, through a Trusted Types policy named
// 'fhir-media-capture' that accepts that one string and nothing else; a host enforcing
// Trusted Types lists the name (`trusted-types fhir-media-capture …`). Its styles are a
// constructable stylesheet, which `style-src 'self'` allows (an inline <style> it refuses).
import { styles } from './element-styles.js';

let policy = null;
let sheet = null;

/** `html`, the element's template, as the TrustedHTML that `innerHTML` takes under Trusted Types. */
export function templateHTML(html) {
  const tt = globalThis.trustedTypes;
  if (!tt) return html;
  policy ??= tt.createPolicy('fhir-media-capture', {
    createHTML: (value) => {
      if (value !== html) throw new TypeError('fhir-media-capture: only the element template may become HTML');
      return value;
    },
  });
  return policy.createHTML(html);
}

/** The element's stylesheet, built once and shared by every instance. */
export function styleSheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(styles);
  }
  return sheet;
}
