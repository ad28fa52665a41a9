/**
 * The fixed operator table of leadflow conditions.
 *
 * All json-rules-engine 7.3 default operators and operator decorators, with the same semantics
 * (including their fact-value validators), plus three leadflow operators: `inRegion`,
 * `matchesAny` and `withinLastDays`. Rule sets are data: they can name operators from this table
 * but can never add one — there is no `addOperator`.
 *
 * One deliberate difference: where json-rules-engine would throw while applying an operator to a
 * runtime value (e.g. `in` whose value comes from a fact that is a number, or `someValue:` over a
 * non-array), json-rules-engine rejects the whole run; leadflow evaluates that condition to
 * `false` (the whole condition, including any `not:` decorator around it) and carries on.
 *
 * @module
 */

/**
 * What an evaluation may know besides the facts. `now` (epoch ms) comes from the host's clock;
 * the core never reads the system time.
 *
 * @example
 * ```ts
 * import type { EvaluationContext } from 'leadflow/core';
 * const context: EvaluationContext = { now: Date.parse('2026-03-02T01:00:00Z') };
 * ```
 * @category Rule sets
 */
export interface EvaluationContext {
  /** Current instant, epoch milliseconds. */
  readonly now: number;
}

/**
 * Names of the base operators: json-rules-engine's ten defaults plus leadflow's three.
 *
 * @example
 * ```ts
 * import type { OperatorName } from 'leadflow/core';
 * const op: OperatorName = 'greaterThanInclusive';
 * ```
 * @category Rule sets
 */
export type OperatorName =
  | 'equal'
  | 'notEqual'
  | 'in'
  | 'notIn'
  | 'contains'
  | 'doesNotContain'
  | 'lessThan'
  | 'lessThanInclusive'
  | 'greaterThan'
  | 'greaterThanInclusive'
  | 'inRegion'
  | 'matchesAny'
  | 'withinLastDays';

/**
 * Names of json-rules-engine 7's operator decorators, written before an operator with `:`
 * (`someFact:equal`, `not:in`, `everyValue:lessThan`, `swap:contains`); they can be stacked
 * (`not:someFact:inRegion`).
 *
 * @example
 * ```ts
 * import type { DecoratorName } from 'leadflow';
 * const d: DecoratorName = 'someFact';
 * ```
 * @category Rule sets
 */
export type DecoratorName = 'someFact' | 'someValue' | 'everyFact' | 'everyValue' | 'swap' | 'not';

/**
 * An operator implementation: `(factValue, value, context) => boolean`. `factValue` is the
 * left-hand side (the fact, after its path), `value` the right-hand side (the condition's
 * `value`, or the value of the fact it references).
 *
 * @example
 * ```ts
 * import { OPERATORS, type OperatorFn } from 'leadflow';
 * const gt: OperatorFn = OPERATORS.greaterThan.compare;
 * gt(5, 3, { now: 0 }); // true
 * ```
 * @category Rule sets
 */
export type OperatorFn = (factValue: unknown, value: unknown, context: EvaluationContext) => boolean;

/**
 * One entry of the operator table.
 *
 * @example
 * ```ts
 * import { OPERATORS } from 'leadflow';
 * const def = OPERATORS.contains;
 * def.factValueValidator?.('not an array'); // false → `contains` is false without comparing
 * def.checkValue(['a']); // { at: [], message: 'contains compares with === ...' } (a literal array never matches)
 * ```
 * @category Rule sets
 */
export interface OperatorDefinition {
  readonly name: OperatorName;
  /** Where the semantics come from. */
  readonly origin: 'json-rules-engine' | 'leadflow';
  /** One-line description for docs and editors. */
  readonly summary: string;
  /**
   * json-rules-engine's `factValueValidator`: when it returns false the operator is false and
   * `compare` is not called. `undefined` means "accept anything".
   */
  readonly factValueValidator: ((factValue: unknown) => boolean) | undefined;
  /** The comparison proper (json-rules-engine's operator callback). */
  readonly compare: OperatorFn;
  /**
   * Compile-time check of a literal (non-fact) `value`: a problem (`at` is the position inside
   * the value, `[]` for the value itself), or `undefined` when fine.
   */
  readonly checkValue: (value: unknown) => OperatorValueProblem | undefined;
}

