/**
 * Conditions in json-rules-engine syntax, validated and compiled to plain closures.
 *
 * Semantics (json-rules-engine 7.3 is the reference; a differential property test keeps them equal):
 *
 * - **Boolean nodes.** `{ all: [...] }` holds when every child holds (`all: []` holds);
 *   `{ any: [...] }` when some child holds; `{ not: c }` when `c` does not. json-rules-engine
 *   treats `any: []` as *true*; leadflow refuses an empty `any` at compile time instead.
 * - **Order and short-circuit.** Children run in `priority` order (highest first, default 1,
 *   ties in written order — json-rules-engine's order) and stop at the first child that decides
 *   the result. json-rules-engine evaluates a whole priority group before stopping, so it may
 *   visit more conditions; the boolean is the same.
 * - **Facts** are the caller's plain values, looked up as *own* properties of the facts object
 *   (`Object.hasOwn`): an inherited property is never read. A missing fact is `undefined`
 *   (json-rules-engine's `allowUndefinedFacts: true`; without it json-rules-engine throws
 *   "Undefined fact"). `params` is accepted for syntax compatibility and ignored (leadflow facts
 *   are values, not functions).
 * - **Paths** are plain paths only (see `paths.ts`). As in json-rules-engine, a path is applied
 *   only when the fact value is a non-null object; otherwise the fact value itself is compared.
 * - **Values** are literals (string, number, boolean, null, arrays of those, nested one level) or
 *   a reference to another fact `{ fact, path? }`, resolved at evaluation time.
 * - **Operators** come from the fixed table in `operators.ts` (json-rules-engine's ten, its
 *   decorators `someFact:` … `not:`, and `inRegion`, `matchesAny`, `withinLastDays`). Where
 *   json-rules-engine would throw (e.g. `in` against a referenced fact that is a number) the
 *   condition is `false` instead of failing the whole evaluation.
 * - Shared condition references (`{ condition: 'name' }`) are not supported and are refused.
 *
 * @module
 */

import * as z from 'zod';
import { LeadflowError } from '../errors.js';
import {
  checkOperatorValue,
  type EvaluationContext,
  type ResolvedOperator,
  resolveOperator,
  suggestName,
} from './operators.js';
import { compilePath, FORBIDDEN_PATH_KEYS, type PathAccessor, parsePath } from './paths.js';

/**
 * Size limits of one condition tree. Exceeding any is a compile problem.
 *
 * @example
 * ```ts
 * import { CONDITION_LIMITS } from 'leadflow/core';
 * CONDITION_LIMITS.maxDepth; // 16
 * ```
 * @category Rule sets
 */
export const CONDITION_LIMITS = /* @__PURE__ */ (() =>
  Object.freeze({
    /** Nesting levels; the root is level 1. */
    maxDepth: 16,
    /** Condition objects (boolean and leaf) in one tree. */
    maxNodes: 500,
    /** Items in one `value`, counting nested arrays' items too. */
    maxArrayItems: 1_000,
    /** Characters in any string (fact names, operators, paths, names, value strings). */
    maxStringLength: 1_000,
  }))();

/**
 * A literal scalar in a condition value.
 *
 * @example
 * ```ts
 * import type { ConditionScalar } from 'leadflow';
 * const v: ConditionScalar = 'A';
 * ```
 * @category Rule sets
 */
export type ConditionScalar = string | number | boolean | null;

/**
 * A literal condition value: a scalar, or an array of scalars / arrays of scalars (one nesting
 * level, for e.g. `someValue:in`).
 *
 * @example
 * ```ts
 * import type { ConditionLiteral } from 'leadflow';
 * const regions: ConditionLiteral = ['江苏/苏州', '上海'];
 * ```
 * @category Rule sets
 */
export type ConditionLiteral = ConditionScalar | (ConditionScalar | ConditionScalar[])[];

/**
 * A value that is read from another fact at evaluation time.
 *
 * @example
 * ```ts
 * import type { FactReference } from 'leadflow';
 * const ref: FactReference = { fact: 'rep', path: '$.maxDailyLeads' };
 * ```
 * @category Rule sets
 */
