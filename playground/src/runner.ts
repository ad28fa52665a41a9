/**
 * The page's side of a simulation worker: start a run, follow its progress, cancel it, and ask
 * the worker that ran it to explain one of its leads. One runner owns one worker (started on
 * first use); a compare uses two runners, so both runs go on in parallel.
 */
import type { LeadExplanation } from '../../src/engine/types.js';
import type { RunInputField, RunInputs } from './inputs.js';
import type { FromWorker, RunOutcome, ToWorker } from './protocol.js';

/** A run that failed: bad inputs (with the field) or an engine error. */
export class RunFailed extends Error {
  constructor(
    message: string,
    readonly field: RunInputField | null,
  ) {
    super(message);
    this.name = 'RunFailed';
  }
}

/** A run that was cancelled before it finished. */
export class RunCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'RunCancelled';
  }
}

/** A started run. */
export interface RunHandle {
  readonly runId: number;
  /** The outcome; rejects with {@link RunFailed} or {@link RunCancelled}. */
  readonly done: Promise<RunOutcome>;
  cancel(): void;
}

export interface Runner {
  start(inputs: RunInputs, onProgress: (day: number, totalDays: number) => void): RunHandle;
  /** Explain a lead of the runner's last finished run. */
  explain(runId: number, leadId: string): Promise<LeadExplanation>;
}

let nextRunId = 1;

/** A runner over workers made by `makeWorker` (a fresh one after a crash). */
export function createRunner(makeWorker: () => Worker): Runner {
  let worker: Worker | null = null;
  let active: {
    runId: number;
    resolve(outcome: RunOutcome): void;
    reject(error: Error): void;
    onProgress(day: number, totalDays: number): void;
  } | null = null;
  const explanations = new Map<string, { resolve(e: LeadExplanation): void; reject(e: Error): void }>();

  const send = (message: ToWorker) => ensure().postMessage(message);
  const ensure = (): Worker => {
    if (worker !== null) return worker;
    const w = makeWorker();
    w.onmessage = (event: MessageEvent<FromWorker>) => receive(event.data);
    w.onerror = (event) => {
      // A crashed worker (out of memory, a syntax error in a chunk) is replaced on the next use.
      event.preventDefault();
      w.terminate();
      if (worker === w) worker = null;
      const failure = new RunFailed(event.message || 'the simulation worker stopped', null);
      active?.reject(failure);
      active = null;
      for (const pending of explanations.values()) pending.reject(failure);
      explanations.clear();
    };
    worker = w;
    return w;
  };
  const receive = (message: FromWorker) => {
    if (message.type === 'explained') {
      const key = `${message.runId}:${message.leadId}`;
      const pending = explanations.get(key);
      explanations.delete(key);
      if (message.explanation !== null) pending?.resolve(message.explanation);
      else pending?.reject(new Error(message.error ?? 'no explanation'));
      return;
    }
    if (active === null || message.runId !== active.runId) return;
    if (message.type === 'progress') active.onProgress(message.day, message.totalDays);
    else {
      const run = active;
      active = null;
      if (message.type === 'done') {
        const { type: _, ...outcome } = message;
        run.resolve(outcome);
      } else if (message.type === 'cancelled') run.reject(new RunCancelled());
      else run.reject(new RunFailed(message.message, message.field));
    }
  };

  return {
    start(inputs, onProgress) {
      if (active !== null) {
        send({ type: 'cancel', runId: active.runId });
        active.reject(new RunCancelled());
      }
      const runId = nextRunId++;
      const done = new Promise<RunOutcome>((resolve, reject) => {
        active = { runId, resolve, reject, onProgress };
      });
      send({ type: 'run', runId, inputs });
      return {
        runId,
        done,
        cancel: () => {
          if (active?.runId !== runId) return;
          send({ type: 'cancel', runId });
        },
      };
    },
    explain(runId, leadId) {
      return new Promise<LeadExplanation>((resolve, reject) => {
        explanations.set(`${runId}:${leadId}`, { resolve, reject });
        send({ type: 'explain', runId, leadId });
      });
    },
  };
}
