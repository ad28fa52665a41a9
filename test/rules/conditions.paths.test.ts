import { describe, expect, it } from 'vitest';
import { LeadflowError } from '../../src/errors.js';
import { compileCondition } from '../../src/rules/conditions.js';
import {
  compilePath,
  FORBIDDEN_PATH_KEYS,
  normalizePath,
  parsePath,
  RulePathError,
} from '../../src/rules/paths.js';

describe('parsePath', () => {
  it.each([
    ['$.a', '$.a', ['a']],
    ['a', '$.a', ['a']],
    ['$.a.b', '$.a.b', ['a', 'b']],
    ['a.b', '$.a.b', ['a', 'b']],
    ['$.a[0].b', '$.a[0].b', ['a', '0', 'b']],
    ['a[10][2]', '$.a[10][2]', ['a', '10', '2']],
    ['$[0]', '$[0]', ['0']],
    ['[1].a', '$[1].a', ['1', 'a']],
    ['$.公司.地区', '$.公司.地区', ['公司', '地区']],
    ['$.x-y.under_score.0', '$.x-y.under_score.0', ['x-y', 'under_score', '0']],
    ['length', '$.length', ['length']],
  ])('accepts %s', (source, normalized, segments) => {
    const r = parsePath(source);
    expect(r).toEqual({ ok: true, path: { source, normalized, segments } });
    expect(normalizePath(source)).toBe(normalized);
  });

  it.each([
    ['$..a', /recursive descent/],
    ['a..b', /recursive descent/],
    ['$.a[?(@.x)]', /filter expressions/],
    ['$.a[?(@.price > 10)].b', /filter expressions/],
    ['$.a[(@.length-1)]', /script expressions/],
    ['$.*', /wildcards/],
    ['$.a[*]', /wildcards/],
    ['$.a.@x', /'@' selectors/],
    ['$.a^', /parent '\^'/],
    ['$.a~', /property-name '~'/],
    ['$.a[0,1]', /unions/],
    ['$.a[0:2]', /slices/],
    ["$['a']", /quoted keys/],
    ['$["a"]', /quoted keys/],
    ['$.__proto__', /key '__proto__' is not allowed/],
    ['__proto__.polluted', /key '__proto__' is not allowed/],
    ['constructor', /key 'constructor' is not allowed/],
    ['$.a.constructor.prototype', /key 'constructor' is not allowed/],
    ['$.a.prototype', /key 'prototype' is not allowed/],
    ['', /must not be empty/],
    ['$', /'\$' alone selects nothing/],
    ['$a', /unexpected character 'a'/],
    ['$.a.', /expected a property name after '\.'/],
    ['.a', /unexpected character '\.'/],
    ['$.a b', /unexpected character ' '/],
    ['$.a[-1]', /expected an array index/],
    ['$.a[01]', /expected an array index/],
    ['$.a[]', /expected an array index/],
    ['$.a[0]b', /unexpected character 'b'/],
  ])('refuses %s', (source, message) => {
    const r = parsePath(source);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(message);
      if (source.length > 1) expect(r.message).toContain(`'${source}'`);
    }
    expect(() => compilePath(source)).toThrow(RulePathError);
  });

  it('refuses over-long paths and too many segments', () => {
    expect(parsePath(`$.${'a'.repeat(1_000)}`)).toMatchObject({ ok: false, message: /longer than 1000/ });
    expect(parsePath(`$${'.a'.repeat(33)}`)).toMatchObject({ ok: false, message: /more than 32 segments/ });
  });

  it('RulePathError is a LeadflowError with a stable code and the path', () => {
    try {
      compilePath('$..a');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LeadflowError);
      expect(error).toMatchObject({ code: 'RULE_PATH_INVALID', path: '$..a' });
    }
  });

  it('FORBIDDEN_PATH_KEYS lists the prototype keys', () => {
    expect([...FORBIDDEN_PATH_KEYS].sort()).toEqual(['__proto__', 'constructor', 'prototype']);
  });
});

describe('compilePath accessors', () => {
  it('reads nested own properties and array indices', () => {
    const value = { a: { b: [1, { c: '苏州' }] } };
    expect(compilePath('$.a.b[1].c')(value)).toBe('苏州');
    expect(compilePath('a.b[0]')(value)).toBe(1);
    expect(compilePath('$.a.b')(value)).toBe(value.a.b); // the same object, not a copy
    expect(compilePath('$[1]')(['x', 'y'])).toBe('y');
  });

  it('returns undefined for missing keys', () => {
    expect(compilePath('$.a.b.c')({ a: {} })).toBeUndefined();
    expect(compilePath('$.a[3]')({ a: [1] })).toBeUndefined();
    expect(compilePath('$.a')(null)).toBeUndefined();
    expect(compilePath('$.a.b')(undefined)).toBeUndefined();
  });

  it('never reads inherited properties', () => {
    const proto = { region: 'leaked', nested: { x: 1 } };
    const value = Object.create(proto) as Record<string, unknown>;
    expect(compilePath('$.region')(value)).toBeUndefined();
    expect(compilePath('$.nested.x')(value)).toBeUndefined();
    expect(compilePath('$.toString')({})).toBeUndefined();
    expect(compilePath('$.a.hasOwnProperty')({ a: {} })).toBeUndefined();
    expect(compilePath('$.a.length')({ a: [1, 2, 3] })).toBe(3); // own property of arrays
  });

  it('matches jsonpath-plus on strings and falsy values part-way', () => {
    expect(compilePath('$.s.length')({ s: 'hello' })).toBe(5);
    expect(compilePath('$.s[0]')({ s: 'hello' })).toBe('h');
    // jsonpath-plus stops at a falsy value: '' has an own `length`, but the walk ends first
    expect(compilePath('$.s.length')({ s: '' })).toBeUndefined();
    expect(compilePath('$.n.x')({ n: 0 })).toBeUndefined();
    expect(compilePath('$.n')({ n: 0 })).toBe(0);
  });

  it('works on null-prototype objects', () => {
    const value = Object.assign(Object.create(null) as Record<string, unknown>, { a: { b: 2 } });
    expect(compilePath('$.a.b')(value)).toBe(2);
  });
});

describe('paths in conditions', () => {
  it.each([['$..a'], ['$.a[?(@.x)]'], ['$.__proto__'], ['constructor']])(
    'compileCondition refuses path %s, naming it',
    (path) => {
      const r = compileCondition({ fact: 'company', path, operator: 'equal', value: 1 });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.problems).toHaveLength(1);
        expect(r.problems[0]!.path).toBe('$.path');
        expect(r.problems[0]!.message).toContain(`'${path}'`);
      }
    },
  );

  it('refuses bad paths in fact references too', () => {
    const r = compileCondition({ fact: 'a', operator: 'equal', value: { fact: 'b', path: '$..x' } });
    expect(r).toMatchObject({
      ok: false,
      problems: [{ path: '$.value.path', message: expect.stringMatching(/recursive/) }],
    });
  });
});
