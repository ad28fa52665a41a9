import type { Engine, IngestResult } from '../engine/engine.js';

/**
 * How simulated reps behave on a lead assigned to (or offered to) them.
 *
 * @example
 * ```ts
 * const behaviour: RepBehaviour = { opensAfterMs: 600_000, followsUpAfterMs: 7_200_000, outcome: 'quoted' };
 * ```
 * @category Testing
 */
export interface RepBehaviour {
  readonly opensAfterMs: number | null;
  readonly followsUpAfterMs: number | null;
  readonly outcome: string;
}

/**
 * Drive an engine (on a virtual clock) through a stream of arrivals, with simulated reps that
 * claim offers, open leads and record follow-ups — all through the public API, in time order.
 * Returns every ingest result. Host actions an engine refuses (a lead reassigned meanwhile, a
 * rep at capacity) are counted, not thrown.
 *
 * @example
 * ```ts
 * const results = await driveStream(engine, arrivals, () => ({ opensAfterMs: 60_000, followsUpAfterMs: 3_600_000, outcome: 'quoted' }));
 * ```
 * @category Testing
 */
export async function driveStream(
  initialEngine: Engine,
  arrivals: readonly { at: number; payload: unknown }[],
  behaviourFor: (leadId: string, index: number) => RepBehaviour,
  options: {
    settleMs?: number;
    /**
     * Replace the engine before arrival `index` (a process restart: the old engine is stopped
     * gracefully, the new one only shares storage).
     */
    restart?: { beforeArrival: number; engine: (now: number) => Engine };
  } = {},
): Promise<{ results: IngestResult[]; refused: number; engine: Engine }> {
  let engine = initialEngine;
  const agenda: { at: number; order: number; run: () => Promise<void> }[] = [];
  let order = 0;
  let refused = 0;
  const results: IngestResult[] = [];
  const later = (at: number, run: () => Promise<void>) => {
    agenda.push({ at, order: order++, run });
  };
  const attempt = async (operation: () => Promise<unknown>) => {
    try {
      await operation();
    } catch (error) {
      if ((error as { code?: string }).code !== 'EVENT_NOT_ACCEPTED') throw error;
      refused++;
    }
  };
  const planRep = (leadId: string, repId: string, at: number, behaviour: RepBehaviour) => {
    if (behaviour.opensAfterMs !== null)
      later(at + behaviour.opensAfterMs, () => attempt(() => engine.open(leadId, repId)));
    if (behaviour.followsUpAfterMs !== null) {
      const followAt = at + (behaviour.opensAfterMs ?? 0) + behaviour.followsUpAfterMs;
      later(followAt, () =>
        attempt(() =>
          engine.recordFollowUp(leadId, {
            status: '已联系',
            nextAction: '发送方案',
            outcome: behaviour.outcome,
          }),
        ),
      );
    }
  };
  const afterIngest = (result: IngestResult, at: number, index: number) => {
    if (result.status !== 'accepted') return;
    const behaviour = behaviourFor(result.leadId, index);
    if (result.decision.kind === 'assign') planRep(result.leadId, result.decision.repId, at, behaviour);
    if (result.decision.kind === 'offer' && behaviour.opensAfterMs !== null) {
      const claimer = result.decision.repIds[index % result.decision.repIds.length]!;
      later(at + behaviour.opensAfterMs, async () => {
        await attempt(async () => {
          await engine.claim(result.leadId, claimer);
          planRep(result.leadId, claimer, engine.clock.now(), { ...behaviour, opensAfterMs: 0 });
        });
      });
    }
  };

  let next = 0;
  for (;;) {
    agenda.sort((a, b) => a.at - b.at || a.order - b.order);
    const arrival = arrivals[next];
    const action = agenda[0];
    if (arrival === undefined && action === undefined) break;
    if (arrival !== undefined && (action === undefined || arrival.at <= action.at)) {
      if (options.restart && options.restart.beforeArrival === next) {
        await engine.stop();
        engine = options.restart.engine(engine.clock.now());
      }
      await engine.advanceTo(Math.max(arrival.at, engine.clock.now()));
      const result = await engine.ingest(arrival.payload);
      results.push(result);
      afterIngest(result, engine.clock.now(), next);
      next++;
    } else if (action !== undefined) {
      agenda.shift();
      await engine.advanceTo(Math.max(action.at, engine.clock.now()));
      await action.run();
    }
  }
  if (options.settleMs) await engine.advanceTo(engine.clock.now() + options.settleMs);
  return { results, refused, engine };
}
