/**
 * `connect()`: one call that gives a page a ready client. It reads the server's public
 * config and who is signed in, reuses the host's socket.io socket (or opens one with the
 * page's cookie), and makes the client the page's default, so the elements just work.
 */
import type { Socket } from 'socket.io-client';
import { ChatFiles, type ChatFilesClientOptions } from './chat-files-client.js';
import type { PublicConfig } from './wire/config.js';
import { ChatFilesClientError, fromErrorReply } from './errors.js';
import { DEFAULT_API_BASE } from './wire/protocol.js';
import type { ChatFilesSocket } from './socket-requests.js';

/**
 * Where this module was loaded from. When the page took the SDK from the router
 * (`<mount>/sdk/chat-files.js` or `.iife.js`), the mount is known without asking. The
 * IIFE runs from a classic `<script src>` (`currentScript`); in it `import.meta` is `{}`.
 */
const LOADED_FROM: string = (() => {
  const script = typeof document === 'undefined' ? null : document.currentScript;
  if (script && 'src' in script && typeof script.src === 'string' && script.src) return script.src;
  return (import.meta as { url?: string }).url ?? '';
})();

/** The router's mount as seen from a URL the SDK was served at, or `null`. */
export function mountOfSdkUrl(url: string): string | null {
  const match = /^(.*)\/sdk\/chat-files(?:\.iife)?\.js(?:[?#].*)?$/.exec(url);
  return match ? match[1]! : null;
}

/** Options of {@link connect}. */
export interface ConnectOptions extends Partial<
  Omit<ChatFilesClientOptions, 'socket' | 'url' | 'config'>
> {
  /**
   * The host's connected socket.io client. Without it, `connect` opens one to the router's
   * origin with the page's cookies.
   */
  socket?: Socket | ChatFilesSocket;
  /**
   * Base URL of the router.
   * @default where the SDK was served from (`<mount>/sdk/...`), else '/api/chat/files'
   */
  baseUrl?: string;
  /**
   * Bearer token for REST calls.
   * @default the socket's `auth.token`, if it has one; else the page's cookies are used
   */
  token?: ChatFilesClientOptions['token'];
  /**
   * The signed-in user.
   * @default the server's answer to `GET <baseUrl>/me`
   */
  username?: string;
  /** Make the client the page's default, which the elements use. @default true */
  setDefault?: boolean;
}

/** The client the last `connect()` made; the next call replaces (and destroys) it. */
let connected: ChatFiles | null = null;

function tokenOfSocket(socket: ConnectOptions['socket']): string | null {
  const auth = (socket as { auth?: unknown } | undefined)?.auth;
  const token = auth && typeof auth === 'object' ? (auth as { token?: unknown }).token : null;
  return typeof token === 'string' && token !== '' ? token : null;
}

async function getJson<T>(url: string, token: string | null): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      credentials: token ? 'omit' : 'include',
    });
  } catch (cause) {
    throw new ChatFilesClientError('ERR_NETWORK', `Cannot reach ${url}.`, { cause });
  }
  const body = (await response.json().catch(() => null)) as unknown;
  if (!response.ok)
    throw fromErrorReply(body, `${url} answered ${response.status}.`, response.status);
  return body as T;
}

/**
 * Connects the page: resolves to a {@link ChatFiles} client that knows the server's
 * limits and the signed-in user, and (by default) is the page's default client.
 * Log out with `client.destroy()`; calling `connect` again replaces the previous client.
 */
export async function connect(options: ConnectOptions = {}): Promise<ChatFiles> {
  const here = typeof location === 'undefined' ? 'http://localhost/' : location.href;
  const baseUrl = new URL(
    options.baseUrl ?? mountOfSdkUrl(LOADED_FROM) ?? DEFAULT_API_BASE,
    here,
  ).href.replace(/\/+$/, '');
  const explicit = typeof options.token === 'function' ? options.token() : options.token;
  const token = explicit ?? tokenOfSocket(options.socket);
  const [config, me] = await Promise.all([
    getJson<PublicConfig>(`${baseUrl}/config`, token),
    options.username
      ? Promise.resolve({ username: options.username })
      : getJson<{ username: string }>(`${baseUrl}/me`, token),
  ]);
  const previous = connected;
  connected = null;
  await previous?.destroy();
  const { setDefault = true, socket, ...rest } = options;
  const client = new ChatFiles({
    ...rest,
    ...(socket ? { socket } : { url: new URL(baseUrl).origin, auth: token ? { token } : {} }),
    baseUrl,
    token: options.token ?? token,
    username: me.username,
    config,
  });
  connected = client;
  if (setDefault) ChatFiles.setDefault(client);
  return client;
}
