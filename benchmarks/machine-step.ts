/**
 * Lead machine step: µs per step over a typical lifecycle (offer → claim → open → follow-ups →
 * nurture → escalation → incubation expiry → re-decision → follow-up → convert, plus a rejected
 * event), for 5,000 seeded leads. Ours: `createStepper(leadMachine)` (compiled table) from the
 * persisted JSON snapshot. Baseline: the naive use of XState's public pure API per step —
 * `machine.resolveState(persisted)` + `transition(machine, snapshot, event)`. Also reported: the
 * full reference stepper (baseline + `can()` + timer mapping). Lower is better; the engine's
 * budget is 5 µs per step. Both sides must end in identical snapshots.
 */
import { transition } from 'xstate';
import { type LeadEvent, leadMachine } from '../src/machines/lead.js';
import {
  createReferenceStepper,
  createStepper,
  type PersistedSnapshot,
} from '../src/machines/xstate-step.js';
import { report, seededRandom, timeIt } from './_harness.js';

const LEADS = 5_000;
const ROUNDS = 5;
const MINUTE = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T01:00:00Z');
const REPS = ['rep-a', 'rep-b', 'rep-c', 'rep-d'];

interface Lead {
  id: string;
  events: LeadEvent[];
}

function makeLeads(count: number, seed: number): Lead[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const leads: Lead[] = [];
  for (let i = 0; i < count; i++) {
    let t = T0 + Math.floor(random() * 30 * DAY);
    const next = (ms: number) => {
      t += Math.floor(ms * (0.5 + random()));
      return t;
    };
    const owner = pick(REPS);
    const later = pick(REPS.filter((r) => r !== owner));
    const events: LeadEvent[] = [
      {
        type: 'DECIDED',
        decision: {
          kind: 'offer',
          repIds: REPS.slice(0, 3),
          ruleId: 'r-tender',
          claimTimeoutMs: 10 * MINUTE,
        },
        at: next(1_000),
      },
      { type: 'CLAIM', repId: owner === 'rep-d' ? 'rep-a' : owner, at: next(2 * MINUTE) },
      { type: 'OPEN', repId: owner === 'rep-d' ? 'rep-a' : owner, at: next(10 * MINUTE) },
      { type: 'CLAIM', repId: later, at: next(MINUTE) }, // rejected: already assigned
      {
        type: 'FOLLOW_UP',
        status: 'quoted',
        nextAction: 'send quote',
        nextContactAt: t + 2 * DAY,
        at: next(3_600_000),
      },
      {
        type: 'FOLLOW_UP',
        status: 'on hold',
        nextAction: 'revisit budget',
        nextContactAt: t + 20 * DAY,
        outcome: 'on hold',
        moveTo: 'nurturing',
        nurtureUntil: t + 60 * DAY,
        at: next(DAY),
      },
      { type: 'ESCALATE', policyId: 'stalled-5d', to: 'manager', at: next(5 * DAY) },
      { type: 'INCUBATION_EXPIRED', at: t + 60 * DAY },
      {
        type: 'DECIDED',
        decision: { kind: 'assign', repId: later, ruleId: 'r-region', strategy: 'roundRobin' },
        at: next(MINUTE),
      },
      {
        type: 'FOLLOW_UP',
        status: 'needs technical confirmation',
        nextAction: 'site visit',
        nextContactAt: t + DAY,
        at: next(DAY),
      },
      { type: 'CONVERT', opportunityId: `opp-${i}`, at: next(3 * DAY) },
    ];
    leads.push({ id: `lead-${i}`, events });
  }
  return leads;
}

const leads = makeLeads(LEADS, 42);
const stepsPerRound = leads.reduce((n, lead) => n + lead.events.length, 0);
const stepper = createStepper(leadMachine);
if (stepper.mode !== 'compiled') throw new Error(`lead machine did not compile: ${stepper.fallbackReason}`);
const reference = createReferenceStepper(leadMachine);
const initials = leads.map((lead) => stepper.initial({ leadId: lead.id, receivedAt: T0 }, T0).snapshot);

function runOurs(): PersistedSnapshot[] {
  const out: PersistedSnapshot[] = [];
  for (let i = 0; i < leads.length; i++) {
    let snapshot: PersistedSnapshot = initials[i]!;
    for (const event of leads[i]!.events)
      snapshot = stepper.step(snapshot as never, event, event.at).snapshot;
    out.push(snapshot);
  }
  return out;
}

function runNaive(): PersistedSnapshot[] {
  const out: PersistedSnapshot[] = [];
  for (let i = 0; i < leads.length; i++) {
    let persisted: PersistedSnapshot = initials[i]!;
    for (const event of leads[i]!.events) {
      const restored = leadMachine.resolveState(persisted as never);
      const [next] = transition(leadMachine, restored, event);
      persisted = { value: next.value, context: next.context, status: next.status };
    }
    out.push(persisted);
  }
  return out;
}

function runReference(): PersistedSnapshot[] {
  const out: PersistedSnapshot[] = [];
  for (let i = 0; i < leads.length; i++) {
    let snapshot: PersistedSnapshot = initials[i]!;
    for (const event of leads[i]!.events)
      snapshot = reference.step(snapshot as never, event, event.at).snapshot;
    out.push(snapshot);
  }
  return out;
}

/** Best of ROUNDS, in µs per step (best-of damps GC and scheduler noise equally for both). */
function usPerStep(run: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) best = Math.min(best, timeIt(run));
  return (best * 1e6) / stepsPerRound;
}

// Correctness first: all three agree on every lead's final snapshot.
const a = JSON.stringify(runOurs());
if (a !== JSON.stringify(runNaive()) || a !== JSON.stringify(runReference())) {
  throw new Error('ours and XState disagree on the final snapshots');
}

const initialUs =
  (timeIt(() => {
    for (const lead of leads) stepper.initial({ leadId: lead.id, receivedAt: T0 }, T0);
  }) *
    1e6) /
  leads.length;
const ours = usPerStep(runOurs);
const baseline = usPerStep(runNaive);
const referenceUs = usPerStep(runReference);

console.log(
  `${LEADS} leads × ${stepsPerRound / LEADS} events = ${stepsPerRound} steps per round, best of ${ROUNDS}`,
);
console.log(`ours (compiled stepper):                 ${ours.toFixed(2)} µs/step`);
console.log(`baseline (resolveState + transition()):  ${baseline.toFixed(2)} µs/step`);
console.log(`reference stepper (baseline + can()):    ${referenceUs.toFixed(2)} µs/step`);
console.log(`ours initial():                          ${initialUs.toFixed(2)} µs/lead`);
console.log(`budget 5 µs/step: ${ours <= 5 ? 'met' : 'MISSED'}`);
report({
  name: 'machine-step',
  ours,
  baseline,
  unit: 'µs/step',
  lowerIsBetter: true,
  steps: stepsPerRound,
  referenceStepperUs: referenceUs,
  oursInitialUs: initialUs,
  budgetUs: 5,
  withinBudget: ours <= 5,
});
