/**
 * Staged commits: a storage wrapper that, while a batch is staged, keeps each commit of the
 * engine in memory (reads see them) and then writes the whole batch as ONE commit to the storage
 * underneath — one round trip and one transaction for a batch of intake instead of one per lead.
 * Outside a batch it passes everything through.
 *
 * Optimistic: the staged commits are checked against each other only; the stored versions and
 * unique lookups are checked by the one real commit at `flush()`. When that fails nothing of the
 * batch was written, and the engine runs the batch again one operation at a time.
 *
 * Made for intake batches: entity writes there give their lookups and unique lookups together
 * (or neither), which is what the reads of staged entities assume.
 *
 * @module
 */
import {
  checkJsonValue,
  checkUniqueClaims,
  type PreparedCommit,
  prepareCommit,
} from '../adapters/storage/checks.js';
import {
  type CommitInput,
  type CommitResult,
  type EntityWrite,
  type JsonValue,
  type LookupQuery,
  type OutboxEnqueue,
  type QuarantineRecord,
  type StateWrite,
  type StorageAdapter,
  type StoredEntity,
  type StoredState,
  type TimerRecord,
  VersionConflictError,
} from '../adapters/storage/port.js';

interface StagedEntity {
  readonly kind: string;
  readonly id: string;
  /** The stored version the batch started from (the first write's expected version). */
  readonly base: number;
  version: number;
  snapshot: JsonValue;
  updatedAt: number;
  lookups: Map<string, string[]> | undefined;
  unique: Map<string, string[]> | undefined;
}

interface StagedState {
  readonly key: string;
  readonly base: number | undefined;
  version: number;
  value: JsonValue;
  updatedAt: number;
}

/** What happened to one timer key in the batch: its last schedule, or removed, or inner completions. */
interface TimerFate {
  readonly entityId: string;
  readonly timerKey: string;
  /** The batch's last schedule; `null` once cancelled or completed after it; undefined: untouched. */
  final: TimerRecord | null | undefined;
  /** Completions of the stored timer (the batch never scheduled this key before them). */
  readonly completeStored: number[];
}

/**
 * A storage that can stage a batch of commits and write them as one.
 *
 * @category Engine
 */
export interface StagedStorage extends StorageAdapter {
  /** Start staging: commits are kept until `flush()` or `discard()`. */
  stage(): void;
  readonly staging: boolean;
  /** Write everything staged as one commit and stop staging; on failure nothing was written. */
  flush(): Promise<void>;
  /** Drop everything staged and stop staging. */
  discard(): void;
  /**
   * Read these lookups from the storage underneath in one go and keep the answers for the
   * batch: the batch's own lookups of them then need no round trip (intake reads every payload's
   * dedupe keys up front). Staging only; the staged writes still correct what is kept.
   */
  prefetch(kind: string, queries: readonly LookupQuery[]): Promise<void>;
}

const keyOf = (...parts: string[]) => parts.join('\u0000');

/**
 * Wrap `inner` so that a batch of commits can be staged and written as one.
 *
 * @example
 * ```ts
 * const staged = createStagedStorage(storage);
 * staged.stage();
 * await staged.commit(first);
 * await staged.commit(second); // sees what first wrote
 * await staged.flush(); // one commit of both to `storage`
 * ```
 * @category Engine
 */
