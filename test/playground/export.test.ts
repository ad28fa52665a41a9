import { beforeAll, describe, expect, it } from 'vitest';
import writeXlsxFile from 'write-excel-file/node';
import {
  type ExportRun,
  reportCsv,
  reportFileName,
  reportJsonText,
  reportTables,
  workbookSheets,
} from '../../playground/src/export.js';
import { EXPORT_STRINGS } from '../../playground/src/export-strings.js';
import { LANGS } from '../../playground/src/i18n.js';
import { describeRuleSet, reportJson } from '../../playground/src/inputs.js';
import { breachRows, targetRows } from '../../playground/src/shape.js';
import { parseCsv } from '../../src/cli/csv.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { runSimulation, type SimulationResult } from '../../src/simulate/run.js';

let result: SimulationResult;
let described: ReturnType<typeof describeRuleSet>;

beforeAll(async () => {
  const ruleSet = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
  described = describeRuleSet(ruleSet);
  result = await runSimulation({
    ruleSet,
    team: zhikongPreset.team,
    calendar: chinaCalendar({ years: [2026] }),
    days: 5,
    leadsPerMonth: 1500,
    seed: 3,
  });
});

function exportRun(lang: (typeof LANGS)[number], policies = described.policies): ExportRun {
  return {
    report: result.report,
    timeline: result.timeline,
    targets: targetRows(result.report, described.targets, lang),
    breaches: breachRows(result.report, policies),
  };
}

/** The CSV's sections by title: header row and data rows. */
function csvSections(csv: string, lang: (typeof LANGS)[number]) {
  const { rows } = parseCsv(csv);
  const titles = Object.values(EXPORT_STRINGS[lang].titles);
  const sections = new Map<string, { header: string[]; rows: string[][] }>();
  let current: { header: string[]; rows: string[][] } | undefined;
  for (const row of rows) {
    if (row.length === 1 && titles.includes(row[0]!)) {
      current = { header: [], rows: [] };
      sections.set(row[0]!, current);
    } else if (current!.header.length === 0) current!.header = row;
    else current!.rows.push(row);
  }
  return sections;
}

describe('reportJsonText', () => {
  it('is what leadflow simulate --json prints', () => {
    expect(reportJsonText(result)).toBe(reportJson(result));
    expect(JSON.parse(reportJsonText(result)).timeline).toEqual(result.timeline);
  });
});

describe('reportCsv', () => {
  it.each(LANGS)('starts with a BOM, uses CRLF, and parses back to the report (%s)', (lang) => {
    const csv = reportCsv(exportRun(lang), lang);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replaceAll('\r\n', '')).not.toMatch(/\n/);
    const s = EXPORT_STRINGS[lang];
    const sections = csvSections(csv, lang);
    expect([...sections.keys()]).toEqual([
      s.titles.targets,
      s.titles.counts,
      s.titles.breaches,
      s.titles.daily,
      s.titles.departments,
    ]);

    const targets = sections.get(s.titles.targets)!;
    expect(targets.header).toEqual(Object.values(s.targets));
    const rows = targetRows(result.report, described.targets, lang);
    expect(targets.rows).toHaveLength(result.report.targets.length);
    result.report.targets.forEach((t, i) => {
      const [description, target, achieved, met, missed, pending, passed] = targets.rows[i]!;
      expect(description).toBe(rows[i]!.description);
      expect(Number(target)).toBe(t.target);
      expect(achieved === '' ? null : Number(achieved)).toBe(t.achieved);
      expect([Number(met), Number(missed), Number(pending)]).toEqual([t.met, t.missed, t.pending]);
      expect(passed).toBe(s.verdict[rows[i]!.state]);
    });

    const daily = sections.get(s.titles.daily)!;
    expect(daily.header).toEqual(Object.values(s.daily));
    const t = result.timeline;
    expect(daily.rows).toEqual(
      t.days.map((day, i) =>
        [day, t.received[i], t.assigned[i], t.breaches[i], t.queued[i], t.queueDepth[i]].map(String),
      ),
    );

    const counts = new Map(sections.get(s.titles.counts)!.rows.map(([, key, value]) => [key!, value!]));
    for (const [key, value] of Object.entries(result.report.counts))
      if (typeof value === 'number') expect(Number(counts.get(`counts.${key}`)), key).toBe(value);
    expect(counts.get('seed')).toBe('3');
    expect(counts.get('period.start')).toBe('2026-03-02');
    expect(counts.get('ruleSet.id')).toBe('zhikong');

    const breaches = sections.get(s.titles.breaches)!.rows;
    const expected = Object.entries(result.report.counts.breachesByPolicy).filter(([, n]) => n > 0);
    expect(breaches).toHaveLength(expected.length);
    expect(breaches.length).toBeGreaterThan(0);
    for (const [policyId, count] of expected) {
      const row = breaches.find(([id]) => id === policyId)!;
      expect(Number(row[2])).toBe(count);
      expect(row[1]).toBe(described.policies.find((p) => p.id === policyId)!.description ?? policyId);
    }
    // The opportunities' department tasks (all three start with the opportunity), one row each.
    const departments = sections.get(s.titles.departments)!.rows;
    expect(departments.map((row) => row[0])).toEqual(result.report.departments.map((d) => d.department));
    expect(departments.map((row) => Number(row[2]))).toEqual(result.report.departments.map((d) => d.created));
  });

  it('quotes a description with a comma and a quote, and keeps formulas as text', () => {
    const policies = described.policies.map((p) =>
      p.id === 'unopened-30m'
        ? { ...p, description: '30 分钟未打开, 企微提醒 "含行为快照"' }
        : p.id === 'first-follow-up-24h'
          ? { ...p, description: '=HYPERLINK("http://x","y")' }
          : p,
    );
    const csv = reportCsv(exportRun('zh-CN', policies), 'zh-CN');
    expect(csv).toContain('unopened-30m,"30 分钟未打开, 企微提醒 ""含行为快照""",');
    const breaches = csvSections(csv, 'zh-CN').get(EXPORT_STRINGS['zh-CN'].titles.breaches)!.rows;
    expect(breaches.find(([id]) => id === 'unopened-30m')![1]).toBe('30 分钟未打开, 企微提醒 "含行为快照"');
    expect(breaches.find(([id]) => id === 'first-follow-up-24h')![1]).toBe('\'=HYPERLINK("http://x","y")');
  });

  it('writes departments with shares and hours', () => {
    const report = {
      ...result.report,
      departments: [
        {
          department: 'technical',
          name: '技术部',
          created: 5,
          done: 4,
          overdue: 1,
          onTimeShare: 0.75,
          acknowledgeP50Ms: 5_594_598,
          completeP50Ms: null,
        },
      ],
    };
    const run = { ...exportRun('en'), report };
    const sections = csvSections(reportCsv(run, 'en'), 'en');
    expect(sections.get('Department task response')!.rows).toEqual([
      ['technical', '技术部', '5', '4', '1', '0.75', '1.55', ''],
    ]);
    const sheet = workbookSheets(run, 'en').find((x) => x.sheet === 'Departments')!;
    expect(sheet.data[1]).toEqual([
      { value: 'technical', type: String },
      { value: '技术部', type: String },
      { value: 5, type: Number },
      { value: 4, type: Number },
      { value: 1, type: Number },
      { value: 0.75, type: Number, format: '0.0%' },
      { value: 1.55, type: Number, format: '0.00' },
      null,
    ]);
  });
});

