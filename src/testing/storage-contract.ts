import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClaimedTimer,
  type CommitInput,
  type EntityWrite,
  type JsonValue,
  type StorageAdapter,
  StorageError,
  type StoredTimer,
  type TimerRecord,
  UniqueConflictError,
  VersionConflictError,
} from '../adapters/storage/port.js';
import { LeadflowError } from '../errors.js';
import { failure, MINUTE, T0 } from './contract-shared.js';
import { kpiContractTests } from './kpi-contract.js';

/**
 * Options of {@link runStorageContract}.
 *
 * @example
 * ```ts
 * import type { StorageContractOptions } from 'leadflow/testing';
 * const options: StorageContractOptions = { numRuns: 20, timeout: 120_000 };
 * const byReference: StorageContractOptions = { copiesValues: false }; // e.g. replayMemoryStorage
 * ```
 * @category Testing
 */
export interface StorageContractOptions {
  /**
   * Runs of each property test (each run creates a fresh adapter).
   * @default 50
   */
  numRuns?: number;
  /** Seed of the property tests, to replay a failure. Default: random. */
  seed?: number;
  /** Per-test timeout (ms). Default: vitest's. */
  timeout?: number;
  /**
   * Whether the adapter copies the JSON values it stores and hands out — the port's rule, and what
   * every database adapter does by nature. `false` declares a by-reference adapter (such as
   * `replayMemoryStorage`): it keeps the very objects written (snapshots, event data, timer and
   * outbox payloads, quarantined raw input, state values) and returns those same objects on
   * reads, and its callers promise never to mutate what they wrote or read. The copy-isolation
   * tests then check that sharing instead (what is read back *is* the object written); every
   * other test runs unchanged.
   * @default true
   */
  copiesValues?: boolean;
  /**
   * Whether the adapter keeps the KPI projection (`readKpi`, optional in the port). `false`
   * declares one that does not: engines then fold the event log for each report.
   * @default true
   */
  kpi?: boolean;
}

function create(kind: string, id: string, snapshot: JsonValue, lookups?: Record<string, string | string[]>) {
  return {
    at: T0,
    entities: [{ kind, id, expectedVersion: 0, snapshot, ...(lookups ? { lookups } : {}) }],
  } satisfies CommitInput;
}

function timer(
  entityId: string,
  timerKey: string,
  dueAt: number,
  generation = 1,
  payload?: JsonValue,
): TimerRecord {
  return payload === undefined
    ? { entityId, timerKey, generation, dueAt }
    : { entityId, timerKey, generation, dueAt, payload };
}

const refOf = (t: StoredTimer) => `${t.entityId}/${t.timerKey}#${t.generation}`;

// ---------------------------------------------------------------------------------------------
// Naive model of the timer part of the port, for the model-based property
// ---------------------------------------------------------------------------------------------

type TimerOp =
  | { op: 'schedule'; e: number; k: number; due: number; gen: number; payload: boolean }
  | { op: 'cancel'; e: number; k: number }
  | { op: 'complete'; e: number; k: number; gen: number; inCommit: boolean }
  | { op: 'claim'; advance: number; limit: number; lease: number };

interface ModelTimer {
  record: TimerRecord;
  attempts: number;
  leaseUntil: number | undefined;
  /** When it can be claimed: dueAt until claimed, then the lease expiry. */
  availableAt: number;
  /** Order in which it last became eligible (scheduled or claimed): the tie-break. */
  touch: number;
}

class TimerModel {
  readonly rows = new Map<string, ModelTimer>();
  now = T0;
  private touches = 0;

  schedule(record: TimerRecord): void {
    this.rows.set(`${record.entityId}/${record.timerKey}`, {
      record,
      attempts: 0,
      leaseUntil: undefined,
      availableAt: record.dueAt,
      touch: this.touches++,
    });
  }

  cancel(entityId: string, timerKey: string): void {
    this.rows.delete(`${entityId}/${timerKey}`);
  }

  complete(entityId: string, timerKey: string, generation: number): boolean {
    const key = `${entityId}/${timerKey}`;
    if (this.rows.get(key)?.record.generation !== generation) return false;
    this.rows.delete(key);
    return true;
  }

  claim(limit: number, leaseMs: number): ModelTimer[] {
    const due = [...this.rows.values()]
      .filter((row) => row.availableAt <= this.now)
      .sort((a, b) => a.availableAt - b.availableAt || a.touch - b.touch)
      .slice(0, limit);
    for (const row of due) {
      row.attempts += 1;
      row.leaseUntil = this.now + leaseMs;
      row.availableAt = row.leaseUntil;
      row.touch = this.touches++;
    }
    return due;
  }

  list(): ModelTimer[] {
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return [...this.rows.values()].sort(
      (a, b) => cmp(a.record.entityId, b.record.entityId) || cmp(a.record.timerKey, b.record.timerKey),
    );
  }
}

const view = (t: StoredTimer | ClaimedTimer) => ({
  entityId: t.entityId,
  timerKey: t.timerKey,
  generation: t.generation,
  dueAt: t.dueAt,
  attempts: t.attempts,
  leaseUntil: t.leaseUntil,
  payload: t.payload,
});

const modelView = (row: ModelTimer) => ({
  entityId: row.record.entityId,
  timerKey: row.record.timerKey,
  generation: row.record.generation,
  dueAt: row.record.dueAt,
  attempts: row.attempts,
  leaseUntil: row.leaseUntil,
  payload: row.record.payload,
});

const timerOp: fc.Arbitrary<TimerOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('schedule' as const),
      e: fc.nat(2),
      k: fc.nat(2),
      due: fc.integer({ min: -10, max: 60 }),
      gen: fc.nat(3),
      payload: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), e: fc.nat(2), k: fc.nat(2) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('complete' as const),
      e: fc.nat(2),
      k: fc.nat(2),
      gen: fc.nat(3),
      inCommit: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('claim' as const),
      advance: fc.oneof(fc.constant(0), fc.nat(30)),
      limit: fc.integer({ min: 1, max: 4 }),
      lease: fc.integer({ min: 1, max: 25 }),
    }),
  },
);

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

/**
 * The conformance suite of the storage port: every {@link StorageAdapter} (the built-in memory
 * and PostgreSQL adapters, and yours) must pass it. Call it from a vitest test file; each test
 * gets a fresh adapter from `factory` (give each one its own schema/namespace) and closes it.
 *
 * Covers entity round trips and deep copies (with `copiesValues: false`, the sharing of a
 * by-reference adapter instead), optimistic versions and create-only writes, all-or-nothing commits, lookups, the event log and its filters, timer upsert/cancel/claim
 * order/leases/generations (plus a model-based property test against a naive model), the
 * outbox life cycle, quarantine and engine state.
 *
 * @param name - shown in the `describe` title
 * @param factory - creates a fresh, empty adapter
 * @param options - property-test runs, seed, timeout, whether the adapter copies values
 * @example
 * ```ts
 * // test/adapters/my-storage.test.ts
 * import { replayMemoryStorage } from 'leadflow';
 * import { runStorageContract } from 'leadflow/testing';
 * import { myStorage } from '../src/my-storage.js';
 *
 * runStorageContract('my storage', async () => myStorage({ schema: `t_${crypto.randomUUID().slice(0, 8)}` }));
 * runStorageContract('replay memory', () => replayMemoryStorage(), { copiesValues: false });
 * ```
 * @category Testing
 */
