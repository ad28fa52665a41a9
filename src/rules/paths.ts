import { LeadflowError } from '../errors.js';

/**
 * Plain property paths used by conditions (`path` on a condition or on a `{ fact, path }` value).
 *
 * json-rules-engine hands `path` to JSONPath (jsonpath-plus), which also understands filters
 * (`[?(@.x)]`), scripts (`[(expr)]`), wildcards, recursive descent and more — code paths a rule
 * set must never reach. leadflow accepts only plain paths and compiles them to an array of
 * property names walked with own-property checks:
 *
 * - rooted: `$.a.b`, `$.a[0].b`, `$[2]`;
 * - bare: `a.b`, `a[0].b` (normalized to `$.a.b`, `$.a[0].b` — the form json-rules-engine needs);
 * - a name is one or more Unicode letters, digits, combining marks, `_` or `-` (`$.公司.地区` is fine);
 *   an index is a non-negative integer without leading zeros in brackets.
 *
 * Everything else is refused with a message naming the path: filters, scripts, wildcards `*`,
 * recursive descent `..`, unions `,`, slices `:`, `@`/`^`/`~` selectors, quoted keys and the
 * keys `__proto__`, `constructor` and `prototype`.
 *
 * @module
 */

/**
 * Keys refused in paths (and as fact names): reading them is how prototype-pollution and
 * prototype-probing attacks start, and no lead data legitimately uses them.
 *
 * @example
 * ```ts
 * import { FORBIDDEN_PATH_KEYS } from 'leadflow';
 * FORBIDDEN_PATH_KEYS.has('__proto__'); // true
 * ```
 * @category Rule sets
 */
export const FORBIDDEN_PATH_KEYS: ReadonlySet<string> = /* @__PURE__ */ (() =>
  new Set(['__proto__', 'constructor', 'prototype']))();

/** Longest path string accepted (same as the condition string limit). */
const MAX_PATH_LENGTH = 1_000;
/** Most segments accepted in one path. */
const MAX_PATH_SEGMENTS = 32;

/**
 * A validated plain path.
 *
 * @example
 * ```ts
 * import { parsePath } from 'leadflow/core';
 * const parsed = parsePath('company.address[0].city');
 * if (parsed.ok) {
 *   parsed.path.normalized; // '$.company.address[0].city'
 *   parsed.path.segments; // ['company', 'address', '0', 'city']
 * }
 * ```
 * @category Rule sets
 */
export interface ParsedPath {
  /** The path as written. */
  readonly source: string;
  /** The `$`-rooted form (what json-rules-engine / jsonpath-plus expects), e.g. `$.a[0].b`. */
  readonly normalized: string;
  /** Property names in walk order; array indices are decimal strings (`'0'`). */
  readonly segments: readonly string[];
}

/**
 * Outcome of {@link parsePath}: the parsed path, or a message naming the path and what is wrong.
 *
 * @example
 * ```ts
 * import { type PathParseResult } from 'leadflow/core';
 * import { parsePath } from 'leadflow/core';
 * const r: PathParseResult = parsePath('$..a');
 * if (!r.ok) console.log(r.message); // "path '$..a': recursive descent '..' is not allowed ..."
 * ```
 * @category Rule sets
 */
export type PathParseResult =
  | { readonly ok: true; readonly path: ParsedPath }
  | { readonly ok: false; readonly message: string };

/**
 * Reads a value at a compiled path. Walks own properties only (`Object.hasOwn`), so inherited
 * properties (`toString`, `constructor`, a polluted `Object.prototype`) are never read; a missing
 * key, or a falsy value part-way (`0`, `''`, `false`, `null`), yields `undefined` — exactly what
 * json-rules-engine's jsonpath-plus resolver (`wrap: false`) returns for a plain path.
 *
 * @example
 * ```ts
 * import { compilePath, type PathAccessor } from 'leadflow/core';
 * const city: PathAccessor = compilePath('$.address.city');
 * city({ address: { city: '苏州' } }); // '苏州'
 * city({}); // undefined
 * ```
 * @category Rule sets
 */
