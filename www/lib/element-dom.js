// A tiny DOM builder for the element's shadow tree. Text goes in as textContent, never as HTML.
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}
