/**
 * The PostgreSQL server of the tests: `LEADFLOW_TEST_DATABASE_URL`, or the machine's local server
 * (127.0.0.1:5432, database `test`). `.ci/run` makes sure it answers; a run without it fails
 * loudly rather than skipping. Each test gets its own schema, dropped when the file ends.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';

export const DATABASE_URL =
  process.env.LEADFLOW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A pool for this test file, and fresh schema names that are dropped after the file's tests. */
export function testDatabase(options: { max?: number } = {}) {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: options.max ?? 4 });
  const schemas: string[] = [];
  afterAll(async () => {
    if (!process.env.LEADFLOW_KILL_KEEP) {
      for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
    await pool.end();
  });
  return {
    pool,
    /** A new schema name (created by the first migration that uses it). */
    schema(): string {
      const name = `lf_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
      schemas.push(name);
      return name;
    },
  };
}
