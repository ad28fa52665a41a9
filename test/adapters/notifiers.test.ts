import { describe, expect, it } from 'vitest';
import { consoleNotifier, formatNotification } from '../../src/adapters/notify/console.js';
import { memoryNotifier } from '../../src/adapters/notify/memory.js';
import type { NotifyMessage } from '../../src/adapters/notify/port.js';
import { runNotifierContract } from '../../src/testing/notifier-contract.js';

runNotifierContract('memory', () => {
  let stalled = false;
  const notifier = memoryNotifier({ fail: () => stalled && { hang: true } });
  return {
    notifier,
    deliveries: () => notifier.sent.length,
    stall: () => {
      stalled = true;
    },
  };
});

runNotifierContract('memory (as a bare notifier)', () => memoryNotifier(), { channel: 'wecom' });

runNotifierContract('console', () => {
  const lines: string[] = [];
  return { notifier: consoleNotifier({ log: (line) => lines.push(line) }), deliveries: () => lines.length };
});

const message = (key: string, extra: Partial<NotifyMessage> = {}): NotifyMessage => ({
  idempotencyKey: key,
  channel: 'wecom',
  to: ['rep-1'],
  text: 'New lead',
  ...extra,
});

describe('memoryNotifier', () => {
  it('fails the first N calls with failWith, then delivers once per key', async () => {
    const n = memoryNotifier({ failFirst: 2, failWith: { error: 'HTTP 503' } });
    expect(await n.send(message('k1'))).toEqual({ ok: false, retryable: true, error: 'HTTP 503' });
    expect(await n.send(message('k1'))).toEqual({ ok: false, retryable: true, error: 'HTTP 503' });
    expect(await n.send(message('k1'))).toEqual({ ok: true, providerId: 'memory-1' });
    expect(await n.send(message('k1'))).toEqual({ ok: true, providerId: 'memory-1', duplicate: true });
    expect(n.sent.map((m) => m.idempotencyKey)).toEqual(['k1']);
    expect(n.calls).toHaveLength(4);
    expect(n.deliveries('k1')).toBe(1);
    expect(n.deliveries('k2')).toBe(0);
  });

  it('can throw, fail permanently or lose the acknowledgement', async () => {
    const n = memoryNotifier({
      fail: (m, { attempt }) => {
        if (m.idempotencyKey === 'throw' && attempt === 1) return { throw: true, error: 'socket hang up' };
        if (m.idempotencyKey === 'permanent') return { retryable: false, error: 'invalid phone' };
        if (m.idempotencyKey === 'lost-ack' && attempt === 1)
          return { afterDelivery: true, error: 'timeout' };
        return undefined;
      },
    });
    await expect(n.send(message('throw'))).rejects.toThrow('socket hang up');
    expect(await n.send(message('throw'))).toMatchObject({ ok: true });
    expect(await n.send(message('permanent'))).toEqual({
      ok: false,
      retryable: false,
      error: 'invalid phone',
    });
    expect(await n.send(message('lost-ack'))).toEqual({ ok: false, retryable: true, error: 'timeout' });
    expect(await n.send(message('lost-ack'))).toMatchObject({ ok: true, duplicate: true });
    expect(n.sent.map((m) => m.idempotencyKey)).toEqual(['throw', 'lost-ack']);
    expect(n.calls[0]?.thrown).toBe('socket hang up');
  });

  it('records copies and can be cleared', async () => {
    const n = memoryNotifier({ failFirst: 1 });
    const m = message('k1', { data: { tags: ['A'] } });
    await n.send(m);
    await n.send(m);
    (m.data as { tags: string[] }).tags.push('x');
    expect(n.sent[0]?.data).toEqual({ tags: ['A'] });
    n.clear();
    expect(n.sent).toEqual([]);
    expect(n.calls).toEqual([]);
    expect(await n.send(message('k1'))).toMatchObject({ ok: false }); // failFirst counts again
  });
});

describe('memoryNotifier and AbortSignal', () => {
  it('rejects with the reason of an already-aborted signal and delivers nothing', async () => {
    const n = memoryNotifier();
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await expect(n.send(message('k1'), { signal: controller.signal })).rejects.toThrow('shutting down');
    expect(n.sent).toEqual([]);
    expect(n.calls[0]?.thrown).toBe('shutting down');
    expect(await n.send(message('k1'))).toEqual({ ok: true, providerId: 'memory-1' });
  });

  it('a hanging send rejects when its signal fires; with afterDelivery the message went out', async () => {
    const n = memoryNotifier({ failFirst: 1, failWith: { hang: true, afterDelivery: true } });
    const controller = new AbortController();
    const sending = n.send(message('k1'), { signal: controller.signal });
    let settled = false;
    sending.catch(() => {}).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toBe(false);
    controller.abort();
    await expect(sending).rejects.toThrow();
    expect(n.calls[0]?.thrown).toBeTruthy();
    expect(n.deliveries('k1')).toBe(1);
    expect(await n.send(message('k1'))).toMatchObject({ ok: true, duplicate: true });
  });

  it('works without a context, as before', async () => {
    const n = memoryNotifier();
    expect(await n.send(message('k1'))).toEqual({ ok: true, providerId: 'memory-1' });
  });
});

describe('consoleNotifier', () => {
  it('logs nothing when the signal has already fired', async () => {
    const lines: string[] = [];
    const n = consoleNotifier({ log: (line) => lines.push(line) });
    const controller = new AbortController();
    controller.abort(new Error('timed out'));
    await expect(n.send(message('k1'), { signal: controller.signal })).rejects.toThrow('timed out');
    expect(lines).toEqual([]);
    expect(await n.send(message('k1'), { signal: new AbortController().signal })).toMatchObject({ ok: true });
    expect(lines).toHaveLength(1);
  });

  it('logs one formatted line per key', async () => {
    const lines: string[] = [];
    const n = consoleNotifier({ log: (line) => lines.push(line) });
    await n.send(message('lead-1/assigned', { to: ['rep-1', 'rep-2'], subject: 'Assigned' }));
    await n.send(message('lead-1/assigned'));
    expect(lines).toEqual(['[leadflow] wecom → rep-1, rep-2 (lead-1/assigned): Assigned — New lead']);
    expect(formatNotification(message('k'))).toBe('[leadflow] wecom → rep-1 (k): New lead');
  });

  it('forgets the oldest keys beyond rememberKeys', async () => {
    const lines: string[] = [];
    const n = consoleNotifier({ log: (line) => lines.push(line), rememberKeys: 2 });
    for (const key of ['a', 'b', 'c', 'a']) await n.send(message(key));
    expect(lines).toHaveLength(4);
    expect(await n.send(message('c'))).toMatchObject({ duplicate: true });
  });
});
