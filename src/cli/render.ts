/**
 * The report of `leadflow simulate` for sales-ops people: in Chinese (`zh`) or English (`en`),
 * in words rather than KPI jargon, with policy descriptions instead of ids, a one-line diagnosis
 * where the simulation can tell, per-rep and per-channel tables, fitted to the terminal width
 * (80 columns and up; numbers are never split). {@link reportSheets} gives the same tables for a
 * workbook.
 *
 * @module
 */
import { OPPORTUNITY_STAGES } from '../rules/stages.js';
import type { SimulationReport, SimulationTarget, SimulationTimeline } from '../simulate/report.js';

/**
 * Terminal columns a string occupies: East Asian wide and full-width characters (CJK, Hangul,
 * full-width forms) take two, everything else one.
 *
 * @example
 * ```ts
 * import { displayWidth } from './render.js'; // src/cli/render.ts
 * displayWidth('苏州 ok'); // 7
 * ```
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

function charWidth(char: string): number {
  const code = char.codePointAt(0)!;
  const wide =
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x20000 && code <= 0x3fffd);
  return wide ? 2 : 1;
}

/**
 * Language of the report.
 *
 * @example
 * ```ts
 * import type { ReportLanguage } from './render.js'; // src/cli/render.ts
 * const lang: ReportLanguage = 'zh';
 * ```
 */
export type ReportLanguage = 'zh' | 'en';

/**
 * The report language a locale implies: `zh` when `LC_ALL`, `LC_MESSAGES` or `LANG` (the first
 * set) starts with `zh`, else `en`.
 *
 * @example
 * ```ts
 * import { languageFromEnv } from './render.js'; // src/cli/render.ts
 * languageFromEnv({ LANG: 'zh_CN.UTF-8' }); // 'zh'
 * ```
 */
