/**
 * Issue #18 through the engine: round-robin weights, capacity weighted by intent grade and
 * skills, on the zhikong preset.
 */
import { describe, expect, it } from 'vitest';
import type { TeamInput } from '../../src/model/team.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { rawLead, setup } from './helpers.js';

type Rules = {
  assignment: { rules: { id: string; strategy: Record<string, unknown> }[]; capacityWeights?: unknown };
};

function zhikongWith(change: (rules: Rules) => void) {
  const rules = structuredClone(zhikongPreset.ruleSet) as unknown as Rules;
  change(rules);
  return rules as never;
}

/** rawLead's default need (19 characters from a website form) grades A; this short one C. */
const C_NEED = '需要产线改造方案';
const suzhou = (at: number, phone: string, need?: string) =>
  rawLead(at, {
    company: { park: '苏州工业园区', industry: '汽车零部件' },
    contact: { phone },
    ...(need !== undefined ? { need } : {}),
  });

describe('engine: weighted routing', () => {
  it('an A lead uses 2 of rep A’s 8: after three A leads and a C lead, the next A overflows to B, a C still fits', async () => {
    const ruleSet = zhikongWith((rules) => {
      rules.assignment.capacityWeights = { A: 2 };
    });
    const { engine, clock } = setup({ ruleSet });
    const owners: string[] = [];
    for (const [i, need] of [undefined, undefined, undefined, C_NEED].entries()) {
      const result = await engine.ingest(suzhou(clock.now(), `1390000000${i}`, need));
      owners.push(
        result.status === 'accepted' && result.decision.kind === 'assign' ? result.decision.repId : '?',
      );
    }
    expect(owners).toEqual(['rep-a', 'rep-a', 'rep-a', 'rep-a']);
    const overflow = await engine.ingest(suzhou(clock.now(), '13900000010'));
    expect(overflow).toMatchObject({ decision: { kind: 'assign', repId: 'rep-b' } });
    if (overflow.status !== 'accepted') throw new Error('unreachable');
    const rule = (await engine.explain(overflow.leadId)).decisions[0]!.explanation.assignment.find(
      (r) => r.ruleId === 'suzhou-park-auto-parts',
    );
    expect(rule?.candidates).toEqual([
      { repId: 'rep-a', eligible: false, reasons: ['capacity 7/8 units (4 leads), this lead 2'] },
      { repId: 'rep-b', eligible: true, reasons: ['load 0/10 units (0 leads), this lead 2'] },
    ]);
    const small = await engine.ingest(suzhou(clock.now(), '13900000011', C_NEED));
    expect(small).toMatchObject({ decision: { kind: 'assign', repId: 'rep-a' } });
  });

  it('Shanghai round robin with rep A at weight 2: A, B, C, A, then again', async () => {
    const ruleSet = zhikongWith((rules) => {
      const shanghai = rules.assignment.rules.find((r) => r.id === 'shanghai-round-robin')!;
      shanghai.strategy = { ...shanghai.strategy, weights: { 'rep-a': 2 } };
    });
    const { engine, clock } = setup({ ruleSet });
    const owners: string[] = [];
    for (let i = 0; i < 8; i++) {
      const result = await engine.ingest(
        rawLead(clock.now(), {
          company: { region: '上海', city: '上海' },
          contact: { phone: `1380000000${i}` },
        }),
      );
      owners.push(
        result.status === 'accepted' && result.decision.kind === 'assign' ? result.decision.repId : '?',
      );
    }
    expect(owners).toEqual(['rep-a', 'rep-b', 'rep-c', 'rep-a', 'rep-a', 'rep-b', 'rep-c', 'rep-a']);
  });

  it('a technical lead (whitepaper download) goes only to a rep carrying the technical skill', async () => {
    // The seed tags a whitepaper download technical/long-decision-chain; this rule set also
    // tags it skill/technical and routes such leads on the reps' skills.
    const ruleSet = zhikongWith((rules) => {
      const r = rules as unknown as {
        tagging: { rules: unknown[] };
        assignment: { rules: unknown[] };
      };
      r.tagging.rules.push({
        id: 'technical-skill',
        when: { all: [{ fact: 'channel', operator: 'equal', value: 'whitepaper_download' }] },
        tags: ['skill/technical'],
      });
      r.assignment.rules.unshift({
        id: 'technical-leads',
        when: { all: [{ fact: 'tags', operator: 'contains', value: 'skill/technical' }] },
        strategy: { type: 'leastLoaded', pool: 'everyone', match: { skills: true } },
        onNoCandidate: 'fallback',
      });
    });
    const team: TeamInput = {
      ...zhikongPreset.team,
      reps: zhikongPreset.team.reps.map((rep) =>
        rep.id === 'rep-e' ? { ...rep, skills: ['technical'] } : rep,
      ),
    };
    const { engine, clock } = setup({ ruleSet, team });
    const result = await engine.ingest(
      rawLead(clock.now(), {
        channel: 'whitepaper_download',
        contact: { phone: '13700000001' },
        behaviours: [{ type: 'download', at: clock.now() - 60_000, asset: '伺服选型白皮书' }],
      }),
    );
    expect(result).toMatchObject({
      status: 'accepted',
      decision: { kind: 'assign', repId: 'rep-e', ruleId: 'technical-leads' },
    });
    if (result.status !== 'accepted') throw new Error('unreachable');
    expect(result.tags).toContain('skill/technical');
    const rule = (await engine.explain(result.leadId)).decisions[0]!.explanation.assignment.find(
      (r) => r.ruleId === 'technical-leads',
    );
    expect(rule?.candidates?.filter((c) => !c.eligible).map((c) => c.reasons)).toEqual(
      Array.from({ length: 5 }, () => ['lacks skill technical']),
    );
  });
});
