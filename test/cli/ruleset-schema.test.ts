import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { tryCompileRuleSet } from '../../src/rules/compile.js';
import { LEAD_FACTS } from '../../src/rules/facts.js';
import { OPERATORS } from '../../src/rules/operators.js';
import { hengruiPreset } from '../../src/rules/presets/hengrui.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { buildRuleSetJsonSchema, ruleSetSchemaText } from '../../src/rules/ruleset-schema.js';

const file = new URL('../../schema/ruleset.schema.json', import.meta.url);

describe('ruleset.schema.json', () => {
  it('equals the schema generated from the zod rule-set schema (npx tsx scripts/write-ruleset-schema.ts)', () => {
    expect(readFileSync(file, 'utf8')).toBe(ruleSetSchemaText());
  });

  it('has titles and descriptions, and the condition grammar with facts and operators enumerated', () => {
    const schema = buildRuleSetJsonSchema() as {
      title: string;
      properties: Record<string, { title?: string; description?: string }>;
      $defs: Record<string, { anyOf: { const?: string; description?: string }[] }>;
    };
    expect(schema.title).toBe('leadflow rule set');
    for (const [key, property] of Object.entries(schema.properties)) {
      expect(property.title, key).toBeTruthy();
      expect(property.description, key).toBeTruthy();
    }
    const facts = schema.$defs.leadFact!.anyOf.map((f) => f.const);
    expect(facts).toEqual(Object.keys(LEAD_FACTS));
    const operators = schema.$defs.operator!.anyOf.flatMap((o) => (o.const ? [o.const] : []));
    expect(operators).toEqual(Object.keys(OPERATORS));
    const text = ruleSetSchemaText();
    expect(text).toContain('"$ref": "#/$defs/leadCondition"');
    expect(text).toContain('"$ref": "#/$defs/customerCondition"');
  });

  it('accepts both presets (with a $schema key) and flags a condition with an unknown fact and operator', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
    for (const preset of [zhikongPreset, hengruiPreset])
      expect(
        validate({ $schema: './ruleset.schema.json', ...preset.ruleSet }),
        JSON.stringify(validate.errors),
      ).toBe(true);
    const bad = structuredClone(zhikongPreset.ruleSet) as { assignment: { rules: { when?: unknown }[] } };
    bad.assignment.rules[0]!.when = { all: [{ fact: 'budjet', operator: 'greaterThen', value: 1 }] };
    expect(validate(bad)).toBe(false);
    const decorated = structuredClone(zhikongPreset.ruleSet) as {
      assignment: { rules: { when?: unknown }[] };
    };
    decorated.assignment.rules[0]!.when = {
      not: { fact: 'tags', operator: 'not:someFact:equal', value: 'x' },
    };
    expect(validate(decorated), JSON.stringify(validate.errors)).toBe(true);
  });

  it('tryCompileRuleSet accepts (and ignores) a $schema key', () => {
    const result = tryCompileRuleSet(
      { $schema: './node_modules/leadflow/ruleset.schema.json', ...zhikongPreset.ruleSet },
      { team: zhikongPreset.team },
    );
    expect(result.ok).toBe(true);
  });
});
