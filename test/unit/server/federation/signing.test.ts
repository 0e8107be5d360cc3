import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SignatureError } from '../../../../server/federation/signing.js';
import {
  importPublicKey,
  loadOrCreateKeys,
  MemoryNonceStore,
  signRequest,
  verifyRequest,
  type InstanceKeys,
} from '../../../../server/federation/signing.js';

const A = 'http://a.test:3001';
const PATH = '/api/chat/files/federation/v1/messages';

function setup() {
  const keysA = loadOrCreateKeys(mkdtempSync(path.join(tmpdir(), 'keys-a-')));
  const keysB = loadOrCreateKeys(mkdtempSync(path.join(tmpdir(), 'keys-b-')));
  const body = Buffer.from(JSON.stringify({ hello: 'world' }));
  const nonces = new MemoryNonceStore();
  const verifyWith = (
    headers: Record<string, string>,
    overrides: Partial<Parameters<typeof verifyRequest>[0]> = {},
  ) =>
    verifyRequest({
      method: 'POST',
      path: PATH,
      headers,
      body,
      trustedOrigins: [A],
      publicKeyOf: async () => keysA.publicKey,
      nonces,
      ...overrides,
    });
  return { keysA, keysB, body, verifyWith };
}

async function rejection(promise: Promise<unknown>): Promise<SignatureError> {
  try {
    await promise;
  } catch (error) {
    return error as SignatureError;
  }
  throw new Error('expected a rejection');
}

describe('federation signing', () => {
  it('keeps one key pair per data dir, private key readable by the owner only', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'keys-'));
    const first: InstanceKeys = loadOrCreateKeys(dir);
    const second = loadOrCreateKeys(dir);
    expect(second.publicKeyBase64).toBe(first.publicKeyBase64);
    expect(statSync(path.join(dir, 'federation-ed25519.pem')).mode & 0o777).toBe(0o600);
    expect(importPublicKey(first.publicKeyBase64).equals(first.publicKey)).toBe(true);
  });

  it('accepts a correctly signed request once', async () => {
    const { keysA, body, verifyWith } = setup();
    const headers = signRequest({ method: 'POST', path: PATH, body, origin: A, keys: keysA });
    expect(await verifyWith(headers)).toBe(A);
    const replay = await rejection(verifyWith(headers));
    expect(replay.status).toBe(401);
    expect(replay.message).toMatch(/replayed/);
  });

  it('refuses unsigned, forged, tampered, stale and untrusted requests', async () => {
    const { keysA, keysB, body, verifyWith } = setup();
    expect((await rejection(verifyWith({}))).status).toBe(401);

    const forged = signRequest({ method: 'POST', path: PATH, body, origin: A, keys: keysB });
    expect((await rejection(verifyWith(forged))).message).toMatch(/Bad signature/);

    const good = signRequest({ method: 'POST', path: PATH, body, origin: A, keys: keysA });
    const tampered = await rejection(
      verifyWith(good, { body: Buffer.from('{"hello":"mallory"}') }),
    );
    expect(tampered.message).toMatch(/digest/);
    const otherPath = await rejection(
      verifyWith({ ...good }, { path: '/api/chat/files/federation/v1/revoke' }),
    );
    expect(otherPath.message).toMatch(/Bad signature/);

    const stale = signRequest({
      method: 'POST',
      path: PATH,
      body,
      origin: A,
      keys: keysA,
      now: Date.now() - 10 * 60_000,
    });
    expect((await rejection(verifyWith(stale))).message).toMatch(/stale/);

    const untrusted = signRequest({
      method: 'POST',
      path: PATH,
      body,
      origin: 'http://evil.test',
      keys: keysA,
    });
    expect((await rejection(verifyWith(untrusted))).status).toBe(403);
  });
});
