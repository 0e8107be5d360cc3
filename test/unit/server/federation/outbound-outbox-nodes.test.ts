/**
 * The outbox job on several nodes sharing one PostgreSQL database: whichever node holds
 * the lease delivers, each envelope reaches the peer once, and a peer that answers 503
 * for a while gets everything after backoff.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../../server/federation/envelope.js';
import { FederationOutbox, outboxEntry } from '../../../../server/federation/outbox.js';
import type { DeliveryResult } from '../../../../server/federation/outbound.js';
import { PostgresMetadataStore } from '../../../../server/store/postgres-store.js';
import { createDatabase, startPostgres, type TestService } from '../../../support/services.js';

let postgres: TestService;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const logger = { info() {}, warn() {}, error() {} };

/** A peer on loopback that records the envelope ids it accepted, and can be made to fail. */
async function startPeer(): Promise<{
  url: string;
  received: string[];
  failing: { left: number };
  close(): Promise<void>;
}> {
  const received: string[] = [];
  const failing = { left: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (failing.left > 0) {
        failing.left--;
        res.writeHead(503).end();
        return;
      }
      received.push((JSON.parse(body) as { id: string }).id);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failing,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** One attempt over HTTP, as the service's sender makes it (signing aside). */
const deliverTo =
  (url: string) =>
  async (peer: string, envelope: Envelope): Promise<DeliveryResult> => {
    try {
      const res = await fetch(url, { method: 'POST', body: JSON.stringify(envelope) });
      await res.arrayBuffer();
      return { origin: peer, delivered: res.ok, status: res.status };
    } catch {
      return { origin: peer, delivered: false, code: 'unreachable' };
    }
  };

const message = (i: number): Envelope => ({
  type: 'message',
  id: `text:${i}`,
  room_id: 'room',
  sender: 'alice',
  text: `message ${i}`,
  created_at: i,
});

describe('federation outbox on several nodes', () => {
  it('delivers every envelope once, by whichever node holds the lease, after a peer outage', async () => {
    const peer = await startPeer();
    const url = await createDatabase(postgres.url);
    const stores = [0, 1, 2].map(() => new PostgresMetadataStore({ connectionString: url }));
    const outboxes = stores.map(
      (store) =>
        new FederationOutbox(
          { store, deliver: deliverTo(peer.url), logger, now: Date.now },
          { pollIntervalMs: 50, baseDelayMs: 50, maxDelayMs: 200, batchSize: 5 },
        ),
    );
    try {
      // The peer refuses the first attempts, as one that is restarting would.
      peer.failing.left = 6;
      const now = Date.now();
      await stores[0]!.federation.enqueue(
        Array.from({ length: 20 }, (_, i) => outboxEntry(peer.url, message(i), now)),
      );
      for (const outbox of outboxes) outbox.start();
      const deadline = Date.now() + 20_000;
      while ((await stores[1]!.federation.due(Number.MAX_SAFE_INTEGER, 100)).length > 0) {
        if (Date.now() > deadline) throw new Error('outbox not drained');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await Promise.all(outboxes.map((outbox) => outbox.idle()));
      expect(peer.failing.left).toBe(0);
      expect([...peer.received].sort()).toEqual(
        Array.from({ length: 20 }, (_, i) => `text:${i}`).sort(),
      );
    } finally {
      await Promise.all(outboxes.map((outbox) => outbox.stop()));
      await Promise.all(stores.map((store) => store.close()));
      await peer.close();
    }
  }, 60_000);
});
