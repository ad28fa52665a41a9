/**
 * Simulation: a seeded, realistic lead-stream generator and a runner that drives the real engine
 * with simulated reps and supervisors on a virtual clock (used by `leadflow simulate`, the
 * playground and the benchmarks).
 *
 * @module
 */
export { type Agenda, createAgenda } from './agenda.js';
export {
  type BehaviourModel,
  DEFAULT_BEHAVIOUR,
  DEFAULT_DEPARTMENT_BEHAVIOUR,
  DEFAULT_DEPARTMENT_BEHAVIOURS,
  DEFAULT_OPPORTUNITY_BEHAVIOUR,
  type DelayModel,
  type DepartmentBehaviour,
  localDateFormatter,
  type OpportunityBehaviour,
  type OpportunityStageBehaviour,
  withSimulatedLeave,
} from './behaviour.js';
export {
  DAYS_PER_MONTH,
  type GeneratedLead,
  type GeneratedLeadKind,
  type GenerateLeadStreamOptions,
  generateLeadDays,
  generateLeadStream,
  planTradeShows,
  type TradeShow,
} from './generate.js';
export {
  CHINA_GEOGRAPHY,
  MARKET_PROFILES,
  MARKET_VOCABULARY,
  type MarketProfile,
  type SimulatedCity,
} from './market.js';
export { createRandom, type SeededRandom, type WeightedTable, weightedTable } from './random.js';
export {
  buildDepartments,
  buildFunnel,
  buildStageRows,
  buildTargets,
  type DepartmentResponse,
  type FunnelStage,
  type SimulatedActions,
  type SimulatedOpportunities,
  type SimulationCounts,
  type SimulationReport,
  type SimulationTarget,
  type SimulationTimeline,
  type StalledLead,
  type StalledOpportunity,
} from './report.js';
export {
  DEFAULT_SIMULATION_START,
  type RunSimulationOptions,
  runSimulation,
  type SimulationAction,
  type SimulationContext,
  type SimulationExtension,
  type SimulationResult,
  simulationPeriod,
} from './run.js';
