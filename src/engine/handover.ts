/**
 * One row of a handover's ownership/permission matrix: what moved from whom to whom, and who
 * may see or edit it afterwards.
 *
 * @example
 * ```ts
 * const row: HandoverRow = { kind: 'lead', id: 'lead-1', name: '苏州精工', state: 'contacted', from: 'rep-a', to: 'rep-b', access: 'rep-b:owner;sup-wang:read' };
 * ```
 * @category Engine
 */
export interface HandoverRow {
  readonly kind: 'lead' | 'customer' | 'opportunity' | 'task';
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly from: string;
  readonly to: string;
  /** `principal:role` pairs separated by `;` — the new owner edits, their manager reads. */
  readonly access: string;
}

/**
 * The result of a handover: every entity moved, as JSON rows and as CSV (UTF-8, RFC 4180).
 *
 * @example
 * ```ts
 * const result = await engine.handover('rep-a', 'rep-b');
 * writeFileSync('handover.csv', result.csv);
 * ```
 * @category Engine
 */
export interface HandoverResult {
  readonly fromRepId: string;
  readonly at: number;
  readonly rows: readonly HandoverRow[];
  readonly counts: Readonly<Record<HandoverRow['kind'], number>>;
  readonly csv: string;
}

const COLUMNS = ['kind', 'id', 'name', 'state', 'from', 'to', 'access'] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Render handover rows as CSV with a header line.
 *
 * @example
 * ```ts
 * handoverCsv([{ kind: 'lead', id: 'l1', name: 'A, Inc', state: 'assigned', from: 'a', to: 'b', access: 'b:owner' }]);
 * // 'kind,id,name,state,from,to,access\r\nlead,l1,"A, Inc",assigned,a,b,b:owner\r\n'
 * ```
 * @category Engine
 */
export function handoverCsv(rows: readonly HandoverRow[]): string {
  const lines = [
    COLUMNS.join(','),
    ...rows.map((row) => COLUMNS.map((column) => csvField(row[column])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
