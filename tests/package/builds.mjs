// The scratch app built by each bundler through its JS API, configured as README.md
// ("Bundlers") tells users to, with packages resolved from the scratch app's node_modules
// only: a file missing from the tarball fails the build. Each writes its output to `out`
// with an index.html that runs src/index.js; webpack also a png.html that runs src/png.js.
// viteDevServer serves the app as `vite` (npm run dev) does, with no configuration either.
import fs from 'node:fs';
import path from 'node:path';
import webpack from 'webpack';
import { build as viteBuild, createServer as viteServer } from 'vite';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import * as esbuild from 'esbuild';
import { importMetaUrlFiles } from './rollup-import-meta-url.mjs';

/**
 * A page of the scratch app: `#out` carries the endpoint's token (and its URL, where that is
 * another origin than the page's) and receives the results.
 */
export const html = (token, script, baseUrl) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<title>bundler test</title><p id="out" data-token="${token}"${baseUrl ? ` data-base-url="${baseUrl}"` : ''}></p>${script}\n`;

export const builds = {
  // No configuration: webpack 5 emits new URL(…, import.meta.url) files as assets and
  // bundles the element's `new Worker(new URL('./worker.js', …))` as a worker chunk. The
  // second entry is the PNG page, which loads the codecs module.
  async webpack(app, out, page) {
    const stats = await new Promise((resolve, reject) => {
      webpack({
        mode: 'production',
        context: app,
        entry: { main: './src/index.js', png: './src/png.js' },
        output: { path: out, filename: '[name].[contenthash:8].js', clean: true },
        resolve: { modules: [path.join(app, 'node_modules')] },
        performance: { hints: false },
      }, (err, s) => (err ? reject(err) : resolve(s)));
    });
    if (stats.hasErrors() || stats.hasWarnings()) throw new Error(stats.toString('errors-warnings'));
    const { entrypoints } = stats.toJson({ entrypoints: true, all: false });
    for (const [entry, file] of [['main', 'index.html'], ['png', 'png.html']]) {
      const scripts = entrypoints[entry].assets.map((a) => `<script src="${a.name}"></script>`).join('');
      fs.writeFileSync(path.join(out, file), page(scripts));
    }
  },

  // No configuration beyond `base` (the app is served from a sub-folder here): Vite
  // bundles the worker and emits the wasm files as assets.
  async vite(app, out, page) {
    fs.writeFileSync(path.join(app, 'index.html'), page('<script type="module" src="/src/index.js"></script>'));
    await viteBuild({
      root: app,
      base: './',
      configFile: false,
      logLevel: 'warn',
      build: { outDir: out, emptyOutDir: true },
    });
  },

  // @rollup/plugin-node-resolve, and the plugin README.md gives for new URL(…, import.meta.url).
  async rollup(app, out, page) {
    const bundle = await rollup({
      input: path.join(app, 'src/index.js'),
      plugins: [nodeResolve({ browser: true, rootDir: app }), importMetaUrlFiles()],
      onwarn: (w) => {
        throw new Error(`rollup: ${w.message}`);
      },
    });
    await bundle.write({ dir: out, format: 'es', entryFileNames: '[name].[hash].js' });
    await bundle.close();
    const main = fs.readdirSync(out).find((f) => /^index\..*\.js$/.test(f));
    fs.writeFileSync(path.join(out, 'index.html'), page(`<script type="module" src="./${main}"></script>`));
  },

  // esbuild does not follow new URL(…, import.meta.url): the worker is a second entry point
  // named `worker` and the two wasm files are copied next to the bundles, where the URLs,
  // relative to each bundle, find them.
  async esbuild(app, out, page) {
    const pkg = path.join(app, 'node_modules/fhir-media-capture');
    const result = await esbuild.build({
      entryPoints: { main: path.join(app, 'src/index.js'), worker: path.join(pkg, 'www/lib/worker.js') },
      bundle: true,
      format: 'esm',
      outdir: out,
      minify: true,
      logLevel: 'silent',
    });
    if (result.warnings.length) throw new Error(`esbuild: ${JSON.stringify(result.warnings)}`);
    for (const wasm of fs.readdirSync(path.join(pkg, 'pkg')).filter((f) => f.endsWith('.wasm'))) {
      fs.copyFileSync(path.join(pkg, 'pkg', wasm), path.join(out, wasm));
    }
    fs.writeFileSync(path.join(out, 'index.html'), page('<script type="module" src="./main.js"></script>'));
  },
};

/**
 * Vite's dev server over the scratch app on a free port (close() it); its URL is
 * server.resolvedUrls.local[0]. `page(script, origin)` gives the index.html once the
 * server's origin is known, so a FHIR server on another origin can be told to allow it.
 */
export async function viteDevServer(app, page) {
  const server = await viteServer({ root: app, configFile: false, logLevel: 'warn', server: { host: '127.0.0.1', port: 0 } });
  await server.listen();
  // The dev server reads index.html at each request: written now, it is what the page gets.
  const origin = new URL(server.resolvedUrls.local[0]).origin;
  fs.writeFileSync(path.join(app, 'index.html'), await page('<script type="module" src="/src/index.js"></script>', origin));
  return server;
}
