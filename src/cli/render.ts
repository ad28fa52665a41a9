import { OPPORTUNITY_STAGES } from '../rules/stages.js';
import type { SimulationReport, SimulationTimeline } from '../simulate/report.js';

/**
 * Terminal columns a string occupies: East Asian wide and full-width characters (CJK, Hangul,
 * full-width forms) take two, everything else one.
 *
 * @example
 * ```ts
 * import { displayWidth } from './render.js'; // src/cli/render.ts
 * displayWidth('苏州 ok'); // 7
 * ```
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const wide =
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) ||
      (code >= 0x20000 && code <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

const FUNNEL_LABELS: Record<SimulationReport['funnel'][number]['stage'], string> = {
  received: 'received',
  valid: 'valid',
  assigned: 'assigned',
  followedUp: 'followed up',
  converted: 'converted',
};
const padEnd = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - displayWidth(text)));
const padStart = (text: string, width: number) => ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
const int = (value: number) => value.toLocaleString('en-US');
const pct = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);
/** A duration in hours under two days, in days above. */
const span = (ms: number | null) =>
  ms === null
    ? '—'
    : ms < 48 * 3_600_000
      ? `${(ms / 3_600_000).toFixed(1)} h`
      : `${(ms / 86_400_000).toFixed(1)} d`;
const STAGE_LABELS: Readonly<Record<string, string>> = Object.fromEntries(
  OPPORTUNITY_STAGES.map((stage) => [stage.id, stage.label]),
);
/** Below this many days a run is shorter than the default sales cycle (≈ 10 weeks plus delays). */
const SALES_CYCLE_DAYS = 90;

/** Lay out rows as aligned columns (`right` marks right-aligned column indexes). */
function table(rows: readonly (readonly string[])[], right: ReadonlySet<number>, indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
    });
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (right.has(i) ? padStart(cell, widths[i]!) : padEnd(cell, widths[i]!)))
        .join('  ')
        .trimEnd(),
  );
}

/**
 * The human-readable report of `leadflow simulate`: targets vs achieved with ✔/✘, the lead
 * funnel, the opportunities (funnel, win rate, stages), department task response times, counts,
 * the top escalations and the stalled TOP5 (opportunities longest in their stage).
 *
 * @example
 * ```ts
 * import { renderReport } from './render.js'; // src/cli/render.ts
 * process.stdout.write(renderReport(report, timeline));
 * ```
 */