/**
 * One entry of the decorator table.
 *
 * @example
 * ```ts
 * import { DECORATORS } from 'leadflow';
 * DECORATORS.someFact.summary; // 'true when the operator holds for some element of the (array) fact'
 * ```
 * @category Rule sets
 */
export interface DecoratorDefinition {
  readonly name: DecoratorName;
  readonly summary: string;
  /** Validator on the fact value, as in json-rules-engine (`Array.isArray` for `someFact`/`everyFact`). */
  readonly factValueValidator: ((factValue: unknown) => boolean) | undefined;
  /** Apply the decorator around `next` (the decorated operator, validator included). */
  readonly apply: (
    factValue: unknown,
    value: unknown,
    next: OperatorFn,
    context: EvaluationContext,
  ) => boolean;
}

/**
 * The type of the operator table: a frozen record, so rule sets can name operators but never add
 * code.
 *
 * @example
 * ```ts
 * import { OPERATORS, type OperatorRegistry } from 'leadflow';
 * const table: OperatorRegistry = OPERATORS;
 * Object.isFrozen(table); // true
 * ```
 * @category Rule sets
 */
export type OperatorRegistry = Readonly<Record<OperatorName, OperatorDefinition>>;

/**
 * The type of the decorator table (frozen).
 *
 * @example
 * ```ts
 * import { DECORATORS, type DecoratorRegistry } from 'leadflow';
 * const table: DecoratorRegistry = DECORATORS;
 * ```
 * @category Rule sets
 */
export type DecoratorRegistry = Readonly<Record<DecoratorName, DecoratorDefinition>>;

/** Thrown internally where json-rules-engine would throw; caught by {@link resolveOperator}'s evaluator. */
const NOT_APPLICABLE: unique symbol = /* @__PURE__ */ Symbol('leadflow.operator.notApplicable');

/** Milliseconds per day, for `withinLastDays`. */
const DAY_MS = 86_400_000;

/**
 * Date strings `withinLastDays` accepts: a calendar date (`2026-03-02`, UTC midnight) or a date-time
 * with `Z` or an offset (`2026-03-02T09:30:00+08:00`). Date-times without a zone are refused
 * (their meaning would depend on the host's time zone).
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

// ---------------------------------------------------------------------------------------------
// helpers

function isPrimitiveLiteral(value: unknown): boolean {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

/** json-rules-engine's numberValidator: `Number.parseFloat(v).toString() !== 'NaN'`. */
function numberValidator(factValue: unknown): boolean {
  if (typeof factValue === 'number') return !Number.isNaN(factValue);
  return !Number.isNaN(Number.parseFloat(factValue as string));
}

/** `b.indexOf(a)` as json-rules-engine calls it: arrays and strings have `indexOf`, anything else throws. */
function indexOfIn(haystack: unknown, needle: unknown): number {
  if (Array.isArray(haystack)) return haystack.indexOf(needle);
  if (typeof haystack === 'string') return haystack.indexOf(needle as string);
  throw NOT_APPLICABLE;
}

type ValueCheck = (value: unknown) => OperatorValueProblem | undefined;

const NO_POSITION: readonly number[] = /* @__PURE__ */ (() => Object.freeze([]))();

function problem(message: string, at: readonly number[] = NO_POSITION): OperatorValueProblem {
  return { at, message };
}

function checkPrimitive(op: string): ValueCheck {
  return (value) =>
    isPrimitiveLiteral(value)
      ? undefined
      : problem(
          `${op} compares with === and a literal array never matches; use a string, number, boolean or null (or 'in' / 'contains')`,
        );
}

function checkArray(op: string): ValueCheck {
  return (value) =>
    Array.isArray(value) ? undefined : problem(`${op} needs an array value, e.g. ["a", "b"]`);
}

function checkComparable(op: string): ValueCheck {
  return (value) =>
    typeof value === 'number' || typeof value === 'string'
      ? undefined
      : problem(`${op} needs a number (or string) value`);
}

