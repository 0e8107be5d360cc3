/**
 * Three server nodes on one PostgreSQL database and one blob directory, driven over HTTP
 * as a load balancer would spread users: the quota holds when claims race on every node,
 * and the same bytes uploaded on two nodes at once are stored once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, startPostgres, type TestService } from '../../../support/services.js';
import {
  bareHostState,
  startBareServer,
  type BareServer,
  type BareUser,
} from '../support/bare-server.js';
import { bytesOf, filesIn } from '../support/helpers.js';
import { shareAndUpload, shareBytes, uploadBytes } from '../support/upload.js';

let postgres: TestService;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

interface Nodes {
  nodes: BareServer[];
  storageDir: string;
  /** The same user signed in on every node. */
  everywhere(username: string): BareUser[];
  close(): Promise<void>;
}

async function startNodes(count: number, tierBytes: number): Promise<Nodes> {
  const databaseUrl = await createDatabase(postgres.url);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-pg-nodes-'));
  const shared = bareHostState();
  const nodes: BareServer[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push(
      await startBareServer({
        dataDir,
        shared,
        config: { upload_tiers: { default: tierBytes } },
        server: { databaseUrl, cleanupJob: false },
      }),
    );
  }
  nodes[0]!.addRoom('team', ['alice', 'bob']);
  return {
    nodes,
    storageDir: nodes[0]!.files.options.storageDir,
    everywhere(username) {
      const first = nodes[0]!.user(username);
      return [first, ...nodes.slice(1).map((node) => node.user(username, [], first.token))];
    },
    async close() {
      await Promise.all(nodes.map((node) => node.close()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('three nodes on one PostgreSQL database', () => {
  it('lets exactly 3 of 12 claims racing on 3 nodes through a 3-file tier', async () => {
    const cluster = await startNodes(3, 300);
    try {
      const [alice] = cluster.everywhere('alice');
      const bobs = cluster.everywhere('bob');
      const socket = await alice!.socket();
      const files: string[] = [];
      for (let i = 0; i < 12; i++) {
        files.push(await shareAndUpload(alice!, socket, bytesOf(100, 50 + i), { room_id: 'team' }));
      }
      const answers = await Promise.all(
        files.map((fileId, i) =>
          bobs[i % 3]!.json('POST', '/store-permanently', { file_id: fileId }),
        ),
      );
      expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
      const refused = answers.filter((a) => a.status === 403);
      expect(refused).toHaveLength(9);
      for (const answer of refused)
        expect(answer.body).toMatchObject({ code: 'ERR_QUOTA_EXCEEDED' });
      for (const answer of answers) {
        expect(
          (answer.body as { total_stored_bytes?: number }).total_stored_bytes ?? 0,
        ).toBeLessThanOrEqual(300);
      }
      for (const bob of bobs) {
        const storage = await bob.json<{ total_stored_bytes: number; claimed_files: unknown[] }>(
          'GET',
          '/user/storage',
        );
        expect(storage.body.total_stored_bytes).toBe(300);
        expect(storage.body.claimed_files).toHaveLength(3);
      }
    } finally {
      await cluster.close();
    }
  }, 60_000);

  it('stores the same bytes uploaded on two nodes at once one time, served by any node', async () => {
    const cluster = await startNodes(3, 1e9);
    try {
      const [aliceOn1] = cluster.everywhere('alice');
      const [, bobOn2, bobOn3] = cluster.everywhere('bob');
      const bytes = bytesOf(50_000, 77);
      const fromAlice = await shareBytes(await aliceOn1!.socket(), bytes, { room_id: 'team' });
      const fromBob = await shareBytes(await bobOn2!.socket(), bytes, { room_id: 'team' });
      const [first, second] = await Promise.all([
        uploadBytes(aliceOn1!, fromAlice, bytes),
        uploadBytes(bobOn2!, fromBob, bytes),
      ]);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect([first.body.deduped, second.body.deduped].sort()).toEqual([false, true]);
      expect(await filesIn(cluster.storageDir)).toHaveLength(1);
      for (const fileId of [fromAlice, fromBob]) {
        const res = await bobOn3!.fetch(`/${fileId}/download`);
        expect(res.status).toBe(200);
        expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
      }
    } finally {
      await cluster.close();
    }
  }, 60_000);
});
