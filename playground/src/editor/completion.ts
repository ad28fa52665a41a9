/**
 * Completion for the playground's JSON editors, from leadflow's own tables: keys from the rule
 * set's (or team's) JSON Schema, fact names, operators, enum values, and the rep, pool and
 * supervisor ids of the team. Pure: a text and an offset in, the options out.
 */

import { findNodeAtLocation, getLocation, type Node, parseTree } from 'jsonc-parser';
import { z } from 'zod';
import { teamSchema } from '../../../src/model/team.js';
import { CUSTOMER_FACTS, LEAD_FACTS } from '../../../src/rules/facts.js';
import { OPERATOR_NAMES, OPERATORS } from '../../../src/rules/operators.js';
import { ruleSetSchema, SLA_EVENTS } from '../../../src/rules/ruleset.js';
import { MESSAGE_TEMPLATES } from '../../../src/rules/templates.js';

/** One completion option, in CodeMirror's shape. */
export interface CompletionOption {
  label: string;
  detail?: string;
  info?: string;
  /** CodeMirror's icon kind: `property`, `enum`, `variable`, `function`, `constant`, `keyword`. */
  type?: string;
  /** The text inserted over `from`–`to` (JSON, quotes included) when it differs from `label`. */
  apply?: string;
}

/** Options for the token under the cursor; `from`–`to` is the token they replace. */
export interface CompletionList {
  from: number;
  to: number;
  options: CompletionOption[];
}

interface Person {
  readonly id: string;
  readonly name?: string | undefined;
}

/** What completion knows besides the text: the team (parsed, or null) and which text this is. */
export interface CompletionContext {
  team: {
    readonly reps: readonly Person[];
    readonly supervisors?: readonly Person[];
    readonly staff?: readonly Person[];
    readonly pools?: readonly (Person & { readonly repIds?: readonly string[] })[];
  } | null;
  kind: 'ruleSet' | 'team';
}

type Schema = Record<string, unknown>;
type Segment = string | number;
/** What a value position holds when the schema alone cannot say (ids, facts, events). */
type ValueKind =
  | 'fact'
  | 'operator'
  | 'rep'
  | 'pool'
  | 'supervisor'
  | 'repOrSupervisor'
  | 'person'
  | 'slaEvent'
  | 'template';

const MARK = 'x-leadflow';

// The rule-set schema has `{}` for conditions (they are checked by code, not by zod), so their
// shape is spelled out here for completion.
const conditionMeta: Record<string, Schema> = {
  name: { type: 'string', description: 'A free label, echoed in explanations.' },
  priority: { type: 'integer', description: 'Evaluation order among siblings, higher first (default 1).' },
};
const factReferenceSchema: Schema = {
  type: 'object',
  properties: {
    fact: { type: 'string', [MARK]: 'fact', description: 'The fact whose value is compared with.' },
    path: { type: 'string', description: 'A path into that fact, e.g. "$.region".' },
  },
  additionalProperties: false,
};
const conditionSchema: Schema = {};
const leafConditionSchema: Schema = {
  type: 'object',
  properties: {
    fact: { type: 'string', [MARK]: 'fact', description: 'The fact to compare.' },
    operator: { type: 'string', [MARK]: 'operator', description: 'How to compare, e.g. "equal", "in".' },
    value: {
      anyOf: [{}, factReferenceSchema],
      description: 'A literal, or { "fact": … } to compare with another fact.',
    },
    path: { type: 'string', description: 'A path into an object fact, e.g. "$.region".' },
    params: { type: 'object', description: 'Accepted for json-rules-engine compatibility; ignored.' },
    ...conditionMeta,
  },
  required: ['fact', 'operator', 'value'],
  additionalProperties: false,
};
const booleanConditionSchema = (key: 'all' | 'any' | 'not', description: string): Schema => ({
  type: 'object',
  properties: {
    // `allOf` because the shared condition schema is filled in below (it is recursive).
    [key]:
      key === 'not'
        ? { allOf: [conditionSchema], description }
        : { type: 'array', items: conditionSchema, description },
    ...conditionMeta,
  },
  required: [key],
  additionalProperties: false,
});
Object.assign(conditionSchema, {
  anyOf: [
    booleanConditionSchema('all', 'Holds when every condition holds.'),
    booleanConditionSchema('any', 'Holds when some condition holds (must not be empty).'),
    booleanConditionSchema('not', 'Holds when the condition does not.'),
    leafConditionSchema,
  ],
});
const CONDITION_KEYS = new Set(['when', 'credibleSource', 'completeInfo', 'explicitNeed']);

