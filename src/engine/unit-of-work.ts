/**
 * How one engine operation reaches storage when other engines share it: build a plan from what
 * storage says now, commit it with the engine-wide state it changed (assignment counts, id
 * blocks, the idempotency key) in one atomic commit, and on a lost race reload and build again.
 * Correctness never depends on being the only writer; caching only saves reads.
 *
 * @module
 */
import {
  type CommitInput,
  type CommitResult,
  type JsonValue,
  type StateWrite,
  type StorageAdapter,
  UniqueConflictError,
  VersionConflictError,
} from '../adapters/storage/port.js';
import { type AssignmentState, emptyAssignmentState } from '../rules/decide.js';
import type { Clock } from '../scheduler/clock.js';
import { EngineError } from './errors.js';
import type { CommandOptions } from './types.js';

/**
 * Round-robin cursors and per-rep daily counts, shared by every engine on a storage.
 *
 * @category Engine
 */
export const ASSIGNMENT_STATE_KEY = 'engine.assignment';
/**
 * The highest generated-id number any engine has reserved.
 *
 * @category Engine
 */
export const ID_SEQUENCE_KEY = 'engine.sequence';
const IDEMPOTENCY_PREFIX = 'engine.idempotency/';
const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/**
 * What one attempt of an operation may read and ask for.
 *
 * @category Engine
 */
export interface Attempt {
  /** Host time of this attempt (read from the clock per attempt). */
  readonly at: number;
  /** The engine-wide assignment state as this engine last saw it. */
  readonly assignment: AssignmentState;
  /** A fresh generated-id number, unique across every engine on the storage. */
  newId(): number;
}

/**
 * What one attempt wants committed, its result, and what to do once it is committed.
 *
 * @category Engine
 */
export interface Plan<R> {
  /** Omitted: nothing to write (a read-only outcome). */
  readonly commit?: Omit<CommitInput, 'at'>;
  /** The assignment state after the operation, when it changed. */
  readonly assignment?: AssignmentState;
  readonly result: R;
  /** After the commit: tell listeners, wake the runtime, start a delivery. */
  readonly after?: () => void;
}

/**
 * Options of {@link createUnitOfWork}.
 *
 * @category Engine
 */
export interface UnitOfWorkOptions {
  readonly storage: StorageAdapter;
  readonly clock: Clock;
  /** Retries after a lost race before `ENGINE_CONTENDED`. */
  readonly maxConflictRetries: number;
  /** Generated-id numbers reserved at once. */
  readonly idBlockSize: number;
  /** Seed of the retry jitter (a small PRNG: no `Math.random`). */
  readonly seed?: number;
}

/**
 * The operation runner of one engine, and the engine-wide state it caches.
 *
 * @example
 * ```ts
 * const work = createUnitOfWork({ storage, clock, maxConflictRetries: 12, idBlockSize: 100 });
 * const id = await work.run('ingest', '', undefined, async (attempt) => ({ result: attempt.newId() }));
 * ```
 * @category Engine
 */
