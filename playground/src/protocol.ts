/**
 * Messages between the page and a simulation worker (plain postMessage). Every message names its
 * run: a worker keeps the engine of its last finished run, so the page can ask it to explain a
 * lead of that run afterwards.
 */
import type { LeadExplanation } from '../../src/engine/types.js';
import type { SimulationReport, SimulationTimeline } from '../../src/simulate/report.js';
import type { RunInputField, RunInputs } from './inputs.js';
import type { Insights } from './insights.js';
import type { PlaygroundPolicy, PlaygroundTargetsConfig } from './shape.js';

export type ToWorker =
  | { readonly type: 'run'; readonly runId: number; readonly inputs: RunInputs }
  | { readonly type: 'cancel'; readonly runId: number }
  | { readonly type: 'explain'; readonly runId: number; readonly leadId: string };

/** A rep as the page shows it (the team's own data, from the run). */
export interface TeamMember {
  readonly id: string;
  readonly name: string;
  readonly dailyCapacity: number;
}

/** What a finished run posts: the report, as the CLI prints it too, and what the charts need. */
export interface RunOutcome {
  readonly runId: number;
  readonly report: SimulationReport;
  readonly timeline: SimulationTimeline;
  /** The report as `leadflow simulate --json` prints it. */
  readonly json: string;
  readonly targets: PlaygroundTargetsConfig;
  readonly policies: PlaygroundPolicy[];
  readonly insights: Insights;
  /** The team the run used, as far as the page names people. */
  readonly team: {
    readonly reps: readonly TeamMember[];
    readonly supervisors: readonly { readonly id: string; readonly name: string }[];
    readonly staff: readonly { readonly id: string; readonly name: string }[];
  };
  /** Simulation time in the worker (ms), for the benchmark. */
  readonly elapsedMs: number;
}

export type FromWorker =
  | { readonly type: 'progress'; readonly runId: number; readonly day: number; readonly totalDays: number }
  | ({ readonly type: 'done' } & RunOutcome)
  | { readonly type: 'cancelled'; readonly runId: number }
  | {
      readonly type: 'error';
      readonly runId: number;
      readonly message: string;
      readonly field: RunInputField | null;
    }
  | {
      readonly type: 'explained';
      readonly runId: number;
      readonly leadId: string;
      readonly explanation: LeadExplanation | null;
      readonly error: string | null;
    };