export function runStorageContract(
  name: string,
  factory: () => StorageAdapter | Promise<StorageAdapter>,
  options: StorageContractOptions = {},
): void {
  const numRuns = options.numRuns ?? 50;
  /** `copiesValues: false`: the copy-isolation tests check the documented sharing instead. */
  const copies = options.copiesValues ?? true;
  const params = options.seed === undefined ? { numRuns } : { numRuns, seed: options.seed };

  async function withStorage(run: (storage: StorageAdapter) => Promise<void>): Promise<void> {
    const storage = await factory();
    try {
      await run(storage);
    } finally {
      await storage.close();
    }
  }

  const test = (title: string, run: (storage: StorageAdapter) => Promise<void>) =>
    it(title, () => withStorage(run), options.timeout);

  describe(`StorageAdapter contract: ${name}`, () => {
    test('has a name', async (s) => {
      expect(typeof s.name).toBe('string');
      expect(s.name.length).toBeGreaterThan(0);
    });

    describe('entities', () => {
      test('load returns undefined for a missing entity', async (s) => {
        expect(await s.load('lead', 'nope')).toBeUndefined();
      });

      test('creates with expectedVersion 0 and loads exactly what was stored', async (s) => {
        const snapshot = {
          status: 'new',
          budget: 120_000.5,
          tags: ['A', 'douyin'],
          contact: { name: '王工', phone: null },
        };
        const result = await s.commit(create('lead', 'lead-1', snapshot));
        expect(result.versions).toEqual([1]);
        expect(result.eventSeqs).toEqual([]);
        expect(await s.load('lead', 'lead-1')).toEqual({
          kind: 'lead',
          id: 'lead-1',
          version: 1,
          snapshot,
          updatedAt: T0,
        });
      });

      test('each commit increments the version and stamps updatedAt with the commit time', async (s) => {
        await s.commit(create('lead', 'lead-1', { n: 0 }));
        for (let n = 1; n <= 3; n++) {
          const { versions } = await s.commit({
            at: T0 + n * MINUTE,
            entities: [{ kind: 'lead', id: 'lead-1', expectedVersion: n, snapshot: { n } }],
          });
          expect(versions).toEqual([n + 1]);
        }
        expect(await s.load('lead', 'lead-1')).toMatchObject({
          version: 4,
          snapshot: { n: 3 },
          updatedAt: T0 + 3 * MINUTE,
        });
      });

      const snapshotsTitle = copies
        ? 'copies snapshots on the way in and on the way out'
        : 'shares snapshots by reference: load and list return the very object committed';
      test(snapshotsTitle, async (s) => {
        const snapshot = { status: 'new', tags: ['A'], nested: { deep: { n: 1 } } };
        await s.commit(create('lead', 'lead-1', snapshot));
        if (!copies) {
          expect((await s.load('lead', 'lead-1'))?.snapshot).toBe(snapshot);
          expect((await s.list('lead'))[0]?.snapshot).toBe(snapshot);
          return;
        }
        snapshot.tags.push('mutated');
        snapshot.nested.deep.n = 99;
        const loaded = await s.load('lead', 'lead-1');
        expect(loaded?.snapshot).toEqual({ status: 'new', tags: ['A'], nested: { deep: { n: 1 } } });
        (loaded!.snapshot as { tags: string[] }).tags.push('mutated-out');
        const listed = await s.list('lead');
        (listed[0]!.snapshot as { tags: string[] }).tags.push('mutated-list');
        expect((await s.load('lead', 'lead-1'))?.snapshot).toEqual({
          status: 'new',
          tags: ['A'],
          nested: { deep: { n: 1 } },
        });
      });

      test('expectedVersion 0 is create-only', async (s) => {
        await s.commit(create('lead', 'lead-1', { a: 1 }));
        const error = await failure(s.commit(create('lead', 'lead-1', { a: 2 })));
        expect(error).toBeInstanceOf(VersionConflictError);
        expect(error).toBeInstanceOf(StorageError);
        expect(error).toBeInstanceOf(LeadflowError);
        expect(error).toMatchObject({
          code: 'STORAGE_VERSION_CONFLICT',
          scope: 'entity',
          kind: 'lead',
          id: 'lead-1',
          expected: 0,
          actual: 1,
        });
        expect((error as Error).message).toContain('lead-1');
        expect((await s.load('lead', 'lead-1'))?.snapshot).toEqual({ a: 1 });
      });

      test('a stale expectedVersion conflicts, and so does updating a missing entity', async (s) => {
        await s.commit(create('lead', 'lead-1', { a: 1 }));
        await s.commit({
          at: T0,
          entities: [{ kind: 'lead', id: 'lead-1', expectedVersion: 1, snapshot: { a: 2 } }],
        });
        const stale = await failure(
          s.commit({
            at: T0,
            entities: [{ kind: 'lead', id: 'lead-1', expectedVersion: 1, snapshot: { a: 3 } }],
          }),
        );
        expect(stale).toMatchObject({ code: 'STORAGE_VERSION_CONFLICT', expected: 1, actual: 2 });
        const missing = await failure(
          s.commit({ at: T0, entities: [{ kind: 'lead', id: 'ghost', expectedVersion: 4, snapshot: {} }] }),
        );
        expect(missing).toMatchObject({
          code: 'STORAGE_VERSION_CONFLICT',
          kind: 'lead',
          id: 'ghost',
          expected: 4,
          actual: 0,
        });
        expect(await s.load('lead', 'ghost')).toBeUndefined();
        expect((await s.load('lead', 'lead-1'))?.snapshot).toEqual({ a: 2 });
      });

      test('a commit with one conflicting entity writes nothing at all', async (s) => {
        await s.commit({
          ...create('lead', 'lead-1', { owner: 'rep-0' }, { owner: 'rep-0' }),
          events: [{ entityId: 'lead-1', kind: 'lead', type: 'lead.captured', at: T0 }],
          timers: { schedule: [timer('lead-1', 'sla.unassigned', T0 + 15 * MINUTE)] },
          outbox: [{ id: 'm-0', channel: 'sms', to: ['sup'], payload: { text: 'hi' } }],
          quarantine: [{ id: 'q-0', receivedAt: T0, raw: {}, issues: [], reason: 'test' }],
          state: [{ key: 'rr/sh', value: { next: 0 } }],
        });
        const bad: CommitInput = {
          at: T0 + MINUTE,
          entities: [
            {
              kind: 'lead',
              id: 'lead-2',
              expectedVersion: 0,
              snapshot: { owner: 'rep-1' },
              lookups: { owner: 'rep-1' },
            },
            {
              kind: 'lead',
              id: 'lead-1',
              expectedVersion: 7,
              snapshot: { owner: 'rep-1' },
              lookups: { owner: 'rep-1' },
            },
          ],
          events: [{ entityId: 'lead-2', kind: 'lead', type: 'lead.captured', at: T0 + MINUTE }],
          timers: {
            cancel: [{ entityId: 'lead-1', timerKey: 'sla.unassigned' }],
            schedule: [timer('lead-2', 'sla.unassigned', T0)],
          },
          outbox: [{ id: 'm-1', channel: 'sms', to: ['sup'], payload: { text: 'hi' } }],
          quarantine: [{ id: 'q-1', receivedAt: T0, raw: {}, issues: [], reason: 'test' }],
          state: [{ key: 'rr/sh', value: { next: 1 } }],
        };
        expect(await failure(s.commit(bad))).toBeInstanceOf(VersionConflictError);

        expect(await s.load('lead', 'lead-2')).toBeUndefined();
        expect(await s.load('lead', 'lead-1')).toMatchObject({ version: 1, snapshot: { owner: 'rep-0' } });
        expect(await s.lookup('lead', 'owner', 'rep-0')).toEqual(['lead-1']);
        expect(await s.lookup('lead', 'owner', 'rep-1')).toEqual([]);
        expect((await s.readEvents()).map((e) => e.entityId)).toEqual(['lead-1']);
        expect((await s.listTimers()).map(refOf)).toEqual(['lead-1/sla.unassigned#1']);
        expect((await s.listOutbox()).map((m) => m.id)).toEqual(['m-0']);
        expect((await s.listQuarantine()).map((q) => q.id)).toEqual(['q-0']);
        expect(await s.loadState('rr/sh')).toMatchObject({ version: 1, value: { next: 0 } });
        // The events appended next still get increasing seqs.
        const { eventSeqs } = await s.commit({
          at: T0,
          events: [{ entityId: 'lead-1', kind: 'lead', type: 'x', at: T0 }],
        });
        expect(eventSeqs[0]).toBeGreaterThan((await s.readEvents())[0]!.seq);
      });

      test('a state conflict also writes nothing', async (s) => {
        await s.commit({ at: T0, state: [{ key: 'cap/rep-1', value: 3 }] });
        const error = await failure(
          s.commit({
            ...create('lead', 'lead-9', {}),
            events: [{ entityId: 'lead-9', kind: 'lead', type: 'lead.captured', at: T0 }],
            state: [{ key: 'cap/rep-1', value: 4, expectedVersion: 0 }],
          }),
        );
        expect(error).toMatchObject({
          code: 'STORAGE_VERSION_CONFLICT',
          scope: 'state',
          id: 'cap/rep-1',
          expected: 0,
          actual: 1,
        });
        expect(await s.load('lead', 'lead-9')).toBeUndefined();
        expect(await s.readEvents()).toEqual([]);
        expect(await s.loadState('cap/rep-1')).toMatchObject({ value: 3, version: 1 });
      });

      test('refuses values that are not plain JSON with STORAGE_INVALID, writing nothing', async (s) => {
        const bad: unknown[] = [
          Number.NaN,
          Number.POSITIVE_INFINITY,
          new Date(T0),
          () => 1,
          [1, undefined],
          new Map(),
        ];
        for (const value of bad) {
          const error = await failure(
            s.commit({
              at: T0,
              entities: [
                { kind: 'lead', id: 'ok', expectedVersion: 0, snapshot: {} },
                {
                  kind: 'lead',
                  id: 'bad',
                  expectedVersion: 0,
                  snapshot: { field: value } as unknown as JsonValue,
                },
              ],
            }),
          );
          expect(error).toBeInstanceOf(StorageError);
          expect(error).toMatchObject({ code: 'STORAGE_INVALID' });
        }
        expect(await s.list('lead')).toEqual([]);
      });

      test('refuses strings PostgreSQL cannot store (NUL, unpaired surrogates) anywhere, naming the path', async (s) => {
        const nul = 'a\u0000b';
        const lone = 'x\ud800y';
        const cases: [CommitInput, RegExp][] = [
          [
            create('lead', 'l-1', { contact: { name: nul } }),
            /commit\.entities\[0\]\.snapshot\.contact\.name .*NUL/,
          ],
          [
            create('lead', 'l-1', { tags: ['ok', lone] }),
            /commit\.entities\[0\]\.snapshot\.tags\[1\] .*surrogate/,
          ],
          [create('lead', 'l-1', { [nul]: 1 }), /commit\.entities\[0\]\.snapshot has a key that .*NUL/],
          [create('lead', `l-${nul}`, {}), /commit\.entities\[0\]\.id .*NUL/],
          [create('lead', 'l-1', {}, { owner: lone }), /commit\.entities\[0\]\.lookups\.owner .*surrogate/],
          [
            { at: T0, events: [{ entityId: 'l-1', kind: 'lead', type: 'x', at: T0, data: { note: nul } }] },
            /commit\.events\[0\]\.data\.note .*NUL/,
          ],
          [{ at: T0, state: [{ key: 'k', value: [lone] }] }, /commit\.state\[0\]\.value\[0\] .*surrogate/],
          [
            {
              at: T0,
              outbox: [{ id: 'm-1', channel: 'sms', to: ['rep-1'], payload: { text: nul } }],
            },
            /commit\.outbox\[0\]\.payload\.text .*NUL/,
          ],
        ];
        for (const [input, message] of cases) {
          const error = await failure(s.commit(input));
          expect(error).toMatchObject({ code: 'STORAGE_INVALID' });
          expect((error as Error).message).toMatch(message);
        }
        expect(await s.list('lead')).toEqual([]);
        expect(await s.readEvents()).toEqual([]);
        expect(await s.listOutbox()).toEqual([]);
        // Paired surrogates (emoji) and other control characters are fine.
        await s.commit(create('lead', 'l-1', { note: '😀\u0001\t' }));
        expect((await s.load('lead', 'l-1'))?.snapshot).toEqual({ note: '😀\u0001\t' });
      });

      test('refuses the same entity twice in one commit', async (s) => {
        const error = await failure(
          s.commit({
            at: T0,
            entities: [
              { kind: 'lead', id: 'lead-1', expectedVersion: 0, snapshot: {} },
              { kind: 'lead', id: 'lead-1', expectedVersion: 1, snapshot: {} },
            ],
          }),
        );
        expect(error).toMatchObject({ code: 'STORAGE_INVALID' });
        expect(await s.load('lead', 'lead-1')).toBeUndefined();
      });

      test('of concurrent commits expecting the same version exactly one wins', async (s) => {
        await s.commit(create('lead', 'lead-1', { owner: null }));
        const attempts = ['rep-1', 'rep-2', 'rep-3', 'rep-4'].map((rep) =>
          s.commit({
            at: T0,
            entities: [{ kind: 'lead', id: 'lead-1', expectedVersion: 1, snapshot: { owner: rep } }],
            events: [{ entityId: 'lead-1', kind: 'lead', type: 'lead.claimed', at: T0, data: { rep } }],
          }),
        );
        const settled = await Promise.allSettled(attempts);
        const won = settled.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of settled) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(VersionConflictError);
        }
        const lead = await s.load('lead', 'lead-1');
        const events = await s.readEvents({ types: ['lead.claimed'] });
        expect(lead?.version).toBe(2);
        expect(events).toHaveLength(1);
        expect(events[0]?.data).toEqual(
          lead?.snapshot ? { rep: (lead.snapshot as { owner: string }).owner } : null,
        );
      });

      test('kinds are separate namespaces', async (s) => {
        await s.commit({
          at: T0,
          entities: [
            { kind: 'lead', id: 'x-1', expectedVersion: 0, snapshot: { k: 'lead' } },
            { kind: 'task', id: 'x-1', expectedVersion: 0, snapshot: { k: 'task' } },
          ],
        });
        expect((await s.load('lead', 'x-1'))?.snapshot).toEqual({ k: 'lead' });
        expect((await s.load('task', 'x-1'))?.snapshot).toEqual({ k: 'task' });
        expect(await s.load('customer', 'x-1')).toBeUndefined();
      });

      test('list pages through one kind in id order', async (s) => {
        const ids = ['lead-07', 'lead-02', 'lead-10', 'lead-01', 'lead-05'];
        await s.commit({
          at: T0,
          entities: [
            ...ids.map((id) => ({ kind: 'lead', id, expectedVersion: 0, snapshot: { id } })),
            { kind: 'task', id: 'lead-03', expectedVersion: 0, snapshot: {} },
          ],
        });
        expect((await s.list('lead')).map((e) => e.id)).toEqual([
          'lead-01',
          'lead-02',
          'lead-05',
          'lead-07',
          'lead-10',
        ]);
        expect((await s.list('lead', { limit: 2 })).map((e) => e.id)).toEqual(['lead-01', 'lead-02']);
        expect((await s.list('lead', { afterId: 'lead-02', limit: 2 })).map((e) => e.id)).toEqual([
          'lead-05',
          'lead-07',
        ]);
        expect((await s.list('lead', { afterId: 'lead-03' })).map((e) => e.id)).toEqual([
          'lead-05',
          'lead-07',
          'lead-10',
        ]);
        expect(await s.list('lead', { afterId: 'lead-10' })).toEqual([]);
        expect(await s.list('opportunity')).toEqual([]);
        const [first] = await s.list('lead', { limit: 1 });
        expect(first).toEqual({
          kind: 'lead',
          id: 'lead-01',
          version: 1,
          snapshot: { id: 'lead-01' },
          updatedAt: T0,
        });
      });
    });

    describe('lookups', () => {
      test('finds entities by an engine-supplied key, in id order, within one kind', async (s) => {
        await s.commit({
          at: T0,
          entities: [
            {
              kind: 'lead',
              id: 'l-3',
              expectedVersion: 0,
              snapshot: {},
              lookups: { owner: 'rep-1', status: 'open' },
            },
            {
              kind: 'lead',
              id: 'l-1',
              expectedVersion: 0,
              snapshot: {},
              lookups: { owner: 'rep-1', status: 'won' },
            },
            { kind: 'lead', id: 'l-2', expectedVersion: 0, snapshot: {}, lookups: { owner: 'rep-2' } },
            { kind: 'task', id: 't-1', expectedVersion: 0, snapshot: {}, lookups: { owner: 'rep-1' } },
          ],
        });
        expect(await s.lookup('lead', 'owner', 'rep-1')).toEqual(['l-1', 'l-3']);
        expect(await s.lookup('lead', 'owner', 'rep-2')).toEqual(['l-2']);
        expect(await s.lookup('task', 'owner', 'rep-1')).toEqual(['t-1']);
        expect(await s.lookup('lead', 'status', 'open')).toEqual(['l-3']);
        expect(await s.lookup('lead', 'owner', 'rep-9')).toEqual([]);
        expect(await s.lookup('lead', 'nokey', 'rep-1')).toEqual([]);
      });

      test('a key with several values matches any of them', async (s) => {
        await s.commit(
          create('customer', 'c-1', {}, { phone: ['13800000000', '051288888888'], email: 'a@b.cn' }),
        );
        expect(await s.lookup('customer', 'phone', '13800000000')).toEqual(['c-1']);
        expect(await s.lookup('customer', 'phone', '051288888888')).toEqual(['c-1']);
        expect(await s.lookup('customer', 'email', 'a@b.cn')).toEqual(['c-1']);
      });

      test('given lookups replace the old ones, omitted lookups keep them, {} clears them', async (s) => {
        await s.commit(create('lead', 'l-1', {}, { owner: 'rep-1', openPhone: '138' }));
        await s.commit({
          at: T0,
          entities: [
            { kind: 'lead', id: 'l-1', expectedVersion: 1, snapshot: {}, lookups: { owner: 'rep-2' } },
          ],
        });
        expect(await s.lookup('lead', 'owner', 'rep-1')).toEqual([]);
        expect(await s.lookup('lead', 'openPhone', '138')).toEqual([]);
        expect(await s.lookup('lead', 'owner', 'rep-2')).toEqual(['l-1']);
        await s.commit({
          at: T0,
          entities: [{ kind: 'lead', id: 'l-1', expectedVersion: 2, snapshot: { n: 1 } }],
        });
        expect(await s.lookup('lead', 'owner', 'rep-2')).toEqual(['l-1']);
        await s.commit({
          at: T0,
          entities: [{ kind: 'lead', id: 'l-1', expectedVersion: 3, snapshot: {}, lookups: {} }],
        });
        expect(await s.lookup('lead', 'owner', 'rep-2')).toEqual([]);
      });

      test('rewriting the same lookups in any spelling keeps them; a changed or invalid value still counts', async (s) => {
        await s.commit(create('customer', 'c-1', {}, { owner: 'rep-1', phone: ['138', '139'] }));
        let version = 1;
        const rewrite = (lookups: unknown) =>
          s.commit({
            at: T0,
            entities: [
              {
                kind: 'customer',
                id: 'c-1',
                expectedVersion: version,
                snapshot: { version },
                lookups: lookups as EntityWrite['lookups'],
              },
            ],
          });
        for (const same of [
          { owner: 'rep-1', phone: ['138', '139'] },
          { owner: ['rep-1'], phone: ['138', '139', '138'] },
        ]) {
          await rewrite(same);
          version++;
          expect(await s.lookup('customer', 'owner', 'rep-1')).toEqual(['c-1']);
          expect(await s.lookup('customer', 'phone', '139')).toEqual(['c-1']);
        }
        await rewrite({ owner: 'rep-1', phone: ['138', '150'] });
        version++;
        expect(await s.lookup('customer', 'phone', '139')).toEqual([]);
        expect(await s.lookup('customer', 'phone', '150')).toEqual(['c-1']);
        await expect(rewrite({ owner: 'rep-1', phone: ['138', '150'], extra: 5 })).rejects.toThrow(
          /lookups\.extra must be a string/,
        );
        await expect(rewrite({ owner: 7, phone: ['138', '150'] })).rejects.toThrow(/lookups\.owner/);
        expect((await s.load('customer', 'c-1'))?.version).toBe(version);
      });

      test('lookupMany answers several lookups at once, each as lookup would, in order', async (s) => {
        await s.commit({
          at: T0,
          entities: [
            {
              kind: 'lead',
              id: 'l-2',
              expectedVersion: 0,
              snapshot: {},
              lookups: { owner: 'rep-1' },
              unique: { phone: '138' },
            },
            {
              kind: 'lead',
              id: 'l-1',
              expectedVersion: 0,
              snapshot: {},
              lookups: { owner: 'rep-1', phone: '138' },
            },
            { kind: 'task', id: 't-1', expectedVersion: 0, snapshot: {}, lookups: { owner: 'rep-1' } },
          ],
        });
        const queries = [
          { key: 'phone', value: '138' },
          { key: 'owner', value: 'rep-9' },
          { key: 'owner', value: 'rep-1' },
          { key: 'phone', value: '138' },
        ];
        const many = await s.lookupMany('lead', queries);
        expect(many).toEqual([['l-1', 'l-2'], [], ['l-1', 'l-2'], ['l-1', 'l-2']]);
        for (const [i, q] of queries.entries())
          expect(many[i]).toEqual(await s.lookup('lead', q.key, q.value));
        expect(await s.lookupMany('task', [{ key: 'owner', value: 'rep-1' }])).toEqual([['t-1']]);
        expect(await s.lookupMany('lead', [])).toEqual([]);
        await expect(s.lookupMany('lead', [{ key: 'phone' } as never])).rejects.toMatchObject({
          code: 'STORAGE_INVALID',
        });
      });

      test('pages with afterId and limit', async (s) => {
        await s.commit({
          at: T0,
          entities: ['a', 'b', 'c', 'd', 'e'].map((id) => ({
            kind: 'lead',
            id,
            expectedVersion: 0,
            snapshot: {},
            lookups: { owner: 'rep-1' },
          })),
        });
        expect(await s.lookup('lead', 'owner', 'rep-1', { limit: 2 })).toEqual(['a', 'b']);
        expect(await s.lookup('lead', 'owner', 'rep-1', { afterId: 'b', limit: 2 })).toEqual(['c', 'd']);
        expect(await s.lookup('lead', 'owner', 'rep-1', { afterId: 'd' })).toEqual(['e']);
      });
    });

    describe('unique lookups', () => {
      const claim = (
        id: string,
        expectedVersion: number,
        unique?: EntityWrite['unique'],
        lookups?: EntityWrite['lookups'],
      ) => ({
        kind: 'lead',
        id,
        expectedVersion,
        snapshot: { id },
        ...(unique === undefined ? {} : { unique }),
        ...(lookups === undefined ? {} : { lookups }),
      });

      test('a value held by one entity is refused to another, naming both; nothing of that commit is written', async (s) => {
        await s.commit({ at: T0, entities: [claim('l-1', 0, { phone: '138', uscc: 'U1' })] });
        const error = await failure(
          s.commit({
            at: T0,
            entities: [claim('l-2', 0, { phone: ['139', '138'] })],
            events: [{ entityId: 'l-2', kind: 'lead', type: 'lead.received', at: T0 }],
            state: [{ key: 'k', value: 1 }],
          }),
        );
        expect(error).toBeInstanceOf(UniqueConflictError);
        expect(error).toMatchObject({
          code: 'STORAGE_UNIQUE_CONFLICT',
          kind: 'lead',
          key: 'phone',
          value: '138',
          holder: 'l-1',
          id: 'l-2',
        });
        expect(await s.load('lead', 'l-2')).toBeUndefined();
        expect(await s.readEvents()).toEqual([]);
        expect(await s.loadState('k')).toBeUndefined();
        expect(await s.lookup('lead', 'phone', '139')).toEqual([]);
        // Another kind, another key or another value is free.
        await s.commit({
          at: T0,
          entities: [
            { kind: 'customer', id: 'c-1', expectedVersion: 0, snapshot: {}, unique: { phone: '138' } },
            claim('l-3', 0, { email: '138', phone: '1380' }),
          ],
        });
        expect(await s.lookup('customer', 'phone', '138')).toEqual(['c-1']);
      });

      test('two writes of one commit claiming one value conflict; the holder rewriting it keeps it', async (s) => {
        const error = await failure(
          s.commit({
            at: T0,
            entities: [claim('l-1', 0, { phone: '138' }), claim('l-2', 0, { phone: '138' })],
          }),
        );
        expect(error).toMatchObject({ code: 'STORAGE_UNIQUE_CONFLICT', holder: 'l-1', id: 'l-2' });
        expect(await s.list('lead')).toEqual([]);
        await s.commit({ at: T0, entities: [claim('l-1', 0, { phone: '138' })] });
        await s.commit({ at: T0, entities: [claim('l-1', 1, { phone: '138' })] });
        await s.commit({ at: T0, entities: [claim('l-1', 2)] }); // omitted: kept
        expect(await s.lookup('lead', 'phone', '138')).toEqual(['l-1']);
        await expect(s.commit({ at: T0, entities: [claim('l-2', 0, { phone: '138' })] })).rejects.toThrow(
          UniqueConflictError,
        );
        // The holder keeping the value while another claims it in the same commit still conflicts.
        await expect(
          s.commit({
            at: T0,
            entities: [claim('l-2', 0, { phone: '138' }), claim('l-1', 3, { phone: '138' })],
          }),
        ).rejects.toThrow(UniqueConflictError);
        expect((await s.load('lead', 'l-1'))?.version).toBe(3);
      });

      test('given unique lookups replace the old ones: a released value is free, also within the same commit', async (s) => {
        await s.commit({ at: T0, entities: [claim('l-1', 0, { phone: '138', external: 'x-1' })] });
        await s.commit({ at: T0, entities: [claim('l-1', 1, { external: 'x-1' })] }); // a closed lead
        expect(await s.lookup('lead', 'phone', '138')).toEqual([]);
        await s.commit({ at: T0, entities: [claim('l-2', 0, { phone: '138' })] });
        expect(await s.lookup('lead', 'phone', '138')).toEqual(['l-2']);
        // One commit moves a value, in either order of its writes.
        await s.commit({ at: T0, entities: [claim('l-3', 0, { external: 'x-1' }), claim('l-1', 2, {})] });
        expect(await s.lookup('lead', 'external', 'x-1')).toEqual(['l-3']);
        await s.commit({ at: T0, entities: [claim('l-3', 1, {}), claim('l-1', 3, { external: 'x-1' })] });
        expect(await s.lookup('lead', 'external', 'x-1')).toEqual(['l-1']);
        // A refused claim leaves the holder's release unwritten too.
        await expect(
          s.commit({
            at: T0,
            entities: [claim('l-1', 4, {}), claim('l-4', 0, { phone: '138', external: 'x-1' })],
          }),
        ).rejects.toThrow(UniqueConflictError);
        expect(await s.lookup('lead', 'external', 'x-1')).toEqual(['l-1']);
      });

      test('lookup finds unique and plain lookups together, in id order; a bad value names its path', async (s) => {
        await s.commit({
          at: T0,
          entities: [
            claim('l-2', 0, undefined, { phone: '138' }),
            claim('l-1', 0, { phone: '138' }, { phone: '138' }),
          ],
        });
        expect(await s.lookup('lead', 'phone', '138')).toEqual(['l-1', 'l-2']);
        expect(await s.lookup('lead', 'phone', '138', { afterId: 'l-1' })).toEqual(['l-2']);
        const error = await failure(
          s.commit({ at: T0, entities: [claim('l-3', 0, { phone: 7 } as unknown as EntityWrite['unique'])] }),
        );
        expect(error).toMatchObject({ code: 'STORAGE_INVALID' });
        expect(String((error as Error).message)).toMatch(
          /commit\.entities\[0\]\.unique\.phone must be a string/,
        );
      });

      test('property: whatever the writes, no value is ever held by two entities', async (s) => {
        const ids = ['a', 'b', 'c'];
        const values = ['1', '2', '3'];
        let run = 0; // each run its own kind: the storage is shared by the runs
        await fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.array(
                fc.record({
                  id: fc.constantFrom(...ids),
                  unique: fc.option(fc.subarray(values), { nil: undefined }),
                }),
                { minLength: 1, maxLength: 3 },
              ),
              { maxLength: 12 },
            ),
            async (commits) => {
              const kind = `kind-${++run}`;
              const model = new Map<string, string[]>();
              for (const writes of commits) {
                const distinct = [...new Map(writes.map((w) => [w.id, w])).values()];
                const entities = await Promise.all(
                  distinct.map(async (w) => ({
                    kind,
                    id: w.id,
                    expectedVersion: (await s.load(kind, w.id))?.version ?? 0,
                    snapshot: {},
                    ...(w.unique === undefined ? {} : { unique: { v: w.unique } }),
                  })),
                );
                // The model: what each entity would hold after the commit, and whether two collide.
                const next = new Map(model);
                for (const w of distinct) if (w.unique !== undefined) next.set(w.id, w.unique);
                const held = [...next.values()].flat();
                const collides = new Set(held).size !== held.length;
                const outcome = await s.commit({ at: T0, entities }).then(
                  () => 'ok',
                  (error: unknown) => (error instanceof UniqueConflictError ? 'conflict' : error),
                );
                expect(outcome).toBe(collides ? 'conflict' : 'ok');
                if (!collides) for (const [id, v] of next) model.set(id, v);
                for (const value of values) {
                  const holders = [...model].filter(([, v]) => v.includes(value)).map(([id]) => id);
                  expect(await s.lookup(kind, 'v', value)).toEqual(holders.sort());
                }
              }
            },
          ),
          { numRuns: 60 },
        );
      });
    });

    describe('event log', () => {
      test('seqs strictly increase across commits and match the returned eventSeqs', async (s) => {
        const all: number[] = [];
        for (let i = 0; i < 4; i++) {
          const { eventSeqs } = await s.commit({
            at: T0 + i,
            events: [
              { entityId: `l-${i}`, kind: 'lead', type: 'a', at: T0 + i, data: { i } },
              { entityId: `l-${i}`, kind: 'lead', type: 'b', at: T0 + i },
            ],
          });
          expect(eventSeqs).toHaveLength(2);
          all.push(...eventSeqs);
        }
        for (let i = 1; i < all.length; i++) expect(all[i]!).toBeGreaterThan(all[i - 1]!);
        const events = await s.readEvents();
        expect(events.map((e) => e.seq)).toEqual(all);
        expect(events[0]).toEqual({
          seq: all[0],
          entityId: 'l-0',
          kind: 'lead',
          type: 'a',
          at: T0,
          data: { i: 0 },
        });
        expect(events[1]?.data).toBeNull();
      });

      test(copies ? 'copies event data' : 'shares event data by reference', async (s) => {
        const data = { tags: ['A'] };
        await s.commit({ at: T0, events: [{ entityId: 'l', kind: 'lead', type: 't', at: T0, data }] });
        if (!copies) {
          expect((await s.readEvents())[0]?.data).toBe(data);
          expect((await s.readEvents({ entityId: 'l' }))[0]?.data).toBe(data);
          return;
        }
        data.tags.push('x');
        const [event] = await s.readEvents();
        (event!.data as { tags: string[] }).tags.push('y');
        expect((await s.readEvents())[0]?.data).toEqual({ tags: ['A'] });
      });

      test('filters by afterSeq, entityId, kind, types, from (inclusive), to (exclusive) and limit', async (s) => {
        const input = [
          { entityId: 'l-1', kind: 'lead', type: 'lead.captured', at: T0 },
          { entityId: 'l-2', kind: 'lead', type: 'lead.captured', at: T0 + 1 * MINUTE },
          { entityId: 'l-1', kind: 'lead', type: 'lead.assigned', at: T0 + 2 * MINUTE },
          { entityId: 'o-1', kind: 'opportunity', type: 'opportunity.created', at: T0 + 3 * MINUTE },
          { entityId: 'l-1', kind: 'lead', type: 'lead.opened', at: T0 + 4 * MINUTE },
          { entityId: 'l-2', kind: 'lead', type: 'lead.assigned', at: T0 + 5 * MINUTE },
        ];
        const { eventSeqs } = await s.commit({ at: T0, events: input });
        const types = async (q: Parameters<StorageAdapter['readEvents']>[0]) =>
          (await s.readEvents(q)).map((e) => `${e.entityId}:${e.type}`);
        expect(await types({ afterSeq: eventSeqs[3] })).toEqual(['l-1:lead.opened', 'l-2:lead.assigned']);
        expect(await types({ entityId: 'l-1' })).toEqual([
          'l-1:lead.captured',
          'l-1:lead.assigned',
          'l-1:lead.opened',
        ]);
        expect(await types({ entityId: 'l-1', afterSeq: eventSeqs[0] })).toEqual([
          'l-1:lead.assigned',
          'l-1:lead.opened',
        ]);
        expect(await types({ kind: 'opportunity' })).toEqual(['o-1:opportunity.created']);
        expect(await types({ types: ['lead.assigned'] })).toEqual(['l-1:lead.assigned', 'l-2:lead.assigned']);
        expect(await types({ from: T0 + 2 * MINUTE, to: T0 + 4 * MINUTE })).toEqual([
          'l-1:lead.assigned',
          'o-1:opportunity.created',
        ]);
        expect(await types({ limit: 2 })).toEqual(['l-1:lead.captured', 'l-2:lead.captured']);
        expect(await types({ entityId: 'l-2', types: ['lead.assigned', 'lead.captured'], limit: 1 })).toEqual(
          ['l-2:lead.captured'],
        );
        expect(await types({ types: [] })).toEqual([]);
        expect(await types({ afterSeq: eventSeqs[5] })).toEqual([]);
      });
    });

    describe('timers', () => {
      test('schedule is an upsert per (entityId, timerKey); cancel removes', async (s) => {
        await s.commit({
          at: T0,
          timers: {
            schedule: [
              timer('l-1', 'sla.unassigned', T0 + 15 * MINUTE, 1, { escalate: 'sup' }),
              timer('l-1', 'sla.unopened', T0 + 30 * MINUTE),
              timer('l-2', 'sla.unassigned', T0 + 15 * MINUTE),
            ],
          },
        });
        await s.commit({
          at: T0,
          timers: { schedule: [timer('l-1', 'sla.unassigned', T0 + 20 * MINUTE, 2)] },
        });
        const listed = await s.listTimers();
        expect(listed.map(refOf)).toEqual([
          'l-1/sla.unassigned#2',
          'l-1/sla.unopened#1',
          'l-2/sla.unassigned#1',
        ]);
        expect(listed[0]).toMatchObject({ dueAt: T0 + 20 * MINUTE, attempts: 0 });
        expect(listed[0]?.payload).toBeUndefined();
        expect(listed[0]?.leaseUntil).toBeUndefined();
        expect((await s.listTimers({ entityId: 'l-1' })).map(refOf)).toEqual([
          'l-1/sla.unassigned#2',
          'l-1/sla.unopened#1',
        ]);
        await s.commit({
          at: T0,
          timers: {
            cancel: [
              { entityId: 'l-1', timerKey: 'sla.unopened' },
              { entityId: 'l-9', timerKey: 'never-existed' },
            ],
          },
        });
        expect((await s.listTimers()).map(refOf)).toEqual(['l-1/sla.unassigned#2', 'l-2/sla.unassigned#1']);
      });

      test('claims only due timers, in due order, ties in schedule order, at most limit', async (s) => {
        await s.commit({
          at: T0,
          timers: {
            schedule: [
              timer('c', 'k', T0 + 10),
              timer('a', 'k', T0 + 5),
              timer('b', 'k', T0 + 10),
              timer('d', 'k', T0 + 1),
              timer('e', 'k', T0 + 11),
            ],
          },
        });
        expect(await s.claimDueTimers(T0)).toEqual([]);
        const first = await s.claimDueTimers(T0 + 10, { limit: 3 });
        expect(first.map((t) => t.entityId)).toEqual(['d', 'a', 'c']);
        expect(first[0]).toMatchObject({ timerKey: 'k', generation: 1, dueAt: T0 + 1, attempts: 1 });
        const second = await s.claimDueTimers(T0 + 10, { limit: 3 });
        expect(second.map((t) => t.entityId)).toEqual(['b']);
        expect((await s.claimDueTimers(T0 + 11)).map((t) => t.entityId)).toEqual(['e']);
        expect(await s.claimDueTimers(T0 + 11, { limit: 0 })).toEqual([]);
      });

      test('a rescheduled timer takes a new place among ties', async (s) => {
        await s.commit({
          at: T0,
          timers: { schedule: [timer('a', 'k', T0), timer('b', 'k', T0), timer('c', 'k', T0)] },
        });
        await s.commit({ at: T0, timers: { schedule: [timer('a', 'k', T0, 2)] } });
        expect((await s.claimDueTimers(T0)).map(refOf)).toEqual(['b/k#1', 'c/k#1', 'a/k#2']);
      });

      test('a claimed timer is hidden until its lease expires, then comes back (crash safety)', async (s) => {
        await s.commit({ at: T0, timers: { schedule: [timer('l-1', 'sla', T0)] } });
        const [claimed] = await s.claimDueTimers(T0, { leaseMs: MINUTE, workerId: 'w-1' });
        expect(claimed).toMatchObject({
          entityId: 'l-1',
          attempts: 1,
          leaseUntil: T0 + MINUTE,
          workerId: 'w-1',
        });
        expect(await s.claimDueTimers(T0 + MINUTE - 1)).toEqual([]);
        expect((await s.listTimers())[0]).toMatchObject({ attempts: 1, leaseUntil: T0 + MINUTE });
        const [again] = await s.claimDueTimers(T0 + MINUTE, { leaseMs: MINUTE });
        expect(again).toMatchObject({
          entityId: 'l-1',
          timerKey: 'sla',
          dueAt: T0,
          attempts: 2,
          leaseUntil: T0 + 2 * MINUTE,
        });
      });

      test('completeTimer deletes the timer only while its generation matches', async (s) => {
        await s.commit({ at: T0, timers: { schedule: [timer('l-1', 'sla', T0, 3)] } });
        await s.claimDueTimers(T0);
        expect(await s.completeTimer('l-1', 'sla', 2)).toBe(false);
        expect(await s.listTimers()).toHaveLength(1);
        expect(await s.completeTimer('l-1', 'sla', 3)).toBe(true);
        expect(await s.listTimers()).toEqual([]);
        expect(await s.completeTimer('l-1', 'sla', 3)).toBe(false);
        expect(await s.completeTimer('nope', 'sla', 0)).toBe(false);
        expect(await s.claimDueTimers(T0 + 24 * 60 * MINUTE)).toEqual([]);
      });

      test('a reschedule during the lease survives completion of the old generation', async (s) => {
        await s.commit({ at: T0, timers: { schedule: [timer('l-1', 'sla', T0, 1)] } });
        const [claimed] = await s.claimDueTimers(T0, { leaseMs: 10 * MINUTE });
        await s.commit({ at: T0 + 1, timers: { schedule: [timer('l-1', 'sla', T0 + 2 * MINUTE, 2)] } });
        expect(await s.completeTimer('l-1', 'sla', claimed!.generation)).toBe(false);
        expect((await s.listTimers()).map(refOf)).toEqual(['l-1/sla#2']);
        expect((await s.listTimers())[0]?.attempts).toBe(0);
        expect(await s.claimDueTimers(T0 + 2 * MINUTE - 1)).toEqual([]);
        // Due at its own time, not hidden by the old lease.
        expect((await s.claimDueTimers(T0 + 2 * MINUTE)).map(refOf)).toEqual(['l-1/sla#2']);
      });

      test('a timer cancelled during its lease never comes back', async (s) => {
        await s.commit({ at: T0, timers: { schedule: [timer('l-1', 'sla', T0, 1)] } });
        await s.claimDueTimers(T0, { leaseMs: MINUTE });
        await s.commit({ at: T0, timers: { cancel: [{ entityId: 'l-1', timerKey: 'sla' }] } });
        expect(await s.completeTimer('l-1', 'sla', 1)).toBe(false);
        expect(await s.claimDueTimers(T0 + 60 * MINUTE)).toEqual([]);
      });

      test('a commit applies complete, then cancel, then schedule', async (s) => {
        await s.commit({
          at: T0,
          timers: {
            schedule: [timer('l-1', 'remind', T0, 1), timer('l-1', 'sla', T0, 1), timer('l-2', 'sla', T0, 5)],
          },
        });
        await s.claimDueTimers(T0);
        await s.commit({
          ...create('lead', 'l-1', { reminded: 1 }),
          timers: {
            // the fired reminder is completed and its successor scheduled under the same key
            complete: [
              { entityId: 'l-1', timerKey: 'remind', generation: 1 },
              { entityId: 'l-2', timerKey: 'sla', generation: 4 }, // stale: stays
            ],
            cancel: [{ entityId: 'l-1', timerKey: 'sla' }],
            schedule: [timer('l-1', 'remind', T0 + 60 * MINUTE, 2), timer('l-1', 'sla', T0 + 5 * MINUTE, 2)],
          },
        });
        const listed = await s.listTimers();
        expect(listed.map(refOf)).toEqual(['l-1/remind#2', 'l-1/sla#2', 'l-2/sla#5']);
        expect(listed.map((t) => t.attempts)).toEqual([0, 0, 1]);
      });

      test(copies ? 'copies timer payloads' : 'shares timer payloads by reference', async (s) => {
        const payload = { kind: 'lead', notify: ['sup'] };
        await s.commit({ at: T0, timers: { schedule: [timer('l-1', 'sla', T0, 1, payload)] } });
        if (!copies) {
          expect((await s.claimDueTimers(T0))[0]?.payload).toBe(payload);
          expect((await s.listTimers())[0]?.payload).toBe(payload);
          return;
        }
        payload.notify.push('x');
        const [claimed] = await s.claimDueTimers(T0);
        expect(claimed?.payload).toEqual({ kind: 'lead', notify: ['sup'] });
        (claimed!.payload as { notify: string[] }).notify.push('y');
        expect((await s.listTimers())[0]?.payload).toEqual({ kind: 'lead', notify: ['sup'] });
      });

      it(
        'behaves like a naive model under any sequence of schedule/cancel/complete/claim (property)',
        async () => {
          await fc.assert(
            fc.asyncProperty(fc.array(timerOp, { maxLength: 40 }), async (ops) => {
              await withStorage(async (s) => {
                const model = new TimerModel();
                for (const op of ops) {
                  const entityId = `e${'e' in op ? op.e : 0}`;
                  const timerKey = `k${'k' in op ? op.k : 0}`;
                  switch (op.op) {
                    case 'schedule': {
                      const record = timer(
                        entityId,
                        timerKey,
                        model.now + op.due,
                        op.gen,
                        op.payload ? { gen: op.gen } : undefined,
                      );
                      await s.commit({ at: model.now, timers: { schedule: [record] } });
                      model.schedule(record);
                      break;
                    }
                    case 'cancel':
                      await s.commit({ at: model.now, timers: { cancel: [{ entityId, timerKey }] } });
                      model.cancel(entityId, timerKey);
                      break;
                    case 'complete': {
                      const expected = model.complete(entityId, timerKey, op.gen);
                      if (op.inCommit) {
                        await s.commit({
                          at: model.now,
                          timers: { complete: [{ entityId, timerKey, generation: op.gen }] },
                        });
                      } else {
                        expect(await s.completeTimer(entityId, timerKey, op.gen)).toBe(expected);
                      }
                      break;
                    }
                    case 'claim': {
                      model.now += op.advance;
                      const expected = model.claim(op.limit, op.lease).map(modelView);
                      const actual = await s.claimDueTimers(model.now, {
                        limit: op.limit,
                        leaseMs: op.lease,
                      });
                      expect(actual.map(view)).toEqual(expected);
                      break;
                    }
                  }
                }
                expect((await s.listTimers()).map(view)).toEqual(model.list().map(modelView));
              });
            }),
            params,
          );
        },
        options.timeout,
      );
    });

    describe('outbox', () => {
      const sms = (id: string, extra: Record<string, unknown> = {}) => ({
        id,
        channel: 'sms',
        to: ['13800000000'],
        payload: { text: `message ${id}` },
        ...extra,
      });

      test('enqueues pending messages with defaults from the commit; a known id is a no-op', async (s) => {
        await s.commit({ at: T0, outbox: [sms('m-1')] });
        await s.commit({
          at: T0 + MINUTE,
          outbox: [sms('m-1', { payload: { text: 'changed' } }), sms('m-2')],
        });
        const listed = await s.listOutbox();
        expect(listed).toEqual([
          {
            id: 'm-1',
            channel: 'sms',
            to: ['13800000000'],
            payload: { text: 'message m-1' },
            createdAt: T0,
            attempts: 0,
            nextAttemptAt: T0,
            status: 'pending',
          },
          expect.objectContaining({ id: 'm-2', createdAt: T0 + MINUTE, nextAttemptAt: T0 + MINUTE }),
        ]);
      });

      test('claims due messages in order, counts attempts and hides them for the lease', async (s) => {
        await s.commit({
          at: T0,
          outbox: [
            sms('m-b'),
            sms('m-a'),
            sms('m-later', { nextAttemptAt: T0 + 10 * MINUTE }),
            sms('m-c', { nextAttemptAt: T0 - MINUTE }),
          ],
        });
        const claimed = await s.claimOutbox(T0, { limit: 2, leaseMs: MINUTE });
        expect(claimed.map((m) => m.id)).toEqual(['m-c', 'm-b']);
        expect(claimed[0]).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: T0 + MINUTE });
        expect((await s.claimOutbox(T0, { leaseMs: MINUTE })).map((m) => m.id)).toEqual(['m-a']);
        expect(await s.claimOutbox(T0 + MINUTE - 1)).toEqual([]);
        const again = await s.claimOutbox(T0 + MINUTE, { leaseMs: MINUTE });
        expect(again.map((m) => [m.id, m.attempts])).toEqual([
          ['m-c', 2],
          ['m-b', 2],
          ['m-a', 2],
        ]);
        // Expired leases (eligible since T0 + 2 min) come before m-later (eligible at T0 + 10 min).
        expect((await s.claimOutbox(T0 + 10 * MINUTE)).map((m) => m.id)).toEqual([
          'm-c',
          'm-b',
          'm-a',
          'm-later',
        ]);
      });

      test('markSent records the result; a sent message is never claimed again', async (s) => {
        await s.commit({ at: T0, outbox: [sms('m-1')] });
        await s.claimOutbox(T0, { leaseMs: MINUTE });
        expect(await s.markSent('m-1', T0 + 1, { providerId: 'p-1' })).toBe(true);
        expect(await s.markSent('m-1', T0 + 2)).toBe(false);
        expect(await s.markFailed('m-1', { error: 'late', retryAt: T0 })).toBe(false);
        expect(await s.markDead('m-1', 'late')).toBe(false);
        expect(await s.claimOutbox(T0 + 24 * 60 * MINUTE)).toEqual([]);
        expect((await s.listOutbox())[0]).toMatchObject({
          status: 'sent',
          sentAt: T0 + 1,
          result: { providerId: 'p-1' },
          attempts: 1,
        });
      });

      test('markFailed keeps the error and makes the message claimable again at retryAt', async (s) => {
        await s.commit({ at: T0, outbox: [sms('m-1')] });
        await s.claimOutbox(T0, { leaseMs: 10 * MINUTE });
        expect(await s.markFailed('m-1', { error: 'HTTP 503', retryAt: T0 + 30_000 })).toBe(true);
        expect((await s.listOutbox())[0]).toMatchObject({
          status: 'pending',
          lastError: 'HTTP 503',
          nextAttemptAt: T0 + 30_000,
          attempts: 1,
        });
        expect(await s.claimOutbox(T0 + 29_999)).toEqual([]);
        const [retry] = await s.claimOutbox(T0 + 30_000);
        expect(retry).toMatchObject({ id: 'm-1', attempts: 2, lastError: 'HTTP 503' });
        expect(await s.markSent('m-1', T0 + 30_001)).toBe(true);
        expect((await s.listOutbox())[0]).toMatchObject({ status: 'sent', lastError: 'HTTP 503' });
      });

      test('markDead keeps the message, listable and never claimed again', async (s) => {
        await s.commit({ at: T0, outbox: [sms('m-1'), sms('m-2')] });
        await s.claimOutbox(T0);
        expect(await s.markDead('m-1', 'invalid phone')).toBe(true);
        expect(await s.markDead('m-1', 'again')).toBe(false);
        expect(await s.markFailed('m-1', { error: 'x', retryAt: T0 })).toBe(false);
        expect(await s.claimOutbox(T0 + 24 * 60 * MINUTE)).toEqual([expect.objectContaining({ id: 'm-2' })]);
        const dead = await s.listOutbox({ status: 'dead' });
        expect(dead).toEqual([
          expect.objectContaining({ id: 'm-1', status: 'dead', lastError: 'invalid phone' }),
        ]);
        // A late delivery that did succeed may still be recorded.
        expect(await s.markSent('m-1', T0 + 5)).toBe(true);
        expect(await s.listOutbox({ status: 'dead' })).toEqual([]);
      });

      test('marking an unknown id changes nothing', async (s) => {
        expect(await s.markSent('ghost', T0)).toBe(false);
        expect(await s.markFailed('ghost', { error: 'x', retryAt: T0 })).toBe(false);
        expect(await s.markDead('ghost', 'x')).toBe(false);
        expect(await s.listOutbox()).toEqual([]);
      });

      test('listOutbox filters by status and pages in id order', async (s) => {
        await s.commit({ at: T0, outbox: ['m-5', 'm-1', 'm-4', 'm-2', 'm-3'].map((id) => sms(id)) });
        await s.claimOutbox(T0, { limit: 5 });
        await s.markSent('m-2', T0);
        await s.markSent('m-4', T0);
        await s.markDead('m-5', 'x');
        const ids = async (q: Parameters<StorageAdapter['listOutbox']>[0]) =>
          (await s.listOutbox(q)).map((m) => m.id);
        expect(await ids({})).toEqual(['m-1', 'm-2', 'm-3', 'm-4', 'm-5']);
        expect(await ids({ status: 'pending' })).toEqual(['m-1', 'm-3']);
        expect(await ids({ status: 'sent' })).toEqual(['m-2', 'm-4']);
        expect(await ids({ status: 'dead' })).toEqual(['m-5']);
        expect(await ids({ limit: 2, afterId: 'm-1' })).toEqual(['m-2', 'm-3']);
        expect(await ids({ status: 'sent', afterId: 'm-2', limit: 5 })).toEqual(['m-4']);
      });

      test(copies ? 'copies payloads' : 'shares payloads by reference', async (s) => {
        const payload = { text: 'hi', data: { tags: ['A'] } };
        await s.commit({ at: T0, outbox: [{ id: 'm-1', channel: 'wecom', to: ['rep-1'], payload }] });
        if (!copies) {
          expect((await s.claimOutbox(T0))[0]?.payload).toBe(payload);
          expect((await s.listOutbox())[0]?.payload).toBe(payload);
          return;
        }
        payload.data.tags.push('x');
        const [claimed] = await s.claimOutbox(T0);
        expect(claimed?.payload).toEqual({ text: 'hi', data: { tags: ['A'] } });
        (claimed!.payload as { data: { tags: string[] } }).data.tags.push('y');
        claimed?.to.push('rep-2');
        expect((await s.listOutbox())[0]).toMatchObject({
          to: ['rep-1'],
          payload: { text: 'hi', data: { tags: ['A'] } },
        });
      });
    });

    describe('quarantine', () => {
      const record = (id: string, reason = 'invalid-lead') => ({
        id,
        receivedAt: T0,
        raw: { phone: '123', company: { uscc: 'bad' } },
        issues: [
          { path: 'phone', message: 'not a mainland mobile number' },
          { path: 'company.uscc', message: 'checksum digit is wrong' },
        ],
        reason,
      });

      test('keeps records written directly or in a commit; a known id is a no-op', async (s) => {
        expect(await s.quarantine(record('q-2'))).toBe(true);
        expect(await s.quarantine(record('q-2', 'other'))).toBe(false);
        await s.commit({ at: T0, quarantine: [record('q-1'), record('q-2', 'other')] });
        expect(await s.listQuarantine()).toEqual([record('q-1'), record('q-2')]);
      });

      test(`lists in id order with paging, ${copies ? 'as copies' : 'sharing the raw input'}`, async (s) => {
        for (const id of ['q-3', 'q-1', 'q-4', 'q-2']) await s.quarantine(record(id));
        expect((await s.listQuarantine({ limit: 2 })).map((q) => q.id)).toEqual(['q-1', 'q-2']);
        expect((await s.listQuarantine({ afterId: 'q-2' })).map((q) => q.id)).toEqual(['q-3', 'q-4']);
        if (!copies) {
          const written = record('q-5');
          await s.commit({ at: T0, quarantine: [written] });
          expect((await s.listQuarantine({ afterId: 'q-4' }))[0]?.raw).toBe(written.raw);
          return;
        }
        const [first] = await s.listQuarantine({ limit: 1 });
        first?.issues.push({ path: 'x', message: 'y' });
        (first?.raw as { phone: string }).phone = 'changed';
        expect((await s.listQuarantine({ limit: 1 }))[0]).toEqual(record('q-1'));
      });
    });

    describe('engine state', () => {
      test('loadState is undefined until written; blind writes bump the version', async (s) => {
        expect(await s.loadState('rr/shanghai')).toBeUndefined();
        const first = await s.commit({ at: T0, state: [{ key: 'rr/shanghai', value: { next: 1 } }] });
        expect(first.stateVersions).toEqual([1]);
        const second = await s.commit({ at: T0 + 1, state: [{ key: 'rr/shanghai', value: { next: 2 } }] });
        expect(second.stateVersions).toEqual([2]);
        expect(await s.loadState('rr/shanghai')).toEqual({
          key: 'rr/shanghai',
          value: { next: 2 },
          version: 2,
          updatedAt: T0 + 1,
        });
      });

      const stateTitle = `expectedVersion makes state writes optimistic (0 = create-only); values are ${
        copies ? 'copies' : 'shared'
      }`;
      test(stateTitle, async (s) => {
        await s.commit({ at: T0, state: [{ key: 'today/rep-1', value: 1, expectedVersion: 0 }] });
        const conflict = await failure(
          s.commit({ at: T0, state: [{ key: 'today/rep-1', value: 1, expectedVersion: 0 }] }),
        );
        expect(conflict).toBeInstanceOf(VersionConflictError);
        await s.commit({ at: T0, state: [{ key: 'today/rep-1', value: 2, expectedVersion: 1 }] });
        expect(await s.loadState('today/rep-1')).toMatchObject({ value: 2, version: 2 });
        if (!copies) {
          const shared = { count: 3 };
          await s.commit({ at: T0, state: [{ key: 'today/rep-1', value: shared, expectedVersion: 2 }] });
          expect((await s.loadState('today/rep-1'))?.value).toBe(shared);
          return;
        }
        const value = (await s.loadState('today/rep-1'))!;
        value.value = 99;
        expect((await s.loadState('today/rep-1'))?.value).toBe(2);
      });
    });

    if (options.kpi ?? true) kpiContractTests(test, params, copies);
    else
      test('has no readKpi (declared kpi: false)', async (s) => {
        expect(s.readKpi).toBeUndefined();
      });

    test('close resolves', async (s) => {
      await expect(s.close()).resolves.toBeUndefined();
    });
  });
}
