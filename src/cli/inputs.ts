import { readFile } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { parseTeam, type Team, TeamError } from '../model/team.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { type Cell, CsvError, type LeadRows, leadsFromRows, readLeadsCsv } from './csv.js';
import { checkRuleSet } from './rules-check.js';

/**
 * Bad input to the CLI (a missing or invalid file, a bad argument): the message names the file
 * and every problem; the CLI prints it and exits with code 2.
 *
 * @example
 * ```ts
 * import { InputError } from './inputs.js'; // src/cli/inputs.ts
 * throw new InputError('team file team.json not found');
 * ```
 */
export class InputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InputError';
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${what} file not found: ${path}`, { cause: error });
    if (code === 'EISDIR') throw new InputError(`${what} file ${path} is a directory`, { cause: error });
    throw new InputError(`cannot read ${what} file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Read and parse a JSON file; errors name the file (and JSON's position of a syntax error).
 *
 * @throws {InputError} when the file is missing, unreadable or not JSON.
 * @example
 * ```ts
 * import { readJsonFile } from './inputs.js'; // src/cli/inputs.ts
 * const rules = await readJsonFile('rules.json', 'rules');
 * ```
 */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  const text = await readText(path, what);
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new InputError(`${what} file ${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

const bullets = (items: readonly { path: string; message: string }[], whole: string) =>
  items.map((item) => `  - ${item.path === '' ? whole : item.path}: ${item.message}`).join('\n');

/**
 * Load a team file (JSON, the `TeamInput` shape): every issue is listed with its path.
 *
 * @throws {InputError} naming the file and each issue (`reps[0].dailyCapacity: …`).
 * @example
 * ```ts
 * import { loadTeam } from './inputs.js'; // src/cli/inputs.ts
 * const team = await loadTeam('team.json');
 * ```
 */
export async function loadTeam(path: string): Promise<Team> {
  const json = await readJsonFile(path, 'team');
  try {
    return parseTeam(json);
  } catch (error) {
    if (!(error instanceof TeamError)) throw error;
    const n = error.issues.length;
    throw new InputError(
      `team file ${path} has ${n} issue${n === 1 ? '' : 's'}:\n${bullets(error.issues, '(team)')}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Compile a rule set (JSON already read) against the team it will run with; every problem is
 * listed with its JSON path, schema and reference problems in one pass (`checkRuleSet`). `label` names the source in the message
 * (`rules file rules.json`).
 *
 * @throws {InputError} naming the file and each problem (`assignment.rules[2].strategy.pool: …`).
 * @example
 * ```ts
 * import { compileRulesFile, readJsonFile } from './inputs.js'; // src/cli/inputs.ts
 * const compiled = compileRulesFile(await readJsonFile('rules.json', 'rules'), team, 'rules file rules.json');
 * ```
 */
export function compileRulesFile(json: unknown, team: Team, label: string): CompiledRuleSet {
  const result = checkRuleSet(json, { team });
  if (result.ok) return result.ruleSet;
  const n = result.problems.length;
  throw new InputError(
    `${label} has ${n} problem${n === 1 ? '' : 's'}:\n${bullets(result.problems, '(rule set)')}`,
  );
}

/**
 * Decode a text file as people save it: UTF-8 (with or without a BOM), UTF-16 with a BOM, or —
 * when the bytes are not valid UTF-8 — GBK/GB18030 (Excel's "CSV" on Chinese Windows).
 *
 * @throws {InputError} naming the file when the bytes are none of these.
 * @example
 * ```ts
 * import { decodeText } from './inputs.js'; // src/cli/inputs.ts
 * decodeText(Buffer.from('时间,渠道\n'), 'leads.csv'); // '时间,渠道\n'
 * ```
 */
export function decodeText(bytes: Uint8Array, path: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // not UTF-8: try GB18030 (a superset of GBK and GB2312)
  }
  const text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'gb18030');
  const replaced = text.indexOf('\uFFFD');
  let control = false;
  for (let i = 0; i < text.length && !control; i++) {
    const code = text.charCodeAt(i);
    control = code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c;
  }
  if (replaced >= 0 || control) {
    throw new InputError(
      `leads file ${path} is neither UTF-8 nor GBK/GB18030 text (save it from Excel as "CSV UTF-8", or as .xlsx)`,
    );
  }
  return text;
}

