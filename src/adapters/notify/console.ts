import type { Notifier, NotifyContext, NotifyMessage } from './port.js';

/**
 * Options of {@link consoleNotifier}.
 *
 * @example
 * ```ts
 * import { consoleNotifier, type ConsoleNotifierOptions } from 'leadflow';
 * const lines: string[] = [];
 * const options: ConsoleNotifierOptions = { log: (line) => lines.push(line) };
 * const notifier = consoleNotifier(options);
 * ```
 * @category Notifications
 */
export interface ConsoleNotifierOptions {
  /**
   * Where each delivered notification goes, as one formatted line (the message is passed too).
   * @default console.log
   */
  log?: (line: string, message: NotifyMessage) => void;
  /**
   * Name reported by `notifier.name`.
   * @default 'console'
   */
  name?: string;
  /**
   * How many delivered idempotency keys to remember for deduplication (oldest forgotten first).
   * @default 10000
   */
  rememberKeys?: number;
}

/**
 * Format a notification as one log line:
 * `[leadflow] wecom → rep-1, rep-2 (lead-1/assigned): subject — text`.
 *
 * @example
 * ```ts
 * import { formatNotification } from 'leadflow';
 * formatNotification({ idempotencyKey: 'k', channel: 'sms', to: ['13800000000'], text: 'Hi' });
 * // '[leadflow] sms → 13800000000 (k): Hi'
 * ```
 * @category Notifications
 */
export function formatNotification(message: NotifyMessage): string {
  const subject = message.subject ? `${message.subject} — ` : '';
  return `[leadflow] ${message.channel} → ${message.to.join(', ')} (${message.idempotencyKey}): ${subject}${message.text}`;
}

/**
 * A {@link Notifier} that writes each notification as a line to the console (or to `log`):
 * for development, demos and the playground. Idempotent per key for the last `rememberKeys` keys:
 * a repeated key is acknowledged with the first `providerId` and `duplicate: true`, and not
 * logged again. Never fails unless `log` throws, or the send's `signal` has already fired (then it
 * rejects with the signal's reason and logs nothing, as `fetch` would).
 *
 * @example
 * ```ts
 * import { consoleNotifier } from 'leadflow';
 * const notifier = consoleNotifier();
 * await notifier.send({ idempotencyKey: 'lead-1/assigned', channel: 'wecom', to: ['rep-1'], text: 'New lead' });
 * // [leadflow] wecom → rep-1 (lead-1/assigned): New lead
 * ```
 * @category Notifications
 */
export function consoleNotifier(options: ConsoleNotifierOptions = {}): Notifier {
  const log = options.log ?? ((line: string) => console.log(line));
  const remember = Math.max(1, options.rememberKeys ?? 10_000);
  /** key → providerId; Map iteration order is insertion order, so the first entry is the oldest. */
  const delivered = new Map<string, string>();
  let count = 0;

  return {
    name: options.name ?? 'console',
    async send(message, context?: NotifyContext) {
      const signal = context?.signal;
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      const known = delivered.get(message.idempotencyKey);
      if (known !== undefined) return { ok: true, providerId: known, duplicate: true };
      log(formatNotification(message), message);
      const providerId = `console-${++count}`;
      delivered.set(message.idempotencyKey, providerId);
      if (delivered.size > remember) {
        const oldest = delivered.keys().next().value;
        if (oldest !== undefined) delivered.delete(oldest);
      }
      return { ok: true, providerId };
    },
  };
}
