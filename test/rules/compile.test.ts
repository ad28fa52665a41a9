import { describe, expect, it } from 'vitest';
import { channelsOf, compileRuleSet, RuleSetError, tryCompileRuleSet } from '../../src/rules/compile.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { RULE_SET_LIMITS } from '../../src/rules/ruleset.js';
import { buildRuleSetJsonSchema } from '../../src/rules/ruleset-schema.js';

const team = zhikongPreset.team;

function problemsOf(input: unknown, withTeam = true) {
  const result = tryCompileRuleSet(input, withTeam ? { team } : {});
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('compileRuleSet', () => {
  it('lists every reference problem at once, each with its JSON path', () => {
    const problems = problemsOf({
      id: 'broken',
      version: '1',
      pools: [
        { id: 'p', repIds: ['rep-a'] },
        { id: 'p', repIds: ['ghost'] },
      ],
      tagging: {
        rules: [
          { id: 't', when: { all: [{ fact: 'colour', operator: 'equal', value: 'red' }] }, tags: ['x'] },
        ],
      },
      assignment: {
        rules: [
          { id: 'r1', strategy: { type: 'owner', repId: 'rep-zz' } },
          { id: 'r2', when: { all: [] }, strategy: { type: 'roundRobin', pool: 'nope' } },
          { id: 'r1', strategy: { type: 'leastLoaded', repIds: ['rep-a'] } },
        ],
        fallback: { type: 'supervisorQueue', supervisorId: 'sup-nobody' },
      },
      sla: {
        policies: [
          {
            id: 'late',
            startOn: ['lead.arrived'],
            stopOn: ['lead.assigned'],
            target: '15m',
            clock: 'business',
            onBreach: [{ type: 'notify', channel: 'sms', to: 'supervisor', template: 'missing' }],
          },
        ],
      },
    });
    const paths = problems.map((problem) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'pools[1].id',
        'pools[1].repIds[0]',
        'tagging.rules[0].when.all[0].fact',
        'assignment.rules[0].strategy.repId',
        'assignment.rules[1]',
        'assignment.rules[1].strategy.pool',
        'assignment.rules[2]',
        'assignment.rules[2].id',
        'assignment.fallback.supervisorId',
        'sla.policies[0].startOn[0]',
        'sla.policies[0].onBreach[0].template',
      ]),
    );
    expect(problems.find((p) => p.path === 'assignment.rules[1]')?.message).toMatch(/unreachable: rule "r1"/);
    expect(problems.find((p) => p.path === 'sla.policies[0].startOn[0]')?.message).toMatch(
      /unknown event "lead.arrived"/,
    );
    expect(problems.find((p) => p.path === 'pools[1].repIds[0]')?.message).toBe(
      'unknown rep "ghost" (not in the team)',
    );
  });

  it('reports schema errors with paths and throws a RuleSetError with a stable code', () => {
    const bad = {
      id: 'x',
      version: '1',
      assignment: { rules: [{ id: 'r', strategy: { type: 'teleport' } }] },
      sla: { policies: [{ id: 'p', target: 'soon' }] },
    };
    try {
      compileRuleSet(bad);
      throw new Error('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(RuleSetError);
      const ruleSetError = error as RuleSetError;
      expect(ruleSetError.code).toBe('RULE_SET_INVALID');
      const paths = ruleSetError.problems.map((problem) => problem.path);
      expect(paths).toEqual(
        expect.arrayContaining(['assignment.rules[0].strategy.type', 'sla.policies[0].target']),
      );
      expect(ruleSetError.message).toMatch(/problem\(s\)/);
    }
  });

  it('refuses empty pools, jsonpath filters and prototype keys in conditions', () => {
    const problems = problemsOf(
      {
        id: 'x',
        version: '1',
        assignment: {
          rules: [
            {
              id: 'filter',
              when: { all: [{ fact: 'company', path: '$..[?(@.region)]', operator: 'equal', value: 1 }] },
              strategy: { type: 'owner', repId: 'rep-a' },
            },
            {
              id: 'proto',
              when: { all: [{ fact: 'custom', path: '$.__proto__.x', operator: 'equal', value: 1 }] },
              strategy: { type: 'owner', repId: 'rep-a' },
            },
          ],
        },
      },
      false,
    );
    expect(
      problems.some((p) => p.path.startsWith('assignment.rules[0].when') && /path/i.test(p.message)),
    ).toBe(true);
    expect(
      problems.some((p) => p.path.startsWith('assignment.rules[1].when') && /__proto__/.test(p.message)),
    ).toBe(true);
    const emptyPool = problemsOf(
      { id: 'x', version: '1', pools: [{ id: 'p', repIds: [] }], assignment: { rules: [] } },
      false,
    );
    expect(emptyPool[0]?.path).toBe('pools[0].repIds');
  });

  it('allows rules after a catch-all that explicitly overflows to the next rule', () => {
    const result = tryCompileRuleSet(
      {
        id: 'x',
        version: '1',
        assignment: {
          rules: [
            { id: 'all', strategy: { type: 'leastLoaded', repIds: ['rep-a'] }, onNoCandidate: 'nextRule' },
            { id: 'after', strategy: { type: 'owner', repId: 'rep-b' } },
          ],
        },
      },
      { team },
    );
    expect(result.ok).toBe(true);
  });

  it('enforces the documented size limit', () => {
    const huge = {
      id: 'x',
      version: '1',
      description: 'x'.repeat(RULE_SET_LIMITS.jsonChars),
      assignment: { rules: [] },
    };
    expect(problemsOf(huge)[0]?.message).toMatch(/limit is 1000000/);
  });

  it('parses durations, fills defaults and indexes SLA policies by event', () => {
    const compiled = compileRuleSet(zhikongPreset.ruleSet, { team });
    expect(compiled.sla.byId.get('unassigned-15m')?.target).toBe(15 * 60_000);
    expect(compiled.sla.byId.get('first-follow-up-24h')?.warnBefore).toBe(4 * 3_600_000);
    expect(compiled.sla.startingOn.get('lead.assigned')?.map((p) => p.id)).toEqual([
      'unopened-30m',
      'first-follow-up-24h',
    ]);
    expect(compiled.source.targets.assignedWithinShare).toBe(0.95);
    expect(compiled.qualification.incubationMs).toBe(60 * 86_400_000);
  });

  it('exports a JSON Schema editors can use', () => {
    const ruleSetJsonSchema = buildRuleSetJsonSchema();
    expect(ruleSetJsonSchema.type).toBe('object');
    const properties = ruleSetJsonSchema.properties as Record<string, unknown>;
    expect(Object.keys(properties)).toEqual(
      expect.arrayContaining(['id', 'version', 'tagging', 'assignment', 'sla']),
    );
    expect(JSON.stringify(ruleSetJsonSchema)).toContain('roundRobin');
  });
});

