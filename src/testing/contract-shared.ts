/**
 * What the storage contract's parts share: the suite's clock and how a test waits for a refusal.
 *
 * @module
 */

/**
 * Commit time of the suite: 2026-03-02 09:00 Asia/Shanghai.
 * @category Testing
 */
export const T0 = Date.UTC(2026, 2, 2, 1, 0, 0);
/** @category Testing */
export const MINUTE = 60_000;

/**
 * The error `promise` rejects with; a promise that resolves fails the test.
 * @category Testing
 */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to reject, but it resolved');
    },
    (error: unknown) => error,
  );
}
