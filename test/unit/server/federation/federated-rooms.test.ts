/**
 * Federated rooms when a peer is not there at the right moment: creating the room does
 * not wait for a peer that is down, the peer gets the room once it is back, and a peer
 * that never heard of a room gets it announced again when a message for it arrives.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startTestApp, type TestApp } from '../../../support/test-app.js';
import { createFederatedRoom, startFederatedPair } from '../support/federated-pair.js';

/** Polls `check` until it is true or `timeoutMs` passes. */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('federated rooms and absent peers', () => {
  const apps: TestApp[] = [];
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it('answers at once when a peer is down, and the peer gets the room when it is back', async () => {
    const [portA, portC] = [await freePort(), await freePort()];
    const originA = `http://127.0.0.1:${portA}`;
    const originC = `http://127.0.0.1:${portC}`;
    const a = await startTestApp({
      port: portA,
      chatFiles: { federation: { enabled: true, origin: originA, peers: [originC] } },
    });
    apps.push(a);
    const alice = await a.login('alice');
    const started = Date.now();
    const created = await createFederatedRoom(alice, 'later', [originC]);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(created.body).toMatchObject({
      federation: [{ origin: originC, delivered: false, retrying: true }],
    });

    const c = await startTestApp({
      port: portC,
      chatFiles: { federation: { enabled: true, origin: originC, peers: [originA] } },
    });
    apps.push(c);
    await eventually(async () => (await c.chat.store.getRoom(created.body.id)) !== null);
    expect(await c.chat.store.getRoom(created.body.id)).toMatchObject({
      name: 'later',
      type: 'federated',
      federated_with: [originA],
    });
  });

  it('announces a room again when a peer answers that it does not know it', async () => {
    const pair = await startFederatedPair();
    try {
      // A room that lists B, whose announcement B never got.
      const room = await pair.a.chat.store.createRoom({
        name: 'unannounced',
        createdBy: 'alice',
        members: ['alice'],
        federatedWith: [pair.originB],
      });
      const alice = await pair.a.login('alice');
      const sent = await alice.json('POST', `/api/rooms/${room.id}/messages`, {
        content: 'are you there?',
      });
      expect(sent.status).toBe(201);
      await pair.a.chat.files.federation!.idle();
      expect(await pair.b.chat.store.getRoom(room.id)).toMatchObject({ type: 'federated' });
      expect((await pair.b.chat.store.messages(room.id)).map((m) => m.content)).toEqual([
        'are you there?',
      ]);
    } finally {
      await pair.close();
    }
  });
});
