/// <reference lib="webworker" />
/**
 * The simulation worker: runs the real `runSimulation` (imported from the source) off the main
 * thread, posts progress after each simulated day and the report at the end; a `cancel` message
 * aborts the run through its AbortSignal.
 */
import { runSimulation } from '../../src/simulate/run.js';
import { describeRuleSet, reportJson, simulationInputs } from './inputs.js';
import type { FromWorker, ToWorker } from './protocol.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let controller: AbortController | null = null;
const post = (message: FromWorker) => scope.postMessage(message);

scope.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'cancel') {
    controller?.abort();
    return;
  }
  controller?.abort();
  const own = new AbortController();
  controller = own;
  try {
    const { options, ruleSet } = simulationInputs(message.params);
    const result = await runSimulation({
      ...options,
      signal: own.signal,
      onProgress: (day, totalDays) => post({ type: 'progress', day, totalDays }),
    });
    const { report, timeline } = result;
    post({ type: 'done', report, timeline, json: reportJson(result), ...describeRuleSet(ruleSet) });
  } catch (error) {
    if (own.signal.aborted) post({ type: 'cancelled' });
    else post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  } finally {
    if (controller === own) controller = null;
  }
};
