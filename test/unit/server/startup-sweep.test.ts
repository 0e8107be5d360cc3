import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBareServer, type BareServer } from './support/bare-server.js';
import { bytesOf, sha256Hex } from './support/helpers.js';
import { shareAndUpload } from './support/upload.js';

const blobId = () => randomBytes(16).toString('hex');

describe('start-up sweep of crash leftovers', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-sweep-'));
  const storage = path.join(dataDir, 'uploads', 'chat_files');
  let server: BareServer | undefined;
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('removes stale partials and unrecorded blobs at start, keeps live writes and recorded blobs', async () => {
    // A first run stores a file, then "crashes" (stops without cleaning up).
    const first = await startBareServer({ dataDir });
    first.addRoom('team', ['alice']);
    const alice = first.user('alice');
    const bytes = bytesOf(50_000, 4);
    const fileId = await shareAndUpload(alice, await alice.socket(), bytes);
    await first.close({ keepData: true });

    mkdirSync(storage, { recursive: true });
    // Past the stale window of the default 30 s idle timeout (65 s).
    const old = (Date.now() - 120_000) / 1000;
    const stalePartial = path.join(storage, `${blobId()}.part`);
    const livePartial = path.join(storage, `${blobId()}.part`);
    const orphan = path.join(storage, blobId());
    const youngOrphan = path.join(storage, blobId());
    for (const file of [stalePartial, livePartial, orphan, youngOrphan]) {
      writeFileSync(file, 'x'.repeat(1000));
    }
    utimesSync(stalePartial, old, old);
    utimesSync(orphan, old, old);

    server = await startBareServer({ dataDir });
    server.addRoom('team', ['alice']);
    const deadline = Date.now() + 10_000;
    while ((existsSync(stalePartial) || existsSync(orphan)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(existsSync(stalePartial)).toBe(false);
    expect(existsSync(orphan)).toBe(false);
    // Possibly another node's upload in progress, or a blob about to get its record.
    expect(existsSync(livePartial)).toBe(true);
    expect(existsSync(youngOrphan)).toBe(true);
    // The recorded file is intact.
    const res = await server.user('alice').fetch(`/${fileId}/download`);
    expect(res.status).toBe(200);
    expect(sha256Hex(Buffer.from(await res.arrayBuffer()))).toBe(sha256Hex(bytes));
  });
});

describe('the second sweep', () => {
  it('removes the partial of a crash moments before the restart once the stale window has passed', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-sweep-'));
    const storage = path.join(dataDir, 'uploads', 'chat_files');
    mkdirSync(storage, { recursive: true });
    const fresh = path.join(storage, `${blobId()}.part`);
    writeFileSync(fresh, 'x');
    // With a 1 s idle timeout the window is 7 s.
    const server = await startBareServer({
      dataDir,
      config: { server_seeding: { upload_idle_timeout_seconds: 1 } },
    });
    try {
      expect(existsSync(fresh)).toBe(true);
      const deadline = Date.now() + 15_000;
      while (existsSync(fresh) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(existsSync(fresh)).toBe(false);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
