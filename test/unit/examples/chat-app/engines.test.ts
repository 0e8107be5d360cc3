/**
 * Two reference-app nodes on the engines `DATABASE_URL` and `REDIS_URL` name (real
 * PostgreSQL and Redis): a session made on one is valid on the other, rooms and messages
 * cross, and readiness names Redis when it goes away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngines, type Engines } from '../../../../examples/chat-app/engines.js';
import {
  createDatabase,
  startPostgres,
  startRedis,
  type TestService,
} from '../../../support/services.js';
import { startTestApp, type TestApp } from '../../../support/test-app.js';
import { nextEvent } from '../../server/support/helpers.js';

describe('reference app on PostgreSQL and Redis', () => {
  let pg: TestService;
  let redis: TestService;
  const engines: Engines[] = [];
  const nodes: TestApp[] = [];

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const databaseUrl = await createDatabase(pg.url, 'engines');
    for (let i = 0; i < 2; i++) {
      const opened = await openEngines({ DATABASE_URL: databaseUrl, REDIS_URL: redis.url });
      engines.push(opened);
      nodes.push(
        await startTestApp({
          app: {
            store: opened.store,
            socketAdapter: opened.adapter,
            readinessChecks: opened.checks,
            files: { databaseUrl },
          },
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    for (const node of nodes) await node.close();
    for (const opened of engines) await opened.close();
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  it('accepts on node 2 a session made on node 1, and carries rooms and messages across', async () => {
    const [node1, node2] = nodes as [TestApp, TestApp];
    const alice = await node1.login('alice');
    const onNode2 = await fetch(`${node2.url}/auth/me`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(await onNode2.json()).toEqual({ username: 'alice', groups: [] });

    const bob = await node2.login('bob');
    const bobSocket = await bob.socket();
    const created = await alice.json<{ id: string }>('POST', '/api/rooms', {
      name: 'both nodes',
      members: ['bob'],
    });
    // Bob's socket on node 2 was joined to the room by node 1, through the adapter.
    const live = nextEvent<{ content: string }>(bobSocket, 'chat:message_received');
    const sent = await alice.json('POST', `/api/rooms/${created.body.id}/messages`, {
      content: 'across',
    });
    expect(sent.status).toBe(201);
    expect((await live).content).toBe('across');
    const listed = await bob.json<{ messages: Array<{ content: string }> }>(
      'GET',
      `/api/rooms/${created.body.id}/messages`,
    );
    expect(listed.body.messages.map((m) => m.content)).toEqual(['across']);
  });

  it('answers readiness 200 with Redis up and 503 naming it when it is down', async () => {
    const node = nodes[0]!;
    const ready = await fetch(`${node.url}/readyz`);
    expect(await ready.json()).toEqual({
      ready: true,
      checks: { store: true, files: true, redis: true },
    });
    await redis.stop();
    const down = await fetch(`${node.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      ready: false,
      checks: { redis: false, store: true },
    });
  });

  it('names the variable when a service cannot be reached', async () => {
    const closed = new URL(pg.url);
    closed.port = '1';
    await expect(openEngines({ DATABASE_URL: closed.toString() })).rejects.toThrow(
      /^DATABASE_URL: cannot open the database/,
    );
    await expect(openEngines({ REDIS_URL: 'redis://127.0.0.1:1' })).rejects.toThrow(
      /^REDIS_URL: cannot connect/,
    );
  });
});
