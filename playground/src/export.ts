/**
 * A finished run as files: the JSON of `leadflow simulate --json`, a CSV of sections for Excel
 * (RFC 4180, CRLF, UTF-8 BOM so Excel on Chinese Windows reads it as UTF-8) and an .xlsx
 * workbook with one sheet per section. The CSV and the workbook are built from the same pure
 * tables ({@link reportTables}); write-excel-file is loaded only when a workbook is asked for,
 * so it stays out of the page's first bundle.
 */
import type { SheetData } from 'write-excel-file/browser';
import type { SimulationReport, SimulationTimeline } from '../../src/simulate/report.js';
import { EXPORT_STRINGS } from './export-strings.js';
import type { Lang } from './i18n.js';
import type { BreachRow, TargetRow } from './shape.js';

/** What the exports read: the run and the rows the page already shaped. */
export interface ExportRun {
  readonly report: SimulationReport;
  readonly timeline: SimulationTimeline;
  /** `targetRows(report, targets, lang)` of shape.ts (descriptions in words). */
  readonly targets: readonly TargetRow[];
  /** `breachRows(report, policies)` of shape.ts (policies with their descriptions). */
  readonly breaches: readonly BreachRow[];
}

/** A cell: text, a number, or a number shown as a percentage or as hours. */
export type ExportCell =
  | string
  | number
  | { readonly value: number; readonly format: 'percent' | 'hours' }
  | null;

/** One section of the export: a CSV block and a workbook sheet. */
export interface ExportTable {
  readonly id: 'targets' | 'counts' | 'breaches' | 'daily' | 'departments';
  /** Section title in the CSV. */
  readonly title: string;
  /** Sheet name in the workbook. */
  readonly sheet: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly ExportCell[])[];
}

/** A sheet as write-excel-file takes it (the same in its browser and Node entries). */
export interface WorkbookSheet {
  readonly sheet: string;
  readonly data: SheetData;
  readonly columns: { width: number }[];
  readonly stickyRowsCount: number;
}

export const CSV_MIME = 'text/csv;charset=utf-8';
export const JSON_MIME = 'application/json';
export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The report as `leadflow simulate --json` prints it (the same as `reportJson` of inputs.ts). */
export function reportJsonText(run: Pick<ExportRun, 'report' | 'timeline'>): string {
  return `${JSON.stringify({ ...run.report, timeline: run.timeline }, null, 2)}\n`;
}

/** A file name for an export: rule set, start date, days and seed (`leadflow-zhikong-2026-03-02-30d-seed42.csv`). */
export function reportFileName(report: SimulationReport, extension: 'json' | 'csv' | 'xlsx'): string {
  const id = report.ruleSet.id.replace(/[^\w.-]+/g, '-');
  return `leadflow-${id}-${localDate(report.period.start, report.period.zone)}-${report.period.days}d-seed${report.seed}.${extension}`;
}

/** Scalar counts of {@link SimulationReport.counts}, in the report's order. */
const COUNT_KEYS = [
  'arrivals',
  'afterEnd',
  'received',
  'quarantined',
  'duplicatesMerged',
  'valid',
  'assigned',
  'offered',
  'claimed',
  'queued',
  'queuedAtEnd',
  'nurturing',
  'followedUp',
  'converted',
  'disqualified',
  'reassigned',
  'escalations',
] as const;

const HOUR = 3_600_000;

/** The sections of the export, in CSV order: targets, counts, breaches, per day, departments. */
export function reportTables(run: ExportRun, lang: Lang): ExportTable[] {
  const s = EXPORT_STRINGS[lang];
  const { report, timeline } = run;
  const share = (value: number | null): ExportCell => (value === null ? null : { value, format: 'percent' });
  const hours = (ms: number | null): ExportCell =>
    ms === null ? null : { value: Math.round((ms / HOUR) * 100) / 100, format: 'hours' };

  const targets: ExportTable = {
    id: 'targets',
    title: s.titles.targets,
    sheet: s.sheets.targets,
    columns: [
      s.targets.description,
      s.targets.target,
      s.targets.achieved,
      s.targets.met,
      s.targets.missed,
      s.targets.pending,
      s.targets.passed,
    ],
    rows: run.targets.map((row) => {
      const t = report.targets.find((target) => target.id === row.id)!;
      return [
        row.description,
        share(t.target),
        share(t.achieved),
        t.met,
        t.missed,
        t.pending,
        s.verdict[row.state],
      ];
    }),
  };

  const p = report.period;
  const counts: ExportTable = {
    id: 'counts',
    title: s.titles.counts,
    sheet: s.sheets.counts,
    columns: [s.counts.item, s.counts.key, s.counts.value],
    rows: [
      [s.run.ruleSet, 'ruleSet.id', report.ruleSet.id],
      [s.run.ruleSetName, 'ruleSet.name', report.ruleSet.name],
      [s.run.version, 'ruleSet.version', report.ruleSet.version],
      [s.run.seed, 'seed', report.seed],
      [s.run.start, 'period.start', localDate(p.start, p.zone)],
      [s.run.days, 'period.days', p.days],
      [s.run.workingDays, 'period.workingDays', p.workingDays],
      [s.run.zone, 'period.zone', p.zone],
      [s.run.reps, 'team.reps', report.team.reps],
      [s.run.dailyCapacity, 'team.dailyCapacity', report.team.dailyCapacity],
      [s.run.leadsPerMonth, 'input.leadsPerMonth', report.input.leadsPerMonth],
      [s.run.passed, 'passed', report.passed ? s.yes : s.no],
      ...COUNT_KEYS.map((key): ExportCell[] => [s.countLabels[key], `counts.${key}`, report.counts[key]]),
    ],
  };

  const breaches: ExportTable = {
    id: 'breaches',
    title: s.titles.breaches,
    sheet: s.sheets.breaches,
    columns: [s.breaches.policy, s.breaches.description, s.breaches.count],
    // The count as a number from the report: the row's own is formatted for the page (`1,234`).
    rows: run.breaches.map((row) => [
      row.policyId,
      row.description,
      report.counts.breachesByPolicy[row.policyId] ?? 0,
    ]),
  };

  const daily: ExportTable = {
    id: 'daily',
    title: s.titles.daily,
    sheet: s.sheets.daily,
    columns: [
      s.daily.date,
      s.daily.received,
      s.daily.assigned,
      s.daily.breaches,
      s.daily.queued,
      s.daily.queueDepth,
    ],
    rows: timeline.days.map((day, i) => [
      day,
      timeline.received[i] ?? 0,
      timeline.assigned[i] ?? 0,
      timeline.breaches[i] ?? 0,
      timeline.queued[i] ?? 0,
      timeline.queueDepth[i] ?? 0,
    ]),
  };

  const departments: ExportTable = {
    id: 'departments',
    title: s.titles.departments,
    sheet: s.sheets.departments,
    columns: [
      s.departments.department,
      s.departments.name,
      s.departments.created,
      s.departments.done,
      s.departments.overdue,
      s.departments.onTimeShare,
      s.departments.acknowledgeHours,
      s.departments.completeHours,
    ],
    rows: report.departments.map((d) => [
      d.department,
      d.name,
      d.created,
      d.done,
      d.overdue,
      share(d.onTimeShare),
      hours(d.acknowledgeP50Ms),
      hours(d.completeP50Ms),
    ]),
  };

  return [targets, counts, breaches, daily, departments];
}

