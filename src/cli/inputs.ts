import { readFile } from 'node:fs/promises';
import { parseTeam, type Team, TeamError } from '../model/team.js';
import { type CompiledRuleSet, tryCompileRuleSet } from '../rules/compile.js';
import { CsvError, leadsFromCsv } from './csv.js';

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
 * listed with its JSON path (from `tryCompileRuleSet`). `label` names the source in the message
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
  const result = tryCompileRuleSet(json, { team });
  if (result.ok) return result.ruleSet;
  const n = result.problems.length;
  throw new InputError(
    `${label} has ${n} problem${n === 1 ? '' : 's'}:\n${bullets(result.problems, '(rule set)')}`,
  );
}

/**
 * Load raw leads: a `.csv` file (see `LEAD_CSV_COLUMNS`) or JSON — an array of lead payloads, or
 * an object with a `leads` array. Payloads are not validated here (the engine quarantines bad
 * ones); structural errors name the file and, for CSV, the line.
 *
 * @throws {InputError} when the file is missing or cannot be read as leads.
 * @example
 * ```ts
 * import { loadLeads } from './inputs.js'; // src/cli/inputs.ts
 * const leads = await loadLeads('march.csv');
 * ```
 */
export async function loadLeads(path: string): Promise<unknown[]> {
  if (path.toLowerCase().endsWith('.csv')) {
    const text = await readText(path, 'leads');
    try {
      return leadsFromCsv(text);
    } catch (error) {
      if (error instanceof CsvError)
        throw new InputError(`leads file ${path}, ${error.message}`, { cause: error });
      throw error;
    }
  }
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
  return list;
}
