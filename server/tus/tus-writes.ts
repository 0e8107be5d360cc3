/**
 * What both tus stores (disk and S3) do to a PATCH body on its way to storage: read it
 * straight from the Node request ({@link DirectBody}), the checksum extension
 * (`Upload-Checksum: sha256 <base64>`, checked when the body ends) and the running
 * digest (SHA-256, MD5 and per-piece SHA-256 computed in the hash pool while the bytes
 * arrive, so a finished upload need not be read again), plus the tus errors they answer
 * with.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, type Hash } from 'node:crypto';
import { ReadableStream } from 'node:stream/web';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { ERRORS, type DataStore } from '@tus/server';
import { toErrorReply } from '../errors.js';
import { isStorageFull, overSharedSizeError, storageFullError } from '../uploads/upload-errors.js';
import { manifestRoot, SNIFF_BYTES, type ContentDigest } from '../hashing.js';
import { HashSession } from '../uploads/hash-pool.js';
import type { ReceivedBlob } from '../uploads/receive-into-blob.js';

/** The one checksum algorithm this server offers (`Tus-Checksum-Algorithm`). */
export const CHECKSUM_ALGORITHM = 'sha256';

/** A tus error as `@tus/server` sends it: a status and a body. */
export interface TusError {
  status_code: number;
  body: string;
}

/** A tus error whose body is the JSON `{ error, code }` every other route answers. */
export function tusErrorOf(error: unknown): TusError | null {
  const reply = toErrorReply(error);
  if (reply.status === 500) return null;
  return { status_code: reply.status, body: JSON.stringify(reply.body) };
}

/** 460: the body does not match its `Upload-Checksum`. */
export function checksumMismatch(): TusError {
  return {
    status_code: 460,
    body: JSON.stringify({
      error: 'The body does not match its Upload-Checksum; send it again.',
      code: 'ERR_INTEGRITY',
    }),
  };
}

/** A body that went on past the upload's length. */
export class BodyPastLengthError extends Error {
  constructor(readonly size: number) {
    super(`the body goes past the upload's ${size} bytes`);
    this.name = 'BodyPastLengthError';
  }
}

/**
 * What a store answers when writing a body failed: 460 when it did not match its
 * checksum, 413 past the upload's length, 507 on a full disk, and 500 otherwise.
 */
export function writeFailure(error: unknown, tap: BodyTap): TusError {
  if (tap.mismatched) return checksumMismatch();
  if (error instanceof BodyPastLengthError) return tusErrorOf(overSharedSizeError(error.size))!;
  if (isStorageFull(error)) return tusErrorOf(storageFullError(error))!;
  return ERRORS.FILE_WRITE_ERROR;
}

/** What the route tells the store's write about a PATCH. */
export interface WriteScope {
  /** The SHA-256 its `Upload-Checksum` declared, or `null`. */
  checksum: Buffer | null;
  /** Piece size of the file's manifest, for the running digest. */
  pieceSize: number;
  /** The body to read in place of the one `@tus/server` hands the store, if any. */
  body?: DirectBody;
}

/**
 * A request body the store reads straight from the Node request. `@tus/server` hands a
 * store the body as a web stream made from the Node request and turned back into a Node
 * stream, which costs more CPU per GiB than every stage of the upload but the hashing.
 * The route gives `@tus/server` an empty web body instead ({@link web}) and the store
 * reads the request ({@link open}). The empty body still carries `@tus/server`'s word:
 * when it ends before the request does (a write stopped because another request asked
 * for its lock), the direct read ends there too, keeping what arrived, as it would have.
 */
export class DirectBody {
  /** The body `@tus/server` sees: no bytes, and an end once the store has written. */
  readonly web: ReadableStream<Uint8Array>;
  private endWeb: () => void = () => undefined;

  /**
   * @param request The Node request carrying the body.
   * @param size The upload's length: a body may fill it, never pass it.
   */
  constructor(
    private readonly request: Readable,
    private readonly size: number,
  ) {
    this.web = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.endWeb = () => {
          this.endWeb = () => undefined;
          try {
            controller.close();
          } catch {
            // `@tus/server` already gave up on the body (its write failed): nothing to end.
          }
        };
      },
    });
  }

  /**
   * The body of a write at `offset`, to read in place of `handed` (what `@tus/server`
   * passed the store, which is drained). It ends, keeping what came, when the request
   * is cut off or `handed` ends first; past the upload's length it fails with 413.
   */
  open(handed: Readable, offset: number): Readable {
    const { request } = this;
    let room = this.size - offset;
    const size = this.size;
    const body = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        room -= chunk.length;
        if (room < 0) callback(new BodyPastLengthError(size));
        else callback(null, chunk);
      },
    });
    const stop = () => {
      request.unpipe(body);
      if (!body.writableEnded) body.end();
    };
    request.once('error', stop);
    request.once('close', () => {
      if (!request.readableEnded) stop();
    });
    handed.once('end', stop);
    handed.once('error', stop);
    handed.resume();
    request.pipe(body);
    // A request destroyed before now (answered 408 while it waited for the upload's lock)
    // sends neither 'error' nor 'close' again.
    if (request.destroyed && !request.readableEnded) stop();
    return body;
  }

  /** Ends the empty body `@tus/server` waits on; call once the store's write is over. */
  done(): void {
    this.endWeb();
  }
}

