/*
 * Records keyed by user-supplied ids and names (rep ids, rule and policy ids, model names…) are
 * read through own properties only: on a plain object `counts['toString']` is Object.prototype's
 * function, not "no entry". State persisted as JSON stays plain objects (JSON.parse makes
 * ordinary objects), so it is read with these helpers; state built in memory uses `Map`s.
 */

/**
 * `record[key]` when `key` is an own property of `record`, else `undefined`.
 *
 * @example
 * ```ts
 * ownValue({ 'rep-a': 3 }, 'rep-a'); // 3
 * ownValue({ 'rep-a': 3 }, 'toString'); // undefined (not Object.prototype.toString)
 * ```
 * @category Model
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
