/// <reference lib="webworker" />
/**
 * A simulation worker: runs the real `runSimulation` (imported from the source) off the main
 * thread with decision traces on, posts progress after each simulated day and, at the end, the
 * report and the insights the charts draw (read from the run's event log). It keeps the engine of
 * its last finished run to explain that run's leads on request. A `cancel` aborts the run through
 * its AbortSignal (the run yields once per simulated day, so the message gets through).
 */
import type { Engine } from '../../src/engine/types.js';
import { runSimulation } from '../../src/simulate/run.js';
import { describeRuleSet, RunInputError, reportJson, simulationInputs } from './inputs.js';
import { buildInsights, INSIGHT_EVENT_TYPES } from './insights.js';
import type { FromWorker, ToWorker } from './protocol.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let current: { runId: number; controller: AbortController } | null = null;
let finished: { runId: number; engine: Engine } | null = null;
const post = (message: FromWorker) => scope.postMessage(message);

async function explain(runId: number, leadId: string) {
  if (finished === null || finished.runId !== runId) {
    post({ type: 'explained', runId, leadId, explanation: null, error: 'run-gone' });
    return;
  }
  try {
    post({
      type: 'explained',
      runId,
      leadId,
      explanation: await finished.engine.explain(leadId),
      error: null,
    });
  } catch (error) {
    post({ type: 'explained', runId, leadId, explanation: null, error: (error as Error).message });
  }
}

async function run(runId: number, message: Extract<ToWorker, { type: 'run' }>) {
  current?.controller.abort();
  const own = { runId, controller: new AbortController() };
  current = own;
  finished = null;
  try {
    const { options, ruleSet } = simulationInputs(message.inputs);
    const started = performance.now();
    const result = await runSimulation({
      ...options,
      trace: true,
      signal: own.controller.signal,
      onProgress: (day, totalDays) => post({ type: 'progress', runId, day, totalDays }),
    });
    const elapsedMs = performance.now() - started;
    const { report, timeline, engine } = result;
    const events = await engine.storage.readEvents({ types: INSIGHT_EVENT_TYPES });
    const insights = buildInsights({
      events,
      report,
      timeline,
      team: engine.team,
      calendar: options.calendar,
    });
    finished = { runId, engine };
    post({
      type: 'done',
      runId,
      report,
      timeline,
      json: reportJson(result),
      ...describeRuleSet(ruleSet),
      insights,
      team: {
        reps: engine.team.reps.map((rep) => ({
          id: rep.id,
          name: rep.name,
          dailyCapacity: rep.dailyCapacity,
        })),
        supervisors: engine.team.supervisors.map(({ id, name }) => ({ id, name })),
        staff: engine.team.staff.map(({ id, name }) => ({ id, name })),
      },
      elapsedMs,
    });
  } catch (error) {
    if (own.controller.signal.aborted) post({ type: 'cancelled', runId });
    else
      post({
        type: 'error',
        runId,
        message: error instanceof Error ? error.message : String(error),
        field: error instanceof RunInputError ? error.field : null,
      });
  } finally {
    if (current === own) current = null;
  }
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'cancel') {
    if (current?.runId === message.runId) current.controller.abort();
  } else if (message.type === 'explain') void explain(message.runId, message.leadId);
  else void run(message.runId, message);
};
