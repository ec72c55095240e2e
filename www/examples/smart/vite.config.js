import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (name) => fileURLToPath(new URL(name, import.meta.url));

export default defineConfig({
  // The SMART JS client's modern build: no fetch polyfill for old browsers.
  define: { FHIRCLIENT_PURE: true },
  build: { rolldownOptions: { input: { launch: page('launch.html'), index: page('index.html') } } },
});
