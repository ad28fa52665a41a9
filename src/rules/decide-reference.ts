/**
 * The reference decision: {@link decideLead}'s logic with every condition evaluated by
 * json-rules-engine. Exported by `leadflow/testing` only (json-rules-engine is an optional peer
 * dependency there), so hosts of the root entry never load it.
 *
 * @module
 */
import type { Lead } from '../model/lead.js';
import type { Team } from '../model/team.js';
import type { CompiledRuleSet } from './compile.js';
import type { CompiledCondition } from './conditions.js';
import { type AssignmentState, type DecideContext, decideLeadUsing, type LeadDecision } from './decide.js';
import { evaluateReference } from './reference-engine.js';

/**
 * The same decision as `decideLead`, with every condition evaluated by json-rules-engine
 * (the reference semantics) instead of the compiled closures. Slow — one engine run per
 * condition — and meant for auditing a rule set or differential testing. Condition traces are
 * not recorded on this path. Needs the optional peer dependency `json-rules-engine`.
 *
 * @category Reference semantics
 * @example
 * ```ts
 * import { compileRuleSet, parseLead, parseTeam, zhikongPreset } from 'leadflow';
 * import { decideLead, emptyAssignmentState } from 'leadflow/core';
 * import { decideLeadWithReference } from 'leadflow/testing';
 * const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
 * const team = parseTeam(zhikongPreset.team);
 * const parsed = parseLead({ receivedAt: Date.parse('2026-03-02T10:00:00+08:00'), channel: 'website_form', company: { name: '苏州精工', region: '上海', industry: '机械制造' }, contact: { phone: '13800000001' }, need: '需要产线自动化改造方案' });
 * if (!parsed.ok) throw new Error('invalid lead');
 * const lead = parsed.lead;
 * const state = emptyAssignmentState('2026-03-02');
 * const context = { now: lead.receivedAt, day: '2026-03-02' };
 * const fast = decideLead(compiled, lead, team, state, context);
 * const reference = await decideLeadWithReference(compiled, lead, team, state, context);
 * console.log(fast.decision.kind === reference.decision.kind); // true
 * ```
 */
export async function decideLeadWithReference(
  compiled: CompiledRuleSet,
  lead: Lead,
  team: Pick<Team, 'reps' | 'supervisors'>,
  state: AssignmentState,
  context: DecideContext,
): Promise<LeadDecision> {
  const evaluation = { now: context.now };
  // The questions a decision asks are determined by the earlier answers, so the i-th answer
  // belongs to the i-th question: replay the (pure) decision, awaiting each new question.
  const answers: boolean[] = [];
  for (;;) {
    let asked = 0;
    let pending: { condition: CompiledCondition; facts: Record<string, unknown> } | undefined;
    const result = decideLeadUsing(compiled, lead, team, state, context, (condition, facts) => {
      if (pending !== undefined) return false;
      if (asked < answers.length) return answers[asked++]!;
      // Copy `tags`: the rest of this run still appends to it before we evaluate.
      pending = { condition, facts: { ...facts, tags: [...(facts.tags as string[])] } };
      return false;
    });
    if (pending === undefined) return result;
    answers.push(await evaluateReference(pending.condition.condition, pending.facts, evaluation));
  }
}
