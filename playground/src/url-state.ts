/**
 * The whole state of the page in the URL hash, so a link reproduces a run: `#s=` and the
 * base64url of the deflate-raw of the state's JSON, compressed with the platform's
 * `CompressionStream` (Chromium, Node 20) — no library. Decoding never throws: a bad, truncated
 * or tampered hash, or one of an unknown version, is an `ok: false` with a message.
 */
import type { Lang } from './i18n.js';
import type { RunParams } from './shape.js';

/** Everything a link carries. Texts equal to the preset's own are stored as `null` by the caller. */
export interface PlaygroundState {
  readonly v: 1;
  readonly lang: Lang;
  readonly params: RunParams;
  /** The edited rule-set JSON text; `null` = the preset's own. */
  readonly ruleSet: string | null;
  /** The edited team JSON text; `null` = the preset's own. */
  readonly team: string | null;
  /** What a compare runs against; `null` = no compare. */
  readonly baseline: { readonly ruleSet: string | null; readonly team: string | null } | null;
  /** An uploaded leads file, as text. */
  readonly leads: { readonly name: string; readonly text: string } | null;
}

/** A part of the state {@link encodeState} may leave out of a link that would be too long. */
export type OmittedPart = 'leads' | 'baseline';

/** What {@link encodeState} gives. */
export interface EncodedState {
  /** `#s=…`, to assign to `location.hash`. */
  readonly hash: string;
  /** Parts left out to keep the link under {@link MAX_URL_CHARS}, in the order they were dropped. */
  readonly omitted: readonly OmittedPart[];
  /** False when even without them the hash is longer than {@link MAX_URL_CHARS} (the rules alone are too big). */
  readonly fits: boolean;
}

export type DecodedState =
  | { readonly ok: true; readonly state: PlaygroundState }
  | { readonly ok: false; readonly error: string };

/** Longest hash a link gets (well under what browsers and chat apps keep of a URL). */
export const MAX_URL_CHARS = 60_000;

const PREFIX = '#s=';
/** Parts dropped when the link is too long, first first: the leads are the bulk and the least shareable. */
const DROP_ORDER: readonly OmittedPart[] = ['leads', 'baseline'];
/** Decompressed size cap, so a crafted hash cannot inflate into gigabytes. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
const MAX_FILE_NAME = 255;

/** Whether `hash` carries a state at all (an empty or foreign hash is not an error to show). */
export function hasState(hash: string): boolean {
  return hash.startsWith(PREFIX) || hash.startsWith(PREFIX.slice(1));
}

/** The state as a `#s=` hash, dropping the uploaded leads (then the baseline) when it would be too long. */
export async function encodeState(state: PlaygroundState): Promise<EncodedState> {
  let current: PlaygroundState = state;
  let hash = await hashOf(current);
  const omitted: OmittedPart[] = [];
  for (const part of DROP_ORDER) {
    if (hash.length <= MAX_URL_CHARS) break;
    if (current[part] === null) continue;
    current = { ...current, [part]: null };
    omitted.push(part);
    hash = await hashOf(current);
  }
  return { hash, omitted, fits: hash.length <= MAX_URL_CHARS };
}

/** Read a state from a hash (`#s=…`, with or without `#`). Never throws. */
export async function decodeState(hash: string): Promise<DecodedState> {
  if (!hasState(hash)) return fail('the link carries no playground state (no #s=)');
  const payload = hash.slice(hash.startsWith('#') ? PREFIX.length : PREFIX.length - 1);
  if (payload === '') return fail('the link’s state is empty');
  if (!/^[A-Za-z0-9_-]+$/.test(payload))
    return fail('the link’s state is not base64url (damaged when copied?)');
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(payload);
  } catch {
    return fail('the link’s state is not base64url (damaged when copied?)');
  }
  let json: string;
  try {
    json = await inflate(bytes);
  } catch (error) {
    return fail(
      error instanceof TooLarge
        ? error.message
        : 'the link’s state cannot be decompressed (truncated or damaged)',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return fail('the link’s state is not valid JSON');
  }
  try {
    return { ok: true, state: checkState(value) };
  } catch (error) {
    if (error instanceof Invalid) return fail(error.message);
    throw error;
  }
}

