/**
 * Writes `schema/ruleset.schema.json` from the rule-set zod schema
 * (`npx tsx scripts/write-ruleset-schema.ts`); `test/cli/ruleset-schema.test.ts` checks the file
 * equals what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ruleSetSchemaText } from '../src/rules/ruleset-schema.js';

const target = fileURLToPath(new URL('../schema/ruleset.schema.json', import.meta.url));
writeFileSync(target, ruleSetSchemaText(), 'utf8');
console.log(`wrote ${target}`);
