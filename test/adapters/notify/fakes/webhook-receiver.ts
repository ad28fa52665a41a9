/**
 * A Standard Webhooks consumer on loopback: verifies every request with the `standardwebhooks`
 * package (`Webhook.verify`: the `v1` HMAC over `${id}.${timestamp}.${body}` and the ±5 minute
 * timestamp window), answers 400 to what fails, processes each `webhook-id` once (a repeat is
 * acknowledged with 204 and not processed again, as the specification asks of consumers), and
 * can be told to answer statuses (429 with `Retry-After`, 5xx, 410, redirects), to process and
 * still fail (a lost acknowledgement), or to hang.
 *
 * With a `clock`, the timestamp window is checked against it (for virtual time) and the
 * signature against `Webhook.sign` of the same package.
 */
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../../../../src/scheduler/clock.js';
import { json, startLoopbackServer } from './loopback-server.js';

export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  payload: unknown;
  headers: Record<string, string>;
}

export interface WebhookAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Process the event (count it) before answering. @default false */
  process?: boolean;
}

export interface WebhookReceiverOptions {
  /** `whsec_…` */
  secret: string;
  clock?: Clock;
  /** Path the receiver listens on; others get 404. @default '/hooks/leadflow' */
  path?: string;
}

export interface WebhookReceiver {
  /** Full URL of the hook. */
  url: string;
  /** Events processed, one per `webhook-id`. */
  readonly events: ReceivedWebhook[];
  /** Every request: its `webhook-id` and the status answered. */
  readonly requests: { id: string; status: number; error?: string }[];
  deliveries(): number;
  /** Answers for the next verified requests, in order. */
  respond(...answers: WebhookAnswer[]): void;
  stall(): void;
  close(): Promise<void>;
}

const TOLERANCE_S = 5 * 60;

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const webhook = new Webhook(options.secret);
  const path = options.path ?? '/hooks/leadflow';
  const events: ReceivedWebhook[] = [];
  const requests: { id: string; status: number; error?: string }[] = [];
  const answers: WebhookAnswer[] = [];
  const seen = new Set<string>();
  let stalled = false;

  function verify(body: string, headers: Record<string, string>): unknown {
    if (!options.clock) return webhook.verify(body, headers);
    const timestamp = Number(headers['webhook-timestamp']);
    const now = Math.floor(options.clock.now() / 1000);
    if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > TOLERANCE_S) {
      throw new Error('Message timestamp outside the tolerance window');
    }
    const expected = webhook.sign(headers['webhook-id'] ?? '', new Date(timestamp * 1000), body);
    const given = (headers['webhook-signature'] ?? '').split(' ');
    if (!given.includes(expected)) throw new Error('No matching signature found');
    return JSON.parse(body);
  }

  const server = await startLoopbackServer((req, res, raw) => {
    if (stalled) return;
    const url = new URL(req.url ?? '/', 'http://fake');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    const id = headers['webhook-id'] ?? '';
    if (req.method !== 'POST' || url.pathname !== path) {
      requests.push({ id, status: 404 });
      json(res, 404, { error: 'not found' });
      return;
    }
    if (!(headers['content-type'] ?? '').startsWith('application/json')) {
      requests.push({ id, status: 415 });
      json(res, 415, { error: 'content-type must be application/json' });
      return;
    }
    const body = raw.toString('utf8');
    let payload: unknown;
    try {
      payload = verify(body, headers);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      requests.push({ id, status: 400, error: message });
      json(res, 400, { error: message });
      return;
    }
    const answer = answers.shift();
    const process = !answer || answer.process === true;
    let status = answer?.status ?? 200;
    if (process) {
      if (seen.has(id)) {
        if (!answer) status = 204;
      } else {
        seen.add(id);
        events.push({ id, timestamp: Number(headers['webhook-timestamp']), payload, headers });
      }
    }
    requests.push({ id, status });
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
      return;
    }
    if (status === 204) {
      res.writeHead(204);
      res.end();
      return;
    }
    json(res, 200, { received: id });
  });

  return {
    url: `${server.url}${path}`,
    events,
    requests,
    deliveries: () => events.length,
    respond: (...next) => answers.push(...next),
    stall: () => {
      stalled = true;
    },
    close: () => server.close(),
  };
}
