import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { memoryNotifier } from '../../src/adapters/notify/memory.js';
import type { Notifier } from '../../src/adapters/notify/port.js';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import type { OutboxEnqueue, StorageAdapter } from '../../src/adapters/storage/port.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  type DeliverOutboxOptions,
  defaultBackoff,
  deliverOutbox,
  toNotifyMessage,
} from '../../src/engine/outbox.js';

const T0 = Date.UTC(2026, 2, 2, 1, 0, 0);
const SECOND = 1_000;
const HOUR = 3_600_000;

const msg = (id: string, extra: Partial<OutboxEnqueue> = {}): OutboxEnqueue => ({
  id,
  channel: 'wecom',
  to: ['rep-1'],
  payload: { text: `text of ${id}`, subject: 'Lead', data: { id } },
  ...extra,
});

async function storageWith(...messages: OutboxEnqueue[]): Promise<StorageAdapter> {
  const storage = memoryStorage();
  await storage.commit({ at: T0, outbox: messages });
  return storage;
}

describe('defaultBackoff', () => {
  it('is 30 s · 2^(attempt − 1), capped at one hour', () => {
    expect([1, 2, 3, 4, 7, 8, 9, 50].map(defaultBackoff)).toEqual([
      30_000, 60_000, 120_000, 240_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
    expect(DEFAULT_MAX_ATTEMPTS).toBe(8);
  });
});

describe('toNotifyMessage', () => {
  it('uses the message id as idempotency key and the payload fields', () => {
    const m = toNotifyMessage({
      id: 'm-1',
      channel: 'sms',
      to: ['138'],
      payload: { text: 'hi', subject: 's', template: 't', data: { a: 1 }, ignored: true },
      createdAt: T0,
      attempts: 1,
      nextAttemptAt: T0,
      status: 'pending',
    });
    expect(m).toEqual({
      idempotencyKey: 'm-1',
      channel: 'sms',
      to: ['138'],
      text: 'hi',
      subject: 's',
      template: 't',
      data: { a: 1 },
    });
  });

  it('refuses a payload without text', () => {
    const base = {
      id: 'm-1',
      channel: 'sms',
      to: [],
      createdAt: T0,
      attempts: 1,
      nextAttemptAt: T0,
      status: 'pending' as const,
    };
    expect(() => toNotifyMessage({ ...base, payload: 'hi' })).toThrow('payload must be an object');
    expect(() => toNotifyMessage({ ...base, payload: { text: 1 } })).toThrow('payload.text must be a string');
    expect(() => toNotifyMessage({ ...base, payload: { text: 'x', subject: 2 } })).toThrow('payload.subject');
  });
});

describe('deliverOutbox', () => {
  it('sends due messages and marks them sent with the provider id', async () => {
    const storage = await storageWith(msg('m-1'), msg('m-2'), msg('m-later', { nextAttemptAt: T0 + HOUR }));
    const notifier = memoryNotifier();
    const result = await deliverOutbox({ storage, notifier, now: T0 });
    expect(result).toMatchObject({ claimed: 2, sent: 2, retried: 0, dead: 0 });
    expect(result.outcomes).toEqual([
      { id: 'm-1', status: 'sent', attempt: 1, providerId: 'memory-1' },
      { id: 'm-2', status: 'sent', attempt: 1, providerId: 'memory-2' },
    ]);
    expect(notifier.sent[0]).toEqual({
      idempotencyKey: 'm-1',
      channel: 'wecom',
      to: ['rep-1'],
      subject: 'Lead',
      text: 'text of m-1',
      data: { id: 'm-1' },
    });
    expect(await storage.listOutbox({ status: 'sent' })).toEqual([
      expect.objectContaining({ id: 'm-1', sentAt: T0, result: { providerId: 'memory-1' } }),
      expect.objectContaining({ id: 'm-2', sentAt: T0, result: { providerId: 'memory-2' } }),
    ]);
    expect((await deliverOutbox({ storage, notifier, now: T0 + 1 })).claimed).toBe(0);
  });

  it('retries failures with exponential backoff until it succeeds', async () => {
    const storage = await storageWith(msg('m-1'));
    const notifier = memoryNotifier({ failFirst: 3, failWith: { error: 'HTTP 503' } });
    let now = T0;
    const retryTimes: number[] = [];
    for (const delay of [30 * SECOND, 60 * SECOND, 120 * SECOND]) {
      const round = await deliverOutbox({ storage, notifier, now });
      expect(round).toMatchObject({ claimed: 1, retried: 1 });
      expect(round.outcomes[0]).toMatchObject({ status: 'retry', error: 'HTTP 503', retryAt: now + delay });
      retryTimes.push(round.outcomes[0]!.retryAt!);
      // Not before the retry time.
      expect((await deliverOutbox({ storage, notifier, now: now + delay - 1 })).claimed).toBe(0);
      now += delay;
    }
    const last = await deliverOutbox({ storage, notifier, now });
    expect(last).toMatchObject({ claimed: 1, sent: 1 });
    expect(notifier.sent).toHaveLength(1);
    expect((await storage.listOutbox())[0]).toMatchObject({
      status: 'sent',
      attempts: 4,
      lastError: 'HTTP 503',
    });
  });

  it('dead-letters after maxAttempts and keeps the message listable', async () => {
    const storage = await storageWith(msg('m-1'));
    const notifier = memoryNotifier({ fail: () => ({ error: 'wecom down' }) });
    let now = T0;
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const round = await deliverOutbox({
        storage,
        notifier,
        now,
        maxAttempts: 3,
        backoff: () => 10 * SECOND,
      });
      statuses.push(...round.outcomes.map((o) => o.status));
      now += 10 * SECOND;
    }
    expect(statuses).toEqual(['retry', 'retry', 'dead']);
    expect(await storage.listOutbox({ status: 'dead' })).toEqual([
      expect.objectContaining({ id: 'm-1', attempts: 3, lastError: 'gave up after 3 attempts: wecom down' }),
    ]);
    expect((await deliverOutbox({ storage, notifier, now: now + 24 * HOUR })).claimed).toBe(0);
    expect(notifier.sent).toEqual([]);
  });

  it('dead-letters a non-retryable failure at once', async () => {
    const storage = await storageWith(msg('m-1'));
    const notifier = memoryNotifier({
      failFirst: 1,
      failWith: { retryable: false, error: 'invalid recipient' },
    });
    const round = await deliverOutbox({ storage, notifier, now: T0 });
    expect(round).toMatchObject({ dead: 1, retried: 0 });
    expect((await storage.listOutbox())[0]).toMatchObject({ status: 'dead', lastError: 'invalid recipient' });
  });

  it('counts a thrown error as a retryable failure', async () => {
    const storage = await storageWith(msg('m-1'));
    const notifier = memoryNotifier({ failFirst: 1, failWith: { throw: true, error: 'socket hang up' } });
    const round = await deliverOutbox({ storage, notifier, now: T0 });
    expect(round.outcomes[0]).toMatchObject({ status: 'retry', error: 'memory threw: socket hang up' });
    const next = await deliverOutbox({ storage, notifier, now: T0 + 30 * SECOND });
    expect(next.sent).toBe(1);
  });

  it('dead-letters a payload it cannot render', async () => {
    const storage = await storageWith(msg('m-1', { payload: { body: 'no text' } }));
    const notifier = memoryNotifier();
    const round = await deliverOutbox({ storage, notifier, now: T0 });
    expect(round.outcomes[0]).toMatchObject({ status: 'dead' });
    expect(round.outcomes[0]?.error).toContain('payload.text must be a string');
    expect(notifier.calls).toEqual([]);
  });

  it('routes by channel; a channel without notifier is retried', async () => {
    const storage = await storageWith(
      msg('m-1'),
      msg('m-2', { channel: 'sms' }),
      msg('m-3', { channel: 'fax' }),
    );
    const wecom = memoryNotifier({ name: 'wecom' });
    const sms = memoryNotifier({ name: 'sms' });
    const notifiers: Record<string, Notifier> = { wecom, sms };
    const round = await deliverOutbox({ storage, notifier: (m) => notifiers[m.channel], now: T0 });
    expect(round).toMatchObject({ sent: 2, retried: 1 });
    expect(wecom.sent.map((m) => m.idempotencyKey)).toEqual(['m-1']);
    expect(sms.sent.map((m) => m.idempotencyKey)).toEqual(['m-2']);
    expect(round.outcomes[2]).toMatchObject({
      id: 'm-3',
      status: 'retry',
      error: 'no notifier for channel "fax"',
    });
  });

  it('claims at most limit messages per round', async () => {
    const storage = await storageWith(msg('m-1'), msg('m-2'), msg('m-3'));
    const notifier = memoryNotifier();
    expect((await deliverOutbox({ storage, notifier, now: T0, limit: 2 })).sent).toBe(2);
    expect((await deliverOutbox({ storage, notifier, now: T0, limit: 2 })).sent).toBe(1);
  });

  it('never delivers twice when a worker crashes between send and markSent', async () => {
    const storage = await storageWith(msg('m-1'));
    const notifier = memoryNotifier();
    const crashing: DeliverOutboxOptions['storage'] = {
      claimOutbox: (now, o) => storage.claimOutbox(now, o),
      markSent: async () => {
        throw new Error('process killed');
      },
      markFailed: (id, f) => storage.markFailed(id, f),
      markDead: (id, e) => storage.markDead(id, e),
    };
    await expect(
      deliverOutbox({ storage: crashing, notifier, now: T0, leaseMs: 60 * SECOND }),
    ).rejects.toThrow('process killed');
    // Still pending and leased: nobody else picks it up during the lease…
    expect((await deliverOutbox({ storage, notifier, now: T0 + 59 * SECOND })).claimed).toBe(0);
    // …then it comes back, and the notifier recognises the key.
    const retry = await deliverOutbox({ storage, notifier, now: T0 + 60 * SECOND });
    expect(retry).toMatchObject({ claimed: 1, sent: 1 });
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.calls.map((c) => c.result)).toEqual([
      { ok: true, providerId: 'memory-1' },
      { ok: true, providerId: 'memory-1', duplicate: true },
    ]);
    expect((await storage.listOutbox())[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  type Behaviour = 'ok' | 'retry' | 'permanent' | 'throw' | 'lost-ack';
  const behaviour = fc.constantFrom<Behaviour>('ok', 'retry', 'retry', 'permanent', 'throw', 'lost-ack');

  test.prop(
    {
      count: fc.integer({ min: 1, max: 6 }),
      failures: fc.array(behaviour, { maxLength: 40 }),
      crashes: fc.array(fc.boolean(), { maxLength: 20 }),
      maxAttempts: fc.integer({ min: 1, max: 6 }),
      limit: fc.integer({ min: 1, max: 4 }),
    },
    { numRuns: 200 },
  )('for any failure pattern every message ends sent exactly once or dead, never lost', async (c) => {
    const ids = Array.from({ length: c.count }, (_, i) => `m-${i}`);
    const storage = await storageWith(...ids.map((id) => msg(id)));
    const notifier = memoryNotifier({
      fail: (_m, { call }) => {
        const b = c.failures[call - 1] ?? 'ok';
        if (b === 'ok') return undefined;
        if (b === 'retry') return { error: 'HTTP 503' };
        if (b === 'permanent') return { retryable: false, error: 'rejected' };
        if (b === 'throw') return { throw: true, error: 'boom' };
        return { afterDelivery: true, error: 'timeout after accept' };
      },
    });
    let storageCalls = 0;
    const crash = () => {
      if (c.crashes[storageCalls++]) throw new Error('crash');
    };
    const crashing: DeliverOutboxOptions['storage'] = {
      claimOutbox: (now, o) => storage.claimOutbox(now, o),
      markSent: async (...args) => {
        crash();
        return storage.markSent(...args);
      },
      markFailed: async (...args) => {
        crash();
        return storage.markFailed(...args);
      },
      markDead: async (...args) => {
        crash();
        return storage.markDead(...args);
      },
    };

    let now = T0;
    for (let round = 0; round < 500; round++) {
      if ((await storage.listOutbox({ status: 'pending' })).length === 0) break;
      await deliverOutbox({
        storage: crashing,
        notifier,
        now,
        maxAttempts: c.maxAttempts,
        limit: c.limit,
      }).catch((error: unknown) => {
        if (!(error instanceof Error) || error.message !== 'crash') throw error;
      });
      now += 2 * HOUR; // past every lease (5 min) and backoff (≤ 1 h)
    }

    const final = await storage.listOutbox();
    expect(final.map((m) => m.id)).toEqual(ids); // nothing lost
    const deliveredKeys = notifier.sent.map((m) => m.idempotencyKey);
    expect(new Set(deliveredKeys).size).toBe(deliveredKeys.length); // nothing delivered twice
    for (const m of final) {
      const delivered = deliveredKeys.filter((k) => k === m.id).length;
      expect(m.status).not.toBe('pending');
      if (m.status === 'sent') {
        expect(delivered).toBe(1);
      } else {
        expect(delivered).toBeLessThanOrEqual(1);
        const gaveUp = m.lastError?.startsWith('gave up after') && m.attempts >= c.maxAttempts;
        expect(gaveUp || m.lastError === 'rejected').toBe(true);
      }
    }
  });
});
