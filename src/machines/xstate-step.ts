/**
 * The pure step adapter: `(snapshot, event, now) → (next snapshot, timer commands, emitted)`.
 *
 * XState does not persist pending delayed events (upstream issue #5331), so the host owns time:
 * every delayed `raise(event, { delay, id })` a machine performs becomes a
 * `{ type: 'schedule', timerKey: id, dueAt: now + delay, event }` command, every `cancel(id)` a
 * `{ type: 'cancel', timerKey: id }` command; the engine stores them as durable timers and sends
 * the event back through {@link Stepper.step} when it fires. Raises *without* a delay were
 * already processed inside the step and produce nothing.
 *
 * Two implementations, one contract:
 * - {@link createReferenceStepper} calls XState's public pure API (`machine.resolveState`,
 *   `transition`, `initialTransition`). Correct for any machine, ~25–30 µs per step because
 *   XState 5.33 builds a throw-away actor scope per call.
 * - {@link createStepper} compiles the machine once into a table — per active leaf and event
 *   type: the candidate transitions in XState's selection order, each with its guard and its
 *   pre-flattened exit → transition → entry action list — and interprets it with a tiny pure
 *   loop (~1 µs). It supports the subset of statecharts leadflow's machines use (compound and
 *   atomic states, top-level finals, named/inline guards without `and`/`or`/`not`, `reenter`,
 *   and only the built-in actions `assign`, `raise`, `cancel`, `emit`); anything else makes it
 *   fall back to the reference stepper (see {@link Stepper.mode}). A differential property test
 *   holds the two to identical results.
 *
 * @module
 */
import {
  type AnyStateMachine,
  type ContextFrom,
  type EmittedFrom,
  type EventFromLogic,
  type EventObject,
  type InputFrom,
  initialTransition,
  type StateValue,
  transition,
} from 'xstate';
import { LeadflowError } from '../errors.js';

/**
 * A machine snapshot as plain JSON — what the engine persists. Restore it with
 * `machine.resolveState(snapshot)` (or just pass it back to {@link Stepper.step}).
 *
 * @example
 * ```ts
 * import type { PersistedSnapshot } from 'leadflow/core';
 * const saved: PersistedSnapshot = { value: 'assigned', context: { leadId: 'lead-1' }, status: 'active' };
 * ```
 * @category State machines
 */
export interface PersistedSnapshot<TContext = unknown> {
  value: StateValue;
  context: TContext;
  status: 'active' | 'done' | 'error' | 'stopped';
}

/**
 * A timer command produced by a step. `timerKey` is the delayed raise's `id` (the event type
 * when it has none); the engine scopes it by entity. Commands are normalized per step: at most
 * one per key (the last one wins), so "cancel + schedule" on re-entry becomes one `schedule`.
 *
 * @example
 * ```ts
 * import type { TimerCommand } from 'leadflow/core';
 * const cmd: TimerCommand = { type: 'cancel', timerKey: 'incubation' };
 * ```
 * @category State machines
 */
export type TimerCommand<TEvent = EventObject> =
  | { type: 'schedule'; timerKey: string; dueAt: number; event: TEvent }
  | { type: 'cancel'; timerKey: string };

/**
 * The outcome of one step.
 *
 * @example
 * ```ts
 * import type { StepResult } from 'leadflow/core';
 * function rejected(r: StepResult) { return !r.changed; }
 * ```
 * @category State machines
 */
export interface StepResult<TContext = unknown, TEvent = EventObject, TEmitted = EventObject> {
  snapshot: PersistedSnapshot<TContext>;
  /**
   * The event was accepted (a transition with a target or actions was enabled). `false` means
   * "event X not accepted in state Y": the snapshot is returned unchanged (only normalized).
   */
  changed: boolean;
  timers: readonly TimerCommand<TEvent>[];
  /** Domain events the machine emitted with `emit(...)`, in order. */
  emitted: readonly TEmitted[];
}

/**
 * An event as given to {@link Stepper.step}: `at` may be omitted and is then stamped with `now`.
 *
 * @example
 * ```ts
 * import type { StepEvent, LeadEvent } from 'leadflow/core';
 * const e: StepEvent<LeadEvent> = { type: 'QUALIFY' };
 * ```
 * @category State machines
 */
export type StepEvent<TEvent extends EventObject> = TEvent extends { at: number }
  ? Omit<TEvent, 'at'> & { at?: number }
  : TEvent;

/**
 * Pure step functions over one machine.
 *
 * @example
 * ```ts
 * import { createStepper, leadMachine } from 'leadflow/core';
 * const stepper = createStepper(leadMachine);
 * let { snapshot } = stepper.initial({ leadId: 'lead-1', receivedAt: now }, now);
 * const r = stepper.step(snapshot, { type: 'QUALIFY' }, now);
 * if (!r.changed) throw new Error(`QUALIFY not accepted in ${JSON.stringify(snapshot.value)}`);
 * ```
 * @category State machines
 */
