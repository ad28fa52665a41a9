/**
 * `memoryStorage`, the plain in-memory store and the reference the tuned `replayMemoryStorage` is
 * held to (`test/adapters/replay-memory.diff.test.ts`). Written to be read: plain `Map`s, deep
 * copies in (`toJsonValue`) and out (`structuredClone`), sorting when a list is read. With
 * `recentSnapshots`, only the latest entity writes stay objects; older ones are packed
 * (`recent-window.ts`), as a database keeps a row on disk, and unpacked on each read.
 *
 * @module
 */
import { createTimerQueue } from '../../scheduler/timer-queue.js';
import {
  checkEventLogRetention,
  checkLease,
  checkLimit,
  checkLookupQueries,
  checkPage,
  checkUniqueClaims,
  compareIds,
  createUniqueIndex,
  pageOf,
  prepareCommit,
  prepareQuarantine,
  requireText,
  requireTime,
} from './checks.js';
import { createKpiTable } from './kpi-table.js';
import {
  type ClaimedTimer,
  type CommitInput,
  type CommitResult,
  DEFAULT_CLAIM_LIMIT,
  type EventLogRetention,
  type JsonValue,
  type OutboxMessage,
  type QuarantineRecord,
  type StorageAdapter,
  StorageError,
  type StoredEntity,
  type StoredEvent,
  type StoredState,
  type StoredTimer,
  type TimerRecord,
  toJsonValue,
  VersionConflictError,
} from './port.js';
import { createRecentWindow, type StoredMessage, statusOf, type WindowCell } from './recent-window.js';

/**
 * Options of {@link memoryStorage}.
 *
 * @example
 * ```ts
 * import { memoryStorage, type MemoryStorageOptions } from 'leadflow';
 * const options: MemoryStorageOptions = { name: 'playground' };
 * const storage = memoryStorage(options); // storage.name === 'playground'
 * ```
 * @category Storage
 */
export interface MemoryStorageOptions {
  /**
   * Adapter name reported by `storage.name`.
   * @default 'memory'
   */
  name?: string;
  /**
   * What the event log keeps: everything, nothing (KPIs only), or a window. Reports are the same
   * whatever it keeps.
   * @default 'all'
   */
  eventLog?: EventLogRetention;
  /**
   * How many of the latest entity writes (and KPI record writes) keep their value as objects;
   * older ones are packed — a compact string without the keys, on the heap: a lead's snapshot
   * goes from about 3.3 KB of objects to 0.5 KB — and unpacked when read (faster than the copy a
   * recent one is read as). Sent outbox messages are packed too: they never change again. `0`
   * packs every write. As from JSON text, a packed `-0` reads back as `0`.
   * @default Infinity (every value stays objects)
   */
  recentSnapshots?: number;
}

interface EntityRow extends WindowCell {
  version: number;
  /** The snapshot as written (a copy) while the row is recent; undefined once packed. */
  value: JsonValue | undefined;
  updatedAt: number;
  /**
   * Lookup key and its values (no duplicates), as last written: the entries of the write's map,
   * a plain array (a row is kept for good, and an array of pairs is a third of a map's heap).
   */
  lookups: LookupEntries;
  /** Unique lookup key and its values, as last written. */
  unique: LookupEntries;
}

interface TimerRow {
  /** The record as scheduled; without its payload when that is packed. */
  record: TimerRecord;
  /** The payload, packed when the store packs (it is only read when the timer is claimed or listed). */
  packedPayload?: string;
  attempts: number;
  leaseUntil?: number;
  workerId?: string;
}

/**
 * One map key for several strings, joined by NUL: no stored string holds one (the port refuses
 * them), so `('a', 'b')` and `('a\u0000b')` cannot meet.
 */
const keyOf = (...parts: string[]): string => parts.join('\u0000');

type LookupEntries = readonly (readonly [string, readonly string[]])[];
const NO_LOOKUPS: LookupEntries = Object.freeze([]);
/** A write's lookups as a row keeps them. */
const entriesOf = (lookups: ReadonlyMap<string, readonly string[]>): LookupEntries =>
  lookups.size === 0 ? NO_LOOKUPS : [...lookups];

