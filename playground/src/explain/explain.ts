/**
 * A lead's decision trail (`engine.explain`) as sections a sales-ops person can read: its state
 * and owner, the valid-lead check, which assignment rule matched and why each candidate rep was
 * taken or skipped, the SLA clocks, escalations and the event history. The engine's reason texts
 * are translated where recognised (the exact strings of src/rules/decide.ts) and shown raw
 * otherwise. Times are Asia/Shanghai local. Pure: no DOM, unit-tested in Node.
 */
import type { StoredEvent, StoredTimer } from '../../../src/adapters/storage/port.js';
import type { LeadExplanation } from '../../../src/engine/types.js';
import type { SlaSummaryEntry } from '../../../src/machines/sla.js';
import type { ConditionTraceEntry } from '../../../src/rules/conditions.js';
import type { AssignmentDecision, CandidateVerdict, RuleTrace } from '../../../src/rules/decide.js';
import type { Lang } from '../i18n.js';
import { EXPLAIN_STRINGS, type ExplainStrings } from './strings.js';

/** A person of the team, for names (the page's `TeamMember` or a parsed team's rep). */
export interface ExplainPerson {
  readonly id: string;
  readonly name?: string;
}

/** The team as far as names go: a parsed `Team` fits, so does `{ reps: outcome.reps }`. */
export interface ExplainTeam {
  readonly reps: readonly ExplainPerson[];
  readonly supervisors?: readonly ExplainPerson[];
  readonly staff?: readonly ExplainPerson[];
}

/** The parts of a rule set the explanation reads (descriptions); a `RuleSet` or `RuleSetInput` fits. */
export interface ExplainRuleSetSource {
  readonly tagging?: { readonly rules?: readonly { readonly id: string; readonly description?: string }[] };
  readonly assignment?: {
    readonly rules?: readonly {
      readonly id: string;
      readonly description?: string;
      readonly strategy?: { readonly type: string };
    }[];
  };
  readonly sla?: { readonly policies?: readonly { readonly id: string; readonly description?: string }[] };
}

/** A compiled rule set (`{ source }`) or its source. */
export type ExplainRuleSet = ExplainRuleSetSource | { readonly source: ExplainRuleSetSource };

export interface ExplainOptions {
  readonly ruleSet?: ExplainRuleSet | null;
  readonly team?: ExplainTeam | null;
  readonly lang: Lang;
}

/** How a value reads: good, bad, a warning, or beside the point. */
export type Tone = 'ok' | 'bad' | 'warn' | 'muted';

export interface ExplainFact {
  readonly label: string;
  readonly value: string;
  readonly tone?: Tone;
}

export interface ExplainRow {
  /** Stable key of the row (a rep id, a policy id, an event seq). */
  readonly key: string;
  readonly cells: readonly string[];
  readonly tone?: Tone;
}

/** A candidate rep of a matched assignment rule. */
export interface CandidateRow {
  readonly repId: string;
  /** The rep's name and id (`销售A 张伟 (rep-a)`), or the id alone when the team does not know it. */
  readonly rep: string;
  /** taken = got the lead; offered = in a broadcast; eligible = could have, another was picked. */
  readonly status: 'taken' | 'offered' | 'eligible' | 'skipped';
  readonly statusText: string;
  readonly reasons: readonly string[];
}

export type ExplainBlock =
  | { readonly kind: 'facts'; readonly items: readonly ExplainFact[] }
  | { readonly kind: 'note'; readonly text: string; readonly tone?: Tone }
  | {
      readonly kind: 'table';
      readonly role: 'rules' | 'conditions' | 'qualification' | 'sla' | 'timers' | 'escalations' | 'events';
      readonly caption?: string;
      readonly columns: readonly string[];
      readonly rows: readonly ExplainRow[];
    }
  | {
      readonly kind: 'candidates';
      readonly ruleId: string;
      readonly caption: string;
      readonly columns: readonly string[];
      readonly rows: readonly CandidateRow[];
    };

export interface ExplainSection {
  readonly id: 'summary' | 'qualification' | 'assignment' | 'sla' | 'timers' | 'escalations' | 'events';
  readonly title: string;
  readonly blocks: readonly ExplainBlock[];
}

