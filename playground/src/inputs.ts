/**
 * The playground's run inputs → `runSimulation` options, built exactly as `leadflow simulate`
 * builds them (src/cli/main.ts): the preset's or the edited rules compiled against the preset's or
 * the edited team, the default start (2026-03-02 Asia/Shanghai) or an opened leads file's period,
 * China's calendar for every year from the start to 14 days after the end. The worker and the
 * tests share this module, so the browser and Node run the same inputs.
 */

import { CsvError, leadsFromCsv } from '../../src/cli/csv.js';
import { parseTeam, type Team, TeamError } from '../../src/model/team.js';
import type { CompiledRuleSet } from '../../src/rules/compile.js';
import { tryCompileRuleSet } from '../../src/rules/compile.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { CHINA_HOLIDAYS } from '../../src/scheduler/china-holidays.js';
import {
  DEFAULT_SIMULATION_START,
  type RunSimulationOptions,
  simulationPeriod,
} from '../../src/simulate/run.js';
import { presetOf } from './presets.js';
import type { PlaygroundPolicy, PlaygroundTargetsConfig, RunParams } from './shape.js';

const DAY = 86_400_000;
/** Days of holiday data the calendar must cover after the end (as in the CLI). */
const CALENDAR_MARGIN_DAYS = 14;
const ZONE_OFFSET = 8 * 3_600_000;

/** What a run input concerns: a form field, the rule-set or team text, or the leads file. */
export type RunInputField = keyof RunParams | 'ruleSet' | 'team' | 'leads';

/** A bad run input, with the field it concerns (shown next to the form or editor). */
export class RunInputError extends Error {
  constructor(
    readonly field: RunInputField,
    message: string,
  ) {
    super(message);
    this.name = 'RunInputError';
  }
}

/**
 * Everything a run reads: the form, and the texts the user edited or opened. `null` texts mean
 * the preset's own rule set or team, and the generated stream instead of uploaded leads.
 */
export interface RunInputs {
  readonly params: RunParams;
  /** The rule set as JSON text, or null for the preset's. */
  readonly ruleSet: string | null;
  /** The team as JSON text, or null for the preset's. */
  readonly team: string | null;
  /** An opened leads file (CSV or JSON), replayed instead of the generated stream. */
  readonly leads: { readonly name: string; readonly text: string } | null;
}

/** Years of China's holiday data a run needs; an error naming the first year not shipped. */
export function calendarYears(start: number, end: number): number[] {
  const year = (t: number) => new Date(t + ZONE_OFFSET).getUTCFullYear();
  const years: number[] = [];
  for (let y = year(start); y <= year(end + CALENDAR_MARGIN_DAYS * DAY); y++) {
    if (CHINA_HOLIDAYS[y] === undefined)
      throw new RunInputError(
        'days',
        `needs China's holiday data for ${y}; leadflow ships ${Object.keys(CHINA_HOLIDAYS).join(', ')}`,
      );
    years.push(y);
  }
  return years;
}

/** Check the form's numbers (integers in range); throws {@link RunInputError}. */
export function checkParams(params: RunParams): void {
  const int = (field: 'days' | 'leadsPerMonth' | 'seed', min: number, max: number) => {
    const value = params[field];
    if (!Number.isInteger(value) || value < min || value > max)
      throw new RunInputError(field, `${field}: expected an integer from ${min} to ${max}`);
  };
  int('days', 1, 366);
  int('leadsPerMonth', 1, 200_000);
  int('seed', 0, 2 ** 31 - 1);
  if (params.preset !== 'zhikong' && params.preset !== 'hengrui')
    throw new RunInputError('preset', `preset: expected zhikong or hengrui`);
}

/** What the page needs beside the report: the targets' durations and the SLA policies' texts. */
export function describeRuleSet(ruleSet: CompiledRuleSet): {
  targets: PlaygroundTargetsConfig;
  policies: PlaygroundPolicy[];
} {
  const t = ruleSet.source.targets;
  return {
    targets: { assignWithinMs: t.assignWithin, firstFollowUpWithinMs: t.firstFollowUpWithin },
    policies: ruleSet.source.sla.policies.map((p) => ({ id: p.id, description: p.description ?? null })),
  };
}

