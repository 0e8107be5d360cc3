/**
 * Blob storage on S3-compatible object storage (AWS S3, MinIO, Garage, Cloudflare R2),
 * through the AWS SDK v3. A blob is the object `<prefix><id>`. Writes stream into a
 * multipart upload (`@aws-sdk/lib-storage`) with a few parts in memory at most, never a
 * local copy; the object appears whole when the upload completes, so no reader ever sees
 * part of one. Credentials come from the SDK's default chain (environment, shared
 * profiles, container and instance roles), never from the chat-files configuration.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCopyCommand,
  type CompletedPart,
  type GetObjectCommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  adoptedBlob,
  type AdoptedBlob,
  type BlobStorage,
  type BlobWriter,
  type ByteRange,
  type SignedUrlOptions,
} from './blob-storage.js';

const BLOB_ID = /^[0-9a-f]{32}$/;
const MiB = 1024 * 1024;

/** Smallest part S3 accepts in a multipart upload (except the last). */
export const MIN_PART_BYTES = 5 * MiB;
/** Largest object one `CopyObject` may copy. */
const MAX_COPY_OBJECT_BYTES = 5 * 1024 * MiB;
/** Most parts of a multipart upload. */
const MAX_PARTS = 10_000;
/** Parts copied at once by a multipart copy. */
const COPIES_AT_ONCE = 4;

/** Options of {@link S3BlobStorage}. */
export interface S3BlobStorageOptions {
  /** Bucket holding the blobs. Required. */
  bucket: string;
  /** Region of the bucket (`auto` for Cloudflare R2). Required. */
  region: string;
  /** Endpoint of an S3-compatible service, e.g. `http://minio:9000`. @default AWS S3 for the region */
  endpoint?: string;
  /** Address the bucket in the path instead of the host name (MinIO, Garage). @default false */
  forcePathStyle?: boolean;
  /** Key prefix of every blob. @default 'blobs/' */
  prefix?: string;
  /** Bytes per uploaded part; at least 5 MiB. @default 8 MiB */
  partSize?: number;
  /** Parts uploaded at once per blob; memory per write is about `(queueSize + 1) × partSize`. @default 2 */
  queueSize?: number;
  /** A client to use instead of one built from the fields above. @default a new `S3Client` */
  client?: S3Client;
  /**
   * Largest object {@link S3BlobStorage.copyIn} copies with one `CopyObject`; larger ones
   * are copied in parts of at most this size (`UploadPartCopy`). @default 5 GiB
   */
  maxCopyObjectBytes?: number;
}

/** Throws unless `id` looks like an id this storage generated. */
function checkId(id: string): void {
  if (!BLOB_ID.test(id)) throw new Error(`invalid blob id ${JSON.stringify(id)}`);
}

const isNotFound = (error: unknown) => {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (error as { name?: string }).name;
  return status === 404 || name === 'NotFound' || name === 'NoSuchKey';
};

/**
 * Lazily opens an object body: the GET is sent on the first read, and destroying the
 * stream early cancels the request rather than leaving the connection half-read.
 */
function objectStream(open: (signal: AbortSignal) => Promise<GetObjectCommandOutput>): Readable {
  const controller = new AbortController();
  async function* body(): AsyncGenerator<Buffer> {
    const response = await open(controller.signal);
    yield* response.Body as Readable;
  }
  const stream = Readable.from(body(), { objectMode: false });
  stream.once('close', () => controller.abort());
  return stream;
}

class S3BlobWriter implements BlobWriter {
  readonly stream: Writable;
  private readonly body = new PassThrough();
  /** Settles when the object is complete (or the upload has failed and been aborted). */
  private readonly uploaded: Promise<void>;
  private stored = false;
  private failure: Error | null = null;
  private settled = false;