export interface Stepper<
  TContext = unknown,
  TEvent extends EventObject = EventObject,
  TInput = unknown,
  TEmitted = EventObject,
> {
  /** `compiled` (table interpreter) or `xstate` (XState's public `transition()`). */
  readonly mode: 'compiled' | 'xstate';
  /** Why the compiler refused the machine, when `mode` is `xstate` although compiling was allowed. */
  readonly fallbackReason: string | undefined;
  /** The initial snapshot for `input` (and the timers its entry actions schedule). */
  initial(input: TInput, now: number): StepResult<TContext, TEvent, TEmitted>;
  /** Apply `event` at `now` to a persisted snapshot. Never mutates its arguments. */
  step(
    snapshot: PersistedSnapshot<TContext>,
    event: StepEvent<TEvent>,
    now: number,
  ): StepResult<TContext, TEvent, TEmitted>;
}

/**
 * Options of {@link createStepper}.
 *
 * @example
 * ```ts
 * import { createStepper, type LeadContext, leadMachine, type StepperOptions } from 'leadflow/core';
 * const options: StepperOptions<LeadContext> = { engine: 'compiled' }; // throw if the machine cannot be compiled
 * const stepper = createStepper(leadMachine, options);
 * ```
 * @category State machines
 */
export interface StepperOptions<TContext = never> {
  /**
   * `auto`: compile, fall back to XState when the machine uses unsupported features;
   * `compiled`: compile or throw {@link UnsupportedMachineError}; `xstate`: never compile.
   * @default 'auto'
   */
  engine?: 'auto' | 'compiled' | 'xstate';
  /**
   * How the compiled stepper copies a context before a step's first assign (and a context
   * factory's result). Give a function that builds the context as one object literal with every
   * key (as {@link cloneLeadContext} does) for machines with large contexts: V8 then keeps all
   * properties inside the object, which makes every later copy several times cheaper and each
   * snapshot smaller than a spread copy, whose layout depends on how warm V8's copy cache was.
   * It must return a new object equal to its argument.
   * @default a spread copy
   */
  cloneContext?: (context: TContext) => TContext;
}

/**
 * The machine uses a feature the compiled stepper does not interpret (the message names it).
 *
 * @example
 * ```ts
 * import { UnsupportedMachineError, createStepper } from 'leadflow/core';
 * try { createStepper(machine, { engine: 'compiled' }); } catch (e) { if (e instanceof UnsupportedMachineError) console.log(e.message); }
 * ```
 * @category State machines
 */
export class UnsupportedMachineError extends LeadflowError {
  declare readonly code: 'MACHINE_UNSUPPORTED';
  constructor(message: string) {
    super('MACHINE_UNSUPPORTED', message);
  }
}

type AnyStepper<M extends AnyStateMachine> = Stepper<
  ContextFrom<M>,
  EventFromLogic<M>,
  InputFrom<M>,
  EmittedFrom<M>
>;

/**
 * A state value as a dot path (`{ awaitingAssignment: 'offered' }` → `awaitingAssignment.offered`),
 * for messages like "event X not accepted in state Y" and for comparing states.
 *
 * @example
 * ```ts
 * import { stateValueToString } from 'leadflow/core';
 * stateValueToString({ awaitingAssignment: 'offered' }); // 'awaitingAssignment.offered'
 * ```
 * @category State machines
 */
export function stateValueToString(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.keys(value)
    .map((key) => {
      const child = value[key];
      return child === undefined || (typeof child === 'object' && Object.keys(child).length === 0)
        ? key
        : `${key}.${stateValueToString(child)}`;
    })
    .join(',');
}

// ---------------------------------------------------------------------------------------------
// Shared: stamping, timer normalization

type AnyEvent = EventObject & { at?: unknown };

function stamp(event: AnyEvent, now: number): AnyEvent {
  return typeof event.at === 'number' ? event : { ...event, at: now };
}

/** Keep one command per key, the last one, in the order of their last occurrence. */
function normalizeTimers(commands: TimerCommand<EventObject>[]): TimerCommand<EventObject>[] {
  if (commands.length < 2) return commands;
  const out: TimerCommand<EventObject>[] = [];
  for (const command of commands) {
    const index = out.findIndex((c) => c.timerKey === command.timerKey);
    if (index >= 0) out.splice(index, 1);
    out.push(command);
  }
  return out;
}

const NONE: readonly never[] = /* @__PURE__ */ (() => Object.freeze([]))();

type LooseResult = StepResult<unknown, EventObject, unknown>;
type LooseStepper = Stepper<unknown, EventObject, unknown, unknown>;

