/**
 * What the balancer and the operator see of one node: liveness, readiness, metrics,
 * JSON request logs without secrets, and a graceful shutdown that lets uploads finish.
 */
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createJsonLogger, pinoLogger } from '../../../../server/logging.js';
import { startTestApp } from '../../../support/test-app.js';
import { ack, bytesOf, manifestOf, nextEvent } from '../../server/support/helpers.js';

/** A pino logger whose JSON lines land in `lines`. */
function memoryLog() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino(stream), lines, text: () => JSON.stringify(lines) };
}

/** Shares `bytes` in general from a socket of `user` and returns the file id. */
async function share(socket: Parameters<typeof ack>[0], bytes: Buffer) {
  const reply = await ack(socket, 'chat:file:share', {
    room_id: 'general',
    name: 'report.bin',
    size: bytes.length,
    mime_type: 'application/octet-stream',
    manifest: manifestOf(bytes),
  });
  return reply.file_id as string;
}

describe('operations', () => {
  it('answers liveness and readiness, and readiness 503 naming a service that is down', async () => {
    let redisUp = true;
    const app = await startTestApp({
      app: {
        readinessChecks: {
          redis: async () => {
            if (!redisUp) throw new Error('down');
          },
        },
      },
    });
    try {
      expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ ok: true });
      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        ready: true,
        checks: { store: true, files: true, redis: true },
      });
      redisUp = false;
      const down = await fetch(`${app.url}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ ready: false, checks: { redis: false } });
    } finally {
      await app.close();
    }
  });

  it('counts sockets, uploads, downloads, bytes and errors by code at /metrics', async () => {
    const app = await startTestApp();
    try {
      const alice = await app.login('alice');
      await alice.socket();
      const socket = await alice.socket();
      const bytes = bytesOf(5000);
      const fileId = await share(socket, bytes);
      const form = new FormData();
      form.append('file_id', fileId);
      form.append('file', new Blob([new Uint8Array(bytes)]), 'report.bin');
      expect(
        (await alice.fetch('/api/chat/files/upload', { method: 'POST', body: form })).status,
      ).toBe(200);
      const download = await alice.fetch(`/api/chat/files/${fileId}/download`);
      expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
      const missing = await alice.fetch('/api/chat/files/nope/download');
      expect(missing.status).toBe(404);
      await missing.arrayBuffer();
      await ack(socket, 'chat:file:request_peers', { file_id: 'nope', room_id: 'general' });

      const res = await fetch(`${app.url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      const value = (series: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${series} `));
        return line === undefined ? undefined : Number(line.split(' ')[1]);
      };
      expect(value('chat_files_sockets')).toBe(2);
      expect(value('chat_files_uploads_total{result="ok"}')).toBe(1);
      expect(value('chat_files_upload_bytes_total')).toBeGreaterThan(5000);
      expect(value('chat_files_downloads_total{status="200"}')).toBe(1);
      expect(value('chat_files_downloads_total{status="404"}')).toBe(1);
      expect(value('chat_files_transfer_bytes_total{transport="server"}')).toBe(5000);
      expect(value('chat_files_errors_total{code="ERR_NOT_FOUND"}')).toBe(2);
    } finally {
      await app.close();
    }
  });

  it('logs one JSON line per request with its id, and no token, cookie or share token', async () => {
    const { log, lines, text } = memoryLog();
    const app = await startTestApp({ app: { requestLog: log } });
    try {
      const alice = await app.login('alice');
      const res = await alice.fetch('/api/rooms', {
        headers: { 'x-request-id': 'trace-12345678' },
      });
      expect(res.headers.get('x-request-id')).toBe('trace-12345678');
      const shareToken = 'S3cretShareTokenValue0123456789abcdef';
      await (
        await fetch(`${app.url}/api/chat/files/shares/${shareToken}/download?password=hunter2`)
      ).arrayBuffer();
      const injected = await fetch(`${app.url}/healthz`, {
        headers: { 'x-request-id': 'bad id {"x":1}' },
      });
      const freshId = injected.headers.get('x-request-id')!;
      expect(freshId).toMatch(/^[0-9a-f-]{36}$/);

      expect(lines.find((l) => l.request_id === 'trace-12345678')).toMatchObject({
        msg: 'request',
        method: 'GET',
        path: '/api/rooms',
        status: 200,
      });
      expect(lines.find((l) => l.request_id === freshId)).toMatchObject({ path: '/healthz' });
      expect(text()).toContain('/shares/[redacted]/download?password=[redacted]');
      for (const secret of [alice.token, shareToken, 'hunter2'])
        expect(text()).not.toContain(secret);
    } finally {
      await app.close();
    }
  });

  it('writes SDK diagnostics as JSON with the error’s stack, and blanks secrets in objects', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createJsonLogger(
      {},
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    pinoLogger(log).error('cannot delete blob', new Error('disk on fire'));
    log.info(
      {
        req: { headers: { authorization: 'Bearer abc123', cookie: 'chat_session=xyz789' } },
        share: { token: 't0ken', password: 'pw123' },
      },
      'request',
    );
    expect(lines[0]).toMatchObject({ level: 50, msg: 'cannot delete blob' });
    expect((lines[0]!.err as { stack: string }).stack).toMatch(/disk on fire/);
    const text = JSON.stringify(lines[1]);
    for (const secret of ['abc123', 'xyz789', 't0ken', 'pw123']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('drains on shutdown: readiness 503, sockets told to go, an upload in progress finishes', async () => {
    const app = await startTestApp();
    const alice = await app.login('alice');
    const socket = await alice.socket();
    const bytes = bytesOf(256 * 1024, 9);
    const fileId = await share(socket, bytes);
    const boundary = 'drainboundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file_id"\r\n\r\n${fileId}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.bin"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const body = Buffer.concat([head, bytes, tail]);
    const url = new URL(`${app.url}/api/chat/files/upload`);
    const upload = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${alice.token}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': body.length,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      // Half now, the rest once the node is draining.
      req.write(body.subarray(0, body.length / 2));
      setTimeout(() => req.end(body.subarray(body.length / 2)), 700);
    });
    await new Promise((r) => setTimeout(r, 200));
    const disconnected = nextEvent<string>(socket, 'disconnect');
    const stopped = app.chat.shutdown({ timeoutMs: 10_000, readinessGraceMs: 300 });
    const readiness = await fetch(`${app.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ ready: false, draining: true });
    expect(await disconnected).toBe('io server disconnect');
    const done = await upload;
    expect(done.status).toBe(200);
    expect(JSON.parse(done.body)).toMatchObject({ success: true });
    await stopped;
    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
    await app.close();
  });
});
