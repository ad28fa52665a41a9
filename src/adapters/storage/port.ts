/**
 * The storage port of the lead engine: everything the engine persists goes through one
 * {@link StorageAdapter}. The port is shaped so that a relational adapter (PostgreSQL) implements
 * it naturally:
 *
 * - every method is async and every stored value is plain JSON ({@link JsonValue});
 * - one atomic {@link StorageAdapter.commit} writes entity snapshots (optimistic versions), events,
 *   timer commands, outbox messages, quarantine records and engine state — all or nothing;
 * - timers are rows with an absolute due time, claimed with a lease
 *   (`FOR UPDATE SKIP LOCKED` in SQL), completed only if their generation still matches;
 * - notifications are outbox rows written in the same commit and delivered afterwards.
 *
 * Time is always passed in by the host (`at`, `now`): an adapter never reads the system clock.
 *
 * @module
 */
import { LeadflowError } from '../../errors.js';

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/**
 * A plain JSON value: what every adapter can store (a `jsonb` column, a file, a KV value).
 * No `undefined` inside arrays, no `NaN`/`Infinity`, no `Date`, `Map` or class instances.
 *
 * @example
 * ```ts
 * import type { JsonValue } from 'leadflow';
 * const snapshot: JsonValue = { status: 'assigned', owner: 'rep-1', tags: ['A', 'douyin'] };
 * ```
 * @category Storage
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_JSON_DEPTH = 256;

/**
 * Validate that `value` is plain JSON and return a deep copy of it. Object properties whose value
 * is `undefined` are dropped (as `JSON.stringify` does); anything else that JSON cannot represent
 * throws a {@link StorageError} naming the offending path. Adapters use it on the way in so that
 * callers can never mutate stored state and every adapter accepts exactly the same values.
 *
 * @param value - the value to check and copy
 * @param path - how to name the value in error messages, e.g. `commit.entities[0].snapshot`
 * @example
 * ```ts
 * import { toJsonValue } from 'leadflow';
 * const copy = toJsonValue({ owner: 'rep-1', note: undefined }, 'snapshot'); // { owner: 'rep-1' }
 * toJsonValue({ at: new Date() }, 'snapshot'); // throws StorageError: snapshot.at must be plain JSON …
 * ```
 * @category Storage
 */
export function toJsonValue(value: unknown, path: string): JsonValue {
  try {
    return copyJson(value, 0);
  } catch (error) {
    if (error instanceof JsonRefusal) throw new StorageError(`${path}${error.path()} ${error.reason}`);
    throw error;
  }
}

/**
 * Why storage would refuse `value`, and where: `undefined` when {@link toJsonValue} accepts it.
 * The path is relative to `value` (`.contact.name`, `[2]`; `''` for the value itself), for
 * callers that report it in their own terms (the intake's field paths).
 *
 * @example
 * ```ts
 * import { jsonRefusal } from 'leadflow';
 * jsonRefusal({ contact: { name: 'a\u0000' } }); // { path: '.contact.name', reason: 'contains a NUL character (U+0000)' }
 * ```
 * @category Storage
 */
export function jsonRefusal(value: unknown): { path: string; reason: string } | undefined {
  if (isJsonConvertible(value)) return undefined;
  try {
    copyJson(value, 0);
    return undefined;
  } catch (error) {
    if (error instanceof JsonRefusal) return { path: error.path(), reason: error.reason };
    throw error;
  }
}

/** NUL or any surrogate: one regex scan passes nearly every string; the rest (emoji) get a closer look. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point
const SUSPECT_CHARACTER = /[\u0000\ud800-\udfff]/;
const isStorableString = (value: string): boolean =>
  !SUSPECT_CHARACTER.test(value) || (value.isWellFormed() && !value.includes('\u0000'));

/**
 * Why a string cannot be stored, or `undefined` when it can: every adapter refuses what
 * PostgreSQL refuses (`jsonb` and `text` hold no NUL; `jsonb` no unpaired UTF-16 surrogate), so
 * a value the memory store accepts is one every store accepts.
 *
 * @example
 * ```ts
 * import { unstorableStringReason } from 'leadflow';
 * unstorableStringReason('a\u0000b'); // 'contains a NUL character (U+0000)'
 * unstorableStringReason('苏州'); // undefined
 * ```
 * @category Storage
 */
export function unstorableStringReason(value: string): string | undefined {
  if (isStorableString(value)) return undefined;
  return value.includes('\u0000')
    ? 'contains a NUL character (U+0000)'
    : 'contains an unpaired UTF-16 surrogate (not valid Unicode)';
}

/**
 * `value` made storable: each NUL and unpaired surrogate replaced by U+FFFD. For text that is
 * kept, not judged — a provider's error message, say — where refusing it would lose the record.
 *
 * @example
 * ```ts
 * import { storableText } from 'leadflow';
 * storableText('HTTP 500\u0000'); // 'HTTP 500\ufffd'
 * ```
 * @category Storage
 */
export function storableText(value: string): string {
  return isStorableString(value) ? value : value.toWellFormed().replaceAll('\u0000', '\ufffd');
}

/**
 * Whether `value` is plain JSON as {@link toJsonValue} defines it, without copying. Parts that are
 * the same object as in `previous` (a stored value being rewritten) were checked when written and
 * are skipped.
 *
 * @internal
 */
export function isJsonConvertible(value: unknown, previous?: unknown): boolean {
  return typeof value === 'object' ? isJsonObject(value, previous, 0) : isJsonLeaf(value);
}

/** A storable JSON string, boolean or finite number. */
function isJsonLeaf(value: unknown): boolean {
  return typeof value === 'number'
    ? Number.isFinite(value)
    : typeof value === 'string'
      ? isStorableString(value)
      : typeof value === 'boolean';
}

