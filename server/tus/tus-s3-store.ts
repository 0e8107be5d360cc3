/**
 * Where unfinished tus uploads live with S3 blob storage: `@tus/s3-store` on the blob
 * storage's bucket and client configuration, every object under `tus/` (the upload is a
 * multipart upload of `tus/<id>`, described by `tus/<id>.info`, with a tail shorter than
 * a part kept as `tus/<id>.part`), so any node continues any upload and an offset
 * survives a restart. On top of it, what the disk store does too: the checksum extension
 * (a body is verified before any part of it is uploaded), the running digest, a full
 * temporary disk answered 507, and a finished upload taken into blob storage by a copy
 * inside the bucket.
 */
import { pipeline, Readable } from 'node:stream';
import type { Part, S3 } from '@aws-sdk/client-s3';
import { S3Store, type MetadataValue } from '@tus/s3-store';
import { ERRORS, type KvStore } from '@tus/server';
import { hashStream } from '../hashing.js';
import type { S3BlobStorage } from '../storage/s3-blob-storage.js';
import type { ReceivedBlob } from '../uploads/receive-into-blob.js';
import { BodyTap, writeFailure, RunningDigests, writeScope, type TusStore } from './tus-writes.js';

/** Key prefix of every object of unfinished tus uploads. */
export const TUS_KEY_PREFIX = 'tus/';
/** Parts uploaded to the bucket at once, over all uploads of this process. */
const PART_UPLOADS_AT_ONCE = 16;
/** Most parts of a multipart upload. */
const MAX_PARTS = 10_000;

/** Options of {@link TusS3Store}. */
export interface TusS3StoreOptions {
  /** The blob storage whose bucket and client configuration the uploads use. */
  blobs: S3BlobStorage;
  /** Milliseconds after creation before an unfinished upload expires; 0 never. */
  expirationMs: number;
  /** Key prefix of the tus objects. @default 'tus/' */
  prefix?: string;
  /** Preferred bytes per part; at least 5 MiB. @default 8 MiB */
  partSize?: number;
}

/** What one PATCH being written has done to the bucket. */
interface WriteState {
  /** Settles when the body has ended and matched its checksum; parts wait for it. */
  gate: Promise<void> | null;
  partsUploaded: number;
  tailUploaded: boolean;
  /** The tail kept before this write was read into it and is due for deletion. */
  staleTail: boolean;
}

/**
 * Keeps nothing: an upload's description is read from the bucket each time it is needed,
 * so every node sees every upload as it is (a cache would outlive a termination elsewhere).
 */
const NO_CACHE: KvStore<MetadataValue> = {
  get: async () => undefined,
  set: async () => undefined,
  delete: async () => undefined,
};

const isMissing = (error: unknown) => {
  const name = (error as { name?: string; Code?: string }).name;
  const code = (error as { Code?: string }).Code;
  return [name, code].some((value) => value === 'NoSuchUpload' || value === 'NoSuchKey');
};

/** A fixed number of slots; tasks beyond them wait for one to free up. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.size) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * Puts every key the store names under `prefix`, and shows it only the keys under it:
 * `@tus/s3-store` keys its objects by the bare upload id, and lists every multipart
 * upload of the bucket when it looks for expired ones.
 */
function prefixKeys(client: S3, prefix: string): void {
  type Shape = Record<string, unknown>;
  type Listed = Array<{ Key?: string }>;
  const strip = (items: unknown) =>
    (items as Listed | undefined)
      ?.filter((item) => item.Key?.startsWith(prefix))
      .map((item) => ({ ...item, Key: item.Key!.slice(prefix.length) }));
  const listings = new Set(['ListMultipartUploadsCommand', 'ListObjectsV2Command']);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input: Shape = { ...(args.input as Shape) };
      if (typeof input.Key === 'string') input.Key = prefix + input.Key;
      if (typeof input.KeyMarker === 'string') input.KeyMarker = prefix + input.KeyMarker;
      const deletion = input.Delete as { Objects?: Listed } | undefined;
      if (deletion?.Objects) {
        input.Delete = {
          ...deletion,
          Objects: deletion.Objects.map((item) => ({ ...item, Key: prefix + item.Key })),
        };
      }
      const listing = listings.has(context.commandName ?? '');
      if (listing) input.Prefix = prefix + ((input.Prefix as string | undefined) ?? '');
      const result = await next({ ...args, input });
      if (!listing) return result;
      const output = { ...(result.output as unknown as Shape) };
      if (output.Uploads) output.Uploads = strip(output.Uploads);
      if (output.Contents) output.Contents = strip(output.Contents);
      if (typeof output.NextKeyMarker === 'string') {
        output.NextKeyMarker = output.NextKeyMarker.slice(prefix.length);
      }
      return { ...result, output: output as unknown as typeof result.output };
    },
    { step: 'initialize', name: 'tusKeyPrefix' },
  );
}

