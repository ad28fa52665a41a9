import type { FieldProblemReason, GateFieldKind, OpportunityStageId } from '../rules/stages.js';
import { EngineError } from './errors.js';

/**
 * One required field of a stage gate that is not filled in: the field's name and label (as the
 * gate table has them), its kind, why it does not count ({@link FieldProblemReason}) and a
 * message naming both, e.g. `客户痛点TOP3 (painPointsTop3): needs 3 items, has 1`.
 *
 * @example
 * ```ts
 * import type { GateMissingField } from 'leadflow';
 * const hint = (m: GateMissingField) => (m.reason === 'missing' ? `请填写${m.label}` : m.message);
 * ```
 * @category Engine
 */
export interface GateMissingField {
  readonly field: string;
  readonly label: string;
  readonly kind: GateFieldKind;
  readonly reason: FieldProblemReason;
  readonly message: string;
}

/**
 * What a refused `ADVANCE` or `WIN` reports: the opportunity, the stage whose gate was not met,
 * where the command would have taken it, and every field missing (in gate order).
 *
 * @example
 * ```ts
 * import type { GateNotMetDetails } from 'leadflow';
 * const details: GateNotMetDetails = {
 *   opportunityId: 'opp-1',
 *   command: 'ADVANCE',
 *   stage: 'leadConfirmation',
 *   to: 'needsDiagnosis',
 *   missing: [
 *     { field: 'budgetRange', label: '预算区间', kind: 'text', reason: 'missing', message: '预算区间 (budgetRange): required' },
 *   ],
 * };
 * ```
 * @category Engine
 */
export interface GateNotMetDetails {
  readonly opportunityId: string;
  /** `ADVANCE` (stages 1–5) or `WIN` (from `deliveryKickoff`). */
  readonly command: 'ADVANCE' | 'WIN';
  /** The stage the opportunity is in, whose gate was checked. */
  readonly stage: OpportunityStageId;
  /** The next stage for `ADVANCE`, `won` for `WIN`. */
  readonly to: OpportunityStageId | 'won';
  /** Every required field not filled in, in the order of the stage's gate; never empty when thrown by the engine. */
  readonly missing: readonly GateMissingField[];
}

/**
 * An opportunity `ADVANCE` or `WIN` refused because the current stage's gate is not met. An
 * {@link EngineError} with code `GATE_NOT_MET` (so `error.code === 'GATE_NOT_MET'` checks keep
 * working) that also carries the structured list: a form can mark each field in
 * {@link GateNotMetError.missing} without parsing the message. Nothing was written.
 *
 * The message names the opportunity, the stage and each field:
 * `opportunity "opp-1": stage needsDiagnosis gate not met: painPointsTop3 (客户痛点TOP3 (painPointsTop3): needs 3 items, has 1); …`
 *
 * @example
 * ```ts
 * import { GateNotMetError } from 'leadflow';
 * try {
 *   await engine.opportunity('opp-1', { type: 'ADVANCE', fields: { painPointsTop3: ['换型慢'] } });
 * } catch (error) {
 *   if (error instanceof GateNotMetError) {
 *     for (const m of error.missing) console.log(`${m.label}: ${m.reason}`); // 客户痛点TOP3: tooFewItems, …
 *   }
 * }
 * ```
 * @category Engine
 */
export class GateNotMetError extends EngineError implements GateNotMetDetails {
  declare readonly code: 'GATE_NOT_MET';
  readonly opportunityId: string;
  readonly command: 'ADVANCE' | 'WIN';
  readonly stage: OpportunityStageId;
  readonly to: OpportunityStageId | 'won';
  readonly missing: readonly GateMissingField[];

  constructor(details: GateNotMetDetails, options?: { cause?: unknown }) {
    const list = details.missing.map((m) => `${m.field} (${m.message})`).join('; ');
    super(
      'GATE_NOT_MET',
      `opportunity "${details.opportunityId}": stage ${details.stage} gate not met: ${list}`,
      options,
    );
    this.opportunityId = details.opportunityId;
    this.command = details.command;
    this.stage = details.stage;
    this.to = details.to;
    this.missing = Object.freeze(
      details.missing.map(({ field, label, kind, reason, message }) =>
        Object.freeze({ field, label, kind, reason, message }),
      ),
    );
  }
}
