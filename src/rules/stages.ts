/**
 * The six opportunity stages, their gates (required fields per stage) and the pure field checks
 * both the opportunity machine and the department-task machine use.
 *
 * A gate is data: per stage, a list of {@link GateField}s. The defaults ({@link DEFAULT_STAGE_GATES})
 * follow the seed (three mandatory actions per stage; 需求诊断 = pain points TOP3, decision-chain
 * role map, competitor alternatives); a rule set overrides them stage by stage with a
 * {@link stageGatesSchema} section, resolved by {@link resolveStageGates}.
 *
 * This module has no XState dependency: the rule-set schema can import it freely.
 *
 * @module
 */
import * as z from 'zod';

/**
 * The six gated stages, in order, with their Chinese labels.
 *
 * @example
 * ```ts
 * import { OPPORTUNITY_STAGES } from 'leadflow';
 * OPPORTUNITY_STAGES.map((s) => s.label).join(' → '); // '线索确认 → 需求诊断 → … → 交付启动'
 * ```
 * @category Rule sets
 */
export const OPPORTUNITY_STAGES = /* @__PURE__ */ (() =>
  Object.freeze([
    Object.freeze({ id: 'leadConfirmation', label: '线索确认' }),
    Object.freeze({ id: 'needsDiagnosis', label: '需求诊断' }),
    Object.freeze({ id: 'solutionMatching', label: '方案匹配' }),
    Object.freeze({ id: 'sampleQuotation', label: '样件报价' }),
    Object.freeze({ id: 'contractReview', label: '合同评审' }),
    Object.freeze({ id: 'deliveryKickoff', label: '交付启动' }),
  ] as const))();

/**
 * Id of one of the six {@link OPPORTUNITY_STAGES}.
 *
 * @example
 * ```ts
 * import type { OpportunityStageId } from 'leadflow';
 * const stage: OpportunityStageId = 'needsDiagnosis';
 * ```
 * @category Rule sets
 */
export type OpportunityStageId = (typeof OPPORTUNITY_STAGES)[number]['id'];

/**
 * The stage ids in order (the same order as {@link OPPORTUNITY_STAGES}).
 *
 * @example
 * ```ts
 * import { OPPORTUNITY_STAGE_IDS } from 'leadflow';
 * OPPORTUNITY_STAGE_IDS.indexOf('contractReview'); // 4
 * ```
 * @category Rule sets
 */
export const OPPORTUNITY_STAGE_IDS: readonly OpportunityStageId[] = /* @__PURE__ */ (() =>
  Object.freeze(OPPORTUNITY_STAGES.map((s) => s.id)))();

/**
 * Whether `value` is one of the six stage ids.
 *
 * @example
 * ```ts
 * import { isOpportunityStageId } from 'leadflow';
 * isOpportunityStageId('won'); // false — won/lost are outcomes, not gated stages
 * ```
 * @category Rule sets
 */
export function isOpportunityStageId(value: unknown): value is OpportunityStageId {
  return typeof value === 'string' && (OPPORTUNITY_STAGE_IDS as readonly string[]).includes(value);
}

/**
 * A field value as stored on an opportunity or a task result: plain JSON.
 *
 * @example
 * ```ts
 * import type { FieldValue } from 'leadflow';
 * const roles: FieldValue = [{ role: '技术决策人', name: '王工' }];
 * ```
 * @category Rule sets
 */
export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };

/**
 * Field values by field name.
 *
 * @example
 * ```ts
 * import type { FieldValues } from 'leadflow';
 * const fields: FieldValues = { budgetRange: '50-100万', contactConfirmed: true };
 * ```
 * @category Rule sets
 */
export type FieldValues = Record<string, FieldValue>;

/**
 * Kinds of required field a gate can check.
 *
 * @example
 * ```ts
 * import { GATE_FIELD_KINDS } from 'leadflow';
 * GATE_FIELD_KINDS.includes('list'); // true
 * ```
 * @category Rule sets
 */
