import { LeadflowError } from '../errors.js';
import type { Team } from '../model/team.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { type CompiledCondition, compileCondition } from './conditions.js';
import { CUSTOMER_FACT_NAMES, CUSTOMER_KNOWLEDGE_NAMES, LEAD_FACT_NAMES } from './facts.js';
import { formatRuleSetPath, problemsInOnePass } from './one-pass.js';
import {
  type AssignmentStrategy,
  type CustomerRule,
  RULE_SET_LIMITS,
  type RuleSet,
  type RuleSetInput,
  ruleSetSchema,
  SLA_EVENTS,
  type SlaEvent,
  type SlaPolicy,
} from './ruleset.js';
import { MESSAGE_TEMPLATES } from './templates.js';

export { formatRuleSetPath };

/**
 * One problem found in a rule set, with the JSON path of the offending value.
 *
 * @example
 * ```ts
 * import type { RuleSetProblem } from 'leadflow';
 * const problem: RuleSetProblem = { path: 'assignment.rules[2].strategy.pool', message: 'unknown pool "east"' };
 * ```
 * @category Rule sets
 */
export interface RuleSetProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * A rule set that failed to compile. `problems` lists **every** problem found, each with its
 * JSON path; the message shows the first few.
 *
 * @example
 * ```ts
 * import { compileRuleSet, RuleSetError } from 'leadflow';
 * try { compileRuleSet(json); } catch (e) {
 *   if (e instanceof RuleSetError) for (const p of e.problems) console.log(`${p.path}: ${p.message}`);
 * }
 * ```
 * @category Rule sets
 */
export class RuleSetError extends LeadflowError {
  declare readonly code: 'RULE_SET_INVALID';
  readonly problems: readonly RuleSetProblem[];

  constructor(problems: readonly RuleSetProblem[]) {
    const shown = problems
      .slice(0, 5)
      .map((problem) => `${problem.path || '(root)'}: ${problem.message}`)
      .join('; ');
    const more = problems.length > 5 ? ` … and ${problems.length - 5} more` : '';
    super('RULE_SET_INVALID', `invalid rule set (${problems.length} problem(s)): ${shown}${more}`);
    this.problems = Object.freeze([...problems]);
  }
}

/** A compiled tagging, qualification or customer rule condition; `undefined` means "always". */
type MaybeCondition = CompiledCondition | undefined;

/**
 * What a pool strategy's candidates must cover: the lead's region, its industry, the skills its
 * `skill/<name>` tags name.
 *
 * @example
 * ```ts
 * import type { CandidateMatch } from 'leadflow';
 * const match: CandidateMatch = { region: true, industry: false, skills: true };
 * ```
 * @category Rule sets
 */
export interface CandidateMatch {
  readonly region: boolean;
  readonly industry: boolean;
  readonly skills: boolean;
}

/**
 * An assignment strategy with its candidate list resolved (pool ids expanded to rep ids).
 *
 * @example
 * ```ts
 * const strategy = compiled.assignment.rules[0]?.strategy; // e.g. { type: 'owner', repIds: ['rep-a', 'rep-b'] }
 * ```
 * @category Rule sets
 */
export type ResolvedStrategy =
  | { readonly type: 'owner'; readonly repIds: readonly string[] }
  | {
      readonly type: 'roundRobin';
      readonly repIds: readonly string[];
      readonly match: CandidateMatch;
      /** Skills every candidate must carry (`requireSkills`; empty: none). */
      readonly requireSkills: readonly string[];
      /** Weight of each candidate (same order as `repIds`); absent: plain round robin. */
      readonly weights?: readonly number[];
    }
  | {
      readonly type: 'leastLoaded';
      readonly repIds: readonly string[];
      readonly match: CandidateMatch;
      readonly requireSkills: readonly string[];
    }
  | {
      readonly type: 'bestMatch';
      readonly repIds: readonly string[];
      readonly match: CandidateMatch;
      readonly requireSkills: readonly string[];
      readonly lookbackDays: number;
      /** The score a rep needs to be chosen; below it the rule falls through. */
      readonly minScore: number;
    }
  | {
      readonly type: 'broadcast';
      readonly repIds: readonly string[];
      readonly match: CandidateMatch;
      readonly requireSkills: readonly string[];
      readonly claimTimeoutMs: number;
      /** The message each offered rep gets: its template id and default channel. */
      readonly notify: { readonly template: string; readonly channel: string };
      /** Who hears of an unclaimed offer (`none`: nobody), with which template and channel. */
      readonly onExpiry: {
        readonly escalateTo: 'supervisor' | 'none';
        readonly template: string;
        readonly channel: string;
      };
    };

