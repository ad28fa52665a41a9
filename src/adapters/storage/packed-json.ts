/**
 * Packed JSON: a compact, on-heap form of a stored JSON value, for the memory stores' cold rows.
 * Its reference is the JSON text (`JSON.parse(JSON.stringify(value))`); a differential property
 * test holds the two equal (`test/adapters/packed-json.diff.test.ts`).
 *
 * Why not the JSON text or its UTF-8 bytes: a lead's snapshot is about 3 KB of text, twice that
 * as a JS string once it holds one Chinese character, and bytes outside the heap make V8 collect
 * the whole heap as they grow. A packed row is a one-byte string (char codes 0–255, on the heap,
 * a single object the collector never scans) without the keys, which a pack shares per shape:
 * objects with the same keys in the same order are stored as a shape number and their values.
 * Strings that keep coming back (states, tags, rep and policy ids, a follow-up's status) are
 * shared the same way once seen often enough, so a row holds a number for them.
 *
 * Byte layout, one tag byte per value:
 * - `0` null, `1` false, `2` true;
 * - `3` / `4` a non-negative / negative safe integer as a varint of its magnitude; `16 + n` the
 *   integer `n` for 0 ≤ n < 240;
 * - `5` any other number, its float64 bytes;
 * - `6` a string: varint length, then each UTF-16 unit as a varint (ASCII one byte, CJK three;
 *   lone surrogates survive, unlike UTF-8); `7` a shared string: varint index;
 * - `8` an array: varint length, items; `9` an object of a shared shape: varint shape, values in
 *   the shape's key order; `10` an object spelled out: varint count, then key string and value.
 *
 * @internal
 * @module
 */
import type { JsonValue } from './port.js';

const T_NULL = 0;
const T_FALSE = 1;
const T_TRUE = 2;
const T_UINT = 3;
const T_NINT = 4;
const T_FLOAT = 5;
const T_STRING = 6;
const T_SHARED_STRING = 7;
const T_ARRAY = 8;
const T_SHAPED = 9;
const T_OBJECT = 10;
const T_SMALL = 16;
const SMALL_LIMIT = 256 - T_SMALL;

/** Strings longer than this are never shared: names and texts, not states or ids. */
const SHAREABLE_LENGTH = 48;
/** Sightings before a string is shared: once or twice is an id, more is a vocabulary word. */
const SHARE_AFTER = 4;
/** Bounds on what a pack remembers, whatever its rows hold (a host's dynamic keys, free text). */
const MAX_SHARED_STRINGS = 65_536;
const MAX_CANDIDATES = 32_768;
const MAX_SHAPES = 16_384;
const MAX_SHAPE_KEYS = 64;

/**
 * A packer with its own shapes and shared strings: what it packs only it can unpack, so a store
 * keeps one for its life. Both tables only grow, within the bounds above.
 * @internal
 */
export interface PackedJson {
  /** The value as a packed string. The value must be plain JSON (the store checked it). */
  pack(value: JsonValue): string;
  /** A fresh value equal to `JSON.parse(JSON.stringify(value))` of what was packed. */
  unpack(packed: string): JsonValue;
}

interface ShapeNode {
  /** Shape number of the objects whose keys end here, -1 when none yet. */
  id: number;
  next: Map<string, ShapeNode> | undefined;
}

/** The string of the first `count` char codes (`fromCharCode` in chunks: an argument list has a size limit). */
function fromCodes(codes: Uint8Array | Uint16Array, count: number): string {
  let text = '';
  for (let from = 0; from < count; from += 8192)
    text += String.fromCharCode.apply(
      null,
      codes.subarray(from, Math.min(count, from + 8192)) as unknown as number[],
    );
  return text;
}

