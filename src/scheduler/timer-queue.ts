import { TimerError } from '../errors.js';

/**
 * One pending timer. `generation` lets a consumer recognise a stale firing: whoever scheduled
 * the timer bumps the generation on every reschedule and ignores a fired timer whose generation
 * is not the current one.
 *
 * @example
 * ```ts
 * import type { Timer } from 'leadflow';
 * const t: Timer<{ leadId: string }> = { key: 'lead-1/unassigned', dueAt: 1_700_000_000_000, generation: 1, payload: { leadId: 'lead-1' } };
 * ```
 * @category Calendar and clocks
 */
export interface Timer<P = unknown> {
  /** Unique key; scheduling an existing key replaces the timer. */
  readonly key: string;
  /** Epoch ms at which the timer is due. */
  readonly dueAt: number;
  /** Generation counter supplied by the scheduler of the timer (0 when not given). */
  readonly generation: number;
  /** Opaque data handed back when the timer fires. */
  readonly payload: P | undefined;
}

/**
 * What {@link TimerQueue.schedule} accepts.
 *
 * @example
 * ```ts
 * import type { ScheduleTimer } from 'leadflow';
 * const command: ScheduleTimer = { key: 'lead-1/first-follow-up', dueAt: Date.parse('2026-03-03T01:00:00Z') };
 * ```
 * @category Calendar and clocks
 */
export interface ScheduleTimer<P = unknown> {
  key: string;
  dueAt: number;
  generation?: number;
  payload?: P;
}

/**
 * An in-memory timer store shaped like a durable one (rows with an absolute due time, upsert by
 * key). Schedule, cancel and pop are O(log n): an indexed binary min-heap over parallel typed
 * arrays, so a million pending timers cost little more than their keys and payloads.
 *
 * @example
 * ```ts
 * import { createTimerQueue } from 'leadflow';
 * const queue = createTimerQueue<string>();
 * queue.schedule({ key: 'a', dueAt: 2_000, payload: 'escalate' });
 * queue.schedule({ key: 'b', dueAt: 1_000 });
 * queue.popDue(1_500).map((t) => t.key); // ['b']
 * ```
 * @category Calendar and clocks
 */
export interface TimerQueue<P = unknown> {
  /** Insert or replace (by key) a timer. A replaced timer takes a new place in insertion order. */
  schedule(timer: ScheduleTimer<P>): void;
  /** Remove the timer with this key; returns whether one was pending. */
  cancel(key: string): boolean;
  /** The pending timer with this key, if any. */
  get(key: string): Timer<P> | undefined;
  /** Whether a timer with this key is pending. */
  has(key: string): boolean;
  /** The next timer to fire (earliest due, then earliest inserted), without removing it. */
  peek(): Timer<P> | undefined;
  /** Remove and return every timer due at or before `now` (at most `limit`), in due order, ties in insertion order. */
  popDue(now: number, limit?: number): Timer<P>[];
  /** Number of pending timers. */
  readonly size: number;
}

const INITIAL_CAPACITY = 64;

/**
 * The heap under {@link createTimerQueue}, addressed by slot numbers instead of keys: a caller
 * that keeps the slot beside its own row (the memory storage adapter does) schedules, moves and
 * cancels without hashing a key. Ordered by due time, then insertion order (a moved entry counts
 * as newly inserted).
 *
 * @internal
 * @example
 * ```ts
 * const heap = createSlotHeap();
 * const slot = heap.insert(2_000);
 * heap.move(slot, 1_000);
 * heap.peekDue(); // 1_000
 * heap.remove(heap.peek()); // slot is free again
 * ```
 */
export interface SlotHeap {
  /** A new entry due at `dueAt`; returns its slot. */
  insert(dueAt: number): number;
  /** Give a live slot a new due time (and a new place in insertion order). */
  move(slot: number, dueAt: number): void;
  /** Remove a live slot; the slot number may be reused by a later insert. */
  remove(slot: number): void;
  /** The slot that fires next, or -1 when empty. */
  peek(): number;
  /** Due time of {@link SlotHeap.peek}'s slot (Infinity when empty: check `size` before comparing). */
  peekDue(): number;
  dueAt(slot: number): number;
  readonly size: number;
}

