import type { Notifier } from '../adapters/notify/port.js';
import type {
  JsonValue,
  OutboxMessage,
  PageOptions,
  QuarantineRecord,
  StorageAdapter,
  StoredEvent,
  StoredTimer,
} from '../adapters/storage/port.js';
import type { LeadContext } from '../machines/lead.js';
import type { SlaSummaryEntry } from '../machines/sla.js';
import type { LeadMetrics } from '../metrics/lead-metrics.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Customer } from '../model/customer.js';
import type { LeadInput } from '../model/lead.js';
import type { Team, TeamInput } from '../model/team.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import type { CustomerKnowledge, CustomerRuleEffect } from '../rules/customer-rules.js';
import type { AssignmentDecision } from '../rules/decide.js';
import type { RuleSetInput } from '../rules/ruleset.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import type { Clock } from '../scheduler/clock.js';
import type { ChannelOptions, LinkBuilder } from './channels.js';
import type { RedeliverOptions, RedeliverResult } from './dead-letters.js';
import type { EngineEvents } from './events.js';
import type { HandoverResult } from './handover.js';
import type { DispatchableLeadEvent, FollowUpRequest, LeadRecord } from './lead-step.js';
import type { OpportunityCommand, OpportunityRecord, TaskCommand, TaskRecord } from './work-steps.js';

/**
 * Options of {@link createEngine}.
 *
 * @example
 * ```ts
 * import { chinaCalendar, createEngine, createVirtualClock, memoryNotifier, zhikongPreset } from 'leadflow';
 * const engine = createEngine({
 *   ruleSet: zhikongPreset.ruleSet,
 *   team: zhikongPreset.team,
 *   calendar: chinaCalendar({ years: [2026] }),
 *   clock: createVirtualClock(Date.parse('2026-03-02T01:00:00Z')),
 *   notifier: memoryNotifier(),
 * });
 * ```
 * @category Engine
 */
export interface EngineOptions {
  /** A rule set as JSON (compiled here, every problem reported) or already compiled. */
  readonly ruleSet: RuleSetInput | CompiledRuleSet;
  /** The team as JSON (validated here) or already parsed. */
  readonly team: TeamInput | Team;
  /** Business calendar for `clock: 'business'` SLA policies and the local business day. */
  readonly calendar: BusinessCalendar;
  /** @default systemClock */
  readonly clock?: Clock;
  /**
   * Where everything is kept. Any number of engines (processes) may share one storage: an
   * engine caches engine-wide state only as an optimisation and reloads it on a version conflict.
   * @default memoryStorage()
   */
  readonly storage?: StorageAdapter;
  /**
   * Where outbox messages go: one notifier, or a router by channel (`sms`, `wecom`, `email`,
   * …) returning `undefined` for channels you do not deliver (they are retried, then
   * dead-lettered). Pass `'dropAll'` to say so explicitly (messages are marked sent with the
   * result `{ dropped: true }` and stay listable in storage). Messages go to it with their `to`
   * as enqueued (rep ids). Required unless `channels` is given (then it delivers the channels
   * `channels` does not name): an engine without either would mark messages sent to nowhere.
   */
  readonly notifier?: Notifier | ((channel: string) => Notifier | undefined) | 'dropAll';
  /**
   * The channels this engine delivers, by name (`wecom`, `sms`, `board`, …): a notifier, or
   * {@link ChannelOptions} — how a recipient's address is found in the team's contacts, send
   * limits (paced, so nothing is refused for rate), digest mode, when to give up for the fallback
   * channel. Addresses are resolved at delivery time, so a fixed contact reaches the retries.
   * A recipient without an address is reported (`delivery.undeliverable`) or sent on to the rule
   * set's fallback channel; a message that reaches nobody is a dead letter saying why.
   *
   * @example
   * ```ts
   * import { memoryNotifier, type EngineOptions } from 'leadflow';
   * const channels: EngineOptions['channels'] = {
   *   wecom: memoryNotifier(), // contact.wecomId
   *   sms: { notifier: memoryNotifier(), limits: [{ limit: 1, windowMs: 60_000 }] }, // contact.mobile, 1/min per number
   * };
   * ```
   */
  readonly channels?: Readonly<Record<string, ChannelOptions | Notifier>>;
  /**
   * A link back to the host's page for what a message is about (lead, opportunity, task,
   * customer), added to every message as a line (`查看详情：…`) and as `data.link`.
   */
  readonly links?: LinkBuilder;
  /**
   * Start a delivery round (in the background, outside the queue of domain operations) after
   * every operation that enqueued messages. With `false`, only `deliver()`, `advanceTo` and the
   * runtime deliver. @default true
   */
  readonly autoDeliver?: boolean;
  /** How outbox delivery behaves; see {@link DeliveryOptions}. */
  readonly delivery?: DeliveryOptions;
  /**
   * How often to retry an operation that lost a race against another engine on the same storage
   * (a version conflict), with a short random pause between tries. Past it, the call fails with
   * `ENGINE_CONTENDED` and nothing written. @default 12
   */
  readonly maxConflictRetries?: number;
  /**
   * Generated ids (`lead-0000001`, quarantine and opportunity ids) come from blocks of this many
   * numbers that an engine reserves in storage at once, so engines sharing a storage do not fight
   * over one counter on every ingest. A restarted engine starts a new block (ids may have gaps).
   * @default 100
   */
  readonly idBlockSize?: number;
  /** Record condition traces and candidate verdicts in decisions (for `explain`). @default true */
  readonly trace?: boolean;
  /** Decision records kept per lead for `explain` (older ones are dropped). @default 10 */
  readonly decisionHistory?: number;
  /**
   * What the service system knows of a customer (MTBF per model, the last 12 months' service
   * history), for the reviews the engine runs itself: on recorded history and the daily review.
   * An explicit `reviewCustomer(id, knowledge)` uses the knowledge it is given.
   */
  readonly customerKnowledge?: (
    customerId: string,
  ) => CustomerKnowledge | undefined | Promise<CustomerKnowledge | undefined>;
}

