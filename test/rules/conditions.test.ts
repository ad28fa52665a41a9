import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LeadflowError } from '../../src/errors.js';
import {
  CONDITION_LIMITS,
  type Condition,
  ConditionError,
  compileCondition,
  conditionSchema,
  type FactValues,
  formatConditionPath,
  validateCondition,
} from '../../src/rules/conditions.js';
import {
  CUSTOM_OPERATOR_NAMES,
  checkOperatorValue,
  DECORATOR_NAMES,
  DECORATORS,
  OPERATOR_NAMES,
  OPERATORS,
  resolveOperator,
  suggestName,
} from '../../src/rules/operators.js';
import {
  createReferenceEvaluator,
  evaluateReference,
  toReferenceConditions,
} from '../../src/rules/reference-engine.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-02T01:00:00Z');
const context = { now: NOW };

function compiled(condition: unknown) {
  const r = compileCondition(condition);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return r;
}

/** Evaluate with leadflow, and check json-rules-engine agrees (unless it throws, then leadflow says false). */
async function both(condition: Condition, facts: FactValues, now = NOW): Promise<boolean> {
  const ours = compiled(condition).evaluate(facts, { now });
  let reference: boolean | Error;
  try {
    reference = await evaluateReference(condition, facts, { now });
  } catch (error) {
    reference = error as Error;
  }
  if (reference instanceof Error) expect(ours, `json-rules-engine threw ${reference.message}`).toBe(false);
  else expect(ours, 'leadflow vs json-rules-engine').toBe(reference);
  return ours;
}

const leaf = (operator: string, value: unknown, fact = 'x', extra: object = {}) =>
  ({ fact, operator, value, ...extra }) as Condition;

function problemsOf(condition: unknown, options?: Parameters<typeof compileCondition>[1]) {
  const r = compileCondition(condition, options);
  return r.ok ? [] : r.problems;
}

