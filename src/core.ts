/**
 * `leadflow/core` — the pure-core building blocks the engine is made of, for hosts that wire their
 * own: the XState machines and their pure steppers, the SLA clock steps, the lead and work steps,
 * the assignment decision, condition compilation with its facts, operators and paths, outbox
 * delivery and pacing, message templates and the KPI folds over the event log. A host that embeds
 * the engine needs none of it: the root entry (`leadflow`) has the engine, presets, calendar, rule
 * compilation and the types they use.
 *
 * @packageDocumentation
 */

export {
  collapseTimers,
  createLeadSteps,
  dedupeKeys,
  type LeadStepContext,
  type LeadStepEffects,
  type LeadStepResult,
  type LeadSteps,
  type PoolClaimContext,
  TERMINAL_LEAD_STATES,
} from './engine/lead-step.js';
export {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_SEND_TIMEOUT_MS,
  type DeliverOutboxOptions,
  type DeliverOutboxResult,
  type DeliveryOutcome,
  defaultBackoff,
  deferralsOf,
  deliverOutbox,
  describeFailure,
  toNotifyMessage,
} from './engine/outbox.js';
export {
  createSendPacer,
  type PacedDestination,
  type SendPacer,
  type SendPacerOptions,
  sendLimitProblem,
} from './engine/pacing.js';
export { renderTemplate } from './engine/templates.js';
export type {
  TimerOp,
  WithoutAt,
} from './engine/timer-ops.js';
export {
  createWorkSteps,
  type WorkSteps,
} from './engine/work-steps.js';
export {
  cloneLeadContext,
  initialLeadContext,
  LEAD_TIMER_KEYS,
  type LeadContext,
  type LeadEmitted,
  type LeadEscalation,
  type LeadEvent,
  type LeadFollowUpRecord,
  leadMachine,
} from './machines/lead.js';
export {
  checkAdvance,
  checkGate,
  type DeliveryDelayFlag,
  type GateCheck,
  type OpportunityContext,
  type OpportunityEvent,
  type OpportunityInput,
  type OpportunityRollback,
  opportunityMachine,
  type StageEntryVia,
  type StageExitVia,
  type StageHistoryEntry,
  stageDwellTimes,
} from './machines/opportunity.js';
export {
  isSlaRecord,
  type SlaActionEffect,
  type SlaBreachedRecord,
  type SlaCancelledRecord,
  type SlaCancelTimer,
  type SlaClockState,
  type SlaClockStatus,
  type SlaContext,
  type SlaEffect,
  SlaError,
  type SlaEscalateEffect,
  type SlaEventInput,
  type SlaFiredTimer,
  type SlaMetRecord,
  type SlaNotifyEffect,
  type SlaPausedRecord,
  type SlaPhase,
  type SlaRaisePriorityEffect,
  type SlaReassignEffect,
  type SlaRecord,
  type SlaResumedRecord,
  type SlaReturnToPoolEffect,
  type SlaScheduleTimer,
  type SlaStaleReason,
  type SlaStartedRecord,
  type SlaState,
  type SlaStepResult,
  type SlaStoppedRecord,
  type SlaSummaryEntry,
  type SlaSummaryStatus,
  type SlaTimerCommand,
  type SlaTimerPayload,
  type SlaTimerResult,
  type SlaWarningRecord,
  slaInitialState,
  slaOnEvent,
  slaOnTimer,
  slaStopAll,
  slaSummary,
} from './machines/sla.js';
export {
  checkTaskResult,
  initialTaskContext,
  type MaintenanceReminderOptions,
  maintenanceReminders,
  type TaskContext,
  type TaskEscalation,
  type TaskEvent,
  type TaskInput,
  type TaskResponseTimes,
  taskMachine,
  taskResponseTimes,
} from './machines/task.js';
export {
  createReferenceStepper,
  createStepper,
  type PersistedSnapshot,
  type StepEvent,
  type Stepper,
  type StepperOptions,
  type StepResult,
  stateValueToString,
  type TimerCommand,
  UnsupportedMachineError,
} from './machines/xstate-step.js';
export {
  foldKpiEvent,
  KPI_TALLY_EVENT_TYPES,
  type KpiStore,
  kpiEntityOf,
  leadMetricsFromKpi,
  metricsFromKpi,
} from './metrics/kpi-projection.js';
export {
  computeLeadMetrics,
  LEAD_METRICS_EVENT_TYPES,
  LEAD_STALL_STATES,
  type LeadMetrics,
  type LeadMetricsOptions,
  type LeadStallState,
  type StalledLeads,
} from './metrics/lead-metrics.js';
export {
  computeMetrics,
  METRICS_EVENT_TYPES,
  type Metrics,
  type MetricsOptions,
  type StalledOpportunities,
} from './metrics/metrics.js';
export { type DurationStats, durationStats, type TargetShare } from './metrics/stats.js';
export { modelErrorMap, safeParseModel } from './model/issues.js';
export {
  USCC_CHARSET,
  USCC_DEPARTMENTS,
  type UsccDepartment,
  type UsccRule,
  usccCheckCharacter,
} from './model/uscc.js';
export {
  CONDITION_LIMITS,
  type CompileConditionOptions,
  type CompileConditionResult,
  type CompiledCondition,
  compileCondition,
  type FactValues,
  validateCondition,
} from './rules/conditions.js';
export {
  type CustomerKnowledge,
  type CustomerRuleEffect,
  evaluateCustomerRules,
  type GroupCrossSellSuggestion,
  groupCrossSellSuggestions,
} from './rules/customer-rules.js';
export {
  type AssignmentDecision,
  type AssignmentState,
  assignmentsToday,
  type CandidateVerdict,
  type DecideContext,
  decideLead,
  emptyAssignmentState,
  type LeadDecision,
  leadUnits,
  loadToday,
  type RuleTrace,
  recordAssignment,
  repUnavailability,
  type ScoredWin,
} from './rules/decide.js';
export {
  CUSTOMER_FACTS,
  CUSTOMER_KNOWLEDGE_NAMES,
  type CustomerFactName,
  type CustomerFactSource,
  customerFacts,
  LEAD_FACTS,
  type LeadFactName,
  leadFacts,
} from './rules/facts.js';
export {
  CUSTOM_OPERATOR_NAMES,
  type EvaluationContext,
  OPERATOR_NAMES,
  type OperatorName,
} from './rules/operators.js';
export {
  compilePath,
  type ParsedPath,
  type PathAccessor,
  type PathParseResult,
  parsePath,
  RulePathError,
} from './rules/paths.js';
export {
  type BehaviourSummary,
  formatBehaviourSnapshot,
  MESSAGE_LANGUAGES,
  MESSAGE_TEMPLATES,
  type MessageLanguage,
  type MessageTemplate,
  spokenDuration,
  summarizeBehaviours,
  type TopPage,
} from './rules/templates.js';
export { createRandom } from './simulate/random.js';
