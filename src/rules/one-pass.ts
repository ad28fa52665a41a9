/**
 * Every problem of a rule set in one pass. The reference checks need a parsed rule set, so on
 * their own they would wait for the schema problems to be fixed, and an author would see a second
 * list after fixing the first. Here the parts the schema refuses are set aside — the array item
 * that holds a problem (a rule, a policy, a condition), or an unknown key — until the rest parses;
 * then the rest is compiled for its reference problems (unknown reps, pools, facts, templates,
 * events, unreachable rules, …), their paths mapped back to the input as written.
 *
 * @module
 */

/**
 * One problem found in one pass: its JSON path as written, the message, whether the schema or
 * the reference checks found it, and `at` — the path to point at in the text (for an unknown
 * key, the key itself).
 *
 * @internal
 * @example
 * ```ts
 * import type { OnePassProblem } from './one-pass.js'; // src/rules/one-pass.ts
 * const p: OnePassProblem = { path: 'pools[0].id', at: 'pools[0].id', message: 'duplicate pool id "sh"', kind: 'reference' };
 * ```
 */
export interface OnePassProblem {
  readonly path: string;
  readonly at: string;
  readonly message: string;
  readonly kind: 'schema' | 'reference';
}

/**
 * A rule-set problem's path as `tryCompileRuleSet` reports it: `['assignment', 'rules', 2,
 * 'when']` → `assignment.rules[2].when`.
 *
 * @internal
 */
export function formatRuleSetPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

type Segment = string | number;

const keyOf = (segments: readonly Segment[]) => JSON.stringify(segments);

