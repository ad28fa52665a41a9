#!/usr/bin/env node
/**
 * The `leadflow` command line.
 *
 * ```
 * leadflow simulate [--preset zhikong|hengrui] [--rules file.json] [--team file.json]
 *                   [--leads file.json|file.csv|file.xlsx] [--days 30] [--leads-per-month 12000]
 *                   [--seed 42] [--start 2026-03-02] [--json] [--out report.json|report.xlsx]
 *                   [--fail-on-miss] [--lang zh|en]
 * leadflow init [--preset zhikong|hengrui] [--force] [dir]
 * leadflow check rules.json [--team team.json]
 * leadflow playground [--port 5178] [--host 127.0.0.1] [--open]
 * leadflow --version
 * ```
 *
 * `leadflow init` writes an editable `rules.json` (with `$schema`, for editor completion),
 * `team.json` and a sample `leads.csv` (see `./authoring.ts`); `leadflow check` lists every
 * problem of a rule set — schema and references — in one pass with `file:line:column`.
 *
 * `leadflow simulate` with no options replays 30 days from Monday 2026-03-02 (Asia/Shanghai) of
 * 12,000 generated leads/month (seed 42) through the `zhikong` preset's rules and team, on the
 * embedded default (memory storage, virtual clock, China's business calendar) — the owners of
 * converted leads then work their opportunities and departments answer their tasks — and prints
 * targets vs achieved, the lead funnel, the opportunities (win rate, stages), department task
 * response times, the top escalations and the stalled TOP5s (opportunities and leads, with their
 * counts). On a terminal a progress bar
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
import { replayMemoryStorage } from '../adapters/storage/replay-memory.js';
import { parseLead } from '../model/lead.js';
import type { Team } from '../model/team.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { hengruiPreset } from '../rules/presets/hengrui.js';
import { zhikongPreset } from '../rules/presets/zhikong.js';
import { chinaCalendar } from '../scheduler/calendar.js';
import { CHINA_HOLIDAYS } from '../scheduler/china-holidays.js';
import type { SimulationExtension } from '../simulate/run.js';
import { DEFAULT_SIMULATION_START, runSimulation, simulationPeriod } from '../simulate/run.js';
import { type CheckOptions, checkCommand, type InitOptions, initCommand } from './authoring.js';
import {
  compileRulesFile,
  InputError,
  type LoadedLeads,
  loadLeads,
  loadTeam,
  readJsonFile,
} from './inputs.js';
import { DEFAULT_PLAYGROUND_PORT, type PlaygroundOptions, playgroundCommand } from './playground.js';
import {
  type ChannelRow,
  languageFromEnv,
  type QuarantinedRow,
  type ReportLanguage,
  renderReport,
  reportSheets,
  targetVerdict,
} from './render.js';
import { VERSION } from './version.js';

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
  /** Stops a long-running command (`playground`, `simulate`); without it, SIGINT/SIGTERM do. */
  readonly signal?: AbortSignal;
  /** Terminal columns of stdout (the report fits them, 80 and up). @default 80 */
  readonly columns?: number;
  /** The environment the report language defaults from (`LC_ALL`, `LC_MESSAGES`, `LANG`). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
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
export const EXIT_CODES = Object.freeze({
  ok: 0,
  targetsMissed: 1,
  badInput: 2,
  internalError: 3,
  interrupted: 130,
} as const);

/** A local date (YYYY-MM-DD) of an instant in Asia/Shanghai (UTC+8), for messages. */
const shanghaiDate = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10);

const DAY = 86_400_000;
/** Days of holiday data the calendar must cover after the end (SLA timers land there). */
const CALENDAR_MARGIN_DAYS = 14;