const ZONE_OFFSET = 8 * 3_600_000;

/** `YYYY-MM-DD HH:mm` in Asia/Shanghai (no daylight saving: a fixed +08:00). */
export function shanghaiTime(ms: number): string {
  return new Date(ms + ZONE_OFFSET).toISOString().slice(0, 16).replace('T', ' ');
}

/** The sections of a lead's explanation, in reading order. */
export function explainSections(explanation: LeadExplanation, options: ExplainOptions): ExplainSection[] {
  const context = createContext(options);
  const sections: ExplainSection[] = [summarySection(explanation, context)];
  const latest = explanation.decisions.at(-1);
  if (latest !== undefined) sections.push(qualificationSection(latest.explanation.qualification, context));
  const total = explanation.decisions.length;
  explanation.decisions.forEach((decision, index) => {
    sections.push(assignmentSection(decision, index, total, context));
  });
  sections.push(
    slaSection(explanation.sla, context),
    timersSection(explanation.pendingTimers, context),
    escalationsSection(explanation, context),
    eventsSection(explanation.events, context),
  );
  return sections;
}

// ---------------------------------------------------------------------------------------------
// Context: names, descriptions and translations

interface Context {
  readonly s: ExplainStrings;
  readonly lang: Lang;
  /** `name (id)` of a person, the id alone when unknown. */
  person(id: string | null | undefined): string;
  policy(id: string): string;
  ruleDescription(id: string): string | undefined;
  ruleStrategy(id: string): string | undefined;
  taggingDescription(id: string): string | undefined;
}

function createContext(options: ExplainOptions): Context {
  const s = EXPLAIN_STRINGS[options.lang];
  const names = new Map<string, string>();
  const team = options.team;
  for (const list of [team?.reps, team?.supervisors, team?.staff])
    for (const person of Array.isArray(list) ? list : [])
      if (typeof person?.id === 'string' && typeof person.name === 'string')
        names.set(person.id, person.name);
  const source = sourceOf(options.ruleSet);
  const described = (list: unknown) => {
    const map = new Map<string, { description?: string; strategy?: string }>();
    for (const item of Array.isArray(list) ? list : []) {
      if (typeof item?.id !== 'string') continue;
      map.set(item.id, {
        description: typeof item.description === 'string' ? item.description : undefined,
        strategy: typeof item.strategy?.type === 'string' ? item.strategy.type : undefined,
      });
    }
    return map;
  };
  const assignment = described(source?.assignment?.rules);
  const tagging = described(source?.tagging?.rules);
  const policies = described(source?.sla?.policies);
  return {
    s,
    lang: options.lang,
    person: (id) => {
      if (id === null || id === undefined) return s.none;
      const name = names.get(id);
      return name === undefined || name === id ? id : `${name} (${id})`;
    },
    policy: (id) => {
      const description = policies.get(id)?.description;
      return description === undefined ? id : `${description} (${id})`;
    },
    ruleDescription: (id) => assignment.get(id)?.description,
    ruleStrategy: (id) => assignment.get(id)?.strategy,
    taggingDescription: (id) => tagging.get(id)?.description,
  };
}

/** The source of a compiled rule set, or the source itself; tolerant of a host's parsed JSON. */
function sourceOf(ruleSet: ExplainRuleSet | null | undefined): ExplainRuleSetSource | undefined {
  if (typeof ruleSet !== 'object' || ruleSet === null) return undefined;
  if ('source' in ruleSet && typeof ruleSet.source === 'object' && ruleSet.source !== null)
    return ruleSet.source;
  return ruleSet as ExplainRuleSetSource;
}

/** `text` in parentheses, full-width in Chinese. */
function paren(text: string, c: Context): string {
  return c.lang === 'zh-CN' ? `（${text}）` : ` (${text})`;
}

/** A lead state in words, with the engine's name when they differ. */
function stateText(state: string, c: Context): string {
  const label = c.s.states[state];
  return label === undefined || label === state ? state : `${label} (${state})`;
}

