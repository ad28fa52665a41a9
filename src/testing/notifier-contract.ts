import { describe, expect, it } from 'vitest';
import type { Notifier, NotifyMessage, NotifyResult } from '../adapters/notify/port.js';

/**
 * What a notifier contract factory may return: the notifier alone, or the notifier together with
 * a way to count what actually reached the transport (for a real channel: the requests a mocked
 * HTTP server received). With `deliveries`, the suite checks that a repeated idempotency key is
 * delivered once; without it, it can only check the results. With `stall`, it also checks that
 * an in-flight send gives up once its signal fires.
 *
 * @example
 * ```ts
 * import { memoryNotifier } from 'leadflow';
 * import type { NotifierHarness } from 'leadflow/testing';
 * let stalled = false;
 * const notifier = memoryNotifier({ fail: () => stalled && { hang: true } });
 * const harness: NotifierHarness = {
 *   notifier,
 *   deliveries: () => notifier.sent.length,
 *   stall: () => { stalled = true; },
 * };
 * ```
 * @category Testing
 */
export interface NotifierHarness {
  notifier: Notifier;
  /** How many messages reached the transport so far. */
  deliveries?: () => number;
  /**
   * Make the transport stop answering from now on, like a hung server: a request stays pending
   * until the `AbortSignal` it was given fires, then rejects, as `fetch` does. Checks that the
   * notifier hands its send's signal to the transport.
   */
  stall?: () => void;
}

/**
 * Options of {@link runNotifierContract}.
 *
 * @example
 * ```ts
 * import type { NotifierContractOptions } from 'leadflow/testing';
 * const options: NotifierContractOptions = { channel: 'wecom', to: ['rep-1'], timeout: 20_000 };
 * ```
 * @category Testing
 */
export interface NotifierContractOptions {
  /**
   * Channel of the test messages.
   * @default 'console'
   */
  channel?: string;
  /**
   * Recipients of the test messages (addresses the notifier under test accepts).
   * @default ['rep-1']
   */
  to?: string[];
  /** Per-test timeout (ms). Default: vitest's. */
  timeout?: number;
  /**
   * How long a send may take to settle once its signal has fired (ms) before the suite calls it
   * stuck. Generous on purpose: this checks that it settles at all, not how fast.
   * @default 1000
   */
  abortGraceMs?: number;
}

function isHarness(value: Notifier | NotifierHarness): value is NotifierHarness {
  return 'notifier' in value && typeof (value as NotifierHarness).notifier?.send === 'function';
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

type Settled = { state: 'resolved'; value: NotifyResult } | { state: 'rejected' } | { state: 'pending' };

/** Whether `promise` settles within `ms` (a late settlement is ignored). */
async function settlesWithin(promise: Promise<NotifyResult>, ms: number): Promise<Settled> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'pending' }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value): Settled => ({ state: 'resolved', value }),
        (): Settled => ({ state: 'rejected' }),
      ),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function expectResultShape(result: NotifyResult): void {
  expect(typeof result).toBe('object');
  expect(typeof result.ok).toBe('boolean');
  if (result.ok) {
    if (result.providerId !== undefined) expect(typeof result.providerId).toBe('string');
    if (result.duplicate !== undefined) expect(typeof result.duplicate).toBe('boolean');
    if (result.rejected !== undefined) {
      expect(Array.isArray(result.rejected)).toBe(true);
      for (const r of result.rejected) {
        expect(typeof r.recipient).toBe('string');
        expect(typeof r.reason).toBe('string');
      }
    }
  } else {
    expect(typeof result.retryable).toBe('boolean');
    expect(typeof result.error).toBe('string');
    expect(result.error.length).toBeGreaterThan(0);
    if (result.kind !== undefined) {
      expect(['retryable', 'permanent', 'config']).toContain(result.kind);
      // A kind that contradicts retryable is a notifier bug.
      expect(result.kind === 'retryable').toBe(result.retryable);
    }
    if (result.retryAfterMs !== undefined) {
      expect(Number.isFinite(result.retryAfterMs) && result.retryAfterMs >= 0).toBe(true);
    }
    if (result.providerCode !== undefined) expect(typeof result.providerCode).toBe('string');
    if (result.unknown !== undefined) expect(typeof result.unknown).toBe('boolean');
  }
}

/**
 * The conformance suite of the notifier port. Each test gets a fresh notifier from `factory`
 * (which should succeed at delivering: point it at a mocked transport). Checks: a name, result
 * shapes (optional fields of the right types, a `kind` agreeing with `retryable`), no mutation
 * of the message, idempotency — the same key sent twice (one after the other, or concurrently)
 * is acknowledged both times and, when the harness can count deliveries,
 * delivered once, while different keys are delivered separately — and cancellation: a send whose
 * signal has already fired settles (resolving or rejecting) and a later send of the same key still
 * delivers it exactly once; with a harness that can `stall`, a hung send settles once its signal
 * fires.
 *
 * @param name - shown in the `describe` title
 * @param factory - creates a fresh notifier (or {@link NotifierHarness})
 * @param options - channel and recipients of the test messages, timeout
 * @example
 * ```ts
 * // test/adapters/my-notifier.test.ts
 * import { runNotifierContract } from 'leadflow/testing';
 * import { myNotifier } from '../src/my-notifier.js';
 *
 * runNotifierContract('my notifier', () => {
 *   const requests: unknown[] = [];
 *   const notifier = myNotifier({ fetch: async (_url, init) => (requests.push(init), new Response('{}')) });
 *   return { notifier, deliveries: () => requests.length };
 * }, { channel: 'webhook' });
 * ```
 * @category Testing
 */