/**
 * How an engine delivers its outbox.
 *
 * @example
 * ```ts
 * import type { DeliveryOptions } from 'leadflow';
 * const delivery: DeliveryOptions = { sendTimeoutMs: 5_000, maxAttempts: 5, batchSize: 50 };
 * ```
 * @category Engine
 */
export interface DeliveryOptions {
  /** A send that does not answer in time counts as a retryable failure. @default 10000 */
  readonly sendTimeoutMs?: number;
  /** Attempts before a failing message is dead-lettered. @default 8 */
  readonly maxAttempts?: number;
  /** Delay before the next attempt, given the attempts made. @default defaultBackoff */
  readonly backoff?: (attempt: number) => number;
  /** Messages claimed per round. @default 100 */
  readonly batchSize?: number;
  /** How long claimed messages stay hidden from other engines (ms); must exceed the send timeout. @default 300000 */
  readonly leaseMs?: number;
}

/**
 * Options of every mutating call.
 *
 * @example
 * ```ts
 * // A host that retries after a crash passes the same key: the first result comes back, nothing changes twice.
 * await engine.recordFollowUp('lead-0000001', followUp, { idempotencyKey: 'crm-followup-81723' });
 * ```
 * @category Engine
 */
export interface CommandOptions {
  /**
   * A key unique to this request (per storage). A call repeating a key that already committed
   * returns the first call's result and changes nothing; the same key on a different operation or
   * entity is refused (`IDEMPOTENCY_KEY_REUSED`). Keys are kept in storage as engine state.
   */
  readonly idempotencyKey?: string;
}

/**
 * Options of {@link Engine.start}.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * engine.start({ signal: controller.signal, pollIntervalMs: 2_000 });
 * // … on SIGTERM:
 * controller.abort(); // or: await engine.stop();
 * ```
 * @category Engine
 */
