import { type Lead, parseLead } from '../src/model/lead.js';
import { compileRuleSet } from '../src/rules/compile.js';
import {
  type AssignmentState,
  decideLead,
  emptyAssignmentState,
  type LeadDecision,
} from '../src/rules/decide.js';
import { zhikongPreset } from '../src/rules/presets/zhikong.js';
import { report, timeIt, timeItAsync } from './_harness.js';
import { generateRawLeads } from './_leads.js';
import { createReferenceDecider } from './_reference-decider.js';

const LEADS = 100_000;
const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
const team = zhikongPreset.team;
const leads: Lead[] = generateRawLeads(LEADS, 42).map((raw) => {
  const parsed = parseLead(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.lead;
});
const dayOf = (lead: Lead) => new Date(lead.receivedAt + 8 * 3_600_000).toISOString().slice(0, 10);

const days = leads.map(dayOf);

function runOurs(count: number): LeadDecision['decision'][] {
  let state: AssignmentState = emptyAssignmentState(days[0]!);
  const outcomes: LeadDecision['decision'][] = [];
  for (let i = 0; i < count; i++) {
    const lead = leads[i]!;
    const result = decideLead(compiled, lead, team, state, {
      now: lead.receivedAt,
      day: days[i]!,
      trace: false,
    });
    state = result.state;
    outcomes.push(result.decision);
  }
  return outcomes;
}

// --- baseline: json-rules-engine with one Engine per phase, reused across leads.
const referenceDecide = createReferenceDecider(compiled, team);

async function runBaseline(count: number): Promise<string[]> {
  let state: AssignmentState = emptyAssignmentState(dayOf(leads[0]!));
  const outcomes: string[] = [];
  for (let i = 0; i < count; i++) {
    const lead = leads[i]!;
    const result = await referenceDecide(lead, state, { now: lead.receivedAt, day: dayOf(lead) });
    state = result.state;
    outcomes.push(JSON.stringify(result.decision));
  }
  return outcomes;
}

// Warm-up, then agreement check on a slice.
runOurs(2_000);
const check = 2_000;
const oursCheck = runOurs(check);
const baselineCheck = await runBaseline(check);
for (let i = 0; i < check; i++) {
  if (JSON.stringify(oursCheck[i]) !== baselineCheck[i])
    throw new Error(`decision ${i} differs: ${oursCheck[i]} vs ${baselineCheck[i]}`);
}

// Best of three runs per side (after the warm-up above), so JIT tiering and a stray GC on a
// shared machine do not decide the figure. The ratio compares both on the same 20,000-lead slice.
const BASELINE_LEADS = 20_000;
let oursOutcomes: LeadDecision['decision'][] = [];
const best = (seconds: number[]) => Math.min(...seconds);
const oursFullSeconds = best(
  [0, 1, 2].map(() =>
    timeIt(() => {
      oursOutcomes = runOurs(LEADS);
    }),
  ),
);
const oursSliceSeconds = best([0, 1, 2].map(() => timeIt(() => void runOurs(BASELINE_LEADS))));
const baselineSeconds: number[] = [];
for (let run = 0; run < 3; run++)
  baselineSeconds.push(await timeItAsync(() => runBaseline(BASELINE_LEADS).then(() => {})));
const assigned = oursOutcomes.filter((o) => o.kind === 'assign').length;
const ours = BASELINE_LEADS / oursSliceSeconds;
const baseline = BASELINE_LEADS / best(baselineSeconds);
const oursFull = LEADS / oursFullSeconds;
console.log(
  `zhikong preset, ${LEADS} generated leads: ${assigned} assigned directly, decisions identical to json-rules-engine on the first ${check}`,
);
console.log(
  `ours: ${Math.round(oursFull)} decisions/s over ${LEADS} leads (${oursFullSeconds.toFixed(2)} s); on the first ${BASELINE_LEADS}: ours ${Math.round(ours)}/s, json-rules-engine ${Math.round(baseline)}/s`,
);
report({
  name: 'rules',
  ours,
  baseline,
  unit: 'decisions/s',
  slice: BASELINE_LEADS,
  oursOver100k: oursFull,
});