// ---------------------------------------------------------------------------------------------
// Reference: XState's public pure API

interface RaiseParams {
  event: EventObject;
  id?: string;
  delay?: unknown;
}

function fromXState(
  snapshot: { value: StateValue; context: unknown; status: PersistedSnapshot['status'] },
  actions: readonly { type: string; params?: unknown }[],
  changed: boolean,
  now: number,
): LooseResult {
  const timers: TimerCommand<EventObject>[] = [];
  const emitted: EventObject[] = [];
  for (const action of actions) {
    if (action.type === 'xstate.raise') {
      const params = action.params as RaiseParams;
      // A raise without a delay was already consumed by transition(); only delayed ones are timers.
      if (typeof params.delay !== 'number') continue;
      timers.push({
        type: 'schedule',
        timerKey: params.id ?? params.event.type,
        dueAt: now + params.delay,
        event: params.event,
      });
    } else if (action.type === 'xstate.cancel') {
      timers.push({
        type: 'cancel',
        timerKey: String((action.params as { sendId: unknown }).sendId),
      });
    } else if (action.type === 'xstate.emit') {
      emitted.push((action.params as { event: EventObject }).event);
    }
  }
  return {
    snapshot: { value: snapshot.value, context: snapshot.context, status: snapshot.status },
    changed,
    timers: timers.length > 0 ? normalizeTimers(timers) : NONE,
    emitted: emitted.length > 0 ? emitted : NONE,
  };
}

/**
 * The step adapter over XState's public pure functions: `machine.resolveState` to restore,
 * `transition()` / `initialTransition()` to step, `snapshot.can(event)` for `changed`. Works for
 * any machine; it is the oracle the compiled stepper is tested against and the benchmark's
 * baseline. Prefer {@link createStepper}.
 *
 * @example
 * ```ts
 * import { createReferenceStepper, leadMachine } from 'leadflow/core';
 * const reference = createReferenceStepper(leadMachine);
 * const { snapshot } = reference.initial({ leadId: 'lead-1' }, now);
 * ```
 * @category State machines
 */
export function createReferenceStepper<M extends AnyStateMachine>(typedMachine: M): AnyStepper<M> {
  const machine: AnyStateMachine = typedMachine;
  const stepper: LooseStepper = {
    mode: 'xstate',
    fallbackReason: undefined,
    initial(input, now) {
      const [next, actions] = initialTransition(machine, input as never);
      return fromXState(next, actions, true, now);
    },
    step(persisted, event, now) {
      const stamped = stamp(event as AnyEvent, now);
      const restored = machine.resolveState({
        value: persisted.value,
        context: persisted.context,
        status: persisted.status,
      });
      const changed = restored.can(stamped);
      const [next, actions] = transition(machine, restored, stamped);
      return fromXState(next, actions, changed, now);
    },
  };
  return stepper as unknown as AnyStepper<M>;
}

// ---------------------------------------------------------------------------------------------
// Compiled: a table derived from the machine's state nodes, interpreted by a small loop

/** The parts of XState's StateNode the compiler reads (all typed public properties). */
interface Node {
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  order: number;
  parent?: Node;
  states: Record<string, Node>;
  entry: readonly unknown[];
  exit: readonly unknown[];
  transitions: Map<string, readonly TransitionDef[]>;
  always?: readonly unknown[];
  invoke: readonly unknown[];
  initial: { target: readonly Node[]; actions: readonly unknown[] };
  config: { after?: unknown; output?: unknown };
}

interface TransitionDef {
  target: readonly Node[] | undefined;
  source: Node;
  actions: readonly unknown[];
  reenter: boolean;
  guard?: unknown;
}

type Fn = (...args: never[]) => unknown;
type ParamsSource = undefined | { value: unknown } | { expr: Fn };

const ASSIGN = 0;
const RAISE = 1;
const CANCEL = 2;
const EMIT = 3;

type Op =
  | { kind: typeof ASSIGN; params: ParamsSource; assignment: unknown }
  | { kind: typeof RAISE; params: ParamsSource; event: unknown; id: string | undefined; delay: unknown }
  | { kind: typeof CANCEL; params: ParamsSource; sendId: unknown }
  | { kind: typeof EMIT; params: ParamsSource; event: unknown };

interface Guard {
  check: Fn;
  params: ParamsSource;
}

interface Plan {
  /** Exit → transition → entry actions, flattened in XState's order. */
  ops: readonly Op[];
  /** Active leaf afterwards. */
  leaf: Leaf;
  /** A top-level final state is entered: status becomes `done`. */
  done: boolean;
  /**
   * Exit actions of every node active afterwards, which XState runs at the end of a microstep
   * whenever the status is `done` (also when it already was, e.g. a root-level transition taken
   * from a restored final state).
   */
  doneOps: readonly Op[];
  /** What `snapshot.can(event)` reports: a target or at least one action. */
  counts: boolean;
}