export interface RuntimeOptions {
  /** Stops the engine when aborted, exactly as `stop()` does (graceful: in-flight work drains). */
  readonly signal?: AbortSignal;
  /**
   * The longest pause between two rounds (ms). Rounds also start early when this engine commits
   * a timer or a retry due sooner; the poll catches what other engines scheduled. @default 1000
   */
  readonly pollIntervalMs?: number;
  /** Timers claimed per storage call. @default 20 */
  readonly timerBatchSize?: number;
  /** How long a claimed timer stays hidden from other engines (ms). @default 300000 */
  readonly timerLeaseMs?: number;
}

/**
 * What {@link Engine.ingest} returns: the accepted lead with its decision, a merge into an open
 * lead, or the quarantine record of a payload that failed validation. Never throws on bad input.
 *
 * @example
 * ```ts
 * const result = await engine.ingest(payload);
 * if (result.status === 'quarantined') console.log(result.record.issues);
 * ```
 * @category Engine
 */
export type IngestResult =
  | {
      readonly status: 'accepted';
      readonly leadId: string;
      readonly state: string;
      readonly decision: AssignmentDecision;
      readonly tags: readonly string[];
    }
  | {
      readonly status: 'merged';
      readonly leadId: string;
      readonly duplicateOf: string;
      readonly matchedOn: string;
    }
  | { readonly status: 'quarantined'; readonly record: QuarantineRecord };

/**
 * The decision trail of a lead, for humans: rules, conditions, candidates, timers, escalations.
 *
 * @example
 * ```ts
 * const trail = await engine.explain('lead-1');
 * trail.decisions[0]?.explanation.assignment; // which rule matched and why each rep was skipped
 * ```
 * @category Engine
 */
export interface LeadExplanation {
  readonly leadId: string;
  readonly state: string;
  readonly ownerId: string | null;
  readonly tags: readonly string[];
  readonly intentGrade: 'A' | 'B' | 'C';
  readonly qualified: boolean;
  /**
   * When the lead arrived at its source (`receivedAt`, where its clocks start) and when leadflow
   * ingested it; `ingestionGapMs` is the difference (negative when the source clock runs ahead,
   * in which case the clocks start at ingestion). `ingestedAt` is `null` once the log no longer
   * holds the lead's `lead.received` event.
   */
  readonly arrival: {
    readonly receivedAt: number;
    readonly ingestedAt: number | null;
    readonly ingestionGapMs: number | null;
  };
  readonly decisions: LeadRecord['decisions'];
  readonly escalations: LeadContext['escalations'];
  readonly sla: readonly SlaSummaryEntry[];
  readonly pendingTimers: readonly StoredTimer[];
  readonly events: readonly StoredEvent[];
}

/**
 * A customer as stored: the validated master record plus bookkeeping.
 *
 * @example
 * ```ts
 * const stored = await engine.getCustomer('c-1');
 * stored?.duplicateEntries; // how many times someone tried to enter it again
 * ```
 * @category Engine
 */
export interface CustomerRecord {
  readonly customer: Customer;
  /** Attempts to enter the same customer again (same USCC, phone or e-mail). */
  readonly duplicateEntries: number;
  /** Accepted-with-warning notes, e.g. a pilot-era USCC that fails GB 32100. */
  readonly warnings: readonly string[];
  /**
   * The cross-sell/risk findings holding since the last review, by rule id (or the group
   * suggestion's key): each was logged and sent once, when it started holding.
   */
  readonly findings?: Readonly<Record<string, CustomerFinding>>;
  /** The pending daily review (`customers.dailyReviewAt`), when the customer has one. */
  readonly reviewTimer?: { readonly generation: number; readonly dueAt: number };
}

/**
 * A lead waiting in the pool (公海), as {@link Engine.leadPool} lists it.
 *
 * @example
 * ```ts
 * const [oldest] = await engine.leadPool();
 * if (oldest) console.log(`${oldest.company}: since ${new Date(oldest.since).toISOString()}, from ${oldest.from ?? '—'} (${oldest.reason})`);
 * ```
 * @category Engine
 */
export interface LeadPoolEntry {
  readonly leadId: string;
  /** When it entered the pool. */
  readonly since: number;
  /** The rep it was taken from (undefined when it had no owner). */
  readonly from: string | undefined;
  /** Why: `SLA <policy id>`, the host's reason, or `incubation expired`. */
  readonly reason: string;
  readonly priority: string;
  readonly company: string;
  readonly tags: readonly string[];
}

