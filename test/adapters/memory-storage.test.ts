import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import { type JsonValue, StorageError, toJsonValue } from '../../src/adapters/storage/port.js';
import { runStorageContract } from '../../src/testing/storage-contract.js';

runStorageContract('memory', () => memoryStorage());
runStorageContract('memory, every snapshot and KPI record packed at once', () =>
  memoryStorage({ recentSnapshots: 0 }),
);

const T0 = Date.UTC(2026, 2, 2, 1, 0, 0);

describe('memoryStorage specifics', () => {
  it('reports its name', () => {
    expect(memoryStorage().name).toBe('memory');
    expect(memoryStorage({ name: 'sim' }).name).toBe('sim');
  });

  it('rejects every call after close() with STORAGE_CLOSED; close is idempotent', async () => {
    const s = memoryStorage();
    await s.close();
    await s.close();
    await expect(s.load('lead', 'x')).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
    await expect(s.commit({ at: T0 })).rejects.toBeInstanceOf(StorageError);
  });

  it('names the offending field of invalid input', async () => {
    const s = memoryStorage();
    await expect(
      s.commit({
        at: T0,
        entities: [{ kind: 'lead', id: 'l-1', expectedVersion: 0, snapshot: { budget: Number.NaN } }],
      }),
    ).rejects.toThrow('commit.entities[0].snapshot.budget must be a finite number');
    await expect(
      s.commit({
        at: T0,
        timers: { schedule: [{ entityId: 'l-1', timerKey: '', generation: 0, dueAt: T0 }] },
      }),
    ).rejects.toThrow('commit.timers.schedule[0].timerKey must be a non-empty string');
    await expect(s.commit({ at: Number.NaN })).rejects.toThrow('commit.at');
    await expect(s.claimDueTimers(T0, { leaseMs: 0 })).rejects.toThrow('leaseMs');
    await expect(s.claimOutbox(T0, { limit: -1 })).rejects.toThrow('limit');
    await expect(s.list('lead', { limit: 0 })).rejects.toThrow('limit');
  });

  it('takes no options but its name: one mode, the whole contract', async () => {
    // The former `validateJson: false` / `copy: 'none'` modes broke the contract; by-reference
    // speed is replayMemoryStorage's job now.
    const s = memoryStorage({ name: 'plain' });
    expect(s.name).toBe('plain');
    await expect(
      s.commit({
        at: T0,
        entities: [{ kind: 'lead', id: 'l-1', expectedVersion: 0, snapshot: { at: new Date(T0) } as never }],
      }),
    ).rejects.toThrow('commit.entities[0].snapshot.at must be plain JSON, got an instance of Date');
  });

  it('packs older snapshots: Chinese, a __proto__ key and nesting read back equal, and -0 as 0', async () => {
    const s = memoryStorage({ recentSnapshots: 2 });
    const text = '{"company":{"name":"杭州智控科技","__proto__":{"x":1}},"scores":[1.5,-0,[true,null]]}';
    const write = (id: string, version = 0) =>
      s.commit({
        at: T0,
        entities: [{ kind: 'lead', id, expectedVersion: version, snapshot: JSON.parse(text) }],
      });
    await write('l-1');
    expect(Object.is(((await s.load('lead', 'l-1'))!.snapshot as { scores: number[] }).scores[1], -0)).toBe(
      true,
    );
    await write('l-2');
    await write('l-3'); // l-1 is no longer among the two latest writes: packed
    await write('l-2', 1); // l-2 written again: stays recent
    const expected = {
      company: JSON.parse('{"name":"杭州智控科技","__proto__":{"x":1}}'),
      scores: [1.5, 0, [true, null]],
    };
    const first = (await s.load('lead', 'l-1'))!;
    expect(first).toMatchObject({ version: 1, snapshot: expected });
    expect(Object.getPrototypeOf((first.snapshot as { company: object }).company)).toBe(Object.prototype);
    // Each read is a fresh copy: changing one changes neither the store nor the next read.
    (first.snapshot as { scores: unknown[] }).scores.push('changed');
    expect((await s.load('lead', 'l-1'))!.snapshot).toEqual(expected);
    expect((await s.load('lead', 'l-2'))!.version).toBe(2);
    expect(Object.is(((await s.load('lead', 'l-2'))!.snapshot as { scores: number[] }).scores[1], -0)).toBe(
      true,
    );
    expect(() => memoryStorage({ recentSnapshots: -1 })).toThrow('memoryStorage(options).recentSnapshots');
  });

  test.prop([fc.jsonValue(), fc.constantFrom(0, 1, 10_000)], { numRuns: 200 })(
    'reads back any JSON snapshot it was given, recent or packed',
    async (value, recentSnapshots) => {
      const s = memoryStorage({ recentSnapshots });
      const snapshot = value as JsonValue;
      await s.commit({ at: T0, entities: [{ kind: 'lead', id: 'l-1', expectedVersion: 0, snapshot }] });
      await s.commit({ at: T0, entities: [{ kind: 'lead', id: 'l-2', expectedVersion: 0, snapshot: null }] });
      // Packed (recentSnapshots 0, or 1 after the second write): what JSON text gives back, -0 as 0.
      const withoutNegativeZero = (v: unknown): unknown =>
        Object.is(v, -0)
          ? 0
          : Array.isArray(v)
            ? v.map(withoutNegativeZero)
            : v !== null && typeof v === 'object'
              ? Object.fromEntries(Object.entries(v).map(([k, item]) => [k, withoutNegativeZero(item)]))
              : v;
      const stored = toJsonValue(snapshot, 'snapshot');
      expect((await s.load('lead', 'l-1'))?.snapshot).toEqual(
        recentSnapshots > 1 ? stored : withoutNegativeZero(stored),
      );
    },
  );

  it('handles many timers in due order', async () => {
    const s = memoryStorage();
    const n = 5_000;
    const schedule = Array.from({ length: n }, (_, i) => ({
      entityId: `l-${i}`,
      timerKey: 'sla',
      generation: 1,
      dueAt: T0 + ((i * 7919) % n),
    }));
    await s.commit({ at: T0, timers: { schedule } });
    const claimed = await s.claimDueTimers(T0 + n, { limit: n });
    expect(claimed).toHaveLength(n);
    for (let i = 1; i < n; i++) expect(claimed[i]!.dueAt).toBeGreaterThanOrEqual(claimed[i - 1]!.dueAt);
  });
});

describe('toJsonValue', () => {
  it('copies JSON, drops undefined properties, keeps __proto__ as a plain key', () => {
    const input = JSON.parse('{"a":[1,"x",null,{"b":true}],"__proto__":{"polluted":1}}') as object;
    const copy = toJsonValue({ ...input, skip: undefined }, 'v') as Record<string, unknown>;
    expect(copy).toEqual(JSON.parse('{"a":[1,"x",null,{"b":true}],"__proto__":{"polluted":1}}'));
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect('skip' in copy).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses non-JSON values, naming the path', () => {
    expect(() => toJsonValue({ a: [0, Number.NaN] }, 'snap')).toThrow('snap.a[1] must be a finite number');
    expect(() => toJsonValue({ when: new Date(0) }, 'snap')).toThrow(
      'snap.when must be plain JSON, got an instance of Date',
    );
    expect(() => toJsonValue({ n: 1n }, 'snap')).toThrow('snap.n must be JSON, got a bigint');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toJsonValue(cyclic, 'snap')).toThrow(StorageError);
  });
});