/** A copy for the caller of a value the store holds (plain JSON, so `structuredClone` is exact). */
const copy = <T>(value: T): T => structuredClone(value);

/** The keys of a map in id order. */
const sortedKeys = (map: ReadonlyMap<string, unknown>): string[] => [...map.keys()].sort(compareIds);

/**
 * A {@link StorageAdapter} that keeps everything in memory, for tests, the playground and an
 * embedded engine: `createEngine` uses it when no `storage` is given. It follows the port to the
 * letter and passes the whole `runStorageContract`:
 *
 * - values are checked to be plain JSON and deep-copied on the way in and on the way out, so
 *   nothing a caller does to an object it wrote or read changes what is stored;
 * - a commit checks everything before it writes anything, so it is all-or-nothing;
 * - timers and outbox messages are claimed with leases, in eligibility order, through
 *   `createTimerQueue` (O(log n) per claim).
 *
 * Simulations and replays, whose caller never mutates what it wrote or read, use the faster
 * by-reference `replayMemoryStorage` instead.
 *
 * @param options - the adapter name
 * @example
 * ```ts
 * import { memoryStorage } from 'leadflow';
 * const now = Date.parse('2026-03-02T09:00:00+08:00');
 * const storage = memoryStorage();
 * await storage.commit({
 *   at: now,
 *   entities: [{ kind: 'lead', id: 'lead-1', expectedVersion: 0, snapshot: { status: 'new' } }],
 *   timers: { schedule: [{ entityId: 'lead-1', timerKey: 'sla.unassigned', generation: 1, dueAt: now + 900_000 }] },
 * });
 * const due = await storage.claimDueTimers(now + 900_000); // [{ entityId: 'lead-1', attempts: 1, … }]
 * ```
 * @category Storage
 */
