/**
 * Differential property test: the tuned, by-reference `replayMemoryStorage` against the plain
 * `memoryStorage`, its reference. Random sequences of commits (entities with versions and lookups,
 * events, timer schedule/cancel/complete, outbox messages, quarantine, state — sometimes invalid,
 * sometimes conflicting), claims at an increasing `now`, marks and every kind of read must give
 * equal results on both, thrown errors included (class, code, message, conflict fields).
 *
 * Nothing written or read is ever mutated here: that is the promise the by-reference adapter's
 * caller makes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import {
  type CommitInput,
  type JsonValue,
  type PageOptions,
  type ReadEventsQuery,
  type StorageAdapter,
  StorageError,
  VersionConflictError,
} from '../../src/adapters/storage/port.js';
import { replayMemoryStorage } from '../../src/adapters/storage/replay-memory.js';

const T0 = Date.UTC(2026, 2, 2, 1, 0, 0);

const KINDS = ['lead', 'task'] as const;
const ENTITY_IDS = ['e0', 'e1', 'e2', 'e3'] as const;
const TIMER_KEYS = ['k0', 'k1'] as const;
const MESSAGE_IDS = ['m0', 'm1', 'm2', 'm3'] as const;
const QUARANTINE_IDS = ['q0', 'q1', 'q2'] as const;
const STATE_KEYS = ['s0', 's1'] as const;
const REPS = ['rep-1', 'rep-2', 'rep-3'] as const;
const PHONES = ['138', '139', '150'] as const;
const EVENT_TYPES = ['lead.captured', 'lead.assigned', 'task.created'] as const;

const kind = fc.constantFrom(...KINDS);
const entityId = fc.constantFrom(...ENTITY_IDS);
const timerKey = fc.constantFrom(...TIMER_KEYS);
const messageId = fc.constantFrom(...MESSAGE_IDS);

/** Mostly plain JSON; now and then a value a database refuses (NaN, a Date, a hole, Infinity). */
const value: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 80, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue> },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(Number.NaN, new Date(T0), [1, undefined], {
      nested: { budget: Number.POSITIVE_INFINITY },
    }) as fc.Arbitrary<JsonValue>,
  },
);

/** An expected version: the stored one (resolved just before the commit) or any small number. */
const version = fc.oneof(
  { weight: 3, arbitrary: fc.constant('current' as const) },
  { weight: 1, arbitrary: fc.nat(3) },
);

const lookups = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.record(
      {
        owner: fc.oneof(fc.constantFrom(...REPS), fc.array(fc.constantFrom(...REPS), { maxLength: 2 })),
        phone: fc.oneof(fc.constantFrom(...PHONES), fc.array(fc.constantFrom(...PHONES), { maxLength: 3 })),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.constant({ owner: 7 } as unknown as Record<string, string>) }, // invalid
);