export function renderReport(report: SimulationReport, timeline: SimulationTimeline): string {
  const out: string[] = [];
  const c = report.counts;
  const source =
    report.input.source === 'generated'
      ? `${int(report.input.leadsPerMonth ?? 0)} leads/month generated (${report.input.market} market), seed ${report.seed}`
      : 'leads from file';
  out.push(
    `leadflow simulate — ${report.ruleSet.name ?? report.ruleSet.id} (${report.ruleSet.id} ${report.ruleSet.version})`,
  );
  out.push(
    `${report.period.days} day${report.period.days === 1 ? '' : 's'} from ${timeline.days[0] ?? report.period.start} (${report.period.zone}); ${source}`,
  );
  out.push('');
  out.push('Targets ("action certainty")');
  out.push(
    ...table(
      [
        ['', 'target', 'achieved', 'met / decided', 'pending'],
        ...report.targets.map((t) => [
          `${t.passed ? '✔' : '✘'} ${t.label}`,
          `≥ ${pct(t.target)}`,
          pct(t.achieved),
          `${int(t.met)} / ${int(t.met + t.missed)}`,
          int(t.pending),
        ]),
      ],
      new Set([1, 2, 3, 4]),
    ),
  );
  out.push('');
  out.push('Funnel');
  out.push(
    ...table(
      report.funnel.map((stage) => [
        FUNNEL_LABELS[stage.stage],
        int(stage.count),
        pct(stage.ofReceived),
        stage.ofPrevious === null ? '' : `(${pct(stage.ofPrevious)} of previous)`,
      ]),
      new Set([1, 2]),
    ),
  );
  out.push('');
  const o = report.opportunities;
  if (o === null) out.push('Opportunities: not simulated (behaviour.opportunities is null)');
  else {
    out.push('Opportunities (entered by the owners of converted leads)');
    const closed = o.won + o.lost;
    out.push(
      `  created ${int(o.created)} (${pct(o.leadToOpportunity)} of valid leads) · won ${int(o.won)} · lost ${int(o.lost)} · open ${int(o.open)} · win rate ${pct(o.winRate)} of ${int(closed)} closed`,
    );
    out.push(
      `  customers ${int(o.customersCreated)} new, ${int(o.customersReused)} already known · rollbacks ${int(o.rollbacks)} · delivery delays flagged ${int(o.deliveryDelays)}` +
        (o.pendingAtEnd > 0 ? ` · ${int(o.pendingAtEnd)} conversions not entered yet` : ''),
    );
    if (report.period.days < SALES_CYCLE_DAYS)
      out.push(
        `  (a ${report.period.days}-day run is shorter than the sales cycle: most opportunities are still open, and the win rate counts early losses)`,
      );
    out.push(
      ...table(
        [
          ['stage', 'entered', 'open now', 'median dwell', 'rolled back'],
          ...o.stages.map((row) => [
            `${STAGE_LABELS[row.stage] ?? ''} ${row.stage}`.trim(),
            int(row.entered),
            int(o.openByStage[row.stage]),
            span(row.dwellP50Ms),
            int(row.rollbacks),
          ]),
        ],
        new Set([1, 2, 3, 4]),
      ),
    );
  }
  out.push('');
  out.push('Department tasks');
  if (report.departments.length === 0) out.push('  none');
  else
    out.push(
      ...table(
        [
          ['', 'created', 'answered', 'overdue', 'on time', 'acknowledged (median)', 'answered (median)'],
          ...report.departments.map((d) => [
            d.name === null ? d.department : `${d.name} ${d.department}`,
            int(d.created),
            int(d.done),
            int(d.overdue),
            pct(d.onTimeShare),
            span(d.acknowledgeP50Ms),
            span(d.completeP50Ms),
          ]),
        ],
        new Set([1, 2, 3, 4, 5, 6]),
      ),
    );
  out.push('');
  out.push('Counts');
  out.push(
    `  arrivals ${int(c.arrivals)} = received ${int(c.received)} + quarantined ${int(c.quarantined)} + duplicates merged ${int(c.duplicatesMerged)}` +
      (c.afterEnd > 0 ? `  (${int(c.afterEnd)} after the end, not ingested)` : ''),
  );
  out.push(
    `  team: ${report.team.reps} reps, ${int(report.team.dailyCapacity)} leads/day of capacity × ${report.period.workingDays} working days = ${int(report.team.dailyCapacity * report.period.workingDays)} for ${int(c.valid)} valid leads`,
  );
  out.push(
    `  assigned ${int(c.assigned)} · offered ${int(c.offered)} (claimed ${int(c.claimed)}) · queued ${int(c.queued)} (${int(c.queuedAtEnd)} still queued) · nurturing ${int(c.nurturing)} · converted ${int(c.converted)} · disqualified ${int(c.disqualified)}`,
  );
  const breaches = Object.entries(c.breachesByPolicy).map(([policy, count]) => `${policy} ${int(count)}`);
  if (breaches.length > 0) out.push(`  SLA breaches: ${breaches.join(' · ')}`);
  const notifications = Object.entries(report.notifications).map(
    ([channel, count]) => `${channel} ${int(count)}`,
  );
  if (notifications.length > 0) out.push(`  notifications: ${notifications.join(' · ')}`);
  const quarantined = Object.entries(c.quarantinedByPath).map(([path, count]) => `${path} ${int(count)}`);
  if (quarantined.length > 0) out.push(`  quarantined by field: ${quarantined.join(' · ')}`);
  const refused = Object.entries(report.actions.refused)
    .filter(([, count]) => count > 0)
    .map(([action, count]) => `${action} ${int(count)}`);
  if (refused.length > 0) out.push(`  refused by the engine (counted, expected): ${refused.join(' · ')}`);
  out.push('');
  out.push('Top escalations');
  if (report.escalations.byPolicy.length === 0) out.push('  none');
  else {
    out.push(
      ...table(
        report.escalations.byPolicy.map((row) => [row.policyId, int(row.count)]),
        new Set([1]),
      ),
    );
    const leads = report.escalations.topLeads.map(
      (lead) =>
        `${lead.leadId} ×${lead.count} (${Object.entries(lead.policies)
          .map(([policy, n]) => (n > 1 ? `${policy} ×${n}` : policy))
          .join(', ')})`,
    );
    if (leads.length > 0) out.push(`  most escalated: ${leads.join('; ')}`);
  }
  out.push('');
  out.push('Stalled TOP5 (open opportunities longest in their stage, beyond 5 days)');
  if (report.stalled.length === 0) out.push('  none');
  else
    out.push(
      ...table(
        report.stalled.map((opp) => [
          opp.opportunityId,
          opp.company ?? '',
          opp.stage,
          opp.ownerId ?? '(no owner)',
          `in stage ${span(opp.dwellMs)}`,
        ]),
        new Set([4]),
      ),
    );
  out.push('');
  const missed = report.targets.filter((t) => !t.passed).length;
  out.push(
    missed === 0
      ? `All ${report.targets.length} targets met.`
      : `${missed} of ${report.targets.length} targets missed.`,
  );
  return `${out.join('\n')}\n`;
}
