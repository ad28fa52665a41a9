/**
 * `leadflow/testing` — helpers for a host's own test suite: the conformance suites every storage
 * adapter and notifier must pass (run them against your own adapters), and fast-check
 * arbitraries. Requires the optional peer dependencies `vitest` and `fast-check`.
 *
 * @packageDocumentation
 */

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