const page: fc.Arbitrary<PageOptions | undefined> = fc.option(
  fc.record(
    {
      afterId: fc.constantFrom(...ENTITY_IDS, ...MESSAGE_IDS, ...QUARANTINE_IDS),
      limit: fc.integer({ min: 0, max: 3 }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

/** Items with distinct keys, and now and then a duplicate (which a commit must refuse). */
function mostlyUnique<T>(item: fc.Arbitrary<T>, key: (t: T) => string, maxLength: number): fc.Arbitrary<T[]> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.uniqueArray(item, { selector: key, maxLength }) },
    { weight: 1, arbitrary: fc.array(item, { maxLength }) },
  );
}

const commitSpec = fc.record(
  {
    entities: mostlyUnique(
      fc.record({
        kind,
        id: entityId,
        version,
        snapshot: fc.oneof(
          { weight: 2, arbitrary: value },
          { weight: 1, arbitrary: fc.record({ derive: fc.constant(true as const), extra: value }) },
        ),
        lookups: fc.option(lookups, { nil: undefined }),
        unique: fc.option(
          fc.record(
            { phone: fc.subarray([...PHONES]), uscc: fc.constantFrom(...REPS) },
            { requiredKeys: [] },
          ),
          { nil: undefined },
        ),
      }),
      (w) => `${w.kind}/${w.id}`,
      3,
    ),
    events: fc.array(
      fc.record({
        entityId,
        kind,
        type: fc.constantFrom(...EVENT_TYPES),
        offset: fc.integer({ min: -5, max: 5 }),
        data: fc.option(value, { nil: undefined }),
      }),
      { maxLength: 3 },
    ),
    complete: fc.array(fc.record({ entityId, timerKey, generation: fc.nat(3) }), { maxLength: 2 }),
    cancel: fc.array(fc.record({ entityId, timerKey }), { maxLength: 2 }),
    schedule: fc.array(
      fc.record({
        entityId,
        timerKey,
        generation: fc.nat(3),
        due: fc.integer({ min: -10, max: 60 }),
        payload: fc.option(value, { nil: undefined }),
      }),
      { maxLength: 3 },
    ),
    outbox: fc.array(
      fc.record({
        id: messageId,
        channel: fc.constantFrom('sms', 'wecom'),
        to: fc.subarray([...REPS]),
        payload: value,
        next: fc.option(fc.integer({ min: -5, max: 30 }), { nil: undefined }),
      }),
      { maxLength: 2 },
    ),
    quarantine: fc.array(
      fc.record({
        id: fc.constantFrom(...QUARANTINE_IDS),
        raw: value,
        issues: fc.array(fc.record({ path: fc.constantFrom('', 'phone'), message: fc.string() }), {
          maxLength: 2,
        }),
        reason: fc.constantFrom('invalid-lead', 'duplicate'),
      }),
      { maxLength: 2 },
    ),
    state: mostlyUnique(
      fc.record({
        key: fc.constantFrom(...STATE_KEYS),
        value,
        version: fc.option(version, { nil: undefined }),
      }),
      (w) => w.key,
      2,
    ),
  },
  { requiredKeys: [] },
);

/** A filter of readEvents, with `from`/`to` as offsets from the current `now`. */
const eventFilters = {
  afterSeq: fc.nat(8),
  entityId,
  kind,
  types: fc.subarray([...EVENT_TYPES]),
  from: fc.integer({ min: -40, max: 5 }),
  to: fc.integer({ min: -40, max: 5 }),
  limit: fc.integer({ min: 0, max: 4 }),
};
type EventFilters = {
  [K in keyof typeof eventFilters]?: (typeof eventFilters)[K] extends fc.Arbitrary<infer T> ? T : never;
};

/** One filter at a time mostly (so that queries match something), sometimes several. */
const readEventsQuery: fc.Arbitrary<EventFilters> = fc.oneof(
  ...Object.entries(eventFilters).map(([key, arbitrary]) =>
    (arbitrary as fc.Arbitrary<unknown>).map((v) => ({ [key]: v }) as EventFilters),
  ),
  // An entity's history after a cursor: the tuned adapter walks a per-entity chain for it.
  fc.record(
    { entityId, afterSeq: eventFilters.afterSeq, limit: eventFilters.limit },
    { requiredKeys: ['entityId'] },
  ),
  fc.record(eventFilters, { requiredKeys: [] }),
);

const read = fc.oneof(
  fc.record({ read: fc.constant('load' as const), kind, id: entityId }),
  fc.record({ read: fc.constant('list' as const), kind, page }),
  fc.record({
    read: fc.constant('lookup' as const),
    kind,
    key: fc.constantFrom('owner', 'phone'),
    value: fc.constantFrom(...REPS, ...PHONES),
    page,
  }),
  fc.record({ read: fc.constant('readEvents' as const), query: readEventsQuery }),
  fc.record({ read: fc.constant('listTimers' as const), entityId: fc.option(entityId, { nil: undefined }) }),
  fc.record({
    read: fc.constant('listOutbox' as const),
    status: fc.option(fc.constantFrom('pending' as const, 'sent' as const, 'dead' as const), {
      nil: undefined,
    }),
    page,
  }),
  fc.record({ read: fc.constant('listQuarantine' as const), page }),
  fc.record({ read: fc.constant('loadState' as const), key: fc.constantFrom(...STATE_KEYS) }),
);

/** Mostly valid and small; sometimes absent (the defaults: 100, 5 minutes) or 0 (invalid for a lease). */
const claimOptions = {
  advance: fc.oneof(fc.constant(0), fc.nat(30)),
  limit: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, 0) },
  ),
  lease: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 30 }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, 0) },
  ),
};

