/**
 * The recipient directory: how a message's `to` — ids of people of the team (reps, supervisors,
 * staff; department heads are people too) — becomes addresses on a channel, from the `contact`
 * each person carries in the team model.
 *
 * @module
 */
import type { Team } from '../model/team.js';

/**
 * A contact field of a person (see `contactPointSchema`): where a channel finds its address.
 * `mobile` also accepts a `phone` that is a mainland mobile number.
 *
 * @example
 * ```ts
 * import type { ContactField } from 'leadflow';
 * const sms: ContactField = 'mobile';
 * ```
 * @category Engine
 */
export type ContactField = 'wecomId' | 'mobile' | 'email' | 'dingtalkUserId' | 'feishuOpenId' | 'phone';

/**
 * Every {@link ContactField}.
 *
 * @example
 * ```ts
 * import { CONTACT_FIELDS } from 'leadflow';
 * CONTACT_FIELDS.includes('mobile'); // true
 * ```
 * @category Engine
 */
export const CONTACT_FIELDS: readonly ContactField[] = /* @__PURE__ */ (() =>
  Object.freeze(['wecomId', 'mobile', 'email', 'dingtalkUserId', 'feishuOpenId', 'phone']))();

/**
 * What {@link RecipientDirectory.address} answers: the address, or why there is none.
 *
 * @example
 * ```ts
 * import type { AddressLookup } from 'leadflow';
 * const show = (r: AddressLookup) => ('address' in r ? r.address : `unreachable: ${r.reason}`);
 * ```
 * @category Engine
 */
export type AddressLookup = { readonly address: string } | { readonly reason: string };

/**
 * See {@link createRecipientDirectory}.
 *
 * @example
 * ```ts
 * import { createRecipientDirectory, zhikongPreset } from 'leadflow';
 * const directory = createRecipientDirectory(zhikongPreset.team);
 * directory.address('rep-a', ['wecomId']); // { address: 'ZhangWei' } or { reason: 'rep-a (张伟) has no wecomId …' }
 * ```
 * @category Engine
 */
export interface RecipientDirectory {
  /** The name of a person of the team, or `undefined`. */
  nameOf(id: string): string | undefined;
  /**
   * The address of `recipient` from the first of `fields` its contact has. A recipient that is
   * not a person of the team is taken as an address already when it is one of the kind (a
   * mobile number for `mobile`/`phone`, an e-mail for `email`) — hosts may route to addresses
   * directly; otherwise there is none, with the reason.
   */
  address(recipient: string, fields: readonly ContactField[]): AddressLookup;
}

const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;
const MOBILE = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/;

function mobileOf(raw: string): string | undefined {
  return MOBILE.exec(raw.trim().replace(/[\s-]/g, ''))?.[1];
}

/**
 * Build the {@link RecipientDirectory} of a team (its reps, supervisors and staff).
 *
 * @example
 * ```ts
 * import { createRecipientDirectory, parseTeam } from 'leadflow';
 * const team = parseTeam({
 *   reps: [{ id: 'rep-a', name: '张伟', dailyCapacity: 8, contact: { mobile: '13800138000', wecomId: 'ZhangWei' } }],
 * });
 * const directory = createRecipientDirectory(team);
 * directory.address('rep-a', ['mobile']); // { address: '13800138000' }
 * directory.address('rep-a', ['email']); // { reason: 'rep-a (张伟) has no email in the team's contacts' }
 * ```
 * @category Engine
 */
export function createRecipientDirectory(
  team: Pick<Team, 'reps' | 'supervisors' | 'staff'>,
): RecipientDirectory {
  const people = new Map<string, { name: string; contact: Readonly<Record<string, string | undefined>> }>();
  for (const person of [...team.reps, ...team.supervisors, ...team.staff]) {
    people.set(person.id, { name: person.name, contact: (person.contact ?? {}) as Record<string, string> });
  }
  return {
    nameOf: (id) => people.get(id)?.name,
    address(recipient, fields) {
      const person = people.get(recipient);
      if (!person) {
        for (const field of fields) {
          if ((field === 'mobile' || field === 'phone') && mobileOf(recipient)) {
            return { address: mobileOf(recipient)! };
          }
          if (field === 'email' && EMAIL.test(recipient)) return { address: recipient };
        }
        return {
          reason: `"${recipient}" is not a person of the team (no rep, supervisor or staff member has this id)`,
        };
      }
      for (const field of fields) {
        const value = person.contact[field];
        if (field === 'mobile') {
          const mobile = value ?? (person.contact.phone ? mobileOf(person.contact.phone) : undefined);
          if (mobile) return { address: mobile };
          continue;
        }
        if (typeof value === 'string' && value !== '') return { address: value };
      }
      const which = fields.length === 1 ? fields[0] : `${fields.join(' or ')}`;
      return { reason: `${recipient} (${person.name}) has no ${which} in the team's contacts` };
    },
  };
}
