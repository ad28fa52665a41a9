import { expect } from 'vitest';

/**
 * A deep copy of `value` with the (dotted) `path` set to `probe`, or removed when `probe` is
 * undefined; a path through a missing object changes nothing. For the fast-path differential tests.
 */
export function mutateAt<T>(value: T, path: string, probe: unknown): Record<string, unknown> {
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = path.split('.');
  let target: Record<string, unknown> | undefined = copy;
  for (const key of keys.slice(0, -1)) target = target?.[key] as Record<string, unknown> | undefined;
  if (target !== undefined && target !== null && typeof target === 'object') {
    const last = keys.at(-1)!;
    if (probe === undefined) delete target[last];
    else target[last] = probe;
  }
  return copy;
}

/**
 * The differential check of an intake fast path: when `fast` answers, the schema (`slow`) must
 * accept the same input and produce the same value, key order included (stored snapshots are
 * compared as JSON).
 */
export function expectSameAsSchema(
  fast: unknown,
  slow: () => { ok: true; value: unknown } | { ok: false },
): void {
  if (fast === undefined) return;
  const reference = slow();
  expect(reference.ok).toBe(true);
  if (reference.ok) expect(JSON.stringify(fast)).toBe(JSON.stringify(reference.value));
}
