/**
 * The engine's event log as data: every event `type` the engine writes through the storage port,
 * the entity `kind` it is written under and the shape of its `data`, as zod schemas
 * ({@link logEventDataSchemas}) — the one source of truth. The TypeScript union
 * {@link LeadflowLogEvent} is inferred from them, and a test runs a simulation and an engine and
 * checks every stored event against them.
 *
 * Conventions of the log (what a host reading it may rely on):
 * - `at` is the event time (host time, epoch ms); `seq` orders events in commit order.
 * - `null` stands for an absent value; `data` never holds `undefined`.
 * - Events the engine derives itself carry only what the entity record does not already say
 *   (`lead.assigned`: `{ repId, by }`). Events the opportunity and task machines emit
 *   (`opportunity.stageEntered`, `task.completed`, …) are logged as emitted: `data` repeats
 *   `type`, `at` and the entity's ids.
 * - `sla.*` events are written under the kind of the entity whose clock it is (`lead`,
 *   `opportunity` or `task`); a lead's carry the clock `cycle`, the others do not.
 * - A host may write its own types to the same log; they are not in the catalogue, and
 *   {@link narrowLogEvent} returns `undefined` for them.
 *
 * @module
 */
import * as z from 'zod';
import type { StoredEvent } from '../adapters/storage/port.js';
import { TASK_KINDS } from '../machines/task.js';
import { formatIssuePath, type ModelIssue, type ModelParseResult, modelErrorMap } from '../model/issues.js';
import { OPPORTUNITY_STAGE_IDS } from '../rules/stages.js';

/**
 * Every event type the engine writes to the storage log, grouped by entity (`sla.*` for lead and
 * opportunity clocks alike). {@link logEventDataSchemas} has one entry per type.
 *
 * @example
 * ```ts
 * import { LOG_EVENT_TYPES } from 'leadflow';
 * const leadTypes = LOG_EVENT_TYPES.filter((type) => type.startsWith('lead.'));
 * ```
 * @category Engine
 */
export const LOG_EVENT_TYPES = [
  'lead.received',
  'lead.duplicate',
  'lead.assigned',
  'lead.offered',
  'lead.offerExpired',
  'lead.queued',
  'lead.nurturing',
  'lead.opened',
  'lead.followedUp',
  'lead.escalated',
  'lead.converted',
  'lead.disqualified',
  'lead.recycled',
  'lead.merged',
  'lead.closed',
  'lead.handedOver',
  'lead.quarantined',
  'sla.warning',
  'sla.breached',
  'sla.met',
  'sla.stopped',
  'sla.paused',
  'sla.resumed',
  'customer.created',
  'customer.updated',
  'customer.duplicateEntry',
  'customer.handedOver',
  'customer.crossSell',
  'customer.risk',
  'opportunity.created',
  'opportunity.stageEntered',
  'opportunity.stageLeft',
  'opportunity.nextContactPlanned',
  'opportunity.rolledBack',
  'opportunity.won',
  'opportunity.lost',
  'opportunity.ownerChanged',
  'opportunity.escalated',
  'opportunity.deliveryDelayFlagged',
  'task.created',
  'task.acknowledged',
  'task.completed',
  'task.overdue',
  'task.escalated',
  'task.reassigned',
  'task.cancelled',
  'task.maintenanceScheduled',
  'task.maintenanceDue',
  'task.maintenanceUnscheduled',
] as const;

/**
 * One of {@link LOG_EVENT_TYPES}.
 *
 * @example
 * ```ts
 * import type { LogEventType } from 'leadflow';
 * const type: LogEventType = 'lead.assigned';
 * ```
 * @category Engine
 */