/**
 * Create an empty {@link SlotHeap}: an indexed binary min-heap over parallel typed arrays.
 *
 * @internal
 * @example
 * ```ts
 * const heap = createSlotHeap();
 * heap.insert(5); // 0
 * ```
 */
export function createSlotHeap(): SlotHeap {
  let capacity = INITIAL_CAPACITY;
  let dueAts = new Float64Array(capacity);
  let sequences = new Float64Array(capacity); // insertion order, for stable ties
  let heapPositions = new Int32Array(capacity);
  let heap = new Int32Array(capacity);
  // Due times mirrored in heap order: comparisons walk contiguous memory instead of slots.
  let heapDue = new Float64Array(capacity);
  let heapSize = 0;
  const freeSlots: number[] = [];
  let nextSlot = 0;
  let nextSequence = 0;

  function grow(): void {
    const nextCapacity = capacity * 2;
    const copy = <T extends Float64Array | Int32Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    dueAts = copy(dueAts, new Float64Array(nextCapacity));
    sequences = copy(sequences, new Float64Array(nextCapacity));
    heapPositions = copy(heapPositions, new Int32Array(nextCapacity));
    heap = copy(heap, new Int32Array(nextCapacity));
    heapDue = copy(heapDue, new Float64Array(nextCapacity));
    capacity = nextCapacity;
  }

  function allocateSlot(): number {
    const reused = freeSlots.pop();
    if (reused !== undefined) return reused;
    if (nextSlot === capacity) grow();
    return nextSlot++;
  }

  /** Whether the entry at heap position `a` fires before the one at `b`. */
  function before(a: number, b: number): boolean {
    const dueA = heapDue[a]!;
    const dueB = heapDue[b]!;
    return dueA < dueB || (dueA === dueB && sequences[heap[a]!]! < sequences[heap[b]!]!);
  }

  /** Whether (due, sequence) fires before the entry at heap position `b`. */
  function keyBefore(due: number, sequence: number, b: number): boolean {
    const dueB = heapDue[b]!;
    return due < dueB || (due === dueB && sequence < sequences[heap[b]!]!);
  }

  function place(position: number, slot: number, due: number): void {
    heap[position] = slot;
    heapDue[position] = due;
    heapPositions[slot] = position;
  }

  function siftUp(position: number): void {
    const slot = heap[position]!;
    const due = heapDue[position]!;
    const sequence = sequences[slot]!;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      if (!keyBefore(due, sequence, parent)) break;
      place(position, heap[parent]!, heapDue[parent]!);
      position = parent;
    }
    place(position, slot, due);
  }

  function siftDown(position: number): void {
    const slot = heap[position]!;
    const due = heapDue[position]!;
    const sequence = sequences[slot]!;
    for (;;) {
      const left = 2 * position + 1;
      if (left >= heapSize) break;
      const right = left + 1;
      const child = right < heapSize && before(right, left) ? right : left;
      if (keyBefore(due, sequence, child)) break;
      place(position, heap[child]!, heapDue[child]!);
      position = child;
    }
    place(position, slot, due);
  }

  /**
   * Floyd's bottom-up deletion: walk the hole at the root down to a leaf along the earlier
   * child, then sift the last element up from there. The last element almost always belongs
   * near the bottom, so this halves the comparisons of the textbook sift-down.
   */
  function removeRoot(): void {
    let hole = 0;
    for (;;) {
      const left = 2 * hole + 1;
      if (left >= heapSize) break;
      const right = left + 1;
      const child = right < heapSize && before(right, left) ? right : left;
      place(hole, heap[child]!, heapDue[child]!);
      hole = child;
    }
    place(hole, heap[heapSize]!, heapDue[heapSize]!);
    siftUp(hole);
  }

  return {
    insert(dueAt) {
      const slot = allocateSlot();
      dueAts[slot] = dueAt;
      sequences[slot] = nextSequence++;
      place(heapSize, slot, dueAt);
      heapSize++;
      siftUp(heapSize - 1);
      return slot;
    },
    move(slot, dueAt) {
      dueAts[slot] = dueAt;
      sequences[slot] = nextSequence++;
      const position = heapPositions[slot]!;
      heapDue[position] = dueAt;
      // A moved entry sorts after every other entry with the same due time, so it can only
      // move down when its due time grew or stayed; up when it shrank.
      siftUp(position);
      siftDown(heapPositions[slot]!);
    },
    remove(slot) {
      const position = heapPositions[slot]!;
      heapSize--;
      if (position !== heapSize) {
        if (position === 0) {
          removeRoot();
        } else {
          place(position, heap[heapSize]!, heapDue[heapSize]!);
          // The moved element may need to go either way.
          if (before(position, (position - 1) >> 1)) siftUp(position);
          else siftDown(position);
        }
      }
      freeSlots.push(slot);
    },
    peek() {
      return heapSize === 0 ? -1 : heap[0]!;
    },
    peekDue() {
      return heapSize === 0 ? Number.POSITIVE_INFINITY : heapDue[0]!;
    },
    dueAt(slot) {
      return dueAts[slot]!;
    },
    get size() {
      return heapSize;
    },
  };
}

