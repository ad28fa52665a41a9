import type * as z from 'zod';
import { LeadflowError } from '../errors.js';
import { MODEL_LIMITS } from './limits.js';

/**
 * One problem found in model input: a dotted path to the offending field (`company.region`,
 * `behaviours[2].seconds`, `custom["utm source"]`; `''` for the input itself) and a message.
 * This is what the engine's quarantine stores next to a refused lead.
 *
 * @example
 * ```ts
 * import type { ModelIssue } from 'leadflow';
 * const issue: ModelIssue = { path: 'company.region', message: 'required (expected string)' };
 * ```
 * @category Model
 */
export interface ModelIssue {
  /** Dotted path; array indexes in brackets; `''` when the input as a whole is wrong. */
  readonly path: string;
  /** Human-readable reason. */
  readonly message: string;
}

/**
 * Result of a model parse that never throws: the parsed value or every issue found.
 *
 * @example
 * ```ts
 * import { repSchema, type ModelParseResult, type Rep } from 'leadflow';
 * import { safeParseModel } from 'leadflow/core';
 * const result: ModelParseResult<Rep> = safeParseModel(repSchema, raw);
 * if (!result.ok) console.log(result.issues);
 * ```
 * @category Model
 */
export type ModelParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: ModelIssue[] };

/**
 * A model helper was called with an argument it cannot work with (for instance a malformed day
 * string or a USCC body of the wrong length). Carries the issues found. Code `MODEL_INVALID`.
 *
 * @example
 * ```ts
 * import { ModelError } from 'leadflow';
 * import { usccCheckCharacter } from 'leadflow/core';
 * try { usccCheckCharacter('123'); } catch (e) { if (e instanceof ModelError) console.log(e.issues); }
 * ```
 * @category Model
 */
export class ModelError extends LeadflowError {
  declare readonly code: 'MODEL_INVALID';
  /** Every issue found, each with its path. */
  readonly issues: readonly ModelIssue[];

  constructor(message: string, issues: readonly ModelIssue[] = [], options?: { cause?: unknown }) {
    super('MODEL_INVALID', message, options);
    this.issues = issues;
  }
}

/**
 * Keys refused in every record leadflow accepts (and reported when sent as unknown object keys):
 * they could replace or poison an object's prototype.
 *
 * @example
 * ```ts
 * import { FORBIDDEN_KEY_NAMES } from 'leadflow';
 * FORBIDDEN_KEY_NAMES.has('__proto__'); // true
 * ```
 * @category Model
 */
export const FORBIDDEN_KEY_NAMES: ReadonlySet<string> = /* @__PURE__ */ (() =>
  new Set(['__proto__', 'constructor', 'prototype']))();

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MAX_SEGMENT = 64;

function truncate(text: string, max = MAX_SEGMENT): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}

