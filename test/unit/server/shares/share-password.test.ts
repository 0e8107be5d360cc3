import { describe, expect, it } from 'vitest';
import {
  hashSharePassword,
  verifySharePassword,
} from '../../../../server/shares/share-password.js';

describe('share passwords', () => {
  it('stores a salted scrypt hash that only the right password matches', async () => {
    const first = await hashSharePassword('correct horse');
    const second = await hashSharePassword('correct horse');
    expect(first).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(first).not.toContain('correct horse');
    expect(second).not.toBe(first); // a fresh salt each time
    expect(await verifySharePassword('correct horse', first)).toBe(true);
    expect(await verifySharePassword('correct horse ', first)).toBe(false);
    expect(await verifySharePassword('', first)).toBe(false);
  });

  it('treats canonically equal Unicode spellings as the same password', async () => {
    const hash = await hashSharePassword('caf\u00e9');
    expect(await verifySharePassword('cafe\u0301', hash)).toBe(true);
  });

  it('refuses hashes it does not know how to check', async () => {
    expect(await verifySharePassword('x', 'plain:x')).toBe(false);
    expect(await verifySharePassword('x', 'scrypt$16384$8$1$$')).toBe(false);
  });
});
