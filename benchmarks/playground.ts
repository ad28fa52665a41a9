/**
 * The playground in headless Chromium (Debian's `chromium`, driven by playwright-core), against
 * Node in the same run:
 *
 *   ours     — a 30-day, 12,000-lead zhikong simulation (seed 42) in the page's Web Worker, as
 *              the page runs it (decision traces on, so every lead can be explained after):
 *              the worker's own time for `runSimulation` (`data-elapsed-ms` of the results);
 *   baseline — the same simulation (the same inputs through playground/src/inputs.ts, traces on)
 *              in this Node process.
 *
 * Rounds alternate (Node, browser, …); the medians are compared. Also: main-thread tasks over
 * 100 ms during the browser runs (Long Tasks API; the page must stay responsive), the click →
 * results time, and the initial JavaScript of the built app gzipped (the entry and its static
 * imports, from Vite's manifest), with the worker's chunk and the lazy chunks reported apart.
 * Goals (issue #17): ratio ≤ 1.5, no long task, initial JS ≤ 300 KB gz.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { type RunInputs, simulationInputs } from '../playground/src/inputs.js';
import { startStaticServer } from '../src/cli/playground.js';
import { runSimulation } from '../src/simulate/run.js';
import { collectGarbage, report } from './_harness.js';

const ROUNDS = 3;
const inputs: RunInputs = {
  params: { preset: 'zhikong', days: 30, leadsPerMonth: 12_000, seed: 42 },
  ruleSet: null,
  team: null,
  leads: null,
};
// The benchmark runs bundled from node_modules/.cache; npm runs it from the package root.
const root = join(process.cwd(), 'playground');

function findChromium(): string {
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser'])
    if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium not found: apt-get install -y chromium (never a downloaded browser)');
  }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

/** Gzipped sizes of the built app: what the page loads first, the worker, the lazy chunks. */
function bundleSizes(outDir: string) {
  const manifest = JSON.parse(readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8')) as Record<
    string,
    ManifestChunk
  >;
  const gz = (file: string) => gzipSync(readFileSync(join(outDir, file)), { level: 9 }).length;
  const initial = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key]!;
    if (initial.has(chunk.file)) return;
    initial.add(chunk.file);
    for (const next of chunk.imports ?? []) visit(next);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  const assets = readdirSync(join(outDir, 'assets')).map((name) => `assets/${name}`);
  const scripts = assets.filter((file) => file.endsWith('.js'));
  const workerFiles = scripts.filter((file) => /sim\.worker/.test(file));
  const lazy = scripts.filter((file) => !initial.has(file) && !workerFiles.includes(file));
  const sum = (files: Iterable<string>) => [...files].reduce((total, file) => total + gz(file), 0);
  return {
    initialKB: kb(sum([...initial].filter((file) => file.endsWith('.js')))),
    cssKB: kb(sum(assets.filter((file) => file.endsWith('.css')))),
    workerKB: kb(sum(workerFiles)),
    lazyKB: kb(sum(lazy)),
  };
}

async function nodeRun(): Promise<number> {
  collectGarbage();
  const { options } = simulationInputs(inputs);
  const started = performance.now();
  await runSimulation({ ...options, trace: true });
  return performance.now() - started;
}

const outDir = mkdtempSync(join(tmpdir(), 'leadflow-bench-playground-'));
const userDataDir = mkdtempSync(join(tmpdir(), 'leadflow-bench-chromium-'));
try {
  await build({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, manifest: true },
  });
  const sizes = bundleSizes(outDir);
  const server = await startStaticServer({ root: outDir, port: 0 });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: findChromium(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  // Observe long tasks from the first script on; the page clears the list before each run.
  // (These functions run in the page: `globalThis` is its window.)
  await page.addInitScript(() => {
    const w = globalThis as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.__longTasks.push(entry.duration);
    }).observe({ type: 'longtask' as 'mark', buffered: true });
  });
  await page.goto(server.url);
  await page.waitForSelector('[data-testid=run]');
  await page.fill('input[name=days]', String(inputs.params.days));
  await page.fill('input[name=leadsPerMonth]', String(inputs.params.leadsPerMonth));
  await page.fill('input[name=seed]', String(inputs.params.seed));

  const browserMs: number[] = [];
  const clickToResultsMs: number[] = [];
  const nodeMs: number[] = [];
  const longTasks: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    nodeMs.push(await nodeRun());
    await page.evaluate(() => {
      (globalThis as unknown as { __longTasks: number[] }).__longTasks.length = 0;
    });
    const clicked = Date.now();
    await page.click('[data-testid=run]');
    await page
      .waitForSelector('[data-testid=status][data-state=running]', { timeout: 60_000 })
      .catch(() => {});
    await page.waitForSelector('[data-testid=results]', { timeout: 300_000 });
    await page.waitForSelector('[data-testid=run]:not([disabled])', { timeout: 300_000 });
    clickToResultsMs.push(Date.now() - clicked);
    browserMs.push(Number(await page.getAttribute('[data-testid=results]', 'data-elapsed-ms')));
    longTasks.push(
      ...(await page.evaluate(() => (globalThis as unknown as { __longTasks: number[] }).__longTasks)),
    );
  }
  await context.close();
  await server.close();

  const ours = median(browserMs);
  const baseline = median(nodeMs);
  const over100 = longTasks.filter((ms) => ms > 100);
  console.log(`browser worker runSimulation: ${browserMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  console.log(`node runSimulation:           ${nodeMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  console.log(`click → results:              ${clickToResultsMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  console.log(
    `main-thread long tasks (≥50 ms): ${longTasks.map((ms) => ms.toFixed(0)).join(', ') || 'none'}`,
  );
  console.log(
    `initial JS ${sizes.initialKB} KB gz, CSS ${sizes.cssKB} KB gz, worker ${sizes.workerKB} KB gz, lazy ${sizes.lazyKB} KB gz`,
  );
  const ratio = ours / baseline;
  report({
    name: 'playground',
    ours,
    baseline,
    longTasks: over100.length,
    longestTaskMs: longTasks.length > 0 ? Math.max(...longTasks) : 0,
    clickToResultsMs: median(clickToResultsMs),
    ...sizes,
    goalsMet: ratio <= 1.5 && over100.length === 0 && sizes.initialKB <= 300,
  });
} finally {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(userDataDir, { recursive: true, force: true });
}