/** A new packer (see {@link PackedJson}). @internal */
export function createPackedJson(): PackedJson {
  const sharedStrings: string[] = [];
  const sharedIndex = new Map<string, number>();
  const candidates = new Map<string, number>();
  const shapes: (readonly string[])[] = [];
  const shapeRoot: ShapeNode = { id: -1, next: undefined };

  // The bytes of the row being packed: a growing buffer reused across packs.
  let bytes = new Uint8Array(4096);
  let length = 0;
  const float = new Float64Array(1);
  const floatBytes = new Uint8Array(float.buffer);
  // The UTF-16 units of the string being unpacked.
  let units = new Uint16Array(256);

  function ensure(extra: number): void {
    if (length + extra <= bytes.length) return;
    const grown = new Uint8Array(Math.max(bytes.length * 2, length + extra));
    grown.set(bytes.subarray(0, length));
    bytes = grown;
  }
  /** A varint of a non-negative safe integer (arithmetic, not bit operators: beyond 2^31). */
  function writeVarint(n: number): void {
    ensure(8);
    while (n >= 0x80) {
      bytes[length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    bytes[length++] = n;
  }
  function writeNumber(n: number): void {
    if (Number.isSafeInteger(n)) {
      if (n >= 0 && n < SMALL_LIMIT) {
        ensure(1);
        bytes[length++] = T_SMALL + n;
      } else {
        ensure(1);
        bytes[length++] = n >= 0 ? T_UINT : T_NINT;
        writeVarint(Math.abs(n));
      }
      return;
    }
    ensure(9);
    bytes[length++] = T_FLOAT;
    float[0] = n;
    bytes.set(floatBytes, length);
    length += 8;
  }
  function writeChars(text: string): void {
    writeVarint(text.length);
    for (let i = 0; i < text.length; i++) writeVarint(text.charCodeAt(i));
  }
  /** The shared index of a string, sharing it once it has been seen often enough; -1 if not shared. */
  function sharedOf(text: string): number {
    const index = sharedIndex.get(text);
    if (index !== undefined) return index;
    if (text.length > SHAREABLE_LENGTH || sharedStrings.length >= MAX_SHARED_STRINGS) return -1;
    const seen = (candidates.get(text) ?? 0) + 1;
    if (seen < SHARE_AFTER) {
      // Forget the sightings now and then: a stream of ids must not fill memory.
      if (candidates.size >= MAX_CANDIDATES) candidates.clear();
      candidates.set(text, seen);
      return -1;
    }
    candidates.delete(text);
    sharedIndex.set(text, sharedStrings.length);
    sharedStrings.push(text);
    return sharedStrings.length - 1;
  }
  function writeString(text: string): void {
    const index = sharedOf(text);
    ensure(1);
    if (index >= 0) {
      bytes[length++] = T_SHARED_STRING;
      writeVarint(index);
    } else {
      bytes[length++] = T_STRING;
      writeChars(text);
    }
  }
  /** The shape number of these keys in this order, made if new; -1 once the table is full. */
  function shapeOf(keys: readonly string[]): number {
    let node = shapeRoot;
    for (const key of keys) {
      let next = node.next?.get(key);
      if (next === undefined) {
        if (shapes.length >= MAX_SHAPES) return -1;
        next = { id: -1, next: undefined };
        if (node.next === undefined) node.next = new Map();
        node.next.set(key, next);
      }
      node = next;
    }
    if (node.id < 0) {
      if (shapes.length >= MAX_SHAPES) return -1;
      node.id = shapes.length;
      shapes.push(keys);
    }
    return node.id;
  }
  function write(value: JsonValue): void {
    if (value === null || value === undefined) {
      // An array's `undefined` item is null in JSON text (an object's is left out, below).
      ensure(1);
      bytes[length++] = T_NULL;
    } else if (typeof value === 'boolean') {
      ensure(1);
      bytes[length++] = value ? T_TRUE : T_FALSE;
    } else if (typeof value === 'number') {
      // JSON has no -0: it comes back as 0, as from JSON text.
      writeNumber(value === 0 ? 0 : value);
    } else if (typeof value === 'string') {
      writeString(value);
    } else if (Array.isArray(value)) {
      ensure(1);
      bytes[length++] = T_ARRAY;
      writeVarint(value.length);
      for (const item of value) write(item);
    } else {
      // Keys and values by two native calls, same order: no property read by a dynamic key.
      let keys = Object.keys(value);
      let items = Object.values(value) as JsonValue[];
      // Keys holding `undefined` are not in the JSON text: left out, as JSON.stringify does.
      if (items.includes(undefined as never)) {
        keys = keys.filter((_, i) => items[i] !== undefined);
        items = items.filter((item) => item !== undefined);
      }
      const shape = keys.length <= MAX_SHAPE_KEYS ? shapeOf(keys) : -1;
      ensure(1);
      if (shape >= 0) {
        bytes[length++] = T_SHAPED;
        writeVarint(shape);
        for (let i = 0; i < items.length; i++) write(items[i]!);
      } else {
        bytes[length++] = T_OBJECT;
        writeVarint(keys.length);
        for (let i = 0; i < items.length; i++) {
          writeString(keys[i]!);
          write(items[i]!);
        }
      }
    }
  }

  function pack(value: JsonValue): string {
    length = 0;
    write(value);
    // A one-byte string: every code is below 256.
    return fromCodes(bytes, length);
  }

  // The row being unpacked and the position in it: plain functions over them, not closures
  // made per call (an unpack is on every read of a cold row).
  let input = '';
  let at = 0;
  function readVarint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const byte = input.charCodeAt(at++);
      n += (byte & 0x7f) * scale;
      if (byte < 0x80) return n;
      scale *= 0x80;
    }
  }
  function readChars(): string {
    const count = readVarint();
    if (units.length < count) units = new Uint16Array(Math.max(count, units.length * 2));
    for (let i = 0; i < count; i++) units[i] = readVarint();
    return fromCodes(units, count);
  }
  function readString(): string {
    return input.charCodeAt(at++) === T_SHARED_STRING ? sharedStrings[readVarint()]! : readChars();
  }
  function setKey(object: Record<string, JsonValue>, key: string, value: JsonValue): void {
    // `__proto__` is an own key in JSON, as JSON.parse makes it.
    if (key === '__proto__')
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    else object[key] = value;
  }
  function read(): JsonValue {
    const tag = input.charCodeAt(at++);
    if (tag >= T_SMALL) return tag - T_SMALL;
    switch (tag) {
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_UINT:
        return readVarint();
      case T_NINT:
        return -readVarint();
      case T_FLOAT: {
        for (let i = 0; i < 8; i++) floatBytes[i] = input.charCodeAt(at++);
        return float[0]!;
      }
      case T_STRING:
        return readChars();
      case T_SHARED_STRING:
        return sharedStrings[readVarint()]!;
      case T_ARRAY: {
        const count = readVarint();
        const array: JsonValue[] = new Array(count);
        for (let i = 0; i < count; i++) array[i] = read();
        return array;
      }
      case T_SHAPED: {
        const keys = shapes[readVarint()]!;
        const object: Record<string, JsonValue> = {};
        for (let i = 0; i < keys.length; i++) setKey(object, keys[i]!, read());
        return object;
      }
      case T_OBJECT: {
        const count = readVarint();
        const object: Record<string, JsonValue> = {};
        for (let i = 0; i < count; i++) {
          const key = readString();
          setKey(object, key, read());
        }
        return object;
      }
      default:
        throw new Error(`packed JSON: unknown tag ${tag} at ${at - 1}`);
    }
  }
  function unpack(packed: string): JsonValue {
    input = packed;
    at = 0;
    const value = read();
    input = '';
    return value;
  }

  return { pack, unpack };
}