const HELP_AFTER = `
Defaults: the zhikong preset (rules and team), 30 days from 2026-03-02 (Asia/Shanghai),
12,000 generated leads/month, seed 42, memory storage and a virtual clock.

Leads files: CSV (UTF-8 with or without BOM, or GBK/GB18030 as Excel saves it on Chinese
Windows), .xlsx (the first sheet) with a header row, or JSON (an array of lead payloads, or
{"leads": [...]}).
Columns (any order; the first five required, empty cells left out), or their Chinese names
(时间, 渠道, 公司名称, 地区/省份, 行业, 城市, 园区, 联系人, 电话, 邮箱, 预算, 需求, 标签, …):
  receivedAt,channel,company.name,company.region,company.industry,company.city,company.park,
  company.uscc,company.groupId,contact.name,contact.title,contact.phone,contact.email,
  contact.wecomId,budget.amount,budget.currency,need,campaign,priority,tags,externalId
  e.g. receivedAt,channel,company.name,company.region,company.city,company.park,company.industry,
       contact.name,contact.phone,contact.email,budget.amount,need
  receivedAt: ISO 8601 with an offset, epoch ms, or a local time in Asia/Shanghai as Excel writes
  it (2026/3/2 10:00, 2026-03-02 10:00, 2026/3/2); channel: website_form, … or 网站表单, 400热线, …;
  tags are separated by "|".
Rows the engine refuses are listed after the run with their line and reason; when every row
is refused the run exits 2.
With --leads, the run starts at the local midnight before the first lead and covers the last one
unless --start/--days say otherwise.
The report is in Chinese with --lang zh (default when LANG/LC_ALL starts with zh), else English;
--out report.xlsx writes a workbook, any other name the JSON report.

Exit codes:
  0  done (targets met, or missed without --fail-on-miss)
  1  a target was missed and --fail-on-miss was given
  2  bad input: missing or invalid file (named, with every problem and its path or CSV line),
     bad arguments, every lead quarantined, or a period outside the shipped holiday data
     (${Object.keys(CHINA_HOLIDAYS).join(', ')})
  3  internal error
  130  interrupted (Ctrl-C)
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
  lang?: ReportLanguage;
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
        `the period ${shanghaiDate(start)} + ${Math.round((end - start) / DAY)} days needs China's holiday data for ${y} ` +
          `(through ${CALENDAR_MARGIN_DAYS} days after the end, where SLA timers land); leadflow ships ${shipped}: choose --start/--days inside them`,
      );
    }
    years.push(y);
  }
  return years;
}

/** Collects per-channel figures and the reasons of quarantined payloads from the engine's events. */
function intakeWatcher() {
  const channels = new Map<string, { -readonly [K in keyof ChannelRow]: ChannelRow[K] }>();
  const channelOfLead = new Map<string, string>();
  const row = (channel: string) => {
    let entry = channels.get(channel);
    if (entry === undefined) {
      entry = {
        channel,
        arrivals: 0,
        quarantined: 0,
        merged: 0,
        received: 0,
        assigned: 0,
        escalated: 0,
        converted: 0,
      };
      channels.set(channel, entry);
    }
    return entry;
  };
  const reasons: QuarantinedRow['issues'][] = [];
  const extension: SimulationExtension = {
    name: 'cli-intake',
    setup(context) {
      const engine = context.engine;
      engine.on('lead.quarantined', (event) => {
        reasons.push(event.issues);
      });
      engine.on('lead.received', (event) => {
        channelOfLead.set(event.leadId, event.channel);
        row(event.channel).received++;
      });
      const bump = (leadId: string, key: 'assigned' | 'escalated' | 'converted') => {
        const channel = channelOfLead.get(leadId);
        if (channel !== undefined) row(channel)[key]++;
      };
      const firstAssigned = new Set<string>();
      engine.on('lead.assigned', (event) => {
        if (firstAssigned.has(event.leadId)) return;
        firstAssigned.add(event.leadId);
        bump(event.leadId, 'assigned');
      });
      const escalated = new Set<string>();
      engine.on('lead.escalated', (event) => {
        if (escalated.has(event.leadId)) return;
        escalated.add(event.leadId);
        bump(event.leadId, 'escalated');
      });
      engine.on('lead.closed', (event) => {
        if (event.state === 'converted') bump(event.leadId, 'converted');
      });
    },
  };
  const channelOfPayload = (payload: unknown) => {
    const channel = (payload as { channel?: unknown } | null)?.channel;
    return typeof channel === 'string' && channel.trim() !== '' ? channel.trim() : '(?)';
  };
  return {
    extension,
    channels: () => [...channels.values()].sort((a, b) => b.arrivals - a.arrivals),
    onIngest(
      payload: unknown,
      status: 'accepted' | 'merged' | 'quarantined',
    ): QuarantinedRow['issues'] | undefined {
      const entry = row(channelOfPayload(payload));
      entry.arrivals++;
      if (status === 'merged') entry.merged++;
      if (status !== 'quarantined') return undefined;
      entry.quarantined++;
      const issues = reasons.shift();
      if (issues !== undefined) return issues;
      const parsed = parseLead(payload);
      return parsed.ok ? [] : parsed.issues;
    },
  };
}