/**
 * Renders a zod issue path as a dotted path: identifier keys joined with `.`, numbers as `[n]`,
 * other keys as `["…"]` (JSON-quoted, long keys truncated). The empty path renders as `''`.
 *
 * @example
 * ```ts
 * import { formatIssuePath } from 'leadflow';
 * formatIssuePath(['behaviours', 2, 'seconds']); // 'behaviours[2].seconds'
 * formatIssuePath(['custom', 'utm source']);     // 'custom["utm source"]'
 * ```
 * @category Model
 */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'symbol') out += `[${truncate(String(segment))}]`;
    else if (IDENTIFIER.test(segment) && segment.length <= MAX_SEGMENT)
      out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(truncate(segment))}]`;
  }
  return out;
}

/** Describes a value's type for messages: `null`, `array`, `NaN` and `typeof` otherwise. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'Infinity';
  return typeof value;
}

function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  return String(value);
}

type RawIssue = z.core.$ZodRawIssue;
type FinalIssue = z.core.$ZodIssue;

function unionMessage(issue: RawIssue & { code: 'invalid_union' }): string | undefined {
  const raw = issue as { errors?: FinalIssue[][]; discriminator?: string; options?: unknown[] };
  if (raw.discriminator !== undefined) {
    const options = (raw.options ?? []).map(quote).join(', ');
    const input = issue.input;
    const value =
      typeof input === 'object' && input !== null && !Array.isArray(input)
        ? (input as Record<string, unknown>)[raw.discriminator]
        : input;
    if (value === undefined) return `required (expected one of ${options})`;
    return `unknown ${raw.discriminator} ${quote(value)}: expected one of ${options}`;
  }
  const branches = raw.errors ?? [];
  if (branches.length === 0) return undefined;
  // A branch whose issues are deeper than a plain type mismatch matched the type; report it.
  const close = branches.filter(
    (branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
  );
  if (close.length === 1) return close[0]!.map((i) => i.message).join('; ');
  const expected = branches
    .flatMap((branch) => branch.filter((i) => i.code === 'invalid_type' && i.path.length === 0))
    .map((i) => (i as { expected: string }).expected);
  if (expected.length === 0) return undefined;
  return `expected ${[...new Set(expected)].join(' | ')}, received ${describe(issue.input)}`;
}

/**
 * The error map leadflow's model parses use: short, field-oriented messages
 * (`required (expected string)`, `must be at most 200 characters (got 10485760)`). Pass it to any
 * zod parse to get the same wording; messages a schema sets itself still win.
 *
 * @example
 * ```ts
 * import { repSchema } from 'leadflow';
 * import { modelErrorMap } from 'leadflow/core';
 * const result = repSchema.safeParse(raw, { error: modelErrorMap });
 * ```
 * @category Model
 */
export const modelErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      if (issue.input === undefined) return `required (expected ${expected})`;
      if (expected === 'integer' && typeof issue.input === 'number' && Number.isFinite(issue.input)) {
        return `must be an integer, received ${issue.input}`;
      }
      return `expected ${expected}, received ${describe(issue.input)}`;
    }
    case 'too_big': {
      const max = String(issue.maximum);
      const bound = issue.inclusive === false ? `less than ${max}` : `at most ${max}`;
      const input = issue.input as { length?: unknown } | undefined;
      const got = typeof input?.length === 'number' ? ` (got ${input.length})` : '';
      if (issue.origin === 'string') return `must be ${bound} characters${got}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have ${bound} items${got}`;
      return `must be ${issue.inclusive === false ? '<' : '≤'} ${max}`;
    }
    case 'too_small': {
      const min = String(issue.minimum);
      const bound = issue.inclusive === false ? `more than ${min}` : `at least ${min}`;
      if (issue.origin === 'string')
        return issue.minimum === 1 ? 'must not be empty' : `must be ${bound} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have ${bound} items`;
      return `must be ${issue.inclusive === false ? '>' : '≥'} ${min}`;
    }
    case 'invalid_format':
      if (issue.format === 'email') return 'must be an e-mail address';
      if (issue.format === 'date') return 'must be an ISO date YYYY-MM-DD';
      if (issue.format === 'datetime') return 'must be an ISO 8601 datetime with Z or an offset';
      return undefined;
    case 'invalid_value':
      return `expected one of ${issue.values.map(quote).join(', ')}, received ${quote(issue.input)}`;
    case 'invalid_union':
      return unionMessage(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
};

/**
 * Converts zod issues to {@link ModelIssue}s: dotted paths, one issue per unknown key, key
 * problems flattened, at most `limit` issues (the last one then says how many were left out).
 *
 * @example
 * ```ts
 * import { toModelIssues, leadInputSchema } from 'leadflow';
 * import { modelErrorMap } from 'leadflow/core';
 * const r = leadInputSchema.safeParse(raw, { error: modelErrorMap });
 * if (!r.success) console.table(toModelIssues(r.error.issues));
 * ```
 * @category Model
 */
export function toModelIssues(
  issues: readonly FinalIssue[],
  limit: number = MODEL_LIMITS.maxIssues,
): ModelIssue[] {
  const out: ModelIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const message = FORBIDDEN_KEY_NAMES.has(key)
          ? `forbidden key ${JSON.stringify(key)} (refused to prevent prototype pollution)`
          : `unknown field ${JSON.stringify(truncate(key))}; put extra data in \`custom\``;
        out.push({ path: formatIssuePath([...issue.path, key]), message });
      }
    } else if (issue.code === 'invalid_key') {
      const inner = issue.issues.map((i) => i.message).join('; ');
      out.push({ path: formatIssuePath(issue.path), message: `invalid key: ${inner}` });
    } else {
      out.push({ path: formatIssuePath(issue.path), message: issue.message });
    }
  }
  if (out.length <= limit) return out;
  const kept = out.slice(0, Math.max(0, limit - 1));
  kept.push({ path: '', message: `…and ${out.length - kept.length} more issues` });
  return kept;
}

/**
 * Parses `raw` with `schema` and never throws: returns the value, or every issue as
 * {@link ModelIssue}s with dotted paths and {@link modelErrorMap} wording. An exception raised
 * while reading the input (a throwing getter, a revoked proxy) becomes an issue at path `''`.
 *
 * @example
 * ```ts
 * import { customerSchema } from 'leadflow';
 * import { safeParseModel } from 'leadflow/core';
 * const r = safeParseModel(customerSchema, JSON.parse(body));
 * if (r.ok) save(r.value); else quarantine(r.issues);
 * ```
 * @category Model
 */
export function safeParseModel<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  /**
   * A plain-check parser proven equal to the schema where it answers (a differential property
   * test): its value is taken when defined; `undefined` (or a throw, for hostile input such as a
   * throwing getter) lets the schema decide and report the issues.
   */
  fast?: (raw: unknown) => z.output<S> | undefined,
): ModelParseResult<z.output<S>> {
  if (fast !== undefined) {
    let value: z.output<S> | undefined;
    try {
      value = fast(raw);
    } catch {
      // the schema path below reports it as an issue
    }
    if (value !== undefined) return { ok: true, value };
  }
  try {
    const result = schema.safeParse(raw, { error: modelErrorMap });
    if (result.success) return { ok: true, value: result.data };
    return { ok: false, issues: toModelIssues(result.error.issues) };
  } catch (error) {
    let reason = 'unknown error';
    try {
      reason = error instanceof Error ? error.message : String(error);
    } catch {
      // the thrown value cannot even be described; keep the generic reason
    }
    return {
      ok: false,
      issues: [{ path: '', message: `input could not be read: ${truncate(reason, 200)}` }],
    };
  }
}