  constructor(
    readonly id: string,
    private readonly storage: S3BlobStorage,
    startUpload: (body: Readable) => Upload,
  ) {
    const { body } = this;
    // The upload reads the body; once it has stopped, nothing else listens for errors,
    // and destroying the body then must not become an uncaught exception.
    body.on('error', () => {});
    const upload = startUpload(body);
    // Failures of the upload end the writable; without this a write would wait forever
    // on a body nobody reads any more.
    this.uploaded = upload
      .done()
      .then(
        () => {
          this.stored = true;
        },
        (error: unknown) => {
          this.failure = error instanceof Error ? error : new Error(String(error));
          body.destroy(this.failure);
        },
      )
      .finally(() => storage.finishedWriting(id));
    const failed = () => this.failure ?? new Error('the upload to object storage stopped');
    this.stream = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (body.destroyed) return callback(failed());
        if (body.write(chunk)) return callback();
        const done = () => {
          body.off('drain', done);
          body.off('close', done);
          callback(body.destroyed ? failed() : null);
        };
        body.on('drain', done);
        body.on('close', done);
      },
      final: (callback) => {
        body.end();
        this.uploaded.then(() => callback(this.stored ? null : failed()), callback);
      },
      destroy: (error, callback) => {
        // Ending the body with an error stops the upload and aborts its multipart upload.
        if (!body.destroyed && !body.writableFinished) {
          body.destroy(error ?? new Error('the blob write was abandoned'));
        }
        callback(error);
      },
    });
    this.stream.on('error', () => {});
  }

  async commit(): Promise<void> {
    if (this.settled) throw new Error('blob writer already settled');
    if (!this.stream.writableFinished) throw new Error('blob stream not finished');
    await this.uploaded;
    if (!this.stored) throw this.failure ?? new Error('the blob was not stored');
    this.settled = true;
  }

  async abort(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    this.stream.destroy();
    await this.uploaded;
    if (this.stored) await this.storage.delete(this.id);
  }
}

/** {@link BlobStorage} on an S3-compatible bucket. */
export class S3BlobStorage implements BlobStorage {
  /** The client in use (its credentials come from the SDK's default chain). */
  readonly client: S3Client;
  /**
   * The configuration the storage's own client is built from (unless one was passed):
   * other clients on the same bucket, such as the tus store's, are built from it too.
   */
  readonly clientConfig: S3ClientConfig;
  /** The bucket holding the blobs. */
  readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly maxCopyObjectBytes: number;
  /**
   * Blobs this process is writing. A multipart upload's start time never changes, so a
   * long upload would otherwise look abandoned to the sweep once the grace period passed.
   */
  private readonly writing = new Set<string>();

  constructor(options: S3BlobStorageOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? 'blobs/';
    this.partSize = Math.max(MIN_PART_BYTES, options.partSize ?? 8 * MiB);
    this.queueSize = Math.max(1, options.queueSize ?? 2);
    this.maxCopyObjectBytes = Math.max(
      MIN_PART_BYTES,
      Math.min(MAX_COPY_OBJECT_BYTES, options.maxCopyObjectBytes ?? MAX_COPY_OBJECT_BYTES),
    );
    this.clientConfig = {
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      // Checksums only where the API requires them: several S3-compatible services
      // reject the newer streaming-checksum encoding.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    this.client = options.client ?? new S3Client(this.clientConfig);
  }

  /** Forgets a write that has ended, completed or not. */
  finishedWriting(id: string): void {
    this.writing.delete(id);
  }

  /** The object key of a blob. */
  keyOf(id: string): string {
    checkId(id);
    return this.prefix + id;
  }

  async init(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      const reason =
        status === 404
          ? 'it does not exist'
          : status === 403
            ? 'access is denied (check the credentials in the environment or profile)'
            : ((error as Error).name ?? 'unreachable');
      throw new Error(`object storage bucket "${this.bucket}" cannot be used: ${reason}`, {
        cause: error,
      });
    }
  }

