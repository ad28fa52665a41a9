/**
 * Bad input stays input: whatever a refused payload is — too deep, cyclic, a `BigInt`, a getter
 * that throws, megabytes of text — the quarantine keeps what can be kept of it, bounded, with
 * the reason. Nothing here throws.
 *
 * @module
 */
import {
  type JsonValue,
  jsonRefusal,
  type QuarantineRecord,
  storableText,
} from '../adapters/storage/port.js';
import { type Lead, parseLead } from '../model/lead.js';

/**
 * Characters of a refused payload's JSON kept in the quarantine.
 *
 * @category Engine
 */
export const QUARANTINE_RAW_LIMIT = 1_000_000;
/** Deeper payloads are kept as text: storage refuses JSON nested deeper than 256 levels. */
const MAX_KEPT_DEPTH = 200;

/**
 * One problem of a refused payload.
 *
 * @category Engine
 */
export interface IntakeIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Parse a lead payload without ever throwing: a payload that cannot even be read (a throwing
 * getter, a revoked proxy) is an issue at the root.
 * @category Engine
 */
export function readLead(
  raw: unknown,
): { ok: true; lead: Lead } | { ok: false; issues: readonly IntakeIssue[] } {
  try {
    const parsed = parseLead(raw);
    if (!parsed.ok) return parsed;
    // A lead the model accepts but no storage can hold (a NUL in a name) is refused here, by field.
    const refusal = jsonRefusal(parsed.lead);
    if (refusal === undefined) return parsed;
    return { ok: false, issues: [{ path: refusal.path.replace(/^\./, ''), message: refusal.reason }] };
  } catch (error) {
    return { ok: false, issues: [{ path: '', message: `the payload cannot be read: ${describe(error)}` }] };
  }
}

/**
 * What of a refused payload is kept: the payload itself as JSON when storage can hold it;
 * otherwise a bounded text form (`{ unserializable | tooDeep | truncated | unstorable, … }`)
 * saying why.
 *
 * @example
 * ```ts
 * keptPayload({ a: 1 }); // { a: 1 }
 * keptPayload(10n); // { unserializable: 'Do not know how to serialize a BigInt', text: '10' }
 * keptPayload({ name: 'a\u0000' }); // { unstorable: '.name contains a NUL character (U+0000)', text: '{"name":"a\\u0000"}' }
 * ```
 * @category Engine
 */
export function keptPayload(raw: unknown): JsonValue {
  let text: string | undefined;
  try {
    text = JSON.stringify(raw);
  } catch (error) {
    return { unserializable: describe(error), text: bounded(safeString(raw)) };
  }
  if (text === undefined) return { unserializable: `a ${typeof raw}`, text: bounded(safeString(raw)) };
  if (text.length > QUARANTINE_RAW_LIMIT) {
    return { truncated: true, originalChars: text.length, head: text.slice(0, QUARANTINE_RAW_LIMIT) };
  }
  const parsed = JSON.parse(text) as JsonValue;
  if (depthOver(parsed, MAX_KEPT_DEPTH)) {
    return { tooDeep: true, maxDepth: MAX_KEPT_DEPTH, text };
  }
  // JSON text escapes NUL and lone surrogates, so the text form keeps what the value cannot.
  const refusal = jsonRefusal(parsed);
  if (refusal !== undefined) return { unstorable: `${refusal.path || '(root)'} ${refusal.reason}`, text };
  return parsed;
}

/**
 * The quarantine record of a refused payload.
 *
 * @category Engine
 */
export function quarantineRecord(
  id: string,
  raw: unknown,
  issues: readonly IntakeIssue[],
  at: number,
): QuarantineRecord {
  return {
    id,
    receivedAt: at,
    raw: keptPayload(raw),
    // A key or value of the payload can reach a path or message: stored as text every store takes.
    issues: issues.map((issue) => ({ path: storableText(issue.path), message: storableText(issue.message) })),
    reason: storableText(
      `invalid lead: ${issues
        .slice(0, 3)
        .map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
        .join('; ')}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`,
    ),
  };
}

/** Whether a JSON value nests deeper than `limit` (iterative: a deep value must not overflow the stack). */
function depthOver(value: JsonValue, limit: number): boolean {
  const stack: [JsonValue, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** At most the raw limit, as text every store takes (a NUL or a lone surrogate replaced). */
function bounded(text: string): string {
  return storableText(text.length > QUARANTINE_RAW_LIMIT ? text.slice(0, QUARANTINE_RAW_LIMIT) : text);
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return `a ${typeof value} that cannot be read`;
    }
  }
}

function describe(error: unknown): string {
  try {
    return storableText(error instanceof Error ? error.message || error.name : String(error));
  } catch {
    return 'unknown error';
  }
}