export interface FactReference {
  fact: string;
  path?: string;
}

interface ConditionMeta {
  /** Free-form label, echoed in explanations. */
  name?: string;
  /** Evaluation order among siblings, higher first (default 1). Does not change the result. */
  priority?: number;
}

/**
 * A comparison: `fact` (optionally at `path`) `operator` `value`.
 *
 * @example
 * ```ts
 * import type { LeafCondition } from 'leadflow';
 * const c: LeafCondition = { fact: 'company', path: '$.region', operator: 'inRegion', value: ['江苏/苏州'] };
 * ```
 * @category Rule sets
 */
export interface LeafCondition extends ConditionMeta {
  fact: string;
  operator: string;
  value: ConditionLiteral | FactReference;
  path?: string;
  /** Accepted for json-rules-engine compatibility; ignored (facts are plain values). */
  params?: Record<string, unknown>;
}

/**
 * Holds when every child holds (an empty list holds).
 *
 * @example
 * ```ts
 * import type { AllCondition } from 'leadflow';
 * const c: AllCondition = { all: [{ fact: 'budget', operator: 'greaterThan', value: 100000 }] };
 * ```
 * @category Rule sets
 */
export interface AllCondition extends ConditionMeta {
  all: Condition[];
}

/**
 * Holds when some child holds (must not be empty).
 *
 * @example
 * ```ts
 * import type { AnyCondition } from 'leadflow';
 * const c: AnyCondition = { any: [{ fact: 'channel', operator: 'equal', value: 'douyin' }] };
 * ```
 * @category Rule sets
 */
export interface AnyCondition extends ConditionMeta {
  any: Condition[];
}

/**
 * Holds when its child does not.
 *
 * @example
 * ```ts
 * import type { NotCondition } from 'leadflow';
 * const c: NotCondition = { not: { fact: 'industry', operator: 'equal', value: 'education' } };
 * ```
 * @category Rule sets
 */
export interface NotCondition extends ConditionMeta {
  not: Condition;
}

/**
 * A condition tree in json-rules-engine syntax.
 *
 * @example
 * ```ts
 * import type { Condition } from 'leadflow';
 * const c: Condition = {
 *   all: [
 *     { fact: 'company', path: '$.region', operator: 'inRegion', value: ['江苏/苏州/工业园区'] },
 *     { fact: 'company', path: '$.industry', operator: 'equal', value: 'auto-parts' },
 *   ],
 * };
 * ```
 * @category Rule sets
 */
export type Condition = AllCondition | AnyCondition | NotCondition | LeafCondition;

/**
 * One problem found while validating or compiling a condition. `path` is the JSON path of the
 * offending field, prefixed with the `path` option (default `$`), e.g. `$.all[1].operator`.
 *
 * @example
 * ```ts
 * import type { ConditionProblem } from 'leadflow';
 * const p: ConditionProblem = { path: '$.all[1].fact', message: "unknown fact 'budjet' (did you mean 'budget'?)" };
 * ```
 * @category Rule sets
 */
export interface ConditionProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * A condition was invalid (reference adapter), or `evaluate` got facts/context it cannot use.
 * Code `CONDITION_INVALID`; `problems` lists every problem with its path.
 *
 * @example
 * ```ts
 * import { ConditionError } from 'leadflow';
 * import { evaluateReference } from 'leadflow/testing';
 * try { await evaluateReference({ fact: 'x', operator: 'nope', value: 1 }, {}, { now: 0 }); }
 * catch (e) { if (e instanceof ConditionError) console.log(e.problems); }
 * ```
 * @category Rule sets
 */
export class ConditionError extends LeadflowError {
  declare readonly code: 'CONDITION_INVALID';
  readonly problems: readonly ConditionProblem[];

  constructor(problems: readonly ConditionProblem[], options?: { cause?: unknown }) {
    const head = problems
      .slice(0, 5)
      .map((p) => `${p.path}: ${p.message}`)
      .join('; ');
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    super('CONDITION_INVALID', `invalid condition: ${head}${more}`, options);
    this.problems = Object.freeze(problems.slice());
  }
}

