/**
 * Real `ChatFiles` clients against the test server: each logs in its own user, opens its
 * own socket and uses its own IndexedDB cache, so two of them in one page behave like two
 * browsers.
 */
import { deleteDB } from 'idb';
import { ChatFiles, type ChatFilesClientOptions } from '../../../src/core/chat-files-client.js';
import type { TransferSnapshot } from '../../../src/core/transfer-state.js';
import type { ChatFilesConfigInput } from '../../../src/core/wire/config.js';
import { uniqueCacheName } from './bytes.js';
import { BROWSER_TEST_CHAT_FILES, BROWSER_TEST_LARGE_CHAT_FILES } from './server-config.js';
import { login, uniqueName, type TestUser } from './server.js';

/** A client and what the test needs to drive it. */
export interface TestClient {
  client: ChatFiles;
  user: TestUser;
  cacheName: string;
}

const created: TestClient[] = [];

/** Options of {@link makeClient}. */
export interface MakeClientOptions extends Partial<ChatFilesClientOptions> {
  /** Reuse this user (a second tab, or a reload). */
  user?: TestUser;
  /** Reuse this cache (a reload). */
  cacheName?: string;
  /** Config keys on top of the test server's. */
  configOverrides?: ChatFilesConfigInput;
  /** Client class, for tests that play a misbehaving peer. */
  Client?: typeof ChatFiles;
  /** Test server profile (`large` accepts files up to 600 MB). */
  profile?: 'default' | 'large';
}

/** Logs in (a new user unless given), connects and builds a client. */
export async function makeClient(
  label: string,
  options: MakeClientOptions = {},
): Promise<TestClient> {
  const profile = options.profile ?? 'default';
  const user = options.user ?? (await login(uniqueName(label), profile));
  const socket = await user.connect();
  const cacheName = options.cacheName ?? uniqueCacheName(label);
  const { user: _u, profile: _p, configOverrides, Client = ChatFiles, ...rest } = options;
  const base = profile === 'large' ? BROWSER_TEST_LARGE_CHAT_FILES : BROWSER_TEST_CHAT_FILES;
  const client = new Client({
    socket,
    username: user.username,
    token: user.token,
    baseUrl: `${user.base}/api/chat/files`,
    config: { ...base, ...configOverrides },
    ...rest,
    cacheName,
  });
  const made = { client, user, cacheName };
  created.push(made);
  return made;
}

/** Creates a room with the given members (the first one creates it) and returns its id. */
export async function createRoom(owner: TestUser, members: TestUser[]): Promise<string> {
  const response = await owner.fetch('/api/rooms', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: uniqueName('room'), members: members.map((m) => m.username) }),
  });
  if (!response.ok) throw new Error(`create room: HTTP ${response.status}`);
  return ((await response.json()) as { id: string }).id;
}

/** Closes a client as a closed tab would: destroyed and its socket gone. */
export async function closeClient(made: TestClient): Promise<void> {
  await made.client.destroy();
  made.client.socket.disconnect();
}

/** Destroys every client made so far and deletes their caches. */
export async function destroyClients(): Promise<void> {
  const all = created.splice(0);
  await Promise.all(all.map(({ client }) => client.destroy()));
  for (const { client } of all) client.socket.disconnect();
  await Promise.all([...new Set(all.map((c) => c.cacheName))].map((name) => deleteDB(name)));
}

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves with the first snapshot of a transfer (the current one included) that satisfies `test`. */
export function whenTransfer(
  made: TestClient,
  fileId: string,
  test: (s: TransferSnapshot) => boolean,
): Promise<TransferSnapshot> {
  return new Promise((resolve) => {
    const now = made.client.transferState(fileId);
    if (test(now)) return resolve(now);
    const stop = made.client.watch(fileId, (s) => {
      if (test(s)) {
        stop();
        resolve(s);
      }
    });
  });
}
