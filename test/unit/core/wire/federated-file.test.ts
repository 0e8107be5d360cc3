import { describe, expect, it } from 'vitest';
import {
  FederatedFileError,
  federatedFileFallbackText,
  parseFederatedFile,
  serializeFederatedFile,
  type FederatedFile,
} from '../../../../src/core/wire/federated-file.js';
import { formatBytes } from '../../../../src/core/wire/format.js';

const ORIGIN = 'https://a.example';
const file: FederatedFile = {
  name: 'cat.png',
  size: 12345,
  mimeType: 'image/png',
  previewUrl: `${ORIGIN}/api/chat/files/shares/abc/preview`,
  downloadUrl: `${ORIGIN}/api/chat/files/shares/abc/download`,
};

describe('federated file object', () => {
  it('round-trips the required fields and the optional ones', () => {
    expect(parseFederatedFile(JSON.parse(serializeFederatedFile(file)))).toEqual(file);
    const full = {
      ...file,
      sha256: 'a'.repeat(64),
      origin: ORIGIN,
      expiresAt: 1_900_000_000_000,
      passwordProtected: true,
    };
    expect(
      parseFederatedFile(JSON.parse(serializeFederatedFile(full)), { expectedOrigin: ORIGIN }),
    ).toEqual(full);
  });

  it('ignores unknown fields (a newer sender stays readable)', () => {
    expect(parseFederatedFile({ ...file, thumbnailBlurHash: 'LEHV6n', nested: { x: 1 } })).toEqual(
      file,
    );
  });

  it('accepts a file without a preview', () => {
    expect(parseFederatedFile({ ...file, previewUrl: null }).previewUrl).toBeNull();
  });

  it.each([
    ['name', { name: undefined }],
    ['name', { name: '' }],
    ['name', { name: 42 }],
    ['name', { name: 'x'.repeat(4097) }],
    ['size', { size: '12' }],
    ['size', { size: -1 }],
    ['size', { size: 1.5 }],
    ['mimeType', { mimeType: 'png' }],
    ['mimeType', { mimeType: undefined }],
    ['downloadUrl', { downloadUrl: undefined }],
    ['downloadUrl', { downloadUrl: 'javascript:alert(1)' }],
    ['downloadUrl', { downloadUrl: '/relative' }],
    ['downloadUrl', { downloadUrl: 'https://user:pw@a.example/x' }],
    ['previewUrl', { previewUrl: 42 }],
    ['sha256', { sha256: 'xyz' }],
    ['expiresAt', { expiresAt: 'tomorrow' }],
  ])('refuses a bad %s', (field, patch) => {
    let error: unknown;
    try {
      parseFederatedFile({ ...file, ...patch });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FederatedFileError);
    expect((error as FederatedFileError).field).toBe(field);
  });

  it('refuses URLs that are not on the sending instance', () => {
    expect(() =>
      parseFederatedFile(
        { ...file, downloadUrl: 'http://127.0.0.1:22/x' },
        { expectedOrigin: ORIGIN },
      ),
    ).toThrow(/downloadUrl: must be on the sending instance/);
    expect(() =>
      parseFederatedFile(
        { ...file, previewUrl: 'https://a.example.evil.test/p' },
        { expectedOrigin: ORIGIN },
      ),
    ).toThrow(/previewUrl/);
  });

  it('refuses non-objects', () => {
    for (const value of [null, 'x', 5, [file]])
      expect(() => parseFederatedFile(value)).toThrow(FederatedFileError);
  });

  it('writes a readable fallback for text-only receivers', () => {
    expect(federatedFileFallbackText(file, 'alice')).toBe(
      `alice shared a file: cat.png (12 KB) ${ORIGIN}/api/chat/files/shares/abc/download`,
    );
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(1_500_000)).toBe('1.4 MB');
    // The README's and the server's units: the free tier is 100 MB, the file limit 500 MB.
    expect(formatBytes(104_857_600)).toBe('100 MB');
    expect(formatBytes(524_288_000)).toBe('500 MB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1 MB');
  });
});