export function languageFromEnv(env: Readonly<Record<string, string | undefined>>): ReportLanguage {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/**
 * Figures of one intake channel over a run, counted by the CLI from the engine's events.
 *
 * @example
 * ```ts
 * import type { ChannelRow } from './render.js'; // src/cli/render.ts
 * const row: ChannelRow = { channel: 'website_form', arrivals: 10, quarantined: 1, merged: 0, received: 9, assigned: 8, escalated: 1, converted: 2 };
 * ```
 */
export interface ChannelRow {
  readonly channel: string;
  readonly arrivals: number;
  readonly quarantined: number;
  readonly merged: number;
  readonly received: number;
  readonly assigned: number;
  readonly escalated: number;
  readonly converted: number;
}

/**
 * A quarantined input row: its line in the leads file (when it came from one) and why.
 *
 * @example
 * ```ts
 * import type { QuarantinedRow } from './render.js'; // src/cli/render.ts
 * const row: QuarantinedRow = { line: 4, issues: [{ path: 'company.region', message: 'Required' }] };
 * ```
 */
export interface QuarantinedRow {
  readonly line: number | undefined;
  readonly issues: readonly { readonly path: string; readonly message: string }[];
}

/**
 * What the report needs besides the simulation report itself.
 *
 * @example
 * ```ts
 * import type { RenderOptions } from './render.js'; // src/cli/render.ts
 * const options: RenderOptions = { lang: 'zh', width: 80 };
 * ```
 */
export interface RenderOptions {
  /** @default 'en' */
  readonly lang?: ReportLanguage;
  /** Terminal columns; below 80 the report is laid out for 80. @default 80 */
  readonly width?: number;
  /** SLA policy descriptions by id (shown instead of the ids). */
  readonly policies?: Readonly<Record<string, string | undefined>>;
  /** Rep names and daily capacity by id. */
  readonly reps?: Readonly<Record<string, { readonly name: string; readonly dailyCapacity: number }>>;
  /** The rule set's target durations (ms), for the target names. */
  readonly durations?: { readonly assignWithin: number; readonly firstFollowUpWithin: number };
  readonly channels?: readonly ChannelRow[];
  readonly quarantined?: readonly QuarantinedRow[];
  /** What a quarantined row's `line` counts. @default 'line' */
  readonly lineUnit?: 'line' | 'row';
  /** The leads file name, when leads came from one. */
  readonly leadsFile?: string;
}

/**
 * A target's verdict: met, missed, or nothing decided (no lead reached its deadline) — which
 * shows as "—" and counts as missed for `--fail-on-miss`.
 *
 * @example
 * ```ts
 * import { targetVerdict } from './render.js'; // src/cli/render.ts
 * targetVerdict({ met: 0, missed: 0, passed: true }); // 'undecided'
 * ```
 */
export function targetVerdict(
  target: Pick<SimulationTarget, 'met' | 'missed' | 'passed'>,
): 'met' | 'missed' | 'undecided' {
  if (target.met + target.missed === 0) return 'undecided';
  return target.passed ? 'met' : 'missed';
}

const CHANNEL_NAMES: Readonly<Record<string, readonly [string, string]>> = {
  website_form: ['网站表单', 'website form'],
  wechat_mp: ['微信公众号', 'WeChat official account'],
  douyin_live: ['抖音直播表单', 'Douyin live form'],
  hotline_400: ['400 热线', '400 hotline'],
  trade_show: ['展会', 'trade show'],
  referral: ['渠道推荐', 'referral'],
  whitepaper_download: ['白皮书下载', 'whitepaper download'],
  api: ['系统接口', 'API'],
};

const FIELD_NAMES: Readonly<Record<string, string>> = {
  receivedAt: '接收时间',
  channel: '渠道',
  company: '公司信息',
  'company.name': '公司名称',
  'company.region': '地区',
  'company.industry': '行业',
  'company.city': '城市',
  'company.park': '园区',
  'company.uscc': '统一社会信用代码',
  contact: '联系人信息',
  'contact.name': '联系人',
  'contact.phone': '电话',
  'contact.email': '邮箱',
  'budget.amount': '预算金额',
  'budget.currency': '币种',
  need: '需求',
  priority: '优先级',
  tags: '标签',
};

const STAGE_LABELS: Readonly<Record<string, string>> = Object.fromEntries(
  OPPORTUNITY_STAGES.map((stage) => [stage.id, stage.label]),
);
const STAGE_EN: Readonly<Record<string, string>> = {
  leadConfirmation: 'lead confirmation',
  needsDiagnosis: 'needs diagnosis',
  solutionMatching: 'solution matching',
  sampleQuotation: 'sample & quotation',
  contractReview: 'contract review',
  deliveryKickoff: 'delivery kickoff',
};

const LEAD_STATE_NAMES: Readonly<Record<string, readonly [string, string]>> = {
  received: ['待分配', 'received, not decided'],
  'awaitingAssignment.offered': ['抢单中', 'offered, not claimed'],
  'awaitingAssignment.queued': ['主管队列中', 'in the supervisor queue'],
  assigned: ['已分配未查看', 'assigned, not opened'],
  opened: ['已查看未跟进', 'opened, not followed up'],
  contacted: ['已跟进未转化', 'followed up, not converted'],
  recycled: ['在公海', 'in the pool'],
};

/** Below this many days a run is shorter than the default sales cycle (≈ 10 weeks plus delays). */
const SALES_CYCLE_DAYS = 90;

const int = (value: number) => value.toLocaleString('en-US');
const pct = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);

function words(lang: ReportLanguage) {
  const zh = lang === 'zh';
  const duration = (ms: number) => {
    const units: [number, string, string][] = [
      [86_400_000, ' 天', ' d'],
      [3_600_000, ' 小时', ' h'],
      [60_000, ' 分钟', ' min'],
      [1_000, ' 秒', ' s'],
    ];
    for (const [size, z, e] of units)
      if (ms % size === 0 && ms >= size && (size !== 86_400_000 || ms >= 2 * size))
        return `${ms / size}${zh ? z : e}`;
    return `${ms} ms`;
  };
  const span = (ms: number | null) =>
    ms === null
      ? '—'
      : ms < 48 * 3_600_000
        ? `${(ms / 3_600_000).toFixed(1)}${zh ? ' 小时' : ' h'}`
        : `${(ms / 86_400_000).toFixed(1)}${zh ? ' 天' : ' d'}`;
  const channel = (id: string) => CHANNEL_NAMES[id]?.[zh ? 0 : 1] ?? id;
  const field = (path: string) => (zh ? (FIELD_NAMES[path] ?? path) : path);
  const stage = (id: string) => (zh ? (STAGE_LABELS[id] ?? id) : (STAGE_EN[id] ?? id));
  const leadState = (id: string) => LEAD_STATE_NAMES[id]?.[zh ? 0 : 1] ?? id;
  return { zh, duration, span, channel, field, stage, leadState };
}

type Words = ReturnType<typeof words>;