describe('workbook', () => {
  it('has one sheet per section, numbers as numbers, shares with a percent format, dates as text', () => {
    const sheets = workbookSheets(exportRun('zh-CN'), 'zh-CN');
    expect(sheets.map((x) => x.sheet)).toEqual(['目标', '每日', '违约', '部门', '原始数据']);
    expect(workbookSheets(exportRun('en'), 'en').map((x) => x.sheet)).toEqual([
      'Targets',
      'Daily',
      'Breaches',
      'Departments',
      'Counts',
    ]);
    const [targets, daily, breaches, , counts] = sheets;
    expect(targets!.data).toHaveLength(1 + result.report.targets.length);
    result.report.targets.forEach((t, i) => {
      const row = targets!.data[i + 1]!;
      expect(row[1]).toEqual({ value: t.target, type: Number, format: '0.0%' });
      expect(row[2]).toEqual(
        t.achieved === null ? null : { value: t.achieved, type: Number, format: '0.0%' },
      );
      expect(row.slice(3, 6)).toEqual([t.met, t.missed, t.pending].map((value) => ({ value, type: Number })));
    });
    const t = result.timeline;
    expect(daily!.data.slice(1)).toEqual(
      t.days.map((day, i) => [
        { value: day, type: String },
        ...[t.received[i], t.assigned[i], t.breaches[i], t.queued[i], t.queueDepth[i]].map((value) => ({
          value,
          type: Number,
        })),
      ]),
    );
    for (const row of breaches!.data.slice(1)) {
      const policyId = (row[0] as { value: string }).value;
      expect(row[2]).toEqual({ value: result.report.counts.breachesByPolicy[policyId], type: Number });
    }
    const received = counts!.data.find((row) => (row[1] as { value: string }).value === 'counts.received')!;
    expect(received[2]).toEqual({ value: result.report.counts.received, type: Number });
    for (const sheet of sheets)
      expect(sheet.data[0]!.every((c) => (c as { fontWeight: string }).fontWeight === 'bold')).toBe(true);
  });

  it('writes an .xlsx (a zip) through write-excel-file', async () => {
    const buffer = await writeXlsxFile(workbookSheets(exportRun('zh-CN'), 'zh-CN')).toBuffer();
    expect(buffer.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(buffer.length).toBeGreaterThan(2_000);
  });

  it('names the files after the run', () => {
    expect(reportFileName(result.report, 'xlsx')).toBe('leadflow-zhikong-2026-03-02-5d-seed3.xlsx');
  });

  it('tables are the same in both languages but for the words', () => {
    const numbers = (lang: (typeof LANGS)[number]) =>
      reportTables(exportRun(lang), lang).map((table) =>
        table.rows.map((row) => row.filter((cell) => typeof cell !== 'string')),
      );
    expect(numbers('en')).toEqual(numbers('zh-CN'));
  });
});