/**
 * A cross-sell or risk finding that holds for a customer: since when, and what it is.
 *
 * @example
 * ```ts
 * import type { CustomerFinding } from 'leadflow';
 * const finding: CustomerFinding = { since: Date.parse('2026-06-01T09:00:00+08:00'), section: 'risk', kind: 'payment-overdue' };
 * ```
 * @category Engine
 */
export interface CustomerFinding {
  readonly since: number;
  readonly section: 'crossSell' | 'risk';
  readonly kind: string;
}

/**
 * History entries to add to a customer ({@link Engine.recordCustomerHistory}): purchases,
 * renewal outcomes, receivables (invoices) and technical contacts, each as in the customer
 * schema. A receivable whose `invoiceId` is already recorded replaces that entry (a payment
 * updates its invoice).
 *
 * @example
 * ```ts
 * import type { CustomerHistoryEntries } from 'leadflow';
 * const entries: CustomerHistoryEntries = { renewals: [{ date: '2026-06-01', outcome: 'declined' }] };
 * ```
 * @category Engine
 */
export interface CustomerHistoryEntries {
  readonly purchases?: readonly unknown[];
  readonly renewals?: readonly unknown[];
  readonly receivables?: readonly unknown[];
  readonly technicalContacts?: readonly unknown[];
}

/**
 * What {@link Engine.recordCustomerHistory} did: the stored customer and the review's effects
 * (every finding holding now; `reported` names the ones logged and sent by this call).
 *
 * @example
 * ```ts
 * const { reported } = await engine.recordCustomerHistory('c-1', { renewals: [{ date: '2026-06-01', outcome: 'declined' }] });
 * ```
 * @category Engine
 */
export interface CustomerHistoryResult {
  readonly customer: CustomerRecord;
  readonly effects: readonly CustomerRuleEffect[];
  readonly reported: readonly string[];
}

/**
 * What {@link Engine.upsertCustomer} did.
 *
 * @example
 * ```ts
 * const r = await engine.upsertCustomer(input);
 * if (r.status === 'duplicate') console.log(`already known as ${r.customerId} (same ${r.matchedOn})`);
 * ```
 * @category Engine
 */
export type CustomerUpsertResult =
  | {
      readonly status: 'created' | 'updated';
      readonly customerId: string;
      readonly warnings: readonly string[];
    }
  | {
      readonly status: 'duplicate';
      readonly customerId: string;
      readonly matchedOn: 'uscc' | 'phone' | 'email';
      readonly duplicateEntries: number;
    };

/**
 * What {@link Engine.createOpportunity} needs.
 *
 * @example
 * ```ts
 * const request: OpportunityRequest = { customerId: 'c-1', name: '产线自动化改造', ownerId: 'rep-a', leadId: 'lead-0000001' };
 * ```
 * @category Engine
 */
export interface OpportunityRequest {
  readonly customerId: string;
  readonly name: string;
  /** Defaults to the customer's owner. */
  readonly ownerId?: string;
  readonly leadId?: string;
  /** Field values known at creation (count towards the first gates). */
  readonly fields?: Record<string, JsonValue>;
  /** Defaults to a generated id. */
  readonly opportunityId?: string;
}

/**
 * A created opportunity and the warnings of the seed ("this group already has 2 active
 * opportunities, owner: 张伟").
 *
 * @example
 * ```ts
 * const { opportunityId, warnings } = await engine.createOpportunity(request);
 * warnings[0]?.message; // '该客户所属集团当前已有2个活跃商机，负责人：张伟(rep-a)'
 * ```
 * @category Engine
 */
export interface OpportunityCreated {
  readonly opportunityId: string;
  readonly warnings: readonly {
    readonly kind: 'groupActiveOpportunities';
    readonly message: string;
    readonly opportunities: readonly {
      readonly id: string;
      readonly name: string;
      readonly ownerId: string | null;
      readonly ownerName: string | null;
    }[];
  }[];
}

