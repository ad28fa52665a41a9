/**
 * The playground in a real browser: Debian's chromium driven by playwright-core (never a
 * downloaded browser). Builds the app, serves it with Vite's preview server on loopback, runs a
 * short zhikong simulation in the page's Web Worker and checks the targets table and the whole
 * report against `leadflow simulate --json` in Node for the same inputs. Screenshots go to
 * test/.generated/. `.ci/run` installs chromium; without it (and outside CI) the suite is skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRuleSet, simulationInputs } from '../../playground/src/inputs.js';
import { type RunParams, targetRows } from '../../playground/src/shape.js';
import { runCli } from '../../src/cli/main.js';
import type { SimulationReport } from '../../src/simulate/report.js';

const root = fileURLToPath(new URL('../../playground/', import.meta.url));
const generated = fileURLToPath(new URL('../.generated/', import.meta.url));

function findChromium(): string | null {
  try {
    const found = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
    if (found !== '') return found;
  } catch {}
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null;
}
const executablePath = findChromium();

async function cliJson(params: RunParams): Promise<string> {
  let out = '';
  const code = await runCli(
    [
      'simulate',
      '--json',
      '--preset',
      params.preset,
      '--days',
      String(params.days),
      '--leads-per-month',
      String(params.leadsPerMonth),
      '--seed',
      String(params.seed),
    ],
    {
      stdout: {
        write: (s: string) => {
          out += s;
        },
      },
      stderr: { write: () => {} },
      isTTY: false,
    },
  );
  expect(code).toBe(0);
  return out;
}

/** The targets table as shown: one array of cell texts per row. */
async function readTargets(page: Page): Promise<string[][]> {
  const rows = await page.locator('[data-testid=targets] tbody tr').all();
  return Promise.all(rows.map((row) => row.locator('td').allTextContents()));
}

async function setParams(page: Page, params: RunParams) {
  await page.selectOption('select[name=preset]', params.preset);
  await page.fill('input[name=days]', String(params.days));
  await page.fill('input[name=leadsPerMonth]', String(params.leadsPerMonth));
  await page.fill('input[name=seed]', String(params.seed));
}

async function runToEnd(page: Page) {
  await page.click('[data-testid=run]');
  await page.waitForSelector('[data-testid=run]:not([disabled])');
  await page.waitForSelector('[data-testid=results]');
}

describe.skipIf(executablePath === null && !process.env.CI)('playground in Chromium', () => {
  let outDir: string;
  let userDataDir: string;
  let server: PreviewServer;
  let context: BrowserContext;
  let url: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (executablePath === null) throw new Error('chromium not found (apt-get install -y chromium)');
    outDir = mkdtempSync(join(tmpdir(), 'leadflow-playground-'));
    userDataDir = mkdtempSync(join(tmpdir(), 'leadflow-chromium-'));
    mkdirSync(generated, { recursive: true });
    const config = { root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn' as const };
    await build({ ...config, build: { outDir, emptyOutDir: true } });
    server = await preview({ ...config, build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
    const address = server.httpServer.address() as AddressInfo;
    url = `http://127.0.0.1:${address.port}/`;
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      viewport: { width: 1280, height: 900 },
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('zhikong, 7 days, seed 7: the targets table and the report equal leadflow simulate --json', async () => {
    const params: RunParams = { preset: 'zhikong', days: 7, leadsPerMonth: 600, seed: 7 };
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    await expect.poll(() => page.textContent('h1')).toBe('leadflow 规则沙盘');
    await setParams(page, params);
    await runToEnd(page);

    const json = await cliJson(params);
    const report = JSON.parse(json) as SimulationReport;
    const { ruleSet } = simulationInputs(params);
    const { targets } = describeRuleSet(ruleSet);
    const expected = (lang: 'zh-CN' | 'en') =>
      targetRows(report, targets, lang).map((r) => [
        r.mark,
        r.description,
        r.target,
        r.achieved,
        r.metDecided,
        r.pending,
      ]);
    expect(await readTargets(page)).toEqual(expected('zh-CN'));
    // Same seed → the same report, byte for byte, in the browser's worker and in Node.
    expect(await page.textContent('[data-testid=report-json]')).toBe(json);
    expect(await page.textContent('[data-testid=headline] [data-key=received] .value')).toBe(
      report.counts.received.toLocaleString('en-US'),
    );
    await page.screenshot({ path: join(generated, 'playground.png'), fullPage: true });

    await page.click('[data-testid=lang]');
    await expect.poll(() => page.textContent('h1')).toBe('leadflow rule playground');
    expect(await readTargets(page)).toEqual(expected('en'));
    await page.screenshot({ path: join(generated, 'playground-en.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('Cancel stops a long run, and the next run still gives the Node report', async () => {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    await setParams(page, { preset: 'hengrui', days: 200, leadsPerMonth: 20_000, seed: 3 });
    await page.click('[data-testid=run]');
    // Wait until the worker reports its first simulated day, then cancel mid-run.
    await page.waitForSelector('[data-testid=status] [role=progressbar]:not([aria-valuenow="0"])');
    await page.click('[data-testid=cancel]');
    await page.waitForSelector('[data-testid=status][data-state=cancelled]');
    expect(await page.$('[data-testid=results]')).toBeNull();

    const params: RunParams = { preset: 'hengrui', days: 5, leadsPerMonth: 400, seed: 11 };
    await setParams(page, params);
    await runToEnd(page);
    expect(await page.textContent('[data-testid=report-json]')).toBe(await cliJson(params));
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