function partName(part: string, c: Context): string {
  return c.s.parts[part] ?? part;
}

/** The engine's reason texts (src/rules/decide.ts, src/machines/lead.ts) in the UI's language. */
export function translateReason(
  reason: string,
  lang: Lang,
  person: (id: string) => string = (id) => id,
): string {
  const r = EXPLAIN_STRINGS[lang].reasons;
  const parts = EXPLAIN_STRINGS[lang].parts;
  const separator = lang === 'zh-CN' ? '、' : ', ';
  const list = (text: string) =>
    text === 'none' ? EXPLAIN_STRINGS[lang].none : text.split(', ').join(separator);
  const fixed: Readonly<Record<string, string>> = {
    'not in the team': r.notInTeam,
    inactive: r.inactive,
    'excluded (reassigning away)': r.excluded,
    away: r.away,
    'no calendar to read shifts and partial-day leave in': r.noCalendar,
    'no eligible candidate': r.noEligible,
    skipped: r.skippedRule,
    'every matching rule was out of eligible candidates': r.everyRuleOut,
    'no assignment rule matched': r.noRuleMatched,
    'incubation expired': r.incubationExpired,
  };
  if (Object.hasOwn(fixed, reason)) return fixed[reason]!;
  const patterns: [RegExp, (m: RegExpMatchArray) => string][] = [
    [/^on leave (\S+)\.\.(\S+)$/, (m) => r.onLeave(m[1]!, m[2]!)],
    [/^on leave (\S+ \S+)\.\.(\S+ \S+)$/, (m) => r.onLeave(m[1]!, m[2]!)],
    [/^off shift at (\S+ \S+)$/, (m) => r.offShift(m[1]!)],
    [/^capacity (\d+)\/(\d+)$/, (m) => r.capacity(m[1]!, m[2]!)],
    [/^load (\d+)\/(\d+)$/, (m) => r.load(m[1]!, m[2]!)],
    [
      /^load (\d+)\/(\d+) units \((\d+) leads?\), this lead (\d+)$/,
      (m) => r.loadUnits(m[1]!, m[2]!, m[3]!, m[4]!),
    ],
    [
      /^capacity (\d+)\/(\d+) units \((\d+) leads?\), this lead (\d+)$/,
      (m) => r.capacityUnits(m[1]!, m[2]!, m[3]!, m[4]!),
    ],
    [/^weight (\d+) of (\d+)$/, (m) => r.weight(m[1]!, m[2]!)],
    [/^lacks skill (.+)$/s, (m) => r.lacksSkill(list(m[1]!))],
    [/^region mismatch \(lead (.*); rep covers (.*)\)$/s, (m) => r.regionMismatch(m[1]!, list(m[2]!))],
    [/^industry mismatch \(lead (.*); rep covers (.*)\)$/s, (m) => r.industryMismatch(m[1]!, list(m[2]!))],
    [/^channel (.+) not handled$/s, (m) => r.channel(m[1]!)],
    [/^score 0: no win in (.*) or (.*) since (\S+)$/s, (m) => r.noSimilarWin(m[1]!, m[2]!, m[3]!)],
    [/^score (\d+): (.+)$/s, (m) => r.scoredWins(m[1]!, m[2]!.split('; '))],
    [/^best similar-win score (\d+) is below the minimum (\d+)$/, (m) => r.belowMinScore(m[1]!, m[2]!)],
    [/^assigned (.+)$/s, (m) => r.assignedTo(person(m[1]!))],
    [/^offered to (.+)$/s, (m) => r.offeredTo(m[1]!.split(', ').map(person).join(', '))],
    [
      /^not a valid lead: (.+) failed$/s,
      (m) =>
        r.notValid(
          m[1]!
            .split(', ')
            .map((part) => parts[part] ?? part)
            .join(separator),
        ),
    ],
    [/^SLA (.+)$/s, (m) => r.sla(m[1]!)],
  ];
  for (const [pattern, translate] of patterns) {
    const m = reason.match(pattern);
    if (m !== null) return translate(m);
  }
  return reason;
}

// ---------------------------------------------------------------------------------------------
// Values

const MAX_LIST = 8;
const MAX_TEXT = 120;