/**
 * A customer group as a tree (parent → subsidiaries), built from `groupId` and `parentId`.
 *
 * @example
 * ```ts
 * const group = await engine.customerGroup('g-1');
 * group.roots[0]?.children.map((c) => c.customer.name);
 * ```
 * @category Engine
 */
export interface CustomerGroup {
  readonly groupId: string;
  readonly roots: readonly CustomerGroupNode[];
  readonly size: number;
}

/**
 * One node of a {@link CustomerGroup}.
 *
 * @example
 * ```ts
 * const names = (node: CustomerGroupNode): string[] => [node.customer.name, ...node.children.flatMap(names)];
 * ```
 * @category Engine
 */
export interface CustomerGroupNode {
  readonly customer: Customer;
  readonly children: readonly CustomerGroupNode[];
}

/**
 * A running lead engine. Domain operations are serialized per engine (one at a time); outbox
 * delivery runs beside them. Any number of engines may share one storage: an operation that loses
 * a race to another engine reloads and retries, so each call either succeeds once or fails with
 * a clear error and nothing written.
 *
 * @example
 * ```ts
 * const result = await engine.ingest(rawLead);
 * if (result.status === 'accepted' && result.decision.kind === 'assign') {
 *   await engine.open(result.leadId, result.decision.repId);
 *   await engine.recordFollowUp(result.leadId, { status: 'quoted', nextAction: '发送报价单 V2', nextContactAt });
 * }
 * await engine.advanceTo(Date.parse('2026-04-01T00:00:00Z')); // virtual clock: fire every timer on the way
 * ```
 * @category Engine
 */
