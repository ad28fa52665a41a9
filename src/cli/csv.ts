/**
 * CSV input of `leadflow simulate --leads file.csv`: a small RFC 4180 parser (quoted fields with
 * `""` escapes, commas and line breaks inside quotes, CRLF or LF, an optional UTF-8 BOM) and the
 * mapping of rows to raw lead payloads.
 *
 * @module
 */

/**
 * A CSV file that cannot be read: `line` is the 1-based line where the problem is (for a quoted
 * field spanning lines, the line where the record starts).
 *
 * @example
 * ```ts
 * import { CsvError, parseCsv } from './csv.js'; // src/cli/csv.ts
 * try { parseCsv('a,b\n"x,y\n'); } catch (e) { if (e instanceof CsvError) console.log(e.line); } // 2
 * ```
 */
export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

/**
 * Rows of a CSV text, each with the 1-based line its record starts on.
 *
 * @example
 * ```ts
 * import type { CsvRows } from './csv.js'; // src/cli/csv.ts
 * const rows: CsvRows = { rows: [['a', 'b']], lines: [1] };
 * ```
 */
export interface CsvRows {
  readonly rows: string[][];
  readonly lines: number[];
}

/**
 * Parse CSV text per RFC 4180. Fields may be quoted (`"…"`, with `""` for a quote) and then
 * contain commas and line breaks; a quote inside an unquoted field or text after a closing quote
 * is an error naming the line. Lines that are completely empty are skipped.
 *
 * @throws {CsvError} naming the line of the problem.
 * @example
 * ```ts
 * import { parseCsv } from './csv.js'; // src/cli/csv.ts
 * parseCsv('name,need\n"苏州精工","产线改造, 急"\n').rows; // [['name', 'need'], ['苏州精工', '产线改造, 急']]
 * ```
 */
export function parseCsv(text: string): CsvRows {
  const rows: string[][] = [];
  const lines: number[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const recordLine = line;
    const row: string[] = [];
    let endOfRecord = false;
    while (!endOfRecord) {
      let value = '';
      if (text[i] === '"') {
        const openedAt = line;
        i++;
        for (;;) {
          if (i >= n) throw new CsvError(openedAt, 'unterminated quoted field (no closing quote)');
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          value += c;
          i++;
        }
        const after = text[i];
        if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') {
          throw new CsvError(
            line,
            `unexpected ${JSON.stringify(after)} after a closing quote (field ${row.length + 1})`,
          );
        }
      } else {
        const fieldStart = i;
        while (i < n) {
          const c = text[i]!;
          if (c === ',' || c === '\n' || c === '\r') break;
          if (c === '"')
            throw new CsvError(line, `a quote inside an unquoted field (field ${row.length + 1})`);
          i++;
        }
        value = text.slice(fieldStart, i);
      }
      row.push(value);
      const c = text[i];
      if (c === ',') i++;
      else {
        if (c === '\r') i++;
        if (text[i] === '\n') i++;
        line++;
        endOfRecord = true;
      }
    }
    if (row.length === 1 && row[0] === '') continue;
    rows.push(row);
    lines.push(recordLine);
  }
  return { rows, lines };
}

/**
 * The columns a leads CSV may have. The header row names them (any order); the first five are
 * required. Empty cells are left out of the payload.
 *
 * - `receivedAt`: ISO 8601 with offset (`2026-03-02T09:30:00+08:00`) or epoch milliseconds;
 * - `channel`: `website_form`, `wechat_mp`, `douyin_live`, `hotline_400`, `trade_show`, `referral`,
 *   `whitepaper_download`, `api` or another snake_case name;
 * - `company.*`, `contact.*`: as in the lead schema; `budget.amount` a number (CNY unless
 *   `budget.currency`); `priority` `normal` or `urgent`; `tags` separated by `|` (e.g. `tender`).
 *
 * The documented header: `receivedAt,channel,company.name,company.region,company.city,company.park,company.industry,contact.name,contact.phone,contact.email,budget.amount,need`.
 *
 * @example
 * ```ts
 * import { LEAD_CSV_COLUMNS } from './csv.js'; // src/cli/csv.ts
 * LEAD_CSV_COLUMNS.slice(0, 5); // the required columns
 * ```
 */