const op = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('commit' as const), commit: commitSpec }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('claimTimers' as const),
      ...claimOptions,
      workerId: fc.option(fc.constantFrom('w-1', 'w-2'), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('completeTimer' as const),
      entityId,
      timerKey,
      generation: fc.nat(3),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('claimOutbox' as const), ...claimOptions }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('markSent' as const),
      id: messageId,
      result: fc.option(value, { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('markFailed' as const),
      id: messageId,
      retryIn: fc.integer({ min: 0, max: 20 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('markDead' as const), id: messageId }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('quarantine' as const),
      id: fc.constantFrom(...QUARANTINE_IDS),
      raw: value,
    }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('read' as const), spec: read }) },
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
type CommitSpec = typeof commitSpec extends fc.Arbitrary<infer T> ? T : never;

/** What a call gave: its result, or the error it threw (class, code, message, conflict fields). */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await call() };
  } catch (error) {
    if (error instanceof VersionConflictError) {
      const { code, message, scope, kind, id, expected, actual } = error;
      return { conflict: { code, message, scope, kind, id, expected, actual } };
    }
    if (error instanceof StorageError) return { error: { code: error.code, message: error.message } };
    throw error;
  }
}

/** A snapshot as generated, or derived from the stored one: `{ ...stored, extra }`. */
async function snapshotOf(
  spec: JsonValue | { derive: true; extra: JsonValue },
  stored: () => Promise<{ snapshot: JsonValue } | undefined>,
): Promise<JsonValue> {
  if (typeof spec !== 'object' || spec === null || !('derive' in spec) || spec.derive !== true) return spec;
  const base = (await stored())?.snapshot ?? null;
  return typeof base === 'object' && base !== null && !Array.isArray(base)
    ? { ...base, extra: spec.extra }
    : { base, extra: spec.extra };
}

/**
 * The commit both adapters get; 'current' versions are read from the reference first. A derived
 * snapshot is built from the one the tuned adapter holds, as the engine builds each snapshot from
 * the last (`{ ...stored, extra }`): it shares every unchanged part with the stored one, which the
 * tuned adapter does not check again.
 */
