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
  type DelayModel,
  localDateFormatter,
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
  buildFunnel,
  buildTargets,
  type FunnelStage,
  type SimulatedActions,
  type SimulationCounts,
  type SimulationReport,
  type SimulationTarget,
  type SimulationTimeline,
  type StalledLead,
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