export function memoryStorage(options: MemoryStorageOptions = {}): StorageAdapter {
  /** kind → id → entity. */
  const entities = new Map<string, Map<string, EntityRow>>();
  /**
   * keyOf(kind, lookup key) → value → ids of the entities of that kind with that lookup value. The
   * values of one key get their own map: a value emptied and filled again and again (a `status`)
   * then churns a small map, not one holding every phone number.
   */
  const lookupIndex = new Map<string, Map<string, Set<string>>>();
  const uniqueIndex = createUniqueIndex();
  const retention = checkEventLogRetention(options.eventLog, 'memoryStorage(options).eventLog');
  const recentLimit = options.recentSnapshots ?? Number.POSITIVE_INFINITY;
  const recent = createRecentWindow(recentLimit, 'memoryStorage(options).recentSnapshots');
  /** A stored snapshot for the caller: a copy while recent, freshly unpacked once packed. */
  const readRow = (row: EntityRow): JsonValue =>
    row.value !== undefined ? copy(row.value) : recent.read(row);
  /** The event log from index `firstKept` on (the rest is dropped, see `retention`). */
  const events: StoredEvent[] = [];
  let firstKept = 0;
  let lastSeq = 0;
  /** keyOf(entityId, timerKey) → timer. */
  const timers = new Map<string, TimerRow>();
  /** When each timer can be claimed next: its `dueAt`, once claimed its lease expiry. Same keys. */
  const timerQueue = createTimerQueue();
  /** Pending and dead messages as objects; sent ones packed when the store packs (they never change again). */
  const outbox = new Map<string, StoredMessage>();
  /** When each pending message can be claimed next (its `nextAttemptAt`), by message id. */
  const outboxQueue = createTimerQueue();
  const quarantined = new Map<string, QuarantineRecord>();
  const state = new Map<string, StoredState>();
  const kpi = createKpiTable(recentLimit);
  let closed = false;

  /** Drop the log's oldest events, in log order, while they are older than `cutoff`. */
  function dropBefore(cutoff: number): void {
    while (firstKept < events.length && events[firstKept]!.at < cutoff) firstKept++;
    // Forget the dropped part once it is the larger half: amortised O(1) per event.
    if (firstKept > 1024 && firstKept * 2 > events.length) {
      events.splice(0, firstKept);
      firstKept = 0;
    }
  }

  function assertOpen(): void {
    if (closed) throw new StorageError('storage is closed', { code: 'STORAGE_CLOSED' });
  }

  function toStoredEntity(kind: string, id: string, row: EntityRow): StoredEntity {
    return { kind, id, version: row.version, snapshot: readRow(row), updatedAt: row.updatedAt };
  }

  function toStoredTimer(row: TimerRow): StoredTimer {
    const { entityId, timerKey, generation, dueAt, payload } = row.record;
    const out: StoredTimer = { entityId, timerKey, generation, dueAt, attempts: row.attempts };
    if (row.packedPayload !== undefined) out.payload = recent.unpack(row.packedPayload);
    else if (payload !== undefined) out.payload = copy(payload);
    if (row.leaseUntil !== undefined) out.leaseUntil = row.leaseUntil;
    if (row.workerId !== undefined) out.workerId = row.workerId;
    return out;
  }

  /** The lookup index of one key of one kind: value → ids. */
  function valuesOf(kind: string, key: string): Map<string, Set<string>> {
    const index = keyOf(kind, key);
    const values = lookupIndex.get(index) ?? new Map<string, Set<string>>();
    lookupIndex.set(index, values);
    return values;
  }

  /** Move an entity's entries in the lookup index from its old lookups to `next`. */
  function replaceLookups(kind: string, id: string, row: EntityRow, next: Map<string, string[]>): void {
    for (const [key, values] of row.lookups) {
      const index = valuesOf(kind, key);
      for (const value of values) {
        const ids = index.get(value);
        ids?.delete(id);
        if (ids?.size === 0) index.delete(value);
      }
    }
    for (const [key, values] of next) {
      const index = valuesOf(kind, key);
      for (const value of values) index.set(value, (index.get(value) ?? new Set<string>()).add(id));
    }
    row.lookups = entriesOf(next);
  }

  /** The ids whose lookup or unique lookup `key` is `value`, in id order. */
  function lookupSorted(kind: string, key: string, value: string): string[] {
    const ids = new Set(lookupIndex.get(keyOf(kind, key))?.get(value));
    const holder = uniqueIndex.holder(kind, key, value);
    if (holder !== undefined) ids.add(holder);
    return [...ids].sort(compareIds);
  }

  /** Schedule a timer, replacing the one with the same `(entityId, timerKey)`: lease and attempts reset. */
  function putTimer(record: TimerRecord): void {
    const key = keyOf(record.entityId, record.timerKey);
    if (recent.packs && record.payload !== undefined) {
      const { payload, ...withoutPayload } = record;
      timers.set(key, { record: withoutPayload, packedPayload: recent.pack(payload), attempts: 0 });
    } else timers.set(key, { record, attempts: 0 });
    timerQueue.schedule({ key, dueAt: record.dueAt });
  }

  function deleteTimer(key: string): void {
    timers.delete(key);
    timerQueue.cancel(key);
  }

  function addQuarantine(record: QuarantineRecord): boolean {
    if (quarantined.has(record.id)) return false;
    quarantined.set(record.id, record);
    return true;
  }

  return {
    name: options.name ?? 'memory',

    async load(kind, id) {
      assertOpen();
      const row = entities.get(kind)?.get(id);
      return row ? toStoredEntity(kind, id, row) : undefined;
    },

    async list(kind, page) {
      assertOpen();
      checkPage(page, 'list(options)');
      const rows = entities.get(kind);
      if (!rows) return [];
      return pageOf(sortedKeys(rows), page).map((id) => toStoredEntity(kind, id, rows.get(id)!));
    },

    async lookup(kind, key, value, page) {
      assertOpen();
      checkPage(page, 'lookup(options)');
      return pageOf(lookupSorted(kind, key, value), page);
    },

    async lookupMany(kind, queries) {
      assertOpen();
      return checkLookupQueries(queries).map((query) => lookupSorted(kind, query.key, query.value));
    },

    async commit(input: CommitInput): Promise<CommitResult> {
      assertOpen();
      // ---- 1. check and copy everything; nothing is written before every check has passed ----
      const {
        at,
        entities: entityWrites,
        state: stateWrites,
        events: newEvents,
        complete,
        cancel,
        schedule,
        messages,
        records,
      } = prepareCommit(input);

      // ---- 2. optimistic versions: one conflict and nothing is written ----
      for (const write of entityWrites) {
        const actual = entities.get(write.kind)?.get(write.id)?.version ?? 0;
        if (actual !== write.expectedVersion) {
          const { kind, id, expectedVersion: expected } = write;
          throw new VersionConflictError({ scope: 'entity', kind, id, expected, actual });
        }
      }
      for (const write of stateWrites) {
        const actual = state.get(write.key)?.version ?? 0;
        if (write.expectedVersion !== undefined && actual !== write.expectedVersion) {
          const { key: id, expectedVersion: expected } = write;
          throw new VersionConflictError({ scope: 'state', kind: 'state', id, expected, actual });
        }
      }
      checkUniqueClaims(entityWrites, uniqueIndex.holder);

      // ---- 3. write (nothing below throws) ----
      const versions = entityWrites.map((write) => {
        const rows = entities.get(write.kind) ?? new Map<string, EntityRow>();
        entities.set(write.kind, rows);
        const row = rows.get(write.id) ?? {
          version: 0,
          value: undefined,
          packed: undefined,
          updatedAt: at,
          lookups: NO_LOOKUPS,
          unique: NO_LOOKUPS,
        };
        rows.set(write.id, row);
        row.version += 1;
        row.value = write.snapshot;
        row.packed = undefined;
        recent.written(row);
        row.updatedAt = at;
        if (write.lookups) replaceLookups(write.kind, write.id, row, write.lookups);
        if (write.unique) uniqueIndex.release(write.kind, write.id, row.unique);
        return row.version;
      });
      // Claimed after every write released its own: one commit may move a value between entities.
      for (const write of entityWrites) {
        if (write.unique) {
          uniqueIndex.claim(write.kind, write.id, write.unique);
          entities.get(write.kind)!.get(write.id)!.unique = entriesOf(write.unique);
        }
      }

      const stateVersions = stateWrites.map((write) => {
        const version = (state.get(write.key)?.version ?? 0) + 1;
        state.set(write.key, { key: write.key, value: write.value, version, updatedAt: at });
        return version;
      });

      const stored = newEvents.map((event): StoredEvent => ({ seq: ++lastSeq, ...event }));
      for (const event of stored) {
        kpi.fold(event);
        if (retention !== 'none') events.push(event);
      }
      if (typeof retention === 'object') dropBefore(at - retention.keepMs);
      const eventSeqs = stored.map((event) => event.seq);

      // Complete, then cancel, then schedule: a fired timer's successor may reuse its key.
      for (const ref of complete) {
        const key = keyOf(ref.entityId, ref.timerKey);
        if (timers.get(key)?.record.generation === ref.generation) deleteTimer(key);
      }
      for (const ref of cancel) deleteTimer(keyOf(ref.entityId, ref.timerKey));
      for (const record of schedule) putTimer(record);

      for (const message of messages) {
        if (outbox.has(message.id)) continue;
        outbox.set(message.id, message);
        outboxQueue.schedule({ key: message.id, dueAt: message.nextAttemptAt });
      }
      for (const record of records) addQuarantine(record);

      return { versions, eventSeqs, stateVersions };
    },

    async readKpi(query) {
      assertOpen();
      return kpi.read(query, copy);
    },

    async readEvents(query = {}) {
      assertOpen();
      checkLimit(query.limit, 'readEvents(query).limit', 1);
      const { afterSeq = 0, entityId, kind, from, to } = query;
      const types = query.types === undefined ? undefined : new Set(query.types);
      return events
        .slice(firstKept)
        .filter(
          (event) =>
            event.seq > afterSeq &&
            (entityId === undefined || event.entityId === entityId) &&
            (kind === undefined || event.kind === kind) &&
            (types === undefined || types.has(event.type)) &&
            (from === undefined || event.at >= from) &&
            (to === undefined || event.at < to),
        )
        .slice(0, query.limit ?? Number.POSITIVE_INFINITY)
        .map(copy);
    },

    async claimDueTimers(now, claim = {}) {
      assertOpen();
      requireTime(now, 'claimDueTimers(now)');
      checkLimit(claim.limit, 'claimDueTimers(options).limit', 0);
      const leaseMs = checkLease(claim.leaseMs, 'claimDueTimers(options).leaseMs');
      return timerQueue.popDue(now, claim.limit ?? DEFAULT_CLAIM_LIMIT).map(({ key }) => {
        const row = timers.get(key)!;
        row.attempts += 1;
        row.leaseUntil = now + leaseMs;
        row.workerId = claim.workerId;
        // Eligible again at the lease expiry: redelivered unless completed, cancelled or replaced.
        timerQueue.schedule({ key, dueAt: row.leaseUntil });
        return toStoredTimer(row) as ClaimedTimer;
      });
    },

    async completeTimer(entityId, timerKey, generation) {
      assertOpen();
      const key = keyOf(entityId, timerKey);
      if (timers.get(key)?.record.generation !== generation) return false;
      deleteTimer(key);
      return true;
    },

    async listTimers(query = {}) {
      assertOpen();
      return [...timers.values()]
        .filter((row) => query.entityId === undefined || row.record.entityId === query.entityId)
        .sort(
          (a, b) =>
            compareIds(a.record.entityId, b.record.entityId) ||
            compareIds(a.record.timerKey, b.record.timerKey),
        )
        .map(toStoredTimer);
    },

    async claimOutbox(now, claim = {}) {
      assertOpen();
      requireTime(now, 'claimOutbox(now)');
      checkLimit(claim.limit, 'claimOutbox(options).limit', 0);
      const leaseMs = checkLease(claim.leaseMs, 'claimOutbox(options).leaseMs');
      return outboxQueue.popDue(now, claim.limit ?? DEFAULT_CLAIM_LIMIT).map(({ key }) => {
        const message = outbox.get(key) as OutboxMessage; // pending: an object
        message.attempts += 1;
        // While claimed, nextAttemptAt is the lease expiry: the message comes back then unless marked.
        message.nextAttemptAt = now + leaseMs;
        outboxQueue.schedule({ key, dueAt: message.nextAttemptAt });
        return copy(message);
      });
    },

    async markSent(id, at, result) {
      assertOpen();
      requireTime(at, 'markSent(at)');
      const copied = result === undefined ? undefined : toJsonValue(result, 'markSent(result)');
      const message = outbox.get(id);
      if (!message || typeof message === 'string' || message.status === 'sent') return false;
      message.status = 'sent';
      message.sentAt = at;
      if (copied !== undefined) message.result = copied;
      outboxQueue.cancel(id);
      outbox.set(id, recent.sent(message));
      return true;
    },

    async markFailed(id, failure) {
      assertOpen();
      requireText(failure?.error, 'markFailed(failure).error');
      const retryAt = requireTime(failure.retryAt, 'markFailed(failure).retryAt');
      const message = outbox.get(id);
      if (typeof message === 'string' || message?.status !== 'pending') return false;
      message.lastError = failure.error;
      message.nextAttemptAt = retryAt;
      outboxQueue.schedule({ key: id, dueAt: retryAt });
      return true;
    },

    async markDead(id, error) {
      assertOpen();
      requireText(error, 'markDead(error)');
      const message = outbox.get(id);
      if (typeof message === 'string' || message?.status !== 'pending') return false;
      message.status = 'dead';
      message.lastError = error;
      outboxQueue.cancel(id);
      return true;
    },

    async listOutbox(query = {}) {
      assertOpen();
      checkPage(query, 'listOutbox(options)');
      const { status } = query;
      const accept = status === undefined ? undefined : (id: string) => statusOf(outbox.get(id)!) === status;
      return pageOf(sortedKeys(outbox), query, accept).map((id) => recent.message(outbox.get(id)!, copy));
    },

    async quarantine(record) {
      assertOpen();
      return addQuarantine(prepareQuarantine(record, 'quarantine(record)', toJsonValue));
    },

    async listQuarantine(page) {
      assertOpen();
      checkPage(page, 'listQuarantine(options)');
      return pageOf(sortedKeys(quarantined), page).map((id) => copy(quarantined.get(id)!));
    },

    async loadState(key) {
      assertOpen();
      const row = state.get(key);
      return row ? copy(row) : undefined;
    },

    async close() {
      closed = true;
    },
  };
}