async function hashOf(state: PlaygroundState): Promise<string> {
  return PREFIX + toBase64Url(await deflate(new TextEncoder().encode(JSON.stringify(state))));
}

function fail(error: string): DecodedState {
  return { ok: false, error };
}

// ---------------------------------------------------------------------------------------------
// Compression and base64url

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

class TooLarge extends Error {}

async function inflate(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_JSON_BYTES) {
      await reader.cancel().catch(() => {});
      throw new TooLarge(`the link’s state is larger than ${MAX_JSON_BYTES / 1024 / 1024} MB decompressed`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(all);
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep String.fromCharCode's argument count well under the engines' limits.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const base64 = text.replaceAll('-', '+').replaceAll('_', '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Validation (the ranges of checkParams in inputs.ts, which this module must not import: it
// pulls the engine into the page's first bundle)

class Invalid extends Error {}

function invalid(message: string): never {
  throw new Invalid(`the link’s state is invalid: ${message}`);
}

type Json = Record<string, unknown>;

function object(value: unknown, path: string, keys: readonly string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(`${path}: expected an object`);
  for (const key of Object.keys(value)) if (!keys.includes(key)) invalid(`${path}: unknown field "${key}"`);
  for (const key of keys) if (!Object.hasOwn(value, key)) invalid(`${path}: missing field "${key}"`);
  return value as Json;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string') invalid(`${path}: expected a string`);
  return value;
}

function textOrNull(value: unknown, path: string): string | null {
  return value === null ? null : text(value, path);
}

function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    invalid(`${path}: expected an integer from ${min} to ${max}`);
  return value;
}

function checkParams(value: unknown): RunParams {
  const p = object(value, 'params', ['preset', 'days', 'leadsPerMonth', 'seed']);
  if (p.preset !== 'zhikong' && p.preset !== 'hengrui') invalid('params.preset: expected zhikong or hengrui');
  return {
    preset: p.preset,
    days: integer(p.days, 'params.days', 1, 366),
    leadsPerMonth: integer(p.leadsPerMonth, 'params.leadsPerMonth', 1, 200_000),
    seed: integer(p.seed, 'params.seed', 0, 2 ** 31 - 1),
  };
}

function checkState(value: unknown): PlaygroundState {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'v' in value && value.v !== 1)
    invalid(`version ${JSON.stringify(value.v)} is not supported (this playground reads version 1)`);
  const s = object(value, 'state', ['v', 'lang', 'params', 'ruleSet', 'team', 'baseline', 'leads']);
  if (s.v !== 1) invalid('state.v: expected 1');
  if (s.lang !== 'zh-CN' && s.lang !== 'en') invalid('state.lang: expected zh-CN or en');
  let baseline: PlaygroundState['baseline'] = null;
  if (s.baseline !== null) {
    const b = object(s.baseline, 'baseline', ['ruleSet', 'team']);
    baseline = {
      ruleSet: textOrNull(b.ruleSet, 'baseline.ruleSet'),
      team: textOrNull(b.team, 'baseline.team'),
    };
  }
  let leads: PlaygroundState['leads'] = null;
  if (s.leads !== null) {
    const l = object(s.leads, 'leads', ['name', 'text']);
    const name = text(l.name, 'leads.name');
    if (name.length > MAX_FILE_NAME) invalid(`leads.name: longer than ${MAX_FILE_NAME} characters`);
    leads = { name, text: text(l.text, 'leads.text') };
  }
  return {
    v: 1,
    lang: s.lang,
    params: checkParams(s.params),
    ruleSet: textOrNull(s.ruleSet, 'ruleSet'),
    team: textOrNull(s.team, 'team'),
    baseline,
    leads,
  };
}