type PathPattern = readonly (string | readonly string[])[];

const RULE_SET_VALUES: readonly [PathPattern, ValueKind][] = [
  [['pools', '*', 'repIds', '*'], 'rep'],
  [['assignment', 'rules', '*', 'strategy', ['repId']], 'rep'],
  [['assignment', 'rules', '*', 'strategy', ['overflowTo', 'repIds'], '*'], 'rep'],
  [['assignment', 'rules', '*', 'strategy', ['pool']], 'pool'],
  [['assignment', 'fallback', ['supervisorId']], 'supervisor'],
  [['sla', 'policies', '*', ['startOn', 'stopOn', 'pauseOn', 'resumeOn'], '*'], 'slaEvent'],
  [['sla', 'policies', '*', ['onWarn', 'onBreach'], '*', ['template']], 'template'],
  [[['crossSell', 'risk'], '*', 'effect', ['template']], 'template'],
];
const TEAM_VALUES: readonly [PathPattern, ValueKind][] = [
  [['reps', '*', ['manager']], 'repOrSupervisor'],
  [['pools', '*', 'repIds', '*'], 'rep'],
  [['departments', '*', ['headId']], 'person'],
  [['departments', '*', 'memberIds', '*'], 'person'],
];

function matches(pattern: PathPattern, path: readonly Segment[]): boolean {
  return (
    pattern.length === path.length &&
    pattern.every(
      (part, i) => part === '*' || (Array.isArray(part) ? part.includes(String(path[i])) : part === path[i]),
    )
  );
}

// Built on first use, not when the page loads.
let ruleSetJsonSchema: Schema | undefined;
let teamJsonSchema: Schema | undefined;
function schemaOf(kind: CompletionContext['kind']): Schema {
  if (kind === 'ruleSet') {
    ruleSetJsonSchema ??= z.toJSONSchema(ruleSetSchema, { io: 'input', unrepresentable: 'any' }) as Schema;
    return ruleSetJsonSchema;
  }
  teamJsonSchema ??= z.toJSONSchema(teamSchema, { io: 'input', unrepresentable: 'any' }) as Schema;
  return teamJsonSchema;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A schema's alternatives with `$ref`, `anyOf`, `oneOf` and `allOf` expanded. */
function alternatives(schema: Schema, root: Schema, depth = 0): Schema[] {
  if (depth > 20) return [];
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#')) {
    let target: unknown = root;
    for (const part of ref.slice(2).split('/').filter(Boolean))
      target = isSchema(target) ? target[part] : undefined;
    return isSchema(target) ? alternatives(target, root, depth + 1) : [];
  }
  const branches = [schema.anyOf, schema.oneOf, schema.allOf].flatMap((list) =>
    Array.isArray(list) ? list.filter(isSchema) : [],
  );
  if (branches.length === 0) return [schema];
  return [schema, ...branches.flatMap((branch) => alternatives(branch, root, depth + 1))];
}

