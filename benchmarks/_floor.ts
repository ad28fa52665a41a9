/**
 * The floor of the simulate benchmark: the same arrivals and host actions as our run, through the
 * pure core alone — the intake fast path, compiled decisions, the compiled lead stepper on plain
 * snapshots, SLA deadlines in business time and the machines' own timers on one timer queue, the
 * notifications rendered — and nothing else: no storage, no event log, no outbox, no engine. Our
 * time over this is what the engine shell costs (`floorRatio`).
 */
import { renderTemplate } from '../src/engine/templates.js';
import { type LeadContext, type LeadEvent, leadMachine } from '../src/machines/lead.js';
import { createStepper, type PersistedSnapshot, stateValueToString } from '../src/machines/xstate-step.js';
import type { Lead } from '../src/model/lead.js';
import { parseLead } from '../src/model/lead.js';
import type { Team } from '../src/model/team.js';
import type { CompiledRuleSet } from '../src/rules/compile.js';
import {
  type AssignmentState,
  decideLead,
  emptyAssignmentState,
  recordAssignment,
} from '../src/rules/decide.js';
import type { BusinessCalendar } from '../src/scheduler/calendar.js';
import { createTimerQueue } from '../src/scheduler/timer-queue.js';
import type { SimulationAction } from '../src/simulate/run.js';
import { contactKeys, shanghaiDay } from './_leads.js';

const DAY = 86_400_000;

interface FloorLead {
  readonly lead: Lead;
  snapshot: PersistedSnapshot<LeadContext>;
  state: string;
  final: boolean;
  /** SLA policies running on the lead. */
  readonly sla: Set<string>;
}

type Due = { leadId: string; event?: LeadEvent; policy?: string; breach?: boolean };