export function createStagedStorage(inner: StorageAdapter): StagedStorage {
  let staging = false;
  let entities = new Map<string, StagedEntity>();
  let state = new Map<string, StagedState>();
  let events: NonNullable<CommitInput['events']>[number][] = [];
  let timers = new Map<string, TimerFate>();
  let outbox: OutboxEnqueue[] = [];
  let quarantine: QuarantineRecord[] = [];
  let lastAt = 0;
  /** Stored answers of lookups read during the batch (the store underneath does not change). */
  let storedLookups = new Map<string, string[]>();

  function reset(): void {
    staging = false;
    entities = new Map();
    state = new Map();
    events = [];
    timers = new Map();
    outbox = [];
    quarantine = [];
    storedLookups = new Map();
  }

  /** The stored answers of `queries`, reading only those not kept yet, in one call. */
  async function storedAnswers(kind: string, queries: readonly LookupQuery[]): Promise<string[][]> {
    const missing = queries.filter((q) => !storedLookups.has(keyOf(kind, q.key, q.value)));
    if (missing.length > 0) {
      const answers = await inner.lookupMany(kind, missing);
      for (const [i, q] of missing.entries()) storedLookups.set(keyOf(kind, q.key, q.value), answers[i]!);
    }
    return queries.map((q) => storedLookups.get(keyOf(kind, q.key, q.value))!);
  }

  /** Whether a staged entity holds `key = value` (given lookups and unique lookups together). */
  function holds(entity: StagedEntity, key: string, value: string): boolean {
    return Boolean(entity.lookups?.get(key)?.includes(value) || entity.unique?.get(key)?.includes(value));
  }

  /** A stored lookup's ids, corrected by what the batch staged for that kind. */
  function corrected(kind: string, key: string, value: string, stored: readonly string[]): string[] {
    const ids = new Set(stored);
    for (const entity of entities.values()) {
      if (entity.kind !== kind || (entity.lookups === undefined && entity.unique === undefined)) continue;
      if (holds(entity, key, value)) ids.add(entity.id);
      else ids.delete(entity.id);
    }
    return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  function stageTimers(c: PreparedCommit): void {
    const fate = (entityId: string, timerKey: string): TimerFate => {
      const key = keyOf(entityId, timerKey);
      let found = timers.get(key);
      if (!found) {
        found = { entityId, timerKey, final: undefined, completeStored: [] };
        timers.set(key, found);
      }
      return found;
    };
    // The port's order within a commit: complete, then cancel, then schedule.
    for (const ref of c.complete) {
      const f = fate(ref.entityId, ref.timerKey);
      if (f.final === undefined) f.completeStored.push(ref.generation);
      else if (f.final !== null && f.final.generation === ref.generation) f.final = null;
    }
    for (const ref of c.cancel) fate(ref.entityId, ref.timerKey).final = null;
    for (const timer of c.schedule) fate(timer.entityId, timer.timerKey).final = timer;
  }

  async function stagedCommit(input: CommitInput): Promise<CommitResult> {
    // Checked (a bad value fails the operation that wrote it, naming its path), not copied: the
    // engine never changes what it has written, and the flush copies or serialises it anyway.
    const c = prepareCommit(input, checkJsonValue);
    // Versions against what the batch staged (the stored ones are checked by the flush).
    for (const write of c.entities) {
      const staged = entities.get(keyOf(write.kind, write.id));
      if (staged && staged.version !== write.expectedVersion) {
        const { kind, id, expectedVersion: expected } = write;
        throw new VersionConflictError({ scope: 'entity', kind, id, expected, actual: staged.version });
      }
    }
    for (const write of c.state) {
      const staged = state.get(write.key);
      if (staged && write.expectedVersion !== undefined && staged.version !== write.expectedVersion) {
        throw new VersionConflictError({
          scope: 'state',
          kind: 'state',
          id: write.key,
          expected: write.expectedVersion,
          actual: staged.version,
        });
      }
    }
    checkUniqueClaims(c.entities, (kind, key, value) => {
      for (const entity of entities.values()) {
        if (entity.kind === kind && entity.unique?.get(key)?.includes(value)) return entity.id;
      }
      return undefined;
    });
    // ---- apply ----
    lastAt = c.at;
    const versions = c.entities.map((write) => {
      const key = keyOf(write.kind, write.id);
      const staged = entities.get(key) ?? {
        kind: write.kind,
        id: write.id,
        base: write.expectedVersion,
        version: write.expectedVersion,
        snapshot: null,
        updatedAt: c.at,
        lookups: undefined,
        unique: undefined,
      };
      staged.version += 1;
      staged.snapshot = write.snapshot;
      staged.updatedAt = c.at;
      if (write.lookups !== undefined) staged.lookups = write.lookups;
      if (write.unique !== undefined) staged.unique = write.unique;
      entities.set(key, staged);
      return staged.version;
    });
    const stateVersions = c.state.map((write) => {
      const staged = state.get(write.key) ?? {
        key: write.key,
        base: write.expectedVersion,
        version: write.expectedVersion ?? 0,
        value: null,
        updatedAt: c.at,
      };
      staged.version += 1;
      staged.value = write.value;
      staged.updatedAt = c.at;
      state.set(write.key, staged);
      return staged.version;
    });
    events.push(...c.events);
    stageTimers(c);
    outbox.push(...c.messages);
    quarantine.push(...c.records);
    // Event seqs are only known once the batch is written; the engine does not use them.
    return { versions, stateVersions, eventSeqs: c.events.map(() => 0) };
  }

  /** The batch as one commit. */
  function combined(): CommitInput {
    const entityWrites: EntityWrite[] = [...entities.values()].map((e) => ({
      kind: e.kind,
      id: e.id,
      expectedVersion: e.base,
      snapshot: e.snapshot,
      ...(e.lookups === undefined ? {} : { lookups: Object.fromEntries(e.lookups) }),
      ...(e.unique === undefined ? {} : { unique: Object.fromEntries(e.unique) }),
    }));
    const stateWrites: StateWrite[] = [...state.values()].map((s) => ({
      key: s.key,
      value: s.value,
      ...(s.base === undefined ? {} : { expectedVersion: s.base }),
    }));
    const complete: { entityId: string; timerKey: string; generation: number }[] = [];
    const cancel: { entityId: string; timerKey: string }[] = [];
    const schedule: TimerRecord[] = [];
    for (const fate of timers.values()) {
      for (const generation of fate.completeStored) {
        complete.push({ entityId: fate.entityId, timerKey: fate.timerKey, generation });
      }
      if (fate.final === null) cancel.push({ entityId: fate.entityId, timerKey: fate.timerKey });
      else if (fate.final !== undefined) schedule.push(fate.final);
    }
    return {
      at: lastAt,
      entities: entityWrites,
      state: stateWrites,
      events,
      timers: { complete, cancel, schedule },
      outbox,
      quarantine,
    };
  }

  return {
    ...passThrough(inner),
    get staging() {
      return staging;
    },
    stage() {
      if (staging) throw new Error('staged storage: a batch is already staged');
      reset();
      staging = true;
    },
    async flush() {
      const input = combined();
      reset();
      await inner.commit(input);
    },
    discard: reset,

    async load(kind, id): Promise<StoredEntity | undefined> {
      const staged = staging ? entities.get(keyOf(kind, id)) : undefined;
      if (!staged) return inner.load(kind, id);
      return { kind, id, version: staged.version, snapshot: staged.snapshot, updatedAt: staged.updatedAt };
    },
    async lookup(kind, key, value, page) {
      if (!staging) return inner.lookup(kind, key, value, page);
      const ids = corrected(kind, key, value, await inner.lookup(kind, key, value));
      const after = page?.afterId;
      const from = after === undefined ? ids : ids.filter((id) => id > after);
      return page?.limit === undefined ? from : from.slice(0, page.limit);
    },
    async lookupMany(kind, queries: readonly LookupQuery[]) {
      if (!staging) return inner.lookupMany(kind, queries);
      const stored = await storedAnswers(kind, queries);
      return queries.map((q, i) => corrected(kind, q.key, q.value, stored[i]!));
    },
    async prefetch(kind, queries) {
      if (staging && queries.length > 0) await storedAnswers(kind, queries);
    },
    async loadState(key): Promise<StoredState | undefined> {
      const staged = staging ? state.get(key) : undefined;
      if (!staged) return inner.loadState(key);
      return { key, value: staged.value, version: staged.version, updatedAt: staged.updatedAt };
    },
    commit(input) {
      return staging ? stagedCommit(input) : inner.commit(input);
    },
  };
}

/** The port's methods the wrapper passes through unchanged, bound to `inner` (a class works too). */
function passThrough(inner: StorageAdapter) {
  return {
    name: inner.name,
    list: inner.list.bind(inner),
    readEvents: inner.readEvents.bind(inner),
    ...(inner.readKpi ? { readKpi: inner.readKpi.bind(inner) } : {}),
    claimDueTimers: inner.claimDueTimers.bind(inner),
    completeTimer: inner.completeTimer.bind(inner),
    listTimers: inner.listTimers.bind(inner),
    claimOutbox: inner.claimOutbox.bind(inner),
    markSent: inner.markSent.bind(inner),
    markFailed: inner.markFailed.bind(inner),
    markDead: inner.markDead.bind(inner),
    listOutbox: inner.listOutbox.bind(inner),
    quarantine: inner.quarantine.bind(inner),
    listQuarantine: inner.listQuarantine.bind(inner),
    close: inner.close.bind(inner),
  };
}
