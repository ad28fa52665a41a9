import { describe, expect, it } from 'vitest';
import { type CompletionContext, completionsAt } from '../../playground/src/editor/completion.js';
import { LEAD_FACTS } from '../../src/rules/facts.js';
import { OPERATOR_NAMES } from '../../src/rules/operators.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';

const rulesText = JSON.stringify(zhikongPreset.ruleSet, null, 2);
const withTeam: CompletionContext = { team: zhikongPreset.team, kind: 'ruleSet' };
const noTeam: CompletionContext = { team: null, kind: 'ruleSet' };

/** Completion at the `|` in `marked` (the bar is removed from the text). */
function completeAt(marked: string, context: CompletionContext = withTeam) {
  const offset = marked.indexOf('|');
  expect(offset).toBeGreaterThanOrEqual(0);
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  const result = completionsAt(text, offset, context);
  return { text, result, labels: result?.options.map((o) => o.label) ?? [] };
}

function edit(text: string, find: string, replace: string): string {
  expect(text).toContain(find);
  return text.replace(find, replace);
}

describe('completionsAt in a rule set', () => {
  it('a partial fact name offers the lead facts that match it, replacing the partial string', () => {
    const { text, result, labels } = completeAt(edit(rulesText, '"fact": "budget"', '"fact": "bu|"'));
    expect(labels).toEqual(['budget', 'budgetCurrency']);
    expect(text.slice(result!.from, result!.to)).toBe('"bu"');
    expect(result!.options[0]).toMatchObject({
      apply: '"budget"',
      type: 'variable',
      info: LEAD_FACTS.budget,
    });
  });

  it('an empty fact value offers every lead fact, quoted', () => {
    const { result, labels } = completeAt(edit(rulesText, '"fact": "budget"', '"fact": |'));
    expect(labels).toEqual(Object.keys(LEAD_FACTS));
    expect(result!.from).toBe(result!.to);
    expect(result!.options.every((o) => o.apply === JSON.stringify(o.label))).toBe(true);
  });

  it('cross-sell and risk conditions offer the customer facts', () => {
    const { labels } = completeAt('{ "crossSell": [ { "when": { "fact": "oldestUnpaidR|" } } ] }');
    expect(labels).toEqual(['oldestUnpaidReceivableDays']);
  });

  it('an operator value offers the operators, after any decorators typed', () => {
    expect(completeAt(edit(rulesText, '"operator": "contains"', '"operator": "|"')).labels).toEqual([
      ...OPERATOR_NAMES,
    ]);
    const decorated = completeAt(edit(rulesText, '"operator": "contains"', '"operator": "not:in|"'));
    expect(decorated.labels).toEqual(['not:in', 'not:inRegion']);
    expect(decorated.result!.options[0]!.apply).toBe('"not:in"');
  });

  it('at a key inside an assignment rule: the rule keys not written yet', () => {
    const { labels, result } = completeAt(
      '{ "id": "r", "version": "1", "assignment": { "rules": [ { "strategy": { "type": "owner", "repId": "rep-a" }, | } ] } }',
    );
    expect(labels).toEqual(['id', 'description', 'when', 'onNoCandidate']);
    expect(result!.options.find((o) => o.label === 'id')).toMatchObject({
      apply: '"id": ',
      type: 'property',
      detail: 'required · string',
    });
    expect(result!.options.find((o) => o.label === 'onNoCandidate')!.detail).toBe('"nextRule" | "fallback"');
  });

  it('inside a partly typed key: matching keys, the colon kept when it is already there', () => {
    const { text, result, labels } = completeAt(
      edit(rulesText, '"onNoCandidate": "fallback"', '"onNo|": "fallback"'),
    );
    expect(labels).toEqual(['onNoCandidate']);
    expect(text.slice(result!.from, result!.to)).toBe('"onNo"');
    expect(result!.options[0]!.apply).toBe('"onNoCandidate"');
  });

  it('a strategy offers the keys of its type only', () => {
    const { labels } = completeAt(edit(rulesText, '"type": "roundRobin",', '"type": "roundRobin", |'));
    expect(labels).toEqual(['repIds', 'match', 'requireSkills', 'weights']);
    const owner = completeAt('{ "assignment": { "rules": [ { "strategy": { "type": "owner", | } } ] } }');
    expect(owner.labels).toEqual(['repId', 'overflowTo']);
  });

  it('inside a condition: the keys of a leaf once a fact is written', () => {
    const { labels } = completeAt(
      '{ "tagging": { "rules": [ { "when": { "all": [ { "fact": "budget", | } ] } } ] } }',
    );
    expect(labels).toEqual(['operator', 'value', 'path', 'params', 'name', 'priority']);
  });

  it('enum and const values: strategy types, languages, booleans', () => {
    expect(completeAt(edit(rulesText, '"type": "roundRobin"', '"type": "|"')).labels).toEqual([
      'owner',
      'roundRobin',
      'leastLoaded',
      'bestMatch',
      'broadcast',
    ]);
    expect(completeAt('{ "language": | }').labels).toEqual(['zh-CN', 'en']);
    expect(completeAt('{ "tagging": { "channelTag": | } }').result!.options).toEqual([
      { label: 'true', type: 'keyword' },
      { label: 'false', type: 'keyword' },
    ]);
  });

  it('rep ids of the team where the rule set names reps, with their names', () => {
    const { text, result, labels } = completeAt(edit(rulesText, '"repId": "rep-a"', '"repId": "rep|"'));
    expect(labels).toEqual(zhikongPreset.team.reps.map((rep) => rep.id));
    expect(text.slice(result!.from, result!.to)).toBe('"rep"');
    expect(result!.options[0]).toMatchObject({ apply: '"rep-a"', detail: '销售A 张伟' });
    expect(completeAt(edit(rulesText, '"repId": "rep-a"', '"repId": "rep|"'), noTeam).result).toBeNull();
  });

  it('a list of rep ids offers the reps not listed yet', () => {
    const { labels } = completeAt('{ "pools": [ { "id": "p", "repIds": ["rep-a", |, "rep-c"] } ] }');
    expect(labels).toEqual(['rep-b', 'rep-d', 'rep-e', 'rep-f']);
  });

  it('pool ids come from the rule set itself and the team; supervisors from the team', () => {
    expect(completeAt(edit(rulesText, '"pool": "shanghai"', '"pool": "|"')).labels).toEqual([
      'everyone',
      'shanghai',
      'general',
    ]);
    expect(completeAt(edit(rulesText, '"supervisorId": "sup-wang"', '"supervisorId": |')).labels).toEqual([
      'sup-wang',
    ]);
  });

  it('SLA events where a policy starts, stops, pauses or resumes', () => {
    expect(completeAt('{ "sla": { "policies": [ { "startOn": ["lead.re|"] } ] } }').labels).toEqual([
      'lead.received',
      'lead.recycled',
    ]);
  });

  it('nothing to offer gives null', () => {
    expect(completeAt('{ "name": "|" }').result).toBeNull();
    expect(completeAt('|').result).toBeNull();
  });
});

describe('completionsAt in a team', () => {
  const team: CompletionContext = { team: null, kind: 'team' };

  it('keys of a rep from the team schema', () => {
    const { labels } = completeAt('{ "reps": [ { "id": "rep-a", | } ] }', team);
    expect(labels).toEqual(expect.arrayContaining(['name', 'dailyCapacity', 'manager', 'regions']));
    expect(labels).not.toContain('id');
  });

  it('a manager is a supervisor or another rep, read from the text itself', () => {
    const { labels } = completeAt(
      '{ "reps": [ { "id": "rep-a", "manager": "|" } ], "supervisors": [ { "id": "sup-li", "name": "Li" } ] }',
      team,
    );
    expect(labels).toEqual(['sup-li', 'rep-a']);
  });
});
