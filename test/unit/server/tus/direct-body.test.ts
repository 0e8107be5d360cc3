/**
 * The body a tus store reads straight from the Node request: it ends, keeping what came,
 * when the request is cut off (before or while it is read) or when the tus server ends
 * its own side first; it refuses bytes past the upload; and the tus server's empty body
 * ends once the store is done.
 */
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { BodyPastLengthError, DirectBody } from '../../../../server/tus/tus-writes.js';

/** A request body that has sent `sent` and may send more. */
function requestWith(sent: string): PassThrough {
  const request = new PassThrough();
  request.write(sent);
  return request;
}

/** The stream the tus server hands the store: empty, ending when `end` is called. */
function handedSide(): { handed: PassThrough; end: () => void } {
  const handed = new PassThrough();
  return { handed, end: () => handed.end() };
}

describe('DirectBody', () => {
  it('passes the whole request body on, and then ends the empty body the tus server reads', async () => {
    const request = requestWith('hello, ');
    const direct = new DirectBody(request, 12);
    const { handed } = handedSide();
    const body = direct.open(handed, 0);
    request.end('world');
    expect(await text(body)).toBe('hello, world');
    direct.done();
    expect(await text(Readable.fromWeb(direct.web))).toBe('');
  });

  it('ends with what came when the request is cut off while it is read', async () => {
    const request = requestWith('first part');
    const body = new DirectBody(request, 100).open(handedSide().handed, 0);
    const read = text(body);
    setTimeout(() => request.destroy(new Error('aborted')), 20);
    expect(await read).toBe('first part');
  });

  it('ends at once for a request that was closed before the store began to read it', async () => {
    const request = requestWith('never read');
    request.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    const body = new DirectBody(request, 100).open(handedSide().handed, 0);
    expect(await text(body)).toBe('');
  });

  it('stops when the tus server ends its side first (a lock another request asked for)', async () => {
    const request = requestWith('kept');
    const { handed, end } = handedSide();
    const body = new DirectBody(request, 100).open(handed, 0);
    const read = text(body);
    setTimeout(end, 20);
    expect(await read).toBe('kept');
    // Bytes that come later stay in the request: the next PATCH sends them again.
    expect(request.write('late')).toBe(true);
  });

  it('fails past the upload length, counted from the offset of the write', async () => {
    const request = requestWith('12345');
    const body = new DirectBody(request, 10).open(handedSide().handed, 7);
    await expect(text(body)).rejects.toBeInstanceOf(BodyPastLengthError);
  });

  it('ends the empty body even after the tus server gave up on it', async () => {
    const direct = new DirectBody(requestWith(''), 1);
    await direct.web.cancel();
    expect(() => direct.done()).not.toThrow();
  });
});