async function commitInput(
  spec: CommitSpec,
  now: number,
  reference: StorageAdapter,
  tuned: StorageAdapter,
): Promise<CommitInput> {
  const resolve = async (v: number | 'current', stored: () => Promise<{ version: number } | undefined>) =>
    v === 'current' ? ((await stored())?.version ?? 0) : v;
  const input: CommitInput = { at: now };
  if (spec.entities) {
    input.entities = await Promise.all(
      spec.entities.map(async (w) => ({
        kind: w.kind,
        id: w.id,
        expectedVersion: await resolve(w.version, () => reference.load(w.kind, w.id)),
        snapshot: await snapshotOf(w.snapshot, () => tuned.load(w.kind, w.id)),
        ...(w.lookups === undefined ? {} : { lookups: w.lookups }),
        ...(w.unique === undefined ? {} : { unique: w.unique }),
      })),
    );
  }
  if (spec.events) {
    input.events = spec.events.map((e) => ({
      entityId: e.entityId,
      kind: e.kind,
      type: e.type,
      at: now + e.offset,
      ...(e.data === undefined ? {} : { data: e.data }),
    }));
  }
  if (spec.complete || spec.cancel || spec.schedule) {
    input.timers = {
      ...(spec.complete ? { complete: spec.complete } : {}),
      ...(spec.cancel ? { cancel: spec.cancel } : {}),
      ...(spec.schedule
        ? {
            schedule: spec.schedule.map((t) => ({
              entityId: t.entityId,
              timerKey: t.timerKey,
              generation: t.generation,
              dueAt: now + t.due,
              ...(t.payload === undefined ? {} : { payload: t.payload }),
            })),
          }
        : {}),
    };
  }
  if (spec.outbox) {
    input.outbox = spec.outbox.map((m) => ({
      id: m.id,
      channel: m.channel,
      to: m.to,
      payload: m.payload,
      ...(m.next === undefined ? {} : { nextAttemptAt: now + m.next }),
    }));
  }
  if (spec.quarantine) {
    input.quarantine = spec.quarantine.map((q) => ({ ...q, receivedAt: now }));
  }
  if (spec.state) {
    input.state = await Promise.all(
      spec.state.map(async (w) => ({
        key: w.key,
        value: w.value,
        ...(w.version === undefined
          ? {}
          : { expectedVersion: await resolve(w.version, () => reference.loadState(w.key)) }),
      })),
    );
  }
  return input;
}

function readCall(
  spec: Extract<Op, { op: 'read' }>['spec'],
  now: number,
  s: StorageAdapter,
): () => Promise<unknown> {
  switch (spec.read) {
    case 'load':
      return () => s.load(spec.kind, spec.id);
    case 'list':
      return () => s.list(spec.kind, spec.page);
    case 'lookup':
      return () => s.lookup(spec.kind, spec.key, spec.value, spec.page);
    case 'readEvents': {
      const { from, to, ...rest } = spec.query;
      const query: ReadEventsQuery = {
        ...rest,
        ...(from === undefined ? {} : { from: now + from }),
        ...(to === undefined ? {} : { to: now + to }),
      };
      return () => s.readEvents(query);
    }
    case 'listTimers':
      return () => s.listTimers(spec.entityId === undefined ? {} : { entityId: spec.entityId });
    case 'listOutbox':
      return () =>
        s.listOutbox({ ...spec.page, ...(spec.status === undefined ? {} : { status: spec.status }) });
    case 'listQuarantine':
      return () => s.listQuarantine(spec.page);
    case 'loadState':
      return () => s.loadState(spec.key);
  }
}

/** Everything either adapter holds, read through the port. */
async function dump(s: StorageAdapter): Promise<unknown> {
  return {
    entities: await Promise.all(KINDS.map((k) => s.list(k))),
    lookups: await Promise.all(
      KINDS.flatMap((k) => [
        ...REPS.map((r) => s.lookup(k, 'owner', r)),
        ...PHONES.map((p) => s.lookup(k, 'phone', p)),
        ...REPS.map((r) => s.lookup(k, 'uscc', r)),
      ]),
    ),
    events: await s.readEvents(),
    timers: await s.listTimers(),
    outbox: await s.listOutbox(),
    quarantine: await s.listQuarantine(),
    state: await Promise.all(STATE_KEYS.map((key) => s.loadState(key))),
    // The KPI projection, in no particular order: sorted here.
    kpi: (await s.readKpi!()).sort((a, b) =>
      a.kind === b.kind ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.kind < b.kind ? -1 : 1,
    ),
  };
}