function propertiesOf(schema: Schema): Record<string, Schema> {
  return isSchema(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
}

/**
 * Whether an object schema fits the keys already written (other than the one being edited):
 * each is one of its properties, and const-valued ones (`"type": "owner"`) agree.
 */
function fits(schema: Schema, object: Node | undefined, editing: string | undefined): boolean {
  const properties = propertiesOf(schema);
  if (object?.type !== 'object') return true;
  for (const property of object.children ?? []) {
    const [key, value] = property.children ?? [];
    const name = key?.value;
    if (typeof name !== 'string' || name === editing) continue;
    const own = properties[name];
    if (own === undefined) {
      if (schema.additionalProperties === false) return false;
      continue;
    }
    if ('const' in own && value !== undefined && value.value !== own.const) return false;
  }
  return true;
}

/** Object-shaped alternatives of `schemas` that fit the object as written. */
function fitting(
  schemas: Schema[],
  root: Schema,
  object: Node | undefined,
  editing: string | undefined,
): Schema[] {
  const all = schemas.flatMap((schema) => alternatives(schema, root));
  const objects = all.filter((s) => s.type === 'object' || isSchema(s.properties));
  const fit = objects.filter((s) => fits(s, object, editing));
  return fit.length > 0 ? fit : objects;
}

function childSchemas(schema: Schema, segment: Segment): Schema[] {
  if (typeof segment === 'number') {
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems[segment] : undefined;
    if (isSchema(prefix)) return [prefix];
    return isSchema(schema.items) ? [schema.items] : [];
  }
  const own = propertiesOf(schema)[segment];
  if (own !== undefined) {
    // `{}` is how zod writes a condition (checked by code); give it its real shape.
    if (Object.keys(own).length === 0 && CONDITION_KEYS.has(segment)) return [conditionSchema];
    return [own];
  }
  return isSchema(schema.additionalProperties) ? [schema.additionalProperties] : [];
}

/**
 * The schemas that may hold at `path`, narrowed at each object by the keys written there —
 * except, with `narrowLast: false`, the last object: the value being edited may switch branches
 * (`"type": "owner"` → `"roundRobin"`).
 */
function schemasAt(
  root: Schema,
  tree: Node | undefined,
  path: readonly Segment[],
  narrowLast = true,
): Schema[] {
  let current: Schema[] = [root];
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const node =
      tree && (narrowLast || i < path.length - 1) ? findNodeAtLocation(tree, path.slice(0, i)) : undefined;
    const expanded =
      typeof segment === 'number'
        ? current.flatMap((s) => alternatives(s, root))
        : fitting(current, root, node, undefined);
    current = expanded.flatMap((s) => childSchemas(s, segment));
    if (current.length === 0) return [];
  }
  return current;
}

function typeText(schema: Schema, root: Schema): string {
  const types = new Set<string>();
  for (const s of alternatives(schema, root)) {
    if ('const' in s) types.add(JSON.stringify(s.const));
    else if (Array.isArray(s.enum)) types.add(s.enum.map((v) => JSON.stringify(v)).join(' | '));
    else if (typeof s.type === 'string') types.add(s.type);
    else if (!['anyOf', 'oneOf', 'allOf', '$ref'].some((key) => key in s)) types.add('any');
  }
  return [...types].join(' | ');
}

function descriptionOf(schemas: Schema[], root: Schema): string | undefined {
  for (const schema of schemas.flatMap((s) => alternatives(s, root)))
    if (typeof schema.description === 'string') return schema.description;
  return undefined;
}

/** The token under the cursor: its range and the part of it before the cursor (unquoted). */
function tokenAt(
  text: string,
  offset: number,
  previous: ReturnType<typeof getLocation>['previousNode'],
): { from: number; to: number; partial: string } {
  if (previous && offset >= previous.offset && offset <= previous.offset + previous.length) {
    const quoted = text[previous.offset] === '"';
    const start = previous.offset + (quoted ? 1 : 0);
    return {
      from: previous.offset,
      to: previous.offset + previous.length,
      partial: text.slice(start, Math.max(start, offset)),
    };
  }
  // A bare word (not yet quoted): the scanner gives no node for it.
  const word = /[\w.:/$-]/;
  let from = offset;
  while (from > 0 && word.test(text[from - 1]!)) from--;
  let to = offset;
  while (to < text.length && word.test(text[to]!)) to++;
  return { from, to, partial: text.slice(from, offset) };
}

/** Options whose label contains what was typed, those starting with it first. */
function filtered(options: CompletionOption[], partial: string): CompletionOption[] {
  const typed = partial.toLowerCase();
  const seen = new Set<string>();
  const unique = options.filter((o) => !seen.has(o.label) && seen.add(o.label));
  if (typed === '') return unique;
  const starting = unique.filter((o) => o.label.toLowerCase().startsWith(typed));
  const containing = unique.filter(
    (o) => !o.label.toLowerCase().startsWith(typed) && o.label.toLowerCase().includes(typed),
  );
  return [...starting, ...containing];
}