export const GATE_FIELD_KINDS = ['text', 'list', 'number', 'date', 'boolean'] as const;

/**
 * One of {@link GATE_FIELD_KINDS}.
 *
 * @example
 * ```ts
 * import type { GateFieldKind } from 'leadflow';
 * const kind: GateFieldKind = 'date';
 * ```
 * @category Rule sets
 */
export type GateFieldKind = (typeof GATE_FIELD_KINDS)[number];

/**
 * A required field and what "filled in" means for it:
 * - `text`: a non-blank string;
 * - `list`: an array of `minItems` (default 1) to `maxItems` items, each filled in (a non-blank
 *   string, a number, `true`/`false`, or a non-empty array/object); with `itemFields`, each item
 *   must be an object whose named fields are filled in (a role map: `itemFields: ['role', 'name']`);
 * - `number`: a finite number within `[min, max]` when given;
 * - `date`: epoch milliseconds (finite number) or an ISO 8601 string starting `YYYY-MM-DD`;
 * - `boolean`: `true` — a confirmation checkbox; with `allowFalse`, any boolean (a yes/no answer).
 *
 * @example
 * ```ts
 * import type { GateField } from 'leadflow';
 * const top3: GateField = { field: 'painPointsTop3', label: '客户痛点TOP3', kind: 'list', minItems: 3, maxItems: 3 };
 * ```
 * @category Rule sets
 */
export interface GateField {
  field: string;
  label: string;
  kind: GateFieldKind;
  minItems?: number;
  maxItems?: number;
  itemFields?: readonly string[];
  min?: number;
  max?: number;
  allowFalse?: boolean;
}

/**
 * The gate table: required fields per stage (an empty list is an open gate).
 *
 * @example
 * ```ts
 * import { DEFAULT_STAGE_GATES, type StageGates } from 'leadflow';
 * const lenient: StageGates = { ...DEFAULT_STAGE_GATES, solutionMatching: [] };
 * ```
 * @category Rule sets
 */
export type StageGates = Readonly<Record<OpportunityStageId, readonly GateField[]>>;

const field = (spec: GateField): GateField => Object.freeze(spec);

/**
 * The default gate table: three required fields per stage. Needs diagnosis follows the seed
 * (pain points TOP3 — exactly three —, a decision-chain role map, competitor alternatives); the
 * other stages are leadflow's choice:
 *
 * | stage | fields |
 * |---|---|
 * | `leadConfirmation` 线索确认 | `contactConfirmed` (boolean), `budgetRange` (text), `decisionTimeline` (date) |
 * | `needsDiagnosis` 需求诊断 | `painPointsTop3` (list, exactly 3), `decisionChainRoles` (list of `{ role, name }`, ≥ 1), `competitorAlternatives` (list, ≥ 1) |
 * | `solutionMatching` 方案匹配 | `proposedSolutionId` (text), `technicalFeasibilityConfirmed` (boolean), `fitScore` (number 0–100) |
 * | `sampleQuotation` 样件报价 | `sampleAccepted` (boolean), `quotationAmount` (number ≥ 0), `quotationValidUntil` (date) |
 * | `contractReview` 合同评审 | `contractDraftId` (text), `legalReviewDone` (boolean), `paymentTerms` (text) |
 * | `deliveryKickoff` 交付启动 | `purchaseOrderNo` (text), `deliveryDate` (date), `kickoffMeetingAt` (date) |
 *
 * A stage's gate is checked when the opportunity leaves it forward (`ADVANCE`, or `WIN` from the
 * last stage).
 *
 * @example
 * ```ts
 * import { DEFAULT_STAGE_GATES } from 'leadflow';
 * DEFAULT_STAGE_GATES.needsDiagnosis.map((f) => f.field);
 * // ['painPointsTop3', 'decisionChainRoles', 'competitorAlternatives']
 * ```
 * @category Rule sets
 */
