/**
 * Share passwords: stored only as a salted scrypt hash, checked in constant time. The
 * parameters travel with the hash, so they can be raised later without breaking old
 * shares.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Longest password accepted (scrypt's cost does not depend on it, the request body does). */
export const MAX_SHARE_PASSWORD_LENGTH = 256;

const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** N = 2^14, r = 8: about 16 MiB and a few tens of ms per check. */
const PARAMS = { N: 16_384, r: 8, p: 1 } as const;

const derive = (password: string, salt: Buffer, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

/** Hashes a share password as `scrypt$N$r$p$<salt b64>$<hash b64>`. */
export async function hashSharePassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, PARAMS);
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64'),
    key.toString('base64'),
  ].join('$');
}

/** Whether `password` matches a hash made by {@link hashSharePassword}. */
export async function verifySharePassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