/**
 * Fact values by name. Only own properties are read.
 *
 * @example
 * ```ts
 * import type { FactValues } from 'leadflow/core';
 * const facts: FactValues = { budget: 200000, tags: ['high-intent/price-sensitive'] };
 * ```
 * @category Rule sets
 */
export type FactValues = Readonly<Record<string, unknown>>;

/**
 * One visited leaf in an explanation.
 *
 * @example
 * ```ts
 * import type { ConditionTraceEntry } from 'leadflow';
 * const e: ConditionTraceEntry = {
 *   path: '$.all[0]', fact: 'budget', operator: 'greaterThan', value: 100000, factValue: 250000, result: true,
 * };
 * ```
 * @category Rule sets
 */
export interface ConditionTraceEntry {
  /** JSON path of the leaf in the rule set. */
  readonly path: string;
  /** The leaf's `name`, when it has one. */
  readonly name?: string;
  readonly fact: string;
  /** The normalized (`$`-rooted) path applied to the fact, when any. */
  readonly factPath?: string;
  readonly operator: string;
  /** The right-hand side as compared: the literal, or the referenced fact's value. */
  readonly value: unknown;
  /** When `value` came from another fact: that fact and (normalized) path. */
  readonly valueFact?: string;
  readonly valuePath?: string;
  /** The left-hand side as compared: the fact value after the path. */
  readonly factValue: unknown;
  readonly result: boolean;
}

/**
 * Result of `explain`: the boolean, and every leaf that was evaluated, in evaluation order.
 * Leaves skipped by short-circuiting are not listed.
 *
 * @example
 * ```ts
 * import type { ConditionExplanation } from 'leadflow';
 * const x: ConditionExplanation = { result: false, trace: [] };
 * ```
 * @category Rule sets
 */
export interface ConditionExplanation {
  readonly result: boolean;
  readonly trace: readonly ConditionTraceEntry[];
}

/**
 * A compiled condition: closures built once, evaluated many times.
 *
 * @example
 * ```ts
 * import { compileCondition, type CompiledCondition } from 'leadflow/core';
 * const r = compileCondition({ fact: 'budget', operator: 'greaterThan', value: 100000 });
 * if (r.ok) {
 *   const c: CompiledCondition = r;
 *   c.evaluate({ budget: 250000 }, { now: Date.now() }); // true
 * }
 * ```
 * @category Rule sets
 */
export interface CompiledCondition {
  /** The validated condition (deep-frozen copy). */
  readonly condition: Condition;
  /** Names of every fact the condition reads (leaf facts and value references). */
  readonly facts: ReadonlySet<string>;
  /**
   * Evaluate against `facts` (own properties only; missing → `undefined`) at `context.now`.
   * Allocation-free; never throws for any fact values. Throws {@link ConditionError} only when
   * `facts` is not an object or `context.now` is not a finite number.
   */
  evaluate(facts: FactValues, context: EvaluationContext): boolean;
  /** Like `evaluate`, also returning each evaluated leaf with the values it saw. */
  explain(facts: FactValues, context: EvaluationContext): ConditionExplanation;
}

/**
 * Outcome of {@link compileCondition}: the compiled condition (spread into the result), or every
 * problem found.
 *
 * @example
 * ```ts
 * import { compileCondition, type CompileConditionResult } from 'leadflow/core';
 * const r: CompileConditionResult = compileCondition({ any: [] });
 * if (!r.ok) r.problems; // [{ path: '$.any', message: "'any' must list at least one condition ..." }]
 * ```
 * @category Rule sets
 */
export type CompileConditionResult =
  | ({ readonly ok: true } & CompiledCondition)
  | { readonly ok: false; readonly problems: readonly ConditionProblem[] };

/**
 * Options of {@link compileCondition} and {@link validateCondition}.
 *
 * @example
 * ```ts
 * import type { CompileConditionOptions } from 'leadflow/core';
 * const options: CompileConditionOptions = { knownFacts: new Set(['budget', 'company']), path: '$.rules[3].conditions' };
 * ```
 * @category Rule sets
 */