/**
 * A rule set validated and compiled to closures, ready for `decideLead` (`leadflow/core`). Immutable and
 * safe to share between engines and threads of work.
 *
 * @example
 * ```ts
 * import { compileRuleSet, zhikongPreset } from 'leadflow';
 * const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
 * compiled.source.version;
 * ```
 * @category Rule sets
 */
export interface CompiledRuleSet {
  /** The parsed rule set (defaults filled in, durations in ms). */
  readonly source: RuleSet;
  /**
   * The business calendar assignment reads rep shifts and partial-day leave in (from
   * {@link CompileRuleSetOptions.calendar}; `createEngine` puts its own calendar here). Without
   * one, a rep with shifts or partial-day leave is never assigned by a rule — the reason says so.
   */
  readonly calendar?: BusinessCalendar;
  readonly tagging: {
    readonly channelTag: boolean;
    readonly budgetBands: RuleSet['tagging']['budgetBands'];
    readonly intentGrades: readonly { readonly grade: 'A' | 'B' | 'C'; readonly when: MaybeCondition }[];
    readonly rules: readonly {
      readonly id: string;
      readonly when: MaybeCondition;
      readonly tags: readonly string[];
    }[];
  };
  readonly qualification: {
    readonly parts: readonly {
      readonly name: 'credibleSource' | 'completeInfo' | 'explicitNeed';
      readonly when: MaybeCondition;
    }[];
    readonly incubationMs: number;
    readonly assignUnqualified: boolean;
  };
  readonly assignment: {
    readonly rules: readonly {
      readonly id: string;
      readonly index: number;
      readonly when: MaybeCondition;
      readonly strategy: ResolvedStrategy;
      readonly onNoCandidate: 'nextRule' | 'fallback';
    }[];
    readonly fallback: { readonly supervisorId: string | undefined };
    /** Capacity units a lead of each grade uses (`assignment.capacityWeights`); absent: 1 each. */
    readonly capacityWeights?: { readonly A: number; readonly B: number; readonly C: number };
  };
  /** SLA policies by id, and by the event that starts, stops, pauses or resumes them. */
  readonly sla: {
    readonly policies: readonly SlaPolicy[];
    readonly byId: ReadonlyMap<string, SlaPolicy>;
    readonly startingOn: ReadonlyMap<string, readonly SlaPolicy[]>;
    readonly stoppingOn: ReadonlyMap<string, readonly SlaPolicy[]>;
    readonly pausingOn: ReadonlyMap<string, readonly SlaPolicy[]>;
    readonly resumingOn: ReadonlyMap<string, readonly SlaPolicy[]>;
  };
  readonly crossSell: readonly (CustomerRule & { readonly compiled: CompiledCondition })[];
  readonly risk: readonly (CustomerRule & { readonly compiled: CompiledCondition })[];
  /** The rule set's `routing`: channels per message kind, fallbacks per channel. */
  readonly routing: {
    readonly kinds: ReadonlyMap<string, readonly string[]>;
    readonly fallbacks: ReadonlyMap<string, readonly string[]>;
  };
}

/**
 * The channels a message of `kind` goes to: the rule set's `routing.kinds` entry, or
 * `defaultChannel` (the one the SLA action or the built-in message names).
 *
 * @example
 * ```ts
 * import { channelsOf, compileRuleSet } from 'leadflow';
 * const compiled = compileRuleSet({ id: 'r', version: '1', assignment: {}, routing: { kinds: { 'unassigned-escalation': ['sms', 'board'] } } });
 * channelsOf(compiled, 'unassigned-escalation', 'sms'); // ['sms', 'board']
 * channelsOf(compiled, 'follow-up-warning', 'wecom'); // ['wecom']
 * ```
 * @category Rule sets
 */
export function channelsOf(
  compiled: Pick<CompiledRuleSet, 'routing'>,
  kind: string,
  defaultChannel: string,
): readonly string[] {
  return compiled.routing.kinds.get(kind) ?? [defaultChannel];
}

