import { describe, expect, it } from 'vitest';
import {
  evaluatePreconditions,
  httpDateSeconds,
  ifMatchPasses,
  ifNoneMatchMatches,
} from '../../../../server/http/preconditions.js';

const etag = '"abc"';
const lastModified = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT') + 400; // sub-second part dropped
const evaluate = (headers: Record<string, string>) =>
  evaluatePreconditions((name) => headers[name], { etag, lastModified });

describe('preconditions (RFC 9110 §13)', () => {
  it('compares If-Match strongly and If-None-Match weakly', () => {
    expect(ifMatchPasses('"abc"', etag)).toBe(true);
    expect(ifMatchPasses('"x", "abc"', etag)).toBe(true);
    expect(ifMatchPasses('*', etag)).toBe(true);
    expect(ifMatchPasses('W/"abc"', etag)).toBe(false);
    expect(ifMatchPasses('abc', etag)).toBe(false);
    expect(ifNoneMatchMatches('W/"abc"', etag)).toBe(true);
    expect(ifNoneMatchMatches('"b", "abc"', etag)).toBe(true);
    expect(ifNoneMatchMatches('*', etag)).toBe(true);
    expect(ifNoneMatchMatches('"b"', etag)).toBe(false);
  });

  it('reads HTTP-dates and nothing else', () => {
    expect(httpDateSeconds('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(1445412480);
    expect(httpDateSeconds('Wednesday, 21-Oct-15 07:28:00 GMT')).toBe(1445412480);
    expect(httpDateSeconds('Wed Oct 21 07:28:00 2015')).toBe(1445412480);
    for (const bad of ['2015-10-21', 'yesterday', '0', '']) expect(httpDateSeconds(bad)).toBeNull();
  });

  it('evaluates in the order of §13.2.2', () => {
    const at = 'Wed, 21 Oct 2015 07:28:00 GMT';
    const before = 'Wed, 21 Oct 2015 07:27:59 GMT';
    expect(evaluate({})).toBe('proceed');
    expect(evaluate({ 'if-match': '"x"' })).toBe('failed');
    expect(evaluate({ 'if-unmodified-since': before })).toBe('failed');
    expect(evaluate({ 'if-unmodified-since': at })).toBe('proceed');
    expect(evaluate({ 'if-match': etag, 'if-unmodified-since': before })).toBe('proceed');
    expect(evaluate({ 'if-none-match': etag })).toBe('not-modified');
    expect(evaluate({ 'if-match': '"x"', 'if-none-match': etag })).toBe('failed');
    expect(evaluate({ 'if-modified-since': at })).toBe('not-modified');
    expect(evaluate({ 'if-modified-since': before })).toBe('proceed');
    expect(evaluate({ 'if-none-match': '"x"', 'if-modified-since': at })).toBe('proceed');
    expect(evaluate({ 'if-modified-since': 'garbage', 'if-unmodified-since': 'garbage' })).toBe(
      'proceed',
    );
  });
});
