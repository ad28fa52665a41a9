/**
 * Reference semantics: evaluate a leadflow condition with json-rules-engine itself.
 *
 * Used by the differential property test (compiled closures must agree with json-rules-engine)
 * and available to hosts that want to double-check a rule set. It is slow (a fresh `Engine` per
 * call, json-rules-engine clones conditions on every run) — never use it on a hot path.
 *
 * - **Concurrency.** One json-rules-engine `Engine` must never run concurrently: its `status` is
 *   shared and events get dropped silently (upstream issue #303). This adapter creates a new
 *   `Engine` for every call, so concurrent calls are safe.
 * - **Configuration.** `allowUndefinedFacts: true` (a missing fact is `undefined`, as in
 *   leadflow); the default jsonpath-plus path resolver; the condition is validated by leadflow
 *   first (so only plain paths ever reach jsonpath-plus) and its paths converted to `$`-form.
 * - **Facts.** Only the facts object's own properties are passed (json-rules-engine would also
 *   read inherited enumerable ones with `for…in`); function values are passed as values, not
 *   as dynamic facts.
 * - **leadflow operators.** `inRegion`, `matchesAny` and `withinLastDays` are registered with
 *   `engine.addOperator`, written independently of `operators.ts` (plainly, allocation is fine
 *   here) so the differential test cross-checks them; `withinLastDays` closes over `context.now`
 *   of the call — another reason for one `Engine` per call.
 *
 * @module
 */

import { Engine, type RuleProperties, type TopLevelCondition } from 'json-rules-engine';
import {
  type Condition,
  ConditionError,
  type FactValues,
  type LeafCondition,
  validateCondition,
} from './conditions.js';
import type { EvaluationContext } from './operators.js';
import { normalizePath } from './paths.js';

/**
 * Evaluates conditions with json-rules-engine.
 *
 * @example
 * ```ts
 * import { createReferenceEvaluator } from 'leadflow/testing';
 * const reference = createReferenceEvaluator();
 * await reference.evaluate({ fact: 'budget', operator: 'greaterThan', value: 1 }, { budget: 2 }, { now: 0 }); // true
 * ```
 * @category Rule sets
 */
export interface ReferenceEvaluator {
  /**
   * Evaluate `condition` against `facts` at `context.now` with json-rules-engine. Rejects with a
   * {@link ConditionError} when the condition is invalid, and with json-rules-engine's own error
   * where it throws (e.g. `in` against a referenced fact that is a number) — where leadflow's
   * compiled evaluator returns `false`.
   */
  evaluate(condition: Condition, facts: FactValues, context: EvaluationContext): Promise<boolean>;
}

const DAY_MS = 86_400_000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function referenceInRegion(factValue: unknown, value: unknown): boolean {
  if (typeof factValue !== 'string' || !Array.isArray(value)) return false;
  return value.some(
    (r) => typeof r === 'string' && r !== '' && (factValue === r || factValue.startsWith(`${r}/`)),
  );
}

function referenceMatchesAny(factValue: unknown, value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  const tags: string[] =
    typeof factValue === 'string'
      ? [factValue]
      : Array.isArray(factValue)
        ? factValue.filter((t): t is string => typeof t === 'string')
        : [];
  const patterns = value.filter((p): p is string => typeof p === 'string' && p !== '');
  return tags.some((tag) =>
    patterns.some((p) => {
      if (!p.endsWith('/*')) return tag === p;
      const prefix = p.slice(0, -1);
      return tag.length > prefix.length && tag.startsWith(prefix);
    }),
  );
}

function referenceWithinLastDays(now: number) {
  return (factValue: unknown, value: unknown): boolean => {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || value === Number.POSITIVE_INFINITY)
      return false;
    let t: number;
    if (typeof factValue === 'number') t = factValue;
    else if (typeof factValue === 'string' && ISO_INSTANT.test(factValue)) t = new Date(factValue).getTime();
    else if (factValue instanceof Date) t = factValue.getTime();
    else return false;
    return t >= now - value * DAY_MS && t <= now;
  };
}

