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
  type EventLogRetention,
  type JsonValue,
  type KpiQuery,
  type KpiRecord,
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
  type CustomerFinding,
  type CustomerGroup,
  type CustomerGroupNode,
  type CustomerHistoryEntries,
  type CustomerHistoryResult,
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
  type LeadPoolEntry,
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
export type {
  OpportunityCommand,
  OpportunityRecord,
  TaskCommand,
  TaskRecord,
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
  FOLLOW_UP_MOVES,
  FOLLOW_UP_REQUIRED_FIELDS,
  type FollowUpInput,
  type FollowUpValidation,
  LEAD_STATES,
  validateFollowUp,
} from './machines/lead.js';
export {
  DEFAULT_TASK_TEMPLATES,
  TASK_KINDS,
  type TaskDepartment,
  type TaskKind,
  type TaskTemplate,
} from './machines/task.js';
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
  inShift,
  isOnLeave,
  isTimedLeave,
  type LeaveRange,
  leaveOn,
  leaveRangeSchema,
  REP_WEEKDAYS,
  type RecentWin,
  type Rep,
  type RepInput,
  type RepShift,
  recentWinSchema,
  repSchema,
  repShiftSchema,
  timedLeaveAt,
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
  type UsccValidation,
  type UsccValidationOptions,
  validateUscc,
} from './model/uscc.js';
// --- rule sets
export {
  type CandidateMatch,
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
  type Condition,
  ConditionError,
  type ConditionExplanation,
  type ConditionLiteral,
  type ConditionProblem,
  type ConditionScalar,
  type ConditionTraceEntry,
  conditionSchema,
  type FactReference,
  type LeafCondition,
  type NotCondition,
} from './rules/conditions.js';
export { durationSchema, formatDuration, parseDuration } from './rules/duration.js';
export { hengruiPreset } from './rules/presets/hengrui.js';
export { zhikongPreset } from './rules/presets/zhikong.js';
export {
  type AssignmentStrategy,
  type CustomerRule,
  RULE_SET_LIMITS,
  type RuleSet,
  type RuleSetInput,
  ruleSetSchema,
  SLA_EVENTS,
  type SlaAction,
  type SlaEvent,
  type SlaPolicy,
  type SlaPolicyInput,
} from './rules/ruleset.js';
export { buildRuleSetJsonSchema } from './rules/ruleset-schema.js';
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
  type BusinessCalendar,
  type CalendarOptions,
  CHINA_DEFAULT_WEEK,
  type ChinaCalendarOptions,
  chinaCalendar,
  createCalendar,
  type DayKind,
  type Instant,
  type LocalTime,
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
  type StalledLead,
  type StalledOpportunity,
  simulationPeriod,
} from './simulate/index.js';
export { CHINA_GEOGRAPHY, type SimulatedCity } from './simulate/market.js';
export type { SeededRandom } from './simulate/random.js';
