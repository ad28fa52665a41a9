/**
 * `replayMemoryStorage`: the tuned, by-reference in-memory store of simulations and replays.
 * Its plain reference is `memoryStorage` (`./memory.ts`): both run the storage contract, and a
 * differential property test (`test/adapters/replay-memory.diff.test.ts`) holds them equal.
 * Everything tuned stays inside this file; nothing of it shows in the port or the options.
 *
 * @module
 */
import { createSlotHeap, createTimerQueue } from '../../scheduler/timer-queue.js';
import {
  checkEventLogRetention,
  checkLease,
  checkLimit,
  checkLookupQueries,
  checkPage,
  checkUniqueClaims,
  compareIds,
  createUniqueIndex,
  invalid,
  isInstant,
  isNonEmptyString,
  pageOf,
  prepareLookups,
  prepareOutboxMessage,
  prepareQuarantine,
  requireString,
  requireText,
  requireTime,
  requireVersion,
} from './checks.js';
import { createKpiTable } from './kpi-table.js';
import {
  type ClaimedTimer,
  type ClaimOutboxOptions,
  type ClaimTimersOptions,
  type CommitInput,
  type CommitResult,
  DEFAULT_CLAIM_LIMIT,
  type EventLogRetention,
  isJsonConvertible,
  type JsonValue,
  type ListOutboxOptions,
  type OutboxMessage,
  type PageOptions,
  type QuarantineRecord,
  type ReadEventsQuery,
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
 * Options of {@link replayMemoryStorage}.
 *
 * @example
 * ```ts
 * import { replayMemoryStorage, type ReplayMemoryStorageOptions } from 'leadflow';
 * const options: ReplayMemoryStorageOptions = { name: 'replay-2026-03' };
 * const storage = replayMemoryStorage(options);
 * ```
 * @category Storage
 */
export interface ReplayMemoryStorageOptions {
  /**
   * Adapter name reported by `storage.name`.
   * @default 'replay-memory'
   */
  name?: string;
  /**
   * What the event log keeps: everything, nothing (KPIs only — a year's replay then keeps no
   * log), or a window. Reports are the same whatever it keeps.
   * @default 'all'
   */
  eventLog?: EventLogRetention;
  /**
   * How many of the latest entity writes (and KPI record writes) keep their value as the object
   * written, shared by reference; older ones are packed — a compact string without the keys, a
   * lead's snapshot from about 3.3 KB of objects to 0.5 KB — and read back as fresh objects.
   * Sent outbox messages are packed too. Half the heap of a year's replay, at the cost of time
   * (packing and unpacking the rows it reads again). `0` packs every write.
   * @default Infinity (every value stays the object written)
   */
  recentSnapshots?: number;
}

const SEP = '\u0000';

interface EntityRow extends WindowCell {
  version: number;
  /** The snapshot while among the recent writes or reads (see {@link ReplayMemoryStorageOptions.recentSnapshots}). */
  value: JsonValue | undefined;
  updatedAt: number;
  /** key → values (deduplicated). */
  lookups: Map<string, string[]>;
  /** Unique lookups: key → values (deduplicated). */
  unique: Map<string, string[]>;
  /** Its id's slot once known: the events and timers a commit writes for the entity it writes. */
  ids: IdSlot | undefined;
}

interface TimerRow {
  record: TimerRecord;
  attempts: number;
  leaseUntil: number | undefined;
  workerId: string | undefined;
  /** Place in the eligibility heap (kept on the row: no key hashing per timer operation). */
  slot: number;
  /** Its entity id's slot, holding the timer rows of that id, this row among them. */
  owner: IdSlot;
}

/**
 * What is kept per entity id besides the entities themselves: timers and event positions are
 * addressed by id alone. One map lookup reaches both — each lookup in a map of 100,000+ ids
 * costs a cache miss, and a commit touches both for the same id.
 */
interface IdSlot {
  /**
   * The id's pending timers, in no order; undefined when none. An entity has a handful, so a
   * scan beats a map per id (hashing, and a hash table's memory for every lead).
   */
  timers: TimerRow[] | undefined;
  /** Index in the event log of the first and the last event about this id; -1 when none. */
  firstEvent: number;
  lastEvent: number;
}

interface PreparedEntity {
  kind: string;
  id: string;
  expectedVersion: number;
  snapshot: JsonValue;
  lookups: Map<string, string[]> | undefined;
  unique: Map<string, string[]> | undefined;
}

/**
 * Two or more ids read in sorted order (JavaScript `<`): a lookup value indexing one id is
 * stored as that id alone (most values, a phone or an e-mail, index exactly one lead). Inserts
 * and removes are O(1) on a Set; the sorted array is rebuilt lazily on the next read. Writes
 * vastly outnumber ordered reads here (every owner change is a write; listing is for explain
 * and paging), and a sorted array with binary insertion made each write an O(n) memmove at
 * 100,000+ ids.
 */
class SortedIds {
  private readonly ids = new Set<string>();
  private sorted: string[] | undefined;

  constructor(first: string, second: string) {
    this.ids.add(first).add(second);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Any id, for a set down to one. */
  get first(): string {
    return this.ids.values().next().value!;
  }

  insert(id: string): void {
    // One probe instead of has + add: an owner's set holds thousands of ids.
    const before = this.ids.size;
    if (this.ids.add(id).size !== before) this.sorted = undefined;
  }

  remove(id: string): void {
    if (this.ids.delete(id)) this.sorted = undefined;
  }

  page(options: PageOptions | undefined): string[] {
    this.sorted ??= [...this.ids].sort(compareIds);
    return pageOf(this.sorted, options);
  }
}

/** The ids a lookup value indexes: one id alone, or a set of them. */
type IndexedIds = string | SortedIds;

/**
 * The keys of a map, read in sorted order: the map already holds them, so an insert only marks
 * the order stale (no second set of 100,000+ ids to hash into); reads sort again when stale.
 * Keys are never removed from these maps (entities, outbox messages, quarantined leads).
 */
class SortedKeys {
  private sorted: string[] | undefined;

  constructor(private readonly source: ReadonlyMap<string, unknown>) {}

  /** Call after adding a key to the map. */
  added(): void {
    this.sorted = undefined;
  }

  page(options: PageOptions | undefined, accept?: (id: string) => boolean): string[] {
    this.sorted ??= [...this.source.keys()].sort(compareIds);
    return pageOf(this.sorted, options, accept);
  }
}

const NO_ITEMS: readonly never[] = /* @__PURE__ */ (() => Object.freeze([]))();

/** `items.map(fn)`, without allocating for an absent or empty commit section (most are). */
function mapSection<T, U>(items: readonly T[] | undefined, fn: (item: T, index: number) => U): U[] {
  if (items === undefined || items.length === 0) return NO_ITEMS as unknown as U[];
  return items.map(fn);
}

/**
 * Whether lookups as written (key → value or values) equal the stored ones, without building
 * them: the stored values are unique, so equal written values are valid and need no checks.
 * Written duplicates or anything unusual compare unequal and take the full path.
 */
function sameAsStoredLookups(row: EntityRow | undefined, written: unknown): boolean {
  if (row === undefined || typeof written !== 'object' || written === null || Array.isArray(written))
    return false;
  const stored = row.lookups;
  let keys = 0;
  for (const key in written) {
    if (!Object.hasOwn(written, key)) return false;
    keys++;
    const current = stored.get(key);
    if (current === undefined) return false;
    const value = (written as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      if (value.length !== current.length) return false;
      for (let i = 0; i < value.length; i++) if (value[i] !== current[i]) return false;
    } else if (current.length !== 1 || current[0] !== value) return false;
  }
  return keys === stored.size;
}

// `…At` variants name an item of a commit section; the path is only built when a check fails.
function requireStringAt(value: unknown, section: string, index: number, field: string): string {
  return isNonEmptyString(value) ? value : requireString(value, `${section}[${index}].${field}`);
}

function requireTimeAt(value: unknown, section: string, index: number, field: string): number {
  return isInstant(value) ? value : requireTime(value, `${section}[${index}].${field}`);
}

function requireVersionAt(value: unknown, section: string, index: number, field: string): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    ? value
    : requireVersion(value, `${section}[${index}].${field}`);
}

/**
 * `value` itself once it is known to be plain JSON (as {@link toJsonValue} defines it); otherwise
 * the `STORAGE_INVALID` error of `toJsonValue`, naming the offending path. Never copies. The parts
 * `value` shares with `previous` (the stored value it replaces) were checked when written and are
 * skipped: the engine builds a snapshot from the last one, so most of it is shared.
 */
function checkJson(value: unknown, path: string, previous?: JsonValue): JsonValue {
  if (!isJsonConvertible(value, previous)) toJsonValue(value, path);
  return value as JsonValue;
}

/**
 * The in-memory store of simulations and replays (`runSimulation` uses it): a
 * {@link StorageAdapter} for a **trusted caller**, tuned for millions of events and hundreds of
 * thousands of timers. Several times faster than `memoryStorage`, because values cross it
 * **by reference**:
 *
 * - the JSON values written (entity snapshots, event data, timer and outbox payloads, quarantined
 *   raw input, state values, delivery results) are checked to be plain JSON — what a database
 *   refuses, it refuses too, with the same `STORAGE_INVALID` message — but stored as the very
 *   objects given, and reads return those same objects. A new snapshot or state value is checked
 *   only where it differs from the stored one: the parts it shares with it (`===`) were checked
 *   when they were written;
 * - so the caller must never mutate an object after writing it or after reading it. The engine
 *   never does (it replaces committed objects instead), which is why a replay can use it; host
 *   code that edits what it loads should use `memoryStorage`.
 *
 * Everything else is the port exactly: it passes `runStorageContract` (with
 * `{ copiesValues: false }`, under which the contract checks the sharing instead of the copies),
 * and a differential property test holds it to `memoryStorage`, its plain reference.
 *
 * @param options - the adapter name
 * @example
 * ```ts
 * import { createEngine, replayMemoryStorage } from 'leadflow';
 * const engine = createEngine({ ruleSet, team, calendar, clock, storage: replayMemoryStorage(), trace: false });
 * ```
 * @category Storage
 */
export function replayMemoryStorage(options: ReplayMemoryStorageOptions = {}): StorageAdapter {
  const entities = new Map<string, Map<string, EntityRow>>();
  const entityIds = new Map<string, SortedKeys>();
  /** kind → key → value → ids */
  const lookupIndex = new Map<string, Map<string, Map<string, IndexedIds>>>();
  const uniqueIndex = createUniqueIndex();

  // The event log, one column per field (seq = index + 1): no object per stored event — a
  // simulated year keeps over a million — and the times unboxed in a double array.
  const eventEntityIds: string[] = [];
  const eventKinds: string[] = [];
  const eventTypes: string[] = [];
  const eventAts: number[] = [];
  const eventData: JsonValue[] = [];
  /**
   * The events of one id are chained through the log: the index of the next event about the
   * same id, -1 at the end. Four bytes per event instead of an array per id.
   */
  let eventNext = new Int32Array(1024);
  const retention = checkEventLogRetention(options.eventLog, 'replayMemoryStorage(options).eventLog');
  const recentLimit = options.recentSnapshots ?? Number.POSITIVE_INFINITY;
  const recent = createRecentWindow(recentLimit, 'replayMemoryStorage(options).recentSnapshots');
  /** seq = seqBase + index + 1; indices before `keepFrom` are dropped (retention). */
  let seqBase = 0;
  let keepFrom = 0;
  let lastSeq = 0;
  function storedEvent(index: number): StoredEvent {
    return {
      seq: seqBase + index + 1,
      entityId: eventEntityIds[index]!,
      kind: eventKinds[index]!,
      type: eventTypes[index]!,
      at: eventAts[index]!,
      data: eventData[index]!,
    };
  }

  /** entityId → its timers and event positions. */
  const idSlots = new Map<string, IdSlot>();
  /** Eligibility heap: dueAt until claimed, then the lease expiry. */
  const timerHeap = createSlotHeap();
  const timerBySlot: (TimerRow | undefined)[] = [];

  /** Pending and dead messages as objects; sent ones packed when the store packs (they never change again). */
  const outbox = new Map<string, StoredMessage>();
  const outboxIds = new SortedKeys(outbox);
  /** Pending messages by `nextAttemptAt`. */
  const outboxQueue = createTimerQueue<undefined>();

  const quarantined = new Map<string, QuarantineRecord>();
  const quarantineIds = new SortedKeys(quarantined);

  const state = new Map<string, StoredState>();
  const kpi = createKpiTable(recentLimit);

  let closed = false;

  function assertOpen(): void {
    if (closed) throw new StorageError('storage is closed', { code: 'STORAGE_CLOSED' });
  }

  function lookupIds(kind: string, key: string, value: string): IndexedIds | undefined {
    return lookupIndex.get(kind)?.get(key)?.get(value);
  }

  // Rows are never removed, so a remembered row stays valid.
  let lastRowKind: string | undefined;
  let lastRowId: string | undefined;
  let lastRow: EntityRow | undefined;
  function entityRow(kind: string, id: string): EntityRow | undefined {
    if (id === lastRowId && kind === lastRowKind) return lastRow;
    const row = entities.get(kind)?.get(id);
    if (row !== undefined) {
      lastRowKind = kind;
      lastRowId = id;
      lastRow = row;
    }
    return row;
  }

  // The last id's slot: an operation loads an entity, then commits it with its events and
  // timers, so the same id is looked up several times in a row.
  let lastSlotId: string | undefined;
  let lastSlot: IdSlot | undefined;
  function slotOf(entityId: string): IdSlot | undefined {
    if (entityId === lastSlotId) return lastSlot;
    // Usually the entity just loaded or written: its row knows the slot.
    const row = entityId === lastRowId ? lastRow : undefined;
    let slot = row?.ids;
    if (slot === undefined) {
      slot = idSlots.get(entityId);
      if (row !== undefined) row.ids = slot;
    }
    lastSlotId = entityId;
    lastSlot = slot;
    return slot;
  }
  /** Append the event at `index` to its id's chain. */
  function chainEvent(index: number, entityId: string): void {
    eventNext[index] = -1;
    const slot = ensureSlot(entityId);
    if (slot.lastEvent >= 0) eventNext[slot.lastEvent] = index;
    else slot.firstEvent = index;
    slot.lastEvent = index;
  }

  /**
   * Retention by window: drop the oldest events, in log order, while older than `cutoff`. The
   * columns are cut once the dropped part is the larger half (amortised O(1) per event), and each
   * id's chain is relinked over what is left.
   */
  function dropEventsBefore(cutoff: number): void {
    const count = eventTypes.length;
    while (keepFrom < count && eventAts[keepFrom]! < cutoff) keepFrom++;
    if (keepFrom <= 4096 || keepFrom * 2 <= count) return;
    for (const column of [eventEntityIds, eventKinds, eventTypes, eventAts, eventData] as unknown[][])
      column.splice(0, keepFrom);
    seqBase += keepFrom;
    keepFrom = 0;
    for (const slot of idSlots.values()) {
      slot.firstEvent = -1;
      slot.lastEvent = -1;
    }
    for (let index = 0; index < eventTypes.length; index++) chainEvent(index, eventEntityIds[index]!);
  }

  function ensureSlot(entityId: string): IdSlot {
    let slot = slotOf(entityId);
    if (slot === undefined) {
      slot = { timers: undefined, firstEvent: -1, lastEvent: -1 };
      idSlots.set(entityId, slot);
      lastSlot = slot;
      if (entityId === lastRowId) lastRow!.ids = slot;
    }
    return slot;
  }

  function timerRow(entityId: string, timerKey: string): TimerRow | undefined {
    const rows = slotOf(entityId)?.timers;
    if (rows === undefined) return undefined;
    for (let i = 0; i < rows.length; i++) if (rows[i]!.record.timerKey === timerKey) return rows[i];
    return undefined;
  }

  /**
   * The entity as stored. `keep`: a packed snapshot read back stays an object among the recent
   * ones (a load, usually followed by a write built from it; a list reads many, once).
   */
  function toStoredEntity(kind: string, id: string, row: EntityRow, keep = false): StoredEntity {
    const snapshot = keep ? recent.readAndKeep(row) : recent.read(row);
    return { kind, id, version: row.version, snapshot, updatedAt: row.updatedAt };
  }

  function toStoredTimer(row: TimerRow): StoredTimer {
    const out: StoredTimer = {
      entityId: row.record.entityId,
      timerKey: row.record.timerKey,
      generation: row.record.generation,
      dueAt: row.record.dueAt,
      attempts: row.attempts,
    };
    if (row.record.payload !== undefined) out.payload = row.record.payload;
    if (row.leaseUntil !== undefined) out.leaseUntil = row.leaseUntil;
    if (row.workerId !== undefined) out.workerId = row.workerId;
    return out;
  }

  function prepareTimer(timer: TimerRecord, index: number): TimerRecord {
    const section = 'commit.timers.schedule';
    // Stored as given (the caller treats it as immutable); only checked.
    requireStringAt(timer?.entityId, section, index, 'entityId');
    requireStringAt(timer.timerKey, section, index, 'timerKey');
    requireVersionAt(timer.generation, section, index, 'generation');
    requireTimeAt(timer.dueAt, section, index, 'dueAt');
    if (timer.payload !== undefined) checkJson(timer.payload, `${section}[${index}].payload`);
    return timer;
  }

  function addQuarantine(record: QuarantineRecord): boolean {
    if (quarantined.has(record.id)) return false;
    quarantined.set(record.id, record);
    quarantineIds.added();
    return true;
  }

  /** The ids whose lookup or unique lookup `key` is `value`, in id order, paged. */
  function lookupPage(kind: string, key: string, value: string, page: PageOptions | undefined): string[] {
    const ids = lookupIds(kind, key, value);
    const holder = uniqueIndex.holder(kind, key, value);
    if (holder !== undefined) {
      const all = new Set(ids === undefined ? [] : typeof ids === 'string' ? [ids] : ids.page(undefined));
      return pageOf([...all.add(holder)].sort(compareIds), page);
    }
    if (ids === undefined) return [];
    return typeof ids === 'string' ? pageOf([ids], page) : ids.page(page);
  }

  function setLookups(kind: string, id: string, row: EntityRow, next: Map<string, string[]>): void {
    const byKey = lookupIndex.get(kind);
    for (const [key, values] of row.lookups) {
      const byValue = byKey?.get(key);
      if (!byValue) continue;
      for (const value of values) {
        const index = byValue.get(value);
        if (index === id) byValue.delete(value);
        else if (index !== undefined && typeof index !== 'string') {
          index.remove(id);
          if (index.size === 1) byValue.set(value, index.first);
        }
      }
    }
    row.lookups = next;
    if (next.size === 0) return;
    let keys = byKey;
    if (!keys) {
      keys = new Map();
      lookupIndex.set(kind, keys);
    }
    for (const [key, values] of next) {
      let byValue = keys.get(key);
      if (!byValue) {
        byValue = new Map();
        keys.set(key, byValue);
      }
      for (const value of values) {
        const index = byValue.get(value);
        if (index === undefined) byValue.set(value, id);
        else if (typeof index !== 'string') index.insert(id);
        else if (index !== id) byValue.set(value, new SortedIds(index, id));
      }
    }
  }

  function deleteTimer(row: TimerRow): void {
    const rows = row.owner.timers!;
    if (rows.length === 1) row.owner.timers = undefined;
    else {
      // Swap-remove: the rows have no order.
      const index = rows.indexOf(row);
      rows[index] = rows[rows.length - 1]!;
      rows.pop();
    }
    timerHeap.remove(row.slot);
    timerBySlot[row.slot] = undefined;
  }

  function putTimer(record: TimerRecord): void {
    const owner = ensureSlot(record.entityId);
    const existing = timerRow(record.entityId, record.timerKey);
    if (existing) {
      // Rescheduled: a fresh row state, and a new place in the heap's insertion order.
      existing.record = record;
      existing.attempts = 0;
      existing.leaseUntil = undefined;
      existing.workerId = undefined;
      timerHeap.move(existing.slot, record.dueAt);
      return;
    }
    const slot = timerHeap.insert(record.dueAt);
    const row: TimerRow = { record, attempts: 0, leaseUntil: undefined, workerId: undefined, slot, owner };
    if (owner.timers === undefined) owner.timers = [row];
    else owner.timers.push(row);
    timerBySlot[slot] = row;
  }

  const storage: StorageAdapter = {
    name: options.name ?? 'replay-memory',

    async load(kind, id) {
      assertOpen();
      const row = entityRow(kind, id);
      return row ? toStoredEntity(kind, id, row, true) : undefined;
    },

    async list(kind, page) {
      assertOpen();
      checkPage(page, 'list(options)');
      const rows = entities.get(kind);
      const ids = entityIds.get(kind);
      if (!rows || !ids) return [];
      return ids.page(page).map((id) => toStoredEntity(kind, id, rows.get(id)!));
    },

    async lookup(kind, key, value, page) {
      assertOpen();
      checkPage(page, 'lookup(options)');
      return lookupPage(kind, key, value, page);
    },

    async lookupMany(kind, queries) {
      assertOpen();
      return checkLookupQueries(queries).map((query) => lookupPage(kind, query.key, query.value, undefined));
    },

    async commit(input: CommitInput): Promise<CommitResult> {
      assertOpen();
      // ---- 1. validate everything; nothing is applied before all checks passed ----
      if (typeof input !== 'object' || input === null) throw invalid('commit(input) needs an object');
      const at = requireTime(input.at, 'commit.at');

      const entityWrites = input.entities ?? [];
      // Most commits write one entity: only several need the written-twice check.
      const seenEntities = entityWrites.length > 1 ? new Set<string>() : undefined;
      const preparedEntities: PreparedEntity[] = entityWrites.map((write, i) => {
        const section = 'commit.entities';
        const kind = requireStringAt(write?.kind, section, i, 'kind');
        const id = requireStringAt(write.id, section, i, 'id');
        const expectedVersion = requireVersionAt(write.expectedVersion, section, i, 'expectedVersion');
        if (seenEntities) {
          const seen = `${kind}${SEP}${id}`;
          if (seenEntities.has(seen))
            throw invalid(`${section}[${i}]: ${kind} "${id}" is written twice in one commit`);
          seenEntities.add(seen);
        }
        return {
          kind,
          id,
          expectedVersion,
          // Checked against the stored object, when one is kept (not only the packed form).
          snapshot: checkJson(write.snapshot, `${section}[${i}].snapshot`, entityRow(kind, id)?.value),
          // Hosts often rewrite unchanged lookups: then keep the stored ones, index sets untouched.
          lookups:
            write.lookups === undefined || sameAsStoredLookups(entityRow(kind, id), write.lookups)
              ? undefined
              : prepareLookups(write.lookups, `${section}[${i}].lookups`),
          unique:
            write.unique === undefined ? undefined : prepareLookups(write.unique, `${section}[${i}].unique`),
        };
      });

      const seenState = (input.state?.length ?? 0) > 1 ? new Set<string>() : undefined;
      const preparedState = mapSection(input.state, (write, i) => {
        const section = 'commit.state';
        const key = requireStringAt(write?.key, section, i, 'key');
        if (seenState) {
          if (seenState.has(key))
            throw invalid(`${section}[${i}]: state key "${key}" is written twice in one commit`);
          seenState.add(key);
        }
        const expectedVersion =
          write.expectedVersion === undefined
            ? undefined
            : requireVersionAt(write.expectedVersion, section, i, 'expectedVersion');
        const value = checkJson(write.value, `${section}[${i}].value`, state.get(key)?.value);
        return { key, expectedVersion, value };
      });

      // Events are checked here and written column by column when applied.
      const inputEvents = input.events ?? NO_ITEMS;
      for (let i = 0; i < inputEvents.length; i++) {
        const event = inputEvents[i]!;
        const section = 'commit.events';
        requireStringAt(event?.entityId, section, i, 'entityId');
        requireStringAt(event.kind, section, i, 'kind');
        requireStringAt(event.type, section, i, 'type');
        requireTimeAt(event.at, section, i, 'at');
        if (event.data !== undefined) checkJson(event.data, `${section}[${i}].data`);
      }

      const timerCommands = input.timers;
      const complete = timerCommands?.complete ?? NO_ITEMS;
      for (let i = 0; i < complete.length; i++) {
        const ref = complete[i]!;
        requireStringAt(ref?.entityId, 'commit.timers.complete', i, 'entityId');
        requireStringAt(ref.timerKey, 'commit.timers.complete', i, 'timerKey');
        requireVersionAt(ref.generation, 'commit.timers.complete', i, 'generation');
      }
      const cancel = timerCommands?.cancel ?? NO_ITEMS;
      for (let i = 0; i < cancel.length; i++) {
        const ref = cancel[i]!;
        requireStringAt(ref?.entityId, 'commit.timers.cancel', i, 'entityId');
        requireStringAt(ref.timerKey, 'commit.timers.cancel', i, 'timerKey');
      }
      const schedule = mapSection(timerCommands?.schedule, prepareTimer);

      const preparedOutbox = mapSection(input.outbox, (msg, i) =>
        prepareOutboxMessage(msg, `commit.outbox[${i}]`, at, checkJson),
      );

      const preparedQuarantine = mapSection(input.quarantine, (record, i) =>
        prepareQuarantine(record, `commit.quarantine[${i}]`, checkJson),
      );

      // Indexed loops: this function is large enough to run unoptimized for a while, and for-of
      // then allocates an iterator per loop.
      // ---- 2. optimistic version checks ----
      for (let i = 0; i < preparedEntities.length; i++) {
        const write = preparedEntities[i]!;
        const actual = entityRow(write.kind, write.id)?.version ?? 0;
        if (actual !== write.expectedVersion) {
          throw new VersionConflictError({
            scope: 'entity',
            kind: write.kind,
            id: write.id,
            expected: write.expectedVersion,
            actual,
          });
        }
      }
      for (let i = 0; i < preparedState.length; i++) {
        const write = preparedState[i]!;
        if (write.expectedVersion === undefined) continue;
        const actual = state.get(write.key)?.version ?? 0;
        if (actual !== write.expectedVersion) {
          throw new VersionConflictError({
            scope: 'state',
            kind: 'state',
            id: write.key,
            expected: write.expectedVersion,
            actual,
          });
        }
      }

      checkUniqueClaims(preparedEntities, (kind, key, value) => uniqueIndex.holder(kind, key, value));

      // ---- 3. apply (nothing below throws) ----
      const versions = preparedEntities.map((write) => {
        let rows = entities.get(write.kind);
        if (!rows) {
          rows = new Map();
          entities.set(write.kind, rows);
          entityIds.set(write.kind, new SortedKeys(rows));
        }
        let row = entityRow(write.kind, write.id);
        if (!row) {
          row = {
            version: 0,
            value: undefined,
            packed: undefined,
            updatedAt: at,
            lookups: new Map(),
            unique: new Map(),
            ids: undefined,
          };
          rows.set(write.id, row);
          lastRowKind = write.kind;
          lastRowId = write.id;
          lastRow = row;
          entityIds.get(write.kind)!.added();
        }
        row.version += 1;
        row.value = write.snapshot;
        row.packed = undefined;
        recent.written(row);
        row.updatedAt = at;
        if (write.lookups) setLookups(write.kind, write.id, row, write.lookups);
        if (write.unique) uniqueIndex.release(write.kind, write.id, row.unique);
        return row.version;
      });
      // Claimed after every write released its own: one commit may move a value between entities.
      for (let i = 0; i < preparedEntities.length; i++) {
        const write = preparedEntities[i]!;
        if (write.unique) {
          uniqueIndex.claim(write.kind, write.id, write.unique);
          entityRow(write.kind, write.id)!.unique = write.unique;
        }
      }

      const stateVersions = preparedState.map((write) => {
        const version = (state.get(write.key)?.version ?? 0) + 1;
        state.set(write.key, { key: write.key, value: write.value, version, updatedAt: at });
        return version;
      });

      const eventSeqs = mapSection(inputEvents, (event) => {
        const seq = ++lastSeq;
        kpi.fold({
          seq,
          entityId: event.entityId,
          kind: event.kind,
          type: event.type,
          at: event.at,
          data: event.data ?? null,
        });
        if (retention === 'none') return seq;
        const index = eventTypes.length;
        eventEntityIds.push(event.entityId);
        eventKinds.push(event.kind);
        eventTypes.push(event.type);
        eventAts.push(event.at);
        eventData.push(event.data ?? null);
        if (index === eventNext.length) {
          const grown = new Int32Array(index * 2);
          grown.set(eventNext);
          eventNext = grown;
        }
        chainEvent(index, event.entityId);
        return seq;
      });
      if (typeof retention === 'object') dropEventsBefore(at - retention.keepMs);

      for (let i = 0; i < complete.length; i++) {
        const ref = complete[i]!;
        const row = timerRow(ref.entityId, ref.timerKey);
        if (row?.record.generation === ref.generation) deleteTimer(row);
      }
      for (let i = 0; i < cancel.length; i++) {
        const ref = cancel[i]!;
        const row = timerRow(ref.entityId, ref.timerKey);
        if (row) deleteTimer(row);
      }
      for (let i = 0; i < schedule.length; i++) putTimer(schedule[i]!);

      for (let i = 0; i < preparedOutbox.length; i++) {
        const message = preparedOutbox[i]!;
        if (outbox.has(message.id)) continue;
        outbox.set(message.id, message);
        outboxIds.added();
        outboxQueue.schedule({ key: message.id, dueAt: message.nextAttemptAt });
      }

      for (let i = 0; i < preparedQuarantine.length; i++) addQuarantine(preparedQuarantine[i]!);

      return { versions, eventSeqs, stateVersions };
    },

    async readKpi(query) {
      assertOpen();
      return kpi.read(query);
    },

    async readEvents(query: ReadEventsQuery = {}) {
      assertOpen();
      checkLimit(query.limit, 'readEvents(query).limit', 1);
      const limit = query.limit ?? Number.POSITIVE_INFINITY;
      const afterSeq = query.afterSeq ?? 0;
      const types = query.types ? new Set(query.types) : undefined;
      const { kind, entityId, from, to } = query;
      const accept = (index: number) =>
        index >= keepFrom &&
        seqBase + index + 1 > afterSeq &&
        (kind === undefined || eventKinds[index] === kind) &&
        (entityId === undefined || eventEntityIds[index] === entityId) &&
        (types === undefined || types.has(eventTypes[index]!)) &&
        (from === undefined || eventAts[index]! >= from) &&
        (to === undefined || eventAts[index]! < to);
      const out: StoredEvent[] = [];
      if (entityId !== undefined) {
        for (let index = slotOf(entityId)?.firstEvent ?? -1; index >= 0; index = eventNext[index]!) {
          if (out.length >= limit) break;
          if (accept(index)) out.push(storedEvent(index));
        }
      } else {
        // seq = seqBase + index + 1, so the cursor is a direct offset.
        const count = eventTypes.length;
        for (
          let i = Math.max(keepFrom, Math.floor(afterSeq) - seqBase);
          i < count && out.length < limit;
          i++
        ) {
          if (accept(i)) out.push(storedEvent(i));
        }
      }
      return out;
    },

    async claimDueTimers(now, claim: ClaimTimersOptions = {}) {
      assertOpen();
      requireTime(now, 'claimDueTimers(now)');
      checkLimit(claim.limit, 'claimDueTimers(options).limit', 0);
      const leaseMs = checkLease(claim.leaseMs, 'claimDueTimers(options).leaseMs');
      const leaseUntil = now + leaseMs;
      const claimed: ClaimedTimer[] = [];
      const limit = claim.limit ?? DEFAULT_CLAIM_LIMIT;
      // leaseUntil > now (leaseMs > 0), so a claimed timer moved back into the heap is not seen again here.
      while (claimed.length < limit && timerHeap.size > 0 && timerHeap.peekDue() <= now) {
        const row = timerBySlot[timerHeap.peek()]!;
        row.attempts += 1;
        row.leaseUntil = leaseUntil;
        row.workerId = claim.workerId;
        // Back in the heap at the lease expiry: redelivered unless completed, cancelled or replaced.
        timerHeap.move(row.slot, leaseUntil);
        claimed.push(toStoredTimer(row) as ClaimedTimer);
      }
      return claimed;
    },

    async completeTimer(entityId, timerKey, generation) {
      assertOpen();
      const row = timerRow(entityId, timerKey);
      if (row === undefined || row.record.generation !== generation) return false;
      deleteTimer(row);
      return true;
    },

    async listTimers(query = {}) {
      assertOpen();
      // Sorted on read: listing is rare (explain, paging tools), timer writes are constant.
      const slots =
        query.entityId === undefined
          ? [...idSlots]
              .filter(([, slot]) => slot.timers !== undefined)
              .sort(([a], [b]) => compareIds(a, b))
              .map(([, slot]) => slot)
          : [slotOf(query.entityId)];
      const out: StoredTimer[] = [];
      for (const slot of slots) {
        const rows = slot?.timers;
        if (!rows) continue;
        const byKey = [...rows].sort((a, b) => compareIds(a.record.timerKey, b.record.timerKey));
        for (const row of byKey) out.push(toStoredTimer(row));
      }
      return out;
    },

    async claimOutbox(now, claim: ClaimOutboxOptions = {}) {
      assertOpen();
      requireTime(now, 'claimOutbox(now)');
      checkLimit(claim.limit, 'claimOutbox(options).limit', 0);
      const leaseMs = checkLease(claim.leaseMs, 'claimOutbox(options).leaseMs');
      const claimed: OutboxMessage[] = [];
      for (const due of outboxQueue.popDue(now, claim.limit ?? DEFAULT_CLAIM_LIMIT)) {
        const message = outbox.get(due.key) as OutboxMessage; // pending: an object
        message.attempts += 1;
        message.nextAttemptAt = now + leaseMs;
        outboxQueue.schedule({ key: due.key, dueAt: message.nextAttemptAt });
        // A fresh envelope: the stored message changes with every claim and mark.
        claimed.push({ ...message });
      }
      return claimed;
    },

    async markSent(id, at, result) {
      assertOpen();
      requireTime(at, 'markSent(at)');
      const checked = result === undefined ? undefined : checkJson(result, 'markSent(result)');
      const message = outbox.get(id);
      if (!message || typeof message === 'string' || message.status === 'sent') return false;
      message.status = 'sent';
      message.sentAt = at;
      if (checked !== undefined) message.result = checked;
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

    async listOutbox(query: ListOutboxOptions = {}) {
      assertOpen();
      checkPage(query, 'listOutbox(options)');
      const status = query.status;
      return outboxIds
        .page(query, status === undefined ? undefined : (id) => statusOf(outbox.get(id)!) === status)
        .map((id) => recent.message(outbox.get(id)!, (message) => ({ ...message })));
    },

    async quarantine(record) {
      assertOpen();
      return addQuarantine(prepareQuarantine(record, 'quarantine(record)', checkJson));
    },

    async listQuarantine(page) {
      assertOpen();
      checkPage(page, 'listQuarantine(options)');
      return quarantineIds.page(page).map((id) => quarantined.get(id)!);
    },

    async loadState(key) {
      assertOpen();
      return state.get(key);
    },

    async close() {
      closed = true;
    },
  };
  return storage;
}