/**
 * Create an empty {@link TimerQueue}.
 *
 * @example
 * ```ts
 * import { createTimerQueue } from 'leadflow';
 * const queue = createTimerQueue<{ leadId: string }>();
 * queue.schedule({ key: 'lead-7/unopened', dueAt: 60_000, generation: 3, payload: { leadId: 'lead-7' } });
 * queue.schedule({ key: 'lead-7/unopened', dueAt: 90_000, generation: 4, payload: { leadId: 'lead-7' } }); // replaces
 * queue.size; // 1
 * ```
 * @category Calendar and clocks
 */
export function createTimerQueue<P = unknown>(): TimerQueue<P> {
  const heap = createSlotHeap();
  // Per slot: the key, generation and payload; the heap keeps due times and order.
  const keys: (string | undefined)[] = [];
  const generations: number[] = [];
  const payloads: (P | undefined)[] = [];
  const slotByKey = new Map<string, number>();

  function removeSlot(slot: number): void {
    heap.remove(slot);
    slotByKey.delete(keys[slot]!);
    keys[slot] = undefined;
    payloads[slot] = undefined;
  }

  function read(slot: number): Timer<P> {
    return {
      key: keys[slot]!,
      dueAt: heap.dueAt(slot),
      generation: generations[slot]!,
      payload: payloads[slot],
    };
  }

  function validate(timer: ScheduleTimer<P>): void {
    if (typeof timer?.key !== 'string' || timer.key.length === 0) {
      throw new TimerError('schedule(timer): timer.key must be a non-empty string');
    }
    if (typeof timer.dueAt !== 'number' || !Number.isFinite(timer.dueAt)) {
      throw new TimerError(`schedule(timer): timer.dueAt of "${timer.key}" must be a finite epoch-ms number`);
    }
    const generation = timer.generation ?? 0;
    if (!Number.isSafeInteger(generation) || generation < 0) {
      throw new TimerError(`schedule(timer): timer.generation of "${timer.key}" must be a safe integer ≥ 0`);
    }
  }

  return {
    schedule(timer) {
      validate(timer);
      let slot = slotByKey.get(timer.key);
      if (slot === undefined) {
        slot = heap.insert(timer.dueAt);
        slotByKey.set(timer.key, slot);
        keys[slot] = timer.key;
      } else heap.move(slot, timer.dueAt);
      generations[slot] = timer.generation ?? 0;
      payloads[slot] = timer.payload;
    },
    cancel(key) {
      const slot = slotByKey.get(key);
      if (slot === undefined) return false;
      removeSlot(slot);
      return true;
    },
    get(key) {
      const slot = slotByKey.get(key);
      return slot === undefined ? undefined : read(slot);
    },
    has(key) {
      return slotByKey.has(key);
    },
    peek() {
      const slot = heap.peek();
      return slot === -1 ? undefined : read(slot);
    },
    popDue(now, limit = Number.POSITIVE_INFINITY) {
      if (typeof now !== 'number' || Number.isNaN(now)) {
        throw new TimerError('popDue(now): now must be an epoch-ms number');
      }
      const due: Timer<P>[] = [];
      while (heap.size > 0 && due.length < limit && heap.peekDue() <= now) {
        const slot = heap.peek();
        due.push(read(slot));
        removeSlot(slot);
      }
      return due;
    },
    get size() {
      return heap.size;
    },
  };
}
