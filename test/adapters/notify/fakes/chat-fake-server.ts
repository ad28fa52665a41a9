import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { startLoopbackServer } from './loopback-server.js';

/**
 * The chat-robot fakes' layer (WeCom, DingTalk, Feishu) over the one loopback server
 * (loopback-server.ts): requests parsed and recorded, one provider handler, and injectable faults
 * that pre-empt it (the provider never sees a faulted request). `close()` destroys open
 * connections, hung ones too.
 */

/** A request as the provider handler sees it. */
export interface FakeRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed body, or `undefined` when it is not JSON. */
  json: unknown;
}

/** What the provider answers (JSON by default; `text` sends a raw body). */
export interface FakeAnswer {
  status?: number;
  json?: unknown;
  text?: string;
}

/**
 * A simulated failure: an HTTP error, a 200 whose body is not JSON, a request that never gets an
 * answer, a connection reset, or a canned answer (e.g. a provider error code).
 */
export type Fault = 'http-500' | 'http-502' | 'http-503' | 'malformed-json' | 'hang' | 'reset' | FakeAnswer;

export interface ChatFakeServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request received, faulted ones included. */
  readonly requests: FakeRequest[];
  /** Apply `fault` to the next `times` requests (whose path starts with `path`, if given). */
  fail(fault: Fault, options?: { times?: number; path?: string }): void;
  /** Leave every request from now on unanswered (until `resume()`), like a hung provider. */
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export type FakeHandler = (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;

export async function startChatFakeServer(handle: FakeHandler): Promise<ChatFakeServer> {
  const requests: FakeRequest[] = [];
  const faults: { fault: Fault; times: number; path?: string }[] = [];
  let stalled = false;

  function takeFault(path: string): Fault | undefined {
    const index = faults.findIndex((f) => f.path === undefined || path.startsWith(f.path));
    if (index < 0) return undefined;
    const entry = faults[index]!;
    entry.times -= 1;
    if (entry.times <= 0) faults.splice(index, 1);
    return entry.fault;
  }

  const server = await startLoopbackServer((req, res, body) => {
    const text = body.toString('utf8');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', 'http://127.0.0.1'),
      headers: req.headers,
      text,
      json,
    };
    requests.push(request);
    if (stalled) return; // never answered; close() destroys the socket
    const fault = takeFault(request.url.pathname);
    if (fault === 'hang') return;
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'http-500' || fault === 'http-502' || fault === 'http-503') {
      send(res, { status: Number(fault.slice(5)), text: '<html><body>Bad Gateway</body></html>' });
      return;
    }
    if (fault === 'malformed-json') {
      send(res, { status: 200, text: '{"errcode":0,"errmsg":"ok"' });
      return;
    }
    if (fault) {
      send(res, fault);
      return;
    }
    return Promise.resolve()
      .then(() => handle(request))
      .then(
        (answer) => send(res, answer),
        (error: unknown) => send(res, { status: 500, text: `fake crashed: ${String(error)}` }),
      );
  });

  return {
    url: server.url,
    requests,
    fail(fault, options = {}) {
      faults.push({ fault, times: options.times ?? 1, path: options.path });
    },
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
    },
    close: () => server.close(),
  };
}

function send(res: ServerResponse, answer: FakeAnswer): void {
  if (res.writableEnded) return;
  const body = answer.text ?? JSON.stringify(answer.json ?? {});
  const type = answer.text !== undefined ? 'text/html' : 'application/json; charset=utf-8';
  res.writeHead(answer.status ?? 200, { 'content-type': type });
  res.end(body);
}

/**
 * Sends accepted within a sliding window, per destination: `room` says whether one more send
 * fits `limit` per `windowMs`, `record` counts one (only admitted sends count, the way the robots
 * count); `admit` is both.
 */
export function slidingWindowCounter(limit: number, windowMs: number, now: () => number) {
  const admitted = new Map<string, number[]>();
  const recent = (destination: string): number[] => {
    const t = now();
    const times = (admitted.get(destination) ?? []).filter((at) => at + windowMs > t);
    admitted.set(destination, times);
    return times;
  };
  const room = (destination: string): boolean => recent(destination).length < limit;
  const record = (destination: string): void => {
    recent(destination).push(now());
  };
  return {
    room,
    record,
    admit(destination: string): boolean {
      if (!room(destination)) return false;
      record(destination);
      return true;
    },
  };
}

/** UTF-8 byte length (the robots' limits are in bytes). */
export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');
