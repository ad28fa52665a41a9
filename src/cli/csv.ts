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
 * - `receivedAt`: ISO 8601 with offset (`2026-03-02T09:30:00+08:00`), epoch milliseconds, or a
 *   local time as Excel writes it (`2026/3/2 10:00`, `2026-03-02 10:00`, `2026/3/2`), read in
 *   Asia/Shanghai (see {@link readArrivalTime});
 * - `channel`: `website_form`, `wechat_mp`, `douyin_live`, `hotline_400`, `trade_show`, `referral`,
 *   `whitepaper_download`, `api` or another snake_case name, or a Chinese name (`网站表单`,
 *   `400热线`, … — {@link CHANNEL_ALIASES});
 * - every column may be headed by a Chinese name instead (`公司名称`, `地区`/`省份`, `行业`, …);
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

/** Header spellings accepted besides the column names (compared trimmed, case- and space-insensitive). */
const COLUMN_ALIASES: Readonly<Record<(typeof LEAD_CSV_COLUMNS)[number], readonly string[]>> = {
  receivedAt: [
    'received_at',
    'received at',
    'time',
    'date',
    '接收时间',
    '提交时间',
    '留资时间',
    '创建时间',
    '时间',
    '日期',
  ],
  channel: ['source', '渠道', '来源', '来源渠道', '线索来源', '渠道来源'],
  'company.name': ['company', '公司名称', '公司', '企业名称', '企业', '客户名称', '单位名称'],
  'company.region': ['region', 'province', '地区', '省份', '省', '区域', '所在地区'],
  'company.industry': ['industry', '行业', '所属行业'],
  'company.city': ['city', '城市', '市'],
  'company.park': ['park', '园区', '开发区', '所在园区'],
  'company.uscc': ['uscc', '统一社会信用代码', '信用代码', '社会信用代码'],
  'company.groupId': ['group', '集团', '集团编号', '所属集团'],
  'contact.name': ['contact', '联系人', '姓名', '联系人姓名'],
  'contact.title': ['title', '职务', '职位'],
  'contact.phone': ['phone', 'mobile', '电话', '手机', '手机号', '联系电话', '手机号码'],
  'contact.email': ['email', 'e-mail', '邮箱', '电子邮箱', '邮件'],
  'contact.wecomId': ['wecom', '企业微信', '企微', '企业微信号'],
  'budget.amount': ['budget', '预算', '预算金额', '预算(元)', '预算（元）', '预算金额(元)', '预算金额（元）'],
  'budget.currency': ['currency', '币种', '货币'],
  need: ['需求', '需求描述', '意向', '客户需求'],
  campaign: ['活动', '营销活动', '推广活动'],
  priority: ['优先级', '紧急程度'],
  tags: ['标签'],
  externalId: ['id', 'external id', '编号', '线索编号', '外部编号', '线索id'],
};

const normalizeHeader = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/[\s\u3000]+/g, ' ');

const HEADER_NAMES: ReadonlyMap<string, string> = new Map(
  LEAD_CSV_COLUMNS.flatMap((column) => [
    [normalizeHeader(column), column] as const,
    ...COLUMN_ALIASES[column].map((alias) => [normalizeHeader(alias), column] as const),
  ]),
);

/**
 * Channel names as sales-ops people write them (Chinese, or the English words), mapped to
 * leadflow's channel ids. Compared trimmed and case-insensitive, spaces ignored.
 *
 * @example
 * ```ts
 * import { CHANNEL_ALIASES } from './csv.js'; // src/cli/csv.ts
 * CHANNEL_ALIASES['网站表单']; // 'website_form'
 * ```
 */
export const CHANNEL_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  网站表单: 'website_form',
  官网表单: 'website_form',
  官网: 'website_form',
  网站: 'website_form',
  websiteform: 'website_form',
  公众号: 'wechat_mp',
  微信公众号: 'wechat_mp',
  微信: 'wechat_mp',
  抖音: 'douyin_live',
  抖音直播: 'douyin_live',
  抖音直播表单: 'douyin_live',
  '400热线': 'hotline_400',
  '400电话': 'hotline_400',
  热线: 'hotline_400',
  热线电话: 'hotline_400',
  展会: 'trade_show',
  展会线索: 'trade_show',
  渠道推荐: 'referral',
  推荐: 'referral',
  转介绍: 'referral',
  渠道转介: 'referral',
  白皮书下载: 'whitepaper_download',
  白皮书: 'whitepaper_download',
  接口: 'api',
  api: 'api',
});

const PRIORITY_ALIASES: Readonly<Record<string, string>> = {
  紧急: 'urgent',
  加急: 'urgent',
  急: 'urgent',
  普通: 'normal',
  一般: 'normal',
  正常: 'normal',
};

function channelOf(value: string): string {
  const key = value
    .trim()
    .toLowerCase()
    .replace(/[\s\u3000]+/g, '');
  return CHANNEL_ALIASES[key] ?? CHANNEL_ALIASES[value.trim()] ?? value.trim();
}