interface Candidate {
  guard: Guard | undefined;
  plan: Plan;
}

interface Leaf {
  node: Node;
  /** Ancestors from the leaf up to the root, leaf first. */
  active: readonly Node[];
  path: readonly string[];
  isTopFinal: boolean;
  handlers: Map<string, readonly Candidate[]>;
}

interface TrieNode {
  /** The leaf this node resolves to when the value names it as a string (initial descent). */
  leaf: Leaf | undefined;
  children: Map<string, TrieNode>;
}

interface Compiled {
  trie: TrieNode;
  initialLeaf: Leaf;
  initialOps: readonly Op[];
  initialDone: boolean;
  initialDoneOps: readonly Op[];
  contextFactory: unknown;
  delays: Record<string, unknown>;
}

const KNOWN_BUILTINS = /* @__PURE__ */ (() =>
  new Set(['xstate.assign', 'xstate.raise', 'xstate.cancel', 'xstate.emit']))();

function refuse(message: string): never {
  throw new UnsupportedMachineError(`createStepper cannot compile this machine: ${message}`);
}

/** XState's isDescendant, including its behaviour for an undefined ancestor (true for all). */
function isDescendant(child: Node, ancestor: Node | undefined): boolean {
  let marker = child;
  while (marker.parent && marker.parent !== ancestor) marker = marker.parent;
  return marker.parent === ancestor;
}

function properAncestors(node: Node, upTo: Node | undefined): Node[] {
  const out: Node[] = [];
  if (upTo === node) return out;
  let m = node.parent;
  while (m && m !== upTo) {
    out.push(m);
    m = m.parent;
  }
  return out;
}

function compileParams(action: unknown): ParamsSource {
  if (typeof action !== 'object' || action === null || !('params' in action)) return undefined;
  const params = (action as { params: unknown }).params;
  return typeof params === 'function' ? { expr: params as Fn } : { value: params };
}

function compileAction(machine: AnyStateMachine, action: unknown, where: string): Op {
  let impl: unknown = action;
  let params: ParamsSource;
  if (typeof action === 'string' || (typeof action === 'object' && action !== null)) {
    const type = typeof action === 'string' ? action : (action as { type?: unknown }).type;
    if (typeof type !== 'string') refuse(`an action without a type in ${where}`);
    impl = (machine.implementations.actions as Record<string, unknown>)[type];
    if (impl === undefined) refuse(`action '${type}' in ${where} has no implementation`);
    params = typeof action === 'string' ? undefined : compileParams(action);
  }
  if (typeof impl !== 'function') refuse(`an action in ${where} is not a function`);
  const builtin = impl as unknown as Record<string, unknown>;
  const type = builtin.type;
  if (typeof type !== 'string' || !KNOWN_BUILTINS.has(type) || typeof builtin.resolve !== 'function') {
    refuse(
      `action '${typeof type === 'string' ? type : (impl as Fn).name || '(anonymous)'}' in ${where} is not assign/raise/cancel/emit`,
    );
  }
  switch (type) {
    case 'xstate.assign':
      if (!('assignment' in builtin)) refuse('assign() no longer exposes `assignment`');
      return { kind: ASSIGN, params, assignment: builtin.assignment };
    case 'xstate.raise':
      if (!('event' in builtin) || !('delay' in builtin) || !('id' in builtin)) {
        refuse('raise() no longer exposes `event`/`delay`/`id`');
      }
      if (builtin.id !== undefined && typeof builtin.id !== 'string')
        refuse(`raise id in ${where} is not a string`);
      return {
        kind: RAISE,
        params,
        event: builtin.event,
        id: builtin.id as string | undefined,
        delay: builtin.delay,
      };
    case 'xstate.cancel':
      if (!('sendId' in builtin)) refuse('cancel() no longer exposes `sendId`');
      return { kind: CANCEL, params, sendId: builtin.sendId };
    default:
      if (!('event' in builtin)) refuse('emit() no longer exposes `event`');
      return { kind: EMIT, params, event: builtin.event };
  }
}

function compileGuard(machine: AnyStateMachine, guard: unknown, where: string): Guard | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'function') {
    if ('check' in guard) refuse(`a built-in guard (and/or/not/stateIn) in ${where}`);
    return { check: guard as Fn, params: undefined };
  }
  const type = typeof guard === 'string' ? guard : (guard as { type?: unknown }).type;
  if (typeof type !== 'string') refuse(`a guard without a type in ${where}`);
  const impl = (machine.implementations.guards as Record<string, unknown>)[type];
  if (typeof impl !== 'function') refuse(`guard '${type}' in ${where} has no function implementation`);
  if ('check' in impl) refuse(`guard '${type}' in ${where} is a built-in (and/or/not/stateIn)`);
  return { check: impl as Fn, params: typeof guard === 'string' ? undefined : compileParams(guard) };
}