/**
 * Convert a (valid) leadflow condition to json-rules-engine rule conditions: paths become
 * `$`-rooted, and a bare leaf root is wrapped in `{ all: [leaf] }` (json-rules-engine needs a
 * boolean root; with one child the result is the leaf's).
 *
 * @example
 * ```ts
 * import { toReferenceConditions } from 'leadflow/testing';
 * toReferenceConditions({ fact: 'company', path: 'region', operator: 'equal', value: 'x' });
 * // { all: [{ fact: 'company', path: '$.region', operator: 'equal', value: 'x' }] }
 * ```
 * @category Rule sets
 */
export function toReferenceConditions(condition: Condition): TopLevelCondition {
  const converted = convert(condition);
  if ('all' in converted || 'any' in converted || 'not' in converted) return converted as TopLevelCondition;
  return { all: [converted as never] };
}

function convert(c: Condition): Record<string, unknown> {
  if ('all' in c) return { ...c, all: c.all.map(convert) };
  if ('any' in c) return { ...c, any: c.any.map(convert) };
  if ('not' in c) return { ...c, not: convert(c.not) };
  const leaf: LeafCondition = { ...c };
  if (leaf.path !== undefined) leaf.path = normalizePath(leaf.path);
  const v = leaf.value;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    leaf.value = v.path === undefined ? { fact: v.fact } : { fact: v.fact, path: normalizePath(v.path) };
  }
  return leaf as unknown as Record<string, unknown>;
}

function referenceFacts(facts: FactValues): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.getOwnPropertyNames(facts)) {
    if (key === '') continue; // json-rules-engine refuses empty fact ids; conditions cannot name one
    const value = facts[key];
    // a function would become a json-rules-engine dynamic fact; pass it as a plain value instead
    out[key] = typeof value === 'function' ? () => value : value;
  }
  return out;
}

/**
 * Create a reference evaluator backed by json-rules-engine (one `Engine` per call; validated,
 * converted conditions are cached per condition object).
 *
 * @example
 * ```ts
 * import { createReferenceEvaluator } from 'leadflow/testing';
 * const reference = createReferenceEvaluator();
 * const ok = await reference.evaluate(
 *   { any: [{ fact: 'tags', operator: 'matchesAny', value: ['high-intent/*'] }] },
 *   { tags: ['high-intent/price-sensitive'] },
 *   { now: Date.parse('2026-03-02T01:00:00Z') },
 * ); // true
 * ```
 * @category Rule sets
 */
export function createReferenceEvaluator(): ReferenceEvaluator {
  const converted = new WeakMap<object, TopLevelCondition>();
  const prepare = (condition: Condition): TopLevelCondition => {
    const cached = typeof condition === 'object' && condition !== null ? converted.get(condition) : undefined;
    if (cached !== undefined) return cached;
    const problems = validateCondition(condition);
    if (problems.length > 0) throw new ConditionError(problems);
    const result = toReferenceConditions(condition);
    converted.set(condition, result);
    return result;
  };
  return {
    async evaluate(condition, facts, context) {
      const conditions = prepare(condition);
      if (typeof facts !== 'object' || facts === null) {
        throw new ConditionError([{ path: 'facts', message: 'facts must be an object' }]);
      }
      if (typeof context?.now !== 'number' || !Number.isFinite(context.now)) {
        throw new ConditionError([
          { path: 'context.now', message: 'context.now must be a finite epoch-ms number' },
        ]);
      }
      const engine = new Engine([], { allowUndefinedFacts: true });
      engine.addOperator('inRegion', referenceInRegion);
      engine.addOperator('matchesAny', referenceMatchesAny);
      engine.addOperator('withinLastDays', referenceWithinLastDays(context.now));
      const rule: RuleProperties = { conditions, event: { type: 'matched' } };
      engine.addRule(rule);
      const { results } = await engine.run(referenceFacts(facts));
      return results.length > 0;
    },
  };
}

let shared: ReferenceEvaluator | undefined;

/**
 * Evaluate one condition with json-rules-engine (a shared {@link createReferenceEvaluator}).
 *
 * @example
 * ```ts
 * import { evaluateReference } from 'leadflow/testing';
 * await evaluateReference({ fact: 'region', operator: 'inRegion', value: ['江苏'] }, { region: '江苏/苏州' }, { now: 0 }); // true
 * ```
 * @category Rule sets
 */
export function evaluateReference(
  condition: Condition,
  facts: FactValues,
  context: EvaluationContext,
): Promise<boolean> {
  shared ??= createReferenceEvaluator();
  return shared.evaluate(condition, facts, context);
}