export function runFloor(
  /** Emptied as it goes: a processed action is released, as a stream would be. */
  recorded: (SimulationAction | undefined)[],
  setup: { compiled: CompiledRuleSet; team: Team; calendar: BusinessCalendar; start: number; end: number },
) {
  const { compiled, team, calendar } = setup;
  const stepper = createStepper(leadMachine);
  let assignment: AssignmentState = emptyAssignmentState(shanghaiDay(setup.start));
  const leads = new Map<string, FloorLead>();
  const dedupe = new Map<string, FloorLead>();
  const queue = createTimerQueue<Due>();
  const policies = compiled.sla.policies.filter((policy) => policy.entity === 'lead');
  const outcomes = new Map(compiled.source.followUp.outcomes.map((o) => [o.id, o]));
  const counts = { accepted: 0, merged: 0, quarantined: 0, escalations: 0, notifications: 0, refused: 0 };
  const reps = new Map(team.reps.map((rep) => [rep.id, rep]));

  const decide = (lead: Lead, now: number, skipRules?: readonly string[]) => {
    const result = decideLead(compiled, lead, team, assignment, {
      now,
      day: shanghaiDay(now),
      ...(skipRules && skipRules.length > 0 ? { skipRules: new Set(skipRules) } : {}),
    });
    assignment = result.state;
    return result.decision;
  };

  const slaEvent = (leadId: string, f: FloorLead, type: string, now: number) => {
    for (const policy of policies) {
      if (policy.stopOn.includes(type) && f.sla.delete(policy.id)) {
        queue.cancel(`${leadId}/sla/${policy.id}/warn`);
        queue.cancel(`${leadId}/sla/${policy.id}`);
      }
      if (policy.startOn.includes(type) && !f.sla.has(policy.id)) {
        f.sla.add(policy.id);
        const due =
          policy.clock === 'business' ? calendar.addBusinessTime(now, policy.target) : now + policy.target;
        if (policy.warnBefore !== undefined)
          queue.schedule({
            key: `${leadId}/sla/${policy.id}/warn`,
            dueAt: due - policy.warnBefore,
            payload: { leadId, policy: policy.id, breach: false },
          });
        queue.schedule({
          key: `${leadId}/sla/${policy.id}`,
          dueAt: due,
          payload: { leadId, policy: policy.id, breach: true },
        });
      }
    }
  };

  /** Step a lead; the machine's timers go on the queue, its moves start and stop SLA clocks. */
  const send = (leadId: string, f: FloorLead, event: LeadEvent, now: number): boolean => {
    const result = stepper.step(f.snapshot, event, now);
    if (!result.changed) return false;
    f.snapshot = result.snapshot as PersistedSnapshot<LeadContext>;
    for (const command of result.timers) {
      const key = `${leadId}/m/${command.timerKey}`;
      if (command.type === 'cancel') queue.cancel(key);
      else
        queue.schedule({ key, dueAt: command.dueAt, payload: { leadId, event: command.event as LeadEvent } });
    }
    const state = stateValueToString(f.snapshot.value);
    if (event.type === 'OPEN') slaEvent(leadId, f, 'lead.opened', now);
    if (event.type === 'FOLLOW_UP') slaEvent(leadId, f, 'lead.followedUp', now);
    if (state !== f.state) {
      if (state === 'assigned') slaEvent(leadId, f, 'lead.assigned', now);
      else if (state === 'awaitingAssignment.queued') slaEvent(leadId, f, 'lead.queued', now);
      else if (state === 'nurturing') slaEvent(leadId, f, 'lead.nurturing', now);
      else if (state === 'recycled') slaEvent(leadId, f, 'lead.recycled', now);
      else if (state === 'received' && f.state === 'awaitingAssignment.offered')
        send(
          leadId,
          f,
          { type: 'DECIDED', decision: decide(f.lead, now, f.snapshot.context.skipRules), at: now },
          now,
        );
      else if (state === 'converted' || state === 'disqualified' || state === 'merged') {
        slaEvent(leadId, f, `lead.${state}`, now);
        for (const policy of f.sla) queue.cancel(`${leadId}/sla/${policy}`);
        f.sla.clear();
        f.final = true;
        // Nothing keeps a closed lead but its dedupe keys' verdict (closed: not a duplicate).
        leads.delete(leadId);
      }
    }
    f.state = state;
    return true;
  };

  const advance = (t: number) => {
    for (;;) {
      const [timer] = queue.popDue(t, 1);
      if (timer === undefined) return;
      const due = timer.payload!;
      const f = leads.get(due.leadId);
      if (f === undefined) continue;
      if (due.event) {
        send(due.leadId, f, { ...due.event, at: timer.dueAt } as LeadEvent, timer.dueAt);
        continue;
      }
      const policy = policies.find((p) => p.id === due.policy)!;
      if (due.breach) f.sla.delete(policy.id);
      for (const action of due.breach ? policy.onBreach : policy.onWarn) {
        if (action.type === 'escalate') {
          counts.escalations++;
          if (!f.final)
            send(
              due.leadId,
              f,
              { type: 'ESCALATE', policyId: policy.id, to: action.to, at: timer.dueAt },
              timer.dueAt,
            );
        } else if (action.type === 'notify') {
          const template = compiled.source.templates[action.template];
          renderTemplate(template?.text ?? policy.id, {
            lead: f.lead,
            policy: { id: policy.id, target: `${policy.target / 60_000} 分钟` },
          });
          counts.notifications++;
        }
      }
    }
  };

  for (let i = 0; i < recorded.length; i++) {
    const action = recorded[i]!;
    recorded[i] = undefined;
    advance(action.at);
    const now = action.at;
    if (action.type === 'ingest') {
      const parsed = parseLead(action.payload);
      if (!parsed.ok) {
        counts.quarantined++;
        continue;
      }
      const lead = parsed.lead;
      const keys = contactKeys(lead);
      if (keys.some((key) => dedupe.get(key)?.final === false)) {
        counts.merged++;
        continue;
      }
      counts.accepted++;
      const id = action.leadId ?? `floor-${counts.accepted}`;
      const f: FloorLead = {
        lead,
        snapshot: stepper.initial({ leadId: id, receivedAt: now, priority: lead.priority }, now)
          .snapshot as PersistedSnapshot<LeadContext>,
        state: 'received',
        final: false,
        sla: new Set(),
      };
      leads.set(id, f);
      for (const key of keys) dedupe.set(key, f);
      slaEvent(id, f, 'lead.received', now);
      send(id, f, { type: 'DECIDED', decision: decide(lead, now), at: now }, now);
      continue;
    }
    const f = leads.get(action.leadId);
    if (!f) continue;
    let accepted = false;
    switch (action.type) {
      case 'open':
        accepted = send(action.leadId, f, { type: 'OPEN', repId: action.repId, at: now }, now);
        break;
      case 'followUp': {
        const outcome = action.outcome ? outcomes.get(action.outcome) : undefined;
        accepted = send(
          action.leadId,
          f,
          {
            type: 'FOLLOW_UP',
            status: outcome?.label ?? '已联系',
            nextAction: '按计划回访',
            nextContactAt: now + (outcome?.nextContactIn ?? 3 * DAY),
            ...(outcome ? { outcome: outcome.id, moveTo: outcome.moveTo } : {}),
            ...(outcome?.moveTo === 'nurturing'
              ? { nurtureUntil: now + compiled.qualification.incubationMs }
              : {}),
            at: now,
          } as LeadEvent,
          now,
        );
        break;
      }
      case 'convert':
        accepted = send(action.leadId, f, { type: 'CONVERT', at: now } as LeadEvent, now);
        break;
      case 'disqualify':
        accepted = send(
          action.leadId,
          f,
          { type: 'DISQUALIFY', reason: '客户取消采购计划', at: now } as LeadEvent,
          now,
        );
        break;
      case 'claim':
      case 'assign': {
        const rep = reps.get(action.repId);
        if (!rep) break;
        const today = assignment.day === shanghaiDay(now) ? (assignment.assignedToday[rep.id] ?? 0) : 0;
        if (today >= rep.dailyCapacity) break;
        const event = (
          action.type === 'claim'
            ? { type: 'CLAIM', repId: rep.id, at: now }
            : { type: 'ASSIGN', repId: rep.id, by: action.by, at: now }
        ) as LeadEvent;
        accepted = send(action.leadId, f, event, now);
        if (accepted) assignment = recordAssignment(assignment, rep.id, shanghaiDay(now));
        break;
      }
    }
    if (!accepted) counts.refused++;
  }
  advance(setup.end);
  return { counts, leads: leads.size };
}
