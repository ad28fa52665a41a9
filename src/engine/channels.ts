/**
 * Channels of an engine's outbox: which notifier delivers each channel, how a message's `to`
 * (people of the team) becomes that channel's addresses, how fast the channel may send, whether
 * what piles up for one destination is sent as one digest, and where a channel falls back to.
 * {@link createOutboxRouting} turns the host's {@link ChannelOptions} into the
 * {@link OutboxRouting} that `deliverOutbox` consults for every claimed message.
 *
 * @module
 */
import type { Notifier, NotifyMessage, SendLimit } from '../adapters/notify/port.js';
import type { JsonValue, OutboxMessage } from '../adapters/storage/port.js';
import type { Team } from '../model/team.js';
import type { MessageLanguage } from '../rules/templates.js';
import {
  CONTACT_FIELDS,
  type ContactField,
  createRecipientDirectory,
  type RecipientDirectory,
} from './directory.js';
import { EngineError } from './errors.js';
import { createSendPacer, type PacedDestination, type SendPacer, sendLimitProblem } from './pacing.js';

/**
 * Digest mode of a channel: what falls due for one destination while it has already had its send
 * of the current window waits for the window's end, then goes out as **one** message (a markdown
 * table) — at most one send per destination per window. Windows are aligned on the clock
 * (`[k·windowMs, (k+1)·windowMs)`), so every engine agrees on them.
 *
 * @example
 * ```ts
 * import type { DigestOptions } from 'leadflow';
 * const digest: DigestOptions = { windowMs: 5 * 60_000, maxRows: 15 };
 * ```
 * @category Engine
 */
export interface DigestOptions {
  /** The window (ms, ≥ 1000). */
  readonly windowMs: number;
  /** Rows of the table; the rest are counted below it ("另有 12 条"). @default 20 */
  readonly maxRows?: number;
}

/**
 * How an engine delivers one channel.
 *
 * @example
 * ```ts
 * import type { ChannelOptions } from 'leadflow';
 * import { wecomRobotNotifier } from 'leadflow/notify/wecom-robot';
 * const board: ChannelOptions = {
 *   notifier: wecomRobotNotifier({ key: process.env.WECOM_ROBOT_KEY ?? '' }),
 *   group: true, // a group chat: recipients are @-mentioned by mobile number
 *   address: ['mobile'],
 *   digest: { windowMs: 60_000 },
 * };
 * ```
 * @category Engine
 */
export interface ChannelOptions {
  /** The notifier that delivers the channel. */
  readonly notifier: Notifier;
  /**
   * Where a recipient's address on this channel comes from: a contact field of the person
   * (`contact.mobile`, …), several in order (the first the person has), or `'id'` to send the
   * ids as they are (a webhook, a host's own notifier).
   * @default by channel name: `wecom` → `wecomId`, `sms` → `mobile`, `email` → `email`,
   * `dingtalk` → `dingtalkUserId`, `feishu` → `feishuOpenId`; any other name → `'id'`
   */
  readonly address?: ContactField | readonly ContactField[] | 'id';
  /**
   * The channel posts to a group (a chat robot): everyone in it sees every message, recipients
   * are only mentioned. A recipient without an address is then not mentioned, which is not a
   * failure. @default false
   */
  readonly group?: boolean;
  /**
   * Send limits per destination (see `limitPer`); the outbox paces sends to them, so the provider
   * never refuses for rate. `false`: no pacing.
   * @default the notifier's `sendLimits`, each window widened by `limitMarginMs`
   */
  readonly limits?: readonly SendLimit[] | false;
  /**
   * What one destination of `limits` is: the whole channel (`'channel'`: one robot, one webhook)
   * or each address (`'recipient'`: an SMS number, a mailbox).
   * @default 'channel' for a group channel, else 'recipient'
   */
  readonly limitPer?: 'channel' | 'recipient';
  /** Limits of the channel as a whole on top of `limits` (an SMS provider's or template's QPS). */
  readonly channelLimits?: readonly SendLimit[];
  /**
   * Added to each window of the notifier's own `sendLimits` when `limits` is not given: the
   * margin between the pace and the provider's count (network jitter, clock skew).
   * @default 1000
   */
  readonly limitMarginMs?: number;
  /** Group what is due for one destination within a window into one message; see {@link DigestOptions}. */
  readonly digest?: DigestOptions | false;
  /**
   * After this many failed attempts of a retryable kind (a provider that is down), a message
   * moves to the next channel of the rule set's `routing.fallbacks` instead of waiting out its
   * retries. Permanent and configuration failures move at once.
   * @default the delivery's maxAttempts
   */
  readonly fallbackAfter?: number;
}

