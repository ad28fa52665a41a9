/**
 * A binary min-heap agenda of timed items, ordered by `(at, seq)`: ties at the same instant run in
 * the order they were scheduled, so a simulation is deterministic. Push and pop are O(log n); the
 * heap is never re-sorted.
 *
 * @example
 * ```ts
 * import { createAgenda } from 'leadflow';
 * const agenda = createAgenda<string>();
 * agenda.push(20, 'later');
 * agenda.push(10, 'sooner');
 * agenda.peekAt(); // 10
 * agenda.pop(); // 'sooner'
 * ```
 */
export interface Agenda<T> {
  /** Number of pending items. */
  readonly size: number;
  /** Schedule `item` at instant `at` (epoch ms). */
  push(at: number, item: T): void;
  /** Instant of the earliest item, or `Infinity` when empty. */
  peekAt(): number;
  /** Remove and return the earliest item (`undefined` when empty). */
  pop(): T | undefined;
}

/**
 * Create an empty {@link Agenda}.
 *
 * @example
 * ```ts
 * import { createAgenda } from 'leadflow';
 * const agenda = createAgenda<() => Promise<void>>();
 * ```
 */
export function createAgenda<T>(): Agenda<T> {
  // Parallel arrays: the hot loop compares numbers without touching item objects.
  const ats: number[] = [];
  const seqs: number[] = [];
  const items: T[] = [];
  let seq = 0;

  const less = (i: number, j: number): boolean => {
    const a = ats[i]!;
    const b = ats[j]!;
    return a < b || (a === b && seqs[i]! < seqs[j]!);
  };
  const swap = (i: number, j: number): void => {
    const at = ats[i]!;
    ats[i] = ats[j]!;
    ats[j] = at;
    const s = seqs[i]!;
    seqs[i] = seqs[j]!;
    seqs[j] = s;
    const item = items[i]!;
    items[i] = items[j]!;
    items[j] = item;
  };

  return {
    get size() {
      return ats.length;
    },
    push(at, item) {
      ats.push(at);
      seqs.push(seq++);
      items.push(item);
      let i = ats.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!less(i, parent)) break;
        swap(i, parent);
        i = parent;
      }
    },
    peekAt() {
      return ats.length === 0 ? Number.POSITIVE_INFINITY : ats[0]!;
    },
    pop() {
      const n = ats.length;
      if (n === 0) return undefined;
      const top = items[0]!;
      const lastAt = ats.pop()!;
      const lastSeq = seqs.pop()!;
      const lastItem = items.pop()!;
      if (n > 1) {
        ats[0] = lastAt;
        seqs[0] = lastSeq;
        items[0] = lastItem;
        const size = n - 1;
        let i = 0;
        for (;;) {
          const left = 2 * i + 1;
          if (left >= size) break;
          const right = left + 1;
          const child = right < size && less(right, left) ? right : left;
          if (!less(child, i)) break;
          swap(child, i);
          i = child;
        }
      }
      return top;
    },
  };
}