function checkNode(node: Node, root: Node): void {
  const where = `state '${node.id}'`;
  if (node.type === 'parallel' || node.type === 'history') refuse(`${where} is ${node.type}`);
  if (node.type === 'final' && node.parent !== root) refuse(`${where}: final states must be top-level`);
  if (node.config.after !== undefined) refuse(`${where} uses 'after' (use a delayed raise with an id)`);
  if (node.always !== undefined && node.always.length > 0) refuse(`${where} has eventless transitions`);
  if (node.invoke.length > 0) refuse(`${where} invokes actors`);
  if (node.type === 'compound' && node.initial.actions.length > 0) refuse(`${where} has initial actions`);
  for (const key of node.transitions.keys()) {
    if (key.includes('*')) refuse(`${where} has a wildcard event descriptor '${key}'`);
  }
}

function descendToLeaf(node: Node): Node {
  let n = node;
  while (n.type === 'compound') {
    const next = n.initial.target[0];
    if (!next) refuse(`state '${n.id}' has no initial state`);
    n = next;
  }
  return n;
}

/**
 * Exit/entry sets of one transition from one active leaf, computed the way XState's
 * `computeExitSet` / `computeEntrySet` do for machines without parallel or history states.
 */
function planNodes(
  active: readonly Node[],
  t: TransitionDef,
): { exit: Node[]; entry: Node[]; leafNode: Node } | undefined {
  const target = t.target?.[0];
  if (target === undefined) return undefined;
  if ((t.target?.length ?? 0) > 1) refuse(`a transition from '${t.source.id}' has several targets`);
  const source = t.source;
  let domain: Node | undefined;
  if (!t.reenter && (target === source || isDescendant(target, source))) domain = source;
  else {
    domain = properAncestors(target, undefined).find((a) => isDescendant(source, a));
    // No common ancestor: a root-level transition (XState: no domain if reentering, else the root).
    if (domain === undefined && !t.reenter) domain = rootOf(source);
  }
  const exit = new Set<Node>();
  if (t.reenter && source === domain) exit.add(domain);
  for (const node of active) if (isDescendant(node, domain)) exit.add(node);

  const enter = new Set<Node>();
  if (target !== source || source !== domain || t.reenter) enter.add(target);
  let n = target;
  while (n.type === 'compound') {
    const next = n.initial.target[0]!;
    enter.add(next);
    n = next;
  }
  const reentrancyDomain = !source.parent && t.reenter ? undefined : domain;
  for (const anc of properAncestors(target, domain)) {
    if (!reentrancyDomain || isDescendant(anc, reentrancyDomain)) enter.add(anc);
  }
  const exitList = [...exit].sort((a, b) => b.order - a.order);
  const entryList = [...enter].sort((a, b) => a.order - b.order);
  // The new configuration: what stays active plus what is entered; its deepest node is the leaf.
  const next = new Set<Node>(active.filter((node) => !exit.has(node)));
  for (const node of entryList) next.add(node);
  let leafNode: Node | undefined;
  for (const node of next) {
    if (node.type === 'atomic' || node.type === 'final') {
      if (leafNode !== undefined) refuse(`a transition from '${source.id}' leaves two active leaves`);
      leafNode = node;
    }
  }
  if (leafNode === undefined) refuse(`a transition from '${source.id}' leaves no active leaf`);
  return { exit: exitList, entry: entryList, leafNode };
}

function rootOf(node: Node): Node {
  let n = node;
  while (n.parent) n = n.parent;
  return n;
}