export const LEAD_CSV_COLUMNS = [
  'receivedAt',
  'channel',
  'company.name',
  'company.region',
  'company.industry',
  'company.city',
  'company.park',
  'company.uscc',
  'company.groupId',
  'contact.name',
  'contact.title',
  'contact.phone',
  'contact.email',
  'contact.wecomId',
  'budget.amount',
  'budget.currency',
  'need',
  'campaign',
  'priority',
  'tags',
  'externalId',
] as const;

const REQUIRED = 5;

/**
 * Turn a leads CSV into raw lead payloads (one per data row, in file order). The header is
 * checked (unknown, repeated or missing required columns are errors naming line 1), every row
 * must have as many fields as the header. Values are not validated here: a row with a bad value
 * becomes a payload the engine quarantines, naming the field.
 *
 * @throws {CsvError} naming the line of a structural problem.
 * @example
 * ```ts
 * import { leadsFromCsv } from './csv.js'; // src/cli/csv.ts
 * const leads = leadsFromCsv(
 *   'receivedAt,channel,company.name,company.region,company.industry,contact.phone,budget.amount\n' +
 *     '2026-03-02T09:30:00+08:00,website_form,苏州精工,江苏,汽车零部件,13800138000,500000\n',
 * );
 * leads[0]; // { receivedAt: '2026-03-02T09:30:00+08:00', channel: 'website_form', company: { … }, contact: { phone: '13800138000' }, budget: { amount: 500000 } }
 * ```
 */
export function leadsFromCsv(text: string): unknown[] {
  const { rows, lines } = parseCsv(text);
  const header = rows[0];
  if (header === undefined) throw new CsvError(1, 'empty file: expected a header row');
  const known = new Set<string>(LEAD_CSV_COLUMNS);
  const seen = new Set<string>();
  const columns = header.map((raw, index) => {
    const name = raw.trim();
    if (!known.has(name)) {
      throw new CsvError(
        lines[0]!,
        `unknown column ${JSON.stringify(name)} (column ${index + 1}); known columns: ${LEAD_CSV_COLUMNS.join(', ')}`,
      );
    }
    if (seen.has(name)) throw new CsvError(lines[0]!, `column ${JSON.stringify(name)} appears twice`);
    seen.add(name);
    return name;
  });
  for (const required of LEAD_CSV_COLUMNS.slice(0, REQUIRED)) {
    if (!seen.has(required))
      throw new CsvError(lines[0]!, `missing required column ${JSON.stringify(required)}`);
  }
  const leads: unknown[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== columns.length) {
      throw new CsvError(
        lines[r]!,
        `expected ${columns.length} fields (as in the header), found ${row.length}`,
      );
    }
    const lead: Record<string, unknown> = {};
    const company: Record<string, unknown> = {};
    const contact: Record<string, unknown> = {};
    const budget: Record<string, unknown> = {};
    row.forEach((cell, c) => {
      const value = cell.trim();
      if (value === '') return;
      const column = columns[c]!;
      const dot = column.indexOf('.');
      if (dot > 0) {
        const group = column.slice(0, dot);
        const key = column.slice(dot + 1);
        if (group === 'company') company[key] = value;
        else if (group === 'contact') contact[key] = value;
        else budget[key] = key === 'amount' ? numberOrText(value) : value;
      } else if (column === 'receivedAt') lead.receivedAt = /^\d+$/.test(value) ? Number(value) : value;
      else if (column === 'tags')
        lead.tags = value
          .split('|')
          .map((tag) => tag.trim())
          .filter((tag) => tag !== '');
      else lead[column] = value;
    });
    lead.company = company;
    lead.contact = contact;
    if (Object.keys(budget).length > 0) lead.budget = budget;
    leads.push(lead);
  }
  return leads;
}

function numberOrText(value: string): number | string {
  const number = Number(value.replace(/,/g, ''));
  return Number.isFinite(number) ? number : value;
}
