/**
 * The playground's run inputs → `runSimulation` options, built exactly as `leadflow simulate`
 * builds them (src/cli/main.ts): the preset's rules compiled against its team, the default start
 * (2026-03-02 Asia/Shanghai), China's calendar for every year from the start to 14 days after the
 * end. The worker and the tests share this module, so the browser and Node run the same inputs.
 */

import type { CompiledRuleSet } from '../../src/rules/compile.js';
import { tryCompileRuleSet } from '../../src/rules/compile.js';
import { hengruiPreset } from '../../src/rules/presets/hengrui.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { CHINA_HOLIDAYS } from '../../src/scheduler/china-holidays.js';
import {
  DEFAULT_SIMULATION_START,
  type RunSimulationOptions,
  simulationPeriod,
} from '../../src/simulate/run.js';
import type { PlaygroundPolicy, PlaygroundTargetsConfig, RunParams } from './shape.js';

const DAY = 86_400_000;
/** Days of holiday data the calendar must cover after the end (as in the CLI). */
const CALENDAR_MARGIN_DAYS = 14;
const ZONE_OFFSET = 8 * 3_600_000;

/** A bad run input, with the field it concerns (shown next to the form). */
export class RunInputError extends Error {
  constructor(
    readonly field: keyof RunParams | 'ruleSet',
    message: string,
  ) {
    super(message);
    this.name = 'RunInputError';
  }
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

/** `runSimulation` options for the form's inputs (no callbacks), plus the compiled rule set. */
export function simulationInputs(params: RunParams): {
  options: RunSimulationOptions;
  ruleSet: CompiledRuleSet;
} {
  checkParams(params);
  const preset = params.preset === 'hengrui' ? hengruiPreset : zhikongPreset;
  const compiled = tryCompileRuleSet(preset.ruleSet, { team: preset.team });
  if (!compiled.ok)
    throw new RunInputError(
      'ruleSet',
      compiled.problems.map((p) => `${p.path || '(rule set)'}: ${p.message}`).join('\n'),
    );
  const period = simulationPeriod({
    zone: 'Asia/Shanghai',
    start: DEFAULT_SIMULATION_START,
    days: params.days,
  });
  const calendar = chinaCalendar({ years: calendarYears(period.start, period.end) });
  return {
    ruleSet: compiled.ruleSet,
    options: {
      ruleSet: compiled.ruleSet,
      team: preset.team,
      calendar,
      seed: params.seed,
      start: period.start,
      days: period.days,
      leadsPerMonth: params.leadsPerMonth,
      preset: params.preset,
    },
  };
}

/** The report as `leadflow simulate --json` prints it (report and timeline, 2-space JSON). */
export function reportJson(result: { report: unknown; timeline: unknown }): string {
  return `${JSON.stringify({ ...(result.report as object), timeline: result.timeline }, null, 2)}\n`;
}
