import * as z from 'zod';
import { TASK_KINDS } from '../machines/task.js';
import { conditionSchema } from './conditions.js';
import { durationSchema } from './duration.js';
import { OPPORTUNITY_STAGE_IDS, stageGatesSchema } from './stages.js';
import { MESSAGE_LANGUAGES } from './templates.js';

/**
 * Size limits a rule set must respect (checked by {@link compileRuleSet}). Rule sets come from
 * editors and the playground, so they are bounded like any untrusted input.
 *
 * @example
 * ```ts
 * import { RULE_SET_LIMITS } from 'leadflow';
 * console.log(`at most ${RULE_SET_LIMITS.rulesPerSection} rules per section`);
 * ```
 * @category Rule sets
 */
export const RULE_SET_LIMITS = /* @__PURE__ */ (() =>
  Object.freeze({
    /** Serialized JSON size of a whole rule set, in UTF-16 code units. */
    jsonChars: 1_000_000,
    /** Rules in one section (tagging, assignment, cross-sell, risk), SLA policies, outcomes. */
    rulesPerSection: 500,
    /** Pools in one rule set; reps in one pool or candidate list. */
    pools: 200,
    poolMembers: 1_000,
    /** Tags one tagging rule may add. */
    tagsPerRule: 20,
    /** Ids and tags: characters. */
    idLength: 128,
    /** Template text: characters. */
    templateLength: 4_000,
  } as const))();

const id = /* @__PURE__ */ (() =>
  z
    .string()
    .min(1)
    .max(RULE_SET_LIMITS.idLength)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/, 'an id of letters, digits and _ . : / -'))();
const tag = /* @__PURE__ */ (() =>
  z
    .string()
    .min(1)
    .max(RULE_SET_LIMITS.idLength)
    .regex(/^[^\s]+$/, 'a tag without spaces'))();
const share = /* @__PURE__ */ (() => z.number().min(0).max(1))();

/** A rule's optional condition: absent means "always" (a catch-all). */
const when = /* @__PURE__ */ (() => conditionSchema.optional())();

const taggingRuleSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    id,
    description: z.string().max(500).optional(),
    when,
    tags: z.array(tag).min(1).max(RULE_SET_LIMITS.tagsPerRule),
  }))();

const budgetBandSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    tag,
    /** The band holds budgets strictly below this amount (in CNY); omit on the last band. */
    below: z.number().positive().optional(),
  }))();

const intentGradeSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    grade: z.enum(['A', 'B', 'C']),
    when,
  }))();

const taggingSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    /** Add `channel/<channel>` to every lead. @default true */
    channelTag: z.boolean().default(true),
    /** Budget bands in ascending order; the first whose `below` exceeds the budget wins. */
    budgetBands: z.array(budgetBandSchema).max(50).default([]),
    /** Intent grades, first match wins; a lead matching none is graded C. */
    intentGrades: z.array(intentGradeSchema).max(10).default([]),
    rules: z.array(taggingRuleSchema).max(RULE_SET_LIMITS.rulesPerSection).default([]),
  }))();

const qualificationSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    /** The "valid lead" contract: all three must hold. Each absent part holds trivially. */
    credibleSource: when,
    completeInfo: when,
    explicitNeed: when,
    /** Days an unqualified lead stays in incubation (nurturing) before it is recycled. @default 60 */
    incubationDays: z.number().int().min(1).max(3650).default(60),
    /** Whether leads that fail the contract are still assigned to sales. @default false */
    assignUnqualified: z.boolean().default(false),
  }))();

const poolSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    id,
    repIds: z.array(id).min(1).max(RULE_SET_LIMITS.poolMembers),
  }))();

/**
 * Which lead attributes a candidate rep must cover (their `regions` / `industries` lists), and
 * `skills`: the rep must carry (in `skills`) every skill the lead needs — the name after
 * `skill/` of each of its tags (`skill/english` needs `english`), whether a tagging rule or the
 * source added it. A lead without such a tag needs none. @default false
 */
const matchFilterSchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      region: z.boolean().default(false),
      industry: z.boolean().default(false),
      skills: z.boolean().optional(),
    })
    .optional())();

/** A skill label, as reps carry them in `skills` (`technical`, `english`). */
const skill = /* @__PURE__ */ (() => z.string().trim().min(1).max(100))();

