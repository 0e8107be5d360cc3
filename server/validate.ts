/**
 * Payload validation for socket events and JSON bodies. Every helper either returns the
 * typed value or throws `ERR_VALIDATION` with a message naming the field, so handlers
 * read as a list of expectations.
 */
import { ChatFilesError } from './errors.js';

/** Longest id (file, room, socket, session) the server accepts. */
export const MAX_ID_LENGTH = 200;

/** A plain JSON object as it arrives from the wire. */
export type Fields = Record<string, unknown>;

const invalid = (message: string): never => {
  throw new ChatFilesError('ERR_VALIDATION', message);
};

/** The payload as an object; anything else (null, arrays, strings) is refused. */
export function asObject(payload: unknown, what = 'payload'): Fields {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return invalid(`${what} must be an object.`);
  }
  return payload as Fields;
}

/** An id field: a non-empty string of at most {@link MAX_ID_LENGTH} characters. */
export function requireId(fields: Fields, key: string): string {
  const value = fields[key];
  if (typeof value !== 'string' || value === '' || value.length > MAX_ID_LENGTH) {
    return invalid(`${key} must be a string of 1 to ${MAX_ID_LENGTH} characters.`);
  }
  return value;
}

/** An optional id field; `undefined` and `null` mean absent. */
export function optionalId(fields: Fields, key: string): string | undefined {
  if (fields[key] === undefined || fields[key] === null) return undefined;
  return requireId(fields, key);
}

/** A string field of bounded length. */
export function requireString(
  fields: Fields,
  key: string,
  { min = 1, max }: { min?: number; max: number },
): string {
  const value = fields[key];
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    return invalid(`${key} must be a string of ${min} to ${max} characters.`);
  }
  return value;
}

/** An optional string field of bounded length; `undefined` and `null` mean absent. */
export function optionalString(
  fields: Fields,
  key: string,
  bounds: { min?: number; max: number },
): string | undefined {
  if (fields[key] === undefined || fields[key] === null) return undefined;
  return requireString(fields, key, bounds);
}

/** A safe integer within bounds. */
export function requireInteger(
  fields: Fields,
  key: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    return invalid(`${key} must be an integer from ${min} to ${max}.`);
  }
  return value;
}

/** A finite number within bounds. */
export function requireNumber(
  fields: Fields,
  key: string,
  { min = -Number.MAX_VALUE, max = Number.MAX_VALUE }: { min?: number; max?: number } = {},
): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    return invalid(`${key} must be a number from ${min} to ${max}.`);
  }
  return value;
}

/** A boolean field. */
export function requireBoolean(fields: Fields, key: string): boolean {
  const value = fields[key];
  if (typeof value !== 'boolean') return invalid(`${key} must be true or false.`);
  return value;
}

/** An optional boolean field; `undefined` and `null` mean absent. */
export function optionalBoolean(fields: Fields, key: string): boolean | undefined {
  if (fields[key] === undefined || fields[key] === null) return undefined;
  return requireBoolean(fields, key);
}

/** One of a fixed set of strings. */
export function requireOneOf<T extends string>(
  fields: Fields,
  key: string,
  allowed: readonly T[],
): T {
  const value = fields[key];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    return invalid(`${key} must be one of ${allowed.join(', ')}.`);
  }
  return value as T;
}

/** A list of ids, at most `maxItems` long. */
export function requireIdList(fields: Fields, key: string, maxItems: number): string[] {
  const value = fields[key];
  if (
    !Array.isArray(value) ||
    value.length > maxItems ||
    !value.every((id) => typeof id === 'string' && id !== '' && id.length <= MAX_ID_LENGTH)
  ) {
    return invalid(`${key} must be a list of at most ${maxItems} ids.`);
  }
  return value as string[];
}

/** An optional list of non-negative integers (piece indexes), at most `maxItems` long. */
export function optionalIndexList(
  fields: Fields,
  key: string,
  maxItems: number,
): number[] | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.length > maxItems ||
    !value.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)
  ) {
    return invalid(`${key} must be a list of at most ${maxItems} non-negative integers.`);
  }
  return value as number[];
}
