import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { createAgenda } from '../../src/simulate/agenda.js';
import { createRandom, weightedTable } from '../../src/simulate/random.js';

describe('createAgenda', () => {
  test.prop([fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 })])(
    'pops by time, ties in scheduling order',
    (times) => {
      const agenda = createAgenda<number>();
      for (const [index, at] of times.entries()) agenda.push(at, index);
      expect(agenda.size).toBe(times.length);
      const expected = times
        .map((at, index) => ({ at, index }))
        .sort((a, b) => a.at - b.at || a.index - b.index);
      for (const { at, index } of expected) {
        expect(agenda.peekAt()).toBe(at);
        expect(agenda.pop()).toBe(index);
      }
      expect(agenda.pop()).toBeUndefined();
      expect(agenda.peekAt()).toBe(Number.POSITIVE_INFINITY);
    },
  );

  it('interleaves pushes and pops', () => {
    const agenda = createAgenda<string>();
    agenda.push(5, 'b');
    agenda.push(1, 'a');
    expect(agenda.pop()).toBe('a');
    agenda.push(3, 'c');
    agenda.push(5, 'd');
    expect([agenda.pop(), agenda.pop(), agenda.pop()]).toEqual(['c', 'b', 'd']);
  });
});

describe('createRandom', () => {
  it('is a deterministic mulberry32 stream', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(createRandom(43).next()).not.toBe(xs[0]);
  });

  it('draws distributions with the right centre', () => {
    const random = createRandom(1);
    const n = 20_000;
    let poisson = 0;
    let big = 0;
    const logs: number[] = [];
    for (let i = 0; i < n; i++) {
      poisson += random.poisson(3);
      big += random.poisson(500);
      logs.push(random.logNormal(100, 1));
    }
    expect(poisson / n).toBeCloseTo(3, 1);
    expect(big / n).toBeGreaterThan(495);
    expect(big / n).toBeLessThan(505);
    logs.sort((x, y) => x - y);
    expect(logs[n / 2]!).toBeGreaterThan(95);
    expect(logs[n / 2]!).toBeLessThan(105);
  });

  it('draws weighted tables in proportion', () => {
    const table = weightedTable([
      ['a', 1],
      ['b', 3],
      ['never', 0],
    ]);
    expect(table.shares).toEqual([0.25, 0.75, 0]);
    const random = createRandom(9);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 40_000; i++) {
      const item = table.draw(random);
      counts[item] = (counts[item] ?? 0) + 1;
    }
    expect(counts.never).toBeUndefined();
    expect(counts.b! / 40_000).toBeCloseTo(0.75, 1);
    expect(() => weightedTable([['x', 0]])).toThrow(RangeError);
  });
});