const candidatesSchema = /* @__PURE__ */ (() => ({
  /** A pool id (from the rule set's `pools`, else the team's pools). */
  pool: id.optional(),
  /** Or the candidate reps inline, in preference order. */
  repIds: z.array(id).min(1).max(RULE_SET_LIMITS.poolMembers).optional(),
  match: matchFilterSchema,
  /** Skills every candidate must carry for this rule (e.g. `["technical"]`). @default [] */
  requireSkills: z.array(skill).min(1).max(20).optional(),
}))();

const strategySchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('type', [
    /** A fixed rep, with optional overflow reps in order when the first is unavailable. */
    z.strictObject({ type: z.literal('owner'), repId: id, overflowTo: z.array(id).max(50).default([]) }),
    z.strictObject({
      type: z.literal('roundRobin'),
      ...candidatesSchema,
      /**
       * Weights per candidate rep id (integers 1–100; unlisted candidates weigh 1; at most 10,000
       * in all): a rep of weight 2 gets two leads for every one of a rep of weight 1, spread out
       * (smooth), never in bursts. Over the rule's first n leads with every candidate free, each
       * rep's count stays within 1 of n × weight / total. @default every candidate 1
       */
      weights: z.record(id, z.number().int().min(1).max(100)).optional(),
    }),
    z.strictObject({ type: z.literal('leastLoaded'), ...candidatesSchema }),
    z.strictObject({
      type: z.literal('bestMatch'),
      ...candidatesSchema,
      /** Wins older than this many days do not count. @default 90 */
      lookbackDays: z.number().int().min(1).max(3650).default(90),
      /**
       * The score a rep needs to be chosen (a win in the lead's industry scores 2, in its region 1).
       * When no eligible rep reaches it, the rule has not matched anyone similar and the lead falls
       * through to the next rule (or the fallback), as `onNoCandidate` says. @default 1
       */
      minScore: z.number().int().min(1).max(10_000).default(1),
    }),
    z.strictObject({
      type: z.literal('broadcast'),
      ...candidatesSchema,
      /** How long the offer stays open before assignment falls through to the next rule. @default "10m" */
      claimTimeout: durationSchema.default(600_000),
      /**
       * The message every offered rep gets through the outbox (one per rep and channel), naming the
       * lead and the claim deadline in the calendar's local time. `template`: a template id (the
       * rule set's `templates` or a built-in). `channel`: used unless `routing.kinds` names the
       * template's channels. @default { template: "broadcast-offer", channel: "wecom" }
       */
      notify: z
        .strictObject({
          template: id.default('broadcast-offer'),
          channel: z.string().min(1).max(40).default('wecom'),
        })
        .default({ template: 'broadcast-offer', channel: 'wecom' }),
      /**
       * When nobody claims in time: the lead still falls through to the next rule, and
       * `escalateTo: "supervisor"` also sends the lead's supervisor (else the fallback supervisor)
       * a message; `"none"` sends nothing.
       * @default { escalateTo: "supervisor", template: "broadcast-offer-expired", channel: "wecom" }
       */
      onExpiry: z
        .strictObject({
          escalateTo: z.enum(['supervisor', 'none']).default('supervisor'),
          template: id.default('broadcast-offer-expired'),
          channel: z.string().min(1).max(40).default('wecom'),
        })
        .default({ escalateTo: 'supervisor', template: 'broadcast-offer-expired', channel: 'wecom' }),
    }),
  ]))();

const assignmentRuleSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    id,
    description: z.string().max(500).optional(),
    when,
    strategy: strategySchema,
    /**
     * What happens when no candidate is eligible (capacity, leave, inactive, mismatch):
     * try the next rule, or go straight to the fallback. @default "nextRule"
     */
    onNoCandidate: z.enum(['nextRule', 'fallback']).optional(),
  }))();

const fallbackSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    type: z.literal('supervisorQueue'),
    /** A specific supervisor; default: the team's first supervisor. */
    supervisorId: id.optional(),
  }))();

/** Units of daily capacity one lead of a grade uses (integers 1–100). */
const capacityWeight = /* @__PURE__ */ (() => z.number().int().min(1).max(100).optional())();

const assignmentSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    rules: z.array(assignmentRuleSchema).max(RULE_SET_LIMITS.rulesPerSection).default([]),
    fallback: fallbackSchema.default({ type: 'supervisorQueue' }),
    /**
     * Units of a rep's `dailyCapacity` a lead uses by intent grade: with `{ "A": 2 }` an A lead
     * counts 2 of a rep's 8, so a rep at 7 units takes a B lead but not an A one. Unlisted grades
     * use 1; absent, every lead uses 1 (capacity counts leads). Explanations show units and leads.
     */
    capacityWeights: z.strictObject({ A: capacityWeight, B: capacityWeight, C: capacityWeight }).optional(),
  }))();

/**
 * Events SLA policies may start, stop, pause or resume on.
 *
 * @example
 * ```ts
 * import { SLA_EVENTS } from 'leadflow';
 * SLA_EVENTS.includes('lead.assigned'); // true
 * ```
 * @category Rule sets
 */
export const SLA_EVENTS = [
  'lead.received',
  'lead.qualified',
  'lead.queued',
  'lead.offered',
  'lead.offerExpired',
  'lead.assigned',
  'lead.opened',
  'lead.followedUp',
  'lead.nurturing',
  'lead.converted',
  'lead.disqualified',
  'lead.recycled',
  'lead.merged',
  'opportunity.created',
  'opportunity.stageEntered',
  'opportunity.stageLeft',
  'opportunity.won',
  'opportunity.lost',
  'task.created',
  'task.acknowledged',
  'task.done',
] as const;

/**
 * One of {@link SLA_EVENTS}.
 *
 * @example
 * ```ts
 * import type { SlaEvent } from 'leadflow';
 * const start: SlaEvent = 'lead.received';
 * ```
 * @category Rule sets
 */
export type SlaEvent = (typeof SLA_EVENTS)[number];

const recipient = /* @__PURE__ */ (() =>
  z.enum(['owner', 'manager', 'supervisor', 'departmentHead', 'serviceTeam']))();

const slaActionSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('escalate'), to: z.enum(['supervisor', 'manager', 'departmentHead']) }),
    z.strictObject({
      type: z.literal('notify'),
      channel: z.string().min(1).max(40),
      to: recipient,
      template: id,
      /** Attach the lead's behaviour snapshot (pages, downloads, video seconds). @default false */
      includeBehaviourSnapshot: z.boolean().default(false),
    }),
    z.strictObject({ type: z.literal('reassign') }),
    z.strictObject({ type: z.literal('raisePriority') }),
    /**
     * Take the lead from its owner back to the pool (公海, the `recycled` state) with the
     * policy as the reason; any rep may then claim it under their holding cap. The last rung of
     * an owner → supervisor → pool ladder.
     */
    z.strictObject({ type: z.literal('returnToPool') }),
  ]))();

const slaPolicySchema = /* @__PURE__ */ (() =>
  z.strictObject({
    id,
    description: z.string().max(500).optional(),
    entity: z.enum(['lead', 'opportunity', 'task']).default('lead'),
    startOn: z.array(z.string()).min(1).max(10),
    stopOn: z.array(z.string()).min(1).max(10),
    pauseOn: z.array(z.string()).max(10).default([]),
    resumeOn: z.array(z.string()).max(10).default([]),
    target: durationSchema,
    clock: z.enum(['business', 'wall']),
    /** Warn this long before the breach. */
    warnBefore: durationSchema.optional(),
    onWarn: z.array(slaActionSchema).max(10).default([]),
    onBreach: z.array(slaActionSchema).max(10).default([]),
  }))();

const templateSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    subject: z.string().max(200).optional(),
    /** Text with `{{dot.path}}` placeholders over the lead, rep and policy; no code runs. */
    text: z.string().min(1).max(RULE_SET_LIMITS.templateLength),
  }))();

/** A channel name: what a notifier is registered under (`wecom`, `sms`, `board`, …). */
const channelName = /* @__PURE__ */ (() => z.string().min(1).max(40))();

const routingSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    /**
     * The channels of each message kind (a template id, e.g. `unassigned-escalation`), in order: one
     * message per channel. Replaces the `channel` the SLA action (or the built-in message) names.
     */
    kinds: z.record(id, z.array(channelName).min(1).max(5)).default({}),
    /**
     * Channels to try next, in order, when a message fails for good on a channel: a permanent or
     * configuration error, retries exhausted, or recipients without an address there (e.g.
     * `{ "wecom": ["sms"] }`: WeCom app down → SMS).
     */
    fallbacks: z.record(channelName, z.array(channelName).min(1).max(5)).default({}),
  }))();

const followUpOutcomeSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    id,
    label: z.string().max(100),
    /** Default next contact time after this outcome, if the rep gives none. */
    nextContactIn: durationSchema,
    /**
     * Where that default next contact may land. `workingTime`: `nextContactIn` of elapsed time,
     * then forward to the calendar's next working time — "in 3 days" from Thursday 30 April 2026
     * is Sunday 3 May, a May Day holiday, so Wednesday 6 May 09:00; `anyTime`: exactly
     * `nextContactIn` later. A next contact the rep gives is kept as given. @default "workingTime"
     */
    landOn: z.enum(['workingTime', 'anyTime']).default('workingTime'),
    /** Lead state this outcome moves to. @default "contacted" */
    moveTo: z.enum(['contacted', 'nurturing', 'converted', 'disqualified']).default('contacted'),
  }))();

/** A department task's answer window: `within` from the task's creation, counted on `clock`. */
const taskWindowSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    within: durationSchema,
    /**
     * `business`: `within` counts working time only (the calendar's hours, holidays and 调休 make-up
     * days), so a task created Friday 16:00 with `48h` is due six working days later, never on a
     * weekend; `wall`: plain elapsed time. @default "business"
     */
    clock: z.enum(['business', 'wall']).default('business'),
  }))();

const customerRuleSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    id,
    description: z.string().max(500).optional(),
    when: conditionSchema,
    effect: z.strictObject({
      type: z.enum(['recommendation', 'alert', 'task']),
      kind: id,
      severity: z.enum(['info', 'warning', 'high']).default('info'),
      to: recipient,
      template: id.optional(),
      /**
       * What the message carries besides the customer: customer facts by name (their values at
       * review time) and the knowledge a host passes to `reviewCustomer` — `failureInterval`
       * (the mean time between failures of the customer's `lastModel`, in hours and/or days as
       * known) and `serviceHistory` (the customer's last 12 months of service). They land in
       * the effect's `details` under the same names. @default []
       */
      carry: z.array(id).max(40).default([]),
    }),
  }))();

const leadPoolSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    /**
     * How many open leads one rep may hold (客保数量) for a claim from the pool to be accepted;
     * absent: no cap. Assignment rules and a supervisor's assignment are not refused by it.
     */
    holdingCap: z.number().int().min(1).max(1_000_000).optional(),
    /** Per-rep caps by rep id, over `holdingCap`. @default {} */
    holdingCaps: z.record(id, z.number().int().min(0).max(1_000_000)).default({}),
    /**
     * How long the rep a lead was taken from must wait before claiming it back (so a lead cannot
     * be parked by releasing and reclaiming it); wall time. @default none
     */
    formerOwnerWait: durationSchema.optional(),
  }))();

const targetsSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    /** Share of leads assigned within `assignWithin` (business time). @default 0.95 */
    assignedWithinShare: share.default(0.95),
    assignWithin: durationSchema.default(300_000),
    /** Share of leads with a first follow-up within `firstFollowUpWithin` (wall time). @default 0.9 */
    followedUpWithinShare: share.default(0.9),
    firstFollowUpWithin: durationSchema.default(86_400_000),
    /** Share advanced at least one stage by the planned next-contact time. @default 0.85 */
    advancedOnTimeShare: share.default(0.85),
  }))();

/**
 * The zod schema of a rule set: JSON, versioned, with conditions in json-rules-engine syntax.
 * Parse with {@link compileRuleSet}, which also checks references and reachability.
 *
 * @example
 * ```ts
 * import { ruleSetSchema } from 'leadflow';
 * const parsed = ruleSetSchema.safeParse(JSON.parse(text));
 * if (!parsed.success) console.log(parsed.error.issues);
 * ```
 * @category Rule sets
 */