describe('json-rules-engine default operators', () => {
  it('equal / notEqual use ===', async () => {
    expect(await both(leaf('equal', 1), { x: 1 })).toBe(true);
    expect(await both(leaf('equal', 1), { x: '1' })).toBe(false);
    expect(await both(leaf('equal', null), {})).toBe(false); // missing fact is undefined, not null
    expect(await both(leaf('equal', null), { x: null })).toBe(true);
    expect(await both(leaf('notEqual', 'a'), { x: 'b' })).toBe(true);
    expect(await both(leaf('notEqual', 'a'), {})).toBe(true);
    expect(await both(leaf('equal', { fact: 'y' }), { x: [1], y: [1] })).toBe(false); // identity
    const shared = [1];
    expect(await both(leaf('equal', { fact: 'y' }), { x: shared, y: shared })).toBe(true);
  });

  it('in / notIn look the fact up in the value list', async () => {
    expect(await both(leaf('in', ['a', 'b']), { x: 'a' })).toBe(true);
    expect(await both(leaf('in', ['a', 'b']), { x: 'c' })).toBe(false);
    expect(await both(leaf('in', [1, null]), {})).toBe(false);
    expect(await both(leaf('notIn', ['a', 'b']), { x: 'c' })).toBe(true);
    expect(await both(leaf('notIn', ['a']), {})).toBe(true);
  });

  it('in with a referenced string value does substring search (json-rules-engine quirk)', async () => {
    expect(await both(leaf('in', { fact: 'y' }), { x: 'ell', y: 'hello' })).toBe(true);
    expect(await both(leaf('in', { fact: 'y' }), { y: 'is undefined' })).toBe(true); // String(undefined)
  });

  it('in / notIn against a referenced non-array, non-string is false (json-rules-engine throws)', async () => {
    await expect(evaluateReference(leaf('in', { fact: 'y' }), { x: 1, y: 5 }, context)).rejects.toThrow(
      TypeError,
    );
    expect(await both(leaf('in', { fact: 'y' }), { x: 1, y: 5 })).toBe(false);
    expect(await both(leaf('notIn', { fact: 'y' }), { x: 1 })).toBe(false);
    // the whole condition is false — a `not:` decorator around it does not flip it
    expect(await both(leaf('not:in', { fact: 'y' }), { x: 1 })).toBe(false);
    // …but a `not` node around the condition does
    expect(compiled({ not: leaf('in', { fact: 'y' }) }).evaluate({ x: 1 }, context)).toBe(true);
  });

  it('contains / doesNotContain need an array fact', async () => {
    expect(await both(leaf('contains', 'vip'), { x: ['new', 'vip'] })).toBe(true);
    expect(await both(leaf('contains', 'vip'), { x: ['new'] })).toBe(false);
    expect(await both(leaf('contains', 'ip'), { x: 'vip' })).toBe(false); // strings are not searched
    expect(await both(leaf('doesNotContain', 'vip'), { x: ['new'] })).toBe(true);
    expect(await both(leaf('doesNotContain', 'vip'), { x: 'new' })).toBe(false); // validator fails
    expect(await both(leaf('doesNotContain', 'vip'), {})).toBe(false);
  });

  it('numeric operators accept only facts parseFloat can read', async () => {
    expect(await both(leaf('greaterThan', 3), { x: 5 })).toBe(true);
    expect(await both(leaf('greaterThan', 5), { x: 5 })).toBe(false);
    expect(await both(leaf('greaterThanInclusive', 5), { x: 5 })).toBe(true);
    expect(await both(leaf('lessThan', 5), { x: 4.9 })).toBe(true);
    expect(await both(leaf('lessThanInclusive', 5), { x: 5 })).toBe(true);
    expect(await both(leaf('greaterThan', 3), { x: '12' })).toBe(true); // numeric string
    expect(await both(leaf('lessThan', 100), { x: '12abc' })).toBe(false); // valid for parseFloat, NaN for <
    expect(await both(leaf('lessThan', 3), { x: 'abc' })).toBe(false);
    expect(await both(leaf('lessThan', 3), { x: null })).toBe(false); // null < 3 is true in JS; validator says no
    expect(await both(leaf('lessThan', 3), { x: true })).toBe(false);
    expect(await both(leaf('lessThan', 3), {})).toBe(false);
    expect(await both(leaf('lessThan', 3), { x: Number.NaN })).toBe(false);
    expect(await both(leaf('greaterThan', 3), { x: [5] })).toBe(true); // json-rules-engine quirk: [5] → '5'
    expect(await both(leaf('greaterThan', 3), { x: Number.POSITIVE_INFINITY })).toBe(true);
    expect(await both(leaf('greaterThan', 'b'), { x: 'c' })).toBe(false); // 'c' is not numeric
  });
});