export interface CompileConditionOptions {
  /** When given, every fact name (leaf and value reference) must be in this set. */
  readonly knownFacts?: ReadonlySet<string>;
  /**
   * JSON path of this condition inside the enclosing document, used as the prefix of problem
   * and trace paths.
   * @default '$'
   */
  readonly path?: string;
}

// ---------------------------------------------------------------------------------------------
// validation

type Segment = string | number;

interface RawProblem {
  readonly at: readonly Segment[];
  readonly message: string;
}

interface ValidationState {
  readonly problems: RawProblem[];
  readonly knownFacts: ReadonlySet<string> | undefined;
  nodes: number;
  nodeLimitReported: boolean;
}

const BOOLEAN_KEYS = ['all', 'any', 'not'] as const;
const BOOLEAN_ALLOWED = /* @__PURE__ */ (() => new Set(['all', 'any', 'not', 'name', 'priority']))();
const LEAF_ALLOWED = /* @__PURE__ */ (() =>
  new Set(['fact', 'operator', 'value', 'path', 'params', 'name', 'priority']))();
const REFERENCE_ALLOWED = /* @__PURE__ */ (() => new Set(['fact', 'path']))();

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function checkString(
  st: ValidationState,
  value: unknown,
  at: readonly Segment[],
  what: string,
  allowEmpty = false,
): value is string {
  if (typeof value !== 'string') {
    st.problems.push({ at, message: `${what} must be a string, got ${describe(value)}` });
    return false;
  }
  if (!allowEmpty && value.length === 0) {
    st.problems.push({ at, message: `${what} must not be empty` });
    return false;
  }
  if (value.length > CONDITION_LIMITS.maxStringLength) {
    st.problems.push({
      at,
      message: `${what} is longer than ${CONDITION_LIMITS.maxStringLength} characters`,
    });
    return false;
  }
  return true;
}

function checkFactName(st: ValidationState, value: unknown, at: readonly Segment[]): void {
  if (!checkString(st, value, at, 'fact')) return;
  if (FORBIDDEN_PATH_KEYS.has(value)) {
    st.problems.push({ at, message: `fact name '${value}' is not allowed` });
    return;
  }
  if (st.knownFacts !== undefined && !st.knownFacts.has(value)) {
    const s = suggestName(value, st.knownFacts);
    st.problems.push({
      at,
      message: `unknown fact '${value}'${s === undefined ? '' : ` (did you mean '${s}'?)`}`,
    });
  }
}

function checkPathField(st: ValidationState, value: unknown, at: readonly Segment[]): void {
  if (!checkString(st, value, at, 'path')) return;
  const parsed = parsePath(value);
  if (!parsed.ok) st.problems.push({ at, message: parsed.message });
}

function checkMeta(st: ValidationState, node: Record<string, unknown>, at: readonly Segment[]): void {
  if (Object.hasOwn(node, 'name') && node.name !== undefined)
    checkString(st, node.name, [...at, 'name'], 'name', true);
  if (Object.hasOwn(node, 'priority') && node.priority !== undefined) {
    const p = node.priority;
    if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < 1) {
      st.problems.push({ at: [...at, 'priority'], message: 'priority must be an integer >= 1' });
    }
  }
}

/** Validates a literal value's shape and limits; returns false if a problem was recorded. */
function checkLiteral(st: ValidationState, value: unknown, at: readonly Segment[]): boolean {
  const count = { items: 0 };
  const walk = (v: unknown, where: readonly Segment[], level: number): boolean => {
    if (v === null || typeof v === 'boolean') return true;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return true;
      st.problems.push({ at: where, message: 'numbers must be finite' });
      return false;
    }
    if (typeof v === 'string') return checkString(st, v, where, 'string value', true);
    if (Array.isArray(v)) {
      if (level >= 2) {
        st.problems.push({ at: where, message: 'value arrays may nest only one level (an array of arrays)' });
        return false;
      }
      count.items += v.length;
      if (count.items > CONDITION_LIMITS.maxArrayItems) {
        st.problems.push({ at, message: `value has more than ${CONDITION_LIMITS.maxArrayItems} items` });
        return false;
      }
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) {
          st.problems.push({ at: [...where, i], message: 'arrays must not have holes' });
          return false;
        }
        if (!walk(v[i], [...where, i], level + 1)) return false;
      }
      return true;
    }
    st.problems.push({
      at: where,
      message: `expected a string, number, boolean, null or array${level === 0 ? ' (or a fact reference { fact, path? })' : ''}, got ${describe(v)}`,
    });
    return false;
  };
  return walk(value, at, 0);
}