/** A fact or rule value, short: lists joined, long texts cut. */
function showValue(value: unknown, c: Context): string {
  if (value === undefined) return c.s.noValue;
  if (value === null) return 'null';
  if (typeof value === 'string') return value === '' ? '""' : cut(value);
  if (typeof value === 'boolean') return value ? c.s.yes : c.s.no;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const shown = value.slice(0, MAX_LIST).map((item) => showValue(item, c));
    return (value.length > MAX_LIST ? [...shown, `… (+${value.length - MAX_LIST})`] : shown).join(', ');
  }
  return cut(JSON.stringify(value) ?? String(value));
}

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function factLabel(entry: ConditionTraceEntry, c: Context): string {
  const path = entry.factPath === undefined ? '' : entry.factPath.replace(/^\$\.?/, '.');
  const raw = `${entry.fact}${path === '.' ? '' : path}`;
  const label = c.s.facts[entry.fact];
  return label === undefined || path !== '' ? raw : `${label} (${entry.fact})`;
}

function operatorLabel(operator: string, c: Context): string {
  // Decorated operators (`not:equal`, `someFact:contains`) keep their decorators as written.
  const parts = operator.split(':');
  const base = parts.at(-1)!;
  const label = c.s.operators[base];
  return label === undefined ? operator : [...parts.slice(0, -1), label].join(':');
}

function conditionRows(conditions: readonly ConditionTraceEntry[], c: Context): ExplainRow[] {
  return conditions.map((entry, i) => ({
    key: `${entry.path}#${i}`,
    cells: [
      entry.name === undefined ? factLabel(entry, c) : `${entry.name}: ${factLabel(entry, c)}`,
      operatorLabel(entry.operator, c),
      entry.valueFact === undefined
        ? showValue(entry.value, c)
        : `${entry.valueFact}${entry.valuePath ?? ''} = ${showValue(entry.value, c)}`,
      showValue(entry.factValue, c),
      entry.result ? c.s.yes : c.s.no,
    ],
    tone: entry.result ? 'ok' : 'bad',
  }));
}

function conditionsTable(
  caption: string,
  conditions: readonly ConditionTraceEntry[],
  c: Context,
): ExplainBlock {
  const h = c.s.conditions;
  return {
    kind: 'table',
    role: 'conditions',
    caption,
    columns: [h.fact, h.operator, h.expected, h.actual, h.held],
    rows: conditionRows(conditions, c),
  };
}

// ---------------------------------------------------------------------------------------------
// Sections

type Decision = LeadExplanation['decisions'][number];

function summarySection(e: LeadExplanation, c: Context): ExplainSection {
  const h = c.s.summary;
  const latest = e.decisions.at(-1)?.explanation;
  const grade = latest?.intentGrade;
  const taggedBy = (latest?.tagging ?? [])
    .filter((rule) => rule.matched)
    .map((rule) => {
      const description = c.taggingDescription(rule.ruleId);
      return description === undefined ? rule.ruleId : `${rule.ruleId}${paren(description, c)}`;
    });
  const items: ExplainFact[] = [
    { label: h.lead, value: e.leadId },
    { label: h.state, value: stateText(e.state, c) },
    { label: h.owner, value: c.person(e.ownerId), tone: e.ownerId === null ? 'muted' : undefined },
    { label: h.tags, value: e.tags.length === 0 ? c.s.none : e.tags.join(', ') },
    {
      label: h.intentGrade,
      value:
        grade?.byRule === undefined
          ? h.gradeDefault(e.intentGrade)
          : h.gradeByRule(e.intentGrade, grade.byRule + 1),
    },
    { label: h.qualified, value: e.qualified ? c.s.yes : c.s.no, tone: e.qualified ? 'ok' : 'bad' },
    { label: h.receivedAt, value: shanghaiTime(e.arrival.receivedAt) },
  ];
  // Clocks count from the lead's own arrival; a late ingestion is shown, not hidden.
  const gap = e.arrival.ingestionGapMs;
  if (gap !== null && gap !== 0 && e.arrival.ingestedAt !== null)
    items.push({
      label: h.ingestedAt,
      value: h.ingestionGap(shanghaiTime(e.arrival.ingestedAt), gapText(Math.abs(gap), c), gap < 0),
      tone: gap > 60_000 ? 'bad' : 'muted',
    });
  if (taggedBy.length > 0) items.push({ label: h.taggedBy, value: taggedBy.join(', ') });
  return { id: 'summary', title: c.s.sections.summary, blocks: [{ kind: 'facts', items }] };
}

