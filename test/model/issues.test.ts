import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  formatIssuePath,
  MODEL_LIMITS,
  safeParseModel,
  safeRecord,
  toModelIssues,
} from '../../src/model/index.js';

describe('formatIssuePath', () => {
  it.each([
    [[], ''],
    [['company', 'region'], 'company.region'],
    [['behaviours', 2, 'seconds'], 'behaviours[2].seconds'],
    [[0, 'a'], '[0].a'],
    [['custom', 'utm source'], 'custom["utm source"]'],
    [['custom', 'a.b'], 'custom["a.b"]'],
    [['custom', '中文'], 'custom["中文"]'],
    [['custom', '__proto__'], 'custom.__proto__'],
  ] as const)('%j → %j', (path, expected) => {
    expect(formatIssuePath(path)).toBe(expected);
  });

  it('truncates long keys', () => {
    const path = formatIssuePath(['custom', 'x y'.repeat(1000)]);
    expect(path.length).toBeLessThan(120);
    expect(path).toContain('…(3000 chars)');
  });
});

describe('toModelIssues', () => {
  it('keeps at most the limit, the last one summarising the rest', () => {
    const issues = Array.from({ length: 5 }, (_, i) => ({
      code: 'custom' as const,
      path: ['x', i],
      message: `m${i}`,
      input: undefined,
    }));
    expect(toModelIssues(issues, 3)).toEqual([
      { path: 'x[0]', message: 'm0' },
      { path: 'x[1]', message: 'm1' },
      { path: '', message: '…and 3 more issues' },
    ]);
    expect(toModelIssues(issues, 5)).toHaveLength(5);
    expect(MODEL_LIMITS.maxIssues).toBe(100);
  });
});

describe('safeRecord', () => {
  const schema = safeRecord(z.number(), 3);

  it('accepts plain and null-prototype objects', () => {
    const bare = Object.assign(Object.create(null) as Record<string, number>, { a: 1 });
    expect(safeParseModel(schema, bare)).toEqual({ ok: true, value: { a: 1 } });
  });

  it('refuses forbidden keys with a clear issue even though zod would drop them', () => {
    expect(safeParseModel(z.record(z.string(), z.number()), JSON.parse('{"__proto__": 1}'))).toEqual({
      ok: true,
      value: {},
    });
    expect(safeParseModel(schema, JSON.parse('{"__proto__": 1}'))).toEqual({
      ok: false,
      issues: [
        { path: '__proto__', message: 'forbidden key "__proto__" (refused to prevent prototype pollution)' },
      ],
    });
  });

  it('refuses control characters and empty keys', () => {
    const result = safeParseModel(schema, { '': 1, 'a\u0000b': 2 });
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: '[""]', message: 'invalid key: must not be empty' },
        { path: '["a\\u0000b"]', message: 'invalid key: must not contain control characters' },
      ],
    });
  });
});