function checkUnknownKeys(
  st: ValidationState,
  node: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  at: readonly Segment[],
  kind: string,
): void {
  for (const key of Object.keys(node)) {
    if (!allowed.has(key)) {
      st.problems.push({
        at: [...at, key],
        message: `unknown key '${key}' in ${kind}; allowed: ${[...allowed].join(', ')}`,
      });
    }
  }
}

function walkCondition(st: ValidationState, node: unknown, at: readonly Segment[], depth: number): void {
  if (depth > CONDITION_LIMITS.maxDepth) {
    st.problems.push({ at, message: `conditions nest deeper than ${CONDITION_LIMITS.maxDepth} levels` });
    return;
  }
  st.nodes++;
  if (st.nodes > CONDITION_LIMITS.maxNodes) {
    if (!st.nodeLimitReported) {
      st.nodeLimitReported = true;
      st.problems.push({
        at,
        message: `a condition tree may hold at most ${CONDITION_LIMITS.maxNodes} conditions`,
      });
    }
    return;
  }
  if (!isPlainObject(node)) {
    st.problems.push({
      at,
      message: `expected a condition object ({ all }, { any }, { not } or { fact, operator, value }), got ${describe(node)}`,
    });
    return;
  }
  if (Object.hasOwn(node, 'condition')) {
    st.problems.push({
      at: [...at, 'condition'],
      message:
        'shared condition references ({ condition: name }) are not supported; write the condition inline',
    });
    return;
  }
  const booleans = BOOLEAN_KEYS.filter((k) => Object.hasOwn(node, k));
  const isLeaf = Object.hasOwn(node, 'fact');
  if (booleans.length + (isLeaf ? 1 : 0) > 1) {
    const keys = [...booleans, ...(isLeaf ? ['fact'] : [])].map((k) => `'${k}'`).join(' and ');
    st.problems.push({
      at,
      message: `a condition has exactly one of 'all', 'any', 'not' or 'fact'; this one has ${keys}`,
    });
    return;
  }
  if (booleans.length === 0 && !isLeaf) {
    st.problems.push({
      at,
      message: "a condition needs 'all', 'any', 'not' or 'fact' (with 'operator' and 'value')",
    });
    return;
  }
  checkMeta(st, node, at);
  const op = booleans[0];
  if (op !== undefined) {
    checkUnknownKeys(st, node, BOOLEAN_ALLOWED, at, `an '${op}' condition`);
    const children = node[op];
    const childAt = [...at, op];
    if (op === 'not') {
      if (Array.isArray(children)) {
        st.problems.push({
          at: childAt,
          message: "'not' takes one condition, not an array (wrap them in 'any' or 'all')",
        });
        return;
      }
      walkCondition(st, children, childAt, depth + 1);
      return;
    }
    if (!Array.isArray(children)) {
      st.problems.push({
        at: childAt,
        message: `'${op}' must be an array of conditions, got ${describe(children)}`,
      });
      return;
    }
    if (op === 'any' && children.length === 0) {
      st.problems.push({
        at: childAt,
        message: "'any' must list at least one condition (json-rules-engine treats an empty 'any' as true)",
      });
      return;
    }
    for (let i = 0; i < children.length; i++) walkCondition(st, children[i], [...childAt, i], depth + 1);
    return;
  }

  // leaf
  checkUnknownKeys(st, node, LEAF_ALLOWED, at, 'a fact condition');
  checkFactName(st, node.fact, [...at, 'fact']);
  let resolved: ResolvedOperator | undefined;
  if (!Object.hasOwn(node, 'operator') || node.operator === undefined) {
    st.problems.push({ at: [...at, 'operator'], message: "missing 'operator'" });
  } else if (checkString(st, node.operator, [...at, 'operator'], 'operator')) {
    const r = resolveOperator(node.operator);
    if (r.ok) resolved = r.operator;
    else st.problems.push({ at: [...at, 'operator'], message: r.message });
  }
  if (Object.hasOwn(node, 'path') && node.path !== undefined) checkPathField(st, node.path, [...at, 'path']);
  if (Object.hasOwn(node, 'params') && node.params !== undefined && !isPlainObject(node.params)) {
    st.problems.push({
      at: [...at, 'params'],
      message: `params must be an object, got ${describe(node.params)}`,
    });
  }
  const valueAt = [...at, 'value'];
  if (!Object.hasOwn(node, 'value') || node.value === undefined) {
    st.problems.push({ at: valueAt, message: "missing 'value'" });
    return;
  }
  const value = node.value;
  if (isPlainObject(value)) {
    if (!Object.hasOwn(value, 'fact')) {
      st.problems.push({
        at: valueAt,
        message:
          'an object value must be a fact reference { fact, path? }; literal objects are not supported',
      });
      return;
    }
    checkUnknownKeys(st, value, REFERENCE_ALLOWED, valueAt, 'a fact reference');
    checkFactName(st, value.fact, [...valueAt, 'fact']);
    if (Object.hasOwn(value, 'path') && value.path !== undefined)
      checkPathField(st, value.path, [...valueAt, 'path']);
    return;
  }
  if (!checkLiteral(st, value, valueAt)) return;
  if (resolved !== undefined) {
    const problem = checkOperatorValue(resolved, value);
    if (problem !== undefined)
      st.problems.push({ at: [...valueAt, ...problem.at], message: problem.message });
  }
}

