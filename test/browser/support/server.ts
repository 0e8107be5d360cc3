/**
 * Access to the real reference app started by web-test-runner: its URL, logins with
 * bearer tokens, and socket.io connections.
 */
import { io, type Socket } from 'socket.io-client';

const cachedUrls = new Map<string, Promise<string>>();

/**
 * Base URL of the test server, e.g. `http://127.0.0.1:41234`; `profile: 'large'` is a
 * second server that accepts files up to 600 MB.
 */
export function serverUrl(profile = 'default'): Promise<string> {
  let url = cachedUrls.get(profile);
  if (!url) {
    url = fetch(`/__chat-server__?profile=${encodeURIComponent(profile)}`)
      .then((r) => r.json() as Promise<{ url: string }>)
      .then((body) => body.url);
    cachedUrls.set(profile, url);
  }
  return url;
}

/** A logged-in test user. */
export interface TestUser {
  username: string;
  token: string;
  base: string;
  /** fetch against the server with the user's bearer token. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A connected socket.io client for the user. */
  connect(): Promise<Socket>;
}

/** Logs a user in (created on first login) and returns helpers bound to the session. */
export async function login(username: string, profile = 'default'): Promise<TestUser> {
  const base = await serverUrl(profile);
  const response = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  if (!response.ok) throw new Error(`login ${username}: HTTP ${response.status}`);
  const { token } = (await response.json()) as { token: string };
  return {
    username,
    token,
    base,
    fetch: (path, init = {}) =>
      fetch(`${base}${path}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
      }),
    connect: () =>
      new Promise((resolve, reject) => {
        const socket = io(base, { auth: { token }, transports: ['websocket'], forceNew: true });
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      }),
  };
}

/** A unique name for test rooms and users. */
export const uniqueName = (prefix: string) =>
  `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