/** Region strings: non-empty, `/`-separated, no empty segment, no leading or trailing `/`. */
function regionProblem(region: unknown): string | undefined {
  if (typeof region !== 'string' || region.length === 0) return 'a region must be a non-empty string';
  if (region.startsWith('/') || region.endsWith('/') || region.includes('//'))
    return `region '${region}' must not start or end with '/' or contain '//'`;
  return undefined;
}

function patternProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string' || pattern.length === 0) return 'a pattern must be a non-empty string';
  const star = pattern.indexOf('*');
  if (star === -1) return undefined;
  if (star === pattern.length - 1 && pattern.length >= 3 && pattern[star - 1] === '/') return undefined;
  return `pattern '${pattern}': '*' is only allowed as a trailing '/*' after a prefix, e.g. 'high-intent/*'`;
}

function checkList(op: string, itemProblem: (item: unknown) => string | undefined): ValueCheck {
  return (value) => {
    if (!Array.isArray(value)) return problem(`${op} needs an array value`);
    for (let i = 0; i < value.length; i++) {
      const message = itemProblem(value[i]);
      if (message !== undefined) return problem(message, [i]);
    }
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// leadflow operators (hot path: no allocation)

/**
 * `inRegion`: the fact is a region string such as `江苏/苏州/工业园区`; the value a list of regions.
 * True when the fact equals a region, or lies below it in the `/` hierarchy
 * (`江苏/苏州/工业园区` is in `江苏/苏州` and in `江苏`, not in `江苏/苏`). Non-string facts and empty
 * region strings never match.
 */
function inRegion(factValue: unknown, value: unknown): boolean {
  if (typeof factValue !== 'string' || !Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const region = value[i];
    if (typeof region !== 'string' || region.length === 0) continue;
    if (factValue === region) return true;
    if (
      factValue.length > region.length &&
      factValue.charCodeAt(region.length) === 47 /* / */ &&
      factValue.startsWith(region)
    )
      return true;
  }
  return false;
}

function tagMatches(tag: string, patterns: readonly unknown[]): boolean {
  for (let i = 0; i < patterns.length; i++) {
    const pattern = patterns[i];
    if (typeof pattern !== 'string' || pattern.length === 0) continue;
    if (pattern.endsWith('/*')) {
      const prefixLength = pattern.length - 1; // keeps the '/'
      if (tag.length <= prefixLength) continue;
      let same = true;
      for (let k = 0; k < prefixLength; k++) {
        if (tag.charCodeAt(k) !== pattern.charCodeAt(k)) {
          same = false;
          break;
        }
      }
      if (same) return true;
    } else if (tag === pattern) {
      return true;
    }
  }
  return false;
}

/**
 * `matchesAny`: the fact is a tag string or an array of tags; the value a list of patterns. A
 * pattern is an exact tag, or a prefix ending in `/*` that matches any tag below it
 * (`high-intent/*` matches `high-intent/price-sensitive`, not `high-intent` itself). True when
 * some tag matches some pattern. Non-string tags are ignored.
 */
function matchesAny(factValue: unknown, value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  if (typeof factValue === 'string') return tagMatches(factValue, value);
  if (!Array.isArray(factValue)) return false;
  for (let i = 0; i < factValue.length; i++) {
    const tag = factValue[i];
    if (typeof tag === 'string' && tagMatches(tag, value)) return true;
  }
  return false;
}

function toEpochMs(factValue: unknown): number {
  if (typeof factValue === 'number') return factValue;
  if (typeof factValue === 'string') return ISO_INSTANT.test(factValue) ? Date.parse(factValue) : Number.NaN;
  if (factValue instanceof Date) return factValue.getTime();
  return Number.NaN;
}

/**
 * `withinLastDays`: the fact is an instant — epoch ms, a `Date`, or an ISO string (`2026-03-02`
 * or a date-time with `Z`/offset); the value a number of days N ≥ 0. True when
 * `now - N × 86 400 000 ≤ fact ≤ now`, with `now` from the evaluation context.
 */
function withinLastDays(factValue: unknown, value: unknown, context: EvaluationContext): boolean {
  if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) return false;
  const t = toEpochMs(factValue);
  const now = context.now;
  return now - value * DAY_MS <= t && t <= now;
}

// ---------------------------------------------------------------------------------------------
// the tables

function def(
  name: OperatorName,
  origin: OperatorDefinition['origin'],
  summary: string,
  compare: OperatorFn,
  checkValue: ValueCheck,
  factValueValidator?: (factValue: unknown) => boolean,
): OperatorDefinition {
  return Object.freeze({ name, origin, summary, compare, checkValue, factValueValidator });
}

const JRE = 'json-rules-engine';

/**
 * The operator table. json-rules-engine semantics, verbatim:
 *
 * | operator | holds when | fact validator |
 * |---|---|---|
 * | `equal` / `notEqual` | `fact === value` / `!==` | — |
 * | `in` / `notIn` | `value.indexOf(fact) > -1` / `=== -1` (a string value does substring search, as in json-rules-engine) | — |
 * | `contains` / `doesNotContain` | `fact.indexOf(value) > -1` / `=== -1` | `Array.isArray(fact)` |
 * | `lessThan` … `greaterThanInclusive` | `fact < value` etc. (JS comparison) | `parseFloat(fact)` is not NaN |
 *
 * leadflow's `inRegion`, `matchesAny`, `withinLastDays` are described on their entries.
 *
 * @example
 * ```ts
 * import { OPERATORS } from 'leadflow';
 * OPERATORS.inRegion.compare('江苏/苏州/工业园区', ['江苏/苏州'], { now: 0 }); // true
 * OPERATORS.matchesAny.compare(['high-intent/price-sensitive'], ['high-intent/*'], { now: 0 }); // true
 * ```
 * @category Rule sets
 */
export const OPERATORS: OperatorRegistry = /* @__PURE__ */ (() =>
  Object.freeze({
    equal: def('equal', JRE, 'fact === value', (a, b) => a === b, checkPrimitive('equal')),
    notEqual: def('notEqual', JRE, 'fact !== value', (a, b) => a !== b, checkPrimitive('notEqual')),
    in: def('in', JRE, 'the value list contains the fact', (a, b) => indexOfIn(b, a) > -1, checkArray('in')),
    notIn: def(
      'notIn',
      JRE,
      'the value list does not contain the fact',
      (a, b) => indexOfIn(b, a) === -1,
      checkArray('notIn'),
    ),
    contains: def(
      'contains',
      JRE,
      'the (array) fact contains the value',
      (a, b) => (a as unknown[]).indexOf(b) > -1,
      checkPrimitive('contains'),
      Array.isArray,
    ),
    doesNotContain: def(
      'doesNotContain',
      JRE,
      'the (array) fact does not contain the value',
      (a, b) => (a as unknown[]).indexOf(b) === -1,
      checkPrimitive('doesNotContain'),
      Array.isArray,
    ),
    lessThan: def(
      'lessThan',
      JRE,
      'fact < value (numeric facts only)',
      (a, b) => (a as number) < (b as number),
      checkComparable('lessThan'),
      numberValidator,
    ),
    lessThanInclusive: def(
      'lessThanInclusive',
      JRE,
      'fact <= value (numeric facts only)',
      (a, b) => (a as number) <= (b as number),
      checkComparable('lessThanInclusive'),
      numberValidator,
    ),
    greaterThan: def(
      'greaterThan',
      JRE,
      'fact > value (numeric facts only)',
      (a, b) => (a as number) > (b as number),
      checkComparable('greaterThan'),
      numberValidator,
    ),
    greaterThanInclusive: def(
      'greaterThanInclusive',
      JRE,
      'fact >= value (numeric facts only)',
      (a, b) => (a as number) >= (b as number),
      checkComparable('greaterThanInclusive'),
      numberValidator,
    ),
    inRegion: def(
      'inRegion',
      'leadflow',
      "the region fact equals a listed region or lies below one ('江苏/苏州/工业园区' is in '江苏/苏州')",
      inRegion,
      checkList('inRegion', regionProblem),
    ),
    matchesAny: def(
      'matchesAny',
      'leadflow',
      "some tag of the fact (a string or string array) matches a pattern; 'a/*' matches tags below 'a/'",
      matchesAny,
      checkList('matchesAny', patternProblem),
    ),
    withinLastDays: def(
      'withinLastDays',
      'leadflow',
      'the instant fact (epoch ms, Date or ISO string) lies in [now - value days, now]',
      withinLastDays,
      (value) =>
        typeof value === 'number' && value >= 0 && Number.isFinite(value)
          ? undefined
          : problem('withinLastDays needs a number of days >= 0'),
    ),
  }))();

function dec(
  name: DecoratorName,
  summary: string,
  apply: DecoratorDefinition['apply'],
  factValueValidator?: (factValue: unknown) => boolean,
): DecoratorDefinition {
  return Object.freeze({ name, summary, apply, factValueValidator });
}

/**
 * json-rules-engine 7's default operator decorators, same semantics: `someFact:` / `everyFact:`
 * (fact must be an array; the operator is applied to each element), `someValue:` / `everyValue:`
 * (the value must be an array; applied to each element), `swap:` (exchanges fact and value),
 * `not:` (negates). Array holes are skipped, as `Array.prototype.some/every` do.
 *
 * @example
 * ```ts
 * import { resolveOperator } from 'leadflow';
 * const r = resolveOperator('everyFact:greaterThan');
 * if (r.ok) r.operator.evaluate([3, 4], 2, { now: 0 }); // true
 * ```
 * @category Rule sets
 */
export const DECORATORS: DecoratorRegistry = /* @__PURE__ */ (() =>
  Object.freeze({
    someFact: dec(
      'someFact',
      'true when the operator holds for some element of the (array) fact',
      (a, b, next, context) => {
        const list = a as unknown[];
        for (let i = 0; i < list.length; i++) if (i in list && next(list[i], b, context)) return true;
        return false;
      },
      Array.isArray,
    ),
    someValue: dec(
      'someValue',
      'true when the operator holds for some element of the (array) value',
      (a, b, next, context) => {
        if (!Array.isArray(b)) throw NOT_APPLICABLE;
        for (let i = 0; i < b.length; i++) if (i in b && next(a, b[i], context)) return true;
        return false;
      },
    ),
    everyFact: dec(
      'everyFact',
      'true when the operator holds for every element of the (array) fact',
      (a, b, next, context) => {
        const list = a as unknown[];
        for (let i = 0; i < list.length; i++) if (i in list && !next(list[i], b, context)) return false;
        return true;
      },
      Array.isArray,
    ),
    everyValue: dec(
      'everyValue',
      'true when the operator holds for every element of the (array) value',
      (a, b, next, context) => {
        if (!Array.isArray(b)) throw NOT_APPLICABLE;
        for (let i = 0; i < b.length; i++) if (i in b && !next(a, b[i], context)) return false;
        return true;
      },
    ),
    swap: dec('swap', 'applies the operator with fact and value exchanged', (a, b, next, context) =>
      next(b, a, context),
    ),
    not: dec('not', 'negates the operator', (a, b, next, context) => !next(a, b, context)),
  }))();

/**
 * The base operator names, in table order.
 *
 * @example
 * ```ts
 * import { OPERATOR_NAMES } from 'leadflow/core';
 * OPERATOR_NAMES.includes('inRegion'); // true
 * ```
 * @category Rule sets
 */
export const OPERATOR_NAMES: readonly OperatorName[] = /* @__PURE__ */ (() =>
  Object.freeze(Object.keys(OPERATORS) as OperatorName[]))();

/**
 * The decorator names, in table order.
 *
 * @example
 * ```ts
 * import { DECORATOR_NAMES } from 'leadflow';
 * DECORATOR_NAMES; // ['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not']
 * ```
 * @category Rule sets
 */
export const DECORATOR_NAMES: readonly DecoratorName[] = /* @__PURE__ */ (() =>
  Object.freeze(Object.keys(DECORATORS) as DecoratorName[]))();

/**
 * leadflow's own operators (not in json-rules-engine); the reference adapter registers them.
 *
 * @example
 * ```ts
 * import { CUSTOM_OPERATOR_NAMES } from 'leadflow/core';
 * CUSTOM_OPERATOR_NAMES; // ['inRegion', 'matchesAny', 'withinLastDays']
 * ```
 * @category Rule sets
 */
export const CUSTOM_OPERATOR_NAMES: readonly OperatorName[] = /* @__PURE__ */ (() =>
  Object.freeze(OPERATOR_NAMES.filter((name) => OPERATORS[name].origin === 'leadflow')))();

/**
 * An operator name resolved against the tables: base operator, decorators (outermost first) and
 * the composed evaluator.
 *
 * @example
 * ```ts
 * import { resolveOperator, type ResolvedOperator } from 'leadflow';
 * const r = resolveOperator('not:someFact:equal');
 * if (r.ok) {
 *   const op: ResolvedOperator = r.operator;
 *   op.base; // 'equal'
 *   op.decorators; // ['not', 'someFact']
 * }
 * ```
 * @category Rule sets
 */
export interface ResolvedOperator {
  /** The full name as written, e.g. `someFact:equal`. */
  readonly name: string;
  readonly base: OperatorName;
  /** Outermost first, as written. */
  readonly decorators: readonly DecoratorName[];
  /**
   * Evaluate `(factValue, value, context)`. Never throws: where json-rules-engine would throw
   * (e.g. `in` against a runtime value that is neither an array nor a string), returns `false`.
   */
  readonly evaluate: OperatorFn;
}

/**
 * Outcome of {@link resolveOperator}.
 *
 * @example
 * ```ts
 * import { resolveOperator, type ResolveOperatorResult } from 'leadflow';
 * const r: ResolveOperatorResult = resolveOperator('greaterThen');
 * if (!r.ok) r.message; // "unknown operator 'greaterThen' (did you mean 'greaterThan'?)"
 * ```
 * @category Rule sets
 */
export type ResolveOperatorResult =
  | { readonly ok: true; readonly operator: ResolvedOperator }
  | { readonly ok: false; readonly message: string };

function hasKey<K extends string>(table: Readonly<Record<K, unknown>>, key: string): key is K {
  return Object.hasOwn(table, key);
}

/** Small Levenshtein distance for "did you mean" hints. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate within a small edit distance, for "did you mean" hints.
 *
 * @example
 * ```ts
 * import { suggestName } from 'leadflow';
 * suggestName('budjet', ['budget', 'region']); // 'budget'
 * ```
 * @category Rule sets
 */
export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === name.toLowerCase() ? 0 : distance(name, candidate);
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function hint(name: string, candidates: Iterable<string>): string {
  const s = suggestName(name, candidates);
  return s === undefined ? '' : ` (did you mean '${s}'?)`;
}

function withValidator(validator: ((factValue: unknown) => boolean) | undefined, fn: OperatorFn): OperatorFn {
  return validator === undefined ? fn : (a, b, context) => validator(a) && fn(a, b, context);
}

const resolvedCache = /* @__PURE__ */ (() => new Map<string, ResolvedOperator>())();

/**
 * Resolve an operator name — `equal`, or decorated like `not:someFact:inRegion` — against the
 * fixed tables, the way json-rules-engine's `OperatorMap.get` does: split at `:`, every part but
 * the last must be a decorator, the last a base operator. The composed evaluator is built once
 * (and cached per name).
 *
 * @example
 * ```ts
 * import { resolveOperator } from 'leadflow';
 * const r = resolveOperator('someValue:lessThan');
 * if (r.ok) r.operator.evaluate(3, [1, 5], { now: 0 }); // true (3 < 5)
 * resolveOperator('maybe:equal'); // { ok: false, message: "unknown operator decorator 'maybe' in 'maybe:equal' ..." }
 * ```
 * @category Rule sets
 */
export function resolveOperator(name: string): ResolveOperatorResult {
  if (typeof name !== 'string' || name.length === 0)
    return { ok: false, message: 'operator must be a non-empty string' };
  const cached = resolvedCache.get(name);
  if (cached !== undefined) return { ok: true, operator: cached };
  const parts = name.split(':');
  const baseName = parts[parts.length - 1]!;
  const decorators: DecoratorName[] = [];
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (!hasKey(DECORATORS, part)) {
      return {
        ok: false,
        message: `unknown operator decorator '${part}' in '${name}'${hint(part, DECORATOR_NAMES)}; decorators: ${DECORATOR_NAMES.join(', ')}`,
      };
    }
    decorators.push(part);
  }
  if (!hasKey(OPERATORS, baseName)) {
    const what =
      parts.length > 1 ? `unknown operator '${baseName}' in '${name}'` : `unknown operator '${name}'`;
    return {
      ok: false,
      message: `${what}${hint(baseName, OPERATOR_NAMES)}; operators: ${OPERATOR_NAMES.join(', ')}`,
    };
  }
  const base = OPERATORS[baseName];
  let fn = withValidator(base.factValueValidator, base.compare);
  for (let i = decorators.length - 1; i >= 0; i--) {
    const decorator = DECORATORS[decorators[i]!];
    const next = fn;
    const apply = decorator.apply;
    fn = withValidator(decorator.factValueValidator, (a, b, context) => apply(a, b, next, context));
  }
  const composed = fn;
  const evaluate: OperatorFn = (a, b, context) => {
    try {
      return composed(a, b, context);
    } catch {
      // json-rules-engine would reject the run here (a TypeError or our NOT_APPLICABLE); we say false.
      return false;
    }
  };
  const operator: ResolvedOperator = Object.freeze({
    name,
    base: baseName,
    decorators: Object.freeze(decorators),
    evaluate,
  });
  if (resolvedCache.size < 1_000) resolvedCache.set(name, operator);
  return { ok: true, operator };
}

