/**
 * Size limits every model schema enforces. Lead intake is untrusted input (web forms, live-stream
 * forms, partner APIs), so every string, array and record has an upper bound; a value past a
 * bound is refused with an issue at its field path instead of being truncated.
 *
 * Instants (`receivedAt`, behaviour `at`) must fall in `[minInstantMs, maxInstantMs)`: the lower
 * bound (2000-01-01T00:00:00Z) catches the classic mistake of sending epoch *seconds* where
 * milliseconds are expected.
 *
 * @example
 * ```ts
 * import { MODEL_LIMITS } from 'leadflow';
 * const kept = need.length > MODEL_LIMITS.needLength ? need.slice(0, MODEL_LIMITS.needLength) : need;
 * ```
 * @category Model
 */
export const MODEL_LIMITS = /* @__PURE__ */ (() =>
  Object.freeze({
    /** Ids (lead, rep, customer, supervisor, pool, department, group): characters. */
    idLength: 128,
    /** Person and company names, campaign names, asset names: characters. */
    nameLength: 200,
    /** Short labels (region, city, park, industry, skill, product model, role): characters. */
    labelLength: 100,
    /** Postal addresses (a customer's registered address, 工商注册地址): characters. */
    addressLength: 300,
    /** Free intent text of a lead (`need`): characters. */
    needLength: 10_000,
    /** Notes on history records: characters. */
    noteLength: 2_000,
    /** URLs in behaviour events: characters. */
    urlLength: 2_048,
    /** Phone numbers: characters. */
    phoneLength: 32,
    /** E-mail addresses: characters (RFC 5321 path limit). */
    emailLength: 254,
    /** WeCom (企业微信) user ids: characters. */
    wecomIdLength: 64,
    /** Behaviour events on one lead. */
    behaviours: 1_000,
    /** Source-given tags on one lead. */
    tags: 50,
    /** Characters of one tag. */
    tagLength: 64,
    /** Keys of a free-form `custom` record. */
    customKeys: 100,
    /** Characters of a `custom` key. */
    customKeyLength: 64,
    /** Characters of a string value in a `custom` record. */
    customStringLength: 2_000,
    /** Entries of a rep's `regions`, `industries`, `skills` or `channels` list. */
    labelListLength: 200,
    /** Leave ranges of one rep. */
    leaveRanges: 500,
    /** Shift entries of one rep. */
    repShifts: 50,
    /** Recent wins of one rep. */
    recentWins: 1_000,
    /** Largest `dailyCapacity` of a rep. */
    maxDailyCapacity: 10_000,
    /** Reps in one team. */
    teamReps: 10_000,
    /** Supervisors, staff members, pools or departments in one team (each list). */
    teamGroups: 1_000,
    /** Members of one pool or department. */
    groupMembers: 10_000,
    /** Contacts of one customer. */
    customerContacts: 100,
    /** Entries of each customer history list (purchases, receivables, technical contacts, renewals). */
    customerHistory: 10_000,
    /** Largest money amount accepted (in currency units, not cents). */
    maxAmount: 1e15,
    /** Largest `seconds` of one video-watch event (24 h). */
    maxVideoSeconds: 86_400,
    /** Earliest accepted instant, epoch ms (2000-01-01T00:00:00Z). */
    minInstantMs: 946_684_800_000,
    /** First refused instant, epoch ms (2100-01-01T00:00:00Z). */
    maxInstantMs: 4_102_444_800_000,
    /** Issues reported per parse; the rest are summarised in one final issue. */
    maxIssues: 100,
  } as const))();