export const ruleSetSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    /** The JSON Schema an editor validates the file with (`ruleset.schema.json`); ignored. */
    $schema: z.string().max(2_000).optional(),
    id,
    version: z.string().min(1).max(40),
    name: z.string().max(200).optional(),
    description: z.string().max(2_000).optional(),
    targets: targetsSchema.default({
      assignedWithinShare: 0.95,
      assignWithin: 300_000,
      followedUpWithinShare: 0.9,
      firstFollowUpWithin: 86_400_000,
      advancedOnTimeShare: 0.85,
    }),
    tagging: taggingSchema.default({ channelTag: true, budgetBands: [], intentGrades: [], rules: [] }),
    qualification: qualificationSchema.default({ incubationDays: 60, assignUnqualified: false }),
    pools: z.array(poolSchema).max(RULE_SET_LIMITS.pools).default([]),
    assignment: assignmentSchema,
    /**
     * The lead pool (公海): leads taken back from their owners (`returnToPool`, `RECYCLE`, an
     * incubation that ended) wait there for a rep to claim them, under a holding cap.
     */
    leadPool: leadPoolSchema.default({ holdingCaps: {} }),
    sla: z
      .strictObject({ policies: z.array(slaPolicySchema).max(100).default([]) })
      .default({ policies: [] }),
    /**
     * Language of the built-in message templates, durations and behaviour snapshots.
     * @default "zh-CN"
     */
    language: z.enum(MESSAGE_LANGUAGES).default('zh-CN'),
    /** Message templates by id; they override the built-in ones of `language` (`MESSAGE_TEMPLATES`). */
    templates: z.record(id, templateSchema).default({}),
    /** Which channels each message kind goes to, and where a failing channel falls back to. */
    routing: routingSchema.default({ kinds: {}, fallbacks: {} }),
    followUp: z
      .strictObject({ outcomes: z.array(followUpOutcomeSchema).max(50).default([]) })
      .default({ outcomes: [] }),
    crossSell: z.array(customerRuleSchema).max(RULE_SET_LIMITS.rulesPerSection).default([]),
    risk: z.array(customerRuleSchema).max(RULE_SET_LIMITS.rulesPerSection).default([]),
    opportunity: z
      .strictObject({
        /** Per-stage gate overrides (whole lists); stages not given keep the defaults. */
        gates: stageGatesSchema.optional(),
        /**
         * How long each department has to answer its task, and on which clock. A kind not given
         * keeps its template's window (technical 48 h — seed: 限时48小时内反馈可行性 —, production
         * 24 h, after-sales 72 h) on business time. Overdue → escalated to the department head.
         */
        taskWindows: z
          .strictObject({
            technicalFeasibility: taskWindowSchema.optional(),
            productionPlanning: taskWindowSchema.optional(),
            afterSalesFile: taskWindowSchema.optional(),
          })
          .optional(),
        /**
         * Department tasks opportunities start: when the opportunity is created, on entering a
         * stage, or when won.
         * @default technical feasibility on solution matching, production planning on delivery
         * kickoff, the after-sales equipment file when won
         */
        tasks: z
          .array(
            z.strictObject({
              on: z.enum(['created', 'stageEntered', 'won']),
              stage: z.enum(OPPORTUNITY_STAGE_IDS as unknown as [string, ...string[]]).optional(),
              kind: z.enum(TASK_KINDS),
            }),
          )
          .max(50)
          .default([
            { on: 'stageEntered', stage: 'solutionMatching', kind: 'technicalFeasibility' },
            { on: 'stageEntered', stage: 'deliveryKickoff', kind: 'productionPlanning' },
            { on: 'won', kind: 'afterSalesFile' },
          ]),
      })
      .default({
        tasks: [
          { on: 'stageEntered', stage: 'solutionMatching', kind: 'technicalFeasibility' },
          { on: 'stageEntered', stage: 'deliveryKickoff', kind: 'productionPlanning' },
          { on: 'won', kind: 'afterSalesFile' },
        ],
      }),
    customers: z
      .strictObject({
        /**
         * Accept customers whose USCC fails the GB 32100 checks (codes from the pilot era before
         * the standard), with a warning instead of an error. @default false
         */
        allowPilotUscc: z.boolean().default(false),
        /**
         * A new customer must carry its USCC (统一社会信用代码): creating one without it is a
         * `CUSTOMER_INVALID` error. Customers created before the option keep working (an update
         * without a USCC is accepted with a warning). @default false (true in the presets)
         */
        requireUscc: z.boolean().default(false),
        /** A new customer must carry its registered address (工商注册地址). @default false (true in the presets) */
        requireRegisteredAddress: z.boolean().default(false),
        /**
         * Check the group tree (关联企业树) on every create and update: a `parentId` must name a
         * customer already in the master, the parent chain must not come back to the customer, and
         * the customer belongs to its parent's group (an absent `groupId` is taken from the parent;
         * a different one is an error). @default false (true in the presets)
         */
        checkGroupTree: z.boolean().default(false),
        /**
         * The local time (`HH:mm`, the calendar's zone) of the daily review that re-runs the
         * cross-sell and risk rules of customers with history (facts such as days past due age
         * without any new record); on a day off it runs at the next working time. `null`: no daily
         * review. @default "09:00"
         */
        dailyReviewAt: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:mm (00:00–23:59)')
          .nullable()
          .default('09:00'),
      })
      .default({
        allowPilotUscc: false,
        requireUscc: false,
        requireRegisteredAddress: false,
        checkGroupTree: false,
        dailyReviewAt: '09:00',
      }),
  }))();

