/**
 * Access to the real reference app started by web-test-runner: its URL, logins with
 * bearer tokens, and socket.io connections.
 */
import { io, type Socket } from 'socket.io-client';

let cachedUrl: Promise<string> | null = null;

/** Base URL of the test server, e.g. `http://127.0.0.1:41234`. */
export function serverUrl(): Promise<string> {
  cachedUrl ??= fetch('/__chat-server__')
    .then((r) => r.json() as Promise<{ url: string }>)
    .then((body) => body.url);
  return cachedUrl;
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
export async function login(username: string): Promise<TestUser> {
  const base = await serverUrl();
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
