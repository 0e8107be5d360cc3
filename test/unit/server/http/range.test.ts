import { describe, expect, it } from 'vitest';
import { ifRangeAllows, parseRange } from '../../../../server/http/range.js';

describe('byte ranges', () => {
  it('parses single ranges per RFC 9110', () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=0-0', 100)).toEqual({ kind: 'range', start: 0, end: 0 });
    expect(parseRange('bytes=10-', 100)).toEqual({ kind: 'range', start: 10, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ kind: 'range', start: 0, end: 99 });
    expect(parseRange('bytes=50-99999999999999999999', 100)).toEqual({
      kind: 'range',
      start: 50,
      end: 99,
    });
    expect(parseRange(' Bytes = 1-2 ', 100)).toEqual({ kind: 'range', start: 1, end: 2 });
  });

  it('marks ranges outside the representation unsatisfiable', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('serves an empty representation whole for a non-zero suffix (RFC 9110 §14.1.2)', () => {
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=-0', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores what it does not serve', () => {
    for (const header of ['bytes=5-1', 'bytes=-', 'bytes=a-b', 'lines=1-2', 'bytes=0-1,3-4', '']) {
      expect(parseRange(header, 100), header).toEqual({ kind: 'none' });
    }
  });

  it('evaluates If-Range strongly', () => {
    expect(ifRangeAllows(undefined, '"a"')).toBe(true);
    expect(ifRangeAllows('"a"', '"a"')).toBe(true);
    expect(ifRangeAllows('W/"a"', '"a"')).toBe(false);
    expect(ifRangeAllows('Sat, 01 Jan 2000 00:00:00 GMT', '"a"')).toBe(false);
  });
});
