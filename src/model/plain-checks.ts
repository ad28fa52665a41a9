import * as z from 'zod';
import { MODEL_LIMITS } from './limits.js';
import { CURRENCY_PATTERN, ID_PATTERN, PHONE_PATTERN } from './primitives.js';
import { validateUscc } from './uscc.js';

/*
 * Plain checks shared by the intake fast paths (lead-fast.ts, customer-fast.ts): each proves a
 * value already valid as the zod schemas would accept it, without normalising anything; anything
 * else goes to the schema.
 */

/** As `emailSchema`. */
const EMAIL = /* @__PURE__ */ (() => z.regexes.email)();

/**
 * A plain object (literal or null-prototype): what the strict object schemas accept.
 *
 * @category Model
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Own string keys only, all of them allowed, no symbols.
 *
 * @category Model
 */
export function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!Object.hasOwn(value, key) || !allowed.has(key)) return false;
  return Object.getOwnPropertySymbols(value).length === 0;
}

/**
 * A string that needs no trimming and is not blank, within `max` characters.
 *
 * @category Model
 */
export function clean(value: unknown, max: number): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) return false;
  // Any edge whitespace (zod's trim uses the same notion) defers to the schema.
  return value.trim() === value;
}

/**
 * A USCC already in normal form (upper-case, no padding) with a right check character.
 *
 * @category Model
 */
export function usccInNormalForm(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 18) return false;
  const result = validateUscc(value, { structure: false });
  return result.valid && result.normalized === value;
}

/**
 * An id `idSchema` accepts unchanged.
 *
 * @category Model
 */
export function cleanId(value: unknown): value is string {
  return clean(value, MODEL_LIMITS.idLength) && ID_PATTERN.test(value);
}

/**
 * A phone number `phoneSchema` accepts unchanged.
 *
 * @category Model
 */
export function cleanPhone(value: unknown): value is string {
  return clean(value, MODEL_LIMITS.phoneLength) && value.length >= 3 && PHONE_PATTERN.test(value);
}

/**
 * An e-mail address `emailSchema` accepts unchanged.
 *
 * @category Model
 */
export function cleanEmail(value: unknown): value is string {
  return clean(value, MODEL_LIMITS.emailLength) && EMAIL.test(value);
}

/**
 * A currency code `currencySchema` accepts unchanged (already upper-case, no padding).
 *
 * @category Model
 */
export function cleanCurrency(value: unknown): value is string {
  return typeof value === 'string' && CURRENCY_PATTERN.test(value);
}

/**
 * An empty plain record (custom fields the fast paths leave to the schema unless empty).
 *
 * @category Model
 */
export function emptyRecord(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    Object.keys(value).length === 0 &&
    Object.getOwnPropertySymbols(value).length === 0
  );
}