/** `value` is `null`, an array or an object; leaves are tested inline, without a call each. */
function isJsonObject(value: object | null, previous: unknown, depth: number): boolean {
  if (value === null || value === previous) return true;
  if (depth >= MAX_JSON_DEPTH) return false;
  const before =
    typeof previous === 'object' && previous !== null ? (previous as Record<string, unknown>) : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' ? !isJsonObject(item, before?.[i], depth + 1) : !isJsonLeaf(item))
        return false;
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  // for…in: no array of keys per object; the prototype is Object.prototype or null, so these are
  // the own keys.
  for (const key in value) {
    const item: unknown = (value as Record<string, unknown>)[key];
    if (
      typeof item === 'object'
        ? !isJsonObject(item, before?.[key], depth + 1)
        : item !== undefined && !isJsonLeaf(item)
    )
      return false;
    if (!isStorableString(key)) return false;
  }
  return true;
}

/**
 * Why {@link copyJson} refused a value; each level it unwinds through adds its key, so the path
 * is only built when a value is refused, not for every value copied.
 */
class JsonRefusal extends Error {
  private readonly segments: string[] = [];
  constructor(readonly reason: string) {
    super(reason);
  }
  /** Record the key of the level being unwound and rethrow. */
  within(segment: string): never {
    this.segments.push(segment);
    throw this;
  }
  path(): string {
    return this.segments.reverse().join('');
  }
}

