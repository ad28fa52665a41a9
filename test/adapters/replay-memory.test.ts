import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/adapters/storage/port.js';
import { replayMemoryStorage } from '../../src/adapters/storage/replay-memory.js';
import { runStorageContract } from '../../src/testing/storage-contract.js';

runStorageContract('replay memory (by reference)', () => replayMemoryStorage(), { copiesValues: false });

const T0 = Date.UTC(2026, 2, 2, 1, 0, 0);

describe('replayMemoryStorage specifics', () => {
  it('reports its name', () => {
    expect(replayMemoryStorage().name).toBe('replay-memory');
    expect(replayMemoryStorage({ name: 'sim' }).name).toBe('sim');
  });

  it('rejects every call after close() with STORAGE_CLOSED; close is idempotent', async () => {
    const s = replayMemoryStorage();
    await s.close();
    await s.close();
    await expect(s.load('lead', 'x')).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
    await expect(s.commit({ at: T0 })).rejects.toBeInstanceOf(StorageError);
  });

  it('copies nothing, yet refuses what is not plain JSON with the message toJsonValue gives', async () => {
    const s = replayMemoryStorage();
    const write = (snapshot: unknown, data: unknown = null) =>
      s.commit({
        at: T0,
        entities: [{ kind: 'lead', id: 'l-1', expectedVersion: 0, snapshot: snapshot as never }],
        events: [{ entityId: 'l-1', kind: 'lead', type: 't', at: T0, data: data as never }],
      });
    await expect(write({ budget: Number.NaN })).rejects.toThrow(
      'commit.entities[0].snapshot.budget must be a finite number',
    );
    await expect(write({}, { when: new Date(T0) })).rejects.toThrow(
      'commit.events[0].data.when must be plain JSON, got an instance of Date',
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(write(cyclic)).rejects.toMatchObject({ code: 'STORAGE_INVALID' });
    await expect(s.markSent('m-1', T0, [1, undefined] as never)).rejects.toThrow('markSent(result)[1]');
    expect(await s.load('lead', 'l-1')).toBeUndefined();
    // `undefined` properties pass, as toJsonValue drops them; the object is kept as written.
    const snapshot = { owner: 'rep-1', note: undefined };
    await write(snapshot);
    expect((await s.load('lead', 'l-1'))?.snapshot).toBe(snapshot);
  });

  it('checks a snapshot built from the stored one only where it changed', async () => {
    const s = replayMemoryStorage();
    const contact = { name: '王工', phones: ['13800000000'] };
    await s.commit({
      at: T0,
      entities: [{ kind: 'lead', id: 'l-1', expectedVersion: 0, snapshot: { contact, status: 'new' } }],
    });
    const stored = (await s.load('lead', 'l-1'))!.snapshot as { contact: typeof contact; status: string };
    // A new part is checked, however deep …
    await expect(
      s.commit({
        at: T0,
        entities: [
          {
            kind: 'lead',
            id: 'l-1',
            expectedVersion: 1,
            snapshot: { ...stored, contact: { ...contact, score: Number.NaN } },
          },
        ],
      }),
    ).rejects.toThrow('commit.entities[0].snapshot.contact.score must be a finite number');
    // … a part that is the stored one (checked when it was written, never mutated since) is not.
    const next = { ...stored, status: 'assigned', owner: 'rep-1' };
    await s.commit({ at: T0, entities: [{ kind: 'lead', id: 'l-1', expectedVersion: 1, snapshot: next }] });
    expect((await s.load('lead', 'l-1'))?.snapshot).toBe(next);
    expect((next as typeof stored).contact).toBe(contact);
  });

  it('names the offending field of invalid input', async () => {
    const s = replayMemoryStorage();
    await expect(
      s.commit({
        at: T0,
        timers: { schedule: [{ entityId: 'l-1', timerKey: '', generation: 0, dueAt: T0 }] },
      }),
    ).rejects.toThrow('commit.timers.schedule[0].timerKey must be a non-empty string');
    await expect(
      s.commit({
        at: T0,
        timers: { complete: [{ entityId: 'l-1', timerKey: 'k', generation: -1 }] },
      }),
    ).rejects.toThrow('commit.timers.complete[0].generation must be a safe integer ≥ 0, got -1');
    await expect(s.commit({ at: Number.NaN })).rejects.toThrow('commit.at');
    await expect(s.claimDueTimers(T0, { leaseMs: 0 })).rejects.toThrow('leaseMs');
    await expect(s.claimOutbox(T0, { limit: -1 })).rejects.toThrow('limit');
    await expect(s.list('lead', { limit: 0 })).rejects.toThrow('limit');
  });

  it('hands out outbox messages that later claims and marks do not change', async () => {
    const s = replayMemoryStorage();
    await s.commit({ at: T0, outbox: [{ id: 'm-1', channel: 'sms', to: ['138'], payload: { text: 'hi' } }] });
    const [first] = await s.claimOutbox(T0, { leaseMs: 1_000 });
    const [listed] = await s.listOutbox();
    await s.claimOutbox(T0 + 1_000, { leaseMs: 1_000 });
    await s.markSent('m-1', T0 + 1_500);
    expect(first).toMatchObject({ attempts: 1, status: 'pending', nextAttemptAt: T0 + 1_000 });
    expect(listed).toMatchObject({ attempts: 1, status: 'pending' });
    expect((await s.listOutbox())[0]).toMatchObject({ attempts: 2, status: 'sent', sentAt: T0 + 1_500 });
  });

  it('handles many timers in due order', async () => {
    const s = replayMemoryStorage();
    const n = 5_000;
    const schedule = Array.from({ length: n }, (_, i) => ({
      entityId: `l-${i}`,
      timerKey: 'sla',
      generation: 1,
      dueAt: T0 + ((i * 7919) % n),
    }));
    await s.commit({ at: T0, timers: { schedule } });
    const claimed = await s.claimDueTimers(T0 + n, { limit: n });
    expect(claimed).toHaveLength(n);
    for (let i = 1; i < n; i++) expect(claimed[i]!.dueAt).toBeGreaterThanOrEqual(claimed[i - 1]!.dueAt);
  });
});
