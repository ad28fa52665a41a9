import { createActor, SimulatedClock } from 'xstate';
import { replayMemoryStorage } from '../src/adapters/storage/replay-memory.js';
import { createEngine } from '../src/engine/engine.js';
import { leadMachine } from '../src/machines/lead.js';
import { createReferenceStepper, createStepper } from '../src/machines/xstate-step.js';
import { parseLead } from '../src/model/lead.js';
import { compileRuleSet } from '../src/rules/compile.js';
import { emptyAssignmentState } from '../src/rules/decide.js';
import { zhikongPreset } from '../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../src/scheduler/calendar.js';
import { createVirtualClock } from '../src/scheduler/clock.js';
import { collectGarbage, report, timeIt, timeItAsync } from './_harness.js';
import { generateRawLeads } from './_leads.js';
import { createReferenceDecider } from './_reference-decider.js';

const LEADS = 100_000;
const BASELINE_LEADS = 10_000;
const START = Date.parse('2026-03-02T01:00:00Z');
const calendar = chinaCalendar({ years: [2026] });
const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
const team = zhikongPreset.team;
// ~1 lead per 30 s keeps 100,000 leads inside the calendar's covered year.
// The generator's `id` is the source system's id of the lead: `externalId` to the engine.
const raws = generateRawLeads(LEADS, 11, START).map((raw, index) => {
  const { id, ...rest } = raw as Record<string, unknown>;
  return { ...rest, externalId: id, receivedAt: START + index * 30_000 };
});
const SETTLE_MS = 14 * 86_400_000;

async function runOurs(count: number): Promise<number> {
  const clock = createVirtualClock(START);
  const engine = createEngine({
    ruleSet: compiled,
    team,
    calendar,
    clock,
    storage: replayMemoryStorage(),
    notifier: 'dropAll',
    trace: false,
  });
  let accepted = 0;
  for (let i = 0; i < count; i++) {
    const raw = raws[i]!;
    await engine.advanceTo(raw.receivedAt as number);
    if ((await engine.ingest(raw)).status === 'accepted') accepted++;
  }
  await engine.advanceTo(clock.now() + SETTLE_MS);
  return accepted;
}

// --- baseline ---------------------------------------------------------------------------------
const referenceDecide = createReferenceDecider(compiled, team);

async function runBaseline(count: number): Promise<number> {
  const simulated = new SimulatedClock();
  simulated.set(START);
  let state = emptyAssignmentState('2026-03-02');
  let accepted = 0;
  let breaches = 0;
  const actors = [];
  for (let i = 0; i < count; i++) {
    const raw = raws[i]!;
    simulated.set(raw.receivedAt as number);
    const parsed = parseLead(raw);
    if (!parsed.ok) continue;
    accepted++;
    const lead = parsed.lead;
    const day = new Date(lead.receivedAt + 8 * 3_600_000).toISOString().slice(0, 10);
    const decided = await referenceDecide(lead, state, { now: lead.receivedAt, day });
    state = decided.state;
    const actor = createActor(leadMachine, {
      input: { leadId: `lead-${i}`, receivedAt: lead.receivedAt, priority: lead.priority },
      clock: simulated,
    });
    actor.start();
    actor.send({ type: 'DECIDED', decision: decided.decision, at: lead.receivedAt });
    // SLA deadlines as live timeouts on the same business calendar.
    for (const policy of compiled.sla.policies) {
      if (policy.entity !== 'lead') continue;
      const due =
        policy.clock === 'business'
          ? calendar.addBusinessTime(lead.receivedAt, policy.target)
          : lead.receivedAt + policy.target;
      simulated.setTimeout(() => {
        breaches++;
        actor.send({ type: 'ESCALATE', policyId: policy.id, to: 'supervisor', at: simulated.now() });
      }, due - lead.receivedAt);
    }
    actors.push(actor);
  }
  simulated.increment(SETTLE_MS);
  for (const actor of actors) actor.stop();
  return accepted + breaches * 0;
}

// Machine step cost: a typical lead's events through the compiled stepper vs transition().
function stepCost(stepper: ReturnType<typeof createStepper>, rounds: number): number {
  const events = [
    { type: 'DECIDED', decision: { kind: 'assign', repId: 'rep-a', ruleId: 'r', strategy: 'owner' } },
    { type: 'OPEN', repId: 'rep-a' },
    { type: 'FOLLOW_UP', status: '已报价', nextAction: '跟进', nextContactAt: START + 86_400_000 },
    { type: 'ESCALATE', policyId: 'p', to: 'manager' },
  ];
  let steps = 0;
  const seconds = timeIt(() => {
    for (let r = 0; r < rounds; r++) {
      let snapshot = stepper.initial({ leadId: `l${r}`, receivedAt: START }, START).snapshot;
      for (const event of events) {
        snapshot = stepper.step(snapshot, event as never, START + 1000).snapshot;
        steps++;
      }
    }
  });
  return (seconds * 1e6) / steps;
}

// Warm up both paths.
await runOurs(2_000);
await runBaseline(1_000);
collectGarbage();

let oursAccepted = 0;
const oursSeconds = await timeItAsync(async () => {
  oursAccepted = await runOurs(LEADS);
});
collectGarbage();
const oursSliceSeconds = await timeItAsync(async () => {
  await runOurs(BASELINE_LEADS);
});
collectGarbage();
const baselineSeconds = await timeItAsync(async () => {
  await runBaseline(BASELINE_LEADS);
});
const compiledStep = createStepper(leadMachine);
const referenceStep = createReferenceStepper(leadMachine);
stepCost(compiledStep, 2_000);
stepCost(referenceStep, 500);
const oursStepUs = stepCost(compiledStep, 20_000);
const xstateStepUs = stepCost(referenceStep, 2_000);

const ours = LEADS / oursSeconds;
const oursSlice = BASELINE_LEADS / oursSliceSeconds;
const baseline = BASELINE_LEADS / baselineSeconds;
console.log(
  `ours: ${LEADS} leads (${oursAccepted} accepted) in ${oursSeconds.toFixed(2)} s = ${Math.round(ours)} leads/s`,
);
console.log(
  `on the first ${BASELINE_LEADS} leads: ours ${Math.round(oursSlice)} leads/s, baseline (json-rules-engine + live XState actors + SimulatedClock) ${Math.round(baseline)} leads/s`,
);
console.log(
  `machine step: compiled ${oursStepUs.toFixed(2)} µs vs XState transition() ${xstateStepUs.toFixed(2)} µs`,
);
report({
  name: 'engine',
  ours: oursSlice,
  baseline,
  unit: 'leads/s',
  slice: BASELINE_LEADS,
  oursOver100k: ours,
  seconds100k: oursSeconds,
  machineStepUs: oursStepUs,
  xstateStepUs,
});
