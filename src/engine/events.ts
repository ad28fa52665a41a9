import type { JsonValue } from '../adapters/storage/port.js';
import type { AssignmentDecision } from '../rules/decide.js';

/**
 * Everything an engine tells its host, by event name. Listeners run after the change is
 * committed to storage; a listener that throws is reported on `listener.error` and never
 * breaks the engine or other listeners.
 *
 * @example
 * ```ts
 * import type { EngineEvents } from 'leadflow';
 * const onAssigned = (event: EngineEvents['lead.assigned']) => console.log(event.leadId, event.repId);
 * ```
 * @category Engine
 */
export interface EngineEvents {
  'lead.received': {
    leadId: string;
    /** When leadflow ingested it. */
    at: number;
    /** When the lead arrived at its source; its clocks count from here (at most `at`). */
    receivedAt: number;
    /** `at − receivedAt`: how late it reached leadflow (negative when the source clock runs ahead). */
    ingestionGapMs: number;
    channel: string;
    tags: readonly string[];
  };
  'lead.quarantined': {
    quarantineId: string;
    at: number;
    reason: string;
    issues: readonly { path: string; message: string }[];
  };
  'lead.duplicate': { leadId: string; duplicateOf: string; at: number; matchedOn: string; count: number };
  'lead.assigned': { leadId: string; repId: string; at: number; by: string };
  'lead.offered': { leadId: string; repIds: readonly string[]; at: number; ruleId: string };
  /**
   * A broadcast offer's claim window closed unclaimed at `expiresAt`: `escalatedTo` were sent a
   * message (the supervisor; empty with `onExpiry.escalateTo: "none"`), and the lead goes on to
   * the next assignment rule (its `decision` event follows).
   */
  'lead.offerExpired': {
    leadId: string;
    repIds: readonly string[];
    ruleId: string;
    at: number;
    expiresAt: number;
    escalatedTo: readonly string[];
  };
  'lead.queued': { leadId: string; supervisorId: string | undefined; at: number; reason: string };
  /**
   * The lead went back to the pool (公海): `from` is the rep it was taken from (undefined when it
   * had none), `reason` why (`SLA <policy id>` for a `returnToPool` action). Any rep may claim it.
   */
  'lead.recycled': { leadId: string; from: string | undefined; at: number; reason: string };
  'lead.nurturing': { leadId: string; until: number; at: number; reason: string };
  'lead.opened': { leadId: string; repId: string; at: number };
  'lead.followedUp': {
    leadId: string;
    repId: string | undefined;
    at: number;
    status: string;
    nextContactAt: number;
  };
  'lead.escalated': {
    leadId: string;
    to: string;
    recipientIds: readonly string[];
    policyId: string;
    at: number;
  };
  'lead.reassigned': { leadId: string; from: string | undefined; to: string; at: number; reason: string };
  'lead.closed': { leadId: string; state: string; at: number; reason?: string };
  /** `entity` says whether `entityId` is a lead, an opportunity or a department task. */
  'sla.warning': {
    entityId: string;
    entity: 'lead' | 'opportunity' | 'task';
    policyId: string;
    at: number;
    dueAt: number;
  };
  'sla.breached': {
    entityId: string;
    entity: 'lead' | 'opportunity' | 'task';
    policyId: string;
    at: number;
    dueAt: number;
  };
  'sla.met': {
    entityId: string;
    entity: 'lead' | 'opportunity' | 'task';
    policyId: string;
    at: number;
    elapsedMs: number;
  };
  /**
   * Every opportunity event as written to the log, after the commit: `opportunity.created`,
   * `.stageEntered`, `.stageLeft`, `.nextContactPlanned`, `.rolledBack`, `.won`, `.lost`,
   * `.escalated`, `.deliveryDelayFlagged`, `.ownerChanged`, `sla.*` … — `data` as logged.
   */
  'opportunity.event': { opportunityId: string; type: string; at: number; data: JsonValue };
  /**
   * Every department-task event as written to the log, after the commit: `task.created` (with
   * `opportunityId`, `department`, `dueAt`), `.acknowledged`, `.completed`, `.overdue`,
   * `.escalated`, `.cancelled`, `.reassigned` — `data` as logged.
   */
  'task.event': { taskId: string; type: string; at: number; data: JsonValue };
  decision: { leadId: string; decision: AssignmentDecision; at: number };
  'listener.error': { event: string; error: unknown };
  /** A due timer's step failed (not a lost race: those are retried); it comes back after its lease. */
  'timer.failed': { entityId: string; timerKey: string; attempts: number; error: unknown };
  /** A runtime round failed (e.g. storage was unreachable); the next round tries again. */
  'runtime.error': { error: unknown };
  /** A delivery round failed on storage; its claimed messages come back after their lease. */
  'delivery.failed': { error: unknown };
  /**
   * A notifier reported a configuration error (a wrong key or secret, an IP not allowed, a
   * balance used up, no notifier for the channel): every message of the channel fails until the
   * host fixes it — page someone. `providerCode` is the provider's own code.
   */
  'delivery.configError': {
    messageId: string;
    channel: string;
    error: string;
    providerCode: string | undefined;
    at: number;
  };
  /**
   * A message was dead-lettered (see `engine.deadLetters()`; `engine.redeliver(id)` sends it
   * again). Not emitted when a fallback channel took it over (`delivery.forwarded`).
   */
  'delivery.dead': { messageId: string; channel: string; to: readonly string[]; error: string; at: number };
  /**
   * A message (or some of its recipients) went on to the next channel of the rule set's
   * `routing.fallbacks`, as the outbox message `copyId`.
   */
  'delivery.forwarded': {
    messageId: string;
    channel: string;
    copyId: string;
    recipients: readonly string[];
    at: number;
  };
  /**
   * A recipient the message could not reach — no address on the channel, or refused by the
   * provider — and no fallback channel took. The rest of the message went out.
   */
  'delivery.undeliverable': {
    messageId: string;
    channel: string;
    recipient: string;
    reason: string;
    at: number;
  };
}