/** `recentSnapshots`: both stores pack older snapshots and KPI records (the same way: -0 as 0). */
async function runBoth(ops: readonly Op[], recentSnapshots = Number.POSITIVE_INFINITY): Promise<void> {
  const plain = memoryStorage({ recentSnapshots });
  const tuned = replayMemoryStorage({ recentSnapshots });
  let now = T0;
  for (const [step, o] of ops.entries()) {
    let call: (s: StorageAdapter) => () => Promise<unknown>;
    switch (o.op) {
      case 'commit': {
        const input = await commitInput(o.commit, now, plain, tuned);
        call = (s) => () => s.commit(input);
        break;
      }
      case 'claimTimers': {
        now += o.advance;
        const options = {
          ...(o.limit === undefined ? {} : { limit: o.limit }),
          ...(o.lease === undefined ? {} : { leaseMs: o.lease }),
          ...(o.workerId === undefined ? {} : { workerId: o.workerId }),
        };
        const at = now;
        call = (s) => () => s.claimDueTimers(at, options);
        break;
      }
      case 'completeTimer':
        call = (s) => () => s.completeTimer(o.entityId, o.timerKey, o.generation);
        break;
      case 'claimOutbox': {
        now += o.advance;
        const options = {
          ...(o.limit === undefined ? {} : { limit: o.limit }),
          ...(o.lease === undefined ? {} : { leaseMs: o.lease }),
        };
        const at = now;
        call = (s) => () => s.claimOutbox(at, options);
        break;
      }
      case 'markSent': {
        const at = now;
        call = (s) => () => s.markSent(o.id, at, o.result);
        break;
      }
      case 'markFailed': {
        const failure = { error: `failed at ${now}`, retryAt: now + o.retryIn };
        call = (s) => () => s.markFailed(o.id, failure);
        break;
      }
      case 'markDead':
        call = (s) => () => s.markDead(o.id, 'gave up');
        break;
      case 'quarantine': {
        const record = { id: o.id, receivedAt: now, raw: o.raw, issues: [], reason: 'invalid-lead' };
        call = (s) => () => s.quarantine(record);
        break;
      }
      case 'read':
        call = (s) => readCall(o.spec, now, s);
        break;
    }
    const expected = await outcome(call(plain));
    const actual = await outcome(call(tuned));
    expect({ step, op: o.op, outcome: actual }).toEqual({ step, op: o.op, outcome: expected });
  }
  expect(await dump(tuned)).toEqual(await dump(plain));
  await plain.close();
  await tuned.close();
  expect(await outcome(() => tuned.load('lead', 'e0'))).toEqual(
    await outcome(() => plain.load('lead', 'e0')),
  );
}

describe('replayMemoryStorage ≡ memoryStorage (differential)', () => {
  it('gives equal results and equal errors under any sequence of commits, claims, marks and reads (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80, size: 'max' }), (ops) => runBoth(ops)),
      { numRuns: 400 },
    );
  });

  it('also when both pack all but the latest snapshot and KPI record (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 80, size: 'max' }),
        fc.constantFrom(0, 1, 3),
        (ops, recent) => runBoth(ops, recent),
      ),
      { numRuns: 200 },
    );
  });

  it('agrees on a busy shared owner: many entities moving between lookup values', async () => {
    // Sets of ids per lookup value grow and shrink (the tuned adapter switches between one id and
    // a set); claims run at increasing times.
    const ops: Op[] = [];
    for (let round = 0; round < 30; round++) {
      ops.push({
        op: 'commit',
        commit: {
          entities: ENTITY_IDS.map((id, i) => ({
            kind: 'lead' as const,
            id,
            version: 'current' as const,
            snapshot: { round, i },
            lookups: { owner: REPS[(round + i) % (round % 3 === 0 ? 1 : 3)]!, phone: [PHONES[i % 3]!] },
            unique: undefined,
          })),
          schedule: ENTITY_IDS.map((id, i) => ({
            entityId: id,
            timerKey: TIMER_KEYS[round % 2]!,
            generation: round,
            due: (i * 7) % 11,
            payload: undefined,
          })),
        },
      });
      ops.push({ op: 'claimTimers', advance: 5, limit: 3, lease: 7, workerId: undefined });
      ops.push({
        op: 'read',
        spec: { read: 'lookup', kind: 'lead', key: 'owner', value: 'rep-1', page: undefined },
      });
    }
    await runBoth(ops);
  });
});