export const DEFAULT_STAGE_GATES: StageGates = /* @__PURE__ */ (() =>
  Object.freeze({
    leadConfirmation: Object.freeze([
      field({ field: 'contactConfirmed', label: '联系人已确认', kind: 'boolean' }),
      field({ field: 'budgetRange', label: '预算区间', kind: 'text' }),
      field({ field: 'decisionTimeline', label: '预计决策时间', kind: 'date' }),
    ]),
    needsDiagnosis: Object.freeze([
      field({ field: 'painPointsTop3', label: '客户痛点TOP3', kind: 'list', minItems: 3, maxItems: 3 }),
      field({
        field: 'decisionChainRoles',
        label: '决策链角色图谱',
        kind: 'list',
        minItems: 1,
        itemFields: Object.freeze(['role', 'name']),
      }),
      field({ field: 'competitorAlternatives', label: '竞品替代方案分析', kind: 'list', minItems: 1 }),
    ]),
    solutionMatching: Object.freeze([
      field({ field: 'proposedSolutionId', label: '推荐方案', kind: 'text' }),
      field({ field: 'technicalFeasibilityConfirmed', label: '技术可行性已确认', kind: 'boolean' }),
      field({ field: 'fitScore', label: '方案匹配度', kind: 'number', min: 0, max: 100 }),
    ]),
    sampleQuotation: Object.freeze([
      field({ field: 'sampleAccepted', label: '样件已确认', kind: 'boolean' }),
      field({ field: 'quotationAmount', label: '报价金额', kind: 'number', min: 0 }),
      field({ field: 'quotationValidUntil', label: '报价有效期', kind: 'date' }),
    ]),
    contractReview: Object.freeze([
      field({ field: 'contractDraftId', label: '合同草案编号', kind: 'text' }),
      field({ field: 'legalReviewDone', label: '法务评审完成', kind: 'boolean' }),
      field({ field: 'paymentTerms', label: '付款条款', kind: 'text' }),
    ]),
    deliveryKickoff: Object.freeze([
      field({ field: 'purchaseOrderNo', label: '客户采购订单号', kind: 'text' }),
      field({ field: 'deliveryDate', label: '约定交期', kind: 'date' }),
      field({ field: 'kickoffMeetingAt', label: '启动会时间', kind: 'date' }),
    ]),
  }))();

/**
 * The table with the stages given in `overrides` replaced (whole lists, not merged field by
 * field) and every other stage from {@link DEFAULT_STAGE_GATES}. Does not validate: parse rule-set
 * input with {@link stageGatesSchema} first.
 *
 * @example
 * ```ts
 * import { resolveStageGates } from 'leadflow';
 * const gates = resolveStageGates({ solutionMatching: [{ field: 'demoDone', label: '方案演示', kind: 'boolean' }] });
 * gates.solutionMatching.length; // 1
 * gates.needsDiagnosis.length; // 3 (default)
 * ```
 * @category Rule sets
 */
export function resolveStageGates(
  overrides?: Partial<Record<OpportunityStageId, readonly GateField[]>>,
): StageGates {
  if (overrides === undefined || overrides === null) return DEFAULT_STAGE_GATES;
  const out = {} as Record<OpportunityStageId, readonly GateField[]>;
  for (const id of OPPORTUNITY_STAGE_IDS) {
    const given = overrides[id];
    out[id] = Array.isArray(given) ? given : DEFAULT_STAGE_GATES[id];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Field checks

/**
 * Why a required field does not count as filled in.
 *
 * @example
 * ```ts
 * import type { FieldProblemReason } from 'leadflow';
 * const r: FieldProblemReason = 'tooFewItems';
 * ```
 * @category Rule sets
 */
export type FieldProblemReason =
  | 'missing'
  | 'blank'
  | 'wrongType'
  | 'tooFewItems'
  | 'tooManyItems'
  | 'incompleteItem'
  | 'outOfRange'
  | 'invalidDate'
  | 'notConfirmed';

/**
 * A required field that is not filled in: its name, label, a stable reason code and a message.
 *
 * @example
 * ```ts
 * import type { FieldProblem } from 'leadflow';
 * const p: FieldProblem = { field: 'budgetRange', label: '预算区间', reason: 'missing', message: '预算区间 (budgetRange): required' };
 * ```
 * @category Rule sets
 */
export interface FieldProblem {
  field: string;
  label: string;
  reason: FieldProblemReason;
  message: string;
}

const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}(?:$|T)/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "Filled in" for a list item or an item's field. */
function isFilled(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'boolean') return true;
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === 'object' && Object.keys(value).length > 0;
}

