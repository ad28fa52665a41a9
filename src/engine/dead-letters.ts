/**
 * Dead letters: outbox messages that gave up (a permanent failure, retries exhausted, nobody to
 * address), listable and sent again on request.
 *
 * The storage port has no way to put a dead message back to `pending`, so a re-drive enqueues a
 * **copy** — id `<id>~<n>`, the same channel (or another), recipients and payload, and the same
 * idempotency key, so a provider that deduplicates (and each notifier's own record) sees the same
 * notification, not a new one. When a copy is delivered, the outbox marks the original sent too
 * (`markSent` from `dead`, which the port allows for a late delivery), so it leaves the dead
 * letters. Re-driving is idempotent: while a copy is pending, or once one was delivered, asking
 * again changes nothing.
 *
 * @module
 */
import type { OutboxEnqueue, OutboxMessage, PageOptions, StorageAdapter } from '../adapters/storage/port.js';
import { payloadRouting } from './channels.js';
import { EngineError } from './errors.js';

/**
 * What {@link redeliver} did:
 * - `enqueued`: a copy (`copyId`) was enqueued, due now;
 * - `pending`: a copy enqueued earlier (`copyId`) is still on its way — nothing new;
 * - `delivered`: a copy (`copyId`) was delivered, or the message is no longer dead;
 * - `unknown`: no dead letter has this id.
 *
 * @example
 * ```ts
 * import type { RedeliverResult } from 'leadflow';
 * const say = (r: RedeliverResult) => (r.status === 'enqueued' ? `sent again as ${r.copyId}` : r.status);
 * ```
 * @category Engine
 */
export type RedeliverResult =
  | { readonly status: 'enqueued' | 'pending'; readonly copyId: string }
  | { readonly status: 'delivered'; readonly copyId?: string }
  | { readonly status: 'unknown' };

/**
 * Options of {@link redeliver}.
 *
 * @example
 * ```ts
 * import type { RedeliverOptions } from 'leadflow';
 * const options: RedeliverOptions = { channel: 'sms' }; // WeCom is still down: send it by SMS
 * ```
 * @category Engine
 */
export interface RedeliverOptions {
  /** Send the copy on another channel. @default the dead letter's channel */
  readonly channel?: string;
}

const PAGE = 500;

/** The dead letter `id`, read page by page (dead letters are few; the port has no get by id). */
async function findDead(
  storage: Pick<StorageAdapter, 'listOutbox'>,
  id: string,
): Promise<OutboxMessage | undefined> {
  let afterId: string | undefined;
  for (;;) {
    const page = await storage.listOutbox({
      status: 'dead',
      limit: PAGE,
      ...(afterId === undefined ? {} : { afterId }),
    });
    const found = page.find((message) => message.id === id);
    if (found) return found;
    if (page.length < PAGE) return undefined;
    afterId = page.at(-1)!.id;
    if (afterId > id) return undefined; // id order: it would have been on this page
  }
}

/**
 * The copies `<id>~<n>` of a message, in any status. They sort right after `<id>}` (`~` follows
 * `}` in binary order), so one short page finds them.
 */
async function copiesOf(storage: Pick<StorageAdapter, 'listOutbox'>, id: string): Promise<OutboxMessage[]> {
  const prefix = `${id}~`;
  const copies: OutboxMessage[] = [];
  let afterId = `${id}}`;
  for (;;) {
    const page = await storage.listOutbox({ afterId, limit: 50 });
    for (const message of page) {
      if (message.id.startsWith(prefix) && /^\d+$/.test(message.id.slice(prefix.length)))
        copies.push(message);
    }
    const last = page.at(-1);
    if (page.length < 50 || !last || (last.id > prefix && !last.id.startsWith(prefix))) break;
    afterId = last.id;
  }
  return copies.sort((a, b) => Number(a.id.slice(prefix.length)) - Number(b.id.slice(prefix.length)));
}

/**
 * Dead letters in id order: outbox messages with status `dead`, each with the reason of its last
 * failure in `lastError` (`[permanent 93000] wecom-robot: …`).
 *
 * @example
 * ```ts
 * import { listDeadLetters } from 'leadflow';
 * for (const m of await listDeadLetters(storage, { limit: 50 })) console.log(m.id, m.channel, m.lastError);
 * ```
 * @category Engine
 */
export function listDeadLetters(
  storage: Pick<StorageAdapter, 'listOutbox'>,
  page: PageOptions = {},
): Promise<OutboxMessage[]> {
  return storage.listOutbox({ ...page, status: 'dead' });
}

/**
 * Send a dead letter again (see the module notes): enqueue a copy due at `at`, unless one is
 * pending or was delivered. `engine.redeliver(id)` calls it and starts a delivery round.
 *
 * @example
 * ```ts
 * import { redeliver } from 'leadflow';
 * const result = await redeliver(storage, 'lead-0000001:unassigned-15m:0:breach:sms:supervisor', Date.now());
 * // { status: 'enqueued', copyId: 'lead-0000001:unassigned-15m:0:breach:sms:supervisor~1' }
 * ```
 * @category Engine
 */
export async function redeliver(
  storage: Pick<StorageAdapter, 'listOutbox' | 'commit'>,
  id: string,
  at: number,
  options: RedeliverOptions = {},
): Promise<RedeliverResult> {
  if (typeof id !== 'string' || id === '') {
    throw new EngineError('ENGINE_INVALID', 'redeliver: the id of a dead letter is required');
  }
  const message = await findDead(storage, id);
  const copies = await copiesOf(storage, id);
  const delivered = copies.find((copy) => copy.status === 'sent');
  if (delivered) return { status: 'delivered', copyId: delivered.id };
  if (!message) return copies.length > 0 ? { status: 'delivered' } : { status: 'unknown' };
  const pending = copies.find((copy) => copy.status === 'pending');
  if (pending) return { status: 'pending', copyId: pending.id };

  const payload =
    typeof message.payload === 'object' && message.payload !== null && !Array.isArray(message.payload)
      ? message.payload
      : {};
  const key =
    typeof payload.idempotencyKey === 'string' && payload.idempotencyKey !== '' ? payload.idempotencyKey : id;
  const copy: OutboxEnqueue = {
    id: `${id}~${copies.length + 1}`,
    channel: options.channel ?? message.channel,
    to: [...message.to],
    createdAt: at,
    nextAttemptAt: at,
    payload: {
      ...payload,
      idempotencyKey: key,
      copyOf: [...payloadRouting(message.payload).copyOf, id],
      tried: [],
    },
  };
  await storage.commit({ at, outbox: [copy] });
  return { status: 'enqueued', copyId: copy.id };
}
