/**
 * `npm run bench -- <name...>` runs benchmarks/<name>.ts, each in its own Node process (so one
 * benchmark's heap does not skew another's memory figures). With no name, runs them all.
 * Each benchmark prints, as its last line, one JSON object with `name`, `ours`, `baseline`, `ratio`.
 *
 * Benchmarks are bundled with esbuild first (dependencies stay external) and run with plain
 * node, so they measure the code the way it ships — not through a dev-time loader whose
 * transforms (tsx keeps function names by wrapping every closure) distort hot loops.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { BENCH_BUILD_OPTIONS } from './_harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && !['run.ts'].includes(file) && !file.startsWith('_'))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}

let failed = false;
for (const name of requested.length > 0 ? requested : available) {
  const outDir = join(here, '..', 'node_modules', '.cache', 'leadflow-bench');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}.mjs`);
  buildSync({
    entryPoints: [join(here, `${name}.ts`)],
    outfile,
    ...BENCH_BUILD_OPTIONS,
  });
  const result = spawnSync(process.execPath, ['--expose-gc', '--enable-source-maps', outfile], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
