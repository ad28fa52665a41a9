import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { TimerError } from '../../src/errors.js';
import { createTimerQueue, type Timer } from '../../src/scheduler/timer-queue.js';

/** The obviously-correct model: an array scanned in full on every operation. */
function createNaiveQueue() {
  let timers: (Timer<number> & { sequence: number })[] = [];
  let sequence = 0;
  const ordered = () => [...timers].sort((a, b) => a.dueAt - b.dueAt || a.sequence - b.sequence);
  return {
    schedule(key: string, dueAt: number, generation: number, payload: number) {
      timers = timers.filter((t) => t.key !== key);
      timers.push({ key, dueAt, generation, payload, sequence: sequence++ });
    },
    cancel(key: string) {
      const before = timers.length;
      timers = timers.filter((t) => t.key !== key);
      return timers.length !== before;
    },
    popDue(now: number, limit: number) {
      const due = ordered()
        .filter((t) => t.dueAt <= now)
        .slice(0, limit);
      const fired = new Set(due.map((t) => t.key));
      timers = timers.filter((t) => !fired.has(t.key));
      return due.map(({ key, dueAt, generation, payload }) => ({ key, dueAt, generation, payload }));
    },
    peek() {
      const first = ordered()[0];
      return (
        first && { key: first.key, dueAt: first.dueAt, generation: first.generation, payload: first.payload }
      );
    },
    get size() {
      return timers.length;
    },
  };
}

const keyArb = fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `k${i}`));
// A narrow due-time range makes ties common, which is where ordering bugs hide.
const dueArb = fc.integer({ min: 0, max: 40 });
const operationArb = fc.oneof(
  fc.record({
    op: fc.constant('schedule' as const),
    key: keyArb,
    dueAt: dueArb,
    generation: fc.nat(5),
    payload: fc.nat(),
  }),
  fc.record({ op: fc.constant('cancel' as const), key: keyArb }),
  fc.record({ op: fc.constant('popDue' as const), now: dueArb, limit: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constant('peek' as const) }),
);

describe('createTimerQueue', () => {
  test.prop([fc.array(operationArb, { maxLength: 300 })], { numRuns: 500 })(
    'behaves like a naive sorted array over any sequence of schedule / reschedule / cancel / popDue',
    (operations) => {
      const queue = createTimerQueue<number>();
      const model = createNaiveQueue();
      for (const operation of operations) {
        switch (operation.op) {
          case 'schedule':
            queue.schedule(operation);
            model.schedule(operation.key, operation.dueAt, operation.generation, operation.payload);
            break;
          case 'cancel':
            expect(queue.cancel(operation.key)).toBe(model.cancel(operation.key));
            break;
          case 'popDue':
            expect(queue.popDue(operation.now, operation.limit)).toEqual(
              model.popDue(operation.now, operation.limit),
            );
            break;
          case 'peek':
            expect(queue.peek()).toEqual(model.peek());
            break;
        }
        expect(queue.size).toBe(model.size);
      }
      // Draining everything yields the model's full order.
      expect(queue.popDue(Number.POSITIVE_INFINITY)).toEqual(
        model.popDue(Number.POSITIVE_INFINITY, Infinity),
      );
      expect(queue.size).toBe(0);
    },
  );

  it('fires ties in insertion order and a rescheduled timer takes a new place in that order', () => {
    const queue = createTimerQueue();
    queue.schedule({ key: 'a', dueAt: 10 });
    queue.schedule({ key: 'b', dueAt: 10 });
    queue.schedule({ key: 'c', dueAt: 10 });
    queue.schedule({ key: 'a', dueAt: 10, generation: 2 });
    expect(queue.popDue(10).map((t) => [t.key, t.generation])).toEqual([
      ['b', 0],
      ['c', 0],
      ['a', 2],
    ]);
  });

  it('keeps timers that are not yet due and respects the limit', () => {
    const queue = createTimerQueue<string>();
    for (let i = 0; i < 10; i++) queue.schedule({ key: `t${i}`, dueAt: i * 100, payload: `p${i}` });
    expect(queue.popDue(450, 3).map((t) => t.payload)).toEqual(['p0', 'p1', 'p2']);
    expect(queue.popDue(450).map((t) => t.key)).toEqual(['t3', 't4']);
    expect(queue.size).toBe(5);
    expect(queue.peek()?.key).toBe('t5');
    expect(queue.get('t9')).toEqual({ key: 't9', dueAt: 900, generation: 0, payload: 'p9' });
    expect(queue.has('t0')).toBe(false);
  });

  it('reuses freed slots and grows past its initial capacity', () => {
    const queue = createTimerQueue();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 1000; i++) queue.schedule({ key: `r${round}-${i}`, dueAt: (i * 7919) % 1000 });
      const fired = queue.popDue(Number.POSITIVE_INFINITY);
      expect(fired).toHaveLength(1000);
      expect(fired.map((t) => t.dueAt)).toEqual([...fired.map((t) => t.dueAt)].sort((a, b) => a - b));
    }
    expect(queue.size).toBe(0);
  });

  it('rejects malformed timers with an error naming the field', () => {
    const queue = createTimerQueue();
    expect(() => queue.schedule({ key: '', dueAt: 1 })).toThrow(/timer\.key/);
    expect(() => queue.schedule({ key: 'x', dueAt: Number.NaN })).toThrow(TimerError);
    expect(() => queue.schedule({ key: 'x', dueAt: 1, generation: -1 })).toThrow(/timer\.generation of "x"/);
    expect(() => queue.popDue(Number.NaN)).toThrow(/popDue\(now\)/);
    expect(queue.size).toBe(0);
  });
});