describe('compileRuleSet on task SLA policies', () => {
  const taskPolicy = (onBreach: unknown[]) => ({
    id: 'x',
    version: '1',
    assignment: { rules: [] },
    sla: {
      policies: [
        {
          id: 't',
          entity: 'task',
          startOn: ['task.created'],
          stopOn: ['task.done'],
          target: '48h',
          clock: 'business',
          onBreach,
        },
      ],
    },
  });

  it('accepts them: escalate and notify apply to a department task', () => {
    const result = tryCompileRuleSet(taskPolicy([{ type: 'escalate', to: 'departmentHead' }]) as never);
    expect(result.ok).toBe(true);
  });

  it('refuses reassign and raisePriority on a task with the path and reason', () => {
    const result = tryCompileRuleSet(
      taskPolicy([{ type: 'escalate', to: 'departmentHead' }, { type: 'reassign' }]) as never,
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toEqual([
        expect.objectContaining({ path: 'sla.policies[0].onBreach[1].type' }),
      ]);
  });

  it('refuses a lead event on a task policy', () => {
    const input = taskPolicy([{ type: 'escalate', to: 'departmentHead' }]);
    input.sla.policies[0]!.startOn = ['lead.received'];
    const result = tryCompileRuleSet(input as never);
    expect(result.ok).toBe(false);
  });
});

describe('routing and language', () => {
  const base = { id: 'r', version: '1', assignment: {} };

  it('checks routing with JSON paths: known message kinds, no channel twice, no fallback to itself', () => {
    const problems = problemsOf({
      ...base,
      routing: {
        kinds: { 'unopened-reminder': ['wecom', 'wecom'], 'no-such-kind': ['sms'] },
        fallbacks: { wecom: ['sms', 'wecom'], sms: ['email', 'email'] },
      },
    });
    expect(problems.map((p) => p.path)).toEqual([
      'routing.kinds.unopened-reminder[1]',
      'routing.kinds.no-such-kind',
      'routing.fallbacks.wecom[1]',
      'routing.fallbacks.sms[1]',
    ]);
    expect(problems[1]!.message).toMatch(/^unknown message kind "no-such-kind" \(a template id/);
    expect(problems[2]!.message).toBe('channel "wecom" cannot fall back to itself');
  });

  it('refuses an empty channel list and an unknown language through the schema', () => {
    const problems = problemsOf({ ...base, language: 'fr', routing: { kinds: { 'unopened-reminder': [] } } });
    expect(problems.map((p) => p.path)).toEqual(['language', 'routing.kinds.unopened-reminder']);
  });

  it('starts from the built-in templates of its language, its own templates win', () => {
    const zh = compileRuleSet({ ...base, templates: { 'unopened-reminder': { text: '自定义' } } });
    expect(zh.source.language).toBe('zh-CN');
    expect(zh.source.templates['unopened-reminder']).toEqual({ text: '自定义' });
    expect(zh.source.templates['unassigned-escalation']?.subject).toBe('线索超时未分配');
    const en = compileRuleSet({ ...base, language: 'en' });
    expect(en.source.templates['unassigned-escalation']?.subject).toBe('Lead not assigned in time');
    expect(en.source.templates['task-overdue']?.text).toContain('is overdue');
  });

  it('routes a kind to its channels and leaves others on the channel their action names', () => {
    const compiled = compileRuleSet({
      ...base,
      routing: { kinds: { 'unassigned-escalation': ['sms', 'board'] }, fallbacks: { wecom: ['sms'] } },
    });
    expect(channelsOf(compiled, 'unassigned-escalation', 'sms')).toEqual(['sms', 'board']);
    expect(channelsOf(compiled, 'unopened-reminder', 'wecom')).toEqual(['wecom']);
    expect(compiled.routing.fallbacks.get('wecom')).toEqual(['sms']);
  });
});