function targetName(w: Words, t: SimulationTarget, options: RenderOptions): string {
  const assign = options.durations ? w.duration(options.durations.assignWithin) : undefined;
  const follow = options.durations ? w.duration(options.durations.firstFollowUpWithin) : undefined;
  if (t.id === 'assignedWithin')
    return w.zh ? `${assign ?? '按时'}内分配（工作时间）` : `assigned within ${assign ?? 'the target'}`;
  if (t.id === 'followedUpWithin')
    return w.zh ? `${follow ?? '按时'}内首次跟进` : `first follow-up within ${follow ?? 'the target'}`;
  return w.zh ? '商机按计划推进阶段' : 'stages advanced as planned';
}

/** Break a sentence into lines of at most `width` columns, between words or CJK characters. */
function wrap(text: string, width: number, indent = ''): string[] {
  const tokens =
    text.match(
      /[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6]|[^\s\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6]+|\s+/g,
    ) ?? [];
  const lines: string[] = [];
  let line = indent;
  const NO_START = /^[，。；：、！？）」』%,.;:!?)]/;
  let lastStart = -1; // where the last token of `line` starts
  for (const token of tokens) {
    if (/^\s+$/.test(token)) {
      if (line.trim() !== '') line += ' ';
      continue;
    }
    if (displayWidth(line + token) > width && line.trim() !== '') {
      if (!NO_START.test(token)) {
        lines.push(line.trimEnd());
        line = `${indent}  `;
      } else if (lastStart > indent.length + 2) {
        // punctuation never starts a line: carry the word before it over too
        const carried = line.slice(lastStart);
        lines.push(line.slice(0, lastStart).trimEnd());
        line = `${indent}  ${carried}`;
      }
    }
    lastStart = line.length;
    line += token;
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}

/** Shorten text to `width` columns with an ellipsis. */
function clip(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  for (const char of text) {
    if (displayWidth(out + char) > width - 1) break;
    out += char;
  }
  return `${out}…`;
}

const padEnd = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - displayWidth(text)));
const padStart = (text: string, width: number) => ' '.repeat(Math.max(0, width - displayWidth(text))) + text;

/**
 * Lay out rows as aligned columns within `width`: numbers (right-aligned columns) keep their
 * width; the text columns are shortened with "…" when the table would not fit.
 */
function table(
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number>,
  width: number,
  indent = '  ',
): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
    });
  const gap = 2;
  const total = () => indent.length + widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  // Shrink the widest text column until the table fits (never below 8 columns).
  while (total() > width) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (!right.has(i) && w > 8 && (widest < 0 || w > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest] = Math.max(8, widths[widest]! - (total() - width));
  }
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) =>
          right.has(i) ? padStart(cell, widths[i]!) : padEnd(clip(cell, widths[i]!), widths[i]!),
        )
        .join(' '.repeat(gap))
        .trimEnd(),
  );
}

interface Diagnosis {
  readonly capacityShort: boolean;
  readonly text: string | null;
}

function diagnose(report: SimulationReport, w: Words, options: RenderOptions): Diagnosis {
  const c = report.counts;
  const days = report.period.workingDays;
  const capacity = report.team.dailyCapacity;
  const demand = days > 0 ? c.valid / days : 0;
  const top = report.escalations.byPolicy[0];
  const policy = top ? (options.policies?.[top.policyId] ?? top.policyId) : undefined;
  const anyMissed = report.targets.some((t) => targetVerdict(t) !== 'met');
  const parts: string[] = [];
  if (c.received === 0) {
    return {
      capacityShort: false,
      text: w.zh
        ? '没有收到可模拟的线索，各项目标都无法判断。'
        : 'No lead was received, so none of the targets can be judged.',
    };
  }
  const capacityShort = demand > capacity;
  if (capacityShort) {
    const gap = capacity > 0 ? (demand - capacity) / demand : 1;
    parts.push(
      w.zh
        ? `人手不够：有效线索平均每个工作日 ${int(Math.round(demand))} 条，团队每天最多接 ${int(capacity)} 条，差 ${pct(gap)}。`
        : `Not enough sales capacity: ${int(Math.round(demand))} valid leads per working day against a team that takes at most ${int(capacity)} a day (${pct(gap)} short).`,
    );
  } else if (anyMissed) {
    parts.push(
      w.zh
        ? `人手够用（每个工作日 ${int(Math.round(demand))} 条有效线索，团队每天可接 ${int(capacity)} 条），未达标的原因在分配规则或跟进节奏。`
        : `Capacity is enough (${int(Math.round(demand))} valid leads per working day, the team takes ${int(capacity)} a day): the misses come from the rules or the follow-up pace.`,
    );
  }
  if (top && policy !== undefined && top.count > 0) {
    parts.push(
      w.zh
        ? `升级最多的是「${policy}」，共 ${int(top.count)} 次。`
        : `Most escalations: "${policy}" (${int(top.count)} times).`,
    );
  }
  return { capacityShort, text: parts.length > 0 ? parts.join(w.zh ? '' : ' ') : null };
}

