/**
 * Argument checks and id paging shared by the memory adapters (`memoryStorage` and
 * `replayMemoryStorage`), so that both refuse exactly the same input with exactly the same
 * message (one condition and one message per check).
 *
 * @internal
 * @module
 */
import {
  type CommitInput,
  DEFAULT_LEASE_MS,
  type EventLogRetention,
  isJsonConvertible,
  type JsonValue,
  type KpiQuery,
  type OutboxEnqueue,
  type OutboxMessage,
  type PageOptions,
  type QuarantineIssue,
  type QuarantineRecord,
  StorageError,
  type TimerRecord,
  type TimerRef,
  toJsonValue,
  UniqueConflictError,
  unstorableStringReason,
} from './port.js';

/**
 * How an adapter takes a JSON value in: `toJsonValue` (check and deep-copy) or a check alone.
 *
 * @internal
 * @example
 * ```ts
 * const takeJson: TakeJson = toJsonValue;
 * ```
 */
export type TakeJson = (value: unknown, path: string) => JsonValue;

/**
 * A `STORAGE_INVALID` error.
 *
 * @internal
 * @example
 * ```ts
 * throw invalid('commit(input) needs an object');
 * ```
 */
export function invalid(message: string): StorageError {
  return new StorageError(message);
}

/**
 * Whether `value` is a non-empty string every adapter can store (an id, a kind, a key): no NUL,
 * no unpaired surrogate (see `unstorableStringReason`).
 *
 * @internal
 * @example
 * ```ts
 * isNonEmptyString(''); // false
 * ```
 */
export const isNonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && unstorableStringReason(value) === undefined;

/**
 * Whether `value` is an instant: a finite epoch-ms number.
 *
 * @internal
 * @example
 * ```ts
 * isInstant(Number.NaN); // false
 * ```
 */
export const isInstant = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/**
 * `value` if it is a non-empty string, else a `STORAGE_INVALID` error naming `path`.
 *
 * @internal
 * @example
 * ```ts
 * const id = requireString(write.id, 'commit.entities[0].id');
 * ```
 */
export function requireString(value: unknown, path: string): string {
  if (!isNonEmptyString(value)) {
    const reason = typeof value === 'string' && value.length > 0 ? unstorableStringReason(value) : undefined;
    throw invalid(`${path} must be a non-empty string${reason ? `; it ${reason}` : ''}`);
  }
  return value;
}

/**
 * `value` if it is a finite epoch-ms number, else a `STORAGE_INVALID` error naming `path`.
 *
 * @internal
 * @example
 * ```ts
 * const at = requireTime(input.at, 'commit.at');
 * ```
 */
export function requireTime(value: unknown, path: string): number {
  if (!isInstant(value)) throw invalid(`${path} must be a finite epoch-ms number, got ${String(value)}`);
  return value;
}

/**
 * `value` if it is a safe integer ≥ 0 (a version, a generation), else a `STORAGE_INVALID` error.
 *
 * @internal
 * @example
 * ```ts
 * const expected = requireVersion(write.expectedVersion, 'commit.entities[0].expectedVersion');
 * ```
 */
