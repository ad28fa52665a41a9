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
import type { JsonValue } from './port.js';

/** A stored value: the object written while recent, then its packed form (`value` null). @internal */
export interface WindowCell {
  value: JsonValue;
  packed: string | undefined;
}

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
  // A ring of the latest writes, oldest at `next` once full: the cell and the value it then held.
  const cells: WindowCell[] = [];
  const values: JsonValue[] = [];
  let next = 0;
  function pack(cell: WindowCell): void {
    cell.packed = packer.pack(cell.value);
    cell.value = null;
  }
  return {
    /** Whether any write is ever packed. */
    packs: limit !== Number.POSITIVE_INFINITY,
    /** Record that `cell.value` was just written (and `cell.packed` cleared by the caller). */
    written(cell: WindowCell): void {
      if (limit === Number.POSITIVE_INFINITY) return;
      if (limit === 0) {
        pack(cell);
        return;
      }
      if (cells.length < limit) {
        cells.push(cell);
        values.push(cell.value);
        return;
      }
      const out = cells[next]!;
      // Written again since (a newer value): that write is in the window, later in the ring.
      if (out.packed === undefined && out.value === values[next]) pack(out);
      cells[next] = cell;
      values[next] = cell.value;
      next = (next + 1) % limit;
    },
    /** Pack a value that will not change again (a sent message) with the window's packer. */
    pack: (value: JsonValue): string => packer.pack(value),
    /** Unpack what {@link pack} packed. */
    unpack: (packed: string): JsonValue => packer.unpack(packed),
    /** The current value: the object itself while recent, a fresh one unpacked once packed. */
    read(cell: WindowCell): JsonValue {
      return cell.packed === undefined ? cell.value : packer.unpack(cell.packed);
    },
  };
}

/** @internal */
export type RecentWindow = ReturnType<typeof createRecentWindow>;
