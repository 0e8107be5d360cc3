/**
 * The persistent federation outbox: what is sent to a peer that is down waits in the
 * store, survives a restart of the sending instance, and reaches the peer exactly once
 * when it is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFileMessage } from '../../../../src/core/wire/file-message.js';
import { freePort, startTestApp, type TestApp } from '../../../support/test-app.js';
import { createFederatedRoom, randomPng, shareAndUploadFile } from '../support/federated-pair.js';
import { settle } from '../support/helpers.js';

/** Polls `check` until it is true or `timeoutMs` passes. */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('federation outbox', () => {
  const apps: TestApp[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers 5 files shared while the peer was down exactly once, across a restart of the sender', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const originA = `http://127.0.0.1:${portA}`;
    const originB = `http://127.0.0.1:${portB}`;
    const dataDirA = mkdtempSync(path.join(tmpdir(), 'chat-files-outbox-a-'));
    dirs.push(dataDirA);
    const configA = { federation: { enabled: true, origin: originA, peers: [originB] } };
    const startA = () => startTestApp({ port: portA, dataDir: dataDirA, chatFiles: configA });

    let a = await startA();
    const alice = await a.login('alice');
    const room = await createFederatedRoom(alice, 'while you were out', [originB]);
    expect(room.body).toMatchObject({
      federation: [{ origin: originB, delivered: false, retrying: true }],
    });
    const socket = await alice.socket();
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      names.push(`photo-${i}.png`);
      await shareAndUploadFile(alice, socket, {
        roomId: room.body.id,
        name: names[i]!,
        mimeType: 'image/png',
        bytes: randomPng(8 + i, 8),
      });
    }
    await a.chat.files.federation!.idle();
    // Nothing could be delivered: everything waits in A's outbox (room, 5 files).
    expect(await a.chat.files.store.federation.due(Number.MAX_SAFE_INTEGER, 100)).toHaveLength(6);

    // A restarts with the same data; then B comes up.
    await a.close({ keepData: true });
    a = await startA();
    apps.push(a);
    const b = await startTestApp({
      port: portB,
      chatFiles: { federation: { enabled: true, origin: originB, peers: [originA] } },
    });
    apps.push(b);

    const cardsOnB = async () =>
      (await b.chat.store.messages(room.body.id))
        .map((m) => decodeFileMessage(m.content))
        .filter((card) => card !== null)
        .map((card) => card!.name);
    await eventually(
      async () =>
        (await b.chat.store.getRoom(room.body.id)) !== null && (await cardsOnB()).length >= 5,
    );
    await a.chat.files.federation!.idle();
    // Further passes of the job find nothing left to send, and nothing arrives twice.
    await settle(1500);
    expect((await cardsOnB()).sort()).toEqual(names);
    expect(await a.chat.files.store.federation.due(Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
  }, 60_000);
});
