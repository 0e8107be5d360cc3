/**
 * Backward compatibility: a peer that predates file objects reads only the envelope's
 * `text`. That text alone must say what was shared (name, size) and carry a link that
 * downloads it.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateKeys } from '../../../../server/federation/signing.js';
import { formatBytes } from '../../../../src/core/wire/format.js';
import { freePort, startTestApp, type TestApp } from '../../../support/test-app.js';
import { createFederatedRoom, randomPng, shareAndUploadFile } from '../support/federated-pair.js';

describe('a receiver that only understands text', () => {
  let older: Server;
  let olderOrigin: string;
  let a: TestApp;
  const bodies: Array<Record<string, unknown>> = [];
  const olderKeys = loadOrCreateKeys(mkdtempSync(path.join(tmpdir(), 'older-keys-')));

  beforeAll(async () => {
    // Enough of an instance to be sent to: a descriptor, and an endpoint that keeps
    // what it gets.
    older = createServer((req, res) => {
      if (req.url === '/.well-known/chat-files') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            origin: olderOrigin,
            public_key: olderKeys.publicKeyBase64,
            api_base: `${olderOrigin}/api`,
            version: 1,
          }),
        );
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>);
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => older.listen(0, '127.0.0.1', resolve));
    const address = older.address();
    olderOrigin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const port = await freePort();
    a = await startTestApp({
      port,
      chatFiles: {
        federation: { enabled: true, origin: `http://127.0.0.1:${port}`, peers: [olderOrigin] },
      },
    });
  });
  afterAll(async () => {
    await a.close();
    older.close();
  });

  it('gets a text that names the file, gives its size and links to its bytes', async () => {
    const alice = await a.login('alice');
    const socket = await alice.socket();
    const room = await createFederatedRoom(alice, 'compat', [olderOrigin]);
    expect(room.body).toMatchObject({ federation: [{ origin: olderOrigin, delivered: true }] });
    const bytes = randomPng(20, 20);
    await shareAndUploadFile(alice, socket, {
      roomId: room.body.id,
      name: 'holiday.png',
      mimeType: 'image/png',
      bytes,
    });
    await a.chat.files.federation!.idle();

    const message = bodies.find((b) => b.type === 'message')!;
    // What an older receiver shows: the sender and the text, nothing else.
    const text = message.text as string;
    expect(message.sender).toBe('alice');
    expect(text).toContain('holiday.png');
    expect(text).toContain(formatBytes(bytes.length));
    const link = /https?:\/\/\S+/.exec(text)?.[0];
    expect(link).toBe((message.file as { downloadUrl: string }).downloadUrl);
    const res = await fetch(link!);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
  });
});
