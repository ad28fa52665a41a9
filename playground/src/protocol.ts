/** Messages between the page and the simulation worker (plain postMessage). */
import type { SimulationReport, SimulationTimeline } from '../../src/simulate/report.js';
import type { PlaygroundPolicy, PlaygroundTargetsConfig, RunParams } from './shape.js';

export type ToWorker = { readonly type: 'run'; readonly params: RunParams } | { readonly type: 'cancel' };

export type FromWorker =
  | { readonly type: 'progress'; readonly day: number; readonly totalDays: number }
  | {
      readonly type: 'done';
      readonly report: SimulationReport;
      readonly timeline: SimulationTimeline;
      /** The report as `leadflow simulate --json` prints it. */
      readonly json: string;
      readonly targets: PlaygroundTargetsConfig;
      readonly policies: PlaygroundPolicy[];
    }
  | { readonly type: 'cancelled' }
  | { readonly type: 'error'; readonly message: string };
