/**
 * What a host pays for importing leadflow: the minified size of an esbuild bundle of a
 * calendar-only consumer and of an engine-only consumer (`createEngine` + `memoryStorage` + a
 * preset), and the time `require('leadflow')` of the built CommonJS entry takes in a fresh node
 * process (median of several). Ours (this working tree) against a baseline commit, both built
 * the same way in this run: tsup from each side's `src/index.ts` (its dependencies and peers
 * external, as the published package is), then the consumer bundled with everything inlined.
 *
 * The baseline is a git worktree: `LEADFLOW_BASELINE_DIR` when set, otherwise one made under the
 * temp folder from `LEADFLOW_BASELINE_REF` (default 35af218, main before issue #19), sharing this
 * tree's node_modules (`LEADFLOW_OURS_DIR` likewise replaces this tree as ours). Budgets (issue #19): calendar-only ≤ 150 KB, engine-only ≤ 60% of the
 * baseline's, require time ≤ 50% of the baseline's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { report } from './_harness.js';

const REQUIRE_RUNS = 9;
const CALENDAR_BUDGET_BYTES = 150_000;
const ENGINE_BUDGET_RATIO = 0.6;
const REQUIRE_BUDGET_RATIO = 0.5;

/** The package root: the nearest folder up from here whose package.json is leadflow's. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'leadflow') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('benchmarks/imports: no leadflow package.json above this file');
    dir = parent;
  }
}

/** `LEADFLOW_OURS_DIR` measures another checkout as "ours" (e.g. a clean worktree of HEAD). */
const root = packageRoot();
const oursRoot = process.env.LEADFLOW_OURS_DIR ?? root;

function baselineRoot(): string {
  const given = process.env.LEADFLOW_BASELINE_DIR;
  if (given) return given;
  const ref = process.env.LEADFLOW_BASELINE_REF ?? '35af218';
  const dir = join(tmpdir(), `leadflow-imports-baseline-${ref}`);
  if (!existsSync(join(dir, 'src', 'index.ts'))) {
    execFileSync('git', ['worktree', 'add', '--detach', dir, ref], { cwd: root, stdio: 'ignore' });
  }
  if (!existsSync(join(dir, 'node_modules')))
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Builds `<side>/src/index.ts` with tsup (ESM and CJS), the way the package's root entry ships. */
function buildSide(sideRoot: string, label: string): { esm: string; cjs: string } {
  const outDir = join(sideRoot, 'node_modules', '.cache', 'leadflow-imports', label);
  const tsup = join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js');
  execFileSync(
    process.execPath,
    [
      tsup,
      'src/index.ts',
      '--no-config',
      '--format',
      'esm,cjs',
      '--target',
      'node20',
      '--treeshake',
      '--out-dir',
      outDir,
    ],
    {
      cwd: sideRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  return { esm: join(outDir, 'index.js'), cjs: join(outDir, 'index.cjs') };
}

const CONSUMERS = {
  calendar:
    "import { chinaCalendar } from 'leadflow';\nexport const calendar = chinaCalendar({ years: [2026] });\n",
  engine:
    "import { createEngine, memoryStorage, zhikongPreset } from 'leadflow';\nexport { createEngine, memoryStorage, zhikongPreset };\n",
};

async function consumerBytes(entry: string, code: string): Promise<number> {
  const result = await build({
    stdin: { contents: code, resolveDir: dirname(entry), loader: 'js' },
    alias: { leadflow: entry },
    bundle: true,
    minify: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
  return (result.outputFiles[0] as { contents: Uint8Array }).contents.length;
}

function requireMs(cjs: string): number {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(cjs)}); console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`require(${cjs}) failed: ${run.stderr}`);
  return Number(run.stdout.trim());
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

const base = buildSide(baselineRoot(), 'baseline');
const ours = buildSide(oursRoot, 'ours');

const sizes = {
  calendar: {
    ours: await consumerBytes(ours.esm, CONSUMERS.calendar),
    base: await consumerBytes(base.esm, CONSUMERS.calendar),
  },
  engine: {
    ours: await consumerBytes(ours.esm, CONSUMERS.engine),
    base: await consumerBytes(base.esm, CONSUMERS.engine),
  },
};
const times: { ours: number[]; base: number[] } = { ours: [], base: [] };
for (let i = 0; i < REQUIRE_RUNS; i += 1) {
  // Alternate the sides so a noisy moment on the machine hits both.
  times.base.push(requireMs(base.cjs));
  times.ours.push(requireMs(ours.cjs));
}
const requireTime = { ours: median(times.ours), base: median(times.base) };

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
const ratio = (a: number, b: number) => a / b;
const line = (what: string, o: string, b: string, r: number, budget: string, met: boolean) =>
  console.log(
    `${what.padEnd(32)} ours ${o.padStart(10)}  baseline ${b.padStart(10)}  ratio ${r.toFixed(3)}  budget ${budget} ${met ? 'met' : 'MISSED'}`,
  );

const calendarMet = sizes.calendar.ours <= CALENDAR_BUDGET_BYTES;
const engineRatio = ratio(sizes.engine.ours, sizes.engine.base);
const requireRatio = ratio(requireTime.ours, requireTime.base);
line(
  'calendar-only consumer (min)',
  kb(sizes.calendar.ours),
  kb(sizes.calendar.base),
  ratio(sizes.calendar.ours, sizes.calendar.base),
  '≤ 150 KB',
  calendarMet,
);
line(
  'engine-only consumer (min)',
  kb(sizes.engine.ours),
  kb(sizes.engine.base),
  engineRatio,
  '≤ 0.60',
  engineRatio <= ENGINE_BUDGET_RATIO,
);
line(
  `require('leadflow') (median of ${REQUIRE_RUNS})`,
  `${requireTime.ours.toFixed(1)} ms`,
  `${requireTime.base.toFixed(1)} ms`,
  requireRatio,
  '≤ 0.50',
  requireRatio <= REQUIRE_BUDGET_RATIO,
);

report({
  name: 'imports',
  unit: 'ms (require of dist/index.cjs)',
  ours: requireTime.ours,
  baseline: requireTime.base,
  calendarBytes: sizes.calendar.ours,
  calendarBaselineBytes: sizes.calendar.base,
  calendarRatio: ratio(sizes.calendar.ours, sizes.calendar.base),
  engineBytes: sizes.engine.ours,
  engineBaselineBytes: sizes.engine.base,
  engineRatio,
  requireRatio,
  budgetsMet: calendarMet && engineRatio <= ENGINE_BUDGET_RATIO && requireRatio <= REQUIRE_BUDGET_RATIO,
});
