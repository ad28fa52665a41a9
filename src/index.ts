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
  type MemoryNotifierFailure,
  type MemoryNotifierOptions,
  memoryNotifier,
} from './adapters/notify/memory.js';
export type { Notifier, NotifyChannel, NotifyMessage, NotifyResult } from './adapters/notify/port.js';
export { type MemoryStorageOptions, memoryStorage } from './adapters/storage/memory.js';
export {
  type ClaimedTimer,
  type CommitInput,
  type CommitResult,
  type EntityKind,
  type EntityWrite,
  type EventInput,
  type JsonValue,
  type OutboxMessage,
  type QuarantineRecord,
  type ReadEventsQuery,
  type StorageAdapter,
  StorageError,
  type StoredEntity,
  type StoredEvent,
  type TimerRecord,
  VersionConflictError,
} from './adapters/storage/port.js';
export {
  type CustomerGroup,
  type CustomerGroupNode,
  type CustomerRecord,
  type CustomerUpsertResult,
  createEngine,
  type DispatchableLeadEvent,
  type Engine,
  type EngineOptions,
  type FollowUpRequest,
  type IngestResult,
  type LeadExplanation,
  type LeadRecord,
  type OpportunityCreated,
  type OpportunityRequest,
} from './engine/engine.js';
export { EngineError } from './engine/errors.js';
export type { EngineEvents } from './engine/events.js';
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
  type DeliverOutboxOptions,
  type DeliverOutboxResult,
  defaultBackoff,
  deliverOutbox,
} from './engine/outbox.js';
export { renderTemplate } from './engine/templates.js';
export {
  createWorkSteps,
  type OpportunityCommand,
  type OpportunityRecord,
  type TaskCommand,
  type TaskRecord,
  type WorkSteps,
} from './engine/work-steps.js';
export { CalendarError, ClockError, LeadflowError, RecurrenceError, TimerError } from './errors.js';
// --- machines (pure steps) and the engine
export {
  FOLLOW_UP_MOVES,
  FOLLOW_UP_REQUIRED_FIELDS,
  type FollowUpInput,
  type FollowUpValidation,
  LEAD_STATES,
  LEAD_TIMER_KEYS,
  type LeadContext,
  type LeadEscalation,
  type LeadEvent,
  type LeadFollowUpRecord,
  leadMachine,
  validateFollowUp,
} from './machines/lead.js';
export {
  checkAdvance,
  checkGate,
  type OpportunityContext,
  type OpportunityEvent,
  opportunityMachine,
  stageDwellTimes,
} from './machines/opportunity.js';
export {
  type SlaClockState,
  type SlaEffect,
  SlaError,
  type SlaState,
  type SlaSummaryEntry,
  slaInitialState,
  slaOnEvent,
  slaOnTimer,
  slaStopAll,
  slaSummary,
} from './machines/sla.js';
export {
  checkTaskResult,
  DEFAULT_TASK_TEMPLATES,
  maintenanceReminders,
  TASK_KINDS,
  type TaskContext,
  type TaskEvent,
  type TaskKind,
  taskMachine,
  taskResponseTimes,
} from './machines/task.js';
export {
  createStepper,
  type PersistedSnapshot,
  type Stepper,
  type StepResult,
  stateValueToString,
  type TimerCommand,
  UnsupportedMachineError,
} from './machines/xstate-step.js';
export { computeLeadMetrics, type LeadMetrics, type LeadMetricsOptions } from './metrics/lead-metrics.js';
export { computeMetrics, type Metrics, type MetricsOptions } from './metrics/metrics.js';
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
  LEAD_CHANNELS,
  LEAD_PRIORITIES,
  type Lead,
  type LeadBehaviour,
  type LeadChannel,
  type LeadInput,
  type LeadParseResult,
  type LeadPriority,
  leadInputSchema,
  parseLead,
} from './model/lead.js';
export { MODEL_LIMITS } from './model/limits.js';
export {
  isOnLeave,
  type LeaveRange,
  leaveOn,
  type RecentWin,
  type Rep,
  type RepInput,
  repSchema,
} from './model/rep.js';
export {
  type Department,
  KNOWN_DEPARTMENTS,
  type Pool,
  parseTeam,
  type StaffMember,
  type Supervisor,
  type Team,
  TeamError,
  type TeamInput,
  teamSchema,
} from './model/team.js';
export { type UsccValidation, usccCheckCharacter, validateUscc } from './model/uscc.js';
// --- rule sets
export {
  type CompiledRuleSet,
  type CompileRuleSetOptions,
  compileRuleSet,
  RuleSetError,
  type RuleSetProblem,
  tryCompileRuleSet,
} from './rules/compile.js';
export {
  CONDITION_LIMITS,
  type CompiledCondition,
  type Condition,
  ConditionError,
  type ConditionExplanation,
  type ConditionProblem,
  type ConditionTraceEntry,
  compileCondition,
  conditionSchema,
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
  type CandidateVerdict,
  type DecideContext,
  decideLead,
  decideLeadWithReference,
  emptyAssignmentState,
  type LeadDecision,
  type RuleTrace,
  recordAssignment,
} from './rules/decide.js';
export { durationSchema, formatDuration, parseDuration } from './rules/duration.js';
export {
  CUSTOMER_FACTS,
  type CustomerFactName,
  customerFacts,
  LEAD_FACTS,
  type LeadFactName,
  leadFacts,
} from './rules/facts.js';
export { CUSTOM_OPERATOR_NAMES, type EvaluationContext, OPERATOR_NAMES } from './rules/operators.js';
export { RulePathError } from './rules/paths.js';
export { hengruiPreset } from './rules/presets/hengrui.js';
export { zhikongPreset } from './rules/presets/zhikong.js';
export {
  createReferenceEvaluator,
  evaluateReference,
  type ReferenceEvaluator,
} from './rules/reference-engine.js';
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
  type GateField,
  OPPORTUNITY_STAGES,
  type OpportunityStageId,
  resolveStageGates,
  stageGatesSchema,
} from './rules/stages.js';
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
export { DEFAULT_OCCURRENCE_LIMIT, type OccurrenceOptions, occurrences } from './scheduler/recurrence.js';
export {
  createTimerQueue,
  type ScheduleTimer,
  type Timer,
  type TimerQueue,
} from './scheduler/timer-queue.js';

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