export type PathAccessor = (value: unknown) => unknown;

/**
 * A path that is not a plain path (or is too long), thrown by {@link compilePath}.
 * Code `RULE_PATH_INVALID`; `path` holds the offending path.
 *
 * @example
 * ```ts
 * import { compilePath, RulePathError } from 'leadflow/core';
 * try { compilePath('$.items[?(@.price > 10)]'); } catch (e) { if (e instanceof RulePathError) console.log(e.path); }
 * ```
 * @category Rule sets
 */
export class RulePathError extends LeadflowError {
  declare readonly code: 'RULE_PATH_INVALID';
  /** The path that was refused. */
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('RULE_PATH_INVALID', message, options);
    this.path = path;
  }
}

const NAME = /[\p{L}\p{N}\p{M}_-]+/uy;
const INDEX = /(?:0|[1-9][0-9]*)(?=\])/y;

function quote(path: string): string {
  return `'${path.length > 80 ? `${path.slice(0, 77)}...` : path}'`;
}

function refusal(path: string): string | undefined {
  const p = quote(path);
  const plain = 'only plain paths like $.a.b or a[0].b are accepted';
  if (path.includes('..')) return `path ${p}: recursive descent '..' is not allowed; ${plain}`;
  if (path.includes('?')) return `path ${p}: filter expressions '[?(...)]' are not allowed; ${plain}`;
  if (path.includes('(') || path.includes(')'))
    return `path ${p}: script expressions '(...)' are not allowed; ${plain}`;
  if (path.includes('*')) return `path ${p}: wildcards '*' are not allowed; ${plain}`;
  if (path.includes('@')) return `path ${p}: '@' selectors are not allowed; ${plain}`;
  if (path.includes('^') || path.includes('~'))
    return `path ${p}: parent '^' and property-name '~' selectors are not allowed; ${plain}`;
  if (path.includes(',')) return `path ${p}: unions ',' are not allowed; ${plain}`;
  if (path.includes(':')) return `path ${p}: slices ':' are not allowed; ${plain}`;
  if (/['"`]/.test(path)) return `path ${p}: quoted keys are not supported; use dot notation ($.a.b)`;
  return undefined;
}

/**
 * Parse and validate a plain path. Never throws; see {@link compilePath} for the throwing form.
 *
 * @example
 * ```ts
 * import { parsePath } from 'leadflow/core';
 * parsePath('$.a[0].b'); // { ok: true, path: { normalized: '$.a[0].b', segments: ['a', '0', 'b'], ... } }
 * parsePath('a.b'); // ok, normalized '$.a.b'
 * parsePath('$.__proto__.x'); // { ok: false, message: "path '$.__proto__.x': key '__proto__' is not allowed" }
 * ```
 * @category Rule sets
 */
export function parsePath(path: string): PathParseResult {
  if (typeof path !== 'string') return { ok: false, message: 'path must be a string' };
  if (path.length === 0) return { ok: false, message: 'path must not be empty' };
  if (path.length > MAX_PATH_LENGTH)
    return { ok: false, message: `path is longer than ${MAX_PATH_LENGTH} characters` };
  const refused = refusal(path);
  if (refused !== undefined) return { ok: false, message: refused };

  const p = quote(path);
  const segments: string[] = [];
  let normalized = '$';
  let i = 0;
  const rooted = path.charCodeAt(0) === 36; /* $ */
  if (rooted) {
    i = 1;
    if (path.length === 1)
      return { ok: false, message: `path ${p}: '$' alone selects nothing; name a property` };
  }
  let first = true;
  while (i < path.length) {
    const c = path[i];
    let name: string | undefined;
    let index: string | undefined;
    if (c === '.' && !(first && !rooted)) {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(path);
      if (m === null)
        return { ok: false, message: `path ${p}: expected a property name after '.' at position ${i}` };
      name = m[0];
      i = NAME.lastIndex;
    } else if (c === '[') {
      INDEX.lastIndex = i + 1;
      const m = INDEX.exec(path);
      if (m === null)
        return {
          ok: false,
          message: `path ${p}: expected an array index like [0] at position ${i} (only non-negative integers in brackets)`,
        };
      index = m[0];
      i = INDEX.lastIndex + 1;
    } else if (first && !rooted) {
      NAME.lastIndex = i;
      const m = NAME.exec(path);
      if (m === null)
        return { ok: false, message: `path ${p}: unexpected character '${c}' at position ${i}` };
      name = m[0];
      i = NAME.lastIndex;
    } else {
      return {
        ok: false,
        message: `path ${p}: unexpected character '${c}' at position ${i}; expected '.name' or '[index]'`,
      };
    }
    if (name !== undefined) {
      if (FORBIDDEN_PATH_KEYS.has(name))
        return { ok: false, message: `path ${p}: key '${name}' is not allowed` };
      segments.push(name);
      normalized += `.${name}`;
    } else if (index !== undefined) {
      segments.push(index);
      normalized += `[${index}]`;
    }
    if (segments.length > MAX_PATH_SEGMENTS)
      return { ok: false, message: `path ${p}: more than ${MAX_PATH_SEGMENTS} segments` };
    first = false;
  }
  return { ok: true, path: Object.freeze({ source: path, normalized, segments: Object.freeze(segments) }) };
}

/**
 * Normalize a plain path to its `$`-rooted form (`a.b` → `$.a.b`). Throws {@link RulePathError}
 * for anything {@link parsePath} refuses.
 *
 * @example
 * ```ts
 * import { normalizePath } from 'leadflow';
 * normalizePath('company.region'); // '$.company.region'
 * ```
 * @category Rule sets
 */
export function normalizePath(path: string): string {
  const parsed = parsePath(path);
  if (!parsed.ok) throw new RulePathError(String(path), parsed.message);
  return parsed.path.normalized;
}

/**
 * Compile a plain path (string or {@link ParsedPath}) into a fast accessor. The segment array is
 * built once; each call walks it with `Object.hasOwn` and allocates nothing.
 * Throws {@link RulePathError} when the path is refused.
 *
 * Semantics (same as jsonpath-plus with `wrap: false` on a plain path): the walk stops with
 * `undefined` at a missing own key or at a falsy value; strings and arrays expose their own
 * `length` and indices (`$.name.length`, `$.name[0]`). Note that conditions apply the path only
 * when the fact value is a non-null object, as json-rules-engine does — see `compileCondition`.
 *
 * @example
 * ```ts
 * import { compilePath } from 'leadflow/core';
 * const firstTag = compilePath('$.tags[0]');
 * firstTag({ tags: ['vip', 'new'] }); // 'vip'
 * firstTag(Object.create({ tags: ['leaked'] })); // undefined — inherited keys are never read
 * ```
 * @category Rule sets
 */
export function compilePath(path: string | ParsedPath): PathAccessor {
  let parsed: ParsedPath;
  if (typeof path === 'string') {
    const r = parsePath(path);
    if (!r.ok) throw new RulePathError(path, r.message);
    parsed = r.path;
  } else {
    parsed = path;
  }
  const segments = parsed.segments.slice();
  const n = segments.length;
  if (n === 1) {
    const key = segments[0]!;
    return (value) =>
      value && Object.hasOwn(value as object, key) ? (value as Record<string, unknown>)[key] : undefined;
  }
  return (value) => {
    let current: unknown = value;
    for (let i = 0; i < n; i++) {
      const key = segments[i]!;
      if (!current || !Object.hasOwn(current as object, key)) return undefined;
      current = (current as Record<string, unknown>)[key];
    }
    return current;
  };
}
