/**
 * Builds the blob storage that `server_seeding.storage` names: the disk at
 * `storage_path` (the default) or an S3-compatible bucket.
 */
import type { ServerSeedingConfig } from '../../src/core/wire/config.js';
import type { BlobStorage } from './blob-storage.js';
import { DiskBlobStorage } from './disk-blob-storage.js';
import { S3BlobStorage } from './s3-blob-storage.js';

/** The blob storage of a resolved config; `storageDir` is `storage_path` resolved. */
export function configuredBlobStorage(
  seeding: Pick<ServerSeedingConfig, 'storage'>,
  storageDir: string,
): BlobStorage {
  const { storage } = seeding;
  if (storage.driver === 'disk') return new DiskBlobStorage(storageDir);
  return new S3BlobStorage({
    bucket: storage.bucket,
    region: storage.region,
    endpoint: storage.endpoint,
    forcePathStyle: storage.force_path_style,
  });
}
