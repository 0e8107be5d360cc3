/**
 * An S3-compatible server for tests: `s3rver` in this process, on a free loopback port,
 * storing into a fresh temporary directory, with one bucket created. Credentials reach
 * the code under test through the AWS SDK's default chain (the environment), as they
 * would in production.
 *
 * s3rver 3.7 implements multipart uploads but not `AbortMultipartUpload` nor
 * `ListMultipartUploads`; both are added here over s3rver's own upload directory, so the
 * code under test can abort and sweep multipart uploads as it does against real S3.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';

const require = createRequire(import.meta.url);

/** The key pair s3rver accepts by default. */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Where s3rver keeps the parts of a bucket's unfinished multipart uploads. */
const UPLOADS_DIR = '._S3rver_uploads';

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  middleware: KoaMiddleware[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

/** A running s3rver with one bucket. */
export interface TestS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  region: string;
  /** s3rver's data directory (objects live under `<directory>/<bucket>`). */
  directory: string;
  /** A client for checking the bucket from the test. */
  client: S3Client;
  /** Keys of the objects in the bucket. */
  keys(): Promise<string[]>;
  /** Multipart uploads begun and neither completed nor aborted, through `ListMultipartUploads`. */
  pendingUploads(): Promise<number>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

const xmlEscape = (value: string) => value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** `ListMultipartUploads` and `AbortMultipartUpload` on s3rver's upload directory. */
function multipartExtras(directory: string): KoaMiddleware {
  return async (ctx, next) => {
    const segments = ctx.path.split('/').filter(Boolean).map(decodeURIComponent);
    const bucket = segments[0];
    if (!bucket) return next();
    const uploads = path.join(directory, bucket, UPLOADS_DIR);
    if (ctx.method === 'GET' && segments.length === 1 && 'uploads' in ctx.query) {
      const ids = await readdir(uploads).catch(() => [] as string[]);
      const entries = await Promise.all(
        ids.map(async (id) => {
          const key = await readFile(path.join(uploads, id, 'key'), 'utf8');
          const initiated = (await stat(path.join(uploads, id))).mtime.toISOString();
          return `<Upload><Key>${xmlEscape(key)}</Key><UploadId>${xmlEscape(id)}</UploadId><Initiated>${initiated}</Initiated></Upload>`;
        }),
      );
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${xmlEscape(bucket)}</Bucket><IsTruncated>false</IsTruncated>${entries.join('')}</ListMultipartUploadsResult>`;
      return;
    }
    const uploadId = ctx.query.uploadId;
    if (ctx.method === 'DELETE' && segments.length > 1 && typeof uploadId === 'string') {
      if (!/^[\w-]+$/.test(uploadId)) {
        ctx.status = 400;
        return;
      }
      await rm(path.join(uploads, uploadId), { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    return next();
  };
}

/** Points the AWS SDK's default credential chain at s3rver's key pair. */
export function useS3rverCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
}

/** Starts s3rver with `bucket` created. */
export async function startS3(bucket = 'chat-files'): Promise<TestS3> {
  const S3rver = require('s3rver') as S3rverClass;
  const directory = mkdtempSync(path.join(tmpdir(), 'chat-files-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  // Koa composes its middleware when the server starts, so these run before s3rver's router.
  server.middleware.splice(1, 0, multipartExtras(directory));
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const region = 'us-east-1';
  useS3rverCredentials();
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    bucket,
    region,
    directory,
    client,
    async keys() {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (listed.Contents ?? []).map((object) => object.Key ?? '');
    },
    async pendingUploads() {
      const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return listed.Uploads?.length ?? 0;
    },
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