/**
 * The text report of `leadflow simulate`.
 *
 * @example
 * ```ts
 * import { renderReport } from './render.js'; // src/cli/render.ts
 * process.stdout.write(renderReport(report, timeline, { lang: 'zh', width: process.stdout.columns }));
 * ```
 */
export function renderReport(
  report: SimulationReport,
  timeline: SimulationTimeline,
  options: RenderOptions = {},
): string {
  const w = words(options.lang ?? 'en');
  const width = Math.max(80, Math.floor(options.width ?? 80));
  const out: string[] = [];
  const say = (text: string, indent = '') => out.push(...wrap(text, width, indent));
  const heading = (zh: string, en: string) => {
    out.push('');
    out.push(w.zh ? zh : en);
  };
  const c = report.counts;
  const name = report.ruleSet.name ?? report.ruleSet.id;
  say(
    w.zh
      ? `leadflow 模拟报告 — ${name}（规则 ${report.ruleSet.id}，版本 ${report.ruleSet.version}）`
      : `leadflow simulation — ${name} (rules ${report.ruleSet.id}, version ${report.ruleSet.version})`,
  );
  const first = timeline.days[0] ?? report.period.start.slice(0, 10);
  const source =
    report.input.source === 'generated'
      ? w.zh
        ? `按「${report.input.market}」市场生成线索，每月 ${int(report.input.leadsPerMonth ?? 0)} 条，随机种子 ${report.seed}`
        : `${int(report.input.leadsPerMonth ?? 0)} generated leads a month (${report.input.market} market), seed ${report.seed}`
      : w.zh
        ? `线索来自文件${options.leadsFile ? ` ${options.leadsFile}` : ''}`
        : `leads from ${options.leadsFile ?? 'a file'}`;
  say(
    w.zh
      ? `${first} 起 ${report.period.days} 天（${report.period.zone}，其中工作日 ${report.period.workingDays} 天）；${source}`
      : `${report.period.days} day${report.period.days === 1 ? '' : 's'} from ${first} (${report.period.zone}, ${report.period.workingDays} working days); ${source}`,
  );

  const diagnosis = diagnose(report, w, options);
  if (diagnosis.text !== null) {
    out.push('');
    say(`${w.zh ? '结论：' : 'Diagnosis: '}${diagnosis.text}`);
  }

  heading('目标', 'Targets');
  const verdictMark = { met: '✔', missed: '✘', undecided: '—' } as const;
  out.push(
    ...table(
      [
        w.zh
          ? ['', '指标', '目标', '实际', '按时', '超时', '未到期']
          : ['', 'target', 'goal', 'achieved', 'on time', 'late', 'not yet due'],
        ...report.targets.map((t) => [
          verdictMark[targetVerdict(t)],
          targetName(w, t, options),
          `≥ ${pct(t.target)}`,
          pct(t.achieved),
          int(t.met),
          int(t.missed),
          int(t.pending),
        ]),
      ],
      new Set([2, 3, 4, 5, 6]),
      width,
    ),
  );
  if (!w.zh) say('Assignment time counts business hours only (holidays excluded).', '  ');
  if (report.targets.some((t) => targetVerdict(t) === 'undecided'))
    say(
      w.zh
        ? '— 表示没有线索到达判定时间，无法判断（--fail-on-miss 按未达标处理）。'
        : '— means no lead reached its deadline, so the target cannot be judged (--fail-on-miss counts it as missed).',
      '  ',
    );

  heading('线索漏斗', 'Lead funnel');
  const funnelNames: Record<string, [string, string]> = {
    received: ['收到', 'received'],
    valid: ['有效线索', 'valid'],
    assigned: ['已分配给销售', 'assigned to a rep'],
    followedUp: ['已跟进', 'followed up'],
    converted: ['已转为商机', 'converted to an opportunity'],
  };
  out.push(
    ...table(
      report.funnel.map((stage) => [
        funnelNames[stage.stage]?.[w.zh ? 0 : 1] ?? stage.stage,
        int(stage.count),
        stage.ofReceived === null
          ? ''
          : w.zh
            ? `占收到的 ${pct(stage.ofReceived)}`
            : `${pct(stage.ofReceived)} of received`,
      ]),
      new Set([1]),
      width,
    ),
  );

  heading('线索去向', 'Where the leads went');
  say(
    w.zh
      ? `共到达 ${int(c.arrivals)} 条：收下 ${int(c.received)} 条，格式有误被隔离 ${int(c.quarantined)} 条，与已有线索重复而合并 ${int(c.duplicatesMerged)} 条。` +
          (c.afterEnd > 0 ? `另有 ${int(c.afterEnd)} 条在模拟结束之后到达，未计入。` : '')
      : `${int(c.arrivals)} arrived: ${int(c.received)} taken in, ${int(c.quarantined)} set aside for bad fields, ${int(c.duplicatesMerged)} merged into leads already open.` +
          (c.afterEnd > 0 ? ` ${int(c.afterEnd)} arrived after the end and were not simulated.` : ''),
    '  ',
  );
  say(
    w.zh
      ? `直接分配 ${int(c.assigned)} 条；抢单推送 ${int(c.offered)} 条，其中被销售抢到 ${int(c.claimed)} 条；进入主管队列 ${int(c.queued)} 条（结束时仍有 ${int(c.queuedAtEnd)} 条在排队）；培育中 ${int(c.nurturing)} 条；转为商机 ${int(c.converted)} 条；判为无效 ${int(c.disqualified)} 条。`
      : `${int(c.assigned)} assigned; ${int(c.offered)} offered to several reps at once, of which reps took ${int(c.claimed)}; ${int(c.queued)} went to the supervisor queue (${int(c.queuedAtEnd)} still waiting at the end); ${int(c.nurturing)} nurtured; ${int(c.converted)} converted; ${int(c.disqualified)} disqualified.`,
    '  ',
  );
  say(
    w.zh
      ? `团队 ${report.team.reps} 名销售，每天合计最多接 ${int(report.team.dailyCapacity)} 条，${report.period.workingDays} 个工作日共 ${int(report.team.dailyCapacity * report.period.workingDays)} 条，有效线索 ${int(c.valid)} 条。`
      : `Team: ${report.team.reps} reps taking at most ${int(report.team.dailyCapacity)} leads a day together, ${int(report.team.dailyCapacity * report.period.workingDays)} over ${report.period.workingDays} working days, for ${int(c.valid)} valid leads.`,
    '  ',
  );
  const quarantinedFields = Object.entries(c.quarantinedByPath);
  if (quarantinedFields.length > 0)
    say(
      w.zh
        ? `被隔离的原因（按第一个有误的字段）：${quarantinedFields.map(([path, n]) => `${w.field(path)} ${int(n)} 条`).join('，')}。`
        : `Set aside because of (the first bad field): ${quarantinedFields.map(([path, n]) => `${path} ${int(n)}`).join(', ')}.`,
      '  ',
    );

  if (options.quarantined && options.quarantined.length > 0) {
    const unit = options.lineUnit === 'row' ? (w.zh ? '行' : 'row') : w.zh ? '行' : 'line';
    heading(
      `被隔离的行（${options.leadsFile ?? '输入'}，共 ${int(options.quarantined.length)} 行，未参与模拟）`,
      `Rows set aside (${options.leadsFile ?? 'input'}, ${int(options.quarantined.length)}, not simulated)`,
    );
    const shown = options.quarantined.slice(0, 50);
    for (const row of shown) {
      const where =
        row.line === undefined
          ? w.zh
            ? '（位置未知）'
            : '(unknown line)'
          : w.zh
            ? `第 ${row.line} ${unit}`
            : `${unit} ${row.line}`;
      say(`${where}: ${describeIssues(row.issues, w)}`, '  ');
    }
    if (options.quarantined.length > shown.length)
      say(
        w.zh
          ? `…… 另有 ${int(options.quarantined.length - shown.length)} 行（--json 输出中有全部）`
          : `… and ${int(options.quarantined.length - shown.length)} more (all of them in the --json output)`,
        '  ',
      );
  }

  // per rep
  const perRep = Object.entries(report.metrics.leads.perRep).sort(([, a], [, b]) => b.assigned - a.assigned);
  heading('每位销售', 'Per rep');
  if (perRep.length === 0) out.push(w.zh ? '  没有线索分配给销售' : '  no lead was assigned to a rep');
  else
    out.push(
      ...table(
        [
          w.zh
            ? ['销售', '日上限', '分配', '已查看', '已跟进', '按时跟进', '按时率']
            : ['rep', 'a day', 'assigned', 'opened', 'followed up', 'in time', 'share in time'],
          ...perRep.map(([id, rep]) => [
            options.reps?.[id]?.name ?? id,
            options.reps?.[id] ? int(options.reps[id]!.dailyCapacity) : '',
            int(rep.assigned),
            int(rep.opened),
            int(rep.followedUp),
            int(rep.followedUpWithinTarget),
            pct(rep.timeliness),
          ]),
        ],
        new Set([1, 2, 3, 4, 5, 6]),
        width,
      ),
    );

  if (options.channels && options.channels.length > 0) {
    heading('各渠道', 'Per channel');
    out.push(
      ...table(
        [
          w.zh
            ? ['渠道', '到达', '隔离', '重复合并', '已分配', '升级', '转商机']
            : ['channel', 'arrived', 'set aside', 'merged', 'assigned', 'escalated', 'converted'],
          ...options.channels.map((row) => [
            w.channel(row.channel),
            int(row.arrivals),
            int(row.quarantined),
            int(row.merged),
            int(row.assigned),
            int(row.escalated),
            int(row.converted),
          ]),
        ],
        new Set([1, 2, 3, 4, 5, 6]),
        width,
      ),
    );
  }

  heading('升级最多的 SLA 规则', 'Escalations by SLA policy');
  if (report.escalations.byPolicy.length === 0) out.push(w.zh ? '  没有升级' : '  none');
  else
    out.push(
      ...table(
        report.escalations.byPolicy.map((row) => [
          options.policies?.[row.policyId] ?? row.policyId,
          w.zh ? `${int(row.count)} 次` : int(row.count),
        ]),
        new Set([1]),
        width,
      ),
    );

  const o = report.opportunities;
  heading('商机', 'Opportunities');
  if (o === null) out.push(w.zh ? '  未模拟商机' : '  not simulated');
  else {
    const closed = o.won + o.lost;
    say(
      w.zh
        ? `新建 ${int(o.created)} 个（有效线索的 ${pct(o.leadToOpportunity)}）；赢单 ${int(o.won)}，输单 ${int(o.lost)}，仍在跟进 ${int(o.open)}；已结束的 ${int(closed)} 个中赢单率 ${pct(o.winRate)}。`
        : `${int(o.created)} created (${pct(o.leadToOpportunity)} of valid leads); ${int(o.won)} won, ${int(o.lost)} lost, ${int(o.open)} still open; ${pct(o.winRate)} won of the ${int(closed)} closed.`,
      '  ',
    );
    if (report.period.days < SALES_CYCLE_DAYS)
      say(
        w.zh
          ? `（${report.period.days} 天短于销售周期：多数商机仍在跟进，赢单率只反映早期的输单。）`
          : `(a ${report.period.days}-day run is shorter than the sales cycle: most opportunities are still open and the win rate counts early losses)`,
        '  ',
      );
    out.push(
      ...table(
        [
          w.zh
            ? ['阶段', '进入', '当前停留', '停留时长中位数', '回退']
            : ['stage', 'entered', 'there now', 'median time there', 'moved back'],
          ...o.stages.map((row) => [
            w.stage(row.stage),
            int(row.entered),
            int(o.openByStage[row.stage]),
            w.span(row.dwellP50Ms),
            int(row.rollbacks),
          ]),
        ],
        new Set([1, 2, 3, 4]),
        width,
      ),
    );
  }

  heading('跨部门任务', 'Department tasks');
  if (report.departments.length === 0) out.push(w.zh ? '  没有' : '  none');
  else
    out.push(
      ...table(
        [
          w.zh
            ? ['部门', '发起', '已答复', '逾期', '按时率', '确认用时中位数', '答复用时中位数']
            : [
                'department',
                'asked',
                'answered',
                'overdue',
                'in time',
                // Short enough that 80 columns keep the department names whole.
                'to ack (p50)',
                'to answer (p50)',
              ],
          ...report.departments.map((d) => [
            d.name ?? d.department,
            int(d.created),
            int(d.done),
            int(d.overdue),
            pct(d.onTimeShare),
            w.span(d.acknowledgeP50Ms),
            w.span(d.completeP50Ms),
          ]),
        ],
        new Set([1, 2, 3, 4, 5, 6]),
        width,
      ),
    );

  const owner = (ownerId: string | null) =>
    ownerId === null ? (w.zh ? '（无负责人）' : '(no owner)') : (options.reps?.[ownerId]?.name ?? ownerId);
  // The counts behind each TOP5: how many stalled in all, and where (the non-zero states only).
  const stallCounts = (byKey: Readonly<Record<string, number>>, name: (key: string) => string) =>
    Object.entries(byKey)
      .filter(([, n]) => n > 0)
      .map(([key, n]) => `${name(key)} ${int(n)}`)
      .join(w.zh ? '；' : '; ');
  const threshold = (ms: number) =>
    ms % 86_400_000 !== 0 || w.zh ? w.duration(ms) : `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  const opportunityStalls = report.metrics.stalled;
  const oppDays = threshold(opportunityStalls.afterMs);
  heading(
    `停滞 TOP5（超过 ${oppDays}未推进的商机）`,
    `Stalled TOP5 (open opportunities in one stage for over ${oppDays})`,
  );
  if (report.stalled.length === 0) out.push(w.zh ? '  没有' : '  none');
  else {
    say(
      w.zh
        ? `共 ${int(opportunityStalls.count)} 个商机停滞：${stallCounts(opportunityStalls.byStage, w.stage)}。`
        : `${int(opportunityStalls.count)} stalled: ${stallCounts(opportunityStalls.byStage, w.stage)}.`,
      '  ',
    );
    out.push(
      ...table(
        report.stalled.map((opp) => [
          opp.company ?? opp.opportunityId,
          w.stage(opp.stage),
          owner(opp.ownerId),
          w.span(opp.dwellMs),
        ]),
        new Set([3]),
        width,
      ),
    );
  }

  const leadStalls = report.stalledLeads;
  const leadDays = threshold(leadStalls.afterMs);
  heading(
    `停滞线索 TOP5（同一状态超过 ${leadDays}的线索，培育中的除外）`,
    `Stalled leads TOP5 (open leads in one state for over ${leadDays}, nurturing aside)`,
  );
  if (leadStalls.count === 0) out.push(w.zh ? '  没有' : '  none');
  else {
    say(
      w.zh
        ? `共 ${int(leadStalls.count)} 条线索停滞：${stallCounts(leadStalls.byState, w.leadState)}。`
        : `${int(leadStalls.count)} stalled: ${stallCounts(leadStalls.byState, w.leadState)}.`,
      '  ',
    );
    out.push(
      ...table(
        leadStalls.top5.map((lead) => [
          lead.company ?? lead.leadId,
          w.leadState(lead.state),
          owner(lead.ownerId),
          w.span(lead.dwellMs),
        ]),
        new Set([3]),
        width,
      ),
    );
  }

  out.push('');
  const verdicts = report.targets.map(targetVerdict);
  const missed = verdicts.filter((v) => v === 'missed').length;
  const undecided = verdicts.filter((v) => v === 'undecided').length;
  const n = report.targets.length;
  say(
    w.zh
      ? missed + undecided === 0
        ? `${n} 项目标全部达成。`
        : `${n} 项目标中 ${missed} 项未达成${undecided > 0 ? `，${undecided} 项无法判断` : ''}。`
      : missed + undecided === 0
        ? `All ${n} targets met.`
        : `${missed} of ${n} targets missed${undecided > 0 ? `, ${undecided} could not be judged` : ''}.`,
  );
  return `${out.join('\n')}\n`;
}

function describeIssues(issues: QuarantinedRow['issues'], w: Words): string {
  if (issues.length === 0) return w.zh ? '无法读取' : 'unreadable';
  return issues
    .map((issue) => {
      const missing = /received undefined|required/i.test(issue.message);
      const field = issue.path === '' ? (w.zh ? '整行' : '(row)') : w.field(issue.path);
      if (w.zh) return missing ? `缺少${field}` : `${field}有误（${issue.message}）`;
      return missing ? `${issue.path} is missing` : `${issue.path}: ${issue.message}`;
    })
    .join(w.zh ? '；' : '; ');
}

/**
 * One sheet of the report workbook: a name and rows of cells (numbers stay numbers).
 *
 * @example
 * ```ts
 * import type { ReportSheet } from './render.js'; // src/cli/render.ts
 * const sheet: ReportSheet = { name: '目标', rows: [['指标', '实际'], ['分配', 0.95]] };
 * ```
 */
export interface ReportSheet {
  readonly name: string;
  readonly rows: (string | number | null)[][];
}

/**
 * The report as sheets for `--out report.xlsx`: targets, funnel, per rep, per channel,
 * escalations by policy, per day, quarantined rows — the same words as the text report.
 *
 * @example
 * ```ts
 * import { reportSheets } from './render.js'; // src/cli/render.ts
 * reportSheets(report, timeline, { lang: 'zh' }).map((s) => s.name);
 * ```
 */
export function reportSheets(
  report: SimulationReport,
  timeline: SimulationTimeline,
  options: RenderOptions = {},
): ReportSheet[] {
  const w = words(options.lang ?? 'en');
  const t = (zh: string, en: string) => (w.zh ? zh : en);
  const verdictWord = (v: ReturnType<typeof targetVerdict>) =>
    v === 'met' ? t('达成', 'met') : v === 'missed' ? t('未达成', 'missed') : t('无法判断', 'not judged');
  const diagnosis = diagnose(report, w, options).text;
  const sheets: ReportSheet[] = [
    {
      name: t('目标', 'Targets'),
      rows: [
        [
          t('指标', 'target'),
          t('目标', 'goal'),
          t('实际', 'achieved'),
          t('按时', 'on time'),
          t('超时', 'late'),
          t('未到期', 'not yet due'),
          t('结论', 'verdict'),
        ],
        ...report.targets.map((x) => [
          targetName(w, x, options),
          x.target,
          x.achieved,
          x.met,
          x.missed,
          x.pending,
          verdictWord(targetVerdict(x)),
        ]),
        ...(diagnosis ? [[], [t('结论', 'Diagnosis'), diagnosis]] : []),
      ],
    },
    {
      name: t('漏斗', 'Funnel'),
      rows: [
        [t('阶段', 'stage'), t('数量', 'count'), t('占收到的', 'of received')],
        ...report.funnel.map((s) => [s.stage, s.count, s.ofReceived]),
      ],
    },
    {
      name: t('每位销售', 'Per rep'),
      rows: [
        [
          t('销售', 'rep'),
          t('日上限', 'a day'),
          t('分配', 'assigned'),
          t('已查看', 'opened'),
          t('已跟进', 'followed up'),
          t('按时跟进', 'in time'),
          t('按时率', 'share in time'),
        ],
        ...Object.entries(report.metrics.leads.perRep).map(([id, rep]) => [
          options.reps?.[id]?.name ?? id,
          options.reps?.[id]?.dailyCapacity ?? null,
          rep.assigned,
          rep.opened,
          rep.followedUp,
          rep.followedUpWithinTarget,
          rep.timeliness,
        ]),
      ],
    },
    {
      name: t('各渠道', 'Per channel'),
      rows: [
        [
          t('渠道', 'channel'),
          t('到达', 'arrived'),
          t('隔离', 'set aside'),
          t('重复', 'merged'),
          t('收下', 'taken in'),
          t('已分配', 'assigned'),
          t('升级', 'escalated'),
          t('转商机', 'converted'),
        ],
        ...(options.channels ?? []).map((r) => [
          w.channel(r.channel),
          r.arrivals,
          r.quarantined,
          r.merged,
          r.received,
          r.assigned,
          r.escalated,
          r.converted,
        ]),
      ],
    },
    {
      name: t('升级', 'Escalations'),
      rows: [
        [t('SLA 规则', 'SLA policy'), t('次数', 'count')],
        ...report.escalations.byPolicy.map((r) => [options.policies?.[r.policyId] ?? r.policyId, r.count]),
      ],
    },
    {
      name: t('每日', 'Per day'),
      rows: [
        [
          t('日期', 'day'),
          t('收到', 'received'),
          t('首次分配', 'assigned'),
          t('SLA 超时', 'SLA breaches'),
          t('进入主管队列', 'queued'),
          t('日终排队', 'queue at day end'),
        ],
        ...timeline.days.map((day, i) => [
          day,
          timeline.received[i] ?? 0,
          timeline.assigned[i] ?? 0,
          timeline.breaches[i] ?? 0,
          timeline.queued[i] ?? 0,
          timeline.queueDepth[i] ?? 0,
        ]),
      ],
    },
  ];
  if (options.quarantined && options.quarantined.length > 0)
    sheets.push({
      name: t('被隔离的行', 'Rows set aside'),
      rows: [
        [options.lineUnit === 'row' ? t('行', 'row') : t('行', 'line'), t('原因', 'reason')],
        ...options.quarantined.map((r) => [r.line ?? null, describeIssues(r.issues, w)]),
      ],
    });
  return sheets;
}