describe('leadflow operators', () => {
  it('inRegion matches a region or anything below it', async () => {
    const inSuzhou = leaf('inRegion', ['江苏/苏州'], 'region');
    expect(await both(inSuzhou, { region: '江苏/苏州' })).toBe(true);
    expect(await both(inSuzhou, { region: '江苏/苏州/工业园区' })).toBe(true);
    expect(await both(inSuzhou, { region: '江苏/苏州市' })).toBe(false); // not a hierarchy child
    expect(await both(inSuzhou, { region: '江苏' })).toBe(false); // parent is not inside
    expect(await both(inSuzhou, { region: ['江苏/苏州'] })).toBe(false); // fact must be a string
    expect(await both(inSuzhou, {})).toBe(false);
    expect(await both(leaf('inRegion', ['上海', '江苏'], 'region'), { region: '江苏/南京' })).toBe(true);
    expect(await both(leaf('inRegion', [], 'region'), { region: '江苏' })).toBe(false);
    expect(
      await both(leaf('inRegion', { fact: 'r' }, 'region'), { region: '江苏/南京', r: ['', '江苏'] }),
    ).toBe(true);
    expect(await both(leaf('inRegion', { fact: 'r' }, 'region'), { region: '/x', r: [''] })).toBe(false);
  });

  it('inRegion refuses malformed regions at compile time', () => {
    expect(problemsOf(leaf('inRegion', ['江苏/', 'ok']))).toEqual([
      { path: '$.value[0]', message: expect.stringContaining("region '江苏/'") },
    ]);
    expect(problemsOf(leaf('inRegion', ['a//b']))[0]?.message).toMatch(/'\/\/'/);
    expect(problemsOf(leaf('inRegion', ['']))[0]?.message).toMatch(/non-empty/);
    expect(problemsOf(leaf('inRegion', '江苏'))[0]?.message).toMatch(/needs an array/);
  });

  it('matchesAny matches exact tags and `prefix/*` patterns', async () => {
    const highIntent = leaf('matchesAny', ['high-intent/*'], 'tags');
    expect(await both(highIntent, { tags: ['new', 'high-intent/price-sensitive'] })).toBe(true);
    expect(await both(highIntent, { tags: 'high-intent/price-sensitive' })).toBe(true);
    expect(await both(highIntent, { tags: ['high-intent'] })).toBe(false); // the prefix itself is not below it
    expect(await both(highIntent, { tags: ['high-intent/'] })).toBe(false); // nothing after the '/'
    expect(await both(highIntent, { tags: ['high-intentional/x'] })).toBe(false);
    expect(await both(highIntent, { tags: [] })).toBe(false);
    expect(await both(highIntent, { tags: [42, null] })).toBe(false);
    expect(await both(leaf('matchesAny', ['vip', 'technical/*'], 'tags'), { tags: ['vip'] })).toBe(true);
    expect(await both(leaf('matchesAny', ['vip'], 'tags'), { tags: ['vip/gold'] })).toBe(false);
    // a runtime pattern with '*' elsewhere is matched literally
    expect(await both(leaf('matchesAny', { fact: 'p' }, 'tags'), { tags: ['a*'], p: ['a*'] })).toBe(true);
    expect(await both(leaf('matchesAny', { fact: 'p' }, 'tags'), { tags: ['ab'], p: ['a*'] })).toBe(false);
  });

  it('matchesAny refuses misplaced wildcards at compile time', () => {
    for (const bad of ['*', '/*', 'a*', 'a/*/b', 'a/**', '']) {
      expect(problemsOf(leaf('matchesAny', ['ok', bad])), bad).toEqual([
        { path: '$.value[1]', message: expect.stringMatching(/pattern/) },
      ]);
    }
  });

  it('withinLastDays: now - N days <= fact <= now, boundaries included', async () => {
    const recent = leaf('withinLastDays', 7, 'seenAt');
    expect(await both(recent, { seenAt: NOW })).toBe(true);
    expect(await both(recent, { seenAt: NOW - 7 * DAY })).toBe(true);
    expect(await both(recent, { seenAt: NOW - 7 * DAY - 1 })).toBe(false);
    expect(await both(recent, { seenAt: NOW + 1 })).toBe(false); // the future is not "within the last days"
    expect(await both(recent, { seenAt: new Date(NOW - DAY) })).toBe(true);
    expect(await both(recent, { seenAt: new Date(NOW - DAY).toISOString() })).toBe(true);
    expect(await both(recent, { seenAt: '2026-03-01T09:00:00+08:00' })).toBe(true);
    expect(await both(recent, { seenAt: '2026-02-28' })).toBe(true); // UTC midnight
    expect(await both(recent, { seenAt: '2026-03-01T09:00:00' })).toBe(false); // no zone: refused
    expect(await both(recent, { seenAt: 'yesterday' })).toBe(false);
    expect(await both(recent, { seenAt: null })).toBe(false);
    expect(await both(recent, {})).toBe(false);
    expect(await both(leaf('withinLastDays', 0, 'seenAt'), { seenAt: NOW })).toBe(true);
    expect(await both(leaf('withinLastDays', 0.5, 'seenAt'), { seenAt: NOW - DAY / 2 })).toBe(true);
    // `now` comes from the context
    expect(await both(recent, { seenAt: NOW - 8 * DAY }, NOW - DAY)).toBe(true);
  });

  it('withinLastDays needs a number of days >= 0', () => {
    for (const bad of [-1, '7', null, [7]]) {
      expect(problemsOf(leaf('withinLastDays', bad))[0], String(bad)).toMatchObject({ path: '$.value' });
    }
  });

  it('custom operators are listed', () => {
    expect(CUSTOM_OPERATOR_NAMES).toEqual(['inRegion', 'matchesAny', 'withinLastDays']);
  });
});

