/**
 * Several bare servers run as the nodes of one deployment: a socket.io Redis streams
 * adapter on a real Redis between them, one data directory (the SQLite file, whose shared
 * secret signs relay sessions, and the blob directory), and the same host users and rooms.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import {
  bareHostState,
  startBareServer,
  type BareServer,
  type BareServerOptions,
} from './bare-server.js';

/** A running cluster. */
export interface Cluster {
  nodes: BareServer[];
  /** Adds a room on the shared host. */
  addRoom(id: string, members: string[]): void;
  /** Stops every node and its Redis clients, and removes the shared data directory. */
  close(): Promise<void>;
}

/** Starts `count` nodes connected through Redis at `redisUrl`. */
export async function startCluster(
  count: number,
  redisUrl: string,
  options: Pick<BareServerOptions, 'config' | 'now'> = {},
): Promise<Cluster> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-cluster-'));
  const shared = bareHostState();
  // One stream per cluster, so clusters of different tests on one Redis stay apart.
  const streamName = `chat-files-test-${randomBytes(6).toString('hex')}`;
  const clients: Array<{ close(): Promise<unknown> }> = [];
  const nodes: BareServer[] = [];
  for (let i = 0; i < count; i++) {
    const client = createClient({ url: redisUrl });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    nodes.push(
      await startBareServer({
        ...options,
        dataDir,
        shared,
        socketOptions: {
          adapter: createAdapter(client as unknown as Parameters<typeof createAdapter>[0], {
            streamName,
            channelPrefix: streamName,
          }),
        },
        server: { cleanupJob: false },
      }),
    );
  }
  // Each node's adapter announces itself by heartbeat; wait until all of them see the others.
  const deadline = Date.now() + 10_000;
  for (const node of nodes) {
    while ((await node.io.of('/').adapter.serverCount()) < count) {
      if (Date.now() > deadline) throw new Error('the nodes did not see each other');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    nodes,
    addRoom(id, members) {
      nodes[0]!.addRoom(id, members);
    },
    async close() {
      for (const node of nodes) await node.close({ keepData: true });
      for (const client of clients) await client.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