  async create(): Promise<BlobWriter> {
    const id = randomBytes(16).toString('hex');
    const Key = this.keyOf(id);
    this.writing.add(id);
    return new S3BlobWriter(
      id,
      this,
      (body) =>
        new Upload({
          client: this.client,
          params: { Bucket: this.bucket, Key, Body: body },
          partSize: this.partSize,
          queueSize: this.queueSize,
          leavePartsOnError: false,
        }),
    );
  }

  /**
   * Takes an object of the same bucket (outside the blobs' prefix) as a new blob by a
   * copy inside object storage: one `CopyObject`, or past `maxCopyObjectBytes` a
   * multipart upload of `UploadPartCopy` ranges. No byte passes through this process and
   * the source stays in place. The blob exists once this resolves; `abort()` deletes it.
   */
  async copyIn(sourceKey: string, size: number): Promise<AdoptedBlob> {
    const id = randomBytes(16).toString('hex');
    const Key = this.keyOf(id);
    const CopySource = `${this.bucket}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`;
    if (size <= this.maxCopyObjectBytes) {
      // The blob carries none of the source's metadata, as a written blob carries none.
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key,
          CopySource,
          MetadataDirective: 'REPLACE',
        }),
      );
    } else {
      this.writing.add(id);
      try {
        await this.copyInParts(Key, CopySource, size);
      } finally {
        this.finishedWriting(id);
      }
    }
    // The copy is already in place under its id: committing only keeps it.
    return adoptedBlob(
      id,
      async () => undefined,
      () => this.delete(id),
    );
  }

  /** A multipart upload of `Key` made of ranges of `CopySource`, aborted if any part fails. */
  private async copyInParts(Key: string, CopySource: string, size: number): Promise<void> {
    const partSize = Math.max(this.maxCopyObjectBytes, Math.ceil(size / MAX_PARTS));
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }),
    );
    const count = Math.ceil(size / partSize);
    const parts: CompletedPart[] = [];
    let next = 0;
    let stopped = false;
    const copyParts = async () => {
      while (next < count && !stopped) {
        const index = next++;
        const start = index * partSize;
        const end = Math.min(size, start + partSize) - 1;
        const copied = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key,
            UploadId,
            PartNumber: index + 1,
            CopySource,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts[index] = { PartNumber: index + 1, ETag: copied.CopyPartResult?.ETag };
      }
    };
    const copier = () =>
      copyParts().catch((error: unknown) => {
        stopped = true;
        throw error;
      });
    try {
      const copiers = Array.from({ length: Math.min(COPIES_AT_ONCE, count) }, copier);
      const failed = (await Promise.allSettled(copiers)).find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }))
        .catch(() => undefined);
      throw error;
    }
  }

  read(id: string, range?: ByteRange): Readable {
    const Key = this.keyOf(id);
    const Range = range ? `bytes=${range.start}-${range.end}` : undefined;
    return objectStream((abortSignal) =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range }), {
        abortSignal,
      }),
    );
  }

  async size(id: string): Promise<number | null> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(id) }),
      );
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(id: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(id) }));
  }

  async list(olderThanMs = 0): Promise<string[]> {
    const cutoff = Date.now() - olderThanMs;
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        const id = object.Key?.slice(this.prefix.length) ?? '';
        const modified = object.LastModified?.getTime() ?? 0;
        if (BLOB_ID.test(id) && modified <= cutoff) ids.push(id);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return ids;
  }

  async sweepIncomplete(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let swept = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: this.prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const upload of page.Uploads ?? []) {
        const id = upload.Key?.slice(this.prefix.length) ?? '';
        if (!BLOB_ID.test(id) || this.writing.has(id)) continue;
        if ((upload.Initiated?.getTime() ?? 0) > cutoff) continue;
        await this.client.send(
          new AbortMultipartUploadCommand({
            Bucket: this.bucket,
            Key: upload.Key,
            UploadId: upload.UploadId,
          }),
        );
        swept++;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return swept;
  }

  async signedUrl(id: string, options: SignedUrlOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.keyOf(id),
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.contentDisposition,
      ResponseCacheControl: options.cacheControl,
    });
    return getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
  }
}
