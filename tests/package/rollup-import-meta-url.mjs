// The Rollup plugin README.md ("Bundlers") gives users, word for word (pack.test.mjs
// checks): Rollup has no built-in handling of `new URL('…', import.meta.url)`, which the
// package uses for its worker and its wasm files. A .js file so named becomes a chunk of
// its own (the worker, bundled with what it imports); anything else an asset (the wasm).
// Either way the URL is rewritten to where Rollup writes the file.
import fs from 'node:fs';
import path from 'node:path';

export function importMetaUrlFiles() {
  const pattern = /new URL\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;
  return {
    name: 'import-meta-url-files',
    transform(code, id) {
      if (!code.includes('import.meta.url')) return null;
      const out = code.replace(pattern, (match, _quote, rel) => {
        const file = path.resolve(path.dirname(id), rel);
        if (!fs.existsSync(file)) return match;
        const ref = file.endsWith('.js')
          ? this.emitFile({ type: 'chunk', id: file })
          : this.emitFile({ type: 'asset', name: path.basename(file), source: fs.readFileSync(file) });
        return `new URL(import.meta.ROLLUP_FILE_URL_${ref})`;
      });
      return out === code ? null : { code: out, map: null };
    },
  };
}