function validateRaw(input: unknown, knownFacts: ReadonlySet<string> | undefined): RawProblem[] {
  const st: ValidationState = { problems: [], knownFacts, nodes: 0, nodeLimitReported: false };
  walkCondition(st, input, [], 1);
  return st.problems;
}

/**
 * Render a JSON path: `formatConditionPath('$', ['all', 0, 'fact'])` → `$.all[0].fact`.
 *
 * @example
 * ```ts
 * import { formatConditionPath } from 'leadflow';
 * formatConditionPath('$.rules[2].conditions', ['any', 1, 'value', 0]); // '$.rules[2].conditions.any[1].value[0]'
 * ```
 * @category Rule sets
 */
export function formatConditionPath(base: string, segments: readonly (string | number)[]): string {
  let out = base;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/**
 * Validate a condition tree without compiling it; returns every problem (empty when valid).
 *
 * @example
 * ```ts
 * import { validateCondition } from 'leadflow/core';
 * validateCondition(
 *   { all: [{ fact: 'budjet', operator: 'greaterThen', value: 1 }] },
 *   { knownFacts: new Set(['budget']) },
 * );
 * // [{ path: '$.all[0].fact', message: "unknown fact 'budjet' (did you mean 'budget'?)" },
 * //  { path: '$.all[0].operator', message: "unknown operator 'greaterThen' (did you mean 'greaterThan'?) ..." }]
 * ```
 * @category Rule sets
 */
export function validateCondition(input: unknown, options: CompileConditionOptions = {}): ConditionProblem[] {
  const base = options.path ?? '$';
  return validateRaw(input, options.knownFacts).map((p) => ({
    path: formatConditionPath(base, p.at),
    message: p.message,
  }));
}

/**
 * Zod schema of a condition tree (json-rules-engine syntax, leadflow's rules and limits). Use it
 * inside a rule-set schema; issues carry paths relative to the condition. Fact names are not
 * checked against a catalogue here — {@link compileCondition} does that with `knownFacts`.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { conditionSchema } from 'leadflow';
 * const rule = z.object({ id: z.string(), conditions: conditionSchema });
 * rule.parse({ id: 'r1', conditions: { all: [{ fact: 'budget', operator: 'greaterThan', value: 1e5 }] } });
 * ```
 * @category Rule sets
 */
export const conditionSchema: z.ZodType<Condition> = /* @__PURE__ */ (() =>
  z.custom<Condition>().superRefine((value, ctx) => {
    for (const problem of validateRaw(value, undefined)) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: [...problem.at] });
    }
  }))();

