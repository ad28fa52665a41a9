#!/usr/bin/env node
/**
 * The `leadflow` command line.
 *
 * ```
 * leadflow simulate [--preset zhikong|hengrui] [--rules file.json] [--team file.json]
 *                   [--leads file.json|file.csv] [--days 30] [--leads-per-month 12000]
 *                   [--seed 42] [--start 2026-03-02] [--json] [--out report.json] [--fail-on-miss]
 * leadflow playground [--port 5178] [--host 127.0.0.1] [--open]
 * ```
 *
 * `leadflow simulate` with no options replays 30 days from Monday 2026-03-02 (Asia/Shanghai) of
 * 12,000 generated leads/month (seed 42) through the `zhikong` preset's rules and team, on the
 * embedded default (memory storage, virtual clock, China's business calendar) — the owners of
 * converted leads then work their opportunities and departments answer their tasks — and prints
 * targets vs achieved, the lead funnel, the opportunities (win rate, stages), department task
 * response times, the top escalations and the stalled TOP5. On a terminal a progress bar
 * over simulated days goes to stderr. `--json` prints the JSON report (with its per-day
 * `timeline`) on stdout instead; `--out` also writes it to a file.
 *
 * `leadflow playground` serves the browser app shipped in the package (`dist/playground/`) on
 * localhost, prints its URL and runs until Ctrl-C (`--port 0` picks a free port); see
 * `./playground.ts`.
 *
 * Exit codes:
 * - `0` — done (targets met, or missed without `--fail-on-miss`);
 * - `1` — a target was missed and `--fail-on-miss` was given;
 * - `2` — bad input: a missing or invalid file (named, with every problem and its JSON path or
 *   CSV line), bad arguments, or a period outside the shipped holiday data;
 * - `3` — internal error (a bug: please report it with the message).
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Team } from '../model/team.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { hengruiPreset } from '../rules/presets/hengrui.js';
import { zhikongPreset } from '../rules/presets/zhikong.js';
import { chinaCalendar } from '../scheduler/calendar.js';
import { CHINA_HOLIDAYS } from '../scheduler/china-holidays.js';
import { DEFAULT_SIMULATION_START, runSimulation, simulationPeriod } from '../simulate/run.js';
import { compileRulesFile, InputError, loadLeads, loadTeam, readJsonFile } from './inputs.js';
import { DEFAULT_PLAYGROUND_PORT, type PlaygroundOptions, playgroundCommand } from './playground.js';
import { renderReport } from './render.js';

/**
 * Where the CLI writes: stdout for results, stderr for progress and errors, and whether stderr is
 * a terminal (progress bar). Tests pass string collectors.
 *
 * @example
 * ```ts
 * import type { CliIo } from './main.js'; // src/cli/main.ts
 * let out = '';
 * const io: CliIo = { stdout: { write: (s) => { out += s; } }, stderr: { write: () => {} }, isTTY: false };
 * ```
 */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  /** Whether stderr is an interactive terminal (shows the progress bar). */
  readonly isTTY: boolean;
  /** Stops a long-running command (`playground`); without it, SIGINT/SIGTERM do. */
  readonly signal?: AbortSignal;
}

/**
 * Exit codes of the CLI (see the module documentation).
 *
 * @example
 * ```ts
 * import { EXIT_CODES } from './main.js'; // src/cli/main.ts
 * if ((await runCli(['simulate', '--fail-on-miss'], io)) === EXIT_CODES.targetsMissed) console.log('missed');
 * ```
 */
export const EXIT_CODES = Object.freeze({ ok: 0, targetsMissed: 1, badInput: 2, internalError: 3 } as const);

const DAY = 86_400_000;
/** Days of holiday data the calendar must cover after the end (SLA timers land there). */
const CALENDAR_MARGIN_DAYS = 14;