describe('operator decorators', () => {
  it('someFact / everyFact apply the operator to each fact element', async () => {
    expect(await both(leaf('someFact:greaterThan', 3), { x: [1, 5] })).toBe(true);
    expect(await both(leaf('everyFact:greaterThan', 3), { x: [1, 5] })).toBe(false);
    expect(await both(leaf('everyFact:greaterThan', 3), { x: [4, 5] })).toBe(true);
    expect(await both(leaf('everyFact:greaterThan', 3), { x: [] })).toBe(true); // vacuous
    expect(await both(leaf('someFact:greaterThan', 3), { x: 5 })).toBe(false); // fact must be an array
    expect(await both(leaf('someFact:inRegion', ['江苏']), { x: ['上海', '江苏/苏州'] })).toBe(true);
  });

  it('someValue / everyValue apply the operator to each value element', async () => {
    expect(await both(leaf('someValue:lessThan', [1, 10]), { x: 5 })).toBe(true);
    expect(await both(leaf('everyValue:lessThan', [1, 10]), { x: 5 })).toBe(false);
    expect(await both(leaf('everyValue:lessThan', [6, 10]), { x: 5 })).toBe(true);
    expect(await both(leaf('someValue:in', [['a'], ['b', 'c']]), { x: 'c' })).toBe(true);
    expect(await both(leaf('someValue:equal', { fact: 'y' }), { x: 1, y: 'x' })).toBe(false); // reference throws
  });

  it('swap exchanges fact and value; not negates; decorators stack', async () => {
    expect(await both(leaf('swap:contains', ['a', 'b']), { x: 'a' })).toBe(true);
    expect(await both(leaf('swap:lessThan', 3), { x: 5 })).toBe(true); // 3 < 5
    expect(await both(leaf('not:equal', 'a'), { x: 'b' })).toBe(true);
    expect(await both(leaf('not:someFact:inRegion', ['江苏']), { x: ['上海'] })).toBe(true);
    expect(await both(leaf('not:not:equal', 1), { x: 1 })).toBe(true);
    expect(await both(leaf('everyFact:someValue:equal', ['a', 'b']), { x: ['a', 'b', 'a'] })).toBe(true);
  });

  it('resolveOperator parses decorator chains like json-rules-engine', () => {
    const r = resolveOperator('not:someFact:equal');
    expect(r).toMatchObject({ ok: true, operator: { base: 'equal', decorators: ['not', 'someFact'] } });
    expect(resolveOperator('maybe:equal')).toMatchObject({
      ok: false,
      message: /unknown operator decorator 'maybe'/,
    });
    expect(resolveOperator('not:')).toMatchObject({ ok: false, message: /unknown operator ''/ });
    expect(resolveOperator('someFact')).toMatchObject({ ok: false, message: /unknown operator 'someFact'/ });
    expect(resolveOperator('greaterThen')).toMatchObject({
      ok: false,
      message: /did you mean 'greaterThan'/,
    });
    expect(resolveOperator('not::equal').ok).toBe(false);
  });

  it('checks literal values through the decorator chain', () => {
    const check = (op: string, value: unknown) => {
      const r = resolveOperator(op);
      if (!r.ok) throw new Error(r.message);
      return checkOperatorValue(r.operator, value);
    };
    expect(check('in', 'a')).toMatchObject({ at: [], message: /needs an array/ });
    expect(check('someValue:in', ['a'])).toMatchObject({ at: [0], message: /needs an array/ });
    expect(check('someValue:in', [['a']])).toBeUndefined();
    expect(check('someValue:equal', 'a')).toMatchObject({ message: /'someValue:' .* needs an array/ });
    expect(check('swap:in', 'a')).toBeUndefined(); // the literal is on the fact side now
    expect(check('swap:someFact:equal', 'a')).toMatchObject({ message: /'someFact:'/ });
    expect(check('not:equal', ['a'])).toMatchObject({ message: /===/ });
  });

  it('the tables are fixed and frozen', () => {
    expect(Object.isFrozen(OPERATORS)).toBe(true);
    expect(Object.isFrozen(DECORATORS)).toBe(true);
    expect(Object.isFrozen(OPERATORS.equal)).toBe(true);
    expect(OPERATOR_NAMES).toHaveLength(13);
    expect(DECORATOR_NAMES).toEqual(['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not']);
    expect(() => {
      (OPERATORS as Record<string, unknown>).evil = {};
    }).toThrow(TypeError);
  });

  it('suggestName finds close names', () => {
    expect(suggestName('budjet', ['budget', 'region'])).toBe('budget');
    expect(suggestName('zzzzzz', ['budget'])).toBeUndefined();
  });
});