// ---------------------------------------------------------------------------------------------
// compilation

type Evaluator = (
  facts: FactValues,
  context: EvaluationContext,
  trace: ConditionTraceEntry[] | undefined,
) => boolean;

function deepFreezeCopy<T>(value: T): T {
  if (Array.isArray(value)) return Object.freeze(value.map((v) => deepFreezeCopy(v))) as T;
  if (isPlainObject(value)) {
    // fromEntries defines own properties, so a `params` key like `__proto__` is copied, not lost.
    const out = Object.fromEntries(Object.keys(value).map((key) => [key, deepFreezeCopy(value[key])]));
    return Object.freeze(out) as T;
  }
  return value;
}

function factReader(name: string, accessor: PathAccessor | undefined): (facts: FactValues) => unknown {
  if (accessor === undefined) return (facts) => (Object.hasOwn(facts, name) ? facts[name] : undefined);
  return (facts) => {
    const root = Object.hasOwn(facts, name) ? facts[name] : undefined;
    // json-rules-engine applies a path only to non-null objects; anything else is compared as is.
    return root !== null && typeof root === 'object' ? accessor(root) : root;
  };
}

function priorityOf(c: Condition): number {
  return c.priority ?? 1;
}

function compileNode(c: Condition, at: string): Evaluator {
  if ('all' in c || 'any' in c) {
    const isAll = 'all' in c;
    const list = isAll ? (c as AllCondition).all : (c as AnyCondition).any;
    const key = isAll ? 'all' : 'any';
    const ordered = list
      .map((child, i) => ({ child, i, priority: priorityOf(child) }))
      .sort((x, y) => y.priority - x.priority || x.i - y.i);
    const kids = ordered.map(({ child, i }) => compileNode(child, `${at}.${key}[${i}]`));
    const n = kids.length;
    if (isAll) {
      return (facts, context, trace) => {
        for (let i = 0; i < n; i++) if (!kids[i]!(facts, context, trace)) return false;
        return true;
      };
    }
    return (facts, context, trace) => {
      for (let i = 0; i < n; i++) if (kids[i]!(facts, context, trace)) return true;
      return false;
    };
  }
  if ('not' in c) {
    const inner = compileNode(c.not, `${at}.not`);
    return (facts, context, trace) => !inner(facts, context, trace);
  }
  const leaf = c as LeafCondition;
  const parsedPath = leaf.path === undefined ? undefined : parsePath(leaf.path);
  const factPath = parsedPath?.ok ? parsedPath.path : undefined;
  const readFact = factReader(leaf.fact, factPath && compilePath(factPath));
  const resolved = resolveOperator(leaf.operator);
  if (!resolved.ok) throw new ConditionError([{ path: `${at}.operator`, message: resolved.message }]);
  const evaluate = resolved.operator.evaluate;
  const operatorName = leaf.operator;
  const name = leaf.name;
  const rawValue = leaf.value;
  const isReference = rawValue !== null && typeof rawValue === 'object' && !Array.isArray(rawValue);
  if (isReference) {
    const ref = rawValue as FactReference;
    const parsedRefPath = ref.path === undefined ? undefined : parsePath(ref.path);
    const refPath = parsedRefPath?.ok ? parsedRefPath.path : undefined;
    const readValue = factReader(ref.fact, refPath && compilePath(refPath));
    const valueFact = ref.fact;
    return (facts, context, trace) => {
      const a = readFact(facts);
      const b = readValue(facts);
      const result = evaluate(a, b, context);
      if (trace !== undefined) {
        trace.push({
          path: at,
          ...(name === undefined ? {} : { name }),
          fact: leaf.fact,
          ...(factPath === undefined ? {} : { factPath: factPath.normalized }),
          operator: operatorName,
          value: b,
          valueFact,
          ...(refPath === undefined ? {} : { valuePath: refPath.normalized }),
          factValue: a,
          result,
        });
      }
      return result;
    };
  }
  const literal = rawValue;
  return (facts, context, trace) => {
    const a = readFact(facts);
    const result = evaluate(a, literal, context);
    if (trace !== undefined) {
      trace.push({
        path: at,
        ...(name === undefined ? {} : { name }),
        fact: leaf.fact,
        ...(factPath === undefined ? {} : { factPath: factPath.normalized }),
        operator: operatorName,
        value: literal,
        factValue: a,
        result,
      });
    }
    return result;
  };
}

