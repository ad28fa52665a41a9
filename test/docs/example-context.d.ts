// Not part of the project's type check (tsconfig excludes it): examples.test.ts compiles it with the examples,
// resolving `leadflow` to the sources.
// The context TSDoc examples are fragments of: the values they use without declaring them, with
// their types. test/docs/examples.test.ts type-checks every example against this file, so an
// example that calls an API wrongly fails even though it is a fragment.
type Core = typeof import('leadflow/core');
type Testing = typeof import('leadflow/testing');

declare const now: number;
declare const at: number;
declare const t: number;
declare const DAY: number;
declare const capturedAt: number;
declare const from: number;
declare const to: number;
declare const asOf: number;
declare const day: string;
declare const targets: import('leadflow').RuleSet['targets'];
declare const ruleSet: import('leadflow').RuleSetInput;
declare const pool: import('pg').Pool;
declare const storage: import('leadflow').StorageAdapter;
declare const store: import('leadflow').StorageAdapter;
declare const engine: import('leadflow').Engine;
declare const engine0: import('leadflow').Engine;
declare const clock: import('leadflow').VirtualClock;
declare const calendar: import('leadflow').BusinessCalendar;
declare const compiled: import('leadflow').CompiledRuleSet;
declare const team: import('leadflow').Team;
declare const rep: import('leadflow').Rep;
declare const lead: import('leadflow').Lead;
declare const customer: import('leadflow').Customer;
declare const customers: import('leadflow').Customer[];
declare const notifier: import('leadflow').Notifier;
declare const wecomNotifier: import('leadflow').Notifier;
declare const smsNotifier: import('leadflow').Notifier;
declare const events: import('leadflow').StoredEvent[];
declare const log: import('leadflow').StoredEvent[];
declare const assignmentState: ReturnType<Core['emptyAssignmentState']>;
declare const entityId: string;
declare const need: string;
declare const text: string;
// Values of many shapes (a payload, a webhook body, a row, a JSON file's content).
declare const raw: unknown;
declare const body: string;
declare const json: any;
declare const input: any;
declare const row: any;
declare const config: any;
declare const opts: any;
// Results of earlier steps whose shape the surrounding text gives.
declare const state: any;
declare const snapshot: any;
declare const context: any;
declare const machine: any;
declare const fired: any;
declare const quarantine: any;
declare const arrivals: Parameters<Testing['driveStream']>[1];
declare const next: any;
declare const outbox: any;
declare const result: any;
declare const timers: any;
declare const effects: any;
/** A host's per-tenant configuration: rule set, team and calendar. */
type TenantConfig = {
  ruleSet: import('leadflow').RuleSetInput;
  team: import('leadflow').TeamInput;
  calendar: import('leadflow').BusinessCalendar;
};
declare function loadRules(tenant: string): Promise<TenantConfig>;
declare function rulesOf(tenant: string): Promise<TenantConfig>;
declare function scheduleAnotherRound(): void;
declare function save(value: unknown): void;
declare const behaviourFor: Parameters<Testing['driveStream']>[2];
declare function writeFileSync(path: string, data: string | Uint8Array): void;
declare const expect: typeof import('vitest').expect;
declare const message: import('leadflow').NotifyMessage;