describe('facts', () => {
  it('an inherited property of the facts object does not leak', async () => {
    const facts = Object.create({ region: 'x' }) as FactValues;
    expect(await both(leaf('equal', 'x', 'region'), facts)).toBe(false);
    expect(await both(leaf('notEqual', 'x', 'region'), facts)).toBe(true);
    expect(
      await both(leaf('equal', 'x', 'region', { path: '$.a' }), { region: Object.create({ a: 'x' }) }),
    ).toBe(false);
    expect(await both(leaf('equal', 'x', 'y', {}), Object.create({ y: 'x' }))).toBe(false);
    expect(await both(leaf('equal', { fact: 'region' }, 'y'), Object.create({ region: undefined }))).toBe(
      true,
    );
  });

  it('facts named like Object.prototype members are just missing', async () => {
    expect(await both(leaf('equal', 'function', 'toString'), {})).toBe(false);
    expect(await both(leaf('equal', 1, 'hasOwnProperty'), { hasOwnProperty: 1 })).toBe(true);
  });

  it('missing facts are undefined (allowUndefinedFacts)', async () => {
    expect(await both(leaf('notIn', ['a'], 'missing'), {})).toBe(true);
    expect(await both(leaf('equal', { fact: 'other' }, 'missing'), {})).toBe(true); // undefined === undefined
  });

  it('a path on a non-object fact compares the fact itself (json-rules-engine)', async () => {
    expect(await both(leaf('equal', '江苏', 'region', { path: '$.province' }), { region: '江苏' })).toBe(
      true,
    );
    expect(await both(leaf('equal', null, 'region', { path: '$.province' }), { region: null })).toBe(true);
    expect(
      await both(leaf('equal', '江苏', 'region', { path: 'province' }), { region: { province: '江苏' } }),
    ).toBe(true);
    expect(await both(leaf('equal', 3, 'tags', { path: '$.length' }), { tags: ['a', 'b', 'c'] })).toBe(true);
  });

  it('fact references read another fact, with a path', async () => {
    const c = leaf('lessThan', { fact: 'rep', path: 'capacity' }, 'rep', { path: '$.today' });
    expect(await both(c, { rep: { today: 7, capacity: 8 } })).toBe(true);
    expect(await both(c, { rep: { today: 8, capacity: 8 } })).toBe(false);
  });

  it('params are accepted and ignored', async () => {
    expect(await both(leaf('equal', 1, 'x', { params: { unit: 'cny' } }), { x: 1 })).toBe(true);
  });
});

