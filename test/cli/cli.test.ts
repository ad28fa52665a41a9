import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliIo, EXIT_CODES, runCli } from '../../src/cli/main.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { CHINA_HOLIDAYS } from '../../src/scheduler/china-holidays.js';
import { runSimulation } from '../../src/simulate/run.js';

const dir = mkdtempSync(join(tmpdir(), 'leadflow-cli-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content, 'utf8');
  return path;
};

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    isTTY: false,
    env: {}, // English report unless --lang says otherwise, whatever the machine's locale
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** A short run, so the suite stays quick. */
const SHORT = ['--days', '3', '--leads-per-month', '2000'];

describe('leadflow simulate', () => {
  it('--json prints the report as parseable JSON, identical for the same seed', async () => {
    const first = await cli('simulate', ...SHORT, '--json');
    expect(first.code).toBe(EXIT_CODES.ok);
    expect(first.stderr).toBe('');
    const report = JSON.parse(first.stdout);
    expect(report.ruleSet.id).toBe('zhikong');
    expect(report.seed).toBe(42);
    expect(report.period.start).toBe('2026-03-01T16:00:00.000Z');
    expect(report.targets).toHaveLength(3);
    expect(report.targets[2].id).toBe('advancedOnTime');
    expect(report.opportunities.created + report.opportunities.pendingAtEnd).toBe(report.counts.converted);
    expect(Array.isArray(report.departments)).toBe(true);
    expect(report.metrics.funnel.opportunities).toBe(report.opportunities.created);
    expect(report.timeline.days).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
    const again = await cli('simulate', ...SHORT, '--json');
    expect(again.stdout).toBe(first.stdout);
    const other = await cli('simulate', ...SHORT, '--json', '--seed', '43');
    expect(other.stdout).not.toBe(first.stdout);
  });

  it('keeps no event log, and reports what a run that keeps its whole log reports', async () => {
    const { stdout } = await cli('simulate', '--days', '6', '--leads-per-month', '3000', '--json');
    // The library's run over the default store, which keeps every event.
    const { report, timeline } = await runSimulation({
      ruleSet: zhikongPreset.ruleSet,
      team: zhikongPreset.team,
      calendar: chinaCalendar({ years: Object.keys(CHINA_HOLIDAYS).map(Number) }),
      days: 6,
      leadsPerMonth: 3000,
    });
    expect(report.counts.received).toBeGreaterThan(400);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify({ ...report, timeline })));
  });

  it('prints the table by default: targets with ✔/✘, funnels, departments, escalations, stalled TOP5', async () => {
    const { code, stdout, stderr } = await cli('simulate', ...SHORT);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stderr).toBe(''); // no progress bar without a terminal
    expect(stdout).toMatch(/Targets/);
    expect(stdout).toMatch(/[✔✘—] +assigned within 5 min +≥/);
    expect(stdout).toMatch(/Lead funnel/);
    expect(stdout).toMatch(/[✔✘—] +stages advanced as planned/);
    expect(stdout).toMatch(/Opportunities\n {2}\d+ created/);
    expect(stdout).toMatch(/won of the/);
    expect(stdout).toMatch(/lead confirmation/);
    expect(stdout).toMatch(/Department tasks/);
    expect(stdout).toMatch(/Escalations by SLA policy\n {2}(none|[^\n]*[\u4e00-\u9fff])/); // descriptions, not ids
    expect(stdout).not.toMatch(/unassigned-15m|first-follow-up-24h|unopened-30m/);
    expect(stdout).toMatch(/Per rep\n {2}rep/);
    expect(stdout).toMatch(/Per channel/);
    expect(stdout).toMatch(/Stalled TOP5 \(open opportunities in one stage for over 5 days\)/);
    expect(stdout).toMatch(
      /Stalled leads TOP5 \(open leads in one state for over 5 days, nurturing aside\)\n {2}(none|\d+ stalled: )/,
    );
    const zh = await cli('simulate', ...SHORT, '--lang', 'zh');
    expect(zh.stdout).toMatch(/目标\n/);
    expect(zh.stdout).toMatch(/[✔✘—] +5 分钟内分配（工作时间）/);
  });

  it('writes the JSON report with --out', async () => {
    const out = join(dir, 'report.json');
    const { code, stdout } = await cli('simulate', ...SHORT, '--preset', 'hengrui', '--out', out);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toContain(`Report written to ${out}`);
    expect(JSON.parse(readFileSync(out, 'utf8')).ruleSet.id).toBe('hengrui');
  });

  it('exits 1 with --fail-on-miss when a target is missed (a team with tiny capacity), 0 without', async () => {
    const tiny = file(
      'tiny-team.json',
      JSON.stringify({
        ...zhikongPreset.team,
        reps: zhikongPreset.team.reps.map((r) => ({ ...r, dailyCapacity: 1 })),
      }),
    );
    const failing = await cli('simulate', ...SHORT, '--team', tiny, '--json', '--fail-on-miss');
    expect(failing.code).toBe(EXIT_CODES.targetsMissed);
    expect(JSON.parse(failing.stdout).passed).toBe(false);
    const lenient = await cli('simulate', ...SHORT, '--team', tiny, '--json');
    expect(lenient.code).toBe(EXIT_CODES.ok);
  });

  it('lists every rule-set problem with its JSON path and exits 2', async () => {
    type Rules = Record<string, unknown> & {
      assignment: { rules: { strategy: Record<string, unknown> }[] };
      sla: { policies: Record<string, unknown>[] };
    };
    // Schema problems …
    const schema = structuredClone(zhikongPreset.ruleSet) as Rules;
    schema.sla.policies[0]!.target = 'soon';
    schema.assignment.rules[1]!.strategy.type = 'lottery';
    schema.bogus = true;
    const schemaPath = file('bad-schema-rules.json', JSON.stringify(schema));
    const first = await cli('simulate', '--rules', schemaPath);
    expect(first.code).toBe(EXIT_CODES.badInput);
    expect(first.stdout).toBe('');
    expect(first.stderr).toContain(`rules file ${schemaPath} has 3 problems`);
    expect(first.stderr).toContain('sla.policies[0].target');
    expect(first.stderr).toContain('assignment.rules[1].strategy');
    expect(first.stderr).toMatch(/\(rule set\): .*bogus/);
    // … and reference problems (against the team the rules will run with).
    const references = structuredClone(zhikongPreset.ruleSet) as Rules;
    references.assignment.rules[2]!.strategy = { type: 'owner', repId: 'rep-ghost' };
    references.assignment.rules[3]!.strategy = { type: 'roundRobin', pool: 'nowhere' };
    const referencesPath = file('bad-reference-rules.json', JSON.stringify(references));
    const second = await cli('simulate', '--rules', referencesPath);
    expect(second.code).toBe(EXIT_CODES.badInput);
    expect(second.stderr).toContain(referencesPath);
    expect(second.stderr).toContain('assignment.rules[2].strategy.repId');
    expect(second.stderr).toContain('assignment.rules[3].strategy.pool');
  });

  it('names a missing file and exits 2', async () => {
    const missing = join(dir, 'nope', 'rules.json');
    const { code, stderr } = await cli('simulate', '--rules', missing);
    expect(code).toBe(EXIT_CODES.badInput);
    expect(stderr).toContain(`rules file not found: ${missing}`);
    const leads = await cli('simulate', '--leads', join(dir, 'absent.csv'));
    expect(leads.code).toBe(EXIT_CODES.badInput);
    expect(leads.stderr).toContain('absent.csv');
  });

  it('names a file that is not JSON', async () => {
    const path = file('broken.json', '{ "reps": [ ');
    const { code, stderr } = await cli('simulate', '--team', path);
    expect(code).toBe(EXIT_CODES.badInput);
    expect(stderr).toContain(`team file ${path} is not valid JSON`);
  });

  it('lists every team issue with its path', async () => {
    const path = file(
      'bad-team.json',
      JSON.stringify({
        reps: [
          { id: 'rep-a', name: 'A', dailyCapacity: -1, manager: 'ghost' },
          { id: 'rep-a', name: 'B', dailyCapacity: 3 },
        ],
      }),
    );
    const { code, stderr } = await cli('simulate', '--team', path);
    expect(code).toBe(EXIT_CODES.badInput);
    expect(stderr).toContain(path);
    expect(stderr).toContain('reps[0].dailyCapacity');
  });

  it('names the line of a CSV error', async () => {
    const path = file(
      'bad.csv',
      [
        'receivedAt,channel,company.name,company.region,company.industry,need',
        '2026-03-02T10:00:00+08:00,website_form,苏州精工,江苏,汽车零部件,产线改造',
        '2026-03-02T10:05:00+08:00,website_form,"未闭合的引号,江苏,汽车零部件,产线改造',
      ].join('\n'),
    );
    const { code, stderr } = await cli('simulate', '--leads', path);
    expect(code).toBe(EXIT_CODES.badInput);
    expect(stderr).toContain(path);
    expect(stderr).toContain('line 3');
    const short = file(
      'short.csv',
      'receivedAt,channel,company.name,company.region,company.industry\n2026-03-02T10:00:00+08:00,api,x,江苏\n',
    );
    const second = await cli('simulate', '--leads', short);
    expect(second.code).toBe(EXIT_CODES.badInput);
    expect(second.stderr).toMatch(/line 2: expected 5 fields/);
  });

  it('replays leads from a CSV file; bad rows end in quarantine', async () => {
    const path = file(
      'leads.csv',
      [
        'receivedAt,channel,company.name,company.region,company.city,company.park,company.industry,contact.name,contact.phone,contact.email,budget.amount,need',
        '2026-03-02T10:00:00+08:00,website_form,苏州精工,江苏,苏州,苏州工业园区,汽车零部件,刘经理,13800138000,,500000,"冲压线自动化改造, 需要方案"',
        '2026-03-02T10:05:00+08:00,hotline_400,宁波恒通,浙江,宁波,,机械制造,王工,13900139000,wang@example.cn,,老旧设备PLC改造',
        '2026-03-02T10:07:00+08:00,hotline_400,没有地区,,宁波,,机械制造,王工,13700137000,,,询价',
        '2026-03-02T10:09:00+08:00,website_form,苏州精工,江苏,苏州,苏州工业园区,汽车零部件,刘经理,13800138000,,,再次提交',
      ].join('\r\n'),
    );
    const { code, stdout } = await cli('simulate', '--leads', path, '--json');
    expect(code).toBe(EXIT_CODES.ok);
    const report = JSON.parse(stdout);
    expect(report.input.source).toBe('explicit');
    expect(report.period.days).toBe(1);
    expect(report.counts).toMatchObject({ arrivals: 4, received: 2, quarantined: 1, duplicatesMerged: 1 });
    expect(report.counts.quarantinedByPath).toEqual({ 'company.region': 1 });
  });

  it('refuses bad arguments and periods without holiday data with exit code 2', async () => {
    for (const argv of [
      ['simulate', '--days', 'abc'],
      ['simulate', '--days', '0'],
      ['simulate', '--preset', 'acme'],
      ['simulate', '--start', '2026-02-30'],
      ['simulate', '--bogus'],
      ['simulate', '--start', '2026-12-20'],
      ['frobnicate'],
    ]) {
      const { code, stderr } = await cli(...argv);
      expect(code, argv.join(' ')).toBe(EXIT_CODES.badInput);
      expect(stderr, argv.join(' ')).not.toBe('');
    }
    const outside = await cli('simulate', '--start', '2026-12-20');
    expect(outside.stderr).toMatch(/holiday data for 2027/);
  });

  it('documents the exit codes in --help', async () => {
    const { code, stdout } = await cli('simulate', '--help');
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toMatch(/Exit codes:/);
    expect(stdout).toMatch(/--fail-on-miss/);
    expect(stdout).toMatch(/receivedAt,channel,company\.name/);
    const top = await cli('--help');
    expect(top.code).toBe(EXIT_CODES.ok);
    expect(top.stdout).toMatch(/simulate/);
  });
});