function compileMachine(machine: AnyStateMachine): Compiled {
  const root = machine.root as unknown as Node;
  if (!(root.transitions instanceof Map) || typeof root.order !== 'number' || !Array.isArray(root.entry)) {
    refuse('XState state nodes no longer expose `transitions` / `order` / `entry` as expected');
  }
  if (root.type !== 'compound') refuse('the root must be a compound state');
  const all: Node[] = [];
  const walk = (node: Node) => {
    checkNode(node, root);
    all.push(node);
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(root);
  if (root.config.output !== undefined) refuse('the machine has an output');

  const opsCache = new Map<unknown, Op>();
  const ops = (list: readonly unknown[], where: string): Op[] =>
    list.map((a) => {
      let op = opsCache.get(a);
      if (!op) {
        op = compileAction(machine, a, where);
        opsCache.set(a, op);
      }
      return op;
    });

  const leaves = new Map<Node, Leaf>();
  for (const node of all) {
    if (node.type !== 'atomic' && node.type !== 'final') continue;
    const active = [node, ...properAncestors(node, undefined)];
    const path = active
      .slice(0, -1)
      .map((n) => n.key)
      .reverse();
    leaves.set(node, {
      node,
      active,
      path,
      isTopFinal: node.type === 'final',
      handlers: new Map(),
    });
  }
  const leafOf = (node: Node): Leaf => leaves.get(node)!;

  const donePlanOps = (leafNode: Node): Op[] =>
    leafOf(leafNode).active.flatMap((n) => ops(n.exit, `exit of '${n.id}'`)); // leaf → root = order desc

  for (const leaf of leaves.values()) {
    const eventTypes = new Set<string>();
    for (const n of leaf.active) for (const key of n.transitions.keys()) eventTypes.add(key);
    for (const eventType of eventTypes) {
      const candidates: Candidate[] = [];
      for (const n of leaf.active) {
        for (const t of n.transitions.get(eventType) ?? []) {
          const where = `'${eventType}' from '${t.source.id}'`;
          const guard = compileGuard(machine, t.guard, where);
          const nodes = planNodes(leaf.active, t);
          const transitionOps = ops(t.actions, where);
          if (nodes === undefined) {
            candidates.push({
              guard,
              plan: {
                ops: transitionOps,
                leaf,
                done: false,
                doneOps: donePlanOps(leaf.node),
                counts: t.actions.length > 0,
              },
            });
            continue;
          }
          const planOps = [
            ...nodes.exit.flatMap((x) => ops(x.exit, `exit of '${x.id}'`)),
            ...transitionOps,
            ...nodes.entry.flatMap((x) => ops(x.entry, `entry of '${x.id}'`)),
          ];
          const done = nodes.entry.some((x) => x.type === 'final');
          candidates.push({
            guard,
            plan: {
              ops: planOps,
              leaf: leafOf(nodes.leafNode),
              done,
              doneOps: donePlanOps(nodes.leafNode),
              counts: true,
            },
          });
        }
      }
      leaf.handlers.set(eventType, candidates);
    }
  }

  // Value trie: a string names a node and resolves to its initial leaf, an object descends.
  const buildTrie = (node: Node): TrieNode => {
    const children = new Map<string, TrieNode>();
    for (const [key, child] of Object.entries(node.states)) children.set(key, buildTrie(child));
    return { leaf: node.type === 'history' ? undefined : leafOf(descendToLeaf(node)), children };
  };
  const trie = buildTrie(root);

  // Initial microstep: XState enters the root and its initial chain (root, then children).
  const initialLeafNode = descendToLeaf(root);
  const initialLeaf = leafOf(initialLeafNode);
  const entered = [...initialLeaf.active].reverse();
  const initialOps = entered.flatMap((n) => ops(n.entry, `entry of '${n.id}'`));
  const initialDone = initialLeafNode.type === 'final';
  return {
    trie,
    initialLeaf,
    initialOps,
    initialDone,
    initialDoneOps: initialDone ? donePlanOps(initialLeafNode) : NONE,
    contextFactory: (machine.config as { context?: unknown }).context,
    delays: (machine.implementations.delays ?? {}) as Record<string, unknown>,
  };
}

type CloneContext = (context: Record<string, unknown>) => Record<string, unknown>;
const spreadCopy: CloneContext = (context) => ({ ...context });

/** Mutable scratch of one step; a plain object keeps the hot loop monomorphic. */
interface Run {
  /** Copies the context before the step's first assign. */
  clone: CloneContext;
  context: Record<string, unknown>;
  /** The context is this step's own copy (made by its first assign), so later assigns may write into it. */
  ownContext: boolean;
  now: number;
  queue: AnyEvent[] | undefined;
  timers: TimerCommand<EventObject>[] | undefined;
  emitted: EventObject[] | undefined;
}

function resolveParams(source: ParamsSource, context: unknown, event: AnyEvent): unknown {
  if (source === undefined) return undefined;
  return 'value' in source ? source.value : (source.expr as (a: unknown) => unknown)({ context, event });
}

/** Arrays are created only when needed: most steps schedule nothing and emit nothing. */
function addTimer(run: Run, command: TimerCommand<EventObject>): void {
  if (run.timers === undefined) run.timers = [command];
  else run.timers.push(command);
}

/** Written as an own key, `__proto__` would set the prototype instead of a property: spread it. */
const PROTO_KEY = '__proto__';

function runOps(list: readonly Op[], event: AnyEvent, run: Run, delays: Record<string, unknown>): void {
  for (let i = 0; i < list.length; i++) {
    const op = list[i]!;
    const params = resolveParams(op.params, run.context, event);
    switch (op.kind) {
      case ASSIGN: {
        // Same shape XState passes to assigners; spawn/self/system do not exist in a pure step.
        const args = { context: run.context, event, spawn: undefined, self: undefined, system: undefined };
        let partial: Record<string, unknown>;
        const assignment = op.assignment;
        if (typeof assignment === 'function') partial = assignment(args, params);
        else {
          partial = {};
          for (const key of Object.keys(assignment as object)) {
            const prop = (assignment as Record<string, unknown>)[key];
            partial[key] = typeof prop === 'function' ? prop(args, params) : prop;
          }
        }
        // XState merges with Object.assign({}, context, partial). Here the step's first assign
        // copies the context (StepperOptions.cloneContext) and every assign writes its keys into
        // that copy — no caller has seen it yet, and assigners only read it. A `__proto__` key is
        // defined as an own property, as spreading it would.
        const context = run.ownContext ? run.context : run.clone(run.context);
        if (Object.hasOwn(partial, PROTO_KEY)) run.context = { ...context, ...partial };
        else {
          const keys = Object.keys(partial);
          for (let k = 0; k < keys.length; k++) context[keys[k]!] = partial[keys[k]!];
          run.context = context;
        }
        run.ownContext = true;
        break;
      }
      case RAISE: {
        const args = { context: run.context, event, self: undefined, system: undefined };
        const raised = (typeof op.event === 'function' ? op.event(args, params) : op.event) as AnyEvent;
        let delay: unknown;
        if (typeof op.delay === 'string') {
          const configured = delays[op.delay];
          delay = typeof configured === 'function' ? configured(args, params) : configured;
        } else delay = typeof op.delay === 'function' ? op.delay(args, params) : op.delay;
        if (typeof delay !== 'number') {
          if (run.queue === undefined) run.queue = [raised];
          else run.queue.push(raised);
        } else {
          addTimer(run, {
            type: 'schedule',
            timerKey: op.id ?? raised.type,
            dueAt: run.now + delay,
            event: raised,
          });
        }
        break;
      }
      case CANCEL: {
        const args = { context: run.context, event, self: undefined, system: undefined };
        const sendId = typeof op.sendId === 'function' ? op.sendId(args, params) : op.sendId;
        addTimer(run, { type: 'cancel', timerKey: String(sendId) });
        break;
      }
      default: {
        const args = { context: run.context, event, self: undefined, system: undefined };
        const emitted = typeof op.event === 'function' ? op.event(args, params) : op.event;
        if (run.emitted === undefined) run.emitted = [emitted];
        else run.emitted.push(emitted);
      }
    }
  }
}

function select(leaf: Leaf, context: unknown, event: AnyEvent): Plan | undefined {
  const candidates = leaf.handlers.get(event.type);
  if (candidates === undefined) return undefined;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    const guard = candidate.guard;
    if (
      guard === undefined ||
      (guard.check as (a: unknown, p: unknown) => unknown)(
        { context, event },
        resolveParams(guard.params, context, event),
      )
    ) {
      return candidate.plan;
    }
  }
  return undefined;
}