describe('structure and evaluation order', () => {
  it('all / any / not, including empty all', async () => {
    const a = leaf('equal', 1, 'a');
    const b = leaf('equal', 1, 'b');
    expect(await both({ all: [a, b] }, { a: 1, b: 1 })).toBe(true);
    expect(await both({ all: [a, b] }, { a: 1, b: 2 })).toBe(false);
    expect(await both({ any: [a, b] }, { a: 2, b: 1 })).toBe(true);
    expect(await both({ any: [a, b] }, { a: 2, b: 2 })).toBe(false);
    expect(await both({ not: { any: [a, b] } }, { a: 2, b: 2 })).toBe(true);
    expect(await both({ all: [] }, {})).toBe(true);
    expect(await both(a, { a: 1 })).toBe(true); // a bare leaf at the root
  });

  it('explain lists evaluated leaves in priority order and stops when decided', () => {
    const c = compiled({
      any: [
        { fact: 'a', operator: 'equal', value: 1, name: 'low' },
        {
          fact: 'b',
          path: 'x.y',
          operator: 'equal',
          value: { fact: 'c', path: 'z' },
          priority: 5,
          name: 'high',
        },
        { fact: 'd', operator: 'equal', value: 1 },
      ],
    });
    const { result, trace } = c.explain({ a: 1, b: { x: { y: 2 } }, c: { z: 3 } }, context);
    expect(result).toBe(true);
    expect(trace).toEqual([
      {
        path: '$.any[1]',
        name: 'high',
        fact: 'b',
        factPath: '$.x.y',
        operator: 'equal',
        value: 3,
        valueFact: 'c',
        valuePath: '$.z',
        factValue: 2,
        result: false,
      },
      { path: '$.any[0]', name: 'low', fact: 'a', operator: 'equal', value: 1, factValue: 1, result: true },
    ]);
  });

  it('trace paths start at the path option', () => {
    const r = compileCondition({ all: [{ not: leaf('equal', 1) }] }, { path: '$.rules[2].conditions' });
    if (!r.ok) throw new Error('unexpected');
    expect(r.explain({ x: 2 }, context).trace.map((t) => t.path)).toEqual([
      '$.rules[2].conditions.all[0].not',
    ]);
  });

  it('compiled conditions expose the facts they read and a frozen copy', () => {
    const input = { all: [leaf('equal', { fact: 'y' }, 'x'), leaf('in', ['a'], 'z')] } as Condition & {
      all: Condition[];
    };
    const c = compiled(input);
    expect([...c.facts].sort()).toEqual(['x', 'y', 'z']);
    expect(Object.isFrozen(c.condition)).toBe(true);
    // mutating the input afterwards does not change the compiled condition
    ((input.all[1] as { value: string[] }).value as string[]).push('b');
    expect(c.evaluate({ x: 1, y: 1, z: 'b' }, context)).toBe(false);
  });

  it('evaluate refuses unusable facts or context', () => {
    const c = compiled(leaf('equal', 1));
    expect(() => c.evaluate(null as never, context)).toThrow(ConditionError);
    expect(() => c.evaluate({}, { now: Number.NaN })).toThrow(/context\.now/);
    expect(() => c.evaluate({}, undefined as never)).toThrow(ConditionError);
    expect(() => c.explain({}, {} as never)).toThrow(ConditionError);
  });
});