function qualificationSection(
  qualification: Decision['explanation']['qualification'],
  c: Context,
): ExplainSection {
  const h = c.s.qualification;
  const failed = qualification.filter((part) => !part.held).map((part) => partName(part.part, c));
  const blocks: ExplainBlock[] = [
    failed.length === 0
      ? { kind: 'note', text: h.allHeld, tone: 'ok' }
      : { kind: 'note', text: h.someFailed(failed.join(c.lang === 'zh-CN' ? '、' : ', ')), tone: 'bad' },
    {
      kind: 'table',
      role: 'qualification',
      columns: [h.part, h.result],
      rows: qualification.map((part) => ({
        key: part.part,
        cells: [partName(part.part, c), part.held ? h.held : h.failed],
        tone: part.held ? 'ok' : 'bad',
      })),
    },
  ];
  for (const part of qualification)
    if (part.conditions.length > 0) blocks.push(conditionsTable(partName(part.part, c), part.conditions, c));
  if (qualification.every((part) => part.conditions.length === 0) && qualification.some((part) => part.held))
    blocks.push({ kind: 'note', text: h.noTrace, tone: 'muted' });
  return { id: 'qualification', title: c.s.sections.qualification, blocks };
}

function outcomeText(decision: AssignmentDecision, c: Context): { text: string; tone: Tone } {
  const h = c.s.assignment;
  switch (decision.kind) {
    case 'assign':
      return { text: h.assigned(c.person(decision.repId)), tone: 'ok' };
    case 'offer':
      return {
        text: h.offered(
          decision.repIds.map(c.person).join(', '),
          Math.round(decision.claimTimeoutMs / 60_000),
        ),
        tone: 'ok',
      };
    case 'queue':
      return {
        text: h.queued(c.person(decision.supervisorId), translateReason(decision.reason, c.lang, c.person)),
        tone: 'warn',
      };
    case 'nurture':
      return {
        text: h.nurtured(shanghaiTime(decision.untilMs), translateReason(decision.reason, c.lang, c.person)),
        tone: 'warn',
      };
  }
}

function ruleLabel(ruleId: string, c: Context): string {
  const description = c.ruleDescription(ruleId);
  return description === undefined ? ruleId : `${ruleId} — ${description}`;
}

function candidateRows(trace: RuleTrace, decision: AssignmentDecision, c: Context): CandidateRow[] {
  const h = c.s.assignment;
  const decided = 'ruleId' in decision && decision.ruleId === trace.ruleId;
  const status = (verdict: CandidateVerdict): CandidateRow['status'] => {
    if (!verdict.eligible) return 'skipped';
    if (decided && decision.kind === 'assign') return decision.repId === verdict.repId ? 'taken' : 'eligible';
    if (decided && decision.kind === 'offer')
      return decision.repIds.includes(verdict.repId) ? 'offered' : 'eligible';
    return 'eligible';
  };
  const texts = { taken: h.taken, offered: h.offeredTo, eligible: h.eligible, skipped: h.skippedRep };
  return (trace.candidates ?? []).map((verdict) => {
    const st = status(verdict);
    return {
      repId: verdict.repId,
      rep: c.person(verdict.repId),
      status: st,
      statusText: texts[st],
      reasons: verdict.reasons.map((reason) => translateReason(reason, c.lang, c.person)),
    };
  });
}

function firstFailed(trace: RuleTrace, c: Context): string {
  const failed = trace.conditions.find((entry) => !entry.result);
  if (failed === undefined) return '';
  const actual = `${c.s.conditions.actual}${c.lang === 'zh-CN' ? '：' : ': '}${showValue(failed.factValue, c)}`;
  return `${factLabel(failed, c)} ${operatorLabel(failed.operator, c)} ${showValue(failed.value, c)}${paren(actual, c)}`;
}

