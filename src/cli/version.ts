import { createRequire } from 'node:module';

/**
 * The version of leadflow, read from its package.json at run time (two levels up from both
 * `src/cli/` and `dist/cli/`), so the CLI bundle does not inline the whole file.
 *
 * @example
 * ```ts
 * import { VERSION } from './version.js'; // src/cli/version.ts
 * console.log(`leadflow ${VERSION}`);
 * ```
 */
export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;
