/**
 * `leadflow/testing` — helpers for a host's own test suite: the conformance suites every storage
 * adapter and notifier must pass (run them against your own adapters), and fast-check
 * arbitraries, and the json-rules-engine reference semantics the compiled conditions are checked
 * against. Requires the optional peer dependencies `vitest`, `fast-check` and `json-rules-engine`.
 *
 * @packageDocumentation
 */

export { decideLeadWithReference } from '../rules/decide-reference.js';
export {
  createReferenceEvaluator,
  evaluateReference,
  type ReferenceEvaluator,
  toReferenceConditions,
} from '../rules/reference-engine.js';
export {
  arrivalStreamArbitrary,
  followUpBehaviourArbitrary,
  leadArbitrary,
  ruleSetArbitrary,
  teamArbitrary,
} from './arbitraries.js';
export { driveStream, type RepBehaviour } from './drive.js';
export { minuteSteppingChinaCalendar } from './minute-calendar.js';
export {
  type NotifierContractOptions,
  type NotifierHarness,
  runNotifierContract,
} from './notifier-contract.js';
export {
  checkSlaGuarantees,
  type SlaGuaranteeOptions,
  type SlaGuaranteeResult,
  slaGuaranteeViolation,
} from './sla-guarantees.js';
export { runStorageContract, type StorageContractOptions } from './storage-contract.js';
