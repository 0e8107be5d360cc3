/**
 * The client side of the HTTP benchmarks, identical for product and baseline: a
 * streaming multipart upload from a file on disk, and downloads that count and drop the
 * bytes (nothing is ever held whole in memory).
 */
import { createReadStream } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Read size of the uploaded file; large reads keep the client cheap next to the server. */
const READ_CHUNK = 1024 * 1024;

const BOUNDARY = '----chat-files-bench-boundary';

/** A request silent for this long is abandoned (the benchmark then fails, it never hangs). */
const IDLE_TIMEOUT_MS = 120_000;

/** Drains a response, returning how many body bytes it had. */
function drain(response: IncomingMessage): Promise<number> {
  // 'data' events, not async iteration: the client should cost as little as possible.
  return new Promise((resolve, reject) => {
    let bytes = 0;
    response.on('data', (chunk: Buffer) => (bytes += chunk.length));
    response.once('end', () => resolve(bytes));
    response.once('error', reject);
  });
}

/**
 * POSTs `filePath` as the multipart field `file` (after the text `fields`), streaming it
 * from disk, and resolves with the response status and text once the answer is in.
 */
export async function uploadMultipart(
  url: string,
  filePath: string,
  size: number,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  let head = '';
  for (const [name, value] of Object.entries(fields)) {
    head += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  head += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n--${BOUNDARY}--\r\n`;
  const length = Buffer.byteLength(head) + size + Buffer.byteLength(tail);

  async function* body() {
    yield Buffer.from(head);
    yield* createReadStream(filePath, { highWaterMark: READ_CHUNK });
    yield Buffer.from(tail);
  }

  const req = request(url, {
    method: 'POST',
    headers: {
      ...headers,
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      'content-length': String(length),
    },
  });
  req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`POST ${url}: timed out`)));
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  // A server that answers early (an error) may close before the body is sent.
  const sent = pipeline(Readable.from(body()), req).catch(() => undefined);
  const response = await answered;
  let text = '';
  for await (const chunk of response as AsyncIterable<Buffer>) text += chunk.toString();
  await sent;
  return { status: response.statusCode ?? 0, body: text };
}

/** A keep-alive connection for a series of downloads from one server. */
export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1 });
}

/**
 * GETs `url` and drains the body. Throws unless the status is `expectStatus` and the
 * body has `expectBytes` bytes.
 */
export async function download(
  url: string,
  agent: Agent,
  headers: Record<string, string>,
  expectStatus: number,
  expectBytes: number,
): Promise<void> {
  const send = () =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, { agent, headers }, resolve);
      req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`GET ${url}: timed out`)));
      req.once('error', (error: NodeJS.ErrnoException) =>
        reject(Object.assign(error, { reused: req.reusedSocket })),
      );
      req.end();
    });
  // A kept-alive connection the server closed while idle (Node closes them after 5 s)
  // fails on reuse; Node's documentation says to retry such a request once.
  const response = await send().catch((error: NodeJS.ErrnoException & { reused?: boolean }) => {
    if (error.reused && (error.code === 'ECONNRESET' || error.message === 'socket hang up')) {
      return send();
    }
    throw error;
  });
  const bytes = await drain(response);
  if (response.statusCode !== expectStatus || bytes !== expectBytes) {
    throw new Error(
      `GET ${url}: HTTP ${response.statusCode} with ${bytes} bytes, expected ${expectStatus} with ${expectBytes}`,
    );
  }
}

/**
 * Uploads `filePath` by tus 1.0: creates the upload at `endpoint` with `metadata`, then
 * sends the whole file in one PATCH streamed from disk (as a tus client that is never
 * cut off does). Resolves with the final PATCH's status and text.
 */
export async function uploadTus(
  endpoint: string,
  filePath: string,
  size: number,
  metadata: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const encoded = Object.entries(metadata)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
  const created = await fetch(endpoint, {
    method: 'POST',
    headers: {
      ...headers,
      'tus-resumable': '1.0.0',
      'upload-length': String(size),
      'upload-metadata': encoded,
    },
  });
  const location = created.headers.get('location');
  if (created.status !== 201 || !location) {
    return { status: created.status, body: await created.text() };
  }
  const req = request(new URL(location, endpoint), {
    method: 'PATCH',
    headers: {
      ...headers,
      'tus-resumable': '1.0.0',
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
      'content-length': String(size),
    },
  });
  req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`PATCH ${location}: timed out`)));
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  const sent = pipeline(createReadStream(filePath, { highWaterMark: READ_CHUNK }), req).catch(
    () => undefined,
  );
  const response = await answered;
  let text = '';
  for await (const chunk of response as AsyncIterable<Buffer>) text += chunk.toString();
  await sent;
  return { status: response.statusCode ?? 0, body: text };
}
