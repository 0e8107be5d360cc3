/**
 * Many sockets chatting while large uploads run, against the real reference app: every
 * upload arrives whole, the chat keeps flowing, the process survives, and its open
 * descriptors come back to where they started once everyone has left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultApp, type FaultApp } from './support/app.js';
import { eventually, record, ResourceProbe, size } from './support/figures.js';
import { bytesOf, download, sha256, share, upload } from './support/files.js';

const SOCKETS = size(200, 50);
const UPLOADS = size(20, 4);
const UPLOAD_BYTES = size(50 * 1024 * 1024, 5 * 1024 * 1024);
const MESSAGE_INTERVAL_MS = 1000;

describe(`${SOCKETS} sockets chatting while ${UPLOADS} uploads of ${UPLOAD_BYTES} bytes run`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-faults-load-'));
  let app: FaultApp;

  beforeAll(async () => {
    app = await startFaultApp({ dir });
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every upload whole and gives back its descriptors', async () => {
    // Warm up first with as many uploads at once as the run makes (database files, the
    // hashing workers' pool), so the baseline is the steady state.
    const warm = await app.login('load-warm');
    const warmSocket = await app.socket(warm);
    await Promise.all(
      Array.from({ length: UPLOADS }, async (_, i) => {
        const warmBytes = bytesOf(2 * 1024 * 1024, 500 + i);
        const id = await share(warmSocket, `warm-${i}.bin`, warmBytes.length);
        await upload(app, warm, id, warmBytes);
      }),
    );
    warmSocket.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const probe = new ResourceProbe(() => ({ rss: app.rss(), fds: app.fds() }));
    const baseline = app.fds();
    const before = app.fdTargets();
    probe.start(200);
    const tokens = await Promise.all(
      Array.from({ length: SOCKETS }, (_, i) => app.login(`load-${i}`)),
    );
    const sockets: Socket[] = [];
    for (const token of tokens) sockets.push(await app.socket(token));
    let received = 0;
    for (const s of sockets) s.on('chat:message_received', () => (received += 1));
    let sent = 0;
    let refused = 0;
    const pending: Array<Promise<unknown>> = [];
    const chatRound = () => {
      for (const [i, s] of sockets.entries()) {
        pending.push(
          s
            .timeout(30_000)
            .emitWithAck('chat:send_message', { room_id: 'general', content: `hello ${i}` })
            .then(
              (reply: { success?: boolean }) => (reply.success ? (sent += 1) : (refused += 1)),
              () => (refused += 1),
            ),
        );
      }
    };
    chatRound();
    const chat = setInterval(chatRound, MESSAGE_INTERVAL_MS);

    const results = await Promise.all(
      Array.from({ length: UPLOADS }, async (_, i) => {
        const token = tokens[i % tokens.length]!;
        const bytes = bytesOf(UPLOAD_BYTES, 1000 + i);
        const id = await share(sockets[i % sockets.length]!, `load-${i}.bin`, bytes.length);
        const status = (await upload(app, token, id, bytes)).status;
        const got = await download(app, token, id);
        return { status, whole: got.sha256 === sha256(bytes) };
      }),
    );
    clearInterval(chat);
    await Promise.all(pending);
    for (const s of sockets) s.close();
    const settled = await eventually(() => app.fds() <= baseline + 2, 15_000);
    const figures = probe.finish();
    const corrupted = results.filter((r) => r.status === 200 && !r.whole).length;
    const failed = results.filter((r) => r.status !== 200).length;
    record('load', {
      sockets: SOCKETS,
      uploads: UPLOADS,
      upload_bytes: UPLOAD_BYTES,
      uploads_failed: failed,
      files_corrupted: corrupted,
      messages_sent: sent,
      messages_refused: refused,
      messages_delivered: received,
      crashes: app.alive() ? 0 : 1,
      ...figures,
    });
    expect(app.alive()).toBe(true);
    expect(failed).toBe(0);
    expect(corrupted).toBe(0);
    expect(sent).toBeGreaterThan(0);
    const extra = app.fdTargets().filter((t) => !before.includes(t));
    expect(settled, `descriptors ${app.fds()} vs ${baseline} before: ${extra.join(', ')}`).toBe(
      true,
    );
  }, 600_000);
});
