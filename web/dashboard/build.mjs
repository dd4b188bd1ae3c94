// Builds the dashboard into --outdir (default web/dashboard/dist): index.html with its styles
// inlined (app.css and uPlot's), and dashboard.js (every module and uPlot, one minified bundle).
//   node web/dashboard/build.mjs [--outdir DIR]
import { build } from 'esbuild';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const outdirAt = process.argv.indexOf('--outdir');
const dist = outdirAt > 0 ? process.argv[outdirAt + 1] : join(here, 'dist');
const require = createRequire(import.meta.url);

mkdirSync(dist, { recursive: true });
await build({ entryPoints: [join(here, 'src/main.js')], bundle: true, minify: true, format: 'esm',
  target: ['es2022'], legalComments: 'none', logLevel: 'warning', outfile: join(dist, 'dashboard.js') });
const css = readFileSync(join(here, 'app.css'), 'utf8') +
  readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
const html = readFileSync(join(here, 'index.html'), 'utf8').replace('/*STYLES*/', () => css);
writeFileSync(join(dist, 'index.html'), html);
