/**
 * The json-rules-engine side of the benchmarks' baselines, written once: one Engine per phase,
 * reused across leads and awaited in sequence — tagging, intent grades and the valid-lead
 * contract on the lead's facts, then assignment on the facts enriched with tags, grade and
 * qualification (one Engine cannot feed its results back into its own facts). The same
 * assignment strategies then answer each condition from the engines' results.
 */
import { Engine } from 'json-rules-engine';
import type { Lead } from '../src/model/lead.js';
import type { Team } from '../src/model/team.js';
import type { CompiledRuleSet } from '../src/rules/compile.js';
import type { CompiledCondition } from '../src/rules/conditions.js';
import {
  type AssignmentState,
  type DecideContext,
  decideLeadUsing,
  type LeadDecision,
} from '../src/rules/decide.js';
import { leadFacts } from '../src/rules/facts.js';
import { toReferenceConditions } from '../src/rules/reference-engine.js';

export function createReferenceDecider(
  compiled: CompiledRuleSet,
  team: Team,
): (lead: Lead, state: AssignmentState, context: DecideContext) => Promise<LeadDecision> {
  const phaseOne = new Engine([], { allowUndefinedFacts: true });
  const phaseTwo = new Engine([], { allowUndefinedFacts: true });
  const names = new Map<CompiledCondition, string>();
  const register = (engine: Engine, condition: CompiledCondition | undefined, name: string) => {
    if (!condition) return;
    names.set(condition, name);
    engine.addRule({ name, conditions: toReferenceConditions(condition.condition), event: { type: name } });
  };
  for (const rule of compiled.tagging.rules) register(phaseOne, rule.when, `tag:${rule.id}`);
  for (const [index, grade] of compiled.tagging.intentGrades.entries())
    register(phaseOne, grade.when, `grade:${index}`);
  for (const part of compiled.qualification.parts) register(phaseOne, part.when, `qualify:${part.name}`);
  for (const rule of compiled.assignment.rules) register(phaseTwo, rule.when, `assign:${rule.id}`);

  return async (lead, state, context) => {
    const facts = leadFacts(lead) as Record<string, unknown>;
    const matched = new Set<string>();
    for (const event of (await phaseOne.run(facts)).events) matched.add(event.type);
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
      for (const event of (await phaseTwo.run({ ...facts, tags, intentGrade: grade, qualified })).events) {
        matched.add(event.type);
      }
    }
    return decideLeadUsing(compiled, lead, team, state, context, (condition) =>
      matched.has(names.get(condition)!),
    );
  };
}