/**
 * A link to a host's page for what a message is about — a lead, opportunity, task or customer —
 * or `undefined` for none. Engines add it to every message (a line `查看详情：<url>`) and to its
 * `data.link`.
 *
 * @example
 * ```ts
 * import type { LinkBuilder } from 'leadflow';
 * const links: LinkBuilder = ({ kind, id }) => `https://crm.example.com/${kind}s/${encodeURIComponent(id)}`;
 * ```
 * @category Engine
 */
export type LinkBuilder = (target: {
  readonly kind: 'lead' | 'opportunity' | 'task' | 'customer';
  readonly id: string;
}) => string | undefined;

/**
 * A channel after {@link createOutboxRouting}: options checked, defaults filled.
 *
 * @example
 * ```ts
 * import type { ResolvedChannel } from 'leadflow';
 * const paced = (channel: ResolvedChannel) => channel.limits.length > 0 || channel.channelLimits.length > 0;
 * ```
 * @category Engine
 */
export interface ResolvedChannel {
  readonly name: string;
  readonly notifier: Notifier;
  /** Contact fields, or `undefined` to pass ids through. */
  readonly fields: readonly ContactField[] | undefined;
  readonly group: boolean;
  readonly limits: readonly SendLimit[];
  readonly limitPer: 'channel' | 'recipient';
  readonly channelLimits: readonly SendLimit[];
  readonly digest: { readonly windowMs: number; readonly maxRows: number } | undefined;
  readonly fallbackAfter: number | undefined;
}

/**
 * What routing makes of one claimed message: the notification on its channel's addresses, who
 * could not be addressed, and how its send is paced and grouped.
 *
 * @example
 * ```ts
 * import type { RoutedMessage } from 'leadflow';
 * const missing = (routed: RoutedMessage) => routed.unresolved.map((u) => `${u.recipient}: ${u.reason}`);
 * ```
 * @category Engine
 */
export interface RoutedMessage {
  readonly channel: ResolvedChannel;
  readonly notification: NotifyMessage;
  /** Address → the recipients (ids) it stands for. */
  readonly recipientsOf: ReadonlyMap<string, readonly string[]>;
  /** Recipients without an address on this channel, and why. */
  readonly unresolved: readonly { readonly recipient: string; readonly reason: string }[];
  readonly destinations: readonly PacedDestination[];
  /** Digest group key (destination), when the channel digests. */
  readonly digestKey: string | undefined;
}

/**
 * The routing `deliverOutbox` applies (see {@link createOutboxRouting}). It holds the state that
 * outlives a round: the pacer's booked slots and the digest windows used.
 *
 * @example
 * ```ts
 * import type { OutboxRouting } from 'leadflow';
 * const hasChannel = (routing: OutboxRouting, name: string) => routing.channel(name) !== undefined;
 * ```
 * @category Engine
 */
export interface OutboxRouting {
  /** The channel setup of `name`, if the routing has one. */
  channel(name: string): ResolvedChannel | undefined;
  /** Route a message whose channel the routing has; `notification` is the rendered message. */
  route(message: OutboxMessage, notification: NotifyMessage, channel: ResolvedChannel): RoutedMessage;
  /** The next channel for a message failing on its channel, skipping channels it has tried. */
  fallbackFor(message: OutboxMessage): string | undefined;
  /** Add the host's link to a notification (and its `data.link`), if a link builder was given. */
  decorate(notification: NotifyMessage): NotifyMessage;
  /** The one message of a digest group. */
  digestOf(
    channel: ResolvedChannel,
    key: string,
    window: number,
    members: readonly { readonly message: OutboxMessage; readonly routed: RoutedMessage }[],
  ): NotifyMessage;
  /** The window index a destination last had its send in (digest mode). */
  lastWindow(key: string): number | undefined;
  markWindow(key: string, window: number): void;
  readonly pacer: SendPacer;
  /** How many messages one round may claim to build digests (all due at once). */
  readonly digestClaimLimit: number;
  readonly language: MessageLanguage;
}