interface Removals {
  /** Array items set aside, by the array's original path. */
  readonly items: Map<string, Set<number>>;
  /** Object keys set aside, by the object's original path. */
  readonly keys: Map<string, Set<string>>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The input without what was set aside. */
function rebuild(value: unknown, at: Segment[], removals: Removals): unknown {
  if (Array.isArray(value)) {
    const skip = removals.items.get(keyOf(at));
    const out: unknown[] = [];
    value.forEach((item, index) => {
      if (!skip?.has(index)) out.push(rebuild(item, [...at, index], removals));
    });
    return out;
  }
  if (isObject(value)) {
    const skip = removals.keys.get(keyOf(at));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (skip?.has(key)) continue;
      Object.defineProperty(out, key, {
        value: rebuild(value[key], [...at, key], removals),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/** Map a path in the rebuilt input to the original one (array indexes shift). */
function toOriginal(original: unknown, segments: readonly Segment[], removals: Removals): Segment[] {
  const out: Segment[] = [];
  let node: unknown = original;
  for (const segment of segments) {
    if (Array.isArray(node) && typeof segment === 'number') {
      const skip = removals.items.get(keyOf(out));
      let index = -1;
      let kept = -1;
      while (kept < segment && index < node.length) {
        index++;
        if (!skip?.has(index)) kept++;
      }
      out.push(index);
      node = node[index];
    } else {
      out.push(segment);
      node = isObject(node) ? node[String(segment)] : undefined;
    }
  }
  return out;
}

/** Split a problem path (`routing.kinds.a.b[0]`, `x.all[1].fact`) into segments, guided by the value. */
function segmentsOf(root: unknown, path: string): Segment[] {
  const out: Segment[] = [];
  let node = root;
  let rest = path.startsWith('$') ? path.slice(1) : path;
  while (rest !== '') {
    if (rest.startsWith('.')) rest = rest.slice(1);
    const index = /^\[(\d+)\]/.exec(rest);
    if (index) {
      out.push(Number(index[1]));
      node = Array.isArray(node) ? node[Number(index[1])] : undefined;
      rest = rest.slice(index[0].length);
      continue;
    }
    const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
    if (quoted) {
      const key = JSON.parse(quoted[1]!) as string;
      out.push(key);
      node = isObject(node) ? node[key] : undefined;
      rest = rest.slice(quoted[0].length);
      continue;
    }
    // The longest own key of the object that the path continues with (keys may hold dots).
    let key: string | undefined;
    if (isObject(node)) {
      for (const candidate of Object.keys(node)) {
        if (
          rest.startsWith(candidate) &&
          (rest.length === candidate.length ||
            rest[candidate.length] === '.' ||
            rest[candidate.length] === '[') &&
          (key === undefined || candidate.length > key.length)
        )
          key = candidate;
      }
    }
    key ??= /^[^.[]+/.exec(rest)?.[0] ?? rest;
    out.push(key);
    node = isObject(node) ? node[key] : undefined;
    rest = rest.slice(key.length);
  }
  return out;
}

/**
 * A schema issue as zod reports it (path, message; an unknown-key issue names its keys).
 *
 * @category Rule sets
 */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code: string;
  readonly keys?: readonly string[];
}

/**
 * What {@link problemsInOnePass} needs: a schema check and the full compile of a schema-valid input.
 *
 * @category Rule sets
 */
export interface OnePassSteps {
  /** The schema's issues for an input (none: it parses). */
  readonly schemaIssues: (input: unknown) => readonly SchemaIssue[];
  /** Compile an input the schema accepts; its problems are reference problems. */
  readonly compile: (input: unknown) => {
    readonly ok: boolean;
    readonly problems?: readonly { readonly path: string; readonly message: string }[];
  };
}

/**
 * @internal
 * Every problem of a rule set the schema refuses: the schema problems, then the reference
 * problems of what remains once the refused parts are set aside (a reference to something set
 * aside is a consequence, not a problem, and is left out).
 *
 * @example
 * ```ts
 * const problems = problemsInOnePass(input, { schemaIssues, compile });
 * ```
 */
export function problemsInOnePass(input: Record<string, unknown>, steps: OnePassSteps): OnePassProblem[] {
  const problems: OnePassProblem[] = [];
  const removals: Removals = { items: new Map(), keys: new Map() };
  const removedIds = new Set<string>();
  let issues = steps.schemaIssues(input);
  let repaired: unknown = input;
  for (let round = 0; round < 8; round++) {
    let progress = false;
    // This round's issues are about the input as rebuilt after the earlier rounds' removals.
    const earlier: Removals = {
      items: new Map([...removals.items].map(([key, set]) => [key, new Set(set)])),
      keys: new Map([...removals.keys].map(([key, set]) => [key, new Set(set)])),
    };
    for (const issue of issues) {
      const segments = toOriginal(input, issue.path as Segment[], earlier);
      const path = formatRuleSetPath(segments);
      const keys = issue.code === 'unrecognized_keys' ? (issue.keys ?? []) : [];
      if (round === 0 || !problems.some((p) => p.path === path && p.message === issue.message)) {
        problems.push({
          path,
          at: keys.length > 0 ? formatRuleSetPath([...segments, keys[0]!]) : path,
          message: issue.message,
          kind: 'schema',
        });
      }
      if (keys.length > 0) {
        const set = removals.keys.get(keyOf(segments)) ?? new Set();
        for (const key of keys)
          if (!set.has(key)) {
            set.add(key);
            progress = true;
          }
        removals.keys.set(keyOf(segments), set);
        continue;
      }
      let last = -1;
      segments.forEach((segment, index) => {
        if (typeof segment === 'number') last = index;
      });
      if (last >= 0) {
        const arrayPath = segments.slice(0, last);
        const index = segments[last] as number;
        const set = removals.items.get(keyOf(arrayPath)) ?? new Set();
        if (!set.has(index)) {
          set.add(index);
          progress = true;
          let item: unknown = input;
          for (const segment of segments.slice(0, last + 1))
            item = (item as Record<string | number, unknown> | undefined)?.[segment];
          if (isObject(item) && typeof item.id === 'string') removedIds.add(item.id);
        }
        removals.items.set(keyOf(arrayPath), set);
      } else if (segments.length > 0) {
        const parent = segments.slice(0, -1);
        const key = String(segments[segments.length - 1]);
        const set = removals.keys.get(keyOf(parent)) ?? new Set();
        if (!set.has(key)) {
          set.add(key);
          progress = true;
        }
        removals.keys.set(keyOf(parent), set);
      }
    }
    if (!progress) return problems;
    repaired = rebuild(input, [], removals);
    issues = steps.schemaIssues(repaired);
    if (issues.length === 0) break;
    if (round === 7) return problems;
  }
  const rest = steps.compile(repaired);
  if (!rest.ok) {
    for (const problem of rest.problems ?? []) {
      // A reference to something set aside above (a pool, a rule) is a consequence, not a problem.
      if ([...removedIds].some((id) => problem.message.includes(`"${id}"`))) continue;
      const path = formatRuleSetPath(toOriginal(input, segmentsOf(repaired, problem.path), removals));
      if (problems.some((p) => p.path === path && p.message === problem.message)) continue;
      problems.push({ path, at: path, message: problem.message, kind: 'reference' });
    }
  }
  return problems;
}