/**
 * A problem found by {@link checkOperatorValue}: `at` is the position inside the value
 * (`[]` for the value itself, `[2]` for its third item).
 *
 * @example
 * ```ts
 * import type { OperatorValueProblem } from 'leadflow';
 * const p: OperatorValueProblem = { at: [2], message: "region '江苏/' must not start or end with '/'" };
 * ```
 * @category Rule sets
 */
export interface OperatorValueProblem {
  readonly at: readonly number[];
  readonly message: string;
}

/**
 * Check a literal (non-fact) `value` against a resolved operator at compile time, following the
 * decorators: `someValue:`/`everyValue:` need an array and check each item against the rest of the
 * chain; `swap:` moves the literal to the fact side, where it is not constrained (except that
 * `someFact:`/`everyFact:` then need an array); `not:` changes nothing.
 *
 * @example
 * ```ts
 * import { checkOperatorValue, resolveOperator } from 'leadflow';
 * const r = resolveOperator('in');
 * if (r.ok) checkOperatorValue(r.operator, 'vip'); // { at: [], message: 'in needs an array value, e.g. ["a", "b"]' }
 * ```
 * @category Rule sets
 */
export function checkOperatorValue(
  operator: ResolvedOperator,
  value: unknown,
): OperatorValueProblem | undefined {
  return checkChain(operator, 0, value, 'value', []);
}

