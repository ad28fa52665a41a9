import * as z from 'zod';
import { LeadflowError } from '../errors.js';
import { formatIssuePath, type ModelIssue, safeParseModel } from './issues.js';
import { MODEL_LIMITS } from './limits.js';
import {
  boundedArray,
  contactPointSchema,
  idSchema,
  optionalText,
  recordKeySchema,
  requiredText,
  safeRecord,
} from './primitives.js';
import { repSchema } from './rep.js';

const labelSchema = /* @__PURE__ */ (() => requiredText(MODEL_LIMITS.labelLength))();

/**
 * A supervisor: owns the supervisor queue (leads nobody could take) and receives escalations.
 * `regions` (default `[]`) lets presets pick the supervisor of a lead's region.
 *
 * @example
 * ```ts
 * import { supervisorSchema } from 'leadflow';
 * supervisorSchema.parse({ id: 'sup-east', name: '王芳', regions: ['Shanghai'], contact: { wecomId: 'WangFang' } });
 * ```
 * @category Model
 */
export const supervisorSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    id: idSchema,
    name: requiredText(MODEL_LIMITS.nameLength),
    regions: boundedArray(labelSchema, MODEL_LIMITS.labelListLength).default([]),
    contact: contactPointSchema.optional(),
  }))();

/**
 * A supervisor after parsing.
 *
 * @example
 * ```ts
 * import type { Supervisor } from 'leadflow';
 * const s: Supervisor = { id: 'sup-east', name: '王芳', regions: [] };
 * ```
 * @category Model
 */
export type Supervisor = z.output<typeof supervisorSchema>;

/**
 * A non-sales staff member (engineer, production planner, after-sales technician) who can head or
 * belong to a department.
 *
 * @example
 * ```ts
 * import { staffMemberSchema } from 'leadflow';
 * staffMemberSchema.parse({ id: 'eng-1', name: '赵工', title: '技术总监' });
 * ```
 * @category Model
 */
export const staffMemberSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    id: idSchema,
    name: requiredText(MODEL_LIMITS.nameLength),
    title: optionalText(MODEL_LIMITS.labelLength),
    contact: contactPointSchema.optional(),
  }))();

/**
 * A staff member after parsing.
 *
 * @example
 * ```ts
 * import type { StaffMember } from 'leadflow';
 * const m: StaffMember = { id: 'eng-1', name: '赵工' };
 * ```
 * @category Model
 */
export type StaffMember = z.output<typeof staffMemberSchema>;

/**
 * A named set of reps for round-robin or broadcast assignment (e.g. `shanghai` = A/B/C).
 * `repIds` must name reps of the same team, without repeats.
 *
 * @example
 * ```ts
 * import { poolSchema } from 'leadflow';
 * poolSchema.parse({ id: 'shanghai', repIds: ['rep-a', 'rep-b', 'rep-c'] });
 * ```
 * @category Model
 */
export const poolSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    id: idSchema,
    name: optionalText(MODEL_LIMITS.nameLength),
    repIds: boundedArray(idSchema, MODEL_LIMITS.groupMembers),
  }))();

/**
 * A pool after parsing.
 *
 * @example
 * ```ts
 * import type { Pool } from 'leadflow';
 * const p: Pool = { id: 'shanghai', repIds: ['rep-a', 'rep-b', 'rep-c'] };
 * ```
 * @category Model
 */
export type Pool = z.output<typeof poolSchema>;

/**
 * A department cross-department tasks go to. `headId` (escalation target) and `memberIds` must
 * name people of the team (reps, supervisors or staff).
 *
 * @example
 * ```ts
 * import { departmentSchema } from 'leadflow';
 * departmentSchema.parse({ id: 'dept-tech', name: '技术部', headId: 'eng-1', memberIds: ['eng-2'] });
 * ```
 * @category Model
 */
export const departmentSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    id: idSchema,
    name: requiredText(MODEL_LIMITS.nameLength),
    headId: idSchema,
    memberIds: boundedArray(idSchema, MODEL_LIMITS.groupMembers).default([]),
  }))();

/**
 * A department after parsing.
 *
 * @example
 * ```ts
 * import type { Department } from 'leadflow';
 * const d: Department = { id: 'dept-tech', name: '技术部', headId: 'eng-1', memberIds: [] };
 * ```
 * @category Model
 */
export type Department = z.output<typeof departmentSchema>;

/**
 * Department keys the presets use; any other key matching {@link DEPARTMENT_KEY_PATTERN} is
 * accepted.
 *
 * @example
 * ```ts
 * import { KNOWN_DEPARTMENTS } from 'leadflow';
 * KNOWN_DEPARTMENTS; // ['technical', 'production', 'afterSales']
 * ```
 * @category Model
 */
