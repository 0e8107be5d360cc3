/**
 * An S3-compatible server for tests: `s3rver` in this process, on a free loopback port,
 * storing into a fresh temporary directory, with one bucket created. Credentials reach
 * the code under test through the AWS SDK's default chain (the environment), as they
 * would in production.
 *
 * s3rver 3.7 implements multipart uploads but not `AbortMultipartUpload`,
 * `ListMultipartUploads`, `ListParts` nor `UploadPartCopy`; they are added here over
 * s3rver's own upload directory, so the code under test can abort, sweep, resume (the tus
 * store reads an upload's offset from its parts) and copy in parts as it does against
 * real S3.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
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
  headers: Record<string, string | string[] | undefined>;
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

/** 404 `NoSuchUpload`, as S3 answers for an upload id it does not know. */
function noSuchUpload(ctx: KoaContext, uploadId: string): void {
  ctx.status = 404;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${xmlEscape(uploadId)}</UploadId></Error>`;
}

/** The parts of an unfinished upload, in part order, as `ListParts` answers (one page). */
async function listParts(ctx: KoaContext, uploadDir: string, uploadId: string): Promise<void> {
  const names = await readdir(uploadDir).catch(() => null);
  if (!names) return noSuchUpload(ctx, uploadId);
  const numbers = names
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  const parts = await Promise.all(
    numbers.map(async (number) => {
      const file = path.join(uploadDir, String(number));
      const [info, md5] = await Promise.all([stat(file), readFile(`${file}.md5`, 'utf8')]);
      return `<Part><PartNumber>${number}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified><ETag>"${md5}"</ETag><Size>${info.size}</Size></Part>`;
    }),
  );
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><UploadId>${xmlEscape(uploadId)}</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`;
}

/** `UploadPartCopy`: a range of an object becomes a part of an unfinished upload. */
async function uploadPartCopy(
  ctx: KoaContext,
  client: () => S3Client,
  uploadDir: string,
  uploadId: string,
  partNumber: string,
): Promise<void> {
  if (!/^\d+$/.test(partNumber)) {
    ctx.status = 400;
    return;
  }
  const names = await readdir(uploadDir).catch(() => null);
  if (!names) return noSuchUpload(ctx, uploadId);
  const source = decodeURIComponent(String(ctx.headers['x-amz-copy-source'])).replace(/^\//, '');
  const slash = source.indexOf('/');
  const range = ctx.headers['x-amz-copy-source-range'];
  const object = await client().send(
    new GetObjectCommand({
      Bucket: source.slice(0, slash),
      Key: source.slice(slash + 1),
      Range: typeof range === 'string' ? range : undefined,
    }),
  );
  const bytes = Buffer.from(await object.Body!.transformToByteArray());
  const md5 = createHash('md5').update(bytes).digest('hex');
  const file = path.join(uploadDir, partNumber);
  await writeFile(file, bytes);
  await writeFile(`${file}.md5`, md5);
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?><CopyPartResult><LastModified>${new Date().toISOString()}</LastModified><ETag>"${md5}"</ETag></CopyPartResult>`;
}

/**
 * `ListMultipartUploads`, `AbortMultipartUpload`, `ListParts` and `UploadPartCopy` on
 * s3rver's upload directory; `client` reads the source of a copy.
 */
function multipartExtras(directory: string, client: () => S3Client): KoaMiddleware {
  return async (ctx, next) => {
    const segments = ctx.path.split('/').filter(Boolean).map(decodeURIComponent);
    const bucket = segments[0];
    if (!bucket) return next();
    const uploads = path.join(directory, bucket, UPLOADS_DIR);
    if (ctx.method === 'GET' && segments.length === 1 && 'uploads' in ctx.query) {
      const ids = await readdir(uploads).catch(() => [] as string[]);
      const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
      const entries = await Promise.all(
        ids.map(async (id) => {
          const key = await readFile(path.join(uploads, id, 'key'), 'utf8');
          if (!key.startsWith(prefix)) return '';
          const initiated = (await stat(path.join(uploads, id))).mtime.toISOString();
          return `<Upload><Key>${xmlEscape(key)}</Key><UploadId>${xmlEscape(id)}</UploadId><Initiated>${initiated}</Initiated></Upload>`;
        }),
      );
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${xmlEscape(bucket)}</Bucket><IsTruncated>false</IsTruncated>${entries.join('')}</ListMultipartUploadsResult>`;
      return;
    }
    const uploadId = ctx.query.uploadId;
    if (segments.length === 1 || typeof uploadId !== 'string') return next();
    if (!/^[\w-]+$/.test(uploadId)) {
      ctx.status = 400;
      return;
    }
    const uploadDir = path.join(uploads, uploadId);
    if (ctx.method === 'DELETE') {
      await rm(uploadDir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    if (ctx.method === 'GET') return listParts(ctx, uploadDir, uploadId);
    const partNumber = ctx.query.partNumber;
    if (
      ctx.method === 'PUT' &&
      'x-amz-copy-source' in ctx.headers &&
      typeof partNumber === 'string'
    ) {
      return uploadPartCopy(ctx, client, uploadDir, uploadId, partNumber);
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
  // The copy source is read through a client of the running server, made once it runs.
  const reader: { client?: S3Client } = {};
  // Koa composes its middleware when the server starts, so these run before s3rver's router.
  server.middleware.splice(
    1,
    0,
    multipartExtras(directory, () => reader.client!),
  );
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
  reader.client = client;
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