function assignmentSection(decision: Decision, index: number, total: number, c: Context): ExplainSection {
  const h = c.s.assignment;
  const d = decision.decision;
  const outcome = outcomeText(d, c);
  const facts: ExplainFact[] = [{ label: h.outcome, value: outcome.text, tone: outcome.tone }];
  if (d.kind === 'assign' || d.kind === 'offer') {
    facts.push({ label: h.rule, value: ruleLabel(d.ruleId, c) });
    const strategy = d.kind === 'assign' ? d.strategy : (c.ruleStrategy(d.ruleId) ?? 'broadcast');
    facts.push({ label: h.strategy, value: `${c.s.strategies[strategy] ?? strategy} (${strategy})` });
  }
  const blocks: ExplainBlock[] = [{ kind: 'facts', items: facts }];
  const traces = decision.explanation.assignment;
  if (traces.length === 0) {
    if (d.kind !== 'nurture') blocks.push({ kind: 'note', text: h.noRules, tone: 'muted' });
  } else {
    blocks.push({
      kind: 'table',
      role: 'rules',
      caption: h.rulesTried,
      columns: [h.ruleColumn, h.matchColumn, h.whyColumn],
      rows: traces.map((trace) => ({
        key: trace.ruleId,
        cells: [
          ruleLabel(trace.ruleId, c),
          trace.outcome === 'skipped' ? h.skipped : trace.matched ? h.matched : h.notMatched,
          trace.matched || trace.outcome === 'skipped'
            ? translateReason(trace.outcome ?? '', c.lang, c.person)
            : firstFailed(trace, c),
        ],
        tone: trace.matched
          ? trace.outcome?.startsWith('no eligible') || trace.outcome?.startsWith('best similar-win')
            ? 'warn'
            : 'ok'
          : 'muted',
      })),
    });
  }
  for (const trace of traces.filter((t) => t.matched)) {
    if (trace.candidates === undefined) blocks.push({ kind: 'note', text: h.noCandidates, tone: 'muted' });
    else
      blocks.push({
        kind: 'candidates',
        ruleId: trace.ruleId,
        caption: h.candidatesCaption(trace.ruleId),
        columns: [h.rep, h.verdict, h.reasons],
        rows: candidateRows(trace, d, c),
      });
    blocks.push(
      trace.conditions.length === 0
        ? { kind: 'note', text: c.s.conditions.none, tone: 'muted' }
        : conditionsTable(c.s.conditions.caption(trace.ruleId), trace.conditions, c),
    );
  }
  return {
    id: 'assignment',
    title:
      total > 1
        ? c.s.sections.assignmentAt(index + 1, total, shanghaiTime(decision.at))
        : c.s.sections.assignment,
    blocks,
  };
}

function durationText(ms: number, c: Context): string {
  const zh = c.lang === 'zh-CN';
  if (ms % 3_600_000 === 0) return zh ? `${ms / 3_600_000} 小时` : `${ms / 3_600_000} h`;
  return zh ? `${Math.round(ms / 60_000)} 分钟` : `${Math.round(ms / 60_000)} min`;
}

/** A gap to the second when short, else as SLA windows are written. */
function gapText(ms: number, c: Context): string {
  if (ms < 60_000) return c.lang === 'zh-CN' ? `${Math.round(ms / 1000)} 秒` : `${Math.round(ms / 1000)} s`;
  return durationText(ms, c);
}