export function requireVersion(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${path} must be a safe integer ≥ 0, got ${String(value)}`);
  }
  return value;
}

/**
 * `value` if it is a string every adapter can store (it may be empty), else a `STORAGE_INVALID`
 * error naming `path`.
 *
 * @internal
 * @example
 * ```ts
 * const reason = requireText(record.reason, 'quarantine(record).reason');
 * ```
 */
export function requireText(value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalid(`${path} must be a string`);
  const reason = unstorableStringReason(value);
  if (reason !== undefined) throw invalid(`${path} must be a string every storage can hold; it ${reason}`);
  return value;
}

/**
 * Check a `limit`: absent, or an integer ≥ `min` (`Infinity` allowed).
 *
 * @internal
 * @example
 * ```ts
 * checkLimit(options.limit, 'claimOutbox(options).limit', 0);
 * ```
 */
export function checkLimit(limit: unknown, path: string, min: number): void {
  if (limit === undefined) return;
  if (
    typeof limit !== 'number' ||
    !(Number.isSafeInteger(limit) || limit === Number.POSITIVE_INFINITY) ||
    limit < min
  ) {
    throw invalid(`${path} must be an integer ≥ ${min}, got ${String(limit)}`);
  }
}

/**
 * Check an {@link EventLogRetention} option; `path` names it in the error.
 *
 * @category Storage
 */
export function checkEventLogRetention(value: unknown, path: string): EventLogRetention {
  if (value === undefined) return 'all';
  if (value === 'all' || value === 'none') return value;
  const keepMs = (value as { keepMs?: unknown } | null)?.keepMs;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof keepMs === 'number' &&
    keepMs >= 0 &&
    keepMs !== Number.POSITIVE_INFINITY
  )
    return { keepMs };
  throw invalid(
    `${path} must be 'all', 'none' or { keepMs: <ms ≥ 0> }, got ${JSON.stringify(value) ?? String(value)}`,
  );
}

/**
 * Check a {@link KpiQuery}: `from` and `to` numbers (epoch ms) when given.
 *
 * @category Storage
 */
export function checkKpiQuery(query: unknown): { from: number; to: number } {
  if (query === undefined) return { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY };
  if (query === null || typeof query !== 'object')
    throw invalid('readKpi(query) must be an object { from?, to? }');
  const { from, to } = query as KpiQuery;
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value)))
      throw invalid(`readKpi(query).${name} must be epoch ms (a number), got ${String(value)}`);
  }
  return { from: from ?? Number.NEGATIVE_INFINITY, to: to ?? Number.POSITIVE_INFINITY };
}

/**
 * Check {@link PageOptions}: `afterId` a string, `limit` an integer ≥ 1.
 *
 * @internal
 * @example
 * ```ts
 * checkPage(options, 'list(options)');
 * ```
 */
export function checkPage(options: PageOptions | undefined, path: string): void {
  if (options?.afterId !== undefined && typeof options.afterId !== 'string') {
    throw invalid(`${path}.afterId must be a string`);
  }
  checkLimit(options?.limit, `${path}.limit`, 1);
}

/**
 * The lease of a claim: `leaseMs` if it is a finite number > 0, `DEFAULT_LEASE_MS` when absent.
 *
 * @internal
 * @example
 * ```ts
 * const leaseMs = checkLease(options.leaseMs, 'claimDueTimers(options).leaseMs');
 * ```
 */
export function checkLease(leaseMs: unknown, path: string): number {
  if (leaseMs === undefined) return DEFAULT_LEASE_MS;
  if (typeof leaseMs !== 'number' || !Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw invalid(`${path} must be a finite number of ms > 0, got ${String(leaseMs)}`);
  }
  return leaseMs;
}

/**
 * Check the lookups of an entity write and return them as key → unique values (first-seen
 * order). A single string stands for one value; `[]` for none.
 *
 * @internal
 * @example
 * ```ts
 * prepareLookups({ owner: 'rep-1', phone: ['138', '138'] }, 'lookups'); // Map { owner → ['rep-1'], phone → ['138'] }
 * ```
 */
export function prepareLookups(lookups: unknown, path: string): Map<string, string[]> {
  if (typeof lookups !== 'object' || lookups === null || Array.isArray(lookups)) {
    throw invalid(`${path} must be an object of key → string | string[]`);
  }
  const out = new Map<string, string[]>();
  for (const [key, raw] of Object.entries(lookups)) {
    if (key.length === 0) throw invalid(`${path} has an empty key`);
    const keyReason = unstorableStringReason(key);
    if (keyReason !== undefined) throw invalid(`${path} has a key that ${keyReason}`);
    const values: unknown[] = Array.isArray(raw) ? raw : [raw];
    const unique = new Set<string>();
    values.forEach((value, i) => {
      unique.add(requireText(value, `${path}.${key}${Array.isArray(raw) ? `[${i}]` : ''}`));
    });
    out.set(key, [...unique]);
  }
  return out;
}

/**
 * The queries of a `lookupMany`, checked: an array of `{ key, value }` strings.
 *
 * @internal
 * @example
 * ```ts
 * checkLookupQueries([{ key: 'phone', value: '138' }]); // the same array
 * ```
 */
export function checkLookupQueries(queries: unknown): readonly { key: string; value: string }[] {
  if (!Array.isArray(queries)) throw invalid('lookupMany(queries) must be an array of { key, value }');
  queries.forEach((query, i) => {
    if (typeof query?.key !== 'string' || typeof query.value !== 'string') {
      throw invalid(`lookupMany(queries)[${i}] must be { key: string, value: string }`);
    }
  });
  return queries;
}

/**
 * The in-memory index of unique lookups: which entity holds each `(kind, key, value)`. Shared by
 * the memory adapters; a commit releases every rewritten entity's values before any is claimed,
 * so one commit may move a value between its entities.
 *
 * @internal
 * @example
 * ```ts
 * const unique = createUniqueIndex();
 * unique.claim('lead', 'lead-1', new Map([['phone', ['138']]]));
 * unique.holder('lead', 'phone', '138'); // 'lead-1'
 * ```
 */
export function createUniqueIndex() {
  const holders = new Map<string, string>();
  const claimOf = (kind: string, key: string, value: string) => `${kind}\u0000${key}\u0000${value}`;
  return {
    holder: (kind: string, key: string, value: string): string | undefined =>
      holders.get(claimOf(kind, key, value)),
    /** Drop what `id` holds (values another entity holds now stay theirs). */
    release(kind: string, id: string, unique: Iterable<readonly [string, readonly string[]]>): void {
      for (const [key, values] of unique) {
        for (const value of values) {
          const claim = claimOf(kind, key, value);
          if (holders.get(claim) === id) holders.delete(claim);
        }
      }
    },
    claim(kind: string, id: string, unique: Iterable<readonly [string, readonly string[]]>): void {
      for (const [key, values] of unique)
        for (const value of values) holders.set(claimOf(kind, key, value), id);
    },
  };
}

/**
 * An entity write of a commit as {@link checkUniqueClaims} sees it.
 *
 * @category Storage
 */
export interface UniqueClaims {
  readonly kind: string;
  readonly id: string;
  /** The unique lookups the write gives its entity (they replace the stored ones), or `undefined`: kept. */
  readonly unique: ReadonlyMap<string, readonly string[]> | undefined;
}

/**
 * Refuse a commit that would give a unique lookup value to two entities of one kind: two writes
 * of the commit claiming it, or a write claiming what a stored entity holds and keeps (that
 * entity is not rewritten with new unique lookups in the same commit).
 *
 * @internal
 * @example
 * ```ts
 * checkUniqueClaims(writes, (kind, key, value) => index.get(`${kind}/${key}/${value}`)); // throws UniqueConflictError
 * ```
 */
export function checkUniqueClaims(
  writes: readonly UniqueClaims[],
  holderOf: (kind: string, key: string, value: string) => string | undefined,
): void {
  let rewritten: Set<string> | undefined;
  const claimed = new Map<string, string>();
  for (const write of writes) {
    if (write.unique === undefined || write.unique.size === 0) continue;
    for (const [key, values] of write.unique) {
      for (const value of values) {
        const claim = `${write.kind}\u0000${key}\u0000${value}`;
        let holder = claimed.get(claim);
        if (holder === undefined) {
          holder = holderOf(write.kind, key, value);
          if (holder !== undefined && holder !== write.id) {
            // A holder rewritten in this commit gives up what its new unique lookups leave out
            // (and a value it keeps is claimed twice, caught above when its write comes first).
            rewritten ??= new Set(
              writes.filter((w) => w.unique !== undefined).map((w) => `${w.kind}\u0000${w.id}`),
            );
            const releasing = rewritten.has(`${write.kind}\u0000${holder}`);
            const keeps = writes.some(
              (w) => w.kind === write.kind && w.id === holder && w.unique?.get(key)?.includes(value),
            );
            if (releasing && !keeps) holder = undefined;
          }
        }
        if (holder !== undefined && holder !== write.id) {
          throw new UniqueConflictError({ kind: write.kind, key, value, holder, id: write.id });
        }
        claimed.set(claim, write.id);
      }
    }
  }
}

/**
 * `value` itself once it is known to be plain JSON as `toJsonValue` defines it, else its
 * `STORAGE_INVALID` error naming the path: a check without the copy, for an adapter that
 * serialises the value at once.
 *
 * @internal
 * @example
 * ```ts
 * const snapshot = checkJsonValue(write.snapshot, 'commit.entities[0].snapshot');
 * ```
 */
export function checkJsonValue(value: unknown, path: string): JsonValue {
  if (!isJsonConvertible(value)) toJsonValue(value, path);
  return value as JsonValue;
}

/**
 * A commit checked and copied by {@link prepareCommit}: what an adapter applies.
 *
 * @category Storage
 */
export interface PreparedCommit {
  readonly at: number;
  readonly entities: readonly {
    readonly kind: string;
    readonly id: string;
    readonly expectedVersion: number;
    readonly snapshot: JsonValue;
    readonly lookups: Map<string, string[]> | undefined;
    readonly unique: Map<string, string[]> | undefined;
  }[];
  readonly state: readonly {
    readonly key: string;
    readonly expectedVersion: number | undefined;
    readonly value: JsonValue;
  }[];
  readonly events: readonly {
    readonly entityId: string;
    readonly kind: string;
    readonly type: string;
    readonly at: number;
    readonly data: JsonValue;
  }[];
  readonly complete: readonly (TimerRef & { readonly generation: number })[];
  readonly cancel: readonly TimerRef[];
  /** In input order; a key scheduled twice is applied twice (the last wins). */
  readonly schedule: readonly TimerRecord[];
  readonly messages: readonly OutboxMessage[];
  readonly records: readonly QuarantineRecord[];
}

/**
 * Check a whole {@link CommitInput} and take its values with `takeJson` (by default
 * `toJsonValue`: checked and deep-copied), naming the first offending field: the first step of the
 * plain adapters' commits (memory, PostgreSQL), so that nothing is written before everything has
 * passed. An adapter that serialises the values before it returns to the caller (PostgreSQL) may
 * check without copying: `checkJsonValue`. (The by-reference replay store checks without
 * copying, in its own tuned loop.)
 *
 * @internal
 * @example
 * ```ts
 * const { at, entities, events } = prepareCommit(input); // throws StorageError: commit.events[0].at must be …
 * ```
 */
export function prepareCommit(input: CommitInput, takeJson: TakeJson = toJsonValue): PreparedCommit {
  if (typeof input !== 'object' || input === null) throw invalid('commit(input) needs an object');
  const at = requireTime(input.at, 'commit.at');

  const writtenEntities = new Set<string>();
  const entityWrites = (input.entities ?? []).map((write, i) => {
    const path = `commit.entities[${i}]`;
    const kind = requireString(write?.kind, `${path}.kind`);
    const id = requireString(write.id, `${path}.id`);
    const expectedVersion = requireVersion(write.expectedVersion, `${path}.expectedVersion`);
    if (writtenEntities.has(`${kind}\u0000${id}`)) {
      throw invalid(`${path}: ${kind} "${id}" is written twice in one commit`);
    }
    writtenEntities.add(`${kind}\u0000${id}`);
    return {
      kind,
      id,
      expectedVersion,
      snapshot: takeJson(write.snapshot, `${path}.snapshot`),
      lookups: write.lookups === undefined ? undefined : prepareLookups(write.lookups, `${path}.lookups`),
      unique: write.unique === undefined ? undefined : prepareLookups(write.unique, `${path}.unique`),
    };
  });

  const writtenKeys = new Set<string>();
  const stateWrites = (input.state ?? []).map((write, i) => {
    const path = `commit.state[${i}]`;
    const key = requireString(write?.key, `${path}.key`);
    if (writtenKeys.has(key)) throw invalid(`${path}: state key "${key}" is written twice in one commit`);
    writtenKeys.add(key);
    const expectedVersion =
      write.expectedVersion === undefined
        ? undefined
        : requireVersion(write.expectedVersion, `${path}.expectedVersion`);
    return { key, expectedVersion, value: takeJson(write.value, `${path}.value`) };
  });

  const newEvents = (input.events ?? []).map((event, i) => {
    const path = `commit.events[${i}]`;
    return {
      entityId: requireString(event?.entityId, `${path}.entityId`),
      kind: requireString(event.kind, `${path}.kind`),
      type: requireString(event.type, `${path}.type`),
      at: requireTime(event.at, `${path}.at`),
      data: event.data === undefined ? null : takeJson(event.data, `${path}.data`),
    };
  });

  const timerRef = (ref: TimerRef, path: string): TimerRef => ({
    entityId: requireString(ref?.entityId, `${path}.entityId`),
    timerKey: requireString(ref.timerKey, `${path}.timerKey`),
  });
  const complete = (input.timers?.complete ?? []).map((ref, i) => {
    const path = `commit.timers.complete[${i}]`;
    return { ...timerRef(ref, path), generation: requireVersion(ref.generation, `${path}.generation`) };
  });
  const cancel = (input.timers?.cancel ?? []).map((ref, i) => timerRef(ref, `commit.timers.cancel[${i}]`));
  const schedule = (input.timers?.schedule ?? []).map((timer, i) => {
    const path = `commit.timers.schedule[${i}]`;
    const record: TimerRecord = {
      ...timerRef(timer, path),
      generation: requireVersion(timer.generation, `${path}.generation`),
      dueAt: requireTime(timer.dueAt, `${path}.dueAt`),
    };
    if (timer.payload !== undefined) record.payload = takeJson(timer.payload, `${path}.payload`);
    return record;
  });

  const messages = (input.outbox ?? []).map((message, i) =>
    prepareOutboxMessage(message, `commit.outbox[${i}]`, at, takeJson),
  );
  const records = (input.quarantine ?? []).map((record, i) =>
    prepareQuarantine(record, `commit.quarantine[${i}]`, takeJson),
  );

  return {
    at,
    entities: entityWrites,
    state: stateWrites,
    events: newEvents,
    complete,
    cancel,
    schedule,
    messages,
    records,
  };
}

/**
 * Check an outbox message of a commit and return it as stored: `pending`, no attempts,
 * `createdAt` and `nextAttemptAt` defaulting to the commit's `at`.
 *
 * @internal
 * @example
 * ```ts
 * const message = prepareOutboxMessage(input.outbox[0], 'commit.outbox[0]', input.at, toJsonValue);
 * ```
 */
export function prepareOutboxMessage(
  msg: OutboxEnqueue,
  path: string,
  at: number,
  takeJson: TakeJson,
): OutboxMessage {
  const id = requireString(msg?.id, `${path}.id`);
  const channel = requireString(msg.channel, `${path}.channel`);
  if (!Array.isArray(msg.to)) throw invalid(`${path}.to must be an array of strings`);
  const to = msg.to.map((recipient, j) => requireText(recipient, `${path}.to[${j}]`));
  const createdAt = msg.createdAt === undefined ? at : requireTime(msg.createdAt, `${path}.createdAt`);
  const nextAttemptAt =
    msg.nextAttemptAt === undefined ? at : requireTime(msg.nextAttemptAt, `${path}.nextAttemptAt`);
  return {
    id,
    channel,
    to,
    payload: takeJson(msg.payload, `${path}.payload`),
    createdAt,
    attempts: 0,
    nextAttemptAt,
    status: 'pending',
  };
}

/**
 * Check a quarantine record and return it as stored (issues rebuilt with `path` and `message`
 * only).
 *
 * @internal
 * @example
 * ```ts
 * const record = prepareQuarantine(input, 'quarantine(record)', toJsonValue);
 * ```
 */
export function prepareQuarantine(
  record: QuarantineRecord,
  path: string,
  takeJson: TakeJson,
): QuarantineRecord {
  if (!Array.isArray(record?.issues)) throw invalid(`${path}.issues must be an array`);
  const issues: QuarantineIssue[] = record.issues.map((issue, i) => {
    if (typeof issue !== 'object' || issue === null) throw invalid(`${path}.issues[${i}] must be an object`);
    return {
      path: requireText(issue.path, `${path}.issues[${i}].path`),
      message: requireText(issue.message, `${path}.issues[${i}].message`),
    };
  });
  requireText(record.reason, `${path}.reason`);
  return {
    id: requireString(record.id, `${path}.id`),
    receivedAt: requireTime(record.receivedAt, `${path}.receivedAt`),
    raw: takeJson(record.raw ?? null, `${path}.raw`),
    issues,
    reason: record.reason,
  };
}

/**
 * Binary string order (JavaScript `<`; SQL `COLLATE "C"`), the order of every id-ordered read.
 *
 * @internal
 * @example
 * ```ts
 * ['b', 'a', 'B'].sort(compareIds); // ['B', 'a', 'b']
 * ```
 */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Of ids in {@link compareIds} order: those after `afterId` (exclusive) that `accept` takes, at
 * most `limit`.
 *
 * @internal
 * @example
 * ```ts
 * pageOf(['a', 'b', 'c', 'd'], { afterId: 'a', limit: 2 }); // ['b', 'c']
 * ```
 */
export function pageOf(
  ids: readonly string[],
  options: PageOptions | undefined,
  accept?: (id: string) => boolean,
): string[] {
  const limit = options?.limit ?? Number.POSITIVE_INFINITY;
  let at = 0;
  const afterId = options?.afterId;
  if (afterId !== undefined) {
    // First index whose id is ≥ afterId, then past it.
    let hi = ids.length;
    while (at < hi) {
      const mid = (at + hi) >>> 1;
      if (ids[mid]! < afterId) at = mid + 1;
      else hi = mid;
    }
    if (ids[at] === afterId) at++;
  }
  const out: string[] = [];
  for (; at < ids.length && out.length < limit; at++) {
    const id = ids[at]!;
    if (!accept || accept(id)) out.push(id);
  }
  return out;
}
