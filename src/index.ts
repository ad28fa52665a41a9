/**
 * leadflow — the lead and opportunity workflow engine a CRM or ERP embeds.
 *
 * The root entry exports named symbols only; adapters and test helpers get subpath exports.
 *
 * @packageDocumentation
 */

// --- ports and the built-in adapters (memory storage, console / memory notifiers)
export {
  type ConsoleNotifierOptions,
  consoleNotifier,
  formatNotification,
} from './adapters/notify/console.js';
export {
  type MemoryNotifier,
  type MemoryNotifierCall,
  type MemoryNotifierCallInfo,
  type MemoryNotifierFailure,
  type MemoryNotifierOptions,
  memoryNotifier,
} from './adapters/notify/memory.js';
export {
  failureKind,
  type Notifier,
  type NotifyChannel,
  type NotifyContext,
  type NotifyFailure,
  type NotifyFailureKind,
  type NotifyMessage,
  type NotifyRejection,
  type NotifyResult,
  type NotifySuccess,
  type SendLimit,
} from './adapters/notify/port.js';
export { type MemoryStorageOptions, memoryStorage } from './adapters/storage/memory.js';
export {
  type ClaimedTimer,
  type ClaimOutboxOptions,
  type ClaimTimersOptions,
  type CommitInput,
  type CommitResult,
  type EntityKind,
  type EntityWrite,
  type EventInput,
  type JsonValue,
  type ListOutboxOptions,
  type LookupQuery,
  type Lookups,
  type OutboxEnqueue,
  type OutboxFailure,
  type OutboxMessage,
  type OutboxStatus,
  type PageOptions,
  type QuarantineIssue,
  type QuarantineRecord,
  type ReadEventsQuery,
  type StateWrite,
  type StorageAdapter,
  StorageError,
  type StorageErrorCode,
  type StoredEntity,
  type StoredEvent,
  type StoredState,
  type StoredTimer,
  storableText,
  type TimerCommands,
  type TimerCompletion,
  type TimerRecord,
  type TimerRef,
  toJsonValue,
  UniqueConflictError,
  unstorableStringReason,
  type VersionConflict,
  VersionConflictError,
} from './adapters/storage/port.js';
export { type ReplayMemoryStorageOptions, replayMemoryStorage } from './adapters/storage/replay-memory.js';
export {
  type ChannelOptions,
  createOutboxRouting,
  type DigestOptions,
  type LinkBuilder,
  type OutboxRouting,
  type OutboxRoutingOptions,
  type ResolvedChannel,
  type RoutedMessage,
} from './engine/channels.js';
export {
  listDeadLetters,
  type RedeliverOptions,
  type RedeliverResult,
  redeliver,
} from './engine/dead-letters.js';
export {
  type AddressLookup,
  CONTACT_FIELDS,
  type ContactField,
  createRecipientDirectory,
  type RecipientDirectory,
} from './engine/directory.js';
export {
  type CommandOptions,
  type CustomerGroup,
  type CustomerGroupNode,
  type CustomerRecord,
  type CustomerUpsertResult,
  createEngine,
  type DeliveryOptions,
  type DispatchableLeadEvent,
  type Engine,
  type EngineOptions,
  type FollowUpRequest,
  type IngestResult,
  type LeadExplanation,
  type LeadRecord,
  type OpportunityCreated,
  type OpportunityRequest,
  type RuntimeOptions,
} from './engine/engine.js';
export { EngineError, type EngineErrorCode } from './engine/errors.js';
export type { EngineEvents } from './engine/events.js';
export { type GateMissingField, type GateNotMetDetails, GateNotMetError } from './engine/gate-error.js';
export { type HandoverResult, type HandoverRow, handoverCsv } from './engine/handover.js';
export {
  collapseTimers,
  createLeadSteps,
  dedupeKeys,
  type LeadStepContext,
  type LeadStepEffects,
  type LeadStepResult,
  type LeadSteps,
  TERMINAL_LEAD_STATES,
} from './engine/lead-step.js';
export {
  isLogEvent,
  type LeadflowLogEvent,
  LOG_EVENT_TYPES,
  type LogEventData,
  type LogEventOf,
  type LogEventType,
  logEventDataSchemas,
  narrowLogEvent,
  parseLogEvent,
} from './engine/log-events.js';
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
  type OpportunityCommand,
  type OpportunityRecord,
  type TaskCommand,
  type TaskRecord,
  type WorkSteps,
} from './engine/work-steps.js';
export {
  CalendarError,
  ClockError,
  LeadflowError,
  type LeadflowErrorCode,
  RecurrenceError,
  TimerError,
} from './errors.js';
// --- machines (pure steps) and the engine
export {
  cloneLeadContext,
  FOLLOW_UP_MOVES,
  FOLLOW_UP_REQUIRED_FIELDS,
  type FollowUpInput,
  type FollowUpValidation,
  initialLeadContext,
  LEAD_STATES,
  LEAD_TIMER_KEYS,
  type LeadContext,
  type LeadEmitted,
  type LeadEscalation,
  type LeadEvent,
  type LeadFollowUpRecord,
  leadMachine,
  validateFollowUp,
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
  type SlaActionEffect,
  type SlaBreachedRecord,
  type SlaCancelledRecord,
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
  type SlaRaisePriorityEffect,
  type SlaReassignEffect,
  type SlaRecord,
  type SlaResumedRecord,
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
  DEFAULT_TASK_TEMPLATES,
  type MaintenanceReminderOptions,
  maintenanceReminders,
  TASK_KINDS,
  type TaskContext,
  type TaskDepartment,
  type TaskEscalation,
  type TaskEvent,
  type TaskInput,
  type TaskKind,
  type TaskResponseTimes,
  type TaskTemplate,
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
  computeLeadMetrics,
  LEAD_METRICS_EVENT_TYPES,
  type LeadMetrics,
  type LeadMetricsOptions,
} from './metrics/lead-metrics.js';
export { computeMetrics, METRICS_EVENT_TYPES, type Metrics, type MetricsOptions } from './metrics/metrics.js';
export { type DurationStats, durationStats, type TargetShare } from './metrics/stats.js';
// --- domain model (zod schemas and inferred types)
export {
  type Customer,
  type CustomerInput,
  type CustomerParseResult,
  customerSchema,
  parseCustomer,
  RENEWAL_OUTCOMES,
} from './model/customer.js';
export { ModelError, type ModelIssue, type ModelParseResult } from './model/issues.js';
export {
  isKnownLeadChannel,
  type KnownLeadChannel,
  LEAD_BEHAVIOUR_TYPES,
  LEAD_CHANNEL_PATTERN,
  LEAD_CHANNELS,
  LEAD_PRIORITIES,
  type Lead,
  type LeadBehaviour,
  type LeadChannel,
  type LeadInput,
  type LeadParseResult,
  type LeadPriority,
  leadBehaviourSchema,
  leadInputSchema,
  parseLead,
} from './model/lead.js';
export { MODEL_LIMITS } from './model/limits.js';
export {
  type ContactPoint,
  contactPointSchema,
  mainlandMobile,
  mainlandMobileSchema,
} from './model/primitives.js';
export {
  isOnLeave,
  type LeaveRange,
  leaveOn,
  leaveRangeSchema,
  type RecentWin,
  type Rep,
  type RepInput,
  recentWinSchema,
  repSchema,
} from './model/rep.js';
export {
  DEPARTMENT_KEY_PATTERN,
  type Department,
  departmentSchema,
  KNOWN_DEPARTMENTS,
  type Pool,
  parseTeam,
  poolSchema,
  type StaffMember,
  type Supervisor,
  staffMemberSchema,
  supervisorSchema,
  type Team,
  TeamError,
  type TeamInput,
  teamSchema,
} from './model/team.js';
export {
  USCC_CHARSET,
  USCC_DEPARTMENTS,
  type UsccDepartment,
  type UsccRule,
  type UsccValidation,
  type UsccValidationOptions,
  usccCheckCharacter,
  validateUscc,
} from './model/uscc.js';
// --- rule sets
export {
  type CompiledRuleSet,
  type CompileRuleSetOptions,
  channelsOf,
  compileRuleSet,
  type ResolvedStrategy,
  RuleSetError,
  type RuleSetProblem,
  tryCompileRuleSet,
} from './rules/compile.js';
export {
  type AllCondition,
  type AnyCondition,
  CONDITION_LIMITS,
  type CompileConditionOptions,
  type CompileConditionResult,
  type CompiledCondition,
  type Condition,
  ConditionError,
  type ConditionExplanation,
  type ConditionLiteral,
  type ConditionProblem,
  type ConditionTraceEntry,
  compileCondition,
  conditionSchema,
  type FactReference,
  type FactValues,
  type LeafCondition,
  type NotCondition,
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
  type RuleTrace,
  recordAssignment,
} from './rules/decide.js';
export { durationSchema, formatDuration, parseDuration } from './rules/duration.js';
export {
  CUSTOMER_FACTS,
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
  RulePathError,
} from './rules/paths.js';
export { hengruiPreset } from './rules/presets/hengrui.js';
export { zhikongPreset } from './rules/presets/zhikong.js';
export {
  type AssignmentStrategy,
  type CustomerRule,
  RULE_SET_LIMITS,
  type RuleSet,
  type RuleSetInput,
  ruleSetJsonSchema,
  ruleSetSchema,
  SLA_EVENTS,
  type SlaAction,
  type SlaEvent,
  type SlaPolicy,
  type SlaPolicyInput,
} from './rules/ruleset.js';
export {
  DEFAULT_STAGE_GATES,
  type FieldProblem,
  type FieldProblemReason,
  type FieldValue,
  type FieldValues,
  type GateField,
  OPPORTUNITY_STAGES,
  type OpportunityStageId,
  resolveStageGates,
  type StageGates,
  stageGatesSchema,
} from './rules/stages.js';
export {
  formatBehaviourSnapshot,
  MESSAGE_LANGUAGES,
  MESSAGE_TEMPLATES,
  type MessageLanguage,
  type MessageTemplate,
  spokenDuration,
} from './rules/templates.js';
export {
  type BusinessCalendar,
  type CalendarOptions,
  CHINA_DEFAULT_WEEK,
  type ChinaCalendarOptions,
  chinaCalendar,
  createCalendar,
  type Instant,
  type Weekday,
  type WeekHours,
  type WorkInterval,
  workweek,
} from './scheduler/calendar.js';
export { CHINA_HOLIDAYS, type ChinaYearData } from './scheduler/china-holidays.js';
export { type Clock, createVirtualClock, systemClock, type VirtualClock } from './scheduler/clock.js';
export { dateOnlyInstant } from './scheduler/local-date.js';
export { DEFAULT_OCCURRENCE_LIMIT, type OccurrenceOptions, occurrences } from './scheduler/recurrence.js';
export {
  createTimerQueue,
  type ScheduleTimer,
  type Timer,
  type TimerQueue,
} from './scheduler/timer-queue.js';
export {
  type GeneratedLeadKind,
  planTradeShows,
  type TradeShow,
} from './simulate/generate.js';
// --- simulation (the engine behind `leadflow simulate`, the playground and the benchmarks)
export {
  type BehaviourModel,
  DEFAULT_BEHAVIOUR,
  DEFAULT_DEPARTMENT_BEHAVIOUR,
  DEFAULT_DEPARTMENT_BEHAVIOURS,
  DEFAULT_OPPORTUNITY_BEHAVIOUR,
  DEFAULT_SIMULATION_START,
  type DelayModel,
  type DepartmentBehaviour,
  type DepartmentResponse,
  type FunnelStage,
  type GeneratedLead,
  type GenerateLeadStreamOptions,
  generateLeadStream,
  MARKET_PROFILES,
  type MarketProfile,
  type OpportunityBehaviour,
  type OpportunityStageBehaviour,
  type RunSimulationOptions,
  runSimulation,
  type SimulatedActions,
  type SimulatedOpportunities,
  type SimulationAction,
  type SimulationContext,
  type SimulationCounts,
  type SimulationExtension,
  type SimulationReport,
  type SimulationResult,
  type SimulationTarget,
  type SimulationTimeline,
  type StalledOpportunity,
  simulationPeriod,
} from './simulate/index.js';
export { CHINA_GEOGRAPHY, type SimulatedCity } from './simulate/market.js';
export type { SeededRandom } from './simulate/random.js';
