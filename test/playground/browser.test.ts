/**
 * The playground in a real browser: Debian's chromium driven by playwright-core (never a
 * downloaded browser). Builds the app, serves it with Vite's preview server on loopback and goes
 * through what a sales-ops person does: a typo in the rule set (the diagnostic on its line), the
 * fix, a 30-day run checked against `leadflow simulate --json` byte for byte, a lead explained,
 * a compare against the preset, the link and the export; an opened leads file; a cancel.
 * Screenshots go to test/.generated/. `.ci/run` installs chromium; without it (and outside CI)
 * the suite is skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRuleSet, simulationInputs } from '../../playground/src/inputs.js';
import { presetTexts } from '../../playground/src/presets.js';
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

async function cliJson(params: RunParams, extra: string[] = [], period = true): Promise<string> {
  let out = '';
  const code = await runCli(
    [
      'simulate',
      '--json',
      '--preset',
      params.preset,
      ...(period ? ['--days', String(params.days), '--leads-per-month', String(params.leadsPerMonth)] : []),
      '--seed',
      String(params.seed),
      ...extra,
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

/** Replace an editor's whole text, as a paste over a select-all does. */
async function replaceEditorText(page: Page, which: 'ruleSet' | 'team', text: string) {
  const content = page.locator(`[data-testid=editor-${which}] .cm-content`);
  await content.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

const LEADS_CSV = [
  'receivedAt,channel,company.name,company.region,company.industry,contact.phone,budget.amount,need',
  '2026-03-03T10:00:00+08:00,website_form,苏州精工,江苏,汽车零部件,13800138000,500000,"冲压线自动化改造, 需要方案"',
  '2026-03-03T10:05:00+08:00,hotline_400,宁波恒通,浙江,机械制造,13900139000,,老旧设备PLC改造',
  '2026-03-04T15:07:00+08:00,hotline_400,没有地区,,机械制造,13700137000,,询价',
].join('\r\n');

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

  it('typo → diagnostic on its line → fix → 30 days equal to simulate --json → explain a lead → compare → share → export', async () => {
    const params: RunParams = { preset: 'zhikong', days: 30, leadsPerMonth: 6_000, seed: 7 };
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    await expect.poll(() => page.textContent('h1')).toBe('leadflow 规则沙盘');
    await setParams(page, params);

    // A typo in a fact name: leadflow's own diagnostic appears on that line, the run refuses it.
    const own = presetTexts(params);
    const lines = own.ruleSet.split('\n');
    const typoLine = lines.findIndex((line) => line.includes('"fact": "downloads"')) + 1;
    expect(typoLine).toBeGreaterThan(0);
    await replaceEditorText(
      page,
      'ruleSet',
      own.ruleSet.replace('"fact": "downloads"', '"fact": "downlods"'),
    );
    const problem = page.locator(`[data-testid=editor-ruleSet-problems] li[data-line="${typoLine}"]`);
    await problem.waitFor();
    expect(await problem.textContent()).toContain('downlods');
    expect(await page.locator('[data-testid=editor-ruleSet-problems] li').count()).toBe(1);
    await problem.click();
    await page.locator('[data-testid=editor-ruleSet] .cm-lintRange-error').first().waitFor();
    expect(await page.locator('[data-testid=tab-ruleSet]').textContent()).toContain('已修改');
    await page.screenshot({ path: join(generated, 'playground-diagnostic.png'), fullPage: false });
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=status][data-state=error][data-field=ruleSet]');

    // Fixed: no problem left, the rule set is the preset's again, and the run equals the CLI's.
    await replaceEditorText(page, 'ruleSet', own.ruleSet);
    await expect.poll(() => page.locator('[data-testid=editor-ruleSet-problems] li').count()).toBe(0);
    expect(await page.locator('[data-testid=tab-ruleSet]').textContent()).toContain('预设原样');
    await runToEnd(page);
    const json = await cliJson(params);
    const report = JSON.parse(json) as SimulationReport;
    const { ruleSet } = simulationInputs({ params, ruleSet: null, team: null, leads: null });
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
    for (const chart of [
      'chart-funnel',
      'chart-arrivals',
      'chart-days',
      'chart-reps',
      'chart-departments',
      'chart-stalled',
      'chart-stalled-leads',
    ])
      await page.locator(`[data-testid=${chart}]`).waitFor();
    // Seed 003's 阶段停滞超5天线索TOP5, under the count of every stalled lead (not only five).
    expect(report.stalledLeads.count).toBeGreaterThan(5);
    expect(await page.textContent('[data-testid=chart-stalled-leads-counts]')).toContain(
      `共 ${report.stalledLeads.count.toLocaleString('en-US')} 条线索`,
    );
    expect(await page.locator('[data-testid=chart-stalled-leads] tbody tr').count()).toBe(5);
    await page.screenshot({ path: join(generated, 'playground.png'), fullPage: true });
    // The README's picture: the editors, the targets, the root cause and the funnel.
    await page.screenshot({
      path: join(generated, 'playground-readme.png'),
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: 1560 },
    });

    // Click a rep, then one of its leads: the explanation says why this rep and why not the others.
    await page.locator('[data-testid=chart-reps] [data-rep]').first().click();
    await page.locator('[data-testid=rep-detail] [data-lead]').first().click();
    const panel = page.locator('[data-testid=explain]');
    await panel.waitFor();
    await page.locator('[data-testid=explain-candidates] tr[data-rep]').first().waitFor();
    // The picture shows what the click is for: the assignment and each candidate's verdict.
    await page.locator('[data-testid=explain-candidates]').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(generated, 'playground-explain.png'), fullPage: false });
    await page.click('[data-testid=explain-close]');
    await expect.poll(() => panel.count()).toBe(0);

    // Compare: keep the preset as baseline A, give every rep 2 leads a day less, run both.
    await page.click('[data-testid=set-baseline]');
    const team = JSON.parse(own.team) as { reps: { dailyCapacity: number }[] };
    for (const rep of team.reps) rep.dailyCapacity = Math.max(1, rep.dailyCapacity - 2);
    await page.click('[data-testid=tab-team]');
    await replaceEditorText(page, 'team', `${JSON.stringify(team, null, 2)}\n`);
    await expect.poll(() => page.locator('[data-testid=tab-team]').textContent()).toContain('已修改');
    await runToEnd(page);
    await page.locator('[data-testid=compare]').waitFor();
    const dir = mkdtempSync(join(tmpdir(), 'leadflow-compare-'));
    writeFileSync(join(dir, 'team.json'), JSON.stringify(team));
    const edited = JSON.parse(await cliJson(params, ['--team', join(dir, 'team.json')])) as SimulationReport;
    const cells = await page
      .locator('[data-testid=compare-targets] tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    const a = targetRows(report, targets, 'zh-CN');
    const b = targetRows(edited, targets, 'zh-CN');
    expect(cells.map((row) => [row[2], row[3]])).toEqual(
      a.map((row, i) => [`${row.mark} ${row.achieved}`, `${b[i]!.mark} ${b[i]!.achieved}`]),
    );
    expect(await page.textContent('[data-testid=report-json]')).toBe(`${JSON.stringify(edited, null, 2)}\n`);
    await page.screenshot({ path: join(generated, 'playground-compare.png'), fullPage: true });

    // The address bar is a link to all of it: a fresh page restores the edited team and the baseline.
    await expect
      .poll(() =>
        page.evaluate(() =>
          (globalThis as unknown as { location: { hash: string } }).location.hash.startsWith('#s='),
        ),
      )
      .toBe(true);
    const link = page.url();
    const again = await context.newPage();
    await again.goto(link);
    await again.locator('[data-testid=baseline-state]').waitFor();
    await expect.poll(() => again.locator('[data-testid=tab-team]').textContent()).toContain('已修改');
    await again.close();

    // Export: the CSV opens in Excel (BOM) and holds the targets in words.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=export-csv]'),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toContain(b[0]!.description);

    await page.click('[data-testid=lang]');
    await expect.poll(() => page.textContent('h1')).toBe('leadflow rule playground');
    await page.screenshot({ path: join(generated, 'playground-en.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.close();
    // A month of leads in the page, twice: past the default 60 s when the suite's other workers
    // share the two cores.
  }, 180_000);

  it('an opened leads CSV replays as simulate --leads does', async () => {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    const dir = mkdtempSync(join(tmpdir(), 'leadflow-leads-'));
    const file = join(dir, 'leads.csv');
    writeFileSync(file, LEADS_CSV);
    await page.setInputFiles('[data-testid=file-input]', file);
    await expect.poll(() => page.textContent('[data-testid=leads-source]')).toContain('leads.csv');
    await page.fill('input[name=seed]', '9');
    await runToEnd(page);
    const json = await cliJson(
      { preset: 'zhikong', days: 1, leadsPerMonth: 1, seed: 9 },
      ['--leads', file],
      false,
    );
    expect(await page.textContent('[data-testid=report-json]')).toBe(json);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('Cancel stops a long run, and the next run still gives the Node report', async () => {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    await setParams(page, { preset: 'hengrui', days: 200, leadsPerMonth: 20_000, seed: 3 });
    await page.waitForSelector('[data-testid=editor-ruleSet] .cm-content');
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