export type LogEventType = (typeof LOG_EVENT_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// Shapes shared by several types

const text = /* @__PURE__ */ (() => z.string())();
const optionalText = /* @__PURE__ */ (() => z.string().nullable())();
const instant = /* @__PURE__ */ (() => z.number())();
const stage = /* @__PURE__ */ (() => z.enum(OPPORTUNITY_STAGE_IDS))();
const taskKind = /* @__PURE__ */ (() => z.enum(TASK_KINDS))();
const department = /* @__PURE__ */ (() => z.enum(['technical', 'production', 'afterSales']))();
const json = /* @__PURE__ */ (() => z.json())();

/** A lead's state change with the machine's reason (`null` when it gave none). */
const leadReason = /* @__PURE__ */ (() => z.strictObject({ reason: optionalText }))();
const handedOver = /* @__PURE__ */ (() => z.strictObject({ from: text, to: text }))();
const escalated = /* @__PURE__ */ (() =>
  z.strictObject({ policyId: text, to: text, recipientIds: z.array(text) }))();
const leadSla = /* @__PURE__ */ (() =>
  z.strictObject({
    policyId: text,
    /** The clock's planned breach instant after the transition (`null` once breached, while paused). */
    dueAt: instant.nullable(),
    elapsedMs: z.number(),
    cycle: z.number().int(),
  }))();
const opportunitySla = /* @__PURE__ */ (() =>
  z.strictObject({ policyId: text, dueAt: instant.nullable(), elapsedMs: z.number() }))();
const sla = { lead: leadSla, opportunity: opportunitySla, task: opportunitySla } as const;
const customerWarnings = /* @__PURE__ */ (() => z.strictObject({ warnings: z.array(text) }))();
const customerRule = /* @__PURE__ */ (() =>
  z.strictObject({
    ruleId: text,
    kind: text,
    severity: z.enum(['info', 'warning', 'high']),
    details: z.record(z.string(), json),
  }))();

/** Fields every event the opportunity machine emits repeats in `data`. */
const opportunityEmitted = <T extends string>(type: T) => ({
  type: z.literal(type),
  opportunityId: text,
  customerId: text,
  ownerId: optionalText,
});
/** Fields every event the task machine emits repeats in `data`. */
const taskEmitted = <T extends string>(type: T) => ({
  type: z.literal(type),
  taskId: text,
  kind: taskKind,
  department,
  opportunityId: optionalText,
  assigneeId: optionalText,
  at: instant,
});

/**
 * The catalogue: for each {@link LogEventType}, the entity kind(s) it is written under and a zod
 * schema of its `data` (strict: no other keys). {@link LeadflowLogEvent} is inferred from it;
 * {@link parseLogEvent} checks a stored event against it.
 *
 * | type | kind | data |
 * |---|---|---|
 * | `lead.received` | lead | channel, receivedAt, which sales fields are `complete`, `qualified`, `tags` |
 * | `lead.duplicate` | lead | `matchedOn`, the duplicate's `channel`, `count` so far |
 * | `lead.assigned` / `lead.opened` | lead | `repId` (and `by`: the rule id, `claim`, `reassign` or who assigned) |
 * | `lead.offered` / `lead.queued` / `lead.nurturing` | lead | offer `repIds` + `ruleId` / `supervisorId` + `reason` / `until` + `reason` |
 * | `lead.offerExpired` | lead | the unclaimed offer's `repIds`, `ruleId`, `expiresAt` and who it was escalated to (`escalatedTo`, empty for none) |
 * | `lead.followedUp` | lead | `repId`, `status`, `outcome`, `nextContactAt`, `moveTo`, `first` |
 * | `lead.converted` / `disqualified` / `merged` | lead | `reason` |
 * | `lead.recycled` (back to the pool) | lead | `reason`, `from` (the rep it was taken from) |
 * | `lead.closed` | lead | terminal `state` |
 * | `lead.escalated` / `opportunity.escalated` | lead / opportunity | `policyId`, `to`, `recipientIds` |
 * | `lead.handedOver` / `customer.handedOver` | lead / customer | `from`, `to` rep |
 * | `lead.quarantined` | **quarantine** (entity id: the quarantine record) | `issues` count |
 * | `sla.warning` … `sla.resumed` | lead, opportunity, task | `policyId`, `dueAt`, `elapsedMs` (+ `cycle` for leads) |
 * | `customer.created` / `customer.updated` | customer | `warnings` |
 * | `customer.duplicateEntry` | customer | `matchedOn`, `attemptedId` |
 * | `customer.crossSell` / `customer.risk` | customer | `ruleId`, `kind`, `severity`, `details` (group suggestions: no severity) |
 * | `opportunity.created` / `nextContactPlanned` | opportunity | `customerId`, `leadId`, `ownerId` / `stage`, `plannedAt` |
 * | `opportunity.stageEntered` … `deliveryDelayFlagged` | opportunity | the machine's emitted event (`OpportunityEmitted`) |
 * | `task.created` / `task.overdue` | task | `kind`, `opportunityId`, `department`, `dueAt`, the window's `clock` and `withinMs` / `departmentHead`, `dueAt` |
 * | `task.acknowledged` … `task.cancelled` | task | the machine's emitted event (`TaskEmitted`) |
 * | `task.maintenanceScheduled` / `task.maintenanceDue` / `task.maintenanceUnscheduled` | task | `occurrence` and the reminder's `dueAt` + `rrule` / `recipientIds` / the `reason` the calendar could not place it |
 *
 * @example
 * ```ts
 * import { logEventDataSchemas } from 'leadflow';
 * logEventDataSchemas['lead.assigned'].lead.parse({ repId: 'rep-a', by: 'claim' });
 * Object.keys(logEventDataSchemas['sla.breached']); // ['lead', 'opportunity', 'task']
 * ```
 * @category Engine
 */
export const logEventDataSchemas = /* @__PURE__ */ (() =>
  ({
    'lead.received': {
      lead: z.strictObject({
        channel: text,
        /** When the lead arrived (its own `receivedAt`, not the ingest time `at`). */
        receivedAt: instant,
        /** Ingest time minus `receivedAt` (absent in logs written before it was recorded). */
        ingestionGapMs: z.number().int().optional(),
        /** Which fields sales needs are filled in (data-completeness KPI). */
        complete: z.strictObject({
          contactPoint: z.boolean(),
          contactName: z.boolean(),
          budget: z.boolean(),
          need: z.boolean(),
          city: z.boolean(),
        }),
        qualified: z.boolean(),
        tags: z.array(text),
      }),
    },
    'lead.duplicate': { lead: z.strictObject({ matchedOn: text, channel: text, count: z.number().int() }) },
    'lead.assigned': { lead: z.strictObject({ repId: text, by: text }) },
    'lead.offered': { lead: z.strictObject({ repIds: z.array(text), ruleId: optionalText }) },
    'lead.offerExpired': {
      lead: z.strictObject({
        repIds: z.array(text),
        ruleId: optionalText,
        /** The claim deadline that passed. */
        expiresAt: instant,
        /** Who was sent the escalation (the supervisor), empty with `onExpiry.escalateTo: "none"`. */
        escalatedTo: z.array(text),
      }),
    },
    'lead.queued': { lead: z.strictObject({ supervisorId: optionalText, reason: optionalText }) },
    'lead.nurturing': { lead: z.strictObject({ until: instant.nullable(), reason: optionalText }) },
    'lead.opened': { lead: z.strictObject({ repId: text }) },
    'lead.followedUp': {
      lead: z.strictObject({
        repId: text,
        status: text,
        outcome: optionalText,
        nextContactAt: instant,
        /** Where the follow-up moved the lead (`contacted`, `nurturing`, …); absent in older logs. */
        moveTo: optionalText.optional(),
        /** The lead's first follow-up. */
        first: z.boolean(),
      }),
    },
    'lead.escalated': { lead: escalated },
    'lead.converted': { lead: leadReason },
    'lead.disqualified': { lead: leadReason },
    'lead.recycled': { lead: z.strictObject({ reason: optionalText, from: optionalText }) },
    'lead.merged': { lead: leadReason },
    'lead.closed': { lead: z.strictObject({ state: z.enum(['converted', 'disqualified', 'merged']) }) },
    'lead.handedOver': { lead: handedOver },
    'lead.quarantined': { quarantine: z.strictObject({ issues: z.number().int() }) },
    'sla.warning': sla,
    'sla.breached': sla,
    'sla.met': sla,
    'sla.stopped': sla,
    'sla.paused': sla,
    'sla.resumed': sla,
    'customer.created': { customer: customerWarnings },
    'customer.updated': { customer: customerWarnings },
    'customer.duplicateEntry': { customer: z.strictObject({ matchedOn: text, attemptedId: text }) },
    'customer.handedOver': { customer: handedOver },
    'customer.crossSell': {
      customer: z.union([
        customerRule,
        z.strictObject({
          ruleId: z.literal('group-cross-sell'),
          kind: z.literal('group-cross-sell'),
          details: z.strictObject({
            groupId: text,
            activeCustomerIds: z.array(text),
            quietCustomerIds: z.array(text),
          }),
        }),
      ]),
    },
    'customer.risk': { customer: customerRule },
    'opportunity.created': {
      opportunity: z.strictObject({ customerId: text, leadId: optionalText, ownerId: optionalText }),
    },
    'opportunity.stageEntered': {
      opportunity: z.strictObject({
        ...opportunityEmitted('opportunity.stageEntered'),
        stage,
        from: stage.nullable(),
        via: z.enum(['create', 'advance', 'rollback']),
        at: instant.nullable(),
      }),
    },
    'opportunity.stageLeft': {
      opportunity: z.strictObject({
        ...opportunityEmitted('opportunity.stageLeft'),
        stage,
        to: z.union([stage, z.enum(['won', 'lost'])]),
        via: z.enum(['advance', 'rollback', 'won', 'lost']),
        enteredAt: instant.nullable(),
        dwellMs: z.number().nullable(),
        at: instant,
      }),
    },
    'opportunity.nextContactPlanned': { opportunity: z.strictObject({ stage, plannedAt: instant }) },
    'opportunity.rolledBack': {
      opportunity: z.strictObject({
        ...opportunityEmitted('opportunity.rolledBack'),
        from: stage,
        to: stage,
        reason: text,
        /** Rollbacks from `from` so far, this one included. */
        count: z.number().int(),
        total: z.number().int(),
        at: instant,
      }),
    },
    'opportunity.won': {
      opportunity: z.strictObject({
        ...opportunityEmitted('opportunity.won'),
        leadId: optionalText,
        stage,
        contractValue: z.number().nullable(),
        at: instant,
      }),
    },
    'opportunity.lost': {
      opportunity: z.strictObject({
        ...opportunityEmitted('opportunity.lost'),
        leadId: optionalText,
        stage,
        reason: text,
        at: instant,
      }),
    },
    'opportunity.ownerChanged': {
      opportunity: z.strictObject({
        ...opportunityEmitted('opportunity.ownerChanged'),
        from: optionalText,
        to: text,
        at: instant,
      }),
    },
    'opportunity.escalated': { opportunity: escalated },
    'opportunity.deliveryDelayFlagged': {
      opportunity: z.strictObject({
        ...opportunityEmitted('opportunity.deliveryDelayFlagged'),
        stage: z.union([stage, z.literal('won')]),
        reason: text,
        at: instant,
      }),
    },
    'task.created': {
      task: z.strictObject({
        kind: taskKind,
        opportunityId: text,
        department,
        dueAt: instant.nullable(),
        /** The answer window from the rule set (`opportunity.taskWindows`): its clock and length. */
        clock: z.enum(['business', 'wall']),
        withinMs: z.number(),
      }),
    },
    'task.acknowledged': { task: z.strictObject({ ...taskEmitted('task.acknowledged'), by: text }) },
    'task.completed': {
      task: z.strictObject({
        ...taskEmitted('task.completed'),
        result: z.record(z.string(), json),
        /** Finished by `dueAt`; `null` when the task has no due time. */
        onTime: z.boolean().nullable(),
      }),
    },
    'task.overdue': { task: z.strictObject({ departmentHead: text, dueAt: instant.nullable() }) },
    'task.escalated': {
      task: z.strictObject({ ...taskEmitted('task.escalated'), to: text, policyId: optionalText }),
    },
    'task.reassigned': {
      task: z.strictObject({ ...taskEmitted('task.reassigned'), from: optionalText, to: text }),
    },
    'task.cancelled': { task: z.strictObject({ ...taskEmitted('task.cancelled'), reason: text }) },
    /** The next maintenance reminder of a completed task, as a durable timer (推送保养提醒日历). */
    'task.maintenanceScheduled': {
      task: z.strictObject({ occurrence: z.number().int(), dueAt: instant, rrule: text }),
    },
    /** A maintenance reminder went to the outbox for these recipients. */
    'task.maintenanceDue': {
      task: z.strictObject({ occurrence: z.number().int(), recipientIds: z.array(text) }),
    },
    /** The calendar could not place the next reminder (e.g. beyond its holiday data). */
    'task.maintenanceUnscheduled': { task: z.strictObject({ occurrence: z.number().int(), reason: text }) },
  }) as const satisfies { readonly [T in LogEventType]: Readonly<Record<string, z.ZodType>> })();

type Catalogue = typeof logEventDataSchemas;
type KindOf<T extends LogEventType> = keyof Catalogue[T] & string;

/**
 * An event of the engine's log, as {@link StoredEvent} but discriminated: narrowing on `type`
 * (and, for `sla.*`, on `kind`) gives `data` its shape. Inferred from
 * {@link logEventDataSchemas}. Get one from a stored event with {@link narrowLogEvent} or
 * {@link isLogEvent}.
 *
 * @example
 * ```ts
 * import { narrowLogEvent, type LeadflowLogEvent } from 'leadflow';
 * const describe = (event: LeadflowLogEvent): string => {
 *   switch (event.type) {
 *     case 'lead.assigned':
 *       return `${event.entityId} → ${event.data.repId} (${event.data.by})`;
 *     case 'sla.breached':
 *       return event.kind === 'lead' ? `cycle ${event.data.cycle} missed` : `${event.data.policyId} missed`;
 *     default:
 *       return event.type;
 *   }
 * };
 * const lines = (await storage.readEvents()).flatMap((e) => {
 *   const event = narrowLogEvent(e);
 *   return event ? [describe(event)] : [];
 * });
 * ```
 * @category Engine
 */
export type LeadflowLogEvent = {
  [T in LogEventType]: {
    [K in KindOf<T>]: {
      seq: number;
      entityId: string;
      kind: K;
      type: T;
      at: number;
      data: z.infer<Catalogue[T][K]>;
    };
  }[KindOf<T>];
}[LogEventType];

/**
 * The {@link LeadflowLogEvent}(s) of one type.
 *
 * @example
 * ```ts
 * import type { LogEventOf } from 'leadflow';
 * const dwell = (event: LogEventOf<'opportunity.stageLeft'>) => event.data.dwellMs ?? 0;
 * ```
 * @category Engine
 */
export type LogEventOf<T extends LogEventType> = Extract<LeadflowLogEvent, { type: T }>;

/**
 * The `data` of one event type (a union over its kinds for `sla.*`).
 *
 * @example
 * ```ts
 * import type { LogEventData } from 'leadflow';
 * const first: LogEventData<'lead.followedUp'> = {
 *   repId: 'rep-a', status: '已联系', outcome: null, nextContactAt: 1_772_000_000_000, first: true,
 * };
 * ```
 * @category Engine
 */
export type LogEventData<T extends LogEventType> = LogEventOf<T>['data'];

const catalogue: Readonly<Record<string, Readonly<Record<string, z.ZodType>>>> = logEventDataSchemas;

function catalogued(event: StoredEvent): boolean {
  const kinds = Object.hasOwn(catalogue, event.type) ? catalogue[event.type] : undefined;
  return kinds !== undefined && Object.hasOwn(kinds, event.kind);
}

/**
 * Whether `event` is of `type`, written under a kind the catalogue has for it — narrowing it to
 * {@link LogEventOf}. Checks `type` and `kind` only, not `data`: the engine's own log is trusted
 * (use {@link parseLogEvent} to validate). A host's event reusing an engine type under another
 * kind is not matched.
 *
 * @example
 * ```ts
 * import { isLogEvent } from 'leadflow';
 * const owners = (await storage.readEvents({ types: ['lead.assigned'] }))
 *   .filter((e) => isLogEvent(e, 'lead.assigned'))
 *   .map((e) => e.data.repId);
 * ```
 * @category Engine
 */
export function isLogEvent<T extends LogEventType>(
  event: StoredEvent,
  type: T,
): event is StoredEvent & LogEventOf<T> {
  return event.type === type && catalogued(event);
}

/** `a`, `a or b`, `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/**
 * The same event typed as a {@link LeadflowLogEvent}, or `undefined` for a type or kind the
 * engine does not write (a host's own events). Like {@link isLogEvent}, `data` is not checked.
 *
 * @example
 * ```ts
 * import { narrowLogEvent } from 'leadflow';
 * for (const stored of await storage.readEvents({ entityId: 'opp-1' })) {
 *   const event = narrowLogEvent(stored);
 *   if (event?.type === 'opportunity.stageLeft') console.log(event.data.stage, event.data.dwellMs);
 * }
 * ```
 * @category Engine
 */
export function narrowLogEvent(event: StoredEvent): LeadflowLogEvent | undefined {
  return catalogued(event) ? (event as unknown as LeadflowLogEvent) : undefined;
}

let rowSchemas: Map<string, z.ZodType> | undefined;

/** The schema of a whole event per `type kind`, built on first use. */
function rowSchema(type: string, kind: string): z.ZodType | undefined {
  if (rowSchemas === undefined) {
    rowSchemas = new Map();
    for (const [eventType, kinds] of Object.entries(catalogue)) {
      for (const [eventKind, data] of Object.entries(kinds)) {
        rowSchemas.set(
          `${eventType} ${eventKind}`,
          z.strictObject({
            seq: z.number().int().positive(),
            entityId: z.string().min(1),
            kind: z.literal(eventKind),
            type: z.literal(eventType),
            at: z.number(),
            data,
          }),
        );
      }
    }
  }
  return rowSchemas.get(`${type} ${kind}`);
}

/**
 * Check a stored event against the catalogue: its type and kind are ones the engine writes and
 * its `data` has exactly the catalogued shape. Returns the event (a parsed copy) or every issue
 * with its path (`data.repId`, `type`). For a custom storage adapter's tests, a log migration, or
 * a consumer that wants proof rather than trust.
 *
 * @example
 * ```ts
 * import { parseLogEvent } from 'leadflow';
 * const result = parseLogEvent({ seq: 1, entityId: 'lead-1', kind: 'lead', type: 'lead.opened', at: 0, data: {} });
 * if (!result.ok) console.log(result.issues); // [{ path: 'data.repId', message: … }]
 * ```
 * @category Engine
 */
export function parseLogEvent(event: StoredEvent): ModelParseResult<LeadflowLogEvent> {
  const schema = rowSchema(event.type, event.kind);
  if (schema === undefined) {
    const known = Object.hasOwn(catalogue, event.type);
    return {
      ok: false,
      issues: [
        known
          ? {
              path: 'kind',
              message: `${event.type} is written under kind ${orList(Object.keys(catalogue[event.type]!))}, not ${JSON.stringify(event.kind)}`,
            }
          : { path: 'type', message: `${JSON.stringify(event.type)} is not an event type leadflow writes` },
      ],
    };
  }
  const result = schema.safeParse(event, { error: modelErrorMap });
  if (result.success) return { ok: true, value: result.data as LeadflowLogEvent };
  const issues: ModelIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        issues.push({
          path: formatIssuePath([...issue.path, key]),
          message: `not part of a ${event.type} event`,
        });
    } else {
      issues.push({ path: formatIssuePath(issue.path), message: issue.message });
    }
  }
  return { ok: false, issues };
}
