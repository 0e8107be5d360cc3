import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_CONFIG,
  publicConfig,
  resolveConfig,
} from '../../../../src/core/wire/config.js';

describe('resolveConfig', () => {
  it('fills every documented default', () => {
    const config = resolveConfig({}, { onWarning: () => {} });
    expect(config).toMatchObject({
      chunk_size: 65536,
      max_file_size: 524288000,
      max_thumbnail_size: 51200,
      webrtc_timeout: 10000,
      relay_batch_size: 8,
      blob_merge_threshold: 10485760,
      image_auto_download_max: 1048576,
      cache_max_bytes: 500,
      probe_timeout: 3000,
      peer_wait_timeout: 60000,
      server_seeding: {
        enabled: true,
        storage_path: '/uploads/chat_files',
        max_total_storage_bytes: 10737418240,
        temp_cache_minutes: false,
        cleanup_interval_hours: 1,
        allowed_mime_types: null,
      },
      upload_tiers: { default: 104857600 },
    });
    expect(config.ice_servers.length).toBeGreaterThan(0);
  });

  it('merges nested blocks key by key and never mutates the defaults', () => {
    const config = resolveConfig({
      server_seeding: { temp_cache_minutes: 30 },
      upload_tiers: { enterprise: 5 },
    });
    expect(config.server_seeding.temp_cache_minutes).toBe(30);
    expect(config.server_seeding.enabled).toBe(true);
    expect(config.upload_tiers).toEqual({ enterprise: 5, default: 104857600 });
    expect(DEFAULT_CONFIG.server_seeding.temp_cache_minutes).toBe(false);
  });

  it.each([
    [{ chunk_size: '64k' }, 'chunk_size'],
    [{ chunk_size: -1 }, 'chunk_size'],
    [{ max_file_size: 1.5 }, 'max_file_size'],
    [{ server_seeding: { temp_cache_minutes: true } }, 'server_seeding.temp_cache_minutes'],
    [{ server_seeding: { enabled: 'yes' } }, 'server_seeding.enabled'],
    [
      { server_seeding: { allowed_mime_types: ['not a type'] } },
      'server_seeding.allowed_mime_types',
    ],
    [{ server_seeding: 5 }, 'server_seeding'],
    [{ upload_tiers: { pro: -5 } }, 'upload_tiers.pro'],
    [{ ice_servers: [{ url: 'stun:x' }] }, 'ice_servers[0].urls'],
    [{ federation: { peers: ['https://a.example/path'] } }, 'federation.peers[0]'],
    [{ chunk_size: 65536 * 3, piece_size: 65536 * 4 }, 'piece_size'],
  ])('rejects %j naming %s', (input, key) => {
    let error: unknown;
    try {
      resolveConfig(input, { onWarning: () => {} });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
    expect((error as ConfigError).message).toContain(`chat_files.${key}`);
  });

  it('warns about unknown keys and ignores them', () => {
    const warnings: string[] = [];
    const config = resolveConfig(
      { chunk_sise: 1, server_seeding: { storage_dir: 'x' } },
      { onWarning: (m) => warnings.push(m) },
    );
    expect(warnings).toEqual([
      'chat_files: unknown key "chunk_sise" ignored',
      'chat_files: unknown key "server_seeding.storage_dir" ignored',
    ]);
    expect(config.chunk_size).toBe(65536);
  });

  it('refuses a block that is not an object', () => {
    expect(() => resolveConfig([1, 2])).toThrow(ConfigError);
  });
});

describe('publicConfig', () => {
  it('keeps what a browser needs and drops server-only keys', () => {
    const config = resolveConfig(
      {
        max_file_size: 1000,
        server_seeding: { allowed_mime_types: ['image/png'], storage_path: '/secret/path' },
        federation: { enabled: true, peers: ['https://b.example'] },
      },
      { onWarning: () => {} },
    );
    const open = publicConfig(config);
    expect(open.max_file_size).toBe(1000);
    expect(open.server_seeding).toEqual({
      enabled: true,
      temp_cache_minutes: false,
      allowed_mime_types: ['image/png'],
    });
    expect(open.federation).toEqual({ enabled: true });
    expect(JSON.stringify(open)).not.toMatch(/secret|b\.example|upload_tiers/);
  });
});

describe('resolveConfig: object storage and download modes', () => {
  const keyOf = (input: Record<string, unknown>) => {
    try {
      resolveConfig({ server_seeding: input }, { onWarning: () => {} });
    } catch (error) {
      return [(error as ConfigError).key, (error as ConfigError).message];
    }
    return null;
  };

  it('defaults to the disk, streamed by the server, with 5-minute presigned URLs', () => {
    const { server_seeding: seeding } = resolveConfig({});
    expect(seeding.storage).toEqual({ driver: 'disk' });
    expect(seeding.download).toBe('proxy');
    expect(seeding.presign_expiry_seconds).toBe(300);
    expect(seeding.accel_location).toBe('/_chat_files_accel/');
  });

  it('accepts an S3 bucket with redirects', () => {
    const storage = {
      driver: 's3',
      bucket: 'files',
      region: 'auto',
      endpoint: 'https://account.r2.cloudflarestorage.com',
      force_path_style: true,
    };
    const config = resolveConfig({ server_seeding: { storage, download: 'redirect' } });
    expect(config.server_seeding.storage).toEqual(storage);
  });

  it('names the key that is wrong', () => {
    expect(keyOf({ storage: { driver: 'ftp' } })?.[0]).toBe('server_seeding.storage.driver');
    expect(keyOf({ storage: { driver: 's3', region: 'x' } })?.[0]).toBe(
      'server_seeding.storage.bucket',
    );
    expect(keyOf({ storage: { driver: 's3', bucket: 'b' } })?.[0]).toBe(
      'server_seeding.storage.region',
    );
    expect(
      keyOf({ storage: { driver: 's3', bucket: 'b', region: 'r', endpoint: 'ftp://x' } })?.[0],
    ).toBe('server_seeding.storage.endpoint');
    expect(keyOf({ storage: { driver: 'disk', bucket: 'b' } })?.[0]).toBe(
      'server_seeding.storage.bucket',
    );
    expect(keyOf({ download: 'stream' })?.[0]).toBe('server_seeding.download');
    expect(keyOf({ presign_expiry_seconds: 0 })?.[0]).toBe('server_seeding.presign_expiry_seconds');
    expect(keyOf({ presign_expiry_seconds: 700_000 })?.[0]).toBe(
      'server_seeding.presign_expiry_seconds',
    );
    expect(keyOf({ accel_location: 'internal' })?.[0]).toBe('server_seeding.accel_location');
  });

  it('refuses credentials in the config, pointing at the SDK chain, without echoing them', () => {
    const result = keyOf({
      storage: { driver: 's3', bucket: 'b', region: 'r', secret_access_key: 'hunter2' },
    });
    expect(result?.[0]).toBe('server_seeding.storage.secret_access_key');
    expect(result?.[1]).toContain('AWS_ACCESS_KEY_ID');
    expect(result?.[1]).not.toContain('hunter2');
  });

  it('refuses modes the storage cannot serve', () => {
    expect(keyOf({ download: 'redirect' })?.[1]).toMatch(/redirect needs object storage/);
    expect(
      keyOf({ download: 'accel', storage: { driver: 's3', bucket: 'b', region: 'r' } })?.[1],
    ).toMatch(/accel serves files from the disk/);
  });
});

describe('seeding limits', () => {
  it('default to no rate limit and eight peers at once', () => {
    const config = resolveConfig({}, { onWarning: () => {} });
    expect(config.max_upload_rate).toBe(null);
    expect(config.max_concurrent_uploads).toBe(8);
  });

  it('accept a rate in bytes per second and a peer count', () => {
    const config = resolveConfig({ max_upload_rate: 2097152, max_concurrent_uploads: 3 });
    expect(config.max_upload_rate).toBe(2097152);
    expect(config.max_concurrent_uploads).toBe(3);
  });

  it('refuse impossible values, naming the key', () => {
    expect(() => resolveConfig({ max_upload_rate: 0 })).toThrow(/chat_files\.max_upload_rate/);
    expect(() => resolveConfig({ max_upload_rate: '1MB' })).toThrow(ConfigError);
    expect(() => resolveConfig({ max_concurrent_uploads: 1.5 })).toThrow(
      /chat_files\.max_concurrent_uploads/,
    );
    expect(() => resolveConfig({ max_concurrent_uploads: 0 })).toThrow(ConfigError);
  });
});