describe('compile problems', () => {
  it('lists every problem with its path', () => {
    const problems = problemsOf(
      {
        all: [
          { fact: 'budjet', operator: 'greaterThen', value: 1 },
          { fact: 'company', path: '$..region', operator: 'in', value: 'x' },
          { any: [{ fact: 'tags', operator: 'contains', value: { fact: 'nope' } }] },
          { fact: 'region', operator: 'inRegion', value: ['江苏'], colour: 'red' },
        ],
      },
      { knownFacts: new Set(['budget', 'company', 'tags', 'region']), path: '$.rules[0].conditions' },
    );
    expect(problems).toEqual([
      {
        path: '$.rules[0].conditions.all[0].fact',
        message: "unknown fact 'budjet' (did you mean 'budget'?)",
      },
      {
        path: '$.rules[0].conditions.all[0].operator',
        message: expect.stringMatching(/^unknown operator 'greaterThen' \(did you mean 'greaterThan'\?\)/),
      },
      {
        path: '$.rules[0].conditions.all[1].path',
        message: expect.stringMatching(/'\$\.\.region': recursive descent/),
      },
      { path: '$.rules[0].conditions.all[1].value', message: expect.stringMatching(/in needs an array/) },
      { path: '$.rules[0].conditions.all[2].any[0].value.fact', message: "unknown fact 'nope'" },
      { path: '$.rules[0].conditions.all[3].colour', message: expect.stringMatching(/unknown key 'colour'/) },
    ]);
  });

  it.each([
    [{ condition: 'shared' }, '$.condition', /shared condition references/],
    [{ all: [], any: [] }, '$', /exactly one of/],
    [{ all: [], fact: 'x' }, '$', /exactly one of/],
    [{}, '$', /needs 'all', 'any', 'not' or 'fact'/],
    [[], '$', /got an array/],
    [null, '$', /got null/],
    [{ any: [] }, '$.any', /at least one condition/],
    [{ all: {} }, '$.all', /must be an array/],
    [{ not: [] }, '$.not', /not an array/],
    [{ fact: 'x', value: 1 }, '$.operator', /missing 'operator'/],
    [{ fact: 'x', operator: 'equal' }, '$.value', /missing 'value'/],
    [{ fact: '', operator: 'equal', value: 1 }, '$.fact', /must not be empty/],
    [{ fact: 3, operator: 'equal', value: 1 }, '$.fact', /must be a string/],
    [{ fact: '__proto__', operator: 'equal', value: 1 }, '$.fact', /not allowed/],
    [{ fact: 'x', operator: 'equal', value: { a: 1 } }, '$.value', /fact reference/],
    [{ fact: 'x', operator: 'equal', value: { fact: 'y', params: {} } }, '$.value.params', /unknown key/],
    [{ fact: 'x', operator: 'in', value: [{ a: 1 }] }, '$.value[0]', /got an object/],
    [{ fact: 'x', operator: 'in', value: [[[1]]] }, '$.value[0][0]', /nest only one level/],
    [{ fact: 'x', operator: 'equal', value: Number.NaN }, '$.value', /finite/],
    [{ fact: 'x', operator: 'equal', value: 1, priority: 0 }, '$.priority', /integer >= 1/],
    [{ fact: 'x', operator: 'equal', value: 1, params: [] }, '$.params', /must be an object/],
    [{ fact: 'x', operator: 'equal', value: 1, name: 5 }, '$.name', /must be a string/],
    [{ fact: 'x', operator: 'equal', value: [1] }, '$.value', /===/],
    [{ fact: 'x', operator: 'contains', value: ['a'] }, '$.value', /===/],
    [{ fact: 'x', operator: 'lessThan', value: null }, '$.value', /number/],
    [{ all: [{ fact: 'x', operator: 'equal', value: 1 }, 'oops'] }, '$.all[1]', /got a string/],
  ])('refuses %j', (condition, path, message) => {
    const problems = problemsOf(condition);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.path).toBe(path);
    expect(problems[0]!.message).toMatch(message);
  });

  it('enforces CONDITION_LIMITS', () => {
    expect(CONDITION_LIMITS).toEqual({
      maxDepth: 16,
      maxNodes: 500,
      maxArrayItems: 1_000,
      maxStringLength: 1_000,
    });
    const nest = (levels: number): unknown => {
      let c: unknown = leaf('equal', 1);
      for (let i = 1; i < levels; i++) c = { not: c };
      return c;
    };
    expect(problemsOf(nest(16))).toEqual([]);
    expect(problemsOf(nest(17))).toEqual([
      { path: `$${'.not'.repeat(16)}`, message: 'conditions nest deeper than 16 levels' },
    ]);
    expect(problemsOf(nest(100_000))).toHaveLength(1); // no stack overflow on hostile input

    const many = (n: number) => ({ all: Array.from({ length: n }, () => leaf('equal', 1)) });
    expect(problemsOf(many(499))).toEqual([]);
    expect(problemsOf(many(500))).toEqual([
      { path: '$.all[499]', message: 'a condition tree may hold at most 500 conditions' },
    ]);

    expect(
      problemsOf(
        leaf(
          'in',
          Array.from({ length: 1_000 }, (_, i) => i),
        ),
      ),
    ).toEqual([]);
    expect(
      problemsOf(
        leaf(
          'in',
          Array.from({ length: 1_001 }, (_, i) => i),
        ),
      )[0]?.message,
    ).toMatch(/more than 1000 items/);
    expect(
      problemsOf(leaf('in', [Array.from({ length: 600 }, () => 1), Array.from({ length: 600 }, () => 1)])),
    ).toHaveLength(1);

    const long = 'x'.repeat(1_001);
    expect(problemsOf(leaf('equal', 'x'.repeat(1_000)))).toEqual([]);
    expect(problemsOf(leaf('equal', long))[0]).toMatchObject({
      path: '$.value',
      message: /longer than 1000/,
    });
    expect(problemsOf(leaf('equal', 1, long))[0]).toMatchObject({
      path: '$.fact',
      message: /longer than 1000/,
    });
    expect(problemsOf(leaf('in', ['a', long]))[0]).toMatchObject({ path: '$.value[1]' });
    expect(problemsOf(leaf(`not:${'x'.repeat(1_000)}`, 1))[0]).toMatchObject({ path: '$.operator' });
  });

  it('validateCondition returns the same problems without compiling', () => {
    expect(validateCondition({ any: [] }, { path: '$.r' })).toEqual([
      { path: '$.r.any', message: expect.any(String) },
    ]);
    expect(validateCondition(leaf('equal', 1))).toEqual([]);
  });

  it('formatConditionPath quotes odd keys', () => {
    expect(formatConditionPath('$', ['all', 0, 'value', 2])).toBe('$.all[0].value[2]');
    expect(formatConditionPath('$', ['a b'])).toBe('$["a b"]');
  });
});