const HELP_AFTER = `
Defaults: the zhikong preset (rules and team), 30 days from 2026-03-02 (Asia/Shanghai),
12,000 generated leads/month, seed 42, memory storage and a virtual clock.

Leads files: JSON (an array of lead payloads, or {"leads": [...]}) or CSV with a header row.
CSV columns (any order; the first five required, empty cells left out):
  receivedAt,channel,company.name,company.region,company.industry,company.city,company.park,
  company.uscc,company.groupId,contact.name,contact.title,contact.phone,contact.email,
  contact.wecomId,budget.amount,budget.currency,need,campaign,priority,tags,id
  e.g. receivedAt,channel,company.name,company.region,company.city,company.park,company.industry,
       contact.name,contact.phone,contact.email,budget.amount,need
  receivedAt is ISO 8601 with an offset or epoch ms; tags are separated by "|".
With --leads, the run starts at the local midnight before the first lead and covers the last one
unless --start/--days say otherwise.

Exit codes:
  0  done (targets met, or missed without --fail-on-miss)
  1  a target was missed and --fail-on-miss was given
  2  bad input: missing or invalid file (named, with every problem and its path or CSV line),
     bad arguments, or a period outside the shipped holiday data (${Object.keys(CHINA_HOLIDAYS).join(', ')})
  3  internal error
`;

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    return n;
  };
}

function number(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}.`);
    return n;
  };
}

function localDate(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00+08:00`) : Number.NaN;
  if (!Number.isFinite(ms) || new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10) !== value)
    throw new InvalidArgumentError('expected a date YYYY-MM-DD (local to Asia/Shanghai).');
  return ms;
}

interface SimulateOptions {
  preset: 'zhikong' | 'hengrui';
  rules?: string;
  team?: string;
  leads?: string;
  days?: number;
  leadsPerMonth: number;
  seed: number;
  start?: number;
  json?: boolean;
  out?: string;
  failOnMiss?: boolean;
}

/** Years of holiday data a run needs, or an error naming the first year leadflow does not ship. */
function calendarYears(start: number, end: number): number[] {
  const year = (t: number) => new Date(t + 8 * 3_600_000).getUTCFullYear();
  const from = year(start);
  const to = year(end + CALENDAR_MARGIN_DAYS * DAY);
  const years: number[] = [];
  for (let y = from; y <= to; y++) {
    if (CHINA_HOLIDAYS[y] === undefined) {
      const shipped = Object.keys(CHINA_HOLIDAYS).join(', ');
      throw new InputError(
        `the period ${new Date(start).toISOString().slice(0, 10)} + ${Math.round((end - start) / DAY)} days needs China's holiday data for ${y} ` +
          `(through ${CALENDAR_MARGIN_DAYS} days after the end, where SLA timers land); leadflow ships ${shipped}: choose --start/--days inside them`,
      );
    }
    years.push(y);
  }
  return years;
}

