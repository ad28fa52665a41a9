// Issue #19: "A rule set with several mistakes reports them over several runs (schema problems
// hide reference problems)." tryCompileRuleSet now lists both in one pass.
import { fc, test } from '@fast-check/vitest';
import { expect, it } from 'vitest';
import { tryCompileRuleSet } from '../../src/rules/compile.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';

const problemsOf = (input: unknown) => {
  const result = tryCompileRuleSet(input, { team: zhikongPreset.team });
  return result.ok ? [] : result.problems;
};

it('a schema problem and a reference problem come back together, each at its path as written', () => {
  const rules = structuredClone(zhikongPreset.ruleSet) as Record<string, unknown> & {
    assignment: { rules: unknown[] };
  };
  rules.assignment.rules.splice(1, 0, { id: 'broken', strategy: { type: 'teleport' } }); // schema
  (rules.assignment.rules[3] as { strategy: { repId: string } }).strategy.repId = 'rep-nobody'; // reference
  const problems = problemsOf(rules);
  expect(problems.map((p) => p.path)).toEqual([
    'assignment.rules[1].strategy.type',
    'assignment.rules[3].strategy.repId',
  ]);
  expect(problems[1]?.message).toMatch(/unknown rep "rep-nobody"/);
});

it('two problems in one array item keep that item’s index', () => {
  const problems = problemsOf({
    id: 'x',
    version: '1',
    assignment: { rules: [] },
    sla: { policies: [{ id: 'p', target: 'soon' }] },
  });
  expect(new Set(problems.map((p) => p.path.replace(/\.[a-zA-Z]+$/, '')))).toEqual(
    new Set(['sla.policies[0]']),
  );
  expect(problems.map((p) => p.path)).toContain('sla.policies[0].target');
});

it('a reference to something set aside is a consequence, not a second problem', () => {
  const rules = structuredClone(zhikongPreset.ruleSet) as Record<string, unknown> & {
    pools: { id: string; repIds: unknown }[];
  };
  rules.pools[1]!.repIds = 'rep-a'; // the "shanghai" pool is refused by the schema…
  const problems = problemsOf(rules);
  // …and the round-robin rule that names it is not reported as naming an unknown pool.
  expect(problems.map((p) => p.path)).toEqual(['pools[1].repIds']);
});

it('size and JSON problems still stop before the schema', () => {
  expect(problemsOf({ id: 'x'.repeat(1_000_001) })[0]?.message).toMatch(/the limit is 1000000/);
  expect(problemsOf({ id: 1n })[0]?.message).toMatch(/not JSON-serializable/);
});

test.prop([fc.subarray(['teleport', 'nobody', 'badPool', 'badTarget'] as const, { minLength: 1 })], {
  numRuns: 15,
})('every planted mistake is reported in the first pass', (mistakes) => {
  const rules = structuredClone(zhikongPreset.ruleSet) as Record<string, any>;
  const expected: string[] = [];
  if (mistakes.includes('teleport')) {
    rules.assignment.rules[0].strategy = { type: 'teleport' };
    expected.push('assignment.rules[0].strategy.type');
  }
  if (mistakes.includes('nobody')) {
    rules.assignment.rules[2].strategy.repId = 'rep-nobody';
    expected.push('assignment.rules[2].strategy.repId');
  }
  if (mistakes.includes('badPool')) {
    rules.pools.push({ id: 'empty-pool', repIds: ['rep-x'] });
    expected.push(`pools[${rules.pools.length - 1}].repIds[0]`);
  }
  if (mistakes.includes('badTarget')) {
    rules.sla.policies[0].target = 'soon';
    expected.push('sla.policies[0].target');
  }
  const paths = problemsOf(rules).map((p) => p.path);
  for (const path of expected) expect(paths).toContain(path);
});