function checkChain(
  operator: ResolvedOperator,
  index: number,
  literal: unknown,
  side: 'value' | 'fact',
  at: number[],
): OperatorValueProblem | undefined {
  if (index === operator.decorators.length) {
    if (side === 'fact') return undefined;
    const found = OPERATORS[operator.base].checkValue(literal);
    return found === undefined ? undefined : { at: [...at, ...found.at], message: found.message };
  }
  const decorator = operator.decorators[index]!;
  switch (decorator) {
    case 'not':
      return checkChain(operator, index + 1, literal, side, at);
    case 'swap':
      return checkChain(operator, index + 1, literal, side === 'value' ? 'fact' : 'value', at);
    case 'someValue':
    case 'everyValue':
    case 'someFact':
    case 'everyFact': {
      const iteratesValue = decorator === 'someValue' || decorator === 'everyValue';
      const iteratesLiteral = iteratesValue === (side === 'value');
      if (!iteratesLiteral) return checkChain(operator, index + 1, literal, side, at);
      if (!Array.isArray(literal)) {
        return {
          at,
          message: `'${decorator}:' in '${operator.name}' needs an array ${side === 'value' ? 'value' : 'here'}`,
        };
      }
      for (let i = 0; i < literal.length; i++) {
        const problem = checkChain(operator, index + 1, literal[i], side, [...at, i]);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
  }
}