/**
 * Options of {@link createOutboxRouting}.
 *
 * @example
 * ```ts
 * import { createOutboxRouting, memoryNotifier, zhikongPreset } from 'leadflow';
 * const routing = createOutboxRouting({
 *   channels: { wecom: memoryNotifier(), sms: { notifier: memoryNotifier(), limits: [{ limit: 1, windowMs: 60_000 }] } },
 *   team: zhikongPreset.team,
 *   fallbacks: new Map([['wecom', ['sms']]]),
 * });
 * ```
 * @category Engine
 */
export interface OutboxRoutingOptions {
  readonly channels: Readonly<Record<string, ChannelOptions | Notifier>>;
  /** Whose contacts resolve `to`. */
  readonly team: Pick<Team, 'reps' | 'supervisors' | 'staff'>;
  /** Next channels per channel (the compiled rule set's `routing.fallbacks`). */
  readonly fallbacks?: ReadonlyMap<string, readonly string[]>;
  /** Other channels a fallback may go to (delivered by the engine's plain `notifier`). */
  readonly otherChannels?: (name: string) => boolean;
  readonly links?: LinkBuilder;
  /** @default 'zh-CN' */
  readonly language?: MessageLanguage;
  /** @default createSendPacer() */
  readonly pacer?: SendPacer;
  /** @default 10000 */
  readonly digestClaimLimit?: number;
}

/** Contact fields of the channel names leadflow ships notifiers for. */
const DEFAULT_ADDRESS: Readonly<Record<string, readonly ContactField[]>> = /* @__PURE__ */ (() =>
  Object.freeze({
    wecom: ['wecomId'],
    sms: ['mobile'],
    email: ['email'],
    dingtalk: ['dingtalkUserId'],
    feishu: ['feishuOpenId'],
  }))();

function isNotifier(value: ChannelOptions | Notifier): value is Notifier {
  return typeof (value as Notifier).send === 'function';
}

function invalid(name: string, message: string): never {
  throw new EngineError('ENGINE_INVALID', `createEngine: channels.${name}${message}`);
}

/**
 * Check and fill in one channel's options.
 *
 * @internal
 */
export function resolveChannel(name: string, value: ChannelOptions | Notifier): ResolvedChannel {
  const options: ChannelOptions = isNotifier(value) ? { notifier: value } : value;
  if (!options || typeof options.notifier?.send !== 'function') {
    invalid(name, ': needs a notifier (an object with a send method)');
  }
  const address = options.address ?? (Object.hasOwn(DEFAULT_ADDRESS, name) ? DEFAULT_ADDRESS[name] : 'id');
  let fields: readonly ContactField[] | undefined;
  if (address !== 'id') {
    fields = typeof address === 'string' ? [address] : [...(address as readonly ContactField[])];
    for (const field of fields) {
      if (!CONTACT_FIELDS.includes(field)) {
        invalid(
          name,
          `.address: unknown contact field "${String(field)}" (one of ${CONTACT_FIELDS.join(', ')} or 'id')`,
        );
      }
    }
    if (fields.length === 0) invalid(name, '.address: name at least one contact field, or use "id"');
  }
  const group = options.group ?? false;
  const margin = options.limitMarginMs ?? 1_000;
  const limits =
    options.limits === false
      ? []
      : (options.limits ??
        (options.notifier.sendLimits ?? []).map((l) => ({ limit: l.limit, windowMs: l.windowMs + margin })));
  const channelLimits = options.channelLimits ?? [];
  const problem = sendLimitProblem(limits) ?? sendLimitProblem(channelLimits);
  if (problem !== undefined) invalid(name, `: a send limit ${problem}`);
  let digest: ResolvedChannel['digest'];
  if (options.digest) {
    const { windowMs, maxRows = 20 } = options.digest;
    if (!(typeof windowMs === 'number' && windowMs >= 1_000 && Number.isFinite(windowMs))) {
      invalid(name, `.digest.windowMs must be at least 1000 ms, got ${windowMs}`);
    }
    if (!Number.isSafeInteger(maxRows) || maxRows < 1)
      invalid(name, `.digest.maxRows must be a positive integer`);
    digest = { windowMs, maxRows };
  }
  const fallbackAfter = options.fallbackAfter;
  if (fallbackAfter !== undefined && !(Number.isSafeInteger(fallbackAfter) && fallbackAfter >= 1)) {
    invalid(name, `.fallbackAfter must be a positive integer, got ${fallbackAfter}`);
  }
  return {
    name,
    notifier: options.notifier,
    fields,
    group,
    limits,
    limitPer: options.limitPer ?? (group ? 'channel' : 'recipient'),
    channelLimits,
    digest,
    fallbackAfter,
  };
}