function parseJsonText(text: string, field: 'ruleSet' | 'team' | 'leads', what: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new RunInputError(field, `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

const bullets = (items: readonly { path: string; message: string }[], whole: string) =>
  items.map((item) => `- ${item.path === '' ? whole : item.path}: ${item.message}`).join('\n');

/** The team a run uses: the preset's, or the edited text (every issue listed with its path). */
export function runTeam(inputs: Pick<RunInputs, 'params' | 'team'>): Team {
  if (inputs.team === null) return presetOf(inputs.params).team;
  try {
    return parseTeam(parseJsonText(inputs.team, 'team', 'the team'));
  } catch (error) {
    if (!(error instanceof TeamError)) throw error;
    throw new RunInputError('team', bullets(error.issues, '(team)'));
  }
}

/**
 * Raw leads of an opened file, read as `leadflow simulate --leads` reads it: `.csv` by its
 * documented columns, anything else as JSON (an array, or an object with a `leads` array).
 */
export function leadsOfFile(file: { readonly name: string; readonly text: string }): unknown[] {
  if (file.name.toLowerCase().endsWith('.csv')) {
    try {
      return leadsFromCsv(file.text);
    } catch (error) {
      if (error instanceof CsvError) throw new RunInputError('leads', `${file.name}, ${error.message}`);
      throw error;
    }
  }
  const json = parseJsonText(file.text, 'leads', file.name);
  if (Array.isArray(json)) return json;
  if (typeof json === 'object' && json !== null && Array.isArray((json as { leads?: unknown }).leads))
    return (json as { leads: unknown[] }).leads;
  throw new RunInputError(
    'leads',
    `${file.name}: expected a JSON array of leads (or an object with a "leads" array)`,
  );
}

/**
 * `runSimulation` options for the inputs (no callbacks), plus the compiled rule set — built as
 * `leadflow simulate [--preset p] [--rules r.json] [--team t.json] [--leads l.csv] --seed s`
 * builds them: with a leads file, the period is the file's (local midnight before the first
 * arrival to the day of the last), as the CLI does without `--days`.
 */
export function simulationInputs(inputs: RunInputs): {
  options: RunSimulationOptions;
  ruleSet: CompiledRuleSet;
} {
  const { params } = inputs;
  checkParams(params);
  const team = runTeam(inputs);
  const source =
    inputs.ruleSet === null
      ? presetOf(params).ruleSet
      : parseJsonText(inputs.ruleSet, 'ruleSet', 'the rule set');
  const compiled = tryCompileRuleSet(source, { team });
  if (!compiled.ok) throw new RunInputError('ruleSet', bullets(compiled.problems, '(rule set)'));
  const leads = inputs.leads === null ? undefined : leadsOfFile(inputs.leads);
  if (leads !== undefined && leads.length === 0)
    throw new RunInputError('leads', `${inputs.leads!.name}: holds no leads`);
  const period = simulationPeriod({
    zone: 'Asia/Shanghai',
    ...(leads !== undefined ? { leads } : { start: DEFAULT_SIMULATION_START, days: params.days }),
  });
  const calendar = chinaCalendar({ years: calendarYears(period.start, period.end) });
  return {
    ruleSet: compiled.ruleSet,
    options: {
      ruleSet: compiled.ruleSet,
      team,
      calendar,
      seed: params.seed,
      start: period.start,
      days: period.days,
      leadsPerMonth: params.leadsPerMonth,
      preset: params.preset,
      ...(leads !== undefined ? { leads } : {}),
    },
  };
}

/** The report as `leadflow simulate --json` prints it (report and timeline, 2-space JSON). */
export function reportJson(result: { report: unknown; timeline: unknown }): string {
  return `${JSON.stringify({ ...(result.report as object), timeline: result.timeline }, null, 2)}\n`;
}
