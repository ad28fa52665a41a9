import { describe, expect, it } from 'vitest';
import { createRecipientDirectory } from '../../src/engine/directory.js';
import { parseTeam } from '../../src/model/team.js';

const team = parseTeam({
  reps: [
    { id: 'rep-a', name: '张伟', dailyCapacity: 8, contact: { wecomId: 'ZhangWei', mobile: '13800138000' } },
    { id: 'rep-b', name: '李娜', dailyCapacity: 8, contact: { phone: '+86 139 0013 9000' } },
    { id: 'rep-c', name: '王强', dailyCapacity: 8, contact: { phone: '0571-88888888' } },
  ],
  supervisors: [{ id: 'sup-1', name: '陈主管', contact: { email: 'chen@example.cn' } }],
  staff: [{ id: 'eng-1', name: '赵工', contact: { dingtalkUserId: 'zhao' } }],
});
const directory = createRecipientDirectory(team);

describe('createRecipientDirectory', () => {
  it('finds reps, supervisors and staff by id, the first field they have in the order asked', () => {
    expect(directory.address('rep-a', ['wecomId'])).toEqual({ address: 'ZhangWei' });
    expect(directory.address('rep-a', ['email', 'mobile'])).toEqual({ address: '13800138000' });
    expect(directory.address('sup-1', ['email'])).toEqual({ address: 'chen@example.cn' });
    expect(directory.address('eng-1', ['dingtalkUserId'])).toEqual({ address: 'zhao' });
    expect(directory.nameOf('sup-1')).toBe('陈主管');
  });

  it('takes a phone that is a mainland mobile number for mobile, never a landline', () => {
    expect(directory.address('rep-b', ['mobile'])).toEqual({ address: '13900139000' });
    expect(directory.address('rep-c', ['mobile'])).toEqual({
      reason: "rep-c (王强) has no mobile in the team's contacts",
    });
  });

  it('says why when there is no address: a missing field, or not a person of the team', () => {
    expect(directory.address('rep-a', ['email'])).toEqual({
      reason: "rep-a (张伟) has no email in the team's contacts",
    });
    expect(directory.address('rep-a', ['email', 'feishuOpenId'])).toEqual({
      reason: "rep-a (张伟) has no email or feishuOpenId in the team's contacts",
    });
    expect(directory.address('unrouted', ['wecomId'])).toEqual({
      reason: '"unrouted" is not a person of the team (no rep, supervisor or staff member has this id)',
    });
  });

  it('passes addresses through when the recipient already is one of the kind asked', () => {
    expect(directory.address('+8613700137000', ['mobile'])).toEqual({ address: '13700137000' });
    expect(directory.address('ops@example.cn', ['email'])).toEqual({ address: 'ops@example.cn' });
    expect(directory.address('ops@example.cn', ['wecomId'])).toMatchObject({ reason: expect.any(String) });
  });
});
