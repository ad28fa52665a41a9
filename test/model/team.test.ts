import { describe, expect, it } from 'vitest';
import { LeadflowError } from '../../src/errors.js';
import {
  isOnLeave,
  ModelError,
  type ModelIssue,
  parseTeam,
  repSchema,
  safeParseModel,
  TeamError,
} from '../../src/model/index.js';

function teamIssues(raw: unknown): readonly ModelIssue[] {
  try {
    parseTeam(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(TeamError);
    return (error as TeamError).issues;
  }
  throw new Error('expected parseTeam to throw');
}

const rep = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id.toUpperCase(),
  dailyCapacity: 8,
  ...extra,
});

describe('repSchema', () => {
  it('applies defaults', () => {
    const result = safeParseModel(repSchema, { id: 'rep-a', name: '张伟', dailyCapacity: 8 });
    expect(result).toEqual({
      ok: true,
      value: {
        id: 'rep-a',
        name: '张伟',
        regions: [],
        industries: [],
        dailyCapacity: 8,
        active: true,
        leave: [],
        recentWins: [],
        skills: [],
      },
    });
  });

  it('reports bad fields with paths', () => {
    const result = safeParseModel(repSchema, {
      id: 'rep a',
      name: 'A',
      dailyCapacity: 2.5,
      leave: [
        { from: '2026-05-05', to: '2026-05-01' },
        { from: '2026-02-30', to: '2026-03-01' },
      ],
      recentWins: [{ date: '2026-01-01', industry: 'auto', region: 'Jiangsu', amount: -5 }],
      channels: ['Website'],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      {
        path: 'id',
        message: 'must start with a letter or digit and contain only letters, digits and _ . : @ -',
      },
      { path: 'dailyCapacity', message: 'must be an integer, received 2.5' },
      { path: 'leave[0].to', message: '`to` must not be before `from`' },
      { path: 'leave[1].from', message: 'must be an ISO date YYYY-MM-DD' },
      { path: 'recentWins[0].amount', message: 'must be ≥ 0' },
      { path: 'channels[0]', message: 'must be a snake_case channel name like "website_form" (a-z, 0-9, _)' },
    ]);
  });
});

describe('isOnLeave', () => {
  const r = {
    leave: [
      { from: '2026-05-01', to: '2026-05-05' },
      { from: '2026-06-10', to: '2026-06-10' },
    ],
  };

  it('treats ranges as inclusive whole days', () => {
    expect(isOnLeave(r, '2026-04-30')).toBe(false);
    expect(isOnLeave(r, '2026-05-01')).toBe(true);
    expect(isOnLeave(r, '2026-05-05')).toBe(true);
    expect(isOnLeave(r, '2026-05-06')).toBe(false);
    expect(isOnLeave(r, '2026-06-10')).toBe(true);
    expect(isOnLeave({ leave: [] }, '2026-06-10')).toBe(false);
  });

  it('throws a ModelError for a malformed day', () => {
    expect(() => isOnLeave(r, '2026-5-1')).toThrow(ModelError);
    expect(() => isOnLeave(r, '2026-05-01T00:00:00Z')).toThrow(/YYYY-MM-DD/);
  });
});

