import { describe, expect, it } from 'vitest';
import { ChatFilesError } from '../../../../server/errors.js';
import { storeError } from '../../../../server/store/store-errors.js';

describe('storeError', () => {
  it("turns PostgreSQL's disk_full (53100) and SQLITE_FULL into 507 ERR_STORAGE_FULL", () => {
    for (const code of ['53100', 'SQLITE_FULL']) {
      const cause = Object.assign(new Error('could not extend file'), { code });
      const error = storeError(cause);
      expect(error).toBeInstanceOf(ChatFilesError);
      expect(error).toMatchObject({ code: 'ERR_STORAGE_FULL', status: 507, cause });
      // The database's own words are not shown to clients.
      expect((error as Error).message).not.toContain('extend');
    }
  });

  it('leaves every other error as it is', () => {
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(storeError(unique)).toBe(unique);
    expect(storeError('text')).toBe('text');
    expect(storeError(null)).toBe(null);
  });
});
