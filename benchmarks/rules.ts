/**
 * Rules: the `zhikong` preset deciding 100,000 generated leads (tags, intent grade, valid-lead
 * contract, assignment with capacity/round-robin state).
 *   ours     — compiled condition closures (decideLead, no condition traces)
 *   baseline — json-rules-engine evaluating the same conditions: one Engine per phase (tagging +
 *              grading + qualification on the lead's facts, then assignment on the facts enriched
 *              with tags/grade/qualification — one Engine cannot feed its results back into its
 *              own facts), reused across leads, runs awaited in sequence; then the same assignment
 *              strategies, answering each condition from the engine's results.
 * Both sides must reach identical decisions, or the benchmark fails.
 */
import { Engine } from 'json-rules-engine';
import { type Lead, parseLead } from '../src/model/lead.js';
import { compileRuleSet } from '../src/rules/compile.js';
import type { CompiledCondition } from '../src/rules/conditions.js';
import {
  type AssignmentState,
  decideLead,
  decideLeadUsing,
  emptyAssignmentState,
  type LeadDecision,
} from '../src/rules/decide.js';
import { leadFacts } from '../src/rules/facts.js';
import { zhikongPreset } from '../src/rules/presets/zhikong.js';
import { toReferenceConditions } from '../src/rules/reference-engine.js';
import { report, timeIt, timeItAsync } from './_harness.js';
import { generateRawLeads } from './_leads.js';

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
const phaseOne = new Engine([], { allowUndefinedFacts: true });
const phaseTwo = new Engine([], { allowUndefinedFacts: true });
const names = new Map<CompiledCondition, string>();
function register(engine: Engine, condition: CompiledCondition | undefined, name: string) {
  if (!condition) return;
  names.set(condition, name);
  engine.addRule({ name, conditions: toReferenceConditions(condition.condition), event: { type: name } });
}
for (const rule of compiled.tagging.rules) register(phaseOne, rule.when, `tag:${rule.id}`);
for (const [index, grade] of compiled.tagging.intentGrades.entries())
  register(phaseOne, grade.when, `grade:${index}`);
for (const part of compiled.qualification.parts) register(phaseOne, part.when, `qualify:${part.name}`);
for (const rule of compiled.assignment.rules) register(phaseTwo, rule.when, `assign:${rule.id}`);

async function runBaseline(count: number): Promise<string[]> {
  let state: AssignmentState = emptyAssignmentState(dayOf(leads[0]!));
  const outcomes: string[] = [];
  for (let i = 0; i < count; i++) {
    const lead = leads[i]!;
    const facts = leadFacts(lead) as Record<string, unknown>;
    const matched = new Set<string>();
    for (const event of (await phaseOne.run(facts)).events) matched.add(event.type);
    // Enrich the facts as the assignment phase expects: tags, intent grade, qualification.
    const tags = [...lead.tags, `channel/${lead.channel}`];
    const band = compiled.tagging.budgetBands.find(
      (b) => lead.budget && (b.below === undefined || lead.budget.amount < b.below),
    );
    if (band && lead.budget) tags.push(band.tag);
    for (const rule of compiled.tagging.rules) if (matched.has(`tag:${rule.id}`)) tags.push(...rule.tags);
    const grade =
      compiled.tagging.intentGrades.find((g, index) => !g.when || matched.has(`grade:${index}`))?.grade ??
      'C';
    tags.push(`intent/${grade}`);
    const qualified = compiled.qualification.parts.every(
      (part) => !part.when || matched.has(`qualify:${part.name}`),
    );
    if (qualified) {
      const enriched = { ...facts, tags, intentGrade: grade, qualified };
      for (const event of (await phaseTwo.run(enriched)).events) matched.add(event.type);
    }
    // The same assignment strategies, answering each condition from the engine's results.
    const result = decideLeadUsing(
      compiled,
      lead,
      team,
      state,
      { now: lead.receivedAt, day: dayOf(lead) },
      (condition) => matched.has(names.get(condition)!),
    );
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