function slaSection(sla: readonly SlaSummaryEntry[], c: Context): ExplainSection {
  const h = c.s.sla;
  if (sla.length === 0)
    return { id: 'sla', title: c.s.sections.sla, blocks: [{ kind: 'note', text: h.none }] };
  const tone = (status: string): Tone =>
    status === 'met' ? 'ok' : status === 'breached' || status === 'breachedThenStopped' ? 'bad' : 'muted';
  return {
    id: 'sla',
    title: c.s.sections.sla,
    blocks: [
      {
        kind: 'table',
        role: 'sla',
        columns: [h.policy, h.clock, h.target, h.started, h.due, h.status, h.decidedAt],
        rows: sla.map((entry) => {
          const status = c.s.sla.statuses[entry.status] ?? entry.status;
          // When it was decided: met (or cancelled) when it stopped, breached when it passed due.
          const decidedAt =
            entry.status === 'met' || entry.status === 'cancelled' ? entry.stoppedAt : entry.breachedAt;
          return {
            key: `${entry.policyId}#${entry.cycle}`,
            cells: [
              c.policy(entry.policyId),
              entry.clock === 'business' ? h.business : h.wall,
              durationText(entry.target, c),
              shanghaiTime(entry.startedAt),
              entry.dueAt === null ? '—' : shanghaiTime(entry.dueAt),
              entry.warned ? `${status}${paren(h.warned, c)}` : status,
              decidedAt === null ? '—' : shanghaiTime(decidedAt),
            ],
            tone: tone(entry.status),
          };
        }),
      },
    ],
  };
}

function timerName(key: string, c: Context): string {
  const known = c.s.timers.keys[key];
  if (known !== undefined) return known;
  const m = key.match(/^sla:(.+):(warn|breach)$/);
  if (m) return m[2] === 'warn' ? c.s.timers.slaWarn(c.policy(m[1]!)) : c.s.timers.slaBreach(c.policy(m[1]!));
  return key;
}

function timersSection(timers: readonly StoredTimer[], c: Context): ExplainSection {
  const h = c.s.timers;
  const sorted = [...timers].sort((a, b) => a.dueAt - b.dueAt || (a.timerKey < b.timerKey ? -1 : 1));
  return {
    id: 'timers',
    title: c.s.sections.timers,
    blocks:
      sorted.length === 0
        ? [{ kind: 'note', text: h.none, tone: 'muted' }]
        : [
            {
              kind: 'table',
              role: 'timers',
              columns: [h.timer, h.due],
              rows: sorted.map((t) => ({
                key: t.timerKey,
                cells: [timerName(t.timerKey, c), shanghaiTime(t.dueAt)],
              })),
            },
          ],
  };
}

function escalationsSection(e: LeadExplanation, c: Context): ExplainSection {
  const h = c.s.escalations;
  if (e.escalations.length === 0)
    return {
      id: 'escalations',
      title: c.s.sections.escalations,
      blocks: [{ kind: 'note', text: h.none, tone: 'muted' }],
    };
  // The log's lead.escalated events name who was reached; the lead's own record only the role.
  const logged = e.events.filter((event) => event.type === 'lead.escalated');
  return {
    id: 'escalations',
    title: c.s.sections.escalations,
    blocks: [
      {
        kind: 'table',
        role: 'escalations',
        columns: [h.policy, h.to, h.at],
        rows: e.escalations.map((x, i) => {
          const event = logged.find((ev) => ev.at === x.at && dataOf(ev).policyId === x.policyId);
          const recipients = event === undefined ? [] : strings(dataOf(event).recipientIds);
          const role = h.roles[x.to] ?? x.to;
          return {
            key: `${x.policyId}@${x.at}#${i}`,
            cells: [
              c.policy(x.policyId),
              recipients.length === 0 ? role : `${role}: ${recipients.map(c.person).join(', ')}`,
              shanghaiTime(x.at),
            ],
            tone: 'warn',
          };
        }),
      },
    ],
  };
}

