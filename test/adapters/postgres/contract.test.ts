import { postgresStorage } from '../../../src/adapters/storage/postgres.js';
import { runStorageContract } from '../../../src/testing/storage-contract.js';
import { testDatabase } from './helpers.js';

const db = testDatabase({ max: 6 });

// Every test on a fresh schema, migrated on first use, like a new installation.
runStorageContract(
  'postgres',
  () => postgresStorage({ pool: db.pool, schema: db.schema(), tenant: 'acme' }),
  {
    timeout: 60_000,
    numRuns: 25,
  },
);

// Two tenants in one schema: the contract holds for the second while the first has data.
const shared = db.schema();
runStorageContract(
  'postgres (a second tenant beside another in one schema)',
  async () => {
    const tenant = `t-${Math.random().toString(36).slice(2)}`;
    const neighbour = postgresStorage({ pool: db.pool, schema: shared, tenant: `${tenant}-neighbour` });
    await neighbour.commit({
      at: 1,
      entities: [
        { kind: 'lead', id: 'lead-1', expectedVersion: 0, snapshot: {}, lookups: { owner: 'rep-1' } },
      ],
      events: [{ entityId: 'lead-1', kind: 'lead', type: 'x', at: 1 }],
      timers: { schedule: [{ entityId: 'lead-1', timerKey: 'k', generation: 1, dueAt: 0 }] },
      outbox: [{ id: 'm-1', channel: 'sms', to: ['rep-1'], payload: { text: 'x' } }],
      state: [{ key: 'cap/rep-1', value: 1 }],
    });
    return postgresStorage({ pool: db.pool, schema: shared, tenant });
  },
  { timeout: 60_000, numRuns: 10 },
);
