/**
 * Every problem of a rule set in one pass, with where to point in the text: `tryCompileRuleSet`
 * lists schema and reference problems together (src/rules/one-pass.ts); this adds each problem's
 * kind and, for an unknown key, the key itself as the place to point at.
 *
 * @module
 */
import { type CompiledRuleSet, type CompileRuleSetOptions, tryCompileRuleSet } from '../rules/compile.js';
import { type OnePassProblem, problemsInOnePass } from '../rules/one-pass.js';
import { ruleSetSchema } from '../rules/ruleset.js';

/**
 * One problem of a rule set: its JSON path as written, the message, whether the schema or the
 * reference checks found it, and `at` — the path to point at in the text (for an unknown key, the
 * key itself).
 *
 * @example
 * ```ts
 * import type { RuleSetCheckProblem } from './rules-check.js'; // src/cli/rules-check.ts
 * const p: RuleSetCheckProblem = { path: 'pools[0].id', at: 'pools[0].id', message: 'duplicate pool id "sh"', kind: 'reference' };
 * ```
 */
export type RuleSetCheckProblem = OnePassProblem;

/**
 * Check a rule set (JSON already read) against the team it will run with and return every
 * problem at once — schema problems and, for everything the schema accepts, reference problems
 * — or the compiled rule set when there is none.
 *
 * @example
 * ```ts
 * import { checkRuleSet } from './rules-check.js'; // src/cli/rules-check.ts
 * const result = checkRuleSet(JSON.parse(text), { team });
 * if (!result.ok) for (const p of result.problems) console.log(p.path, p.message);
 * ```
 */
export function checkRuleSet(
  input: unknown,
  options: CompileRuleSetOptions = {},
): { ok: true; ruleSet: CompiledRuleSet } | { ok: false; problems: RuleSetCheckProblem[] } {
  const first = tryCompileRuleSet(input, options);
  if (first.ok) return first;
  const parsed = ruleSetSchema.safeParse(input);
  if (parsed.success || typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      problems: first.problems.map((p) => ({
        path: p.path,
        at: p.path,
        message: p.message,
        kind: parsed.success ? 'reference' : 'schema',
      })),
    };
  }
  return {
    ok: false,
    problems: problemsInOnePass(input as Record<string, unknown>, {
      schemaIssues: (value) => {
        const again = ruleSetSchema.safeParse(value);
        return again.success ? [] : again.error.issues;
      },
      compile: (value) => tryCompileRuleSet(value, options),
    }),
  };
}