async function simulate(options: SimulateOptions, io: CliIo): Promise<number> {
  const lang = options.lang ?? languageFromEnv(io.env ?? process.env);
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
  const loaded: LoadedLeads | undefined =
    options.leads !== undefined ? await loadLeads(options.leads) : undefined;
  const leads = loaded?.leads;
  if (leads !== undefined && leads.length === 0)
    throw new InputError(`leads file ${options.leads} has no leads (only a header, or nothing)`);
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
        format:
          lang === 'zh'
            ? '模拟中 [{bar}] {value}/{total} 天 | 还需 {eta_formatted}'
            : 'simulating [{bar}] {value}/{total} days | {eta_formatted} left',
        hideCursor: true,
        clearOnComplete: true,
        barsize: 30,
      })
    : undefined;
  // Ctrl-C: stop at the next step, show the cursor again, exit 130.
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  const outer = io.signal;
  if (outer !== undefined) {
    if (outer.aborted) onSignal();
    else outer.addEventListener('abort', onSignal, { once: true });
  } else process.once('SIGINT', onSignal);
  const watcher = intakeWatcher();
  const quarantined: QuarantinedRow[] = [];
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
      // The report and timeline come from the KPI projection: a year's event log is not kept.
      storage: replayMemoryStorage({ eventLog: 'none' }),
      signal: controller.signal,
      extensions: [watcher.extension],
      onAction: (action) => {
        if (action.type !== 'ingest') return;
        const issues = watcher.onIngest(action.payload, action.status);
        // Rows of a leads file are reported with their line; a generated stream's bad payloads are by design.
        if (issues !== undefined && loaded !== undefined)
          quarantined.push({ line: loaded.lineOf(action.payload), issues });
      },
      ...(leads !== undefined ? { leads } : {}),
      ...(bar ? { onProgress: (day: number) => bar.update(day) } : {}),
    });
  } catch (error) {
    if (controller.signal.aborted) {
      bar?.stop();
      if (io.isTTY) io.stderr.write('\x1b[?25h');
      io.stderr.write(
        lang === 'zh' ? '\nleadflow simulate：已取消。\n' : '\nleadflow simulate: cancelled.\n',
      );
      return EXIT_CODES.interrupted;
    }
    throw error;
  } finally {
    bar?.stop();
    if (outer !== undefined) outer.removeEventListener('abort', onSignal);
    else process.removeListener('SIGINT', onSignal);
  }
  const { report, timeline } = result;
  const unit = loaded?.unit === 'row' ? 'row' : 'line';
  const where = (row: QuarantinedRow) => (row.line === undefined ? '' : `${options.leads}:${row.line}: `);
  const quarantineList = () =>
    quarantined
      .map(
        (row) => `  ${where(row)}${row.issues.map((i) => `${i.path || '(lead)'}: ${i.message}`).join('; ')}`,
      )
      .join('\n');
  if (
    leads !== undefined &&
    report.counts.arrivals > 0 &&
    report.counts.quarantined === report.counts.arrivals
  ) {
    throw new InputError(
      `every lead of ${options.leads} was quarantined (${report.counts.quarantined} of ${report.counts.arrivals}); nothing was simulated:\n${quarantineList()}`,
    );
  }
  const renderOptions = {
    lang,
    width: io.columns ?? 80,
    policies: Object.fromEntries(
      (ruleSet.source.sla.policies as readonly { id: string; description?: string }[]).map((p) => [
        p.id,
        p.description ?? p.id,
      ]),
    ),
    reps: Object.fromEntries(
      team.reps.map((rep) => [rep.id, { name: rep.name, dailyCapacity: rep.dailyCapacity }]),
    ),
    durations: {
      assignWithin: ruleSet.source.targets.assignWithin,
      firstFollowUpWithin: ruleSet.source.targets.firstFollowUpWithin,
    },
    channels: watcher.channels(),
    quarantined,
    lineUnit: unit,
    ...(options.leads !== undefined ? { leadsFile: options.leads } : {}),
  } as const;
  // The JSON report is runSimulation's (what the playground's export equals): the CLI's own
  // watcher is not part of it; quarantined rows go to stderr, channels to the table and workbook.
  const { extensions, ...rest } = report;
  const own = Object.entries(extensions ?? {}).filter(([name]) => name !== watcher.extension.name);
  const json = `${JSON.stringify(
    { ...rest, ...(own.length > 0 ? { extensions: Object.fromEntries(own) } : {}), timeline },
    null,
    2,
  )}\n`;
  if (options.out !== undefined) {
    try {
      if (options.out.toLowerCase().endsWith('.xlsx')) {
        const { default: writeExcelFile } = await import('write-excel-file/node');
        const sheets = reportSheets(report, timeline, renderOptions).map((sheet) => ({
          sheet: sheet.name,
          data: sheet.rows.map((cells) => cells.map((value) => (value === null ? null : { value }))),
          stickyRowsCount: 1,
        }));
        await writeExcelFile(sheets as never).toFile(options.out);
      } else await writeFile(options.out, json, 'utf8');
    } catch (error) {
      throw new InputError(`cannot write report file ${options.out}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (options.json) {
    io.stdout.write(json);
    if (quarantined.length > 0)
      io.stderr.write(
        `leadflow simulate: ${quarantined.length} of ${report.counts.arrivals} leads quarantined (not simulated):\n${quarantineList()}\n`,
      );
  } else {
    io.stdout.write(renderReport(report, timeline, renderOptions));
    if (options.out !== undefined)
      io.stdout.write(lang === 'zh' ? `报告已写入 ${options.out}\n` : `Report written to ${options.out}\n`);
  }
  const missed = report.targets.some((t) => targetVerdict(t) !== 'met');
  return options.failOnMiss && missed ? EXIT_CODES.targetsMissed : EXIT_CODES.ok;
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
    .version(VERSION, '-V, --version', 'print the version of leadflow')
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
    .option('--out <file>', 'also write the report to a file: report.xlsx (a workbook) or JSON')
    .option('--fail-on-miss', 'exit with code 1 when a target is missed (or cannot be judged)')
    .addOption(
      new Option(
        '--lang <lang>',
        'language of the report (default: zh when LANG/LC_ALL starts with zh)',
      ).choices(['zh', 'en']),
    )
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
  program
    .command('init')
    .description(
      'Write an editable rules.json (with $schema), team.json and a sample leads.csv to start from',
    )
    .argument('[dir]', 'directory to write into (created when missing)', '.')
    .addOption(
      new Option('--preset <name>', 'rule set and team to start from')
        .choices(['zhikong', 'hengrui'])
        .default('zhikong'),
    )
    .option('--force', 'overwrite files that exist')
    .action(async (dir: string, options: InitOptions) => {
      command = 'init';
      code = await initCommand(dir, options, io);
    });
  program
    .command('check')
    .description(
      'List every problem of a rule set (and team) file in one pass, with its JSON path and line:column',
    )
    .argument('<rules>', 'rule set JSON file')
    .option('--team <file>', 'team JSON the rules will run with (checks rep, pool and supervisor ids)')
    .addHelpText('after', '\nExit codes: 0 no problems, 2 problems (or a missing or unreadable file).\n')
    .action(async (rules: string, options: CheckOptions) => {
      command = 'check';
      code = await checkCommand(rules, options, io);
    });
  program.addHelpText(
    'after',
    '\nRun `leadflow <command> --help` for the options and exit codes of a command.\n',
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
    ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
  }).then((code) => {
    process.exitCode = code;
  });
}
