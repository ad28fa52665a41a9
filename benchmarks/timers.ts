/**
 * Timer queue: 1,000,000 schedules with 30% reschedules and 20% cancels, then a drain in due
 * order; ours (indexed binary heap) vs a naive sorted array with binary-search insertion.
 * The naive array is O(n) per insert, so it runs at 100,000 timers (said in the output); the
 * ratio compares ops/s of both at 100,000 and ours is also measured at 1,000,000.
 * Also reports bytesPerTimer: heap-used delta / pending timers with 1,000,000 pending.
 */
import { createTimerQueue } from '../src/scheduler/timer-queue.js';
import { collectGarbage, report, seededRandom, timeIt } from './_harness.js';

type Operation = { kind: 0 | 1 | 2; key: string; dueAt: number }; // 0 schedule, 1 reschedule, 2 cancel

function makeWorkload(count: number, seed: number): { operations: Operation[]; opCount: number } {
  const random = seededRandom(seed);
  const operations: Operation[] = [];
  const live: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `lead-${i}/sla`;
    operations.push({ kind: 0, key, dueAt: Math.floor(random() * 30 * 86_400_000) });
    live.push(key);
    const roll = random();
    if (roll < 0.3) {
      const target = live[Math.floor(random() * live.length)]!;
      operations.push({ kind: 1, key: target, dueAt: Math.floor(random() * 30 * 86_400_000) });
    } else if (roll < 0.5) {
      const index = Math.floor(random() * live.length);
      const target = live[index]!;
      live[index] = live[live.length - 1]!;
      live.pop();
      operations.push({ kind: 2, key: target, dueAt: 0 });
    }
  }
  // + one pop per live timer during the drain
  return { operations, opCount: operations.length + live.length };
}

function runOurs(operations: Operation[]): number {
  const queue = createTimerQueue<undefined>();
  for (const op of operations) {
    if (op.kind === 2) queue.cancel(op.key);
    else queue.schedule({ key: op.key, dueAt: op.dueAt });
  }
  let fired = 0;
  for (;;) {
    const batch = queue.popDue(Number.POSITIVE_INFINITY, 1024);
    if (batch.length === 0) break;
    fired += batch.length;
  }
  return fired;
}

/** Baseline: an array kept sorted by (dueAt, seq); insert by binary search + splice; cancel by scan. */
function runNaive(operations: Operation[]): number {
  const timers: { key: string; dueAt: number; seq: number }[] = [];
  let seq = 0;
  const removeKey = (key: string) => {
    const index = timers.findIndex((t) => t.key === key);
    if (index >= 0) timers.splice(index, 1);
  };
  for (const op of operations) {
    if (op.kind !== 0) removeKey(op.key);
    if (op.kind === 2) continue;
    const entry = { key: op.key, dueAt: op.dueAt, seq: seq++ };
    let low = 0;
    let high = timers.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const t = timers[mid]!;
      if (t.dueAt < entry.dueAt || (t.dueAt === entry.dueAt && t.seq < entry.seq)) low = mid + 1;
      else high = mid;
    }
    timers.splice(low, 0, entry);
  }
  let fired = 0;
  // The array is sorted ascending; drain from the front as a queue would.
  for (let i = 0; i < timers.length; i++) fired++;
  timers.length = 0;
  return fired;
}

const small = makeWorkload(100_000, 7);
const large = makeWorkload(1_000_000, 7);

// Warm up both implementations so JIT tiers are comparable.
runOurs(makeWorkload(20_000, 1).operations);
runNaive(makeWorkload(5_000, 1).operations);

let firedOurs = 0;
let firedNaive = 0;
const oursSmallSeconds = timeIt(() => {
  firedOurs = runOurs(small.operations);
});
const naiveSmallSeconds = timeIt(() => {
  firedNaive = runNaive(small.operations);
});
if (firedOurs !== firedNaive) throw new Error(`mismatch: ours fired ${firedOurs}, naive fired ${firedNaive}`);
const oursLargeSeconds = timeIt(() => {
  runOurs(large.operations);
});

// Memory: 1,000,000 pending timers (keys built inside the measured region, payload-free).
collectGarbage();
const heapBefore = process.memoryUsage().heapUsed;
const pending = createTimerQueue<undefined>();
for (let i = 0; i < 1_000_000; i++) pending.schedule({ key: `lead-${i}/sla`, dueAt: i * 1000 });
collectGarbage();
const bytesPerTimer = (process.memoryUsage().heapUsed - heapBefore) / pending.size;

const oursOpsSmall = small.opCount / oursSmallSeconds;
const naiveOpsSmall = small.opCount / naiveSmallSeconds;
const oursOpsLarge = large.opCount / oursLargeSeconds;
console.log(`workload: schedules + 30% reschedules + 20% cancels, then drain`);
console.log(
  `at 100,000 timers (${small.opCount} ops): ours ${Math.round(oursOpsSmall)} ops/s, naive sorted array ${Math.round(naiveOpsSmall)} ops/s`,
);
console.log(
  `at 1,000,000 timers (${large.opCount} ops): ours ${Math.round(oursOpsLarge)} ops/s (${oursLargeSeconds.toFixed(2)} s); naive not run at 1M (O(n) inserts: minutes)`,
);
console.log(
  `memory with ${pending.size} pending timers: ${bytesPerTimer.toFixed(1)} bytes/timer (keys included)`,
);
report({
  name: 'timers',
  ours: oursOpsSmall,
  baseline: naiveOpsSmall,
  baselineScale: 100_000,
  oursAt1M: oursOpsLarge,
  seconds1M: oursLargeSeconds,
  bytesPerTimer,
});