/**
 * Raw leads read from a file, with where each came from: `lineOf(payload)` is the CSV line or
 * sheet row (1-based) of a payload, `undefined` for JSON files.
 *
 * @example
 * ```ts
 * import type { LoadedLeads } from './inputs.js'; // src/cli/inputs.ts
 * const where = (loaded: LoadedLeads, payload: unknown) => loaded.lineOf(payload);
 * ```
 */
export interface LoadedLeads {
  readonly leads: unknown[];
  readonly lineOf: (payload: unknown) => number | undefined;
  /** What `lineOf` counts: CSV lines, sheet rows, or nothing (JSON). */
  readonly unit: 'line' | 'row' | null;
}

function withLines({ leads, lines }: LeadRows, unit: 'line' | 'row'): LoadedLeads {
  const map = new Map<unknown, number>();
  leads.forEach((lead, index) => {
    map.set(lead, lines[index]!);
  });
  return { leads, lineOf: (payload) => map.get(payload), unit };
}

async function readBytes(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${what} file not found: ${path}`, { cause: error });
    if (code === 'EISDIR') throw new InputError(`${what} file ${path} is a directory`, { cause: error });
    throw new InputError(`cannot read ${what} file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Load raw leads: a `.csv` file (see `LEAD_CSV_COLUMNS`; UTF-8 or GBK), an `.xlsx` workbook (the
 * first sheet, the same header and aliases; date cells read in Asia/Shanghai) or JSON — an array
 * of lead payloads, or an object with a `leads` array. Payloads are not validated here (the
 * engine quarantines bad ones); structural errors name the file and, for CSV, the line.
 *
 * @throws {InputError} when the file is missing or cannot be read as leads.
 * @example
 * ```ts
 * import { loadLeads } from './inputs.js'; // src/cli/inputs.ts
 * const { leads, lineOf } = await loadLeads('march.csv');
 * ```
 */
export async function loadLeads(path: string): Promise<LoadedLeads> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.txt')) {
    const text = decodeText(await readBytes(path, 'leads'), path);
    try {
      return withLines(readLeadsCsv(text), 'line');
    } catch (error) {
      if (error instanceof CsvError)
        throw new InputError(`leads file ${path}, ${error.message}`, { cause: error });
      throw error;
    }
  }
  if (lower.endsWith('.xlsx')) {
    const bytes = await readBytes(path, 'leads');
    let rows: Cell[][];
    try {
      const { readSheet } = await import('read-excel-file/node');
      rows = (await readSheet(bytes)) as unknown as Cell[][];
    } catch (error) {
      throw new InputError(
        `leads file ${path} is not a readable .xlsx workbook: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    try {
      return withLines(
        leadsFromRows(
          rows,
          rows.map((_, index) => index + 1),
        ),
        'row',
      );
    } catch (error) {
      if (error instanceof CsvError)
        throw new InputError(`leads file ${path}, first sheet, ${error.message.replace(/^line/, 'row')}`, {
          cause: error,
        });
      throw error;
    }
  }
  if (lower.endsWith('.xls'))
    throw new InputError(`leads file ${path}: the old .xls format is not supported; save it as .xlsx or CSV`);
  const json = await readJsonFile(path, 'leads');
  const list = Array.isArray(json)
    ? json
    : typeof json === 'object' && json !== null && Array.isArray((json as { leads?: unknown }).leads)
      ? (json as { leads: unknown[] }).leads
      : undefined;
  if (list === undefined)
    throw new InputError(
      `leads file ${path}: expected a JSON array of leads (or an object with a "leads" array)`,
    );
  return { leads: list, lineOf: () => undefined, unit: null };
}
