// Builds the browser agent, in agent/dist or the --outdir given: sightline.js (the core bundle,
// IIFE, global `Sightline`), sightline-extras.js (the signals it loads after the page has loaded),
// sightline.esm.js (everything, for bundled apps) and loader.min.js (the async loader snippet).
// Prints each file's minified and gzip sizes.
//   node agent/build.mjs [--outdir DIR] [--check]   --check fails when over the size budgets
import { build } from 'esbuild';
import { minify } from 'terser';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdirAt = process.argv.indexOf('--outdir');
const dist = outdirAt > 0 ? process.argv[outdirAt + 1] : join(here, 'dist');
export const CORE_BUDGET_GZIP_BYTES = 12 * 1024;
export const LOADER_BUDGET_BYTES = 1024;

const common = { bundle: true, minify: true, target: ['es2022'], legalComments: 'none',
  logLevel: 'warning' };

// esbuild bundles; terser then compresses again (two passes) and renames identifiers in an order
// that gzip compresses better: 6% smaller gzip than esbuild's minifier alone.
async function bundle(options) {
  const result = await build({ ...common, ...options, write: false });
  const { code } = await minify(result.outputFiles[0].text, { ecma: 2022, module: options.format === 'esm',
    compress: { passes: 2 }, mangle: true, format: { comments: false } });
  writeFileSync(options.outfile, code);
}

export async function buildAgent() {
  mkdirSync(dist, { recursive: true });
  await bundle({ entryPoints: [join(here, 'src/index.js')], format: 'iife',
    outfile: join(dist, 'sightline.js') });
  await bundle({ entryPoints: [join(here, 'src/extras-entry.js')], format: 'iife',
    outfile: join(dist, 'sightline-extras.js') });
  await bundle({ entryPoints: [join(here, 'src/esm.js')], format: 'esm',
    outfile: join(dist, 'sightline.esm.js') });
  await build({ ...common, bundle: false, entryPoints: [join(here, 'src/loader.js')],
    outfile: join(dist, 'loader.min.js') });
  const sizes = {};
  for (const name of ['sightline.js', 'sightline-extras.js', 'sightline.esm.js', 'loader.min.js']) {
    const bytes = readFileSync(join(dist, name));
    sizes[name] = { minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  writeFileSync(join(dist, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await buildAgent();
  for (const [name, s] of Object.entries(sizes)) {
    console.log(`${name}: ${s.minified} bytes minified, ${s.gzip} bytes gzip`);
  }
  const core = sizes['sightline.js'].gzip;
  const loader = sizes['loader.min.js'].minified;
  console.log(`core bundle ${core} B gzip (budget ${CORE_BUDGET_GZIP_BYTES}, web-vitals included); ` +
    `loader ${loader} B minified (budget ${LOADER_BUDGET_BYTES})`);
  if (process.argv.includes('--check')) {
    if (core > CORE_BUDGET_GZIP_BYTES || loader > LOADER_BUDGET_BYTES) {
      console.error(`over budget: core ${core} B gzip (budget ${CORE_BUDGET_GZIP_BYTES}), ` +
        `loader ${loader} B (budget ${LOADER_BUDGET_BYTES})`);
      process.exit(1);
    }
  }
}