function valueFromPath(path: readonly string[]): StateValue {
  let value: StateValue = path[path.length - 1]!;
  for (let i = path.length - 2; i >= 0; i--) value = { [path[i]!]: value };
  return value;
}

function lookupLeaf(trie: TrieNode, value: unknown): Leaf | undefined {
  if (typeof value === 'string') return trie.children.get(value)?.leaf;
  if (typeof value !== 'object' || value === null) return undefined;
  let key: string | undefined;
  for (const k in value) {
    if (key !== undefined) return undefined; // several keys: only parallel states have those
    key = k;
  }
  if (key === undefined) return undefined;
  const child = trie.children.get(key);
  return child && lookupLeaf(child, (value as Record<string, unknown>)[key]);
}

function compiledStepper(machine: AnyStateMachine, compiled: Compiled, clone: CloneContext): LooseStepper {
  const { trie, delays } = compiled;
  const restoreLeaf = (value: StateValue): Leaf => {
    const leaf = lookupLeaf(trie, value);
    if (leaf) return leaf;
    // Unusual spellings (e.g. `{ a: {} }`): let XState normalize — or throw its own error.
    const canonical = machine.resolveState({ value, context: {} }).value as StateValue;
    const again = lookupLeaf(trie, canonical);
    if (!again) throw new UnsupportedMachineError(`cannot restore state value ${JSON.stringify(value)}`);
    return again;
  };

  const finish = (
    leaf: Leaf,
    run: Run,
    status: PersistedSnapshot['status'],
    changed: boolean,
  ): LooseResult => ({
    snapshot: { value: valueFromPath(leaf.path), context: run.context as unknown, status },
    changed,
    timers: run.timers ? normalizeTimers(run.timers) : NONE,
    emitted: run.emitted ?? NONE,
  });

  /** XState's macrostep loop after the first microstep: drain raised (undelayed) events. */
  const drain = (leaf: Leaf, run: Run, status: PersistedSnapshot['status']) => {
    let current = leaf;
    let state = status;
    while (state === 'active' && run.queue !== undefined && run.queue.length > 0) {
      const internal = run.queue.shift()!;
      const plan = select(current, run.context, internal);
      if (plan === undefined) continue;
      runOps(plan.ops, internal, run, delays);
      current = plan.leaf;
      if (plan.done) {
        state = 'done';
        runOps(plan.doneOps, internal, run, delays);
      }
    }
    return { leaf: current, status: state };
  };

  const reference = createReferenceStepper(machine) as unknown as LooseStepper;

  return {
    mode: 'compiled',
    fallbackReason: undefined,
    initial(input, now) {
      try {
        const factory = compiled.contextFactory;
        const initEvent = { type: 'xstate.init', input } as AnyEvent;
        const base =
          typeof factory === 'function'
            ? clone(factory({ spawn: undefined, input, self: undefined }))
            : ((factory ?? {}) as Record<string, unknown>);
        const run: Run = {
          clone,
          context: base,
          // A factory's result was copied by `clone` above; a context object was not.
          ownContext: typeof factory === 'function',
          now,
          queue: undefined,
          timers: undefined,
          emitted: undefined,
        };
        runOps(compiled.initialOps, initEvent, run, delays);
        let status: PersistedSnapshot['status'] = 'active';
        if (compiled.initialDone) {
          status = 'done';
          runOps(compiled.initialDoneOps, initEvent, run, delays);
        }
        const end = drain(compiled.initialLeaf, run, status);
        return finish(end.leaf, run, end.status, true);
      } catch {
        // XState turns an initial-state error into an `error` snapshot; reproduce it exactly.
        return reference.initial(input, now);
      }
    },
    step(persisted, event, now) {
      const stamped = stamp(event as AnyEvent, now);
      const leaf = restoreLeaf(persisted.value);
      // As machine.resolveState: a final leaf means done, otherwise the persisted status.
      const status: PersistedSnapshot['status'] = leaf.isTopFinal ? 'done' : persisted.status || 'active';
      const context = (persisted.context || {}) as Record<string, unknown>;
      const run: Run = {
        clone,
        context,
        ownContext: false,
        now,
        queue: undefined,
        timers: undefined,
        emitted: undefined,
      };
      const plan = select(leaf, context, stamped);
      if (plan === undefined) return finish(leaf, run, status, false);
      runOps(plan.ops, stamped, run, delays);
      const next = plan.done ? 'done' : status;
      if (next === 'done') runOps(plan.doneOps, stamped, run, delays);
      const end = drain(plan.leaf, run, next);
      return finish(end.leaf, run, end.status, plan.counts);
    },
  };
}