export function createUnitOfWork(options: UnitOfWorkOptions) {
  const { storage, clock } = options;
  let loaded = false;
  let assignment: AssignmentState = emptyAssignmentState('');
  let assignmentVersion = 0;
  // Ids: [next, end] is this engine's current block; `reserved` is the stored high-water mark.
  let reserved = 0;
  let reservedVersion = 0;
  let next = 1;
  let end = 0;
  let random = (options.seed ?? 0x9e3779b9) >>> 0 || 1;

  async function load(): Promise<void> {
    const [storedAssignment, storedSequence] = await Promise.all([
      storage.loadState(ASSIGNMENT_STATE_KEY),
      storage.loadState(ID_SEQUENCE_KEY),
    ]);
    assignment = storedAssignment
      ? (storedAssignment.value as unknown as AssignmentState)
      : emptyAssignmentState('');
    assignmentVersion = storedAssignment?.version ?? 0;
    reserved = storedSequence ? (storedSequence.value as number) : 0;
    reservedVersion = storedSequence?.version ?? 0;
    loaded = true;
  }

  /** A short pause that grows with the tries, randomised so racing engines spread out. */
  function pause(tries: number): Promise<void> {
    random ^= random << 13;
    random ^= random >>> 17;
    random ^= random << 5;
    random >>>= 0;
    const ms = ((random % 1000) / 1000) * Math.min(2 ** tries, 64);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /**
   * Run one operation: build its plan, commit, retry on a lost race. `operation` and `target`
   * identify it for the idempotency key (a key reused for another operation is refused).
   */
  async function run<R>(
    operation: string,
    target: string,
    command: CommandOptions | undefined,
    build: (attempt: Attempt) => Promise<Plan<R>>,
  ): Promise<R> {
    const idempotencyKey = checkedKey(command?.idempotencyKey);
    for (let tries = 0; ; tries++) {
      if (!loaded) await load();
      if (idempotencyKey !== undefined) {
        const done = await storage.loadState(IDEMPOTENCY_PREFIX + idempotencyKey);
        if (done) return replayed<R>(done.value, operation, target, idempotencyKey);
      }
      // Ids taken by this attempt come from the block, or from a block this commit reserves.
      let blockNext = next;
      let blockEnd = end;
      let reserveTo: number | undefined;
      const attempt: Attempt = {
        at: clock.now(),
        assignment,
        newId() {
          if (blockNext > blockEnd) {
            const base = reserveTo ?? reserved;
            reserveTo = base + options.idBlockSize;
            blockNext = base + 1;
            blockEnd = reserveTo;
          }
          return blockNext++;
        },
      };
      const plan = await build(attempt);
      const state: StateWrite[] = [...(plan.commit?.state ?? [])];
      const assignmentAt = plan.assignment ? state.length : -1;
      if (plan.assignment) {
        state.push({
          key: ASSIGNMENT_STATE_KEY,
          value: plan.assignment as unknown as JsonValue,
          expectedVersion: assignmentVersion,
        });
      }
      const reserveAt = reserveTo !== undefined ? state.length : -1;
      if (reserveTo !== undefined) {
        state.push({ key: ID_SEQUENCE_KEY, value: reserveTo, expectedVersion: reservedVersion });
      }
      // With a key, the first call returns what a repeat will: the result as kept (plain JSON).
      const result = idempotencyKey === undefined ? plan.result : (asJson(plan.result) as R);
      if (idempotencyKey !== undefined) {
        state.push({
          key: IDEMPOTENCY_PREFIX + idempotencyKey,
          value: { operation, target, result: result as JsonValue },
          expectedVersion: 0,
        });
      }
      if (plan.commit === undefined && state.length === 0) {
        plan.after?.();
        return result;
      }
      let committed: CommitResult;
      try {
        committed = await storage.commit({ at: attempt.at, ...plan.commit, state });
      } catch (error) {
        // Another engine committed first: the versions it moved, or a dedupe key it claimed.
        if (!(error instanceof VersionConflictError || error instanceof UniqueConflictError)) throw error;
        if (tries >= options.maxConflictRetries) {
          throw new EngineError(
            'ENGINE_CONTENDED',
            `${operation}${target ? ` "${target}"` : ''}: other engines on this storage kept committing first (${tries + 1} tries, last: ${error.message}); nothing was written, calling again is safe`,
            { cause: error },
          );
        }
        loaded = false;
        if (tries > 0) await pause(tries);
        continue;
      }
      // Only after the commit: move the cached state forward.
      next = blockNext;
      end = blockEnd;
      if (assignmentAt >= 0) {
        assignment = plan.assignment!;
        assignmentVersion = committed.stateVersions[assignmentAt]!;
      }
      if (reserveAt >= 0) {
        reserved = reserveTo!;
        reservedVersion = committed.stateVersions[reserveAt]!;
      }
      plan.after?.();
      return result;
    }
  }

  /**
   * Hand back the unused rest of this engine's id block, if no engine reserved after it: a
   * gracefully stopped engine leaves no gap in the ids. (A crashed one does; ids stay unique.)
   */
  async function releaseIds(): Promise<void> {
    if (!loaded || next > end || reserved !== end) return;
    try {
      await storage.commit({
        at: clock.now(),
        state: [{ key: ID_SEQUENCE_KEY, value: next - 1, expectedVersion: reservedVersion }],
      });
      reserved = next - 1;
      end = next - 1;
    } catch (error) {
      // Another engine reserved since: its block is after ours, so ours just stays a gap.
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }

  return {
    run,
    releaseIds,
    /** Forget the cache: the next operation reads engine-wide state from storage again. */
    invalidate(): void {
      loaded = false;
    },
    /**
     * Forget the cache and the id block too: commits this engine counted on were not written
     * (a staged batch was discarded), so the block's reservation may not be stored either.
     */
    forget(): void {
      loaded = false;
      next = 1;
      end = 0;
    },
  };
}

export type UnitOfWork = ReturnType<typeof createUnitOfWork>;

function checkedKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new EngineError(
      'ENGINE_INVALID',
      `idempotencyKey must be a non-empty string of at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
    );
  }
  return key;
}

function replayed<R>(stored: JsonValue, operation: string, target: string, key: string): R {
  const done = stored as { operation: string; target: string; result: JsonValue };
  if (done.operation !== operation || done.target !== target) {
    throw new EngineError(
      'IDEMPOTENCY_KEY_REUSED',
      `idempotencyKey "${key}" was used for ${done.operation}${done.target ? ` "${done.target}"` : ''}, not for ${operation}${target ? ` "${target}"` : ''}`,
    );
  }
  return done.result as R;
}

/** Results are kept as plain JSON, exactly what a repeated call gets back. */
function asJson(value: unknown): JsonValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
}
