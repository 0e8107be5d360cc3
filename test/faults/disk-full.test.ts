/**
 * The reference app with its data on a small real tmpfs that fills up: the SDK's paths
 * answer 507 ERR_STORAGE_FULL (never 500), what was stored stays whole, and once space is
 * freed everything works again without a restart. Skipped with the reason where tmpfs
 * cannot be mounted (it needs root or CAP_SYS_ADMIN).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountSmallDisk, smallDiskUnavailable, type SmallDisk } from '../support/small-disk.js';
import { startFaultApp, type FaultApp } from './support/app.js';
import { record, size } from './support/figures.js';
import { bytesOf, download, post, sha256, share, upload } from './support/files.js';

const DISK_MB = size(64, 24);
const disk = mountSmallDisk(DISK_MB);
if (!disk) console.warn(`[faults] disk-full skipped: ${smallDiskUnavailable}`);

describe.skipIf(!disk)(`a full disk under the reference app (${DISK_MB} MB tmpfs)`, () => {
  const small = disk as SmallDisk;
  let app: FaultApp;
  let token: string;

  beforeAll(async () => {
    app = await startFaultApp({ dir: small.dir });
    token = await app.login('full-alice');
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
    small.unmount();
  });

  it('answers 507 on every SDK path while full and recovers by itself', async () => {
    const socket = await app.socket(token);
    const kept = bytesOf(1024 * 1024, 5);
    const keptId = await share(socket, 'kept.bin', kept.length);
    expect((await upload(app, token, keptId, kept)).status).toBe(200);
    const pendingBytes = bytesOf(2 * 1024 * 1024, 6);
    const pendingId = await share(socket, 'pending.bin', pendingBytes.length);

    small.fill();
    const statuses: Record<string, number | string> = {};
    try {
      const shareReply = (await socket.timeout(10_000).emitWithAck('chat:file:share', {
        room_id: 'general',
        name: 'full.bin',
        size: 10,
        mime_type: 'application/octet-stream',
      })) as { success: boolean; code?: string };
      statuses.share = shareReply.code ?? 'ok';
      statuses.upload = (await upload(app, token, pendingId, pendingBytes)).status;
      statuses.claim = (await post(app, token, '/store-permanently', { file_id: keptId })).status;
      const kept1 = await download(app, token, keptId);
      statuses.download_kept = kept1.status;
      statuses.kept_intact = kept1.sha256 === sha256(kept) ? 'yes' : 'no';
      statuses.download_pending = (await download(app, token, pendingId)).status;
      const login = await fetch(`${app.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'full-newcomer' }),
      });
      statuses.app_login = login.status;
    } finally {
      small.free();
    }
    statuses.share_after = (
      (await socket.timeout(10_000).emitWithAck('chat:file:share', {
        room_id: 'general',
        name: 'after.bin',
        size: 10,
        mime_type: 'application/octet-stream',
      })) as { success: boolean }
    ).success
      ? 'ok'
      : 'failed';
    statuses.upload_after = (await upload(app, token, pendingId, pendingBytes)).status;
    const pendingAfter = await download(app, token, pendingId);
    statuses.pending_intact = pendingAfter.sha256 === sha256(pendingBytes) ? 'yes' : 'no';
    const stacks = app
      .output()
      .split('\n')
      .filter((line) => /^\s+at\s/.test(line)).length;
    record('disk-full', { disk_mb: DISK_MB, ...statuses, stack_lines_printed: stacks });

    expect(statuses.share).toBe('ERR_STORAGE_FULL');
    expect(statuses.upload).toBe(507);
    expect([200, 507]).toContain(statuses.claim);
    expect(statuses.download_kept).toBe(200);
    expect(statuses.kept_intact).toBe('yes');
    expect(statuses.download_pending).toBe(404);
    expect(statuses.app_login).toBe(507);
    expect(stacks).toBe(0);
    expect(statuses.share_after).toBe('ok');
    expect(statuses.upload_after).toBe(200);
    expect(statuses.pending_intact).toBe('yes');
    expect(app.alive()).toBe(true);
  }, 300_000);
});