/**
 * Create the pure step adapter for a machine: compiled into a transition table when the
 * machine stays within the supported subset (see the module comment), otherwise backed by
 * XState's `transition()` ({@link createReferenceStepper}). Results are identical either way.
 * Compile once at start-up and reuse; the stepper holds no per-lead state.
 *
 * @example
 * ```ts
 * import { createStepper, leadMachine } from 'leadflow/core';
 * const stepper = createStepper(leadMachine);
 * const now = Date.parse('2026-03-02T02:00:00Z');
 * const { snapshot } = stepper.initial({ leadId: 'lead-1', receivedAt: now }, now);
 * const decision = { kind: 'nurture', untilMs: now + 60 * 86_400_000, reason: 'C grade' } as const;
 * const r = stepper.step(snapshot, { type: 'DECIDED', decision, at: now }, now);
 * r.snapshot.value; // 'nurturing'
 * r.timers; // [{ type: 'schedule', timerKey: 'incubation', dueAt: now + 60 * 86_400_000, event: { type: 'INCUBATION_EXPIRED', at: … } }]
 * ```
 * @category State machines
 */
export function createStepper<M extends AnyStateMachine>(
  machine: M,
  options: StepperOptions<ContextFrom<M>> = {},
): AnyStepper<M> {
  const engine = options.engine ?? 'auto';
  if (engine === 'xstate') return createReferenceStepper(machine);
  try {
    const clone = (options.cloneContext ?? spreadCopy) as CloneContext;
    return compiledStepper(machine, compileMachine(machine), clone) as unknown as AnyStepper<M>;
  } catch (error) {
    if (engine === 'compiled' || !(error instanceof UnsupportedMachineError)) throw error;
    const fallback = createReferenceStepper(machine);
    return { ...fallback, fallbackReason: error.message } as AnyStepper<M>;
  }
}