/**
 * Options of {@link compileRuleSet}.
 *
 * @example
 * ```ts
 * import type { CompileRuleSetOptions } from 'leadflow';
 * const options: CompileRuleSetOptions = { team };
 * ```
 * @category Rule sets
 */
export interface CompileRuleSetOptions {
  /**
   * The team the rule set will run with. When given, every rep, pool and supervisor id the rule
   * set names must exist in it; without it only the rule set's own pools are checked.
   */
  readonly team?: Pick<Team, 'reps' | 'supervisors'> & { readonly pools?: Team['pools'] };
  /**
   * The business calendar decisions read rep availability in: shifts and partial-day leave are
   * wall-clock times of its zone, and a rep without shifts works its hours. `createEngine`
   * supplies the engine's calendar, so only direct callers of `decideLead` need it.
   */
  readonly calendar?: BusinessCalendar;
}

function isSlaEvent(event: string): event is SlaEvent {
  return (SLA_EVENTS as readonly string[]).includes(event);
}

/**
 * Validate and compile a rule set, or report every problem — in one pass: the parts the schema
 * refuses are set aside, and the rest is still checked for reference problems (unknown reps,
 * pools, facts, templates, unreachable rules), so fixing the list does not reveal a second one.
 *
 * @returns `{ ok: true, ruleSet }` or `{ ok: false, problems }` (never throws on bad input).
 * @example
 * ```ts
 * import { tryCompileRuleSet } from 'leadflow';
 * const result = tryCompileRuleSet(JSON.parse(text));
 * if (!result.ok) result.problems.forEach((p) => console.log(p.path, p.message));
 * ```
 * @category Rule sets
 */
export function tryCompileRuleSet(
  input: unknown,
  options: CompileRuleSetOptions = {},
): { ok: true; ruleSet: CompiledRuleSet } | { ok: false; problems: RuleSetProblem[] } {
  const problems: RuleSetProblem[] = [];
  let size: number;
  try {
    size = JSON.stringify(input)?.length ?? 0;
  } catch (error) {
    return {
      ok: false,
      problems: [{ path: '', message: `not JSON-serializable: ${(error as Error).message}` }],
    };
  }
  if (size > RULE_SET_LIMITS.jsonChars) {
    return {
      ok: false,
      problems: [
        { path: '', message: `rule set is ${size} characters; the limit is ${RULE_SET_LIMITS.jsonChars}` },
      ],
    };
  }
  const first = compileOnce(input, options);
  if (first.ok || typeof input !== 'object' || input === null || Array.isArray(input)) return first;
  const schemaIssues = (value: unknown) => {
    const parsed = ruleSetSchema.safeParse(value);
    return parsed.success ? [] : parsed.error.issues;
  };
  if (schemaIssues(input).length === 0) return first;
  const found = problemsInOnePass(input as Record<string, unknown>, {
    schemaIssues,
    compile: (value) => compileOnce(value, options),
  });
  for (const { path, message } of found) problems.push({ path, message });
  return { ok: false, problems };
}