// ---------------------------------------------------------------------------------------------
// CSV

/** The report as CSV: one titled block per section, blank lines between, CRLF, UTF-8 BOM. */
export function reportCsv(run: ExportRun, lang: Lang): string {
  const lines: string[] = [];
  for (const table of reportTables(run, lang)) {
    if (lines.length > 0) lines.push('');
    lines.push(csvRow([table.title]), csvRow(table.columns));
    for (const row of table.rows) lines.push(csvRow(row.map(csvText)));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function csvText(cell: ExportCell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return String(cell);
  if (typeof cell === 'object') return String(cell.value);
  // A text starting like a formula would run as one in Excel: descriptions come from rule sets
  // that may arrive in a shared link.
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

function csvRow(fields: readonly string[]): string {
  return fields
    .map((field) => (/[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field))
    .join(',');
}

// ---------------------------------------------------------------------------------------------
// Workbook

const SHEET_ORDER: readonly ExportTable['id'][] = ['targets', 'daily', 'breaches', 'departments', 'counts'];
const WIDTHS: Readonly<Record<ExportTable['id'], readonly number[]>> = {
  targets: [56, 12, 12, 10, 10, 10, 16],
  daily: [12, 10, 12, 12, 18, 18],
  breaches: [24, 56, 12],
  departments: [14, 14, 10, 10, 10, 14, 24, 24],
  counts: [34, 24, 36],
};

/** The workbook's sheets (targets, daily, breaches, departments, counts), ready for write-excel-file. */
export function workbookSheets(run: ExportRun, lang: Lang): WorkbookSheet[] {
  const tables = reportTables(run, lang);
  return SHEET_ORDER.map((id) => {
    const table = tables.find((t) => t.id === id)!;
    return {
      sheet: table.sheet,
      data: [
        table.columns.map((column) => ({ value: column, type: String, fontWeight: 'bold' as const })),
        ...table.rows.map((row) => row.map(workbookCell)),
      ],
      columns: WIDTHS[id].map((width) => ({ width })),
      stickyRowsCount: 1,
    };
  });
}

function workbookCell(cell: ExportCell): SheetData[number][number] {
  if (cell === null) return null;
  if (typeof cell === 'string') return { value: cell, type: String };
  if (typeof cell === 'number') return { value: cell, type: Number };
  return { value: cell.value, type: Number, format: cell.format === 'percent' ? '0.0%' : '0.00' };
}

/** The report as an .xlsx file (write-excel-file, loaded on first use). */
export async function reportWorkbook(run: ExportRun, lang: Lang): Promise<Blob> {
  const { default: writeXlsxFile } = await import('write-excel-file/browser');
  return writeXlsxFile(workbookSheets(run, lang)).toBlob();
}

// ---------------------------------------------------------------------------------------------
// Download

/** The bits of the DOM a download uses (typed here: the module is also type-checked for Node). */
interface DownloadDocument {
  createElement(tag: 'a'): { href: string; download: string; click(): void; remove(): void };
  body: { append(node: object): void };
}

/** Save `blob` as `filename` through an `<a download>` click; the object URL is revoked after. */
export function downloadBlob(blob: Blob, filename: string): void {
  const document = (globalThis as unknown as { document: DownloadDocument }).document;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The click only starts the download; revoking on the next task leaves it the URL until then.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** `YYYY-MM-DD` of an instant (ISO text) in a time zone. */
function localDate(iso: string, zone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));
}