function problem(spec: GateField, reason: FieldProblemReason, detail: string): FieldProblem {
  return {
    field: spec.field,
    label: spec.label,
    reason,
    message: `${spec.label} (${spec.field}): ${detail}`,
  };
}

function checkOne(spec: GateField, value: unknown): FieldProblem | undefined {
  if (value === undefined || value === null) return problem(spec, 'missing', 'required');
  switch (spec.kind) {
    case 'text':
      if (typeof value !== 'string') return problem(spec, 'wrongType', 'must be text');
      return value.trim() === '' ? problem(spec, 'blank', 'must not be blank') : undefined;
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return problem(spec, 'wrongType', 'must be a finite number');
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        return problem(spec, 'outOfRange', `must be within ${spec.min ?? '-∞'}..${spec.max ?? '∞'}`);
      }
      return undefined;
    }
    case 'date': {
      if (typeof value === 'number')
        return Number.isFinite(value) ? undefined : problem(spec, 'invalidDate', 'is not a valid date');
      if (typeof value !== 'string')
        return problem(spec, 'wrongType', 'must be epoch milliseconds or an ISO date');
      if (value.trim() === '') return problem(spec, 'blank', 'must not be blank');
      return ISO_DATE_RE.test(value) && Number.isFinite(Date.parse(value))
        ? undefined
        : problem(spec, 'invalidDate', `"${value.slice(0, 40)}" is not an ISO date`);
    }
    case 'boolean':
      if (typeof value !== 'boolean') return problem(spec, 'wrongType', 'must be true or false');
      return value || spec.allowFalse === true
        ? undefined
        : problem(spec, 'notConfirmed', 'must be confirmed');
    case 'list': {
      if (!Array.isArray(value)) return problem(spec, 'wrongType', 'must be a list');
      const min = spec.minItems ?? 1;
      if (value.length === 0 && min > 0) return problem(spec, 'blank', 'must not be empty');
      if (value.length < min) return problem(spec, 'tooFewItems', `needs ${min} items, has ${value.length}`);
      if (spec.maxItems !== undefined && value.length > spec.maxItems) {
        return problem(spec, 'tooManyItems', `allows at most ${spec.maxItems} items, has ${value.length}`);
      }
      const itemFields = spec.itemFields;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (itemFields === undefined) {
          if (!isFilled(item)) return problem(spec, 'incompleteItem', `item ${i + 1} is blank`);
          continue;
        }
        if (!isRecord(item)) return problem(spec, 'incompleteItem', `item ${i + 1} must be an object`);
        for (const key of itemFields) {
          if (!Object.hasOwn(item, key) || !isFilled(item[key])) {
            return problem(spec, 'incompleteItem', `item ${i + 1} has no ${key}`);
          }
        }
      }
      return undefined;
    }
    default:
      return problem(spec, 'wrongType', `has an unknown kind ${JSON.stringify(spec.kind)}`);
  }
}

/**
 * Check `values` against required-field specs: one {@link FieldProblem} per field that is not
 * filled in, in the order of `specs` (empty when all are). Pure; never throws on odd input.
 *
 * @example
 * ```ts
 * import { DEFAULT_STAGE_GATES, checkRequiredFields } from 'leadflow';
 * checkRequiredFields(DEFAULT_STAGE_GATES.leadConfirmation, { contactConfirmed: true, budgetRange: ' ' })
 *   .map((p) => `${p.field}:${p.reason}`); // ['budgetRange:blank', 'decisionTimeline:missing']
 * ```
 * @category Rule sets
 */