/** The zone local times without an offset are read in (the calendar's). */
export const LOCAL_ZONE = 'Asia/Shanghai';
/** Excel's largest date serial (9999-12-31); a smaller number in a time column is a serial. */
const MAX_EXCEL_SERIAL = 2_958_466;
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A wall time in Asia/Shanghai (UTC+8 all year since 1991) as ISO 8601 with its offset, or undefined when not a real date. */
function localIso(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): string | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return undefined;
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}+08:00`;
}

const YMD =
  /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:(?:\s+|T|\s*)(上午|下午|AM|PM)?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.\d{1,3})?)?\s*秒?\s*(上午|下午|AM|PM)?)?$/i;
const MDY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?\s*(AM|PM)?)?$/i;

function hour24(hour: number, meridiem: string | undefined): number {
  if (meridiem === undefined) return hour;
  const pm = /^(pm|下午)$/i.test(meridiem);
  if (hour === 12) return pm ? 12 : 0;
  return pm ? hour + 12 : hour;
}

/**
 * Read an arrival time as people save it: ISO 8601 with an offset or `Z` (kept), epoch
 * milliseconds, an Excel date serial, or a local time without an offset — `2026-03-02 10:00`,
 * `2026/3/2 10:00`, `2026/3/2`, `2026年3月2日 10:00`, `2026-03-02T10:00:00`, `3/2/2026 10:00 AM`
 * (Excel's en-US) — read in Asia/Shanghai. Anything else is returned as it was, for the
 * quarantine to name.
 *
 * @example
 * ```ts
 * import { readArrivalTime } from './csv.js'; // src/cli/csv.ts
 * readArrivalTime('2026/3/2 10:00'); // '2026-03-02T10:00:00+08:00' (02:00Z)
 * ```
 */
export function readArrivalTime(value: string | number | Date): string | number {
  if (value instanceof Date) {
    // Spreadsheet readers give a wall time as if it were UTC; it is a Shanghai wall time.
    const t = value.getTime();
    if (!Number.isFinite(t)) return String(value);
    const d = new Date(t);
    return (
      localIso(
        d.getUTCFullYear(),
        d.getUTCMonth() + 1,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
      ) ?? String(value)
    );
  }
  if (typeof value === 'number') {
    if (value > 0 && value < MAX_EXCEL_SERIAL)
      return readArrivalTime(new Date(Math.round(EXCEL_EPOCH_MS + value * 86_400_000)));
    return value;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return readArrivalTime(Number(text));
  if (/^\d+\.\d+$/.test(text) && Number(text) < MAX_EXCEL_SERIAL) return readArrivalTime(Number(text));
  if (/(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) && /^\d{4}-\d{2}-\d{2}T/.test(text)) return text;
  const ymd = YMD.exec(text);
  if (ymd) {
    const [, y, mo, d, before, h, mi, s, after] = ymd;
    return (
      localIso(
        Number(y),
        Number(mo),
        Number(d),
        h === undefined ? 0 : hour24(Number(h), before ?? after),
        Number(mi ?? 0),
        Number(s ?? 0),
      ) ?? text
    );
  }
  const mdy = MDY.exec(text);
  if (mdy) {
    const [, mo, d, y, h, mi, s, meridiem] = mdy;
    return (
      localIso(
        Number(y),
        Number(mo),
        Number(d),
        h === undefined ? 0 : hour24(Number(h), meridiem),
        Number(mi ?? 0),
        Number(s ?? 0),
      ) ?? text
    );
  }
  return text;
}

/**
 * A cell as a spreadsheet reader gives it (`.xlsx`): text, a number, a boolean, a date or empty.
 *
 * @example
 * ```ts
 * import type { Cell } from './csv.js'; // src/cli/csv.ts
 * const row: Cell[] = ['2026/3/2 10:00', '网站表单', null];
 * ```
 */
export type Cell = string | number | boolean | Date | null | undefined;

/**
 * Raw lead payloads from rows of cells, with the file line (or sheet row) of each.
 *
 * @example
 * ```ts
 * import type { LeadRows } from './csv.js'; // src/cli/csv.ts
 * const read: LeadRows = { leads: [], lines: [] };
 * ```
 */
export interface LeadRows {
  readonly leads: unknown[];
  /** `lines[i]` is the 1-based line (CSV) or row (sheet) `leads[i]` came from. */
  readonly lines: number[];
}

/**
 * Map a header row and data rows to raw lead payloads: column names or their aliases
 * (`公司名称` → `company.name`, `地区`/`省份` → `company.region`, …), channel names in Chinese
 * (`网站表单` → `website_form`), arrival times as {@link readArrivalTime} reads them, budgets with
 * `¥`, thousands separators or `万`. Rows whose cells are all empty are skipped.
 *
 * @throws {CsvError} naming the line of a header problem or of a row with too many fields.
 * @example
 * ```ts
 * import { leadsFromRows } from './csv.js'; // src/cli/csv.ts
 * leadsFromRows([['时间', '渠道', '公司名称', '地区', '行业'], ['2026/3/2 10:00', '网站表单', '苏州精工', '江苏', '汽车零部件']], [1, 2]);
 * ```
 */
export function leadsFromRows(
  rows: readonly (readonly Cell[])[],
  lines: readonly number[],
  options: { strictWidth?: boolean } = {},
): LeadRows {
  const header = rows[0];
  if (header === undefined) throw new CsvError(1, 'empty file: expected a header row');
  const seen = new Set<string>();
  const columns = header.map((raw, index) => {
    const text = raw === null || raw === undefined ? '' : String(raw);
    const name = HEADER_NAMES.get(normalizeHeader(text));
    if (name === undefined) {
      if (text.trim() === '' && !options.strictWidth) return undefined;
      throw new CsvError(
        lines[0]!,
        `unknown column ${JSON.stringify(text.trim())} (column ${index + 1}); known columns: ${LEAD_CSV_COLUMNS.join(', ')} (or their Chinese names, e.g. 时间, 渠道, 公司名称, 地区, 行业, 联系人, 电话, 预算, 需求)`,
      );
    }
    if (seen.has(name))
      throw new CsvError(lines[0]!, `column ${JSON.stringify(name)} appears twice (column ${index + 1})`);
    seen.add(name);
    return name;
  });
  for (const required of LEAD_CSV_COLUMNS.slice(0, REQUIRED)) {
    if (!seen.has(required))
      throw new CsvError(lines[0]!, `missing required column ${JSON.stringify(required)}`);
  }
  const leads: unknown[] = [];
  const leadLines: number[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    if (options.strictWidth && row.length !== columns.length) {
      throw new CsvError(
        lines[r]!,
        `expected ${columns.length} fields (as in the header), found ${row.length}`,
      );
    }
    if (row.every((cell) => cell === null || cell === undefined || String(cell).trim() === '')) continue;
    const lead: Record<string, unknown> = {};
    const company: Record<string, unknown> = {};
    const contact: Record<string, unknown> = {};
    const budget: Record<string, unknown> = {};
    row.forEach((cell, c) => {
      const column = columns[c];
      if (column === undefined || cell === null || cell === undefined) return;
      if (column === 'receivedAt') {
        if (typeof cell === 'string' && cell.trim() === '') return;
        lead.receivedAt = readArrivalTime(typeof cell === 'boolean' ? String(cell) : cell);
        return;
      }
      const value = cell instanceof Date ? (readArrivalTime(cell) as string) : String(cell).trim();
      if (value === '') return;
      const dot = column.indexOf('.');
      if (dot > 0) {
        const group = column.slice(0, dot);
        const key = column.slice(dot + 1);
        if (group === 'company') company[key] = value;
        else if (group === 'contact') contact[key] = value;
        else budget[key] = key === 'amount' ? (typeof cell === 'number' ? cell : amountOrText(value)) : value;
      } else if (column === 'channel') lead.channel = channelOf(value);
      else if (column === 'priority') lead.priority = PRIORITY_ALIASES[value] ?? value;
      else if (column === 'tags')
        lead.tags = value
          .split(/[|、，,;；]/)
          .map((tag) => tag.trim())
          .filter((tag) => tag !== '');
      else lead[column] = value;
    });
    lead.company = company;
    lead.contact = contact;
    if (Object.keys(budget).length > 0) lead.budget = budget;
    leads.push(lead);
    leadLines.push(lines[r]!);
  }
  return { leads, lines: leadLines };
}

/**
 * Turn a leads CSV into raw lead payloads (one per data row, in file order), with the line of
 * each. The header is checked (unknown, repeated or missing required columns are errors naming
 * line 1), every row must have as many fields as the header. Values are not validated here: a
 * row with a bad value becomes a payload the engine quarantines, naming the field.
 *
 * @throws {CsvError} naming the line of a structural problem.
 * @example
 * ```ts
 * import { readLeadsCsv } from './csv.js'; // src/cli/csv.ts
 * const { leads, lines } = readLeadsCsv('时间,渠道,公司名称,地区,行业\n2026/3/2 10:00,网站表单,苏州精工,江苏,汽车零部件\n');
 * lines; // [2]
 * ```
 */
export function readLeadsCsv(text: string): LeadRows {
  const { rows, lines } = parseCsv(text);
  return leadsFromRows(rows, lines, { strictWidth: true });
}

/**
 * Turn a leads CSV into raw lead payloads (one per data row, in file order); see
 * {@link readLeadsCsv} (which also gives each payload's line).
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
  return readLeadsCsv(text).leads;
}

function amountOrText(value: string): number | string {
  const cleaned = value.replace(/[,，\s¥￥]/g, '').replace(/元$/, '');
  const wan = /^(\d+(?:\.\d+)?)万$/.exec(cleaned);
  if (wan) return Math.round(Number(wan[1]) * 10_000);
  const number = Number(cleaned);
  return cleaned !== '' && Number.isFinite(number) ? number : value;
}
