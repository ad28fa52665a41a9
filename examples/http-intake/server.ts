/**
 * The HTTP side of the intake example: one Fastify route per channel. A push is mapped
 * (`channels.ts`), appended to the tenant's durable inbox and answered at once — 202 with the
 * inbox seq, or 400 with the field paths (and appended all the same, for the worker to
 * quarantine). Intake never waits for a worker: whichever process owns the tenant's shard
 * ingests the inbox in order, exactly once.
 *
 * @module
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type pg from 'pg';
import { appendToInbox } from '../../src/adapters/postgres.js';
import { type Clock, systemClock } from '../../src/index.js';
import {
  CHANNEL_ROUTES,
  type ChannelRoute,
  type IntakeError,
  intake,
  parseFormText,
  parseJsonText,
  unmappedPayload,
} from './channels.js';

/** Options of {@link createIntakeServer}. */
export interface IntakeServerOptions {
  /** The pool the inbox is appended through (the schema must be migrated: `migratePostgres`). */
  readonly pool: pg.Pool;
  /** @default 'leadflow' */
  readonly schema?: string;
  /** Must be the workers' count. @default 64 */
  readonly shards?: number;
  /** Stamps the receipt time of each push (the inbox row's `received_at`). @default systemClock */
  readonly clock?: Clock;
  /** Fastify's logger option. @default false */
  readonly logger?: boolean;
  /** Largest body accepted (bytes); a larger one is answered 413. @default 1_048_576 */
  readonly bodyLimit?: number;
}

/** A tenant id in the path: what leadflow accepts as an id, at most 64 characters. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/;

/** How the body parsers hand a body to the routes: parsed, or the text that is not JSON. */
type Received =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string; readonly text: string };

/**
 * The intake service: `POST /tenants/:tenant/leads/{website,wechat,douyin,hotline}` and
 * `GET /health`. Not listening yet: call `listen({ port, host })` (port 0 picks a free one).
 *
 * @example
 * ```ts
 * const app = createIntakeServer({ pool, schema: 'leadflow' });
 * await app.listen({ port: 3000, host: '127.0.0.1' });
 * ```
 */
export function createIntakeServer(options: IntakeServerOptions): FastifyInstance {
  const { pool } = options;
  const schema = options.schema ?? 'leadflow';
  const clock = options.clock ?? systemClock;
  const inbox = { schema, ...(options.shards === undefined ? {} : { shards: options.shards }) };
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 1_048_576 });

  // Every body reaches the route, whatever it is: a push that is not even JSON is answered 400
  // and still kept. JSON keeps integers beyond 2^53 as digits (64-bit channel ids).
  app.removeAllContentTypeParsers();
  const asJson = (_request: FastifyRequest, body: string, done: (error: null, value: Received) => void) => {
    const parsed = parseJsonText(body);
    done(null, parsed.ok ? parsed : { ok: false, message: parsed.message, text: body });
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, asJson);
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) =>
      done(null, { ok: true, value: parseFormText(body as string) } satisfies Received),
  );
  app.addContentTypeParser('*', { parseAs: 'string' }, asJson);

  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error(error);
    return reply
      .code(status)
      .send({ errors: [{ path: '', message: status === 500 ? 'internal error' : error.message }] });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ errors: [{ path: '', message: `no route ${request.method} ${request.url}` }] }),
  );

  app.get('/health', async () => ({ ok: true }));

  for (const route of CHANNEL_ROUTES) {
    app.post<{ Params: { tenant: string } }>(`/tenants/:tenant/leads/${route}`, (request, reply) =>
      receive(route, request, reply),
    );
  }

  async function receive(
    route: ChannelRoute,
    request: FastifyRequest<{ Params: { tenant: string } }>,
    reply: FastifyReply,
  ) {
    const { tenant } = request.params;
    if (!TENANT.test(tenant)) {
      return reply.code(400).send({
        errors: [
          {
            path: 'tenant',
            message: 'must be 1–64 letters, digits or _ . : @ -, starting with a letter or digit',
          },
        ],
      });
    }
    const receivedAt = clock.now();
    const received = (request.body as Received | undefined) ?? {
      ok: false,
      message: 'the body is empty',
      text: '',
    };
    let payload: unknown;
    let errors: readonly IntakeError[] | undefined;
    let externalId: string | undefined;
    if (!received.ok) {
      errors = [{ path: '', message: received.message }];
      payload = unmappedPayload(route, errors, received.text);
    } else {
      const result = intake(route, received.value, { receivedAt });
      if (result.ok) {
        payload = result.lead;
        externalId = result.lead.externalId;
      } else {
        errors = result.errors;
        payload = result.payload;
      }
    }
    let appended: { seq: number; duplicate: boolean };
    try {
      appended = await appendToInbox(pool, { tenant, payload, receivedAt }, inbox);
    } catch (error) {
      // Not kept: say so, and the channel redelivers (they all retry a 5xx).
      request.log.error(error);
      return reply.code(503).send({
        errors: [{ path: '', message: 'the inbox is unavailable: nothing was kept, send it again' }],
      });
    }
    if (errors) return reply.code(400).send({ errors, seq: appended.seq });
    return reply.code(202).send({ seq: appended.seq, ...(externalId ? { externalId } : {}) });
  }

  return app;
}