export function checkRequiredFields(specs: readonly GateField[], values: unknown): FieldProblem[] {
  const record = isRecord(values) ? values : {};
  const out: FieldProblem[] = [];
  for (const spec of specs) {
    // Own properties only: a field named like `constructor` must not read the prototype.
    const value = Object.hasOwn(record, spec.field) ? record[spec.field] : undefined;
    const found = checkOne(spec, value);
    if (found) out.push(found);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Schema (rule-set section)

const fieldName = /* @__PURE__ */ (() =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      'a field name of letters, digits and _ (not starting with a digit)',
    ))();

/**
 * Schema of one {@link GateField}. Options must suit the kind (`minItems`/`maxItems`/`itemFields`
 * only on `list`, `min`/`max` only on `number`, `allowFalse` only on `boolean`) and ranges must
 * not be empty.
 *
 * @example
 * ```ts
 * import { gateFieldSchema } from 'leadflow';
 * gateFieldSchema.parse({ field: 'fitScore', label: '方案匹配度', kind: 'number', min: 0, max: 100 });
 * ```
 * @category Rule sets
 */
export const gateFieldSchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      field: fieldName,
      label: z.string().trim().min(1).max(100),
      kind: z.enum(GATE_FIELD_KINDS),
      minItems: z.number().int().min(0).max(1_000).optional(),
      maxItems: z.number().int().min(1).max(1_000).optional(),
      itemFields: z.array(fieldName).min(1).max(20).optional(),
      min: z.number().optional(),
      max: z.number().optional(),
      allowFalse: z.boolean().optional(),
    })
    .superRefine((spec, ctx) => {
      const only = (keys: readonly (keyof typeof spec)[], kind: GateFieldKind) => {
        for (const key of keys) {
          if (spec[key] !== undefined && spec.kind !== kind) {
            ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to kind '${kind}' only` });
          }
        }
      };
      only(['minItems', 'maxItems', 'itemFields'], 'list');
      only(['min', 'max'], 'number');
      only(['allowFalse'], 'boolean');
      if (spec.minItems !== undefined && spec.maxItems !== undefined && spec.minItems > spec.maxItems) {
        ctx.addIssue({ code: 'custom', path: ['maxItems'], message: 'must not be below minItems' });
      }
      if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
        ctx.addIssue({ code: 'custom', path: ['max'], message: 'must not be below min' });
      }
    }))();

const stageGateListSchema = /* @__PURE__ */ (() =>
  z
    .array(gateFieldSchema)
    .max(30)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((spec, i) => {
        if (seen.has(spec.field)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'field'],
            message: `field '${spec.field}' is listed twice in this stage`,
          });
        }
        seen.add(spec.field);
      });
    })
    .optional())();

/**
 * Schema of a rule set's gates section: per stage id, the list of required fields replacing the
 * default for that stage (absent stages keep {@link DEFAULT_STAGE_GATES}; an empty list opens the
 * gate). Turn the parsed value into a full table with {@link resolveStageGates}.
 *
 * @example
 * ```ts
 * import { resolveStageGates, stageGatesSchema } from 'leadflow';
 * const section = stageGatesSchema.parse({
 *   contractReview: [{ field: 'contractDraftId', label: '合同草案编号', kind: 'text' }],
 * });
 * const gates = resolveStageGates(section);
 * ```
 * @category Rule sets
 */
export const stageGatesSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    leadConfirmation: stageGateListSchema,
    needsDiagnosis: stageGateListSchema,
    solutionMatching: stageGateListSchema,
    sampleQuotation: stageGateListSchema,
    contractReview: stageGateListSchema,
    deliveryKickoff: stageGateListSchema,
  }))();

/**
 * A parsed gates section (see {@link stageGatesSchema}).
 *
 * @example
 * ```ts
 * import type { StageGatesSection } from 'leadflow';
 * const section: StageGatesSection = { solutionMatching: [] };
 * ```
 * @category Rule sets
 */
export type StageGatesSection = z.infer<typeof stageGatesSchema>;
