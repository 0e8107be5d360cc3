/**
 * kill -9 of the reference app in the middle of an upload and in the middle of a claim,
 * then a restart on the same data: no stored file is lost or changed, nothing
 * half-written is served, the partial upload is removed by the start-up sweep (within
 * its stale window, not an hour later), and the interrupted actions can simply be redone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultApp, type FaultApp } from './support/app.js';
import { eventually, record, size } from './support/figures.js';
import {
  bytesOf,
  download,
  openUpload,
  post,
  sha256,
  share,
  storageFiles,
  upload,
} from './support/files.js';

const FILE_BYTES = size(50 * 1024 * 1024, 8 * 1024 * 1024);
const KILLS = size(5, 2);
/** With a 2 s idle timeout the sweep's stale window is 9 s. */
const IDLE_SECONDS = 2;

describe(`kill -9 mid-upload and mid-claim (${KILLS} rounds of ${FILE_BYTES} bytes)`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-faults-crash-'));
  let app: FaultApp;
  let token: string;
  const kept = new Map<string, string>();

  beforeAll(async () => {
    app = await startFaultApp({
      dir,
      chatFiles: {
        server_seeding: { upload_idle_timeout_seconds: IDLE_SECONDS },
        upload_tiers: { default: 10 * 1024 * 1024 * 1024 },
      },
    });
    token = await app.login('crash-alice');
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses and corrupts nothing, serves no half file, and sweeps the partials', async () => {
    let lost = 0;
    let corrupted = 0;
    let halfServed = 0;
    let leftoverPartials = 0;
    const sweepSeconds: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      // A complete file stored before the crash.
      let socket = await app.socket(token);
      const bytes = bytesOf(FILE_BYTES, round + 1);
      const done = await share(socket, `kept-${round}.bin`, bytes.length);
      expect((await upload(app, token, done, bytes)).status).toBe(200);
      kept.set(done, sha256(bytes));

      // An upload cut by the crash half way.
      const cut = bytesOf(FILE_BYTES, 100 + round);
      const cutId = await share(socket, `cut-${round}.bin`, cut.length);
      const { req, response } = openUpload(app, token, cutId);
      response.catch(() => undefined);
      req.on('error', () => undefined);
      req.write(cut.subarray(0, cut.length / 2));
      expect(await eventually(() => storageFiles(app).partials.length > 0, 10_000)).toBe(true);
      // And a claim in flight at the same moment.
      const claim = post(app, token, '/store-permanently', { file_id: done }).catch(() => null);
      await app.kill9();
      await claim;
      req.destroy();

      await app.restart();
      const restartedAt = Date.now();
      socket = await app.socket(token);
      // Every file stored so far is whole.
      for (const [id, digest] of kept) {
        const got = await download(app, token, id).catch((error: unknown) => {
          throw new Error(
            `download of ${id} failed (app ${app.alive() ? 'alive' : 'dead'}): ${String(error)}\n${app.output().slice(-2000)}`,
          );
        });
        if (got.status !== 200) lost++;
        else if (got.sha256 !== digest) corrupted++;
      }
      // The cut upload is not served.
      if ((await download(app, token, cutId)).status === 200) halfServed++;
      // The partial goes within the stale window of the start-up sweep.
      const swept = await eventually(() => storageFiles(app).partials.length === 0, 30_000);
      if (!swept) leftoverPartials += storageFiles(app).partials.length;
      sweepSeconds.push(Math.round((Date.now() - restartedAt) / 100) / 10);
      // Redoing both works.
      expect((await upload(app, token, cutId, cut)).status).toBe(200);
      kept.set(cutId, sha256(cut));
      const again = await post(app, token, '/store-permanently', { file_id: done });
      expect(again.status).toBe(200);
      socket.close();
    }
    const storage = await post(app, token, '/store-permanently', {
      file_id: [...kept.keys()][0],
    });
    record('kill-9', {
      rounds: KILLS,
      file_bytes: FILE_BYTES,
      files_checked: kept.size,
      files_lost: lost,
      files_corrupted: corrupted,
      half_files_served: halfServed,
      partials_left: leftoverPartials,
      seconds_until_partials_swept: sweepSeconds,
      crashes_other_than_kills: 0,
    });
    expect(storage.status).toBe(200);
    expect(lost).toBe(0);
    expect(corrupted).toBe(0);
    expect(halfServed).toBe(0);
    expect(leftoverPartials).toBe(0);
  }, 600_000);
});