/**
 * The routing fields an outbox payload may carry beside `{ text, subject, template, data }`.
 *
 * @internal
 */
export interface PayloadRouting {
  /** Channels already tried (a fallback copy's chain). */
  readonly tried: readonly string[];
  /** The messages this one is a copy of, oldest first (fallbacks and re-drives). */
  readonly copyOf: readonly string[];
}

/**
 * The routing fields of a payload (absent ones empty).
 *
 * @internal
 */
export function payloadRouting(payload: JsonValue): PayloadRouting {
  const fields = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : {};
  const strings = (value: JsonValue | undefined): string[] =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return { tried: strings(fields.tried), copyOf: strings(fields.copyOf) };
}

/**
 * FNV-1a (32 bits) of a string, as 8 hex digits: a short stable name for a set of ids.
 *
 * @internal
 */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

const DIGEST_TEXT = {
  'zh-CN': {
    title: (count: number) => `待处理提醒 ${count} 条`,
    header: '| 提醒 | 内容 |',
    headerWithLink: '| 提醒 | 内容 | 链接 |',
    link: '查看',
    more: (count: number) => `另有 ${count} 条未列出。`,
    details: '查看详情：',
  },
  en: {
    title: (count: number) => `${count} reminders waiting`,
    header: '| Reminder | Details |',
    headerWithLink: '| Reminder | Details | Link |',
    link: 'Open',
    more: (count: number) => `${count} more not listed.`,
    details: 'Details: ',
  },
} as const;

/** A table cell: one line, pipes escaped, at most `max` characters. */
function cell(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The entity a message is about, from its `data` (`leadId`, `opportunityId`, …). */
function targetOf(data: JsonValue | undefined): Parameters<LinkBuilder>[0] | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  for (const [field, kind] of [
    ['leadId', 'lead'],
    ['opportunityId', 'opportunity'],
    ['taskId', 'task'],
    ['customerId', 'customer'],
  ] as const) {
    const id = data[field];
    if (typeof id === 'string' && id !== '') return { kind, id };
  }
  return undefined;
}

/**
 * Build the {@link OutboxRouting} of a set of channels. Throws an `EngineError`
 * (`ENGINE_INVALID`) naming the channel and field for an invalid setup.
 *
 * @example
 * ```ts
 * import { createOutboxRouting, memoryNotifier, memoryStorage, zhikongPreset } from 'leadflow';
 * import { deliverOutbox } from 'leadflow/core';
 * const routing = createOutboxRouting({ channels: { wecom: memoryNotifier() }, team: zhikongPreset.team });
 * await deliverOutbox({ storage: memoryStorage(), notifier: () => undefined, now: Date.now(), routing });
 * ```
 * @category Engine
 */