function dataOf(event: StoredEvent): Record<string, unknown> {
  return typeof event.data === 'object' && event.data !== null && !Array.isArray(event.data)
    ? (event.data as Record<string, unknown>)
    : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** A short line of an event's data, per type; compact JSON for types it does not know. */
function eventDetails(event: StoredEvent, c: Context): string {
  const h = c.s.events;
  const d = dataOf(event);
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const time = (value: unknown) => (typeof value === 'number' ? shanghaiTime(value) : '—');
  const reason = (value: unknown) =>
    typeof value === 'string' ? translateReason(value, c.lang, c.person) : '';
  const join = (...parts: string[]) =>
    parts.filter((part) => part !== '').join(c.lang === 'zh-CN' ? '；' : '; ');
  switch (event.type) {
    case 'lead.received':
      return join(`${h.channel}: ${text(d.channel)}`, strings(d.tags).join(', '));
    case 'lead.assigned': {
      const by = text(d.by);
      const byText =
        by === 'claim'
          ? h.byClaim
          : by === 'reassign'
            ? h.byReassign
            : by === 'pool'
              ? h.byPool
              : ruleOrPerson(by, c);
      return join(c.person(text(d.repId)), `${h.by}: ${byText}`);
    }
    case 'lead.opened':
      return c.person(text(d.repId));
    case 'lead.offered':
      return join(
        strings(d.repIds).map(c.person).join(', '),
        d.ruleId === null ? '' : ruleLabel(text(d.ruleId), c),
      );
    case 'lead.offerExpired': {
      const escalated = strings(d.escalatedTo);
      return join(
        strings(d.repIds).map(c.person).join(', '),
        `${h.due} ${time(d.expiresAt)}`,
        escalated.length === 0 ? '' : `${h.to} ${escalated.map(c.person).join(', ')}`,
      );
    }
    case 'lead.queued':
      return join(c.person(d.supervisorId === null ? null : text(d.supervisorId)), reason(d.reason));
    case 'lead.nurturing':
      return join(d.until === null ? '' : `${h.until} ${time(d.until)}`, reason(d.reason));
    case 'lead.followedUp':
      return join(
        c.person(text(d.repId)),
        `${h.status}: ${text(d.status)}`,
        `${h.nextContact}: ${time(d.nextContactAt)}`,
        d.first === true ? h.first : '',
      );
    case 'lead.escalated':
      return join(c.policy(text(d.policyId)), strings(d.recipientIds).map(c.person).join(', '));
    case 'lead.recycled':
      return join(
        d.from === null || d.from === undefined ? '' : `${h.from} ${c.person(text(d.from))}`,
        reason(d.reason),
      );
    case 'lead.converted':
    case 'lead.disqualified':
    case 'lead.merged':
      return reason(d.reason);
    case 'lead.closed':
      return stateText(text(d.state), c);
    case 'lead.handedOver':
      return `${c.person(text(d.from))} → ${c.person(text(d.to))}`;
    case 'lead.duplicate':
      return join(`${h.matchedOn}: ${text(d.matchedOn)}`, `${h.channel}: ${text(d.channel)}`);
    default:
      if (event.type.startsWith('sla.'))
        return join(
          c.policy(text(d.policyId)),
          d.dueAt === null || d.dueAt === undefined ? '' : `${h.due} ${time(d.dueAt)}`,
        );
      return cut(JSON.stringify(event.data) ?? '');
  }
}

/** `by` of lead.assigned: a rule id, or the person who assigned by hand. */
function ruleOrPerson(by: string, c: Context): string {
  if (c.ruleDescription(by) !== undefined || c.ruleStrategy(by) !== undefined) return ruleLabel(by, c);
  return c.person(by);
}

function eventsSection(events: readonly StoredEvent[], c: Context): ExplainSection {
  const h = c.s.events;
  const sorted = [...events].sort((a, b) => a.at - b.at || a.seq - b.seq);
  const tone = (type: string): Tone | undefined =>
    type === 'sla.breached' || type === 'lead.escalated'
      ? 'bad'
      : type === 'sla.warning' || type === 'lead.offerExpired'
        ? 'warn'
        : type === 'sla.met'
          ? 'ok'
          : undefined;
  return {
    id: 'events',
    title: c.s.sections.events,
    blocks:
      sorted.length === 0
        ? [{ kind: 'note', text: h.none, tone: 'muted' }]
        : [
            {
              kind: 'table',
              role: 'events',
              columns: [h.at, h.type, h.details],
              rows: sorted.map((event) => {
                const row: ExplainRow = {
                  key: String(event.seq),
                  cells: [shanghaiTime(event.at), h.types[event.type] ?? event.type, eventDetails(event, c)],
                };
                const t = tone(event.type);
                return t === undefined ? row : { ...row, tone: t };
              }),
            },
          ],
  };
}