export function runNotifierContract(
  name: string,
  factory: () => Notifier | NotifierHarness | Promise<Notifier | NotifierHarness>,
  options: NotifierContractOptions = {},
): void {
  const channel = options.channel ?? 'console';
  const to = options.to ?? ['rep-1'];
  const grace = options.abortGraceMs ?? 1_000;
  let counter = 0;
  const message = (overrides: Partial<NotifyMessage> = {}): NotifyMessage => ({
    idempotencyKey: `contract-${++counter}`,
    channel,
    to: [...to],
    subject: 'Lead waiting',
    text: 'Lead lead-1 has not been opened for 30 minutes',
    template: 'lead-unopened',
    data: { leadId: 'lead-1', pageViews: 7 },
    ...overrides,
  });

  const test = (title: string, run: (harness: NotifierHarness) => Promise<void>) =>
    it(
      title,
      async () => {
        const made = await factory();
        await run(isHarness(made) ? made : { notifier: made });
      },
      options.timeout,
    );

  describe(`Notifier contract: ${name}`, () => {
    test('has a name', async ({ notifier }) => {
      expect(typeof notifier.name).toBe('string');
      expect(notifier.name.length).toBeGreaterThan(0);
    });

    test('delivers a message and returns a well-formed ok result', async ({ notifier, deliveries }) => {
      const result = await notifier.send(message());
      expectResultShape(result);
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.duplicate ?? false).toBe(false);
      if (deliveries) expect(deliveries()).toBe(1);
    });

    test('delivers a minimal message (only key, channel, to, text)', async ({ notifier }) => {
      const result = await notifier.send({
        idempotencyKey: `contract-min-${++counter}`,
        channel,
        to: [...to],
        text: 'hi',
      });
      expectResultShape(result);
      expect(result.ok).toBe(true);
    });

    test('does not mutate the message', async ({ notifier }) => {
      const sent = deepFreeze(message());
      const copy = structuredClone(sent);
      expectResultShape(await notifier.send(sent));
      expect(sent).toEqual(copy);
    });

    test('the same idempotency key is delivered once and acknowledged every time', async ({
      notifier,
      deliveries,
    }) => {
      const m = message();
      const first = await notifier.send(m);
      const second = await notifier.send({ ...m });
      expectResultShape(first);
      expectResultShape(second);
      expect(first.ok).toBe(true);
      expect(second.ok).toBe(true);
      if (first.ok && second.ok && first.providerId !== undefined && second.providerId !== undefined) {
        expect(second.providerId).toBe(first.providerId);
      }
      if (deliveries) expect(deliveries()).toBe(1);
    });

    test('concurrent sends of one key are delivered once', async ({ notifier, deliveries }) => {
      const m = message();
      const results = await Promise.all([notifier.send(m), notifier.send({ ...m }), notifier.send({ ...m })]);
      for (const result of results) {
        expectResultShape(result);
        expect(result.ok).toBe(true);
      }
      if (deliveries) expect(deliveries()).toBe(1);
    });

    test('different keys are delivered separately', async ({ notifier, deliveries }) => {
      const body = { text: 'same body', subject: 'same subject' };
      const results = [await notifier.send(message(body)), await notifier.send(message(body))];
      for (const result of results) expect(result.ok).toBe(true);
      if (deliveries) expect(deliveries()).toBe(2);
      const [a, b] = results;
      if (a?.ok && b?.ok && a.providerId !== undefined && b.providerId !== undefined) {
        expect(a.providerId).not.toBe(b.providerId);
      }
    });

    test('a send whose signal already fired settles, and the key is delivered once later', async ({
      notifier,
      deliveries,
    }) => {
      const m = message();
      const controller = new AbortController();
      controller.abort(new Error('contract: aborted before sending'));
      const settled = await settlesWithin(notifier.send(m, { signal: controller.signal }), grace);
      expect(settled.state, 'send with an aborted signal did not settle').not.toBe('pending');
      if (settled.state === 'resolved') expectResultShape(settled.value);
      // Whether or not the aborted send went out, the retry must not deliver it a second time.
      const retry = await notifier.send({ ...m }, { signal: new AbortController().signal });
      expectResultShape(retry);
      expect(retry.ok).toBe(true);
      if (deliveries) expect(deliveries()).toBe(1);
    });

    test('a send to a hung transport settles once its signal fires (when the harness can stall)', async ({
      notifier,
      stall,
    }) => {
      if (!stall) return;
      stall();
      const controller = new AbortController();
      const sending = notifier.send(message(), { signal: controller.signal });
      // Let the send reach its transport before aborting it.
      await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort(new Error('contract: timed out'));
      const settled = await settlesWithin(sending, grace);
      expect(settled.state, 'send did not settle after its signal fired').not.toBe('pending');
      if (settled.state === 'resolved') expectResultShape(settled.value);
    });
  });
}