/** Validate and compile; stops at schema problems (the reference checks need a parsed rule set). */
function compileOnce(
  input: unknown,
  options: CompileRuleSetOptions,
): { ok: true; ruleSet: CompiledRuleSet } | { ok: false; problems: RuleSetProblem[] } {
  const problems: RuleSetProblem[] = [];
  const parsed = ruleSetSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push({ path: formatRuleSetPath(issue.path), message: issue.message });
    return { ok: false, problems };
  }
  const rules = parsed.data;

  const compile = (condition: unknown, path: string, knownFacts: ReadonlySet<string>): MaybeCondition => {
    if (condition === undefined) return undefined;
    const result = compileCondition(condition, { knownFacts, path });
    if (!result.ok) {
      problems.push(...result.problems);
      return undefined;
    }
    return result;
  };
  const requireUnique = (ids: readonly string[], path: (index: number) => string, what: string) => {
    const seen = new Map<string, number>();
    ids.forEach((id, index) => {
      const first = seen.get(id);
      if (first !== undefined)
        problems.push({
          path: path(index),
          message: `duplicate ${what} id "${id}" (first at ${path(first)})`,
        });
      else seen.set(id, index);
    });
  };

  // --- tagging
  const intentGrades = rules.tagging.intentGrades.map((grade, index) => ({
    grade: grade.grade,
    when: compile(grade.when, `tagging.intentGrades[${index}].when`, LEAD_FACT_NAMES),
  }));
  requireUnique(
    rules.tagging.rules.map((rule) => rule.id),
    (index) => `tagging.rules[${index}].id`,
    'tagging rule',
  );
  const taggingRules = rules.tagging.rules.map((rule, index) => ({
    id: rule.id,
    when: compile(rule.when, `tagging.rules[${index}].when`, LEAD_FACT_NAMES),
    tags: rule.tags,
  }));
  rules.tagging.budgetBands.forEach((band, index) => {
    const previous = rules.tagging.budgetBands[index - 1];
    if (band.below === undefined && index !== rules.tagging.budgetBands.length - 1) {
      problems.push({
        path: `tagging.budgetBands[${index}].below`,
        message: 'only the last budget band may omit `below`',
      });
    }
    if (previous?.below !== undefined && band.below !== undefined && band.below <= previous.below) {
      problems.push({
        path: `tagging.budgetBands[${index}].below`,
        message: 'budget bands must be in ascending order',
      });
    }
  });

  // --- qualification
  const qualificationParts = (['credibleSource', 'completeInfo', 'explicitNeed'] as const).map((name) => ({
    name,
    when: compile(rules.qualification[name], `qualification.${name}`, LEAD_FACT_NAMES),
  }));

  // --- pools and reps
  requireUnique(
    rules.pools.map((pool) => pool.id),
    (index) => `pools[${index}].id`,
    'pool',
  );
  const teamRepIds = options.team ? new Set(options.team.reps.map((rep) => rep.id)) : undefined;
  const checkRep = (repId: string, path: string) => {
    if (teamRepIds && !teamRepIds.has(repId))
      problems.push({ path, message: `unknown rep "${repId}" (not in the team)` });
  };
  const pools = new Map<string, readonly string[]>();
  for (const pool of options.team?.pools ?? []) pools.set(pool.id, pool.repIds);
  rules.pools.forEach((pool, index) => {
    pool.repIds.forEach((repId, repIndex) => {
      checkRep(repId, `pools[${index}].repIds[${repIndex}]`);
    });
    pools.set(pool.id, pool.repIds);
  });
  for (const repId of Object.keys(rules.leadPool.holdingCaps))
    checkRep(repId, `leadPool.holdingCaps.${repId}`);

  // --- assignment
  requireUnique(
    rules.assignment.rules.map((rule) => rule.id),
    (index) => `assignment.rules[${index}].id`,
    'assignment rule',
  );
  const resolveCandidates = (
    strategy: Exclude<AssignmentStrategy, { type: 'owner' }>,
    path: string,
  ): readonly string[] => {
    if (strategy.pool !== undefined && strategy.repIds !== undefined) {
      problems.push({ path, message: 'give either `pool` or `repIds`, not both' });
      return [];
    }
    if (strategy.repIds !== undefined) {
      strategy.repIds.forEach((repId, index) => {
        checkRep(repId, `${path}.repIds[${index}]`);
      });
      return strategy.repIds;
    }
    if (strategy.pool === undefined) {
      problems.push({ path, message: 'a pool strategy needs `pool` or `repIds`' });
      return [];
    }
    const members = pools.get(strategy.pool);
    if (members === undefined) {
      problems.push({ path: `${path}.pool`, message: `unknown pool "${strategy.pool}"` });
      return [];
    }
    if (members.length === 0)
      problems.push({ path: `${path}.pool`, message: `pool "${strategy.pool}" is empty` });
    return members;
  };
  const resolveWeights = (
    weights: Readonly<Record<string, number>> | undefined,
    repIds: readonly string[],
    path: string,
  ): { weights?: readonly number[] } => {
    if (weights === undefined) return {};
    const candidates = new Set(repIds);
    for (const repId of Object.keys(weights)) {
      if (!candidates.has(repId))
        problems.push({ path: `${path}.${repId}`, message: `"${repId}" is not a candidate of this rule` });
    }
    const resolved = repIds.map((repId) => (Object.hasOwn(weights, repId) ? weights[repId]! : 1));
    const total = resolved.reduce((sum, weight) => sum + weight, 0);
    if (total > 10_000)
      problems.push({
        path,
        message: `weights add up to ${total}; at most 10000 (one round of the rotation)`,
      });
    return { weights: resolved };
  };
  let catchAllAt: number | undefined;
  const assignmentRules = rules.assignment.rules.map((rule, index) => {
    const path = `assignment.rules[${index}]`;
    if (catchAllAt !== undefined) {
      problems.push({
        path,
        message: `unreachable: rule "${rules.assignment.rules[catchAllAt]!.id}" at assignment.rules[${catchAllAt}] matches every lead and goes to the fallback when nobody is free (set its onNoCandidate to "nextRule" to run later rules on overflow)`,
      });
    }
    const when = compile(rule.when, `${path}.when`, LEAD_FACT_NAMES);
    const isCatchAll = rule.when === undefined || isTriviallyTrue(rule.when);
    if (isCatchAll && rule.onNoCandidate !== 'nextRule' && catchAllAt === undefined) catchAllAt = index;
    const strategy = rule.strategy;
    let resolved: ResolvedStrategy;
    if (strategy.type === 'owner') {
      const repIds = [strategy.repId, ...strategy.overflowTo];
      repIds.forEach((repId, repIndex) => {
        checkRep(
          repId,
          repIndex === 0 ? `${path}.strategy.repId` : `${path}.strategy.overflowTo[${repIndex - 1}]`,
        );
      });
      resolved = { type: 'owner', repIds };
    } else {
      const repIds = resolveCandidates(strategy, `${path}.strategy`);
      const match = {
        region: strategy.match?.region ?? false,
        industry: strategy.match?.industry ?? false,
        skills: strategy.match?.skills ?? false,
      };
      const requireSkills = strategy.requireSkills ?? [];
      resolved =
        strategy.type === 'bestMatch'
          ? {
              type: 'bestMatch',
              repIds,
              match,
              requireSkills,
              lookbackDays: strategy.lookbackDays,
              minScore: strategy.minScore,
            }
          : strategy.type === 'broadcast'
            ? {
                type: 'broadcast',
                repIds,
                match,
                requireSkills,
                claimTimeoutMs: strategy.claimTimeout,
                notify: strategy.notify,
                onExpiry: strategy.onExpiry,
              }
            : strategy.type === 'roundRobin'
              ? {
                  type: 'roundRobin',
                  repIds,
                  match,
                  requireSkills,
                  ...resolveWeights(strategy.weights, repIds, `${path}.strategy.weights`),
                }
              : { type: strategy.type, repIds, match, requireSkills };
    }
    return { id: rule.id, index, when, strategy: resolved, onNoCandidate: rule.onNoCandidate ?? 'nextRule' };
  });
  const supervisorId = rules.assignment.fallback.supervisorId;
  if (
    supervisorId !== undefined &&
    options.team &&
    !options.team.supervisors.some((s) => s.id === supervisorId)
  ) {
    problems.push({
      path: 'assignment.fallback.supervisorId',
      message: `unknown supervisor "${supervisorId}"`,
    });
  }
  if (options.team && options.team.supervisors.length === 0) {
    problems.push({
      path: 'assignment.fallback',
      message: 'the team has no supervisor to own the supervisor queue',
    });
  }

  // --- templates: the built-in ones of the language, overridden by the rule set's own
  const templates: RuleSet['templates'] = Object.assign(
    Object.create(null) as RuleSet['templates'],
    MESSAGE_TEMPLATES[rules.language],
    rules.templates,
  );
  // A broadcast's messages name their templates like SLA actions do.
  rules.assignment.rules.forEach((rule, index) => {
    if (rule.strategy.type !== 'broadcast') return;
    for (const key of ['notify', 'onExpiry'] as const) {
      const template = rule.strategy[key].template;
      if (!Object.hasOwn(templates, template)) {
        problems.push({
          path: `assignment.rules[${index}].strategy.${key}.template`,
          message: `unknown template "${template}"`,
        });
      }
    }
  });

  // --- routing
  const ruleKinds = new Set([...rules.crossSell, ...rules.risk].map((rule) => rule.effect.kind));
  for (const [kind, channels] of Object.entries(rules.routing.kinds)) {
    if (!Object.hasOwn(templates, kind) && !ruleKinds.has(kind)) {
      problems.push({
        path: `routing.kinds.${kind}`,
        message: `unknown message kind "${kind}" (a template id or a cross-sell/risk kind: ${[...Object.keys(templates), ...ruleKinds].sort().join(', ')})`,
      });
    }
    channels.forEach((channel, index) => {
      if (channels.indexOf(channel) !== index) {
        problems.push({
          path: `routing.kinds.${kind}[${index}]`,
          message: `channel "${channel}" is listed twice`,
        });
      }
    });
  }
  for (const [channel, next] of Object.entries(rules.routing.fallbacks)) {
    next.forEach((fallback, index) => {
      if (fallback === channel) {
        problems.push({
          path: `routing.fallbacks.${channel}[${index}]`,
          message: `channel "${channel}" cannot fall back to itself`,
        });
      } else if (next.indexOf(fallback) !== index) {
        problems.push({
          path: `routing.fallbacks.${channel}[${index}]`,
          message: `channel "${fallback}" is listed twice`,
        });
      }
    });
  }

  // --- SLA policies
  requireUnique(
    rules.sla.policies.map((policy) => policy.id),
    (index) => `sla.policies[${index}].id`,
    'SLA policy',
  );
  rules.sla.policies.forEach((policy, index) => {
    const path = `sla.policies[${index}]`;
    if (policy.entity !== 'lead') {
      // Only a lead goes back to the pool (公海): refused rather than ignored elsewhere.
      for (const key of ['onWarn', 'onBreach'] as const) {
        policy[key].forEach((action, actionIndex) => {
          if (action.type === 'returnToPool') {
            problems.push({
              path: `${path}.${key}[${actionIndex}].type`,
              message: `"returnToPool" applies to lead policies only (this one watches a ${policy.entity === 'task' ? 'department task' : 'opportunity'})`,
            });
          }
        });
      }
    }
    if (policy.entity === 'task') {
      // A task has no owner to take it from and no priority: refused rather than ignored.
      for (const key of ['onWarn', 'onBreach'] as const) {
        policy[key].forEach((action, actionIndex) => {
          if (action.type === 'reassign' || action.type === 'raisePriority') {
            problems.push({
              path: `${path}.${key}[${actionIndex}].type`,
              message: `"${action.type}" does not apply to a department task; escalate or notify instead`,
            });
          }
        });
      }
    }
    for (const key of ['startOn', 'stopOn', 'pauseOn', 'resumeOn'] as const) {
      policy[key].forEach((event, eventIndex) => {
        if (!isSlaEvent(event)) {
          problems.push({
            path: `${path}.${key}[${eventIndex}]`,
            message: `unknown event "${event}"; known events: ${SLA_EVENTS.join(', ')}`,
          });
        } else if (
          !event.startsWith(`${policy.entity}.`) &&
          !(policy.entity === 'opportunity' && event.startsWith('lead.'))
        ) {
          problems.push({
            path: `${path}.${key}[${eventIndex}]`,
            message: `event "${event}" never happens to a ${policy.entity}`,
          });
        }
      });
    }
    if (policy.pauseOn.length > 0 && policy.resumeOn.length === 0) {
      problems.push({
        path: `${path}.resumeOn`,
        message: 'a policy that pauses needs at least one resumeOn event',
      });
    }
    if (policy.warnBefore !== undefined && policy.warnBefore >= policy.target) {
      problems.push({ path: `${path}.warnBefore`, message: 'warnBefore must be shorter than the target' });
    }
    for (const key of ['onWarn', 'onBreach'] as const) {
      policy[key].forEach((action, actionIndex) => {
        if (action.type === 'notify' && !Object.hasOwn(templates, action.template)) {
          problems.push({
            path: `${path}.${key}[${actionIndex}].template`,
            message: `unknown template "${action.template}"`,
          });
        }
      });
    }
    if (policy.onBreach.length === 0) {
      problems.push({
        path: `${path}.onBreach`,
        message: 'a policy needs at least one breach action (or nothing escalates)',
      });
    }
  });
  requireUnique(
    rules.followUp.outcomes.map((outcome) => outcome.id),
    (index) => `followUp.outcomes[${index}].id`,
    'follow-up outcome',
  );

  // --- cross-sell and risk
  const customerRules = (section: 'crossSell' | 'risk') => {
    requireUnique(
      rules[section].map((rule) => rule.id),
      (index) => `${section}[${index}].id`,
      `${section} rule`,
    );
    return rules[section].flatMap((rule, index) => {
      const compiled = compile(rule.when, `${section}[${index}].when`, CUSTOMER_FACT_NAMES);
      if (rule.effect.template !== undefined && !Object.hasOwn(templates, rule.effect.template)) {
        problems.push({
          path: `${section}[${index}].effect.template`,
          message: `unknown template "${rule.effect.template}"`,
        });
      }
      rule.effect.carry.forEach((name, at) => {
        if (!CUSTOMER_FACT_NAMES.has(name) && !(CUSTOMER_KNOWLEDGE_NAMES as readonly string[]).includes(name))
          problems.push({
            path: `${section}[${index}].effect.carry[${at}]`,
            message: `unknown fact or knowledge "${name}" (customer facts: ${[...CUSTOMER_FACT_NAMES].join(', ')}; knowledge: ${CUSTOMER_KNOWLEDGE_NAMES.join(', ')})`,
          });
      });
      return compiled ? [{ ...rule, compiled }] : [];
    });
  };
  const crossSell = customerRules('crossSell');
  const risk = customerRules('risk');

  if (problems.length > 0) return { ok: false, problems };

  const index = (key: 'startOn' | 'stopOn' | 'pauseOn' | 'resumeOn') => {
    const map = new Map<string, SlaPolicy[]>();
    for (const policy of rules.sla.policies) {
      for (const event of policy[key]) map.set(event, [...(map.get(event) ?? []), policy]);
    }
    return map;
  };
  const compiled: CompiledRuleSet = {
    source: { ...rules, templates: { ...templates } },
    ...(options.calendar !== undefined ? { calendar: options.calendar } : {}),
    tagging: {
      channelTag: rules.tagging.channelTag,
      budgetBands: rules.tagging.budgetBands,
      intentGrades,
      rules: taggingRules,
    },
    qualification: {
      parts: qualificationParts,
      incubationMs: rules.qualification.incubationDays * 86_400_000,
      assignUnqualified: rules.qualification.assignUnqualified,
    },
    assignment: {
      rules: assignmentRules,
      fallback: { supervisorId },
      ...(rules.assignment.capacityWeights !== undefined
        ? {
            capacityWeights: {
              A: rules.assignment.capacityWeights.A ?? 1,
              B: rules.assignment.capacityWeights.B ?? 1,
              C: rules.assignment.capacityWeights.C ?? 1,
            },
          }
        : {}),
    },
    sla: {
      policies: rules.sla.policies,
      byId: new Map(rules.sla.policies.map((policy) => [policy.id, policy])),
      startingOn: index('startOn'),
      stoppingOn: index('stopOn'),
      pausingOn: index('pauseOn'),
      resumingOn: index('resumeOn'),
    },
    crossSell,
    risk,
    routing: {
      kinds: new Map(Object.entries(rules.routing.kinds)),
      fallbacks: new Map(Object.entries(rules.routing.fallbacks)),
    },
  };
  return { ok: true, ruleSet: compiled };
}

/** `{ all: [] }` matches everything, like an absent condition. */
function isTriviallyTrue(condition: unknown): boolean {
  return (
    typeof condition === 'object' &&
    condition !== null &&
    Array.isArray((condition as { all?: unknown }).all) &&
    (condition as { all: unknown[] }).all.length === 0
  );
}

/**
 * Validate and compile a rule set. Throws a {@link RuleSetError} listing every problem with its
 * JSON path: schema errors, unknown fact names, unknown rep/pool/supervisor/template ids, empty
 * pools, rules unreachable after a catch-all, SLA policies on unknown events, duplicate ids.
 *
 * @example
 * ```ts
 * import { compileRuleSet, zhikongPreset } from 'leadflow';
 * const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
 * ```
 * @category Rule sets
 */
export function compileRuleSet(
  input: RuleSetInput | unknown,
  options: CompileRuleSetOptions = {},
): CompiledRuleSet {
  const result = tryCompileRuleSet(input, options);
  if (!result.ok) throw new RuleSetError(result.problems);
  return result.ruleSet;
}
