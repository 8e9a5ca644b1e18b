// Builds the pages of `tracegraph serve` into ../serve/assets, which the Go
// package embeds. Run `npm ci && npm run build` here, then commit the result.
// The output depends only on the sources and the locked package versions.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';

const out = new URL('../serve/assets/', import.meta.url).pathname;

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await esbuild.build({
  entryPoints: ['src/main.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outfile: out + 'app.js',
  // Keep the libraries' licence notices beside the bundle.
  legalComments: 'linked',
  charset: 'utf8',
  logLevel: 'info',
});
await copyFile('src/index.html', out + 'index.html');
await copyFile('src/app.css', out + 'app.css');
