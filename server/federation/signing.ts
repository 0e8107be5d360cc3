/**
 * Signed server-to-server requests. Each instance holds an Ed25519 key pair; a request
 * carries its origin, a timestamp, a one-time nonce and a digest of its body, all covered
 * by the signature. The receiver checks the origin is trusted, the time is fresh, the
 * nonce unseen, the digest right and the signature valid.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Header names of a signed request. */
export const SIGNATURE_HEADERS = {
  origin: 'x-chat-files-origin',
  date: 'x-chat-files-date',
  nonce: 'x-chat-files-nonce',
  digest: 'x-chat-files-digest',
  signature: 'x-chat-files-signature',
} as const;

/** How far a request's timestamp may be from the receiver's clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const KEY_FILE = 'federation-ed25519.pem';

/** An instance's key pair. */
export interface InstanceKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as base64 SPKI DER, as published in `/.well-known/chat-files`. */
  publicKeyBase64: string;
}

/** The key pair of an Ed25519 private key; throws for any other kind of key. */
export function instanceKeysOf(privateKey: KeyObject, from = 'the federation key'): InstanceKeys {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${from} is not an Ed25519 key`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyBase64: exportPublicKey(publicKey) };
}

// PKCS#8 DER of an Ed25519 private key is this prefix followed by the 32-byte seed.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The Ed25519 private key with this 32-byte seed. */
export function privateKeyFromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new Error('an Ed25519 seed has 32 bytes');
  return createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
}

/** The 32-byte seed of an Ed25519 private key. */
export function seedOf(privateKey: KeyObject): Buffer {
  return privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(-32);
}

/** The key saved in `dataDir` by {@link loadOrCreateKeys}, or `null` when there is none. */
export function readKeyFile(dataDir: string): KeyObject | null {
  const file = path.join(dataDir, KEY_FILE);
  if (!existsSync(file)) return null;
  return instanceKeysOf(createPrivateKey(readFileSync(file, 'utf8')), file).privateKey;
}

/** Loads the key pair from `dataDir`, generating and saving it (mode 0600) on first start. */
export function loadOrCreateKeys(dataDir: string): InstanceKeys {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, KEY_FILE);
  let privateKey: KeyObject;
  const saved = readKeyFile(dataDir);
  if (saved) {
    privateKey = saved;
  } else {
    privateKey = generateKeyPairSync('ed25519').privateKey;
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(temp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  }
  return instanceKeysOf(privateKey);
}

/** base64 SPKI DER of a public key. */
export function exportPublicKey(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

/** Parses a published base64 SPKI public key; throws unless it is Ed25519. */
export function importPublicKey(base64: string): KeyObject {
  const key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 public key');
  return key;
}

/** base64 SHA-256 of a request body. */
export function bodyDigest(body: Buffer | string): string {
  return `sha-256=${createHash('sha256').update(body).digest('base64')}`;
}

function canonical(parts: {
  method: string;
  path: string;
  origin: string;
  date: string;
  nonce: string;
  digest: string;
}): Buffer {
  return Buffer.from(
    [
      'chat-files-signature-v1',
      parts.method.toUpperCase(),
      parts.path,
      parts.origin,
      parts.date,
      parts.nonce,
      parts.digest,
    ].join('\n'),
  );
}

/** What to sign. */
export interface SignRequestInput {
  method: string;
  /** Path and query, e.g. `/api/chat/files/federation/v1/messages`. */
  path: string;
  body: Buffer | string;
  /** The signing instance's origin. */
  origin: string;
  keys: Pick<InstanceKeys, 'privateKey'>;
  /** @default Date.now() */
  now?: number;
}

/** Returns the headers that sign a request. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const date = String(input.now ?? Date.now());
  const nonce = randomBytes(16).toString('hex');
  const digest = bodyDigest(input.body);
  const signature = sign(
    null,
    canonical({
      method: input.method,
      path: input.path,
      origin: input.origin,
      date,
      nonce,
      digest,
    }),
    input.keys.privateKey,
  );
  return {
    [SIGNATURE_HEADERS.origin]: input.origin,
    [SIGNATURE_HEADERS.date]: date,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.digest]: digest,
    [SIGNATURE_HEADERS.signature]: signature.toString('base64'),
  };
}

/** Remembers nonces for the clock-skew window so a captured request cannot be replayed. */
export interface NonceStore {
  /** Records the nonce; returns false if it was already seen. */
  claim(origin: string, nonce: string, now: number): boolean | Promise<boolean>;
}

/** In-memory nonce store with expiry. */
export class MemoryNonceStore implements NonceStore {
  private readonly seen = new Map<string, number>();
  claim(origin: string, nonce: string, now: number): boolean {
    if (this.seen.size > 10_000) {
      for (const [key, at] of this.seen)
        if (now - at > 2 * MAX_CLOCK_SKEW_MS) this.seen.delete(key);
    }
    const key = `${origin} ${nonce}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    return true;
  }
}

/** Why verification failed; `status` is 401 for a bad signature, 403 for an untrusted origin. */
export class SignatureError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

/** What verification needs. */
export interface VerifyRequestInput {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Origins this instance trusts. */
  trustedOrigins: readonly string[];
  /** Resolves a trusted origin's public key. */
  publicKeyOf(origin: string): Promise<KeyObject>;
  nonces: NonceStore;
  /** @default Date.now() */
  now?: number;
}

const header = (headers: VerifyRequestInput['headers'], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Verifies a signed request and returns the sender's origin; throws {@link SignatureError}. */
export async function verifyRequest(input: VerifyRequestInput): Promise<string> {
  const origin = header(input.headers, SIGNATURE_HEADERS.origin);
  const date = header(input.headers, SIGNATURE_HEADERS.date);
  const nonce = header(input.headers, SIGNATURE_HEADERS.nonce);
  const digest = header(input.headers, SIGNATURE_HEADERS.digest);
  const signature = header(input.headers, SIGNATURE_HEADERS.signature);
  if (!origin || !date || !nonce || !digest || !signature)
    throw new SignatureError(401, 'Request is not signed.');
  if (!input.trustedOrigins.includes(origin))
    throw new SignatureError(403, 'Origin is not a trusted peer.');
  const now = input.now ?? Date.now();
  const sentAt = Number(date);
  if (!/^\d{1,15}$/.test(date) || Math.abs(now - sentAt) > MAX_CLOCK_SKEW_MS)
    throw new SignatureError(401, 'Request is stale.');
  if (!/^[0-9a-f]{32}$/.test(nonce)) throw new SignatureError(401, 'Malformed nonce.');
  if (digest !== bodyDigest(input.body))
    throw new SignatureError(401, 'Body digest does not match.');
  let key: KeyObject;
  try {
    key = await input.publicKeyOf(origin);
  } catch {
    throw new SignatureError(401, 'Cannot obtain the sender’s public key.');
  }
  const valid = verify(
    null,
    canonical({ method: input.method, path: input.path, origin, date, nonce, digest }),
    key,
    Buffer.from(signature, 'base64'),
  );
  if (!valid) throw new SignatureError(401, 'Bad signature.');
  if (!(await input.nonces.claim(origin, nonce, now)))
    throw new SignatureError(401, 'Request was replayed.');
  return origin;
}
