/**
 * MIME types as both sides read them: what a declared type normalizes to, and whether
 * `server_seeding.allowed_mime_types` lets it through. One definition, so the browser
 * refuses exactly what the server would.
 */

/** The type of bytes nobody described. */
export const GENERIC_TYPE = 'application/octet-stream';

const MIME_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/**
 * The bare, lower-case `type/subtype` of a declared type, parameters dropped;
 * {@link GENERIC_TYPE} for anything missing or malformed.
 */
export function normalizeMimeType(input: unknown): string {
  if (typeof input !== 'string') return GENERIC_TYPE;
  const bare = input.split(';', 1)[0]!.trim().toLowerCase();
  return MIME_PATTERN.test(bare) ? bare : GENERIC_TYPE;
}

/** Whether `mime` is on the allow-list; `null` allows everything, `type/*` a whole family. */
export function isAllowedType(mime: string, allowList: readonly string[] | null): boolean {
  if (allowList === null) return true;
  return allowList.some((entry) => {
    const allowed = entry.toLowerCase();
    return allowed.endsWith('/*') ? mime.startsWith(allowed.slice(0, -1)) : allowed === mime;
  });
}