describe('conditionSchema', () => {
  it('validates inside a larger zod schema with issue paths', () => {
    const rule = z.object({ id: z.string(), conditions: conditionSchema });
    expect(rule.parse({ id: 'r1', conditions: { all: [leaf('equal', 1)] } }).id).toBe('r1');
    const result = rule.safeParse({ id: 'r1', conditions: { all: [leaf('equalz', 1), { any: [] }] } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['conditions.all.0.operator', expect.stringMatching(/unknown operator 'equalz'/)],
      ['conditions.all.1.any', expect.stringMatching(/at least one/)],
    ]);
  });
});

describe('reference adapter', () => {
  it('converts paths to $-form and wraps a leaf root', () => {
    expect(toReferenceConditions(leaf('equal', { fact: 'y', path: 'b[0]' }, 'x', { path: 'a.b' }))).toEqual({
      all: [{ fact: 'x', operator: 'equal', value: { fact: 'y', path: '$.b[0]' }, path: '$.a.b' }],
    });
  });

  it('refuses invalid conditions before json-rules-engine sees them', async () => {
    await expect(evaluateReference(leaf('equal', 1, 'x', { path: '$..a' }), {}, context)).rejects.toThrow(
      ConditionError,
    );
    try {
      await evaluateReference(leaf('nope', 1), {}, context);
    } catch (error) {
      expect(error).toBeInstanceOf(LeadflowError);
      expect(error).toMatchObject({ code: 'CONDITION_INVALID', problems: [{ path: '$.operator' }] });
    }
  });

  it('is safe to call concurrently (one Engine per call)', async () => {
    const reference = createReferenceEvaluator();
    const c: Condition = { all: [leaf('greaterThan', 10, 'n'), leaf('withinLastDays', 1, 't')] };
    const calls = Array.from({ length: 200 }, (_, i) =>
      reference.evaluate(c, { n: i, t: NOW - (i % 3) * DAY }, context).then((result) => [i, result] as const),
    );
    for (const [i, result] of await Promise.all(calls)) expect(result).toBe(i > 10 && i % 3 !== 2);
  });
});

describe('no code evaluation', () => {
  it('the rules sources never use eval or new Function', () => {
    for (const file of ['conditions.ts', 'operators.ts', 'paths.ts', 'reference-engine.ts']) {
      const source = readFileSync(new URL(`../../src/rules/${file}`, import.meta.url), 'utf8');
      expect(source, file).not.toMatch(/\beval\s*\(|\bFunction\s*\(/);
    }
  });
});