export interface Engine {
  /** Subscribe to engine events; a throwing listener is reported on `listener.error`, nothing else. */
  on<K extends keyof EngineEvents>(name: K, listener: (payload: EngineEvents[K]) => void): () => void;
  /**
   * Accept a lead payload: validate, dedupe, tag, qualify, assign, start SLA clocks. Typed
   * {@link LeadInput} or anything raw (a webhook body): a payload that fails validation — of any
   * shape, even one JSON cannot hold — is quarantined with its issues, never thrown. The engine
   * generates the lead id; a host's own id goes in `externalId` (a redelivery with the same
   * `externalId` is merged into the lead it created).
   */
  ingest(lead: LeadInput, options?: CommandOptions): Promise<IngestResult>;
  ingest(raw: unknown, options?: CommandOptions): Promise<IngestResult>;
  /**
   * Ingest several payloads in order, exactly as `ingest` one after another would, but written
   * as ONE storage commit (one round trip on a database): a worker's batch of inbox payloads,
   * a bulk import. If that commit fails (another engine committed meanwhile), nothing of it was
   * written and the batch runs again one payload at a time. Listeners hear of the batch once it
   * is written.
   */
  ingestMany(
    items: readonly { readonly payload: unknown; readonly idempotencyKey?: string }[],
  ): Promise<IngestResult[]>;
  /** Send any lifecycle event to a lead (`at` is stamped from the clock). */
  dispatch(leadId: string, event: DispatchableLeadEvent, options?: CommandOptions): Promise<LeadRecord>;
  /** The owner opened the lead card. */
  open(leadId: string, repId: string, options?: CommandOptions): Promise<LeadRecord>;
  /** A follow-up with exactly the three required fields (status, next action, next contact time). */
  recordFollowUp(leadId: string, followUp: FollowUpRequest, options?: CommandOptions): Promise<LeadRecord>;
  /**
   * A rep claims a lead: a broadcast offer (the offered reps, first to claim wins, before the
   * claim window closes) or a lead in the pool (公海: any rep, under the rep's holding cap
   * `leadPool.holdingCap` / `holdingCaps`, and not the rep it was taken from before
   * `leadPool.formerOwnerWait`). A refusal is `EVENT_NOT_ACCEPTED` naming the cap or the wait.
   */
  claim(leadId: string, repId: string, options?: CommandOptions): Promise<LeadRecord>;
  /**
   * The leads in the pool (公海), oldest first: who each was taken from, when and why. Leads
   * get there by a `returnToPool` SLA action (the last rung of an owner → supervisor → pool
   * ladder), a `RECYCLE` dispatched by the host (a rep gives a lead up) or an incubation that
   * ended.
   */
  leadPool(): Promise<LeadPoolEntry[]>;
  /** A supervisor assigns a queued (or recycled) lead by hand. */
  assign(leadId: string, repId: string, by: string, options?: CommandOptions): Promise<LeadRecord>;
  /**
   * The lead created from a host's `externalId`, or `undefined`.
   */
  findLead(query: { readonly externalId: string }): Promise<LeadRecord | undefined>;
  /**
   * Fire every timer due at the clock's current time (and start a delivery round). A timer whose
   * step fails is reported on `timer.failed` and comes back after its lease; the others still fire.
   * `limit` bounds how many are claimed in this call (a worker serving many tenants takes a
   * batch from each in turn, so one tenant's burst cannot starve the others); `more` says
   * whether the last claim was full, i.e. more may be due.
   */
  runDue(options?: { readonly limit?: number }): Promise<{
    readonly fired: number;
    readonly stale: number;
    readonly failed: number;
    readonly more: boolean;
  }>;
  /**
   * Virtual clocks only: move time forward to `instant`, firing each timer at its own due time and
   * delivering what is due at each instant (including retries) before moving on — a replay sees
   * every message at the time it would have gone. Stops with `ABORTED` when `signal` fires (what
   * committed stays committed, the clock stays where it got to).
   */
  advanceTo(
    instant: number | Date,
    options?: { readonly signal?: AbortSignal },
  ): Promise<{ readonly fired: number; readonly stale: number }>;
  /**
   * Deliver due outbox messages now and wait for it (a round already running is waited for
   * first, never run twice at once). Sends time out per message (`delivery.sendTimeoutMs`).
   */
  deliver(options?: { readonly signal?: AbortSignal }): Promise<{
    readonly sent: number;
    readonly retried: number;
    readonly dead: number;
    /** Put back for a send slot or a digest window (not failed). */
    readonly deferred: number;
  }>;
  /**
   * Dead letters in id order: outbox messages that gave up, each with `lastError`
   * (`[config 93000] wecom-robot: …`).
   */
  deadLetters(page?: PageOptions): Promise<OutboxMessage[]>;
  /**
   * Send a dead letter again, as a copy with the same idempotency key (optionally on another
   * channel), and start a delivery round. Idempotent: while the copy is pending, or once it was
   * delivered (which marks the original sent too), calling again changes nothing.
   */
  redeliver(messageId: string, options?: RedeliverOptions): Promise<RedeliverResult>;
  /**
   * Run the engine for a production host: fire due timers and deliver the outbox on the clock,
   * polling every `pollIntervalMs` and waking early when this engine commits something due
   * sooner. Returns at once; rounds never overlap. Starting twice is a no-op.
   */
  start(options?: RuntimeOptions): void;
  /**
   * Graceful shutdown: stop the runtime, let the operation and delivery round in flight finish,
   * and refuse later calls with `ENGINE_STOPPED`. Resolves when everything has drained. Idempotent.
   */
  stop(): Promise<void>;
  /** Resolves when no operation or delivery round of this engine is in flight. */
  idle(): Promise<void>;
  getLead(leadId: string): Promise<LeadRecord | undefined>;
  /**
   * Create or update a customer in the master, keyed by id and deduplicated on USCC, phone and
   * e-mail (a second customer with the same key is refused as a duplicate and counted). A USCC
   * failing GB 32100 is an error naming the rule, or a warning if the rule set allows pilot-era
   * codes (`customers.allowPilotUscc`). A rule set can make the business licence mandatory for
   * new customers (`customers.requireUscc`, `customers.requireRegisteredAddress`) and check the
   * group tree (`customers.checkGroupTree`: a known parent, no cycle, the parent's group); the
   * presets do. A refusal is a `CUSTOMER_INVALID` error naming the field and the option.
   */
  upsertCustomer(input: unknown, options?: CommandOptions): Promise<CustomerUpsertResult>;
  getCustomer(customerId: string): Promise<CustomerRecord | undefined>;
  /**
   * Add purchases, renewal outcomes, receivables or technical contacts to a customer and review
   * it in the same commit: a risk or cross-sell rule that starts holding is logged and sent at
   * once, not when a host remembers to call {@link Engine.reviewCustomer}. (`upsertCustomer`
   * reviews too when the history it writes changed.) A `CUSTOMER_INVALID` error names a bad entry
   * (`renewals[0].outcome: …`); `NOT_FOUND` an unknown customer.
   */
  recordCustomerHistory(
    customerId: string,
    entries: CustomerHistoryEntries,
    options?: CommandOptions,
  ): Promise<CustomerHistoryResult>;
  /** The group a customer belongs to (or a group id), as a parent → subsidiaries tree. */
  customerGroup(customerIdOrGroupId: string): Promise<CustomerGroup>;
  /**
   * Hand everything a departing rep owns — open leads and customers — to another rep, or
   * re-run assignment for each lead (`{ policy: 'reassign' }`), in one atomic commit. Returns the
   * ownership/permission matrix (rows and CSV). Nothing moves if any item cannot be placed.
   */
  handover(
    fromRepId: string,
    to: string | { readonly policy: 'reassign' },
    options?: CommandOptions,
  ): Promise<HandoverResult>;
  /**
   * Open an opportunity for a customer in the first stage (lead confirmation). When the
   * customer's group already has active opportunities, the result warns with their owners.
   */
  createOpportunity(input: OpportunityRequest, options?: CommandOptions): Promise<OpportunityCreated>;
  /**
   * Send a command to an opportunity: `ADVANCE { fields }` (refused with the list of missing gate
   * fields, nothing changed), `UPDATE_FIELDS`, `ROLLBACK { toStage, reason }`,
   * `PLAN_NEXT_CONTACT { plannedAt }`, `WIN`, `LOSE { reason }`, `REASSIGN`, `FLAG_DELIVERY_DELAY`.
   */
  opportunity(
    opportunityId: string,
    command: OpportunityCommand,
    options?: CommandOptions,
  ): Promise<OpportunityRecord>;
  getOpportunity(opportunityId: string): Promise<OpportunityRecord | undefined>;
  /** Send a command to a department task: `ACKNOWLEDGE`, `COMPLETE { result }`, `CANCEL`, `REASSIGN`. */
  task(taskId: string, command: TaskCommand, options?: CommandOptions): Promise<TaskRecord>;
  getTask(taskId: string): Promise<TaskRecord | undefined>;
  /** Department tasks of an opportunity. */
  tasksOf(opportunityId: string): Promise<{ id: string; record: TaskRecord }[]>;
  explain(leadId: string): Promise<LeadExplanation>;
  /** The quarantine: every payload refused at intake, with its issues. */
  quarantined(options?: { afterId?: string; limit?: number }): Promise<QuarantineRecord[]>;
  /**
   * Every KPI with its target and pass/fail, over entities created in `[from, to)`: action
   * certainty (assigned in 5 business minutes, followed up in 24 h, advanced by the planned next
   * contact), funnel, stage dwell and rollbacks, stalled TOP5, data completeness, department task
   * response times, per-rep completion and timeliness, duplicate-entry rates, cross-sell count.
   */
  metrics(window?: { from?: number | Date; to?: number | Date }): Promise<Metrics>;
  /**
   * Run the rule set's cross-sell and risk rules over a customer now (and the group cross-sell
   * check over its group); each finding is logged and sent to its recipient through the outbox.
   */
  reviewCustomer(
    customerId: string,
    knowledge?: CustomerKnowledge,
    options?: CommandOptions,
  ): Promise<CustomerRuleEffect[]>;
  /** Lead KPIs over leads received in `[from, to)` (defaults: everything up to now). */
  leadMetrics(window?: { from?: number | Date; to?: number | Date }): Promise<LeadMetrics>;
  readonly ruleSet: CompiledRuleSet;
  readonly team: Team;
  readonly storage: StorageAdapter;
  readonly clock: Clock;
}