export const KNOWN_DEPARTMENTS = ['technical', 'production', 'afterSales'] as const;

/**
 * Pattern of a department key: a letter, then letters, digits or `_`, at most 40 characters.
 *
 * @example
 * ```ts
 * import { DEPARTMENT_KEY_PATTERN } from 'leadflow';
 * DEPARTMENT_KEY_PATTERN.test('afterSales'); // true
 * ```
 * @category Model
 */
export const DEPARTMENT_KEY_PATTERN: RegExp = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

const departmentKeySchema = /* @__PURE__ */ (() =>
  recordKeySchema.pipe(
    z.string().regex(DEPARTMENT_KEY_PATTERN, 'must be a department key like "technical" or "afterSales"'),
  ))();

type PersonRef = { readonly id: string; readonly path: (string | number)[] };

function checkReferences(team: TeamShape, ctx: z.core.$RefinementCtx<TeamShape>): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });

  // 1. People ids are unique across reps, supervisors and staff.
  const people = new Map<string, PersonRef>();
  const register = (list: readonly { id: string }[], key: string) => {
    list.forEach((person, index) => {
      const path = [key, index, 'id'];
      const previous = people.get(person.id);
      if (previous !== undefined) {
        issue(
          path,
          `duplicate id "${person.id}" (already used by ${formatIssuePath(previous.path.slice(0, -1))})`,
        );
      } else {
        people.set(person.id, { id: person.id, path });
      }
    });
  };
  register(team.reps, 'reps');
  register(team.supervisors, 'supervisors');
  register(team.staff, 'staff');
  const repIds = new Set(team.reps.map((rep) => rep.id));
  const supervisorIds = new Set(team.supervisors.map((s) => s.id));

  // 2. Managers exist, are not the rep itself, and rep → rep manager chains have no cycle.
  const managerOf = new Map<string, string>();
  team.reps.forEach((rep, index) => {
    if (rep.manager === undefined) return;
    if (rep.manager === rep.id) issue(['reps', index, 'manager'], 'a rep cannot be their own manager');
    else if (!repIds.has(rep.manager) && !supervisorIds.has(rep.manager)) {
      issue(
        ['reps', index, 'manager'],
        `unknown manager "${rep.manager}" (not a rep or supervisor of this team)`,
      );
    } else if (repIds.has(rep.manager) && !managerOf.has(rep.id)) managerOf.set(rep.id, rep.manager);
  });
  // Walk each chain once: 1 = on the current walk, 2 = finished.
  const state = new Map<string, 1 | 2>();
  const firstIndex = new Map<string, number>();
  team.reps.forEach((rep, index) => {
    if (!firstIndex.has(rep.id)) firstIndex.set(rep.id, index);
  });
  for (const rep of team.reps) {
    const walk: string[] = [];
    let current: string | undefined = rep.id;
    while (current !== undefined && !state.has(current)) {
      state.set(current, 1);
      walk.push(current);
      current = managerOf.get(current);
    }
    if (current !== undefined && state.get(current) === 1) {
      const cycle = walk.slice(walk.indexOf(current));
      issue(
        ['reps', firstIndex.get(current)!, 'manager'],
        `manager chain forms a cycle: ${[...cycle, current].join(' → ')}`,
      );
    }
    for (const id of walk) state.set(id, 2);
  }

  // 3. Pools: unique ids, members are reps, no repeats.
  const poolIds = new Map<string, number>();
  team.pools.forEach((pool, index) => {
    const first = poolIds.get(pool.id);
    if (first !== undefined)
      issue(['pools', index, 'id'], `duplicate pool id "${pool.id}" (already used by pools[${first}])`);
    else poolIds.set(pool.id, index);
    const seen = new Set<string>();
    pool.repIds.forEach((repId, j) => {
      if (!repIds.has(repId)) issue(['pools', index, 'repIds', j], `unknown rep "${repId}"`);
      else if (seen.has(repId)) issue(['pools', index, 'repIds', j], `rep "${repId}" is listed twice`);
      seen.add(repId);
    });
  });

  // 4. Departments: unique ids, head and members are people of the team.
  const departmentIds = new Map<string, string>();
  for (const [key, department] of Object.entries(team.departments)) {
    const first = departmentIds.get(department.id);
    if (first !== undefined) {
      issue(
        ['departments', key, 'id'],
        `duplicate department id "${department.id}" (already used by departments.${first})`,
      );
    } else departmentIds.set(department.id, key);
    if (!people.has(department.headId)) {
      issue(
        ['departments', key, 'headId'],
        `unknown person "${department.headId}" (not a rep, supervisor or staff member)`,
      );
    }
    const seen = new Set<string>();
    department.memberIds.forEach((memberId, j) => {
      if (!people.has(memberId)) {
        issue(
          ['departments', key, 'memberIds', j],
          `unknown person "${memberId}" (not a rep, supervisor or staff member)`,
        );
      } else if (seen.has(memberId))
        issue(['departments', key, 'memberIds', j], `"${memberId}" is listed twice`);
      seen.add(memberId);
    });
  }
}

const teamShapeSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    reps: boundedArray(repSchema, MODEL_LIMITS.teamReps),
    supervisors: boundedArray(supervisorSchema, MODEL_LIMITS.teamGroups).default([]),
    staff: boundedArray(staffMemberSchema, MODEL_LIMITS.teamGroups).default([]),
    pools: boundedArray(poolSchema, MODEL_LIMITS.teamGroups).default([]),
    departments: safeRecord(departmentSchema, MODEL_LIMITS.teamGroups, departmentKeySchema).default({}),
  }))();

type TeamShape = z.output<typeof teamShapeSchema>;

/**
 * The sales organisation: reps, supervisors, non-sales staff, assignment pools and departments
 * (keyed by name, e.g. `technical`, `production`, `afterSales` or any host key). Cross-references
 * are checked once the shape is valid, each issue naming its path: ids unique across reps,
 * supervisors and staff (`supervisors[0].id`); `reps[i].manager` names a supervisor or another
 * rep and rep-manager chains have no cycle; `pools[i].repIds[j]` names a rep;
 * `departments.technical.headId` / `.memberIds[j]` name people of the team.
 *
 * @example
 * ```ts
 * import { teamSchema } from 'leadflow';
 * const team = teamSchema.parse({
 *   reps: [{ id: 'rep-a', name: 'A', dailyCapacity: 8, manager: 'sup-1' }],
 *   supervisors: [{ id: 'sup-1', name: 'S' }],
 * });
 * ```
 * @category Model
 */
export const teamSchema = /* @__PURE__ */ (() => teamShapeSchema.superRefine(checkReferences))();

/**
 * What a host sends for a team (before defaults).
 *
 * @example
 * ```ts
 * import type { TeamInput } from 'leadflow';
 * const input: TeamInput = { reps: [{ id: 'rep-a', name: 'A', dailyCapacity: 8 }] };
 * ```
 * @category Model
 */
export type TeamInput = z.input<typeof teamSchema>;

/**
 * A validated team.
 *
 * @example
 * ```ts
 * import { parseTeam, type Team } from 'leadflow';
 * const team: Team = parseTeam(config.team);
 * ```
 * @category Model
 */
export type Team = z.output<typeof teamSchema>;

/**
 * A team definition is invalid. `issues` lists every problem with its path (`reps[3].manager`);
 * the message lists them too. Code `TEAM_INVALID`.
 *
 * @example
 * ```ts
 * import { parseTeam, TeamError } from 'leadflow';
 * try { parseTeam(raw); } catch (e) { if (e instanceof TeamError) for (const i of e.issues) console.log(i.path, i.message); }
 * ```
 * @category Model
 */
export class TeamError extends LeadflowError {
  declare readonly code: 'TEAM_INVALID';
  /** Every issue found, each with its dotted path. */
  readonly issues: readonly ModelIssue[];

  constructor(issues: readonly ModelIssue[], options?: { cause?: unknown }) {
    const lines = issues.map((i) => `- ${i.path === '' ? '(team)' : i.path}: ${i.message}`);
    super(
      'TEAM_INVALID',
      `invalid team (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
      options,
    );
    this.issues = issues;
  }
}

/**
 * Validates a team with {@link teamSchema} and returns it, or throws a {@link TeamError} listing
 * every issue with its path.
 *
 * @throws {TeamError} when the shape or a cross-reference is invalid.
 * @example
 * ```ts
 * import { parseTeam } from 'leadflow';
 * parseTeam({ reps: [{ id: 'a', name: 'A', dailyCapacity: 8, manager: 'ghost' }] });
 * // TeamError: invalid team (1 issue):
 * // - reps[0].manager: unknown manager "ghost" (not a rep or supervisor of this team)
 * ```
 * @category Model
 */
export function parseTeam(raw: unknown): Team {
  const result = safeParseModel(teamSchema, raw);
  if (result.ok) return result.value;
  throw new TeamError(result.issues);
}