async function simulate(options: SimulateOptions, io: CliIo): Promise<number> {
  const preset = options.preset === 'hengrui' ? hengruiPreset : zhikongPreset;
  const team: Team = options.team !== undefined ? await loadTeam(options.team) : preset.team;
  let ruleSet: CompiledRuleSet;
  if (options.rules !== undefined) {
    ruleSet = compileRulesFile(
      await readJsonFile(options.rules, 'rules'),
      team,
      `rules file ${options.rules}`,
    );
  } else {
    ruleSet = compileRulesFile(
      preset.ruleSet,
      team,
      `the ${options.preset} preset's rules (with team file ${options.team ?? '-'})`,
    );
  }
  const leads = options.leads !== undefined ? await loadLeads(options.leads) : undefined;
  const period = simulationPeriod({
    zone: 'Asia/Shanghai',
    ...(options.start !== undefined
      ? { start: options.start }
      : leads
        ? {}
        : { start: DEFAULT_SIMULATION_START }),
    ...(options.days !== undefined ? { days: options.days } : leads ? {} : { days: 30 }),
    ...(leads !== undefined ? { leads } : {}),
  });
  const calendar = chinaCalendar({ years: calendarYears(period.start, period.end) });

  const showProgress = io.isTTY && !options.json;
  const bar = showProgress
    ? new SingleBar({
        stream: io.stderr as unknown as NodeJS.WritableStream,
        format: 'simulating [{bar}] {value}/{total} days | {eta_formatted} left',
        hideCursor: true,
        clearOnComplete: true,
        barsize: 30,
      })
    : undefined;
  bar?.start(period.days, 0);
  let result: Awaited<ReturnType<typeof runSimulation>>;
  try {
    result = await runSimulation({
      ruleSet,
      team,
      calendar,
      seed: options.seed,
      start: period.start,
      days: period.days,
      leadsPerMonth: options.leadsPerMonth,
      preset: options.preset,
      ...(leads !== undefined ? { leads } : {}),
      ...(bar ? { onProgress: (day: number) => bar.update(day) } : {}),
    });
  } finally {
    bar?.stop();
  }
  const { report, timeline } = result;
  const json = `${JSON.stringify({ ...report, timeline }, null, 2)}\n`;
  if (options.out !== undefined) {
    try {
      await writeFile(options.out, json, 'utf8');
    } catch (error) {
      throw new InputError(`cannot write report file ${options.out}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (options.json) io.stdout.write(json);
  else {
    io.stdout.write(renderReport(report, timeline));
    if (options.out !== undefined) io.stdout.write(`JSON report written to ${options.out}\n`);
  }
  return options.failOnMiss && !report.passed ? EXIT_CODES.targetsMissed : EXIT_CODES.ok;
}

/**
 * Run the `leadflow` CLI with `argv` (the arguments after the program name, e.g.
 * `['simulate', '--json']`) writing to `io`; resolves to the exit code (never calls
 * `process.exit`). Exit codes: 0 ok, 1 targets missed (only with `--fail-on-miss`), 2 bad input
 * (bad file / bad arguments), 3 internal error.
 *
 * @example
 * ```ts
 * import { runCli } from './main.js'; // src/cli/main.ts
 * let out = '';
 * const code = await runCli(['simulate', '--days', '7', '--json'], {
 *   stdout: { write: (s) => { out += s; } },
 *   stderr: { write: () => {} },
 *   isTTY: false,
 * });
 * JSON.parse(out).targets; // targets vs achieved
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT_CODES.ok;
  let command = 'simulate';
  const program = new Command('leadflow')
    .description('leadflow — lead workflow engine tools')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showSuggestionAfterError();
  program
    .command('simulate')
    .description(
      'Replay simulated (or given) leads through the real engine with simulated reps and departments (leads, then the opportunities of converted leads) and report the targets',
    )
    .addOption(
      new Option('--preset <name>', 'rule set, team and lead market to start from')
        .choices(['zhikong', 'hengrui'])
        .default('zhikong'),
    )
    .option('--rules <file>', 'rule set JSON (replaces the preset rules)')
    .option('--team <file>', 'team JSON (replaces the preset team)')
    .option('--leads <file>', 'leads to replay (JSON or CSV) instead of a generated stream')
    .option(
      '--days <n>',
      'simulated days (default 30; with --leads: to the last lead)',
      integer('--days', 1, 3_660),
    )
    .option(
      '--leads-per-month <n>',
      'volume of the generated stream',
      number('--leads-per-month', 0, 10_000_000),
      12_000,
    )
    .option(
      '--seed <n>',
      'seed of the generated stream and of the simulated people',
      integer('--seed', 0, 4_294_967_295),
      42,
    )
    .option(
      '--start <date>',
      'first simulated day, YYYY-MM-DD in Asia/Shanghai (default 2026-03-02)',
      localDate,
    )
    .option('--json', 'print the JSON report (with its per-day timeline) on stdout instead of the table')
    .option('--out <file>', 'also write the JSON report to a file')
    .option('--fail-on-miss', 'exit with code 1 when a target is missed')
    .addHelpText('after', HELP_AFTER)
    .action(async (options: SimulateOptions) => {
      code = await simulate(options, io);
    });
  program
    .command('playground')
    .description('Serve the playground (the browser app shipped in the package) on localhost until Ctrl-C')
    .option(
      '--port <n>',
      'port to listen on (0 picks a free one)',
      integer('--port', 0, 65_535),
      DEFAULT_PLAYGROUND_PORT,
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--open', 'open the page in the default browser')
    .action(async (options: PlaygroundOptions) => {
      command = 'playground';
      code = await playgroundCommand(options, io, io.signal !== undefined ? { signal: io.signal } : {});
    });
  program.addHelpText(
    'after',
    '\nRun `leadflow simulate --help` for the options and exit codes, `leadflow playground --help` for the server.\n',
  );

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed help or the message.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
        return EXIT_CODES.ok;
      if (error.code === 'commander.help' && error.exitCode === 0) return EXIT_CODES.ok;
      return EXIT_CODES.badInput;
    }
    if (error instanceof InputError) {
      io.stderr.write(`leadflow ${command}: ${error.message}\n`);
      return EXIT_CODES.badInput;
    }
    io.stderr.write(`leadflow: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT_CODES.internalError;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  void runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stderr.isTTY === true,
  }).then((code) => {
    process.exitCode = code;
  });
}