function copyJson(value: unknown, depth: number): JsonValue {
  if (value === null) return null;
  switch (typeof value) {
    case 'string': {
      const reason = isStorableString(value) ? undefined : unstorableStringReason(value);
      if (reason !== undefined) throw new JsonRefusal(reason);
      return value;
    }
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new JsonRefusal(`must be a finite number (JSON has no NaN or Infinity), got ${value}`);
      }
      return value;
    case 'object': {
      if (depth >= MAX_JSON_DEPTH)
        throw new JsonRefusal(`is nested deeper than ${MAX_JSON_DEPTH} levels (a cycle?)`);
      if (Array.isArray(value)) {
        const out: JsonValue[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          try {
            if (item === undefined) {
              throw new JsonRefusal('is undefined (or a hole); JSON arrays cannot hold undefined');
            }
            out[i] = copyJson(item, depth + 1);
          } catch (error) {
            if (error instanceof JsonRefusal) error.within(`[${i}]`);
            throw error;
          }
        }
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
        throw new JsonRefusal(`must be plain JSON, got an instance of ${name}`);
      }
      const out: { [key: string]: JsonValue } = {};
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue;
        if (!isStorableString(key)) throw new JsonRefusal(`has a key that ${unstorableStringReason(key)}`);
        let copied: JsonValue;
        try {
          copied = copyJson(item, depth + 1);
        } catch (error) {
          if (error instanceof JsonRefusal) error.within(`.${key}`);
          throw error;
        }
        if (key === '__proto__') {
          Object.defineProperty(out, key, {
            value: copied,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else {
          out[key] = copied;
        }
      }
      return out;
    }
    default:
      throw new JsonRefusal(`must be JSON, got a ${typeof value}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Stable codes of {@link StorageError}: `STORAGE_INVALID` (malformed input: a non-JSON value, an
 * empty id, a duplicate entity in one commit…), `STORAGE_VERSION_CONFLICT` (see
 * {@link VersionConflictError}), `STORAGE_UNIQUE_CONFLICT` (see {@link UniqueConflictError}),
 * `STORAGE_FENCED` (a worker that lost its shard lease tried to commit; nothing was written),
 * `STORAGE_CLOSED` (used after `close()`), `STORAGE_UNAVAILABLE`
 * (the backend failed; the `cause` carries the driver error).
 *
 * @example
 * ```ts
 * import type { StorageErrorCode } from 'leadflow';
 * const retryable = (code: StorageErrorCode) => code === 'STORAGE_VERSION_CONFLICT' || code === 'STORAGE_UNAVAILABLE';
 * ```
 * @category Storage
 */
export type StorageErrorCode =
  | 'STORAGE_INVALID'
  | 'STORAGE_VERSION_CONFLICT'
  | 'STORAGE_UNIQUE_CONFLICT'
  | 'STORAGE_FENCED'
  | 'STORAGE_CLOSED'
  | 'STORAGE_UNAVAILABLE';

/**
 * Any error a storage adapter throws on purpose. The message names the offending field
 * (`commit.entities[1].snapshot.budget must be a finite number …`).
 *
 * @example
 * ```ts
 * import { StorageError } from 'leadflow';
 * try {
 *   await storage.commit({ at: now, entities: [{ kind: 'lead', id: '', expectedVersion: 0, snapshot: {} }] });
 * } catch (error) {
 *   if (error instanceof StorageError) console.error(error.code, error.message); // STORAGE_INVALID …
 * }
 * ```
 * @category Storage
 */
export class StorageError extends LeadflowError {
  declare readonly code: StorageErrorCode;

  constructor(message: string, options?: { code?: StorageErrorCode; cause?: unknown }) {
    super(options?.code ?? 'STORAGE_INVALID', message, options);
  }
}

/**
 * What a {@link VersionConflictError} is about: an entity (`kind`/`id`) or an engine state key
 * (`kind` is `'state'`, `id` is the key).
 *
 * @example
 * ```ts
 * import type { VersionConflict } from 'leadflow';
 * const c: VersionConflict = { scope: 'entity', kind: 'lead', id: 'lead-1', expected: 3, actual: 4 };
 * ```
 * @category Storage
 */
export interface VersionConflict {
  /** Whether the conflict is on an entity or on an engine state key. */
  scope: 'entity' | 'state';
  /** Entity kind, or `'state'` for a state key. */
  kind: string;
  /** Entity id, or the state key. */
  id: string;
  /** The version the commit expected (0 = "must not exist yet"). */
  expected: number;
  /** The version actually stored (0 = does not exist). */
  actual: number;
}

/**
 * A {@link StorageAdapter.commit} expected a version that is not the stored one (someone else
 * committed first, or a create hit an existing id). Nothing of the commit was written; reload and
 * retry the step. Code `STORAGE_VERSION_CONFLICT`.
 *
 * @example
 * ```ts
 * import { VersionConflictError } from 'leadflow';
 * try {
 *   await storage.commit({ at: now, entities: [{ kind: 'lead', id: 'lead-1', expectedVersion: 3, snapshot }] });
 * } catch (error) {
 *   if (error instanceof VersionConflictError) console.log(error.kind, error.id, error.expected, error.actual);
 * }
 * ```
 * @category Storage
 */
export class VersionConflictError extends StorageError implements VersionConflict {
  readonly scope: 'entity' | 'state';
  readonly kind: string;
  readonly id: string;
  readonly expected: number;
  readonly actual: number;

  constructor(conflict: VersionConflict, options?: { cause?: unknown }) {
    const what =
      conflict.scope === 'state' ? `state key "${conflict.id}"` : `${conflict.kind} "${conflict.id}"`;
    const expected = conflict.expected === 0 ? '0 (must not exist yet)' : String(conflict.expected);
    const actual = conflict.actual === 0 ? '0 (does not exist)' : String(conflict.actual);
    super(`version conflict on ${what}: expected version ${expected}, found ${actual}`, {
      code: 'STORAGE_VERSION_CONFLICT',
      cause: options?.cause,
    });
    this.scope = conflict.scope;
    this.kind = conflict.kind;
    this.id = conflict.id;
    this.expected = conflict.expected;
    this.actual = conflict.actual;
  }
}

/**
 * A {@link StorageAdapter.commit} would give a unique lookup value ({@link EntityWrite.unique}) to
 * a second entity of the kind. Nothing of the commit was written; reload (the holder is now
 * visible through `lookup`) and retry the step. Code `STORAGE_UNIQUE_CONFLICT`.
 *
 * @example
 * ```ts
 * import { UniqueConflictError } from 'leadflow';
 * try {
 *   await storage.commit({ at: now, entities: [{ kind: 'lead', id: 'lead-2', expectedVersion: 0, snapshot, unique: { phone: '13800000000' } }] });
 * } catch (error) {
 *   if (error instanceof UniqueConflictError) console.log(`${error.key}=${error.value} is held by ${error.holder}`);
 * }
 * ```
 * @category Storage
 */
export class UniqueConflictError extends StorageError {
  readonly kind: string;
  readonly key: string;
  readonly value: string;
  /** The entity that holds the value (another write of the same commit, or a stored entity). */
  readonly holder: string;
  /** The entity whose write was refused. */
  readonly id: string;

  constructor(conflict: { kind: string; key: string; value: string; holder: string; id: string }) {
    super(
      `unique conflict: ${conflict.kind} "${conflict.id}" claims ${conflict.key} "${conflict.value}", ` +
        `held by ${conflict.kind} "${conflict.holder}"`,
      { code: 'STORAGE_UNIQUE_CONFLICT' },
    );
    this.kind = conflict.kind;
    this.key = conflict.key;
    this.value = conflict.value;
    this.holder = conflict.holder;
    this.id = conflict.id;
  }
}

// ---------------------------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------------------------

/**
 * How many timers or outbox messages one claim returns when `limit` is not given.
 *
 * @example
 * ```ts
 * import { DEFAULT_CLAIM_LIMIT } from 'leadflow';
 * const timers = await storage.claimDueTimers(now, { limit: DEFAULT_CLAIM_LIMIT });
 * ```
 * @category Storage
 */
export const DEFAULT_CLAIM_LIMIT = 100;

/**
 * How long (ms) a claimed timer or outbox message stays invisible to other claimers when
 * `leaseMs` is not given: 5 minutes.
 *
 * @example
 * ```ts
 * import { DEFAULT_LEASE_MS } from 'leadflow';
 * await storage.claimOutbox(now, { leaseMs: DEFAULT_LEASE_MS });
 * ```
 * @category Storage
 */
export const DEFAULT_LEASE_MS = 5 * 60_000;

// ---------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------

/**
 * Kind of a stored entity. The engine uses the four named kinds; hosts may add their own.
 * Kinds are separate namespaces: `('lead', 'x')` and `('task', 'x')` are different entities.
 *
 * @example
 * ```ts
 * import type { EntityKind } from 'leadflow';
 * const kinds: EntityKind[] = ['lead', 'opportunity', 'task', 'customer', 'contract'];
 * ```
 * @category Storage
 */
export type EntityKind = 'lead' | 'opportunity' | 'task' | 'customer' | (string & {});

/**
 * An entity as stored: its latest snapshot and optimistic version (1 after creation, +1 per
 * commit that writes it).
 *
 * @example
 * ```ts
 * import type { StoredEntity } from 'leadflow';
 * const lead = await storage.load('lead', 'lead-1');
 * if (lead) console.log(lead.version, lead.snapshot, new Date(lead.updatedAt));
 * const typed: StoredEntity | undefined = lead;
 * ```
 * @category Storage
 */
export interface StoredEntity {
  kind: EntityKind;
  id: string;
  /** Optimistic version: 1 after creation, incremented by every commit that writes the entity. */
  version: number;
  /** The snapshot written by the last commit (a deep copy; mutating it changes nothing stored). */
  snapshot: JsonValue;
  /** The `at` of the commit that last wrote the entity (epoch ms). */
  updatedAt: number;
}

/**
 * Lookup keys of an entity, supplied by the engine in the commit that writes it, e.g.
 * `{ owner: 'rep-1', status: 'open', uscc: '91320594…', phone: ['138…', '0512…'] }`. Values are
 * exact-match strings (normalise them first: lower-case emails, digits-only phones). A key with
 * several values matches any of them; an empty array means "no value".
 *
 * @example
 * ```ts
 * import type { Lookups } from 'leadflow';
 * const lookups: Lookups = { owner: 'rep-1', openUscc: '91320594MA1X0000XX', phone: ['13800000000'] };
 * ```
 * @category Storage
 */
export type Lookups = Readonly<Record<string, string | readonly string[]>>;

/**
 * One entity write in a {@link CommitInput}.
 *
 * `lookups`: when given, **replaces** every lookup of the entity (so `{}` clears them all, e.g. a
 * closed lead drops its dedupe keys); when omitted, the previous lookups stay as they were.
 *
 * @example
 * ```ts
 * import type { EntityWrite } from 'leadflow';
 * const create: EntityWrite = {
 *   kind: 'lead', id: 'lead-1', expectedVersion: 0, // 0 = create; fails if lead-1 exists
 *   snapshot: { status: 'new' },
 *   lookups: { status: 'new', phone: '13800000000' },
 * };
 * ```
 * @category Storage
 */
export interface EntityWrite {
  kind: EntityKind;
  /** Non-empty id, unique within its kind. */
  id: string;
  /** The version the writer read (0 = the entity must not exist yet). */
  expectedVersion: number;
  snapshot: JsonValue;
  /** Replaces the entity's lookup keys when given; leaves them unchanged when omitted. */
  lookups?: Lookups;
  /**
   * Unique lookups: found by {@link StorageAdapter.lookup} like `lookups`, replaced when given and
   * kept when omitted, but no two entities of the same kind may hold the same key and value at
   * once. A commit that would give a value to a second entity fails with
   * {@link UniqueConflictError} and writes nothing; a value released and claimed in one commit is
   * fine. Engines claim dedupe keys this way (an open lead's phone): two processes creating the
   * same customer at once make one. A SQL adapter keeps them under a unique index.
   */
  unique?: Lookups;
}

/**
 * One lookup of {@link StorageAdapter.lookupMany}.
 *
 * @example
 * ```ts
 * import type { LookupQuery } from 'leadflow';
 * const queries: LookupQuery[] = [{ key: 'phone', value: '13800000000' }, { key: 'email', value: 'liu@example.cn' }];
 * ```
 * @category Storage
 */
export interface LookupQuery {
  readonly key: string;
  readonly value: string;
}

/**
 * Paging of id-ordered reads ({@link StorageAdapter.list}, {@link StorageAdapter.lookup},
 * {@link StorageAdapter.listOutbox}, {@link StorageAdapter.listQuarantine}). Ids are compared
 * as strings in binary order (JavaScript `<`; SQL `COLLATE "C"`), so prefer ASCII ids.
 *
 * @example
 * ```ts
 * import type { PageOptions } from 'leadflow';
 * let page: PageOptions = { limit: 500 };
 * for (;;) {
 *   const leads = await storage.list('lead', page);
 *   if (leads.length === 0) break;
 *   page = { limit: 500, afterId: leads.at(-1)!.id };
 * }
 * ```
 * @category Storage
 */
export interface PageOptions {
  /** Only ids strictly greater than this one. */
  afterId?: string;
  /** At most this many rows (a positive integer). Default: no limit. */
  limit?: number;
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/**
 * An event to append to the log in a {@link CommitInput}. `data` defaults to `null`.
 *
 * @example
 * ```ts
 * import type { EventInput } from 'leadflow';
 * const e: EventInput = { entityId: 'lead-1', kind: 'lead', type: 'lead.assigned', at: now, data: { rep: 'rep-1' } };
 * ```
 * @category Storage
 */
export interface EventInput {
  entityId: string;
  /** Kind of the entity the event is about. */
  kind: EntityKind;
  /** Event type, e.g. `lead.captured`, `lead.assigned`, `opportunity.advanced`. */
  type: string;
  /** When it happened (epoch ms, host time). */
  at: number;
  data?: JsonValue;
}

/**
 * An event as stored. `seq` is assigned by the storage: strictly increasing in commit order
 * (gaps allowed), so `readEvents({ afterSeq })` is a resumable cursor. A SQL adapter must make
 * sure a reader can never see seq N+1 before seq N is visible (serialise commits or use a
 * visibility watermark) — otherwise a cursor skips events.
 *
 * @example
 * ```ts
 * import type { StoredEvent } from 'leadflow';
 * const events: StoredEvent[] = await storage.readEvents({ entityId: 'lead-1' });
 * for (const e of events) console.log(e.seq, e.type, new Date(e.at));
 * ```
 * @category Storage
 */
export interface StoredEvent {
  seq: number;
  entityId: string;
  kind: EntityKind;
  type: string;
  at: number;
  data: JsonValue;
}

/**
 * Filters of {@link StorageAdapter.readEvents}; all optional and combined with AND. Results are
 * in `seq` order.
 *
 * @example
 * ```ts
 * import type { ReadEventsQuery } from 'leadflow';
 * const march: ReadEventsQuery = {
 *   types: ['lead.captured', 'lead.assigned'],
 *   from: Date.parse('2026-03-01T00:00:00+08:00'), // inclusive
 *   to: Date.parse('2026-04-01T00:00:00+08:00'), // exclusive
 * };
 * ```
 * @category Storage
 */
export interface ReadEventsQuery {
  /** Only events with `seq > afterSeq` (a cursor). */
  afterSeq?: number;
  entityId?: string;
  kind?: EntityKind;
  /** Only events whose type is one of these. */
  types?: readonly string[];
  /** Only events with `at >= from`. */
  from?: number;
  /** Only events with `at < to`. */
  to?: number;
  /** At most this many events (positive integer). Default: no limit. */
  limit?: number;
}

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

/**
 * Identifies a timer: unique per `(entityId, timerKey)`.
 *
 * @example
 * ```ts
 * import type { TimerRef } from 'leadflow';
 * const ref: TimerRef = { entityId: 'lead-1', timerKey: 'sla.unassigned' };
 * ```
 * @category Storage
 */
export interface TimerRef {
  entityId: string;
  timerKey: string;
}

/**
 * A durable timer: a row with an absolute due time. `generation` is bumped by the engine on every
 * reschedule; a fired timer whose generation is stale is a no-op.
 *
 * @example
 * ```ts
 * import type { TimerRecord } from 'leadflow';
 * const t: TimerRecord = {
 *   entityId: 'lead-1', timerKey: 'sla.unassigned', generation: 2,
 *   dueAt: capturedAt + 15 * 60_000, payload: { kind: 'lead', escalateTo: 'supervisor' },
 * };
 * ```
 * @category Storage
 */
export interface TimerRecord extends TimerRef {
  /** Safe integer ≥ 0. */
  generation: number;
  /** Absolute due time (epoch ms). */
  dueAt: number;
  payload?: JsonValue;
}

/**
 * "Delete this timer if its generation is still this one" — see
 * {@link StorageAdapter.completeTimer} and {@link TimerCommands.complete}.
 *
 * @example
 * ```ts
 * import type { TimerCompletion } from 'leadflow';
 * const done: TimerCompletion = { entityId: 'lead-1', timerKey: 'sla.unassigned', generation: 2 };
 * ```
 * @category Storage
 */
export interface TimerCompletion extends TimerRef {
  generation: number;
}

/**
 * A timer as stored, with its claim bookkeeping.
 *
 * @example
 * ```ts
 * import type { StoredTimer } from 'leadflow';
 * const pending: StoredTimer[] = await storage.listTimers({ entityId: 'lead-1' });
 * const leased = pending.filter((t) => t.leaseUntil !== undefined);
 * ```
 * @category Storage
 */
export interface StoredTimer extends TimerRecord {
  /** How many times the timer has been claimed since it was (re)scheduled. */
  attempts: number;
  /** Until when the last claim hides it (epoch ms); absent if never claimed since (re)scheduled. */
  leaseUntil?: number;
  /** The `workerId` of the last claim, if one was given. */
  workerId?: string;
}

/**
 * A timer returned by {@link StorageAdapter.claimDueTimers}.
 *
 * @example
 * ```ts
 * import type { ClaimedTimer } from 'leadflow';
 * const [t]: ClaimedTimer[] = await storage.claimDueTimers(now, { limit: 1 });
 * if (t && t.attempts > 3) console.warn('timer keeps failing', t.entityId, t.timerKey);
 * ```
 * @category Storage
 */
export interface ClaimedTimer extends StoredTimer {
  leaseUntil: number;
}

/**
 * Options of {@link StorageAdapter.claimDueTimers}.
 *
 * @example
 * ```ts
 * import type { ClaimTimersOptions } from 'leadflow';
 * const opts: ClaimTimersOptions = { limit: 50, leaseMs: 30_000, workerId: 'worker-a' };
 * ```
 * @category Storage
 */
export interface ClaimTimersOptions {
  /** Claim at most this many (integer ≥ 0). @default DEFAULT_CLAIM_LIMIT (100) */
  limit?: number;
  /** Hide the claimed timers for this long (ms, > 0). @default DEFAULT_LEASE_MS (5 minutes) */
  leaseMs?: number;
  /** Recorded on the claimed rows, for diagnostics. */
  workerId?: string;
}

/**
 * Timer commands of a {@link CommitInput}, applied in this order: `complete`, then `cancel`, then
 * `schedule` (so "complete the fired timer and schedule its successor under the same key" works
 * in one commit). Cancelling or completing a timer that does not exist is a no-op.
 *
 * @example
 * ```ts
 * import type { TimerCommands } from 'leadflow';
 * const commands: TimerCommands = {
 *   complete: [{ entityId: 'lead-1', timerKey: 'sla.unopened', generation: 1 }],
 *   cancel: [{ entityId: 'lead-1', timerKey: 'sla.unassigned' }],
 *   schedule: [{ entityId: 'lead-1', timerKey: 'sla.first-follow-up', generation: 1, dueAt: now + 86_400_000 }],
 * };
 * ```
 * @category Storage
 */
export interface TimerCommands {
  /** Delete each timer whose generation still equals the given one. */
  complete?: readonly TimerCompletion[];
  /** Delete each timer, whatever its generation (also while it is claimed). */
  cancel?: readonly TimerRef[];
  /** Upsert: a timer with the same `(entityId, timerKey)` is replaced, lease and attempts reset. */
  schedule?: readonly TimerRecord[];
}

// ---------------------------------------------------------------------------------------------
// Outbox
// ---------------------------------------------------------------------------------------------

/**
 * Delivery status of an outbox message. `pending` → `sent`, or `pending` → `dead` after too many
 * failed attempts. Messages are never deleted: dead letters stay listable.
 *
 * @example
 * ```ts
 * import type { OutboxStatus } from 'leadflow';
 * const status: OutboxStatus = 'dead';
 * const deadLetters = await storage.listOutbox({ status });
 * ```
 * @category Storage
 */
export type OutboxStatus = 'pending' | 'sent' | 'dead';

/**
 * A notification to send, written in a {@link CommitInput} so that it exists if and only if the
 * state change that caused it was committed. `id` is the idempotency key: enqueueing an id that
 * already exists (in any status) is a no-op. `createdAt` and `nextAttemptAt` default to the
 * commit's `at`.
 *
 * @example
 * ```ts
 * import type { OutboxEnqueue } from 'leadflow';
 * const msg: OutboxEnqueue = {
 *   id: 'lead-1/sla.unassigned/2', channel: 'sms', to: ['supervisor-1'],
 *   payload: { text: 'Lead lead-1 unassigned for 15 minutes' },
 * };
 * ```
 * @category Storage
 */
export interface OutboxEnqueue {
  /** Idempotency key, unique over the whole outbox. */
  id: string;
  channel: string;
  to: readonly string[];
  /** What to send; `deliverOutbox` (`leadflow/core`) expects `{ text, subject?, template?, data? }`. */
  payload: JsonValue;
  createdAt?: number;
  /** Not before this instant. */
  nextAttemptAt?: number;
}

/**
 * An outbox message as stored.
 *
 * `attempts` counts claims (a claim is a delivery attempt, so a worker that crashes mid-delivery
 * still uses one up). While a message is claimed, `nextAttemptAt` is its lease expiry: a claim
 * pushes it to `now + leaseMs`, and a claimed message that is never marked comes back then.
 *
 * @example
 * ```ts
 * import type { OutboxMessage } from 'leadflow';
 * const dead: OutboxMessage[] = await storage.listOutbox({ status: 'dead' });
 * for (const m of dead) console.log(m.id, m.attempts, m.lastError);
 * ```
 * @category Storage
 */
export interface OutboxMessage {
  id: string;
  channel: string;
  to: string[];
  payload: JsonValue;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  status: OutboxStatus;
  /** The error of the last failed attempt (kept after a later success). */
  lastError?: string;
  /** When it was marked sent. */
  sentAt?: number;
  /** What the notifier returned on success, e.g. `{ providerId }`. */
  result?: JsonValue;
}

/**
 * Options of {@link StorageAdapter.claimOutbox}.
 *
 * @example
 * ```ts
 * import type { ClaimOutboxOptions } from 'leadflow';
 * const opts: ClaimOutboxOptions = { limit: 20, leaseMs: 120_000 };
 * ```
 * @category Storage
 */
export interface ClaimOutboxOptions {
  /** Claim at most this many (integer ≥ 0). @default DEFAULT_CLAIM_LIMIT (100) */
  limit?: number;
  /** Hide the claimed messages for this long (ms, > 0). @default DEFAULT_LEASE_MS (5 minutes) */
  leaseMs?: number;
}

/**
 * Filters of {@link StorageAdapter.listOutbox} (id order).
 *
 * @example
 * ```ts
 * import type { ListOutboxOptions } from 'leadflow';
 * const q: ListOutboxOptions = { status: 'pending', limit: 100 };
 * ```
 * @category Storage
 */
export interface ListOutboxOptions extends PageOptions {
  status?: OutboxStatus;
}

/**
 * Arguments of {@link StorageAdapter.markFailed}.
 *
 * @example
 * ```ts
 * import type { OutboxFailure } from 'leadflow';
 * const f: OutboxFailure = { error: 'wecom: 503', retryAt: now + 30_000 };
 * ```
 * @category Storage
 */
export interface OutboxFailure {
  error: string;
  /** When the message becomes claimable again (epoch ms). */
  retryAt: number;
}

// ---------------------------------------------------------------------------------------------
// Quarantine
// ---------------------------------------------------------------------------------------------

/**
 * One problem found in a rejected input.
 *
 * @example
 * ```ts
 * import type { QuarantineIssue } from 'leadflow';
 * const issue: QuarantineIssue = { path: 'company.uscc', message: 'checksum digit is wrong' };
 * ```
 * @category Storage
 */
export interface QuarantineIssue {
  /** Dot path of the offending field (`''` for the whole input). */
  path: string;
  message: string;
}

/**
 * Input that was refused, kept with the reason ("nothing is lost"). Writing an id that already
 * exists is a no-op.
 *
 * @example
 * ```ts
 * import type { QuarantineRecord } from 'leadflow';
 * const record: QuarantineRecord = {
 *   id: 'q-2026-03-02-0001', receivedAt: now, raw: { phone: '123' },
 *   issues: [{ path: 'phone', message: 'not a mainland mobile number' }], reason: 'invalid-lead',
 * };
 * await storage.quarantine(record);
 * ```
 * @category Storage
 */
export interface QuarantineRecord {
  id: string;
  receivedAt: number;
  /** The input exactly as received (as JSON). */
  raw: JsonValue;
  issues: QuarantineIssue[];
  /** Short machine-readable reason, e.g. `invalid-lead`, `duplicate`, `unknown-channel`. */
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// Engine state
// ---------------------------------------------------------------------------------------------

/**
 * A write of an engine state key (round-robin cursors, per-rep daily counts…) in a
 * {@link CommitInput}. With `expectedVersion` the write is optimistic like an entity write
 * (0 = must not exist yet); without it, it overwrites blindly.
 *
 * @example
 * ```ts
 * import type { StateWrite } from 'leadflow';
 * const w: StateWrite = { key: 'rr/shanghai', value: { next: 2 }, expectedVersion: 7 };
 * ```
 * @category Storage
 */
export interface StateWrite {
  key: string;
  value: JsonValue;
  expectedVersion?: number;
}

/**
 * An engine state key as stored.
 *
 * @example
 * ```ts
 * import type { StoredState } from 'leadflow';
 * const cursor: StoredState | undefined = await storage.loadState('rr/shanghai');
 * const next = cursor ? (cursor.value as { next: number }).next : 0;
 * ```
 * @category Storage
 */
export interface StoredState {
  key: string;
  value: JsonValue;
  /** 1 after the first write, +1 per write. */
  version: number;
  updatedAt: number;
}

/**
 * What an adapter's event log keeps. `'all'` (the default): every event, forever. `'none'`:
 * nothing — each event is folded into the KPI projection and dropped, so reports stay whole
 * while the log costs no memory (`readEvents` returns nothing; seqs still count on). A window
 * `{ keepMs }`: events older than `keepMs` before the latest commit's time are dropped, oldest
 * first in log order. Retention never changes a KPI: reports read the projection, which every
 * event reaches before it is dropped.
 *
 * @example
 * ```ts
 * import { replayMemoryStorage, type EventLogRetention } from 'leadflow';
 * const lastWeek: EventLogRetention = { keepMs: 7 * 86_400_000 };
 * const storage = replayMemoryStorage({ eventLog: 'none' }); // a year's replay, KPIs only
 * ```
 * @category Storage
 */
export type EventLogRetention = 'all' | 'none' | { readonly keepMs: number };

// ---------------------------------------------------------------------------------------------
// KPI projection
// ---------------------------------------------------------------------------------------------

/**
 * One record of the KPI projection as storage keeps it (see `foldKpiEvent` in `leadflow/core`,
 * which makes and changes them). `kind` is `lead`, `opportunity`, `task`, or the type of an event
 * counted one record each (`customer.created`, …); `(kind, id)` is unique; `anchor` (epoch ms) is
 * the instant windows select the record by — a lead's arrival, an opportunity's or task's
 * creation, a counted event's time; `value` is the fold's plain-JSON state.
 *
 * @example
 * ```ts
 * import type { KpiRecord } from 'leadflow';
 * const record: KpiRecord = { kind: 'customer.created', id: '812', anchor: Date.parse('2026-03-02T10:00:00+08:00'), value: null };
 * ```
 * @category Storage
 */
export interface KpiRecord {
  kind: string;
  id: string;
  anchor: number;
  value: JsonValue;
}

/**
 * The window of {@link StorageAdapter.readKpi}: records with `from <= anchor < to`.
 *
 * @example
 * ```ts
 * import type { KpiQuery } from 'leadflow';
 * const march: KpiQuery = { from: Date.parse('2026-03-01T00:00:00+08:00'), to: Date.parse('2026-04-01T00:00:00+08:00') };
 * ```
 * @category Storage
 */
export interface KpiQuery {
  /** Inclusive. @default 0 */
  from?: number;
  /** Exclusive. @default no end */
  to?: number;
}

// ---------------------------------------------------------------------------------------------
// Commit
// ---------------------------------------------------------------------------------------------

/**
 * Everything one engine step persists, written atomically by {@link StorageAdapter.commit}.
 * All parts are optional; `at` (host time) stamps `updatedAt` and the outbox defaults.
 *
 * @example
 * ```ts
 * import type { CommitInput } from 'leadflow';
 * const input: CommitInput = {
 *   at: now,
 *   entities: [{ kind: 'lead', id: 'lead-1', expectedVersion: 1, snapshot: next, lookups: { owner: 'rep-1' } }],
 *   events: [{ entityId: 'lead-1', kind: 'lead', type: 'lead.assigned', at: now, data: { rep: 'rep-1' } }],
 *   timers: {
 *     cancel: [{ entityId: 'lead-1', timerKey: 'sla.unassigned' }],
 *     schedule: [{ entityId: 'lead-1', timerKey: 'sla.unopened', generation: 1, dueAt: now + 30 * 60_000 }],
 *   },
 *   outbox: [{ id: 'lead-1/assigned', channel: 'wecom', to: ['rep-1'], payload: { text: 'New lead for you' } }],
 *   state: [{ key: 'assigned-today/rep-1', value: 4, expectedVersion: 3 }],
 * };
 * ```
 * @category Storage
 */
export interface CommitInput {
  /** Host time of the step (epoch ms). */
  at: number;
  /** Entity writes; one `(kind, id)` at most once per commit. */
  entities?: readonly EntityWrite[];
  /** Appended in order; their seqs are returned in the same order. */
  events?: readonly EventInput[];
  timers?: TimerCommands;
  /** Idempotent: ids that already exist are skipped. */
  outbox?: readonly OutboxEnqueue[];
  /** Idempotent: ids that already exist are skipped. */
  quarantine?: readonly QuarantineRecord[];
  /** One key at most once per commit. */
  state?: readonly StateWrite[];
}

/**
 * What a successful {@link StorageAdapter.commit} returns; arrays are aligned with the input.
 *
 * @example
 * ```ts
 * import type { CommitResult } from 'leadflow';
 * const { versions: [leadVersion], eventSeqs }: CommitResult = await storage.commit(input);
 * ```
 * @category Storage
 */
export interface CommitResult {
  /** New version of each entity of `input.entities`, in order. */
  versions: number[];
  /** Seq of each event of `input.events`, in order. */
  eventSeqs: number[];
  /** New version of each key of `input.state`, in order. */
  stateVersions: number[];
}

// ---------------------------------------------------------------------------------------------
// The port
// ---------------------------------------------------------------------------------------------

/**
 * The storage port. Implementations: `memoryStorage()` (the embedded default: tests,
 * playground), `replayMemoryStorage()` (simulations and replays; shares values by reference with a
 * caller that never mutates them) and a PostgreSQL adapter; any implementation can check itself
 * with `runStorageContract` from `leadflow/testing`.
 *
 * Rules every implementation follows:
 * - values go in and come out as deep copies of plain JSON (see {@link toJsonValue}) — except in
 *   an adapter that documents sharing them by reference (`replayMemoryStorage`), which still
 *   refuses what is not plain JSON;
 * - `commit` is all-or-nothing; a version mismatch throws {@link VersionConflictError};
 * - claims are exclusive until their lease expires: a claimed timer or message is invisible to
 *   other claims until `now >= leaseUntil`, then comes back (crash safety);
 * - claim order is by eligibility time (`dueAt` for a timer never claimed since it was scheduled,
 *   the lease expiry for one whose lease ran out; `nextAttemptAt` for messages), ties in the order
 *   in which the rows last became eligible (scheduled/enqueued, claimed or marked failed).
 *
 * @example
 * ```ts
 * import { memoryStorage, type StorageAdapter } from 'leadflow';
 * const storage: StorageAdapter = memoryStorage();
 * await storage.commit({ at: now, entities: [{ kind: 'lead', id: 'lead-1', expectedVersion: 0, snapshot: { status: 'new' } }] });
 * const lead = await storage.load('lead', 'lead-1'); // { version: 1, snapshot: { status: 'new' }, … }
 * ```
 * @category Storage
 */
export interface StorageAdapter {
  /** Short adapter name for diagnostics, e.g. `memory`, `postgres`. */
  readonly name: string;

  /** The entity, or `undefined` if it does not exist. */
  load(kind: EntityKind, id: string): Promise<StoredEntity | undefined>;
  /** Entities of one kind in id order. */
  list(kind: EntityKind, options?: PageOptions): Promise<StoredEntity[]>;
  /**
   * Ids (in id order) of the entities of `kind` whose lookup or unique lookup `key` has `value`,
   * e.g. `lookup('lead', 'owner', 'rep-1')` for a handover, `lookup('lead', 'phone', '138…')` for
   * dedupe.
   */
  lookup(kind: EntityKind, key: string, value: string, options?: PageOptions): Promise<string[]>;
  /**
   * Several lookups of one kind in one read: for each `{ key, value }`, in order, the ids (in id
   * order) that `lookup` would return — e.g. every dedupe key of an incoming lead at once, one
   * round trip on a database instead of one per key.
   */
  lookupMany(kind: EntityKind, queries: readonly LookupQuery[]): Promise<string[][]>;

  /** Write everything atomically; see {@link CommitInput}. */
  commit(input: CommitInput): Promise<CommitResult>;

  /** Events in seq order. */
  readEvents(query?: ReadEventsQuery): Promise<StoredEvent[]>;

  /**
   * The KPI projection: the records (in no particular order) whose anchor lies in the window,
   * kept up to date with every committed event as `foldKpiEvent` (`leadflow/core`) folds it, in
   * seq order — in the commit itself or before answering. Reports read these instead of the log,
   * so what the log keeps does not change them. Optional: without it the engine folds the event
   * log for every report (the reference, and slower).
   */
  readKpi?(query?: KpiQuery): Promise<KpiRecord[]>;

  /**
   * Claim due timers (eligible at or before `now`) in claim order; see the port rules. Each claim
   * increments `attempts` and hides the timer until `now + leaseMs`.
   */
  claimDueTimers(now: number, options?: ClaimTimersOptions): Promise<ClaimedTimer[]>;
  /**
   * Delete the timer if its generation still equals `generation` (claimed or not). Returns whether
   * it was deleted; `false` when it was rescheduled, cancelled or already completed.
   */
  completeTimer(entityId: string, timerKey: string, generation: number): Promise<boolean>;
  /** Pending timers ordered by `(entityId, timerKey)`, optionally of one entity. */
  listTimers(query?: { entityId?: string }): Promise<StoredTimer[]>;

  /**
   * Claim pending messages with `nextAttemptAt <= now` in claim order; each claim increments
   * `attempts` and sets `nextAttemptAt` to `now + leaseMs`.
   */
  claimOutbox(now: number, options?: ClaimOutboxOptions): Promise<OutboxMessage[]>;
  /** Mark delivered (from `pending`, or from `dead` if a late delivery did succeed). Returns whether it changed. */
  markSent(id: string, at: number, result?: JsonValue): Promise<boolean>;
  /** Record a failed attempt of a `pending` message and when to retry. Returns whether it changed. */
  markFailed(id: string, failure: OutboxFailure): Promise<boolean>;
  /** Give up on a `pending` message; it stays listable with status `dead`. Returns whether it changed. */
  markDead(id: string, error: string): Promise<boolean>;
  /** Messages in id order. */
  listOutbox(options?: ListOutboxOptions): Promise<OutboxMessage[]>;

  /** Keep a refused input outside any commit. Returns `false` if the id already existed. */
  quarantine(record: QuarantineRecord): Promise<boolean>;
  /** Quarantined records in id order. */
  listQuarantine(options?: PageOptions): Promise<QuarantineRecord[]>;

  /** An engine state key, or `undefined`. Written through `commit({ state })`. */
  loadState(key: string): Promise<StoredState | undefined>;

  /**
   * Release resources. Idempotent (a second call resolves too); other calls after `close()` may
   * reject with `STORAGE_CLOSED` (the memory adapter does).
   */
  close(): Promise<void>;
}
