/**
 * One instance identity on many nodes: nodes sharing a PostgreSQL database publish the
 * same federation key (created once, even when they start together), a configured key
 * wins, and a single node that moves to PostgreSQL keeps the key it had on disk.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateKeys, exportPublicKey } from '../../../../server/federation/signing.js';
import { createChatFilesServer, type HostAdapter } from '../../../../server/index.js';
import { createDatabase, startPostgres, type TestService } from '../../../support/services.js';

const host: HostAdapter = {
  authenticate: () => null,
  isMember: () => false,
  getRoom: () => null,
  postMessage: () => {
    throw new Error('unused');
  },
};
const logger = { info() {}, warn() {}, error() {} };

let postgres: TestService;
const dirs: string[] = [];
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-node-'));
  dirs.push(dir);
  return dir;
};

const node = (databaseUrl: string, dataDir = tempDir(), federationKey?: string) =>
  createChatFilesServer({
    host,
    dataDir,
    logger,
    databaseUrl,
    federationKey,
    cleanupJob: false,
    config: { federation: { enabled: true, peers: ['https://peer.example'] } },
    publicOrigin: 'https://chat.example',
  });

const publicKey = async (server: ReturnType<typeof node>) => {
  let body: { public_key?: string } = {};
  const res = {
    set: () => res,
    status: () => res,
    json: (value: typeof body) => ((body = value), res),
  };
  await server.wellKnown({} as never, res as never, () => undefined);
  return body.public_key;
};

describe('federation key on several nodes', () => {
  it('is the same on every node sharing a database, created once when they start together', async () => {
    const url = await createDatabase(postgres.url);
    const nodes = [node(url), node(url), node(url)];
    try {
      const keys = await Promise.all(nodes.map(publicKey));
      expect(keys[0]).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(new Set(keys).size).toBe(1);
      // A node that starts later, with an empty data directory, gets it too.
      const later = node(url);
      nodes.push(later);
      expect(await publicKey(later)).toBe(keys[0]);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it('comes from the configuration when one is given', async () => {
    const { privateKey, publicKey: configured } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const server = node(await createDatabase(postgres.url), tempDir(), pem);
    try {
      expect(await publicKey(server)).toBe(exportPublicKey(configured));
    } finally {
      await server.close();
    }
  });

  it('keeps the key a single node had on disk when it moves to PostgreSQL', async () => {
    const dataDir = tempDir();
    const before = loadOrCreateKeys(dataDir).publicKeyBase64;
    const url = await createDatabase(postgres.url);
    // The node that moves starts first; the ones added afterwards take over its key.
    const moved = node(url, dataDir);
    expect(await publicKey(moved)).toBe(before);
    const other = node(url);
    try {
      expect(await publicKey(other)).toBe(before);
    } finally {
      await Promise.all([moved.close(), other.close()]);
    }
  });
});
