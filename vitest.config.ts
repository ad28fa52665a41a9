import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that take longest, started first so none of them is the tail of the run (vitest orders
 * by the durations it cached, but a fresh clone has no cache and falls back to file size).
 */
const LONG_FILES = [
  'test/adapters/postgres/kill.test.ts',
  'test/playground/browser.test.ts',
  'test/simulate/opportunities.test.ts',
  'test/docs/examples.test.ts',
];

class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = LONG_FILES.findIndex((name) => file.moduleId.endsWith(name));
      return at === -1 ? LONG_FILES.length : at;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  resolve: {
    // Let tests (and the README's examples) import the package by its public name.
    alias: [
      {
        find: /^leadflow\/core$/,
        replacement: fileURLToPath(new URL('./src/core.ts', import.meta.url)),
      },
      {
        find: /^leadflow\/testing$/,
        replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
      },
      {
        find: /^leadflow\/adapters\/postgres$/,
        replacement: fileURLToPath(new URL('./src/adapters/postgres.ts', import.meta.url)),
      },
      {
        find: /^leadflow\/notify\/(.+)$/,
        replacement: fileURLToPath(new URL('./src/adapters/notify/$1.ts', import.meta.url)),
      },
      { find: /^leadflow$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      {
        find: /^leadflow\/notify\/([a-z-]+)$/,
        replacement: `${fileURLToPath(new URL('./src/adapters/notify/', import.meta.url))}$1.ts`,
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Test files share each worker's module cache: the source is imported once per worker, not
    // once per file (import time 99 s → 7 s; `npm test` 360 s → 204 s on the 2-core machine).
    // Every file sets up its own engines, storage and servers; none relies on fresh module state.
    isolate: false,
    // vitest's default on this 2-core machine is one worker (cores − 1), and the suite waits on
    // PostgreSQL, child processes and a browser half the time: two workers keep both cores busy.
    maxWorkers: 2,
    sequence: { sequencer: LongFilesFirst },
  },
});
