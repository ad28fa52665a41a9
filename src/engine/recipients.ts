import type { Rep } from '../model/rep.js';
import type { Team } from '../model/team.js';

/**
 * Who a message or escalation for a role goes to. One answer per role wherever it is asked —
 * SLA actions on leads and opportunities, task escalations, cross-sell and risk findings:
 * - `owner`: the owner, else the supervisor;
 * - `manager`: the owner's manager, else the supervisor;
 * - `supervisor`: the entity's supervisor, else the rule set's fallback supervisor, else the
 *   team's first;
 * - `departmentHead`: the head of the entity's department, else the supervisor;
 * - `serviceTeam`: the after-sales head and members, else the supervisor.
 *
 * @example
 * ```ts
 * const to = resolveRecipients(team, repsById, 'manager', { ownerId: 'rep-a', supervisorId: undefined });
 * ```
 * @category Engine
 */
export function resolveRecipients(
  team: Pick<Team, 'supervisors' | 'departments'>,
  repsById: ReadonlyMap<string, Rep>,
  role: string,
  subject: {
    readonly ownerId: string | null | undefined;
    readonly supervisorId: string | undefined;
    readonly department?: string;
  },
): string[] {
  const supervisor = subject.supervisorId ?? team.supervisors[0]?.id;
  const orSupervisor = (id: string | undefined): string[] => (id ? [id] : supervisor ? [supervisor] : []);
  switch (role) {
    case 'owner':
      return orSupervisor(subject.ownerId ?? undefined);
    case 'manager':
      return orSupervisor(subject.ownerId ? repsById.get(subject.ownerId)?.manager : undefined);
    case 'supervisor':
      return orSupervisor(undefined);
    case 'departmentHead':
      return orSupervisor(subject.department ? team.departments[subject.department]?.headId : undefined);
    case 'serviceTeam': {
      const afterSales = team.departments.afterSales;
      if (!afterSales) return orSupervisor(undefined);
      return [afterSales.headId, ...afterSales.memberIds.filter((id) => id !== afterSales.headId)];
    }
    default:
      return [];
  }
}