export function createOutboxRouting(options: OutboxRoutingOptions): OutboxRouting {
  const channels = new Map<string, ResolvedChannel>();
  for (const [name, value] of Object.entries(options.channels))
    channels.set(name, resolveChannel(name, value));
  const directory: RecipientDirectory = createRecipientDirectory(options.team);
  const fallbacks = options.fallbacks ?? new Map<string, readonly string[]>();
  const language = options.language ?? 'zh-CN';
  const text = DIGEST_TEXT[language];
  const links = options.links;
  const windows = new Map<string, number>();
  const exists = (name: string) => channels.has(name) || (options.otherChannels?.(name) ?? false);

  function linkOf(data: JsonValue | undefined): string | undefined {
    if (!links) return undefined;
    const target = targetOf(data);
    if (!target) return undefined;
    try {
      const url = links(target);
      return typeof url === 'string' && url !== '' ? url : undefined;
    } catch {
      return undefined; // a throwing link builder must not lose the message
    }
  }

  return {
    pacer: options.pacer ?? createSendPacer(),
    digestClaimLimit: options.digestClaimLimit ?? 10_000,
    language,
    channel: (name) => channels.get(name),
    route(message, notification, channel) {
      const recipientsOf = new Map<string, string[]>();
      const unresolved: { recipient: string; reason: string }[] = [];
      for (const recipient of message.to) {
        let address: string;
        if (channel.fields === undefined) address = recipient;
        else {
          const found = directory.address(recipient, channel.fields);
          if ('reason' in found) {
            if (!channel.group) unresolved.push({ recipient, reason: found.reason });
            continue;
          }
          address = found.address;
        }
        const list = recipientsOf.get(address);
        if (list) list.push(recipient);
        else recipientsOf.set(address, [recipient]);
      }
      const to = [...recipientsOf.keys()];
      const destinations: PacedDestination[] = [];
      if (channel.limits.length > 0) {
        if (channel.limitPer === 'channel') destinations.push({ key: channel.name, limits: channel.limits });
        else
          for (const address of to)
            destinations.push({ key: `${channel.name}:${address}`, limits: channel.limits });
      }
      if (channel.channelLimits.length > 0) {
        destinations.push({ key: `${channel.name}\u0000channel`, limits: channel.channelLimits });
      }
      const digestKey = channel.digest
        ? channel.group || channel.limitPer === 'channel'
          ? channel.name
          : `${channel.name}:${[...to].sort().join(',')}`
        : undefined;
      return {
        channel,
        notification: { ...notification, to },
        recipientsOf,
        unresolved,
        destinations,
        digestKey,
      };
    },
    fallbackFor(message) {
      const { tried } = payloadRouting(message.payload);
      const seen = new Set([...tried, message.channel]);
      for (const next of fallbacks.get(message.channel) ?? []) {
        if (!seen.has(next) && exists(next)) return next;
      }
      return undefined;
    },
    decorate(notification) {
      const url = linkOf(notification.data);
      if (url === undefined) return notification;
      const data =
        typeof notification.data === 'object' &&
        notification.data !== null &&
        !Array.isArray(notification.data)
          ? { ...notification.data, link: url }
          : notification.data === undefined
            ? { link: url }
            : notification.data;
      return { ...notification, text: `${notification.text}\n${text.details}${url}`, data };
    },
    digestOf(channel, key, window, members) {
      const ids = members.map((m) => m.message.id);
      const rows = members.slice(0, channel.digest?.maxRows ?? 20);
      const withLinks =
        links !== undefined && rows.some((m) => linkOf(m.routed.notification.data) !== undefined);
      const lines = [`**${text.title(members.length)}**`, '', withLinks ? text.headerWithLink : text.header];
      lines.push(withLinks ? '| --- | --- | --- |' : '| --- | --- |');
      for (const { routed } of rows) {
        const n = routed.notification;
        const label = cell(n.subject ?? n.template ?? '', 24);
        const body = cell(n.text.split('\n', 1)[0] ?? '', 80);
        const url = withLinks ? linkOf(n.data) : undefined;
        lines.push(
          withLinks
            ? `| ${label} | ${body} | ${url ? `[${text.link}](${url})` : ''} |`
            : `| ${label} | ${body} |`,
        );
      }
      if (members.length > rows.length) lines.push('', text.more(members.length - rows.length));
      const to = [...new Set(members.flatMap((m) => m.routed.notification.to))];
      return {
        idempotencyKey: `digest:${key}:${window}:${fnv1a([...ids].sort().join('\n'))}`,
        channel: channel.name,
        to,
        subject: text.title(members.length),
        template: 'digest',
        text: lines.join('\n'),
        data: {
          digest: true,
          count: members.length,
          messageIds: ids,
          items: members.map((m) => ({
            id: m.message.id,
            template: m.routed.notification.template ?? null,
            data: m.routed.notification.data ?? null,
          })),
        },
      };
    },
    lastWindow: (key) => windows.get(key),
    markWindow(key, window) {
      windows.set(key, window);
      if (windows.size > 10_000) windows.delete(windows.keys().next().value as string);
    },
  };
}
