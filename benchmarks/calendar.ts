/**
 * Business-calendar arithmetic: `addBusinessTime` of random durations (up to 30 business days)
 * from random instants in 2025–2026, ours (interval walking over cached days) against a naive
 * minute-stepping implementation that asks luxon for the local time of every minute.
 */
import { chinaCalendar } from '../src/scheduler/calendar.js';
import { minuteSteppingChinaCalendar } from '../src/testing/minute-calendar.js';
import { collectGarbage, report, seededRandom, timeIt } from './_harness.js';

const MINUTE = 60_000;
const BUSINESS_DAY_MINUTES = 8 * 60;
const OURS_OPS = 200_000;
const BASELINE_OPS = 40; // each naive op steps up to ~60k minutes at a few µs each
const VERIFY_OPS = 40;

// Starts on whole minutes up to 2026-10-31 so +30 business days stays inside the data (2026).
const FROM = Date.parse('2025-01-01T00:00:00+08:00');
const TO = Date.parse('2026-10-31T00:00:00+08:00');

function makeInputs(seed: number, n: number): { starts: Float64Array; minutes: Float64Array } {
  const random = seededRandom(seed);
  const starts = new Float64Array(n);
  const minutes = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    starts[i] = Math.floor((FROM + random() * (TO - FROM)) / MINUTE) * MINUTE;
    minutes[i] = 1 + Math.floor(random() * 30 * BUSINESS_DAY_MINUTES);
  }
  return { starts, minutes };
}

// --- the baseline: minute stepping, written independently of the calendar (leadflow/testing) ---
const naiveAddBusinessMinutes = minuteSteppingChinaCalendar([2025, 2026]).addBusinessMinutes;

// --- verify both agree on a sample -------------------------------------------------------------
const calendar = chinaCalendar({ years: [2025, 2026] });
{
  const { starts, minutes } = makeInputs(7, VERIFY_OPS);
  for (let i = 0; i < VERIFY_OPS; i += 1) {
    const t = starts[i] as number;
    const m = minutes[i] as number;
    const ours = calendar.addBusinessTime(t, m * MINUTE);
    const naive = naiveAddBusinessMinutes(t, m);
    if (ours !== naive) {
      throw new Error(
        `mismatch at ${new Date(t).toISOString()} + ${m} min: ours ${new Date(ours).toISOString()}, naive ${new Date(naive).toISOString()}`,
      );
    }
  }
  console.log(`verified: ours == naive minute stepping on ${VERIFY_OPS} random (start, duration) pairs`);
}

// --- ours ----------------------------------------------------------------------------------------
let sink = 0;
const inputs = makeInputs(42, OURS_OPS);
const coldCalendar = chinaCalendar({ years: [2025, 2026] });
collectGarbage();
// Cold: the first pass also fills the per-day caches (one luxon call set per local day).
const coldSeconds = timeIt(() => {
  for (let i = 0; i < OURS_OPS; i += 1) {
    sink += coldCalendar.addBusinessTime(inputs.starts[i] as number, (inputs.minutes[i] as number) * MINUTE);
  }
});
collectGarbage();
const warmSeconds = timeIt(() => {
  for (let i = 0; i < OURS_OPS; i += 1) {
    sink += coldCalendar.addBusinessTime(inputs.starts[i] as number, (inputs.minutes[i] as number) * MINUTE);
  }
});
const betweenSeconds = timeIt(() => {
  for (let i = 0; i < OURS_OPS; i += 1) {
    const t = inputs.starts[i] as number;
    sink += coldCalendar.businessTimeBetween(t, t + (inputs.minutes[i] as number) * 3 * MINUTE);
  }
});
const oursOps = OURS_OPS / warmSeconds;
const oursColdOps = OURS_OPS / coldSeconds;
const betweenOps = OURS_OPS / betweenSeconds;

// --- baseline -----------------------------------------------------------------------------------
collectGarbage();
const baselineSeconds = timeIt(() => {
  for (let i = 0; i < BASELINE_OPS; i += 1) {
    sink += naiveAddBusinessMinutes(inputs.starts[i] as number, inputs.minutes[i] as number);
  }
});
const baselineOps = BASELINE_OPS / baselineSeconds;

if (sink === 42) console.log('');
console.log(
  `ours   addBusinessTime (warm cache): ${oursOps.toFixed(0)} ops/s, ${((1e6 * warmSeconds) / OURS_OPS).toFixed(2)} µs/op over ${OURS_OPS} ops`,
);
console.log(
  `ours   addBusinessTime (cold, incl. cache fill): ${oursColdOps.toFixed(0)} ops/s, ${((1e6 * coldSeconds) / OURS_OPS).toFixed(2)} µs/op`,
);
console.log(`ours   businessTimeBetween (warm): ${betweenOps.toFixed(0)} ops/s`);
console.log(
  `naive  minute stepping with luxon: ${baselineOps.toFixed(2)} ops/s, ${((1e3 * baselineSeconds) / BASELINE_OPS).toFixed(1)} ms/op over ${BASELINE_OPS} ops (fewer ops: it is slow)`,
);
console.log(`speed-up: ${(oursOps / baselineOps).toFixed(0)}× (warm)`);

report({
  name: 'calendar',
  ours: oursOps,
  baseline: baselineOps,
  unit: 'ops/s',
  oursOps: OURS_OPS,
  baselineOps: BASELINE_OPS,
  oursColdOpsPerSec: oursColdOps,
  oursUsPerOp: (1e6 * warmSeconds) / OURS_OPS,
  betweenOpsPerSec: betweenOps,
  verifiedSample: VERIFY_OPS,
});