/** `@tus/s3-store` under a key prefix, with the checksum extension and the running digest. */
export class TusS3Store extends S3Store implements TusStore {
  private readonly digests = new RunningDigests();
  private readonly writes = new Map<string, WriteState>();
  private readonly partUploads = new Slots(PART_UPLOADS_AT_ONCE);
  private readonly blobs: S3BlobStorage;
  private readonly prefix: string;

  constructor({ blobs, expirationMs, prefix = TUS_KEY_PREFIX, partSize }: TusS3StoreOptions) {
    super({
      s3ClientConfig: { ...blobs.clientConfig, bucket: blobs.bucket },
      partSize,
      expirationPeriodInMilliseconds: expirationMs,
      // Expiry is this server's sweep, not a lifecycle rule on tags (which not every
      // S3-compatible service has).
      useTags: false,
      cache: NO_CACHE,
      // Parts of a body with a checksum wait for the whole body; the store's own limit
      // would then stop the body from being read. {@link partUploads} limits instead.
      maxConcurrentPartUploads: MAX_PARTS,
    });
    this.blobs = blobs;
    this.prefix = prefix;
    prefixKeys(this.client, prefix);
    // The length is always known (it is the shared size), so no deferred lengths.
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'checksum'];
    if (expirationMs > 0) this.extensions.push('expiration');
  }

  /**
   * Appends a PATCH body at `offset`. With a declared checksum no part is uploaded before
   * the whole body has arrived and matched it; a mismatch keeps nothing (460).
   */
  override async write(src: Readable, id: string, offset: number): Promise<number> {
    const scope = writeScope.getStore();
    const expected = scope?.checksum ?? null;
    const tap = new BodyTap(expected, this.digests.continue(id, offset, scope?.pieceSize));
    pipeline(scope?.body ? scope.body.open(src, offset) : src, tap, () => undefined);
    const state: WriteState = {
      gate: expected ? tap.settled : null,
      partsUploaded: 0,
      tailUploaded: false,
      staleTail: false,
    };
    this.writes.set(id, state);
    let written: number;
    try {
      written = await super.write(tap, id, offset);
    } catch (error) {
      tap.destroy();
      this.digests.drop(id);
      await this.settleTail(id, state, false);
      throw writeFailure(error, tap);
    } finally {
      this.writes.delete(id);
      scope?.body?.done();
    }
    await this.settleTail(id, state, true);
    if (written === offset + tap.received) tap.stored(offset);
    else this.digests.drop(id);
    return written;
  }

  /**
   * The store deletes the tail of the previous PATCH as soon as it has read it into the
   * next one; that deletion waits until the next one has stored it, so a PATCH that keeps
   * nothing (a checksum mismatch, a failure before any part was stored) leaves the offset
   * where it was.
   */
  protected override async deleteIncompletePart(id: string): Promise<void> {
    const state = this.writes.get(id);
    if (state) state.staleTail = true;
    else await super.deleteIncompletePart(id);
  }

  private async settleTail(id: string, state: WriteState, succeeded: boolean): Promise<void> {
    // A tail stored by a write whose parts did not all go up would follow a gap.
    if (!succeeded && state.tailUploaded) return super.deleteIncompletePart(id);
    // A new tail replaced the old one in place; otherwise the old one is in a part now.
    if (!state.staleTail || state.tailUploaded) return;
    if (succeeded || state.partsUploaded > 0) await super.deleteIncompletePart(id);
  }

  protected override async uploadPart(
    metadata: MetadataValue,
    readStream: Readable | Buffer,
    partNumber: number,
  ): Promise<string> {
    const state = this.writes.get(metadata.file.id);
    await this.passGate(state, readStream);
    const etag = await this.partUploads.run(() =>
      super.uploadPart(metadata, readStream, partNumber),
    );
    if (state) state.partsUploaded++;
    return etag;
  }

  protected override async uploadIncompletePart(id: string, readStream: Readable): Promise<string> {
    const state = this.writes.get(id);
    await this.passGate(state, readStream);
    const etag = await this.partUploads.run(() => super.uploadIncompletePart(id, readStream));
    if (state) state.tailUploaded = true;
    return etag;
  }

  /**
   * The parts an upload's offset counts: those numbered 1, 2, 3… without a gap. Parts of
   * one PATCH go up at once, so one may fail while a later one is stored; counting the
   * later one would skip bytes. The next PATCH continues after the gap and overwrites it.
   */
  protected override async retrieveParts(id: string, partNumberMarker?: string): Promise<Part[]> {
    const parts = await super.retrieveParts(id, partNumberMarker);
    if (partNumberMarker !== undefined) return parts;
    const gap = parts.findIndex((part, index) => part.PartNumber !== index + 1);
    return gap < 0 ? parts : parts.slice(0, gap);
  }

  /** Waits until the body of the write has matched its checksum; drops the part otherwise. */
  private async passGate(state: WriteState | undefined, part: Readable | Buffer): Promise<void> {
    try {
      await state?.gate;
    } catch (error) {
      if (part instanceof Readable) part.destroy();
      throw error;
    }
  }

  /**
   * A complete upload as a new blob, copied inside the bucket. Its digest is the one
   * computed while it was written, or, when this process did not see every byte, one
   * read of the object.
   */
  async takeBlob(id: string, size: number, pieceSize: number): Promise<ReceivedBlob> {
    if (size === 0) await this.completeEmpty(id);
    const digest =
      (await this.digests.take(id, size, pieceSize)) ??
      (await hashStream(await this.read(id), pieceSize));
    const writer = await this.blobs.copyIn(this.prefix + id, size);
    return { writer, digest };
  }

  /** An empty upload never had a PATCH to complete its multipart upload; completes it. */
  private async completeEmpty(id: string): Promise<void> {
    const metadata = await this.getMetadata(id);
    try {
      await this.finishMultipartUpload(metadata, await this.retrieveParts(id));
    } catch (error) {
      // Completed already.
      if (!isMissing(error)) throw error;
    }
  }

  /** Removes an upload, finished or not: its multipart upload, object, description and tail. */
  override async remove(id: string): Promise<void> {
    this.digests.drop(id);
    let metadata: MetadataValue;
    try {
      metadata = await this.getMetadata(id);
    } catch (error) {
      if (isMissing(error)) throw ERRORS.FILE_NOT_FOUND;
      throw error;
    }
    await this.client
      .abortMultipartUpload({ Bucket: this.bucket, Key: id, UploadId: metadata['upload-id'] })
      .catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    await this.client.deleteObjects({
      Bucket: this.bucket,
      Delete: {
        Objects: [{ Key: id }, { Key: this.infoKey(id) }, { Key: this.partKey(id, true) }],
      },
    });
  }

  /**
   * Removes expired unfinished uploads, and any object under the prefix older than the
   * expiry (a complete upload whose acceptance never ran and that nobody came back for).
   */
  override async deleteExpired(): Promise<number> {
    let deleted = await super.deleteExpired();
    const expiration = this.getExpiration();
    if (expiration === 0) return deleted;
    const cutoff = Date.now() - expiration;
    let token: string | undefined;
    do {
      const page = await this.client.listObjectsV2({
        Bucket: this.bucket,
        ContinuationToken: token,
      });
      const old = (page.Contents ?? []).filter(
        (object) => object.Key && (object.LastModified?.getTime() ?? 0) <= cutoff,
      );
      if (old.length > 0) {
        await this.client.deleteObjects({
          Bucket: this.bucket,
          Delete: { Objects: old.map((object) => ({ Key: object.Key })) },
        });
        deleted += old.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  /** Closes the store's connections to the bucket. */
  close(): void {
    this.client.destroy();
  }
}
