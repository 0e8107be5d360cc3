/**
 * Conditional requests per RFC 9110 §13: `If-Match`, `If-Unmodified-Since`,
 * `If-None-Match` and `If-Modified-Since`, evaluated in the order §13.2.2 gives, against
 * a strong ETag and a modification time.
 */

/** What the preconditions of a request decide. */
export type PreconditionOutcome = 'proceed' | 'not-modified' | 'failed';

/** The validators of the selected representation. */
export interface Validators {
  /** A strong entity tag, quoted: `"<sha256>"`. */
  etag: string;
  /** Last modification, in epoch milliseconds. */
  lastModified: number;
}

/** Request headers the evaluation reads (lower-case names). */
export type HeaderLookup = (name: string) => string | undefined;

const ENTITY_TAG = /(?:W\/)?"[^"]*"/g;

/** The entity tags of an `If-Match` / `If-None-Match` list, or `'*'`. */
function entityTags(header: string): string[] | '*' {
  if (header.trim() === '*') return '*';
  return header.match(ENTITY_TAG) ?? [];
}

/** Strong comparison (§8.8.3.2): both tags strong and equal. */
export function ifMatchPasses(header: string, etag: string): boolean {
  const tags = entityTags(header);
  if (tags === '*') return true;
  return tags.some((tag) => !tag.startsWith('W/') && tag === etag);
}

/** Weak comparison: equal once `W/` is dropped. True when the client's copy is current. */
export function ifNoneMatchMatches(header: string, etag: string): boolean {
  const tags = entityTags(header);
  if (tags === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return tags.some((tag) => tag.replace(/^W\//, '') === bare);
}

const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/** An HTTP-date (§5.6.7, all three forms) in whole seconds, or `null` when it is not one. */
export function httpDateSeconds(value: string): number | null {
  const text = value.trim();
  let ms = Number.NaN;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) ms = Date.parse(text);
  // asctime carries no zone; HTTP-dates are always UTC.
  else if (ASCTIME_DATE.test(text)) ms = Date.parse(`${text} GMT`);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/**
 * Evaluates the preconditions of a GET or HEAD: `failed` is answered 412, `not-modified`
 * 304, and `proceed` goes on to ranges and the body.
 */
export function evaluatePreconditions(
  header: HeaderLookup,
  validators: Validators,
): PreconditionOutcome {
  const modified = Math.floor(validators.lastModified / 1000);
  const ifMatch = header('if-match');
  if (ifMatch !== undefined) {
    if (!ifMatchPasses(ifMatch, validators.etag)) return 'failed';
  } else {
    const since = header('if-unmodified-since');
    const date = since === undefined ? null : httpDateSeconds(since);
    if (date !== null && modified > date) return 'failed';
  }
  const ifNoneMatch = header('if-none-match');
  if (ifNoneMatch !== undefined) {
    return ifNoneMatchMatches(ifNoneMatch, validators.etag) ? 'not-modified' : 'proceed';
  }
  const since = header('if-modified-since');
  const date = since === undefined ? null : httpDateSeconds(since);
  if (date !== null && modified <= date) return 'not-modified';
  return 'proceed';
}

/** Whether a request carries a precondition other than `If-None-Match` and `If-Range`. */
export function hasDatePreconditionOrMatch(header: HeaderLookup): boolean {
  return (
    header('if-match') !== undefined ||
    header('if-unmodified-since') !== undefined ||
    header('if-modified-since') !== undefined
  );
}
