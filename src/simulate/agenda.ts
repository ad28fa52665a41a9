import { createSlotHeap } from '../scheduler/timer-queue.js';

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
 * @category Simulation
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
 * @category Simulation
 */
export function createAgenda<T>(): Agenda<T> {
  // The timer queue's heap orders (at, insertion); items live beside it by slot.
  const heap = createSlotHeap();
  const items: (T | undefined)[] = [];
  return {
    get size() {
      return heap.size;
    },
    push(at, item) {
      items[heap.insert(at)] = item;
    },
    peekAt() {
      return heap.size === 0 ? Number.POSITIVE_INFINITY : heap.peekDue();
    },
    pop() {
      if (heap.size === 0) return undefined;
      const slot = heap.peek();
      heap.remove(slot);
      const item = items[slot];
      items[slot] = undefined;
      return item;
    },
  };
}