describe('parseTeam', () => {
  it('returns a valid team with defaults', () => {
    const team = parseTeam({
      reps: [rep('rep-a', { manager: 'sup-1' }), rep('rep-b', { manager: 'rep-a' }), rep('rep-d')],
      supervisors: [{ id: 'sup-1', name: '王芳', contact: { wecomId: 'WangFang', email: '' } }],
      staff: [{ id: 'eng-1', name: '赵工' }],
      pools: [{ id: 'shanghai', repIds: ['rep-a', 'rep-b'] }],
      departments: {
        technical: { id: 'dept-tech', name: '技术部', headId: 'eng-1', memberIds: ['rep-d'] },
        afterSales: { id: 'dept-as', name: '售后部', headId: 'sup-1' },
      },
    });
    expect(team.reps.map((r) => r.active)).toEqual([true, true, true]);
    expect(team.supervisors[0]).toEqual({
      id: 'sup-1',
      name: '王芳',
      regions: [],
      contact: { wecomId: 'WangFang' },
    });
    expect(team.departments.afterSales?.memberIds).toEqual([]);
  });

  it('defaults the optional lists', () => {
    expect(parseTeam({ reps: [] })).toEqual({
      reps: [],
      supervisors: [],
      staff: [],
      pools: [],
      departments: {},
    });
  });

  it('throws a TeamError with code TEAM_INVALID and every issue in the message', () => {
    try {
      parseTeam({ reps: [rep('a', { manager: 'ghost' })] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TeamError);
      expect(error).toBeInstanceOf(LeadflowError);
      const e = error as TeamError;
      expect(e.code).toBe('TEAM_INVALID');
      expect(e.name).toBe('TeamError');
      expect(e.message).toBe(
        'invalid team (1 issue):\n- reps[0].manager: unknown manager "ghost" (not a rep or supervisor of this team)',
      );
    }
  });

  it('reports shape errors with paths', () => {
    expect(teamIssues(null)).toEqual([{ path: '', message: 'expected object, received null' }]);
    expect(
      teamIssues({ reps: [rep('a'), { id: 'b', name: 'B' }], supervisors: [{ id: 's' }], extra: 1 }),
    ).toEqual([
      { path: 'reps[1].dailyCapacity', message: 'required (expected number)' },
      { path: 'supervisors[0].name', message: 'required (expected string)' },
      { path: 'extra', message: 'unknown field "extra"; put extra data in `custom`' },
    ]);
  });

  it('reports every cross-reference problem with its path', () => {
    const issues = teamIssues({
      reps: [
        rep('a', { manager: 'a' }),
        rep('b', { manager: 'ghost' }),
        rep('c', { manager: 'sup' }),
        rep('d', { manager: 'e' }),
        rep('e', { manager: 'd' }),
      ],
      supervisors: [
        { id: 'sup', name: 'S' },
        { id: 'c', name: 'dup of rep c' },
      ],
      staff: [{ id: 'sup', name: 'dup of supervisor' }],
      pools: [
        { id: 'p', repIds: ['a', 'nobody', 'a'] },
        { id: 'p', repIds: ['sup'] },
      ],
      departments: {
        technical: { id: 'dept', name: 'T', headId: 'nobody', memberIds: ['a', 'ghost'] },
        production: { id: 'dept', name: 'P', headId: 'sup' },
      },
    });
    expect(issues).toEqual([
      { path: 'supervisors[1].id', message: 'duplicate id "c" (already used by reps[2])' },
      { path: 'staff[0].id', message: 'duplicate id "sup" (already used by supervisors[0])' },
      { path: 'reps[0].manager', message: 'a rep cannot be their own manager' },
      { path: 'reps[1].manager', message: 'unknown manager "ghost" (not a rep or supervisor of this team)' },
      { path: 'reps[3].manager', message: 'manager chain forms a cycle: d → e → d' },
      { path: 'pools[0].repIds[1]', message: 'unknown rep "nobody"' },
      { path: 'pools[0].repIds[2]', message: 'rep "a" is listed twice' },
      { path: 'pools[1].id', message: 'duplicate pool id "p" (already used by pools[0])' },
      { path: 'pools[1].repIds[0]', message: 'unknown rep "sup"' },
      {
        path: 'departments.technical.headId',
        message: 'unknown person "nobody" (not a rep, supervisor or staff member)',
      },
      {
        path: 'departments.technical.memberIds[1]',
        message: 'unknown person "ghost" (not a rep, supervisor or staff member)',
      },
      {
        path: 'departments.production.id',
        message: 'duplicate department id "dept" (already used by departments.technical)',
      },
    ]);
  });

  it('detects a long manager cycle once', () => {
    const n = 2_000;
    const reps = Array.from({ length: n }, (_, i) => rep(`r${i}`, { manager: `r${(i + 1) % n}` }));
    const issues = teamIssues({ reps });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('reps[0].manager');
    expect(issues[0]?.message).toMatch(/^manager chain forms a cycle: r0 → r1 → .* → r1999 → r0$/);
  });

  it('refuses forbidden and malformed department keys', () => {
    const dept = { id: 'd', name: 'D', headId: 'a' };
    expect(
      teamIssues(JSON.parse(JSON.stringify({ reps: [rep('a')], departments: { 'bad key': dept } }))),
    ).toEqual([
      {
        path: 'departments["bad key"]',
        message: 'invalid key: must be a department key like "technical" or "afterSales"',
      },
    ]);
    expect(
      teamIssues(JSON.parse(`{"reps": [], "departments": {"__proto__": ${JSON.stringify(dept)}}}`)),
    ).toEqual([
      {
        path: 'departments.__proto__',
        message: 'forbidden key "__proto__" (refused to prevent prototype pollution)',
      },
    ]);
  });
});

describe('contacts (where notifications find people)', () => {
  it('normalises mainland mobile numbers and keeps the other addresses', () => {
    const team = parseTeam({
      reps: [
        rep('a', {
          contact: {
            mobile: '+86 138-0013-8000',
            email: 'a@example.cn',
            wecomId: 'ZhangWei',
            dingtalkUserId: 'manager4220',
            feishuOpenId: 'ou_7d8a6e6df7621556ce0d21922b676706ccs',
          },
        }),
      ],
      supervisors: [{ id: 's', name: 'S', contact: { mobile: '008613900139000', phone: '' } }],
      staff: [{ id: 'e', name: 'E', contact: { email: 'e@example.cn' } }],
    });
    expect(team.reps[0]!.contact).toEqual({
      mobile: '13800138000',
      email: 'a@example.cn',
      wecomId: 'ZhangWei',
      dingtalkUserId: 'manager4220',
      feishuOpenId: 'ou_7d8a6e6df7621556ce0d21922b676706ccs',
    });
    expect(team.supervisors[0]!.contact).toEqual({ mobile: '13900139000' });
  });

  it('refuses a landline as mobile, a bad e-mail and a malformed Feishu id, naming each field', () => {
    expect(
      teamIssues({
        reps: [rep('a', { contact: { mobile: '021-68888888', email: 'not-an-email' } })],
        supervisors: [{ id: 's', name: 'S', contact: { feishuOpenId: 'zhangsan' } }],
        staff: [{ id: 'e', name: 'E', contact: { mobile: '12800000000' } }],
      }),
    ).toEqual([
      {
        path: 'reps[0].contact.mobile',
        message: 'must be a mainland China mobile number: 11 digits starting 13–19, optionally +86',
      },
      { path: 'reps[0].contact.email', message: 'must be an e-mail address' },
      {
        path: 'supervisors[0].contact.feishuOpenId',
        message: 'must be a Feishu open id: ou_ followed by letters and digits',
      },
      {
        path: 'staff[0].contact.mobile',
        message: 'must be a mainland China mobile number: 11 digits starting 13–19, optionally +86',
      },
    ]);
  });
});