function stringOption(label: string, type: string, detail?: string, info?: string): CompletionOption {
  return {
    label,
    type,
    apply: JSON.stringify(label),
    ...(detail ? { detail } : {}),
    ...(info ? { info } : {}),
  };
}

/** Ids written in the text itself (e.g. a rule set's own pools, a team's reps). */
function idsInText(tree: Node | undefined, list: string): Person[] {
  const array = tree && findNodeAtLocation(tree, [list]);
  if (array?.type !== 'array') return [];
  return (array.children ?? []).flatMap((item) => {
    const id = findNodeAtLocation(item, ['id'])?.value;
    const name = findNodeAtLocation(item, ['name'])?.value;
    return typeof id === 'string' ? [{ id, name: typeof name === 'string' ? name : undefined }] : [];
  });
}

function valueOptions(
  kind: ValueKind,
  path: readonly Segment[],
  tree: Node | undefined,
  context: CompletionContext,
): CompletionOption[] {
  const team = context.team;
  const fromText = (list: string) => (context.kind === 'team' ? idsInText(tree, list) : []);
  const people = (list: 'reps' | 'supervisors' | 'staff', what: string) =>
    [...(team?.[list] ?? []), ...fromText(list)].map((p) => stringOption(p.id, 'constant', p.name ?? what));
  switch (kind) {
    case 'fact': {
      const facts: Readonly<Record<string, string>> =
        path[0] === 'crossSell' || path[0] === 'risk' ? CUSTOMER_FACTS : LEAD_FACTS;
      return Object.entries(facts).map(([name, info]) => stringOption(name, 'variable', 'fact', info));
    }
    case 'operator':
      return OPERATOR_NAMES.map((name) =>
        stringOption(name, 'function', OPERATORS[name].origin, OPERATORS[name].summary),
      );
    case 'rep':
      return people('reps', 'rep');
    case 'supervisor':
      return people('supervisors', 'supervisor');
    case 'repOrSupervisor':
      return [...people('supervisors', 'supervisor'), ...people('reps', 'rep')];
    case 'person':
      return [...people('reps', 'rep'), ...people('supervisors', 'supervisor'), ...people('staff', 'staff')];
    case 'pool': {
      const pools = [...idsInText(tree, 'pools'), ...(team?.pools ?? [])];
      return pools.map((pool) => stringOption(pool.id, 'constant', pool.name ?? 'pool'));
    }
    case 'slaEvent':
      return SLA_EVENTS.map((event) => stringOption(event, 'enum', 'event'));
    case 'template': {
      const own = tree && findNodeAtLocation(tree, ['templates']);
      const ownIds = (own?.children ?? []).map((p) => String(p.children?.[0]?.value));
      const builtIn = Object.keys(MESSAGE_TEMPLATES['zh-CN']);
      return [
        ...ownIds.map((id) => stringOption(id, 'constant', 'template')),
        ...builtIn.map((id) => stringOption(id, 'constant', 'built-in template')),
      ];
    }
  }
}

/** `someFact:` typed before an operator: offer the operators after the decorators. */
function decorated(options: CompletionOption[], partial: string): CompletionOption[] {
  const cut = partial.lastIndexOf(':');
  if (cut < 0) return options;
  const prefix = partial.slice(0, cut + 1);
  return options.map((o) => ({ ...o, label: prefix + o.label, apply: JSON.stringify(prefix + o.label) }));
}