function collectFacts(c: Condition, out: Set<string>): void {
  if ('all' in c) for (const child of c.all) collectFacts(child, out);
  else if ('any' in c) for (const child of c.any) collectFacts(child, out);
  else if ('not' in c) collectFacts(c.not, out);
  else {
    out.add(c.fact);
    const v = c.value;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.add(v.fact);
  }
}

function assertInputs(facts: unknown, context: unknown): void {
  if (typeof facts !== 'object' || facts === null) {
    throw new ConditionError([{ path: 'facts', message: `facts must be an object, got ${describe(facts)}` }]);
  }
  if (
    typeof context !== 'object' ||
    context === null ||
    typeof (context as EvaluationContext).now !== 'number' ||
    !Number.isFinite((context as EvaluationContext).now)
  ) {
    throw new ConditionError([
      { path: 'context.now', message: 'context.now must be a finite epoch-ms number' },
    ]);
  }
}

/**
 * Validate and compile a condition tree into closures. Returns every problem at once when the
 * condition is invalid: structure, unknown keys, unknown facts (with `knownFacts`), unknown
 * operators or decorators, refused paths, values the operator cannot use (e.g. `in` with a
 * non-array), and the {@link CONDITION_LIMITS}. No `eval`/`new Function`.
 *
 * `evaluate(facts, { now })` returns the boolean without allocating; `explain` also returns a
 * trace of the evaluated leaves (see {@link ConditionTraceEntry}). See the module notes for the
 * exact semantics (missing facts are `undefined`, own properties only, short-circuit order).
 *
 * @example
 * ```ts
 * import { compileCondition } from 'leadflow/core';
 * const r = compileCondition(
 *   {
 *     all: [
 *       { fact: 'company', path: '$.region', operator: 'inRegion', value: ['江苏/苏州'] },
 *       { fact: 'tags', operator: 'matchesAny', value: ['high-intent/*'] },
 *       { fact: 'lastVisitAt', operator: 'withinLastDays', value: 7 },
 *     ],
 *   },
 *   { knownFacts: new Set(['company', 'tags', 'lastVisitAt']), path: '$.rules[0].conditions' },
 * );
 * if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
 * const now = Date.parse('2026-03-02T01:00:00Z');
 * r.evaluate(
 *   { company: { region: '江苏/苏州/工业园区' }, tags: ['high-intent/price-sensitive'], lastVisitAt: now - 86_400_000 },
 *   { now },
 * ); // true
 * ```
 * @category Rule sets
 */
export function compileCondition(
  input: unknown,
  options: CompileConditionOptions = {},
): CompileConditionResult {
  const base = options.path ?? '$';
  const problems = validateCondition(input, options);
  if (problems.length > 0) return { ok: false, problems };
  const condition = deepFreezeCopy(input as Condition);
  const root = compileNode(condition, base);
  const facts = new Set<string>();
  collectFacts(condition, facts);
  return {
    ok: true,
    condition,
    facts,
    evaluate(factValues, context) {
      assertInputs(factValues, context);
      return root(factValues, context, undefined);
    },
    explain(factValues, context) {
      assertInputs(factValues, context);
      const trace: ConditionTraceEntry[] = [];
      const result = root(factValues, context, trace);
      return { result, trace };
    },
  };
}
