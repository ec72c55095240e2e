// Builds the demo page (www/demo) into dist/. The wasm files are emitted as assets:
// wasm-bindgen's web target loads each with `new URL(..., import.meta.url)`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import HtmlWebpackPlugin from 'html-webpack-plugin';

const root = path.dirname(fileURLToPath(import.meta.url));

export default (env, argv) => {
  const mode = argv.mode ?? process.env.NODE_ENV ?? 'production';
  return {
    mode,
    context: root,
    entry: { demo: './www/demo/main.js' },
    output: {
      path: path.join(root, 'dist'),
      filename: '[name].[contenthash:8].js',
      assetModuleFilename: '[name].[contenthash:8][ext]',
      clean: true,
      // Under the demo's Trusted Types CSP, webpack's own URLs (the worker chunk) go
      // through a policy named 'webpack'.
      trustedTypes: { policyName: 'webpack' },
    },
    devtool: mode === 'development' ? 'source-map' : false,
    plugins: [new HtmlWebpackPlugin({ template: './www/demo/index.html' })],
    // The wasm modules are large by web-page standards and that is expected; scripts/check-size.mjs guards it.
    performance: { assetFilter: (file) => !file.endsWith('.wasm') },
  };
};