function keyCompletions(
  text: string,
  tree: Node | undefined,
  objectPath: Segment[],
  token: { from: number; to: number; partial: string },
  context: CompletionContext,
): CompletionOption[] {
  const root = schemaOf(context.kind);
  const object = tree && findNodeAtLocation(tree, objectPath);
  const editing = object?.children?.find((p) => p.children?.[0]?.offset === token.from)?.children?.[0]?.value;
  const present = new Set(
    (object?.children ?? []).map((p) => p.children?.[0]?.value).filter((key) => key !== editing),
  );
  const schemas = fitting(schemasAt(root, tree, objectPath), root, object, editing);
  const hasColon = /^\s*:/.test(text.slice(token.to));
  const options: CompletionOption[] = [];
  for (const schema of schemas) {
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    for (const [key, property] of Object.entries(propertiesOf(schema))) {
      if (present.has(key)) continue;
      const shape = childSchemas(schema, key);
      const detail = [required.has(key) ? 'required' : '', typeText(shape[0] ?? property, root)]
        .filter(Boolean)
        .join(' · ');
      const info = descriptionOf(shape, root);
      options.push({
        label: key,
        type: 'property',
        apply: hasColon ? JSON.stringify(key) : `${JSON.stringify(key)}: `,
        ...(detail ? { detail } : {}),
        ...(info ? { info } : {}),
      });
    }
  }
  return options;
}

function valueCompletions(
  tree: Node | undefined,
  path: Segment[],
  token: { from: number; partial: string },
  context: CompletionContext,
): CompletionOption[] {
  const root = schemaOf(context.kind);
  const last = path[path.length - 1];
  const parentPath = path.slice(0, -1);
  const schemas = schemasAt(root, tree, path, false).flatMap((s) => alternatives(s, root));
  const marked = schemas.map((s) => s[MARK]).find((mark): mark is ValueKind => typeof mark === 'string');
  const patterns = context.kind === 'ruleSet' ? RULE_SET_VALUES : TEAM_VALUES;
  const kind = marked ?? patterns.find(([pattern]) => matches(pattern, path))?.[1];
  let options: CompletionOption[] = [];
  if (kind !== undefined) {
    options = valueOptions(kind, path, tree, context);
    if (kind === 'operator') options = decorated(options, token.partial);
    // In a list of ids, skip the ones already listed.
    const list = typeof last === 'number' && tree ? findNodeAtLocation(tree, parentPath) : undefined;
    if (list?.type === 'array') {
      const others = list.children?.filter((item) => item.offset !== token.from) ?? [];
      const listed = new Set(others.map((item) => item.value));
      options = options.filter((o) => !listed.has(o.label));
    }
  }
  for (const schema of schemas) {
    if ('const' in schema) options.push(literalOption(schema.const));
    if (Array.isArray(schema.enum)) for (const value of schema.enum) options.push(literalOption(value));
    if (schema.type === 'boolean') options.push(literalOption(true), literalOption(false));
  }
  return options;
}

function literalOption(value: unknown): CompletionOption {
  return typeof value === 'string'
    ? stringOption(value, 'enum')
    : { label: JSON.stringify(value), type: typeof value === 'boolean' ? 'keyword' : 'enum' };
}

/**
 * Completion options at `offset` of a rule set's (or team's) JSON text: at a property key, the
 * keys its schema allows there that are not written yet; as a value, enum and const values, fact
 * names (`fact`), operators (`operator`), SLA events, template ids, and the team's rep, pool and
 * supervisor ids where the rule set names them. Options insert JSON (quoted strings) over the
 * token under the cursor (`from`–`to`). Null when there is nothing to offer.
 *
 * @example
 * ```ts
 * const text = '{ "when": { "fact": "bu" } }';
 * completionsAt(text, text.indexOf('bu') + 2, { team: null, kind: 'ruleSet' });
 * // { from: 19, to: 23, options: [{ label: 'budget', apply: '"budget"', … }, { label: 'budgetCurrency', … }] }
 * ```
 */
export function completionsAt(
  text: string,
  offset: number,
  context: CompletionContext,
): CompletionList | null {
  const location = getLocation(text, offset);
  const path = [...location.path];
  const tree = parseTree(text);
  const token = tokenAt(text, offset, location.previousNode);
  let options: CompletionOption[];
  if (location.isAtPropertyKey) options = keyCompletions(text, tree, path.slice(0, -1), token, context);
  else if (path.length > 0) options = valueCompletions(tree, path, token, context);
  else return null;
  options = filtered(options, token.partial);
  return options.length === 0 ? null : { from: token.from, to: token.to, options };
}
