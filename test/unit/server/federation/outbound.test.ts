/**
 * Outbound delivery against a scripted peer: signed requests to the api_base the peer
 * publishes, fresh signatures per attempt, which failures are worth retrying, nothing
 * secret in the outbox's logs, and prompt cancellation.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessageEnvelope } from '../../../../server/federation/envelope.js';
import { EnvelopeSender, MESSAGES_PATH, mayRetry } from '../../../../server/federation/outbound.js';
import { FederationOutbox, outboxEntry } from '../../../../server/federation/outbox.js';
import { DATABASE_FILE, SqliteMetadataStore } from '../../../../server/store/sqlite-store.js';
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
      // A peer that takes forever to answer.
      if (req.url!.startsWith('/slow')) return;
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
        now: Date.now,
      },
      options,
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

  it('signs each attempt afresh, and says which failures are worth another attempt', async () => {
    script = [503, 429, 408, 400, 404, 200];
    const once = sender();
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await once.send(origin, envelope));
    expect(results.map((r) => [r.status, mayRetry(r)])).toEqual([
      [503, true],
      [429, true],
      [408, true],
      [400, false],
      [404, false],
      [200, false],
    ]);
    expect(results[3]).toEqual({ origin, delivered: false, status: 400, code: 'ERR_X' });
    const nonces = new Set(received.map((r) => r.headers['x-chat-files-nonce']));
    expect(nonces.size).toBe(6);
  });

  it('refuses a peer whose api_base points elsewhere', async () => {
    apiBase = 'http://127.0.0.1:22/steal';
    const result = await sender().send(origin, envelope);
    expect(result).toMatchObject({ delivered: false, code: 'no_descriptor' });
    expect(mayRetry(result)).toBe(true);
    expect(received).toHaveLength(0);
  });

  it('retries with backoff, gives a refused envelope up, and logs it without its secrets', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'outbound-outbox-'));
    const store = new SqliteMetadataStore(path.join(dir, DATABASE_FILE));
    const clock = { now: 1_000_000 };
    const once = sender();
    const outbox = new FederationOutbox(
      { store, deliver: (p, e) => once.send(p, e), logger, now: () => clock.now },
      { baseDelayMs: 1000, maxDelayMs: 4000 },
    );
    try {
      expect([1, 2, 3, 4, 5].map((n) => outbox.delayAfter(n))).toEqual([
        1000, 2000, 4000, 4000, 4000,
      ]);
      await store.federation.enqueue([outboxEntry(origin, envelope, clock.now)]);
      script = [503, 503, 400];
      await outbox.kick();
      expect(await store.federation.due(clock.now + 999, 10)).toEqual([]);
      const [waiting] = await store.federation.due(clock.now + 1000, 10);
      expect(waiting).toMatchObject({ attempts: 1, next_attempt_at: clock.now + 1000 });
      clock.now += 1000;
      await outbox.kick();
      expect((await store.federation.due(clock.now + 2000, 10))[0]).toMatchObject({
        attempts: 2,
      });
      clock.now += 2000;
      await outbox.kick();
      expect(await store.federation.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      expect(received).toHaveLength(3);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(origin);
      expect(warnings.join('\n')).not.toContain(TOKEN);
    } finally {
      await outbox.stop();
      await store.close();
    }
  });

  it('stops an attempt in progress when closed', async () => {
    apiBase = `${origin}/slow`;
    const slow = sender({ timeoutMs: 60_000 });
    const started = Date.now();
    const pending = slow.send(origin, envelope);
    await new Promise((resolve) => setTimeout(resolve, 100));
    slow.close();
    expect((await pending).delivered).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await slow.send(origin, envelope)).toMatchObject({ delivered: false, code: 'closed' });
  });
});