/**
 * A rule set as written (JSON input: durations as strings, defaults optional).
 *
 * @example
 * ```ts
 * import type { RuleSetInput } from 'leadflow';
 * const rules: RuleSetInput = { id: 'demo', version: '1', assignment: { rules: [] } };
 * ```
 * @category Rule sets
 */
export type RuleSetInput = z.input<typeof ruleSetSchema>;

/**
 * A rule set after parsing: defaults filled in, durations in milliseconds.
 *
 * @example
 * ```ts
 * import { type RuleSet, ruleSetSchema } from 'leadflow';
 * const rules: RuleSet = ruleSetSchema.parse(json);
 * rules.sla.policies[0]?.target; // ms
 * ```
 * @category Rule sets
 */
export type RuleSet = z.output<typeof ruleSetSchema>;

/**
 * One assignment strategy of a rule set (after parsing).
 *
 * @example
 * ```ts
 * import type { AssignmentStrategy } from 'leadflow';
 * const s: AssignmentStrategy = { type: 'roundRobin', pool: 'shanghai' };
 * ```
 * @category Rule sets
 */
export type AssignmentStrategy = RuleSet['assignment']['rules'][number]['strategy'];
/**
 * One SLA policy of a rule set (after parsing).
 *
 * @example
 * ```ts
 * import type { SlaPolicy } from 'leadflow';
 * const due = (policy: SlaPolicy, start: number) => start + policy.target;
 * ```
 * @category Rule sets
 */
export type SlaPolicy = RuleSet['sla']['policies'][number];
/**
 * One SLA policy as written (durations as strings).
 *
 * @example
 * ```ts
 * import type { SlaPolicyInput } from 'leadflow';
 * const p: SlaPolicyInput = { id: 'p', startOn: ['lead.received'], stopOn: ['lead.assigned'], target: '15m', clock: 'business', onBreach: [{ type: 'escalate', to: 'supervisor' }] };
 * ```
 * @category Rule sets
 */
export type SlaPolicyInput = NonNullable<RuleSetInput['sla']>['policies'] extends (infer P)[] | undefined
  ? P
  : never;
/**
 * One SLA action (escalate, notify, reassign, raise priority).
 *
 * @example
 * ```ts
 * import type { SlaAction } from 'leadflow';
 * const a: SlaAction = { type: 'notify', channel: 'sms', to: 'supervisor', template: 'unassigned-escalation', includeBehaviourSnapshot: false };
 * ```
 * @category Rule sets
 */
export type SlaAction = SlaPolicy['onBreach'][number];
/**
 * One cross-sell or risk rule.
 *
 * @example
 * ```ts
 * import type { CustomerRule } from 'leadflow';
 * const ids = (rules: CustomerRule[]) => rules.map((r) => r.id);
 * ```
 * @category Rule sets
 */
export type CustomerRule = RuleSet['crossSell'][number];
/**
 * A department task's answer window (after parsing: `within` in ms).
 *
 * @example
 * ```ts
 * import type { TaskWindow } from 'leadflow';
 * const technical: TaskWindow = { within: 48 * 3_600_000, clock: 'business' };
 * ```
 * @category Rule sets
 */
export type TaskWindow = NonNullable<
  NonNullable<RuleSet['opportunity']['taskWindows']>['technicalFeasibility']
>;
