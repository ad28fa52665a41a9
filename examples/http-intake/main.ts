/**
 * The intake example as a program: the HTTP service and a worker in one process.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres PORT=3000 npx tsx examples/http-intake/main.ts
 *
 * Environment: `DATABASE_URL` (required), `PORT` (default 3000; 0 picks a free one), `HOST`
 * (default 127.0.0.1), `LEADFLOW_SCHEMA` (default `leadflow`), `LEADFLOW_SHARDS` (default 64).
 * SIGTERM or SIGINT shuts it down gracefully: stop taking pushes (requests in flight finish),
 * stop the worker (its round in flight finishes, its shards are given back), end the pool.
 *
 * More processes may run the same program against the same database: each takes its share of the
 * shards, and any of them accepts pushes for any tenant.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import {
  migratePostgres,
  startPostgresWorker,
  type TenantEngineOptions,
} from '../../src/adapters/postgres.js';
import { CHINA_HOLIDAYS, chinaCalendar, consoleNotifier, zhikongPreset } from '../../src/index.js';
import { createIntakeServer } from './server.js';

/** What the program reads from its environment. */
export interface IntakeConfig {
  readonly databaseUrl: string;
  readonly port: number;
  readonly host: string;
  readonly schema: string;
  readonly shards: number;
}

/** Read the configuration, or throw naming the variable that is wrong. */
export function configFrom(env: NodeJS.ProcessEnv): IntakeConfig {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl)
    throw new Error('DATABASE_URL is required, e.g. postgres://postgres@127.0.0.1:5432/postgres');
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  return {
    databaseUrl,
    port: integer('PORT', 3000, 0, 65_535),
    host: env.HOST || '127.0.0.1',
    schema: env.LEADFLOW_SCHEMA || 'leadflow',
    shards: integer('LEADFLOW_SHARDS', 64, 1, 100_000),
  };
}

// Every year leadflow ships holiday data for (a year without data is refused, never guessed).
const calendar = chinaCalendar({ years: Object.keys(CHINA_HOLIDAYS).map(Number) });

/**
 * A tenant's rules and team. In this example every tenant runs the zhikong preset; a real host
 * loads the tenant's own rule set and team from its database here.
 */
export function rulesFor(_tenant: string): Pick<TenantEngineOptions, 'ruleSet' | 'team'> {
  return zhikongPreset;
}

/** Start the service and its worker; resolves to a `stop()` that shuts both down in order. */
export async function startIntakeHost(config: IntakeConfig) {
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
  await migratePostgres(pool, { schema: config.schema });
  // A placeholder notifier: one console line per notification. Use a WeCom, SMS or e-mail
  // notifier (leadflow/notify/*) in production.
  const notifier = consoleNotifier();
  const worker = await startPostgresWorker({
    pool,
    schema: config.schema,
    shards: config.shards,
    engineFor: (tenant) => ({ ...rulesFor(tenant), calendar, notifier }),
  });
  const app = createIntakeServer({ pool, schema: config.schema, shards: config.shards, logger: true });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await worker.stop();
    await pool.end();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await app.close(); // no new pushes; the ones in flight are appended and answered
      await worker.stop(); // finish the round in flight, give the shards back
      await pool.end();
    })();
    return stopping;
  };
  return { app, worker, pool, stop };
}

async function main(): Promise<void> {
  const host = await startIntakeHost(configFrom(process.env));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      host.app.log.info(`${signal}: shutting down`);
      // A second signal while shutting down ends the process at once.
      process.once(signal, () => process.exit(1));
      host.stop().then(
        () => {
          process.exitCode = 0;
        },
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
