import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSheet } from 'read-excel-file/node';
import { describe, expect, it } from 'vitest';
import { type CliIo, EXIT_CODES, runCli } from '../../src/cli/main.js';
import { displayWidth, languageFromEnv } from '../../src/cli/render.js';

const dir = mkdtempSync(join(tmpdir(), 'leadflow-report-'));

async function cli(
  argv: string[],
  extra: Partial<CliIo> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    isTTY: false,
    env: {},
    ...extra,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const SHORT = ['simulate', '--days', '3', '--leads-per-month', '2000'];

/** English KPI jargon and raw ids the Chinese report must not show. */
const BANNED = [
  'met / decided',
  'decided',
  'offered',
  'claimed',
  'quarantined',
  'pending',
  'Targets',
  'Funnel',
  'breaches',
  'escalat',
  'leads/day',
  'by field',
  'unassigned-15m',
  'unopened-30m',
  'first-follow-up-24h',
  'rep-a',
  'leadConfirmation',
  'received',
  'assigned',
];

describe('the sales-ops report', () => {
  it('is all Chinese in zh (no English KPI jargon, policy descriptions instead of ids) and fits 80 columns', async () => {
    const { code, stdout } = await cli([...SHORT, '--lang', 'zh'], { columns: 80 });
    expect(code).toBe(EXIT_CODES.ok);
    for (const word of BANNED) expect(stdout, word).not.toContain(word);
    expect(stdout).toMatch(/结论：/);
    expect(stdout).toMatch(/每位销售\n {2}销售 +日上限/);
    expect(stdout).toMatch(/各渠道\n {2}渠道/);
    expect(stdout).toMatch(/网站表单 +\d+/);
    for (const line of stdout.split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(80);
    // no number is split across lines: the numbers at 80 columns are those of a 300-column report
    const wide = await cli([...SHORT, '--lang', 'zh'], { columns: 300 });
    const numbers = (text: string) => (text.match(/[\d,.]*\d%?/g) ?? []).sort();
    expect(numbers(stdout)).toEqual(numbers(wide.stdout));
  });

  it('uses the terminal width when wider, and the locale for the default language', async () => {
    const wide = await cli([...SHORT, '--lang', 'en'], { columns: 140 });
    expect(wide.stdout.split('\n').some((line) => displayWidth(line) > 80)).toBe(true);
    for (const line of wide.stdout.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(140);
    const zh = await cli(SHORT, { env: { LANG: 'zh_CN.UTF-8' } });
    expect(zh.stdout).toMatch(/^leadflow 模拟报告/);
    const en = await cli(SHORT, { env: { LANG: 'en_US.UTF-8' } });
    expect(en.stdout).toMatch(/^leadflow simulation/);
    expect(languageFromEnv({ LC_ALL: 'zh_TW', LANG: 'en_US' })).toBe('zh');
    expect(languageFromEnv({})).toBe('en');
  });

  it('diagnoses a capacity shortfall in one line', async () => {
    const { stdout } = await cli([...SHORT, '--lang', 'zh', '--leads-per-month', '5000']);
    expect(stdout).toMatch(/结论：人手不够：有效线索平均每个工作日 [\d,]+ 条，团队每天最多接 [\d,]+ 条/);
    // the policy that escalates most, by its description
    expect(stdout).toMatch(/升级最多的是「[^」]*[\u4e00-\u9fff][^」]*」，共 [\d,]+ 次/);
    const en = await cli([...SHORT, '--lang', 'en', '--leads-per-month', '5000']);
    expect(en.stdout).toMatch(/Diagnosis: Not enough sales capacity/);
  });

  it('lists the stalled opportunities and leads under their counts, in Chinese words, within 80 columns', async () => {
    // 12 days: long enough for leads and opportunities to sit more than 5 days in one place.
    const { stdout } = await cli(['simulate', '--days', '12', '--leads-per-month', '2000', '--lang', 'zh'], {
      columns: 80,
    });
    expect(stdout).toMatch(
      /停滞 TOP5（超过 5 天未推进的商机）\n {2}共 [\d,]+ 个商机停滞：[^\n]*[\u4e00-\u9fff] [\d,]+/,
    );
    const leads = stdout.slice(stdout.indexOf('停滞线索 TOP5'));
    expect(leads).toMatch(
      /^停滞线索 TOP5（同一状态超过 5 天的线索，培育中的除外）\n {2}共 ([\d,]+) 条线索停滞：/,
    );
    // The counts by state add up to the total.
    const [, total, byState] = /共 ([\d,]+) 条线索停滞：([^\n]*)。/.exec(leads)!;
    const sum = [...byState!.matchAll(/ ([\d,]+)/g)].reduce((n, m) => n + Number(m[1]!.replace(/,/g, '')), 0);
    expect(sum).toBe(Number(total!.replace(/,/g, '')));
    expect(leads.split('\n').slice(2, 7).join('\n')).toMatch(/ [\d.]+ 天/);
    for (const word of BANNED) expect(stdout, word).not.toContain(word);
    for (const line of stdout.split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(80);
  });

  it('shows a target with nothing decided as — and counts it as missed for --fail-on-miss', async () => {
    const empty = ['simulate', '--days', '1', '--leads-per-month', '0'];
    const { code, stdout } = await cli([...empty, '--lang', 'en']);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).not.toContain('✔');
    expect(stdout).toMatch(/— {2}assigned within 5 min/);
    expect(stdout).toMatch(/3 could not be judged/);
    const failing = await cli([...empty, '--fail-on-miss']);
    expect(failing.code).toBe(EXIT_CODES.targetsMissed);
  });

  it('writes a workbook with --out report.xlsx', async () => {
    const out = join(dir, 'report.xlsx');
    const { code, stdout } = await cli([...SHORT, '--lang', 'zh', '--out', out]);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toContain(`报告已写入 ${out}`);
    expect(readFileSync(out).subarray(0, 2).toString()).toBe('PK');
    const targets = await readSheet(out);
    expect(targets[0]).toEqual(['指标', '目标', '实际', '按时', '超时', '未到期', '结论']);
    expect(typeof targets[1]![1]).toBe('number');
    const perDay = await readSheet(out, '每日');
    expect(perDay.map((row) => row[0])).toEqual(['日期', '2026-03-02', '2026-03-03', '2026-03-04']);
  });

  it('--version prints the version of package.json', async () => {
    const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
    const { code, stdout } = await cli(['--version']);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout.trim()).toBe(version);
  });

  it('stops on Ctrl-C (the signal) with exit 130 and shows the cursor again', async () => {
    const controller = new AbortController();
    let stderr = '';
    const running = runCli(['simulate', '--days', '30'], {
      stdout: { write: () => {} },
      stderr: { write: (s: string) => (stderr += s) },
      isTTY: true,
      env: {},
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    expect(await running).toBe(EXIT_CODES.interrupted);
    expect(stderr).toContain('\x1b[?25h');
    expect(stderr).toMatch(/cancelled/);
  });

  it('prints dates of error messages in Asia/Shanghai', async () => {
    const { code, stderr } = await cli(['simulate', '--start', '2026-12-20']);
    expect(code).toBe(EXIT_CODES.badInput);
    expect(stderr).toContain('the period 2026-12-20 + 30 days');
  });
});
