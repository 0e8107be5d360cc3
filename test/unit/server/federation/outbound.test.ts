/**
 * Outbound delivery against a scripted peer: signed requests to the api_base the peer
 * publishes, fresh signatures per attempt, retries with backoff for transient failures
 * only, nothing secret in the logs, and prompt cancellation.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessageEnvelope } from '../../../../server/federation/envelope.js';
import { EnvelopeSender, MESSAGES_PATH } from '../../../../server/federation/outbound.js';
import { PeerDirectory } from '../../../../server/federation/peer-directory.js';
import {
  loadOrCreateKeys,
  MemoryNonceStore,
  verifyRequest,
} from '../../../../server/federation/signing.js';

const SELF = 'http://self.test:4000';
const TOKEN = 'SECRET_TOKEN_abcdefghijklmnopqrstuvwxyz0123';

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

describe('EnvelopeSender', () => {
  const keys = loadOrCreateKeys(mkdtempSync(path.join(tmpdir(), 'outbound-keys-')));
  let peer: Server;
  let origin: string;
  let script: number[] = [];
  let received: Received[] = [];
  let apiBase = '';
  const warnings: string[] = [];
  const logger = {
    info() {},
    warn: (m: string) => warnings.push(m),
    error: (m: string) => warnings.push(m),
  };

  const envelope: MessageEnvelope = {
    type: 'message',
    id: 'file:f-1',
    room_id: 'room-1',
    sender: 'alice',
    text: `alice shared a file: a.txt (1 B) ${SELF}/api/chat/files/shares/${TOKEN}/download`,
    created_at: 1,
  };

  beforeAll(async () => {
    peer = createServer((req, res) => {
      if (req.url === '/.well-known/chat-files') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            origin,
            public_key: keys.publicKeyBase64,
            api_base: apiBase,
            version: 1,
          }),
        );
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
        const status = script.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(status === 200 ? { success: true } : { error: 'no', code: 'ERR_X' }),
        );
      });
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    const address = peer.address();
    origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => peer.close());
  beforeEach(() => {
    script = [];
    received = [];
    warnings.length = 0;
    apiBase = `${origin}/mounted/files`;
  });

  const sender = (options = {}) =>
    new EnvelopeSender(
      {
        origin: SELF,
        keys,
        directory: new PeerDirectory([origin]),
        logger,
        now: Date.now,
      },
      { baseDelayMs: 5, ...options },
    );

  it('posts a signed envelope to the api_base the peer publishes', async () => {
    const result = await sender().send(origin, envelope);
    expect(result).toEqual({ origin, delivered: true, status: 200 });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.url).toBe(`/mounted/files${MESSAGES_PATH}`);
    expect(JSON.parse(request!.body.toString())).toEqual({ v: 1, ...envelope });
    const verified = await verifyRequest({
      method: 'POST',
      path: request!.url,
      headers: request!.headers,
      body: request!.body,
      trustedOrigins: [SELF],
      publicKeyOf: async () => keys.publicKey,
      nonces: new MemoryNonceStore(),
    });
    expect(verified).toBe(SELF);
  });

  it('retries transient failures with a fresh signature each time', async () => {
    script = [503, 429, 200];
    const result = await sender().send(origin, envelope);
    expect(result.delivered).toBe(true);
    expect(received).toHaveLength(3);
    const nonces = new Set(received.map((r) => r.headers['x-chat-files-nonce']));
    expect(nonces.size).toBe(3);
  });

  it('gives up at once on a refusal, and logs it without the envelope’s secrets', async () => {
    script = [400];
    const result = await sender().send(origin, envelope);
    expect(result).toEqual({ origin, delivered: false, status: 400, code: 'ERR_X' });
    expect(received).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(origin);
    expect(warnings.join('\n')).not.toContain(TOKEN);
  });

  it('gives up after the last attempt when failures persist', async () => {
    script = [500, 500, 500, 500, 500];
    const result = await sender({ attempts: 3 }).send(origin, envelope);
    expect(result).toMatchObject({ delivered: false, status: 500 });
    expect(received).toHaveLength(3);
  });

  it('refuses a peer whose api_base points elsewhere', async () => {
    apiBase = 'http://127.0.0.1:22/steal';
    const result = await sender({ attempts: 2 }).send(origin, envelope);
    expect(result).toMatchObject({ delivered: false, code: 'no_descriptor' });
    expect(received).toHaveLength(0);
  });

  it('stops waiting for retries when closed', async () => {
    script = [503, 503, 503, 503];
    const slow = sender({ baseDelayMs: 60_000 });
    const started = Date.now();
    const pending = slow.send(origin, envelope);
    await new Promise((resolve) => setTimeout(resolve, 100));
    slow.close();
    expect((await pending).delivered).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
