/**
 * The latest writes of a memory store kept as written, older ones packed (`packed-json.ts`), as
 * a database keeps hot pages in memory and rows on disk. An entity is written several times while
 * it is busy (a lead in its first hours) and rarely after: packing it once, when it leaves the
 * recent writes, costs one pack instead of one per write, and the busy rows are read as objects.
 *
 * @internal
 * @module
 */
import { invalid } from './checks.js';
import { createPackedJson } from './packed-json.js';
import type { JsonValue, OutboxMessage } from './port.js';

/**
 * A stored value: the object while recent (written, or read back and kept), its packed form once
 * it has left the recent writes — both while a packed value read back is kept as an object.
 * @internal
 */
export interface WindowCell {
  /** The object, or `undefined` when only the packed form is kept. */
  value: JsonValue | undefined;
  /** The packed form, or `undefined` when the object was written since it was last packed. */
  packed: string | undefined;
}

/**
 * An outbox message as a memory store keeps it: an object while it may change (pending, dead),
 * packed once sent when the store packs (a sent message never changes again).
 * @internal
 */
export type StoredMessage = OutboxMessage | string;

/** The status of a stored message (a packed one was sent). @internal */
export const statusOf = (stored: StoredMessage): OutboxMessage['status'] =>
  typeof stored === 'string' ? 'sent' : stored.status;

/**
 * A recent window of `limit` writes (`Infinity`: nothing is ever packed; `0`: every write is).
 *
 * @example
 * ```ts
 * const window = createRecentWindow(10_000, 'memoryStorage(options).recentSnapshots');
 * const cell = { value: snapshot, packed: undefined };
 * window.written(cell); // after every write of cell.value
 * const current = window.read(cell); // the object while recent, a fresh copy once packed
 * ```
 * @internal
 */
export function createRecentWindow(limit: number, option: string) {
  if (limit !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(limit) || limit < 0))
    throw invalid(`${option} must be a non-negative integer or Infinity, got ${String(limit)}`);
  const packer = createPackedJson();
  // A ring of the latest writes (and kept reads), oldest at `next` once full: the cell and the
  // object it then held.
  const cells: WindowCell[] = [];
  const values: JsonValue[] = [];
  let next = 0;
  /** Keep only the packed form; packing it unless it already is (a value read back, unchanged). */
  function release(cell: WindowCell): void {
    if (cell.packed === undefined) cell.packed = packer.pack(cell.value as JsonValue);
    cell.value = undefined;
  }
  function enter(cell: WindowCell): void {
    if (cells.length < limit) {
      cells.push(cell);
      values.push(cell.value as JsonValue);
      return;
    }
    const out = cells[next]!;
    // Written (or read back) again since: that later entry is in the ring, and releases it then.
    if (out.value !== undefined && out.value === values[next]) release(out);
    cells[next] = cell;
    values[next] = cell.value as JsonValue;
    next = (next + 1) % limit;
  }
  return {
    /** Whether any write is ever packed. */
    packs: limit !== Number.POSITIVE_INFINITY,
    /** Record that `cell.value` was just written (and `cell.packed` cleared by the caller). */
    written(cell: WindowCell): void {
      if (limit === Number.POSITIVE_INFINITY) return;
      if (limit === 0) release(cell);
      else enter(cell);
    },
    /** Pack a value that will not change again (a timer's payload) with the window's packer. */
    pack: (value: JsonValue): string => packer.pack(value),
    /** Unpack what {@link pack} packed. */
    unpack: (packed: string): JsonValue => packer.unpack(packed),
    /** A message just marked sent, as the store keeps it: packed when the store packs. */
    sent: (message: OutboxMessage): StoredMessage =>
      limit === Number.POSITIVE_INFINITY ? message : packer.pack(message as unknown as JsonValue),
    /** A stored message for the caller: unpacked (fresh), or the object through `copyObject`. */
    message: (stored: StoredMessage, copyObject: (message: OutboxMessage) => OutboxMessage): OutboxMessage =>
      typeof stored === 'string' ? (packer.unpack(stored) as unknown as OutboxMessage) : copyObject(stored),
    /** The current value: the object itself while kept, a fresh one unpacked otherwise. */
    read(cell: WindowCell): JsonValue {
      return cell.value !== undefined ? cell.value : packer.unpack(cell.packed as string);
    },
    /**
     * The current value, kept as an object among the recent ones once unpacked: a store that
     * hands out its objects by reference reads a row it has just read, and writes a new value
     * made from it, without unpacking it again. Released later without packing it again, if not
     * written since.
     */
    readAndKeep(cell: WindowCell): JsonValue {
      if (cell.value !== undefined) return cell.value;
      const value = packer.unpack(cell.packed as string);
      if (limit > 0) {
        cell.value = value;
        enter(cell);
      }
      return value;
    },
  };
}

/** @internal */
export type RecentWindow = ReturnType<typeof createRecentWindow>;