/** The scope of the PATCH being written, carried from the route into the store's write. */
export const writeScope = new AsyncLocalStorage<WriteScope>();

/** What the tus route needs of a store besides what `@tus/server` uses. */
export interface TusStore extends DataStore {
  /**
   * The bytes of a complete upload as a blob to accept, with their digest, without
   * passing them through this process again; `null` when that is not possible here
   * (the route then reads {@link read} into a new blob).
   */
  takeBlob(uploadId: string, size: number, pieceSize: number): Promise<ReceivedBlob | null>;
  /** The bytes of an upload. */
  read(uploadId: string): Readable | Promise<Readable>;
  /** Removes an upload and everything stored for it. */
  remove(uploadId: string): Promise<void>;
  /** Removes unfinished uploads past their expiry. */
  deleteExpired(): Promise<number>;
  /** Releases what the store holds open. */
  close(): void;
}

/** Most uploads with a running digest kept at once; older ones are hashed again at the end. */
const MAX_RUNNING = 256;

/** The digest of an upload's bytes so far, computed while they were written. */
interface RunningDigest {
  session: HashSession;
  /** Bytes hashed: the offset the next write must start at to continue it. */
  offset: number;
  head: Buffer[];
  headLength: number;
}

/** The running digests of the uploads this process is receiving, by upload id. */
export class RunningDigests {
  private readonly running = new Map<string, RunningDigest>();

  /**
   * The running digest that a write at `offset` continues (or, at offset 0, starts);
   * `null` when this process did not see the bytes before `offset`.
   */
  continue(uploadId: string, offset: number, pieceSize: number | undefined): RunningDigest | null {
    const running = this.running.get(uploadId);
    if (running && running.offset === offset) return running;
    this.drop(uploadId);
    if (offset !== 0 || pieceSize === undefined) return null;
    if (this.running.size >= MAX_RUNNING) this.drop(this.running.keys().next().value!);
    const started: RunningDigest = {
      session: new HashSession(pieceSize),
      offset: 0,
      head: [],
      headLength: 0,
    };
    this.running.set(uploadId, started);
    return started;
  }

  /** Forgets an upload's running digest (a write failed, or the upload is gone). */
  drop(uploadId: string): void {
    this.running.get(uploadId)?.session.cancel();
    this.running.delete(uploadId);
  }

  /**
   * The digest of a complete upload computed while it was written, or `null` when this
   * process did not see every byte (a restart, another node, a write that failed).
   */
  async take(uploadId: string, size: number, pieceSize: number): Promise<ContentDigest | null> {
    const running = this.running.get(uploadId);
    this.running.delete(uploadId);
    if (!running) return null;
    if (running.offset !== size || running.session.pieceSize !== pieceSize) {
      running.session.cancel();
      return null;
    }
    const { sha256, md5, pieces } = await running.session.finish();
    return {
      size,
      sha256,
      md5,
      manifest: { piece_size: pieceSize, pieces, root: manifestRoot(pieces) },
      head: Buffer.concat(running.head),
    };
  }
}

/**
 * A PATCH body on its way to storage: counted, fed to the upload's running digest, and
 * checked against its declared checksum when it ends (the stream then fails, so nothing
 * after it is told the body was good). {@link settled} says how the body ended.
 */
export class BodyTap extends Transform {
  /** Bytes that passed. */
  received = 0;
  /** True once the body ended with a checksum that did not match. */
  mismatched = false;
  /** Resolves when the body ended and matched its checksum (or had none); rejects otherwise. */
  readonly settled: Promise<void>;
  private readonly digest: Hash | null;
  private settle!: (error?: Error) => void;

  constructor(
    private readonly expected: Buffer | null,
    private readonly running: RunningDigest | null,
  ) {
    super();
    this.digest = expected ? createHash(CHECKSUM_ALGORITHM) : null;
    this.settled = new Promise<void>((resolve, reject) => {
      let done = false;
      this.settle = (error) => {
        if (done) return;
        done = true;
        if (error) reject(error);
        else resolve();
      };
    });
    this.settled.catch(() => undefined);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    this.digest?.update(chunk);
    const { running } = this;
    if (!running) {
      callback(null, chunk);
      return;
    }
    if (running.headLength < SNIFF_BYTES) {
      const part = Buffer.from(chunk.subarray(0, SNIFF_BYTES - running.headLength));
      running.head.push(part);
      running.headLength += part.length;
    }
    running.session.write(chunk, (error) => (error ? callback(error) : callback(null, chunk)));
  }

  override _flush(callback: TransformCallback): void {
    // The upload may wait a while for its next request: its running digest holds no batch.
    this.running?.session.flush();
    if (this.digest && this.expected && !this.digest.digest().equals(this.expected)) {
      this.mismatched = true;
      const error = new Error('the body does not match its Upload-Checksum');
      this.settle(error);
      callback(error);
      return;
    }
    this.settle();
    callback();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.settle(error ?? new Error('the body ended early'));
    callback(error);
  }

  /** Records that the bytes which passed are stored: the running digest continues after them. */
  stored(offset: number): void {
    if (this.running) this.running.offset = offset + this.received;
  }
}
