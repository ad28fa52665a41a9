/**
 * The playground's inputs as the CLI reads them: edited texts equal to the preset's run the
 * preset's report; bad texts name their field; an opened leads file replays as `--leads` does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyFile } from '../../playground/src/files.js';
import {
  leadsOfFile,
  RunInputError,
  type RunInputs,
  reportJson,
  simulationInputs,
} from '../../playground/src/inputs.js';
import { presetTexts } from '../../playground/src/presets.js';
import { compareCounts, compareTargets, signed } from '../../playground/src/shape.js';
import { runCli } from '../../src/cli/main.js';
import { runSimulation } from '../../src/simulate/run.js';

const params = { preset: 'hengrui', days: 4, leadsPerMonth: 900, seed: 5 } as const;
const preset: RunInputs = { params, ruleSet: null, team: null, leads: null };

async function cli(...argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await runCli(argv, {
    stdout: {
      write: (s: string) => {
        stdout += s;
      },
    },
    stderr: { write: () => {} },
    isTTY: false,
  });
  return { code, stdout };
}

const reportOf = async (inputs: RunInputs) =>
  reportJson(await runSimulation(simulationInputs(inputs).options));

const LEADS_CSV = [
  'receivedAt,channel,company.name,company.region,company.industry,contact.phone,budget.amount,need',
  '2026-03-03T10:00:00+08:00,website_form,苏州精工,江苏,汽车零部件,13800138000,500000,"冲压线自动化改造, 需要方案"',
  '2026-03-03T10:05:00+08:00,hotline_400,宁波恒通,浙江,机械制造,13900139000,,老旧设备PLC改造',
  '2026-03-04T15:07:00+08:00,hotline_400,没有地区,,机械制造,13700137000,,询价',
].join('\r\n');

describe('playground inputs', () => {
  it("the preset's own texts, edited back unchanged, give the preset's report byte for byte", async () => {
    const texts = presetTexts(params);
    const fromTexts = await reportOf({ ...preset, ruleSet: texts.ruleSet, team: texts.team });
    expect(fromTexts).toBe(await reportOf(preset));
  });

  it('an edited rule set and team run as `simulate --rules --team` does', async () => {
    const texts = presetTexts(params);
    const rules = JSON.parse(texts.ruleSet);
    rules.targets = { ...rules.targets, assignWithin: '15m' };
    const team = JSON.parse(texts.team);
    team.reps[0].dailyCapacity = 3;
    const dir = mkdtempSync(join(tmpdir(), 'leadflow-inputs-'));
    writeFileSync(join(dir, 'rules.json'), JSON.stringify(rules));
    writeFileSync(join(dir, 'team.json'), JSON.stringify(team));
    const inputs = { ...preset, ruleSet: JSON.stringify(rules, null, 2), team: JSON.stringify(team) };
    const argv = [
      'simulate',
      '--json',
      '--preset',
      'hengrui',
      '--days',
      '4',
      '--leads-per-month',
      '900',
      '--seed',
      '5',
    ];
    const out = await cli(...argv, '--rules', join(dir, 'rules.json'), '--team', join(dir, 'team.json'));
    expect(out.code).toBe(0);
    expect(await reportOf(inputs)).toBe(out.stdout);
    expect(out.stdout).not.toBe(await reportOf(preset));
  });

  it('an opened leads CSV replays as `simulate --leads` does, its period taken from the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadflow-inputs-'));
    writeFileSync(join(dir, 'leads.csv'), LEADS_CSV);
    const out = await cli(
      'simulate',
      '--json',
      '--seed',
      '5',
      '--preset',
      'hengrui',
      '--leads',
      join(dir, 'leads.csv'),
    );
    expect(out.code).toBe(0);
    const inputs = { ...preset, leads: { name: 'leads.csv', text: LEADS_CSV } };
    expect(await reportOf(inputs)).toBe(out.stdout);
    const report = JSON.parse(out.stdout);
    expect(report.period.days).toBe(2);
    expect(report.counts).toMatchObject({ arrivals: 3, quarantined: 1 });
  });

  it('bad texts and files are refused naming the field and the path or line', () => {
    const texts = presetTexts(params);
    const broken = texts.ruleSet.replace('"assignment"', '"assignmnt"');
    const cases: [Partial<RunInputs>, RunInputError['field'], RegExp][] = [
      [{ ruleSet: '{ "id": ' }, 'ruleSet', /not valid JSON/],
      [{ ruleSet: broken }, 'ruleSet', /assignmnt|assignment/],
      [{ team: '{"reps": [{"id": "r"}]}' }, 'team', /reps\[0\]\./],
      [{ leads: { name: 'x.csv', text: 'receivedAt,channel\n1,2,3\n' } }, 'leads', /x\.csv, line 1/],
      [{ leads: { name: 'x.json', text: '{"rows": []}' } }, 'leads', /JSON array of leads/],
      [{ leads: { name: 'x.json', text: '[]' } }, 'leads', /holds no leads/],
    ];
    for (const [change, field, message] of cases) {
      let error: unknown;
      try {
        simulationInputs({ ...preset, ...change });
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(change).slice(0, 60)).toBeInstanceOf(RunInputError);
      expect((error as RunInputError).field).toBe(field);
      expect((error as RunInputError).message).toMatch(message);
    }
    expect(leadsOfFile({ name: 'x.json', text: '{"leads": [{"a": 1}]}' })).toEqual([{ a: 1 }]);
  });

  it('dropped files are told apart by name and content', () => {
    const texts = presetTexts(params);
    expect(classifyFile('a.CSV', 'x').kind).toBe('leads');
    expect(classifyFile('rules.json', texts.ruleSet).kind).toBe('ruleSet');
    expect(classifyFile('t.json', texts.team).kind).toBe('team');
    expect(classifyFile('l.json', '[{}]').kind).toBe('leads');
    expect(classifyFile('l.json', '{"leads": []}').kind).toBe('leads');
    expect(classifyFile('x.json', '{"foo": 1}')).toMatchObject({ kind: 'unknown', reason: /neither/ });
    expect(classifyFile('x.txt', 'hello')).toMatchObject({ kind: 'unknown', reason: /not JSON or CSV/ });
  });

  it('a compare shows B − A per target in points and per count, better or worse by direction', async () => {
    const a = JSON.parse(await reportOf(preset));
    const texts = presetTexts(params);
    const team = JSON.parse(texts.team);
    for (const rep of team.reps) rep.dailyCapacity = 1;
    const b = JSON.parse(await reportOf({ ...preset, team: JSON.stringify(team) }));
    const config = { assignWithinMs: 300_000, firstFollowUpWithinMs: 86_400_000 };
    const rows = compareTargets(a, b, config, 'en');
    expect(rows.map((r) => r.id)).toEqual(['assignedWithin', 'followedUpWithin', 'advancedOnTime']);
    const assigned = rows[0]!;
    const points = (b.targets[0].achieved - a.targets[0].achieved) * 100;
    expect(assigned.delta).toBe(`${signed(points, 1)} pp`);
    expect(assigned.change).toBe('worse');
    const counts = compareCounts(a, b, 'en');
    const queued = counts.find((c) => c.key === 'queuedAtEnd')!;
    expect(queued.delta).toBe(signed(b.counts.queuedAtEnd - a.counts.queuedAtEnd));
    expect(queued.change).toBe(b.counts.queuedAtEnd > a.counts.queuedAtEnd ? 'worse' : 'same');
    expect(counts.find((c) => c.key === 'received')!.change).toBe('same');
    expect(compareCounts(a, a, 'en').every((c) => c.delta === '0' && c.change === 'same')).toBe(true);
  });

  it('signed numbers: a real minus sign, zero without one, separators', () => {
    expect(signed(1234)).toBe('+1,234');
    expect(signed(-3)).toBe('−3');
    expect(signed(0)).toBe('0');
    expect(signed(-0.04, 1)).toBe('0.0');
    expect(signed(2.25, 1)).toBe('+2.3');
  });
});
