/**
 * Hashing off the event loop: a small pool of worker threads, each computing the
 * whole-file SHA-256, the whole-file MD5 and the SHA-256 of every piece in one pass over
 * the bytes it is sent. The main thread only batches chunks and transfers them; a
 * {@link HashSession} is one file's running digest inside one worker.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * The worker's code. It is evaluated from a string so the same code runs from the
 * TypeScript sources (tests, `tsx`) and from the compiled build, with no file to locate.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sessions = new Map();
function closePiece(s) {
  s.pieces.push(s.piece.digest('hex'));
  s.piece = createHash('sha256');
  s.fill = 0;
}
parentPort.on('message', (m) => {
  if (m.type === 'start') {
    sessions.set(m.id, {
      sha256: createHash('sha256'), md5: createHash('md5'), piece: createHash('sha256'),
      fill: 0, pieceSize: m.pieceSize, pieces: [],
    });
  } else if (m.type === 'data') {
    const s = sessions.get(m.id);
    if (!s) {
      parentPort.postMessage({ type: 'ack', id: m.id, bytes: m.length, data: m.data }, [m.data]);
      return;
    }
    const chunk = Buffer.from(m.data, 0, m.length);
    s.sha256.update(chunk);
    s.md5.update(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(s.pieceSize - s.fill, chunk.length - offset);
      s.piece.update(chunk.subarray(offset, offset + take));
      s.fill += take;
      offset += take;
      if (s.fill === s.pieceSize) closePiece(s);
    }
    // The buffer goes back to be filled again: no allocation per batch, nothing for GC.
    parentPort.postMessage({ type: 'ack', id: m.id, bytes: m.length, data: m.data }, [m.data]);
  } else if (m.type === 'end') {
    const s = sessions.get(m.id);
    if (!s) return;
    sessions.delete(m.id);
    if (s.fill > 0) closePiece(s);
    parentPort.postMessage({
      type: 'digest', id: m.id,
      sha256: s.sha256.digest('hex'), md5: s.md5.digest('hex'), pieces: s.pieces,
    });
  } else if (m.type === 'cancel') {
    sessions.delete(m.id);
  }
});
`;

/** Bytes gathered on the main thread before one transfer to the worker. */
const BATCH_BYTES = 1024 * 1024;
/**
 * Bytes sent to a worker and not yet hashed, per session, before the session stops
 * accepting more; it bounds memory when the disk or network outruns the hashing.
 */
const MAX_IN_FLIGHT_BYTES = 4 * 1024 * 1024;
/** Workers in the pool: one per core, at most four, since each upload uses one. */
const POOL_SIZE = Math.max(1, Math.min(4, availableParallelism()));

/** What a finished session yields. */
export interface SessionDigest {
  sha256: string;
  md5: string;
  /** SHA-256 of each piece, in order (hex). */
  pieces: string[];
}

type WorkerReply =
  | { type: 'ack'; id: number; bytes: number; data: ArrayBuffer }
  | { type: 'digest'; id: number; sha256: string; md5: string; pieces: string[] };

interface PooledWorker {
  worker: Worker;
  sessions: Map<number, HashSession>;
}

const pool: PooledWorker[] = [];
let nextSessionId = 1;
/** Batch buffers back from the workers, to be filled again (at most what may be in flight). */
const spareBuffers: ArrayBuffer[] = [];
const MAX_SPARE_BUFFERS = 6;

function batchBuffer(): ArrayBuffer {
  return spareBuffers.pop() ?? new ArrayBuffer(BATCH_BYTES);
}

function returnBuffer(buffer: ArrayBuffer): void {
  if (buffer.byteLength === BATCH_BYTES && spareBuffers.length < MAX_SPARE_BUFFERS) {
    spareBuffers.push(buffer);
  }
}

function spawn(): PooledWorker {
  const entry: PooledWorker = {
    worker: new Worker(WORKER_SOURCE, { eval: true }),
    sessions: new Map(),
  };
  entry.worker.on('message', (reply: WorkerReply) => {
    const session = entry.sessions.get(reply.id);
    if (session) session.receive(reply);
    else if (reply.type === 'ack') returnBuffer(reply.data);
  });
  const fail = (error: Error) => {
    const index = pool.indexOf(entry);
    if (index >= 0) pool.splice(index, 1);
    for (const session of entry.sessions.values()) session.fail(error);
    entry.sessions.clear();
  };
  entry.worker.on('error', fail);
  entry.worker.on('exit', (code) => fail(new Error(`hash worker exited with code ${code}`)));
  // Idle workers never keep the host process alive. After the listeners: adding a
  // 'message' listener refs the worker's port again.
  entry.worker.unref();
  return entry;
}

/** The least busy worker, starting a new one while the pool is not full. */
function pickWorker(): PooledWorker {
  const idle = pool.find((entry) => entry.sessions.size === 0);
  if (idle) return idle;
  if (pool.length < POOL_SIZE) {
    const entry = spawn();
    pool.push(entry);
    return entry;
  }
  return pool.reduce((a, b) => (b.sessions.size < a.sessions.size ? b : a));
}

/**
 * Starts one hashing worker ahead of the first upload, so that upload neither waits for
 * a thread to boot nor is the moment the process grows by a thread's footprint.
 */
export function warmHashPool(): void {
  if (pool.length === 0) pool.push(spawn());
}

/**
 * One file's digest, computed in a worker. Feed it with {@link write} or {@link update} in
 * order (waiting until it says it can take more bounds the bytes in flight), then
 * {@link finish} once.
 */
export class HashSession {
  private readonly id = nextSessionId++;
  private readonly owner: PooledWorker;
  /** The batch being filled as bytes come, and how much of it is. */
  private batch: ArrayBuffer | null = null;
  private fill = 0;
  private inFlight = 0;
  private failure: Error | null = null;
  private waiters: Array<(error?: Error) => void> = [];
  private result: {
    resolve: (digest: SessionDigest) => void;
    reject: (error: Error) => void;
  } | null = null;
  private done = false;

  constructor(readonly pieceSize: number) {
    this.owner = pickWorker();
    this.owner.sessions.set(this.id, this);
    this.owner.worker.postMessage({ type: 'start', id: this.id, pieceSize });
  }

  /**
   * Adds bytes, copying them at once (the chunk may be reused as soon as this returns,
   * and nothing here keeps it alive), and calls `done` once the session can take more:
   * at once when it can, so a stream pays no promise per chunk; with the error when the
   * session failed.
   */
  write(chunk: Uint8Array, done: (error?: Error) => void): void {
    if (this.failure) {
      done(this.failure);
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      this.batch ??= batchBuffer();
      const take = Math.min(BATCH_BYTES - this.fill, chunk.length - offset);
      new Uint8Array(this.batch, this.fill, take).set(chunk.subarray(offset, offset + take));
      this.fill += take;
      offset += take;
      if (this.fill === BATCH_BYTES) this.send();
    }
    if (this.inFlight <= MAX_IN_FLIGHT_BYTES) done();
    else this.waiters.push(done);
  }

  /** {@link write}, resolving once the session can take more. */
  update(chunk: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.write(chunk, (error) => (error ? reject(error) : resolve())),
    );
  }

  /**
   * Hands the bytes gathered so far to the worker now rather than when the batch is full,
   * so a session that waits for more (a tus upload between two requests) holds no batch.
   */
  flush(): void {
    if (!this.failure && !this.done) this.send();
  }

  /** Sends the rest and resolves with the digest. */
  finish(): Promise<SessionDigest> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.done) return Promise.reject(new Error('hash session already finished'));
    this.done = true;
    this.send();
    return new Promise((resolve, reject) => {
      this.result = { resolve, reject };
      this.owner.worker.postMessage({ type: 'end', id: this.id });
    });
  }

  /** Drops the session (an upload that failed). Idempotent. */
  cancel(): void {
    if (!this.owner.sessions.delete(this.id)) return;
    this.done = true;
    if (this.batch) returnBuffer(this.batch);
    this.batch = null;
    this.owner.worker.postMessage({ type: 'cancel', id: this.id });
    this.fail(new Error('hash session cancelled'));
  }

  private send(): void {
    const { batch: buffer, fill: length } = this;
    if (!buffer || length === 0) return;
    // The batch goes to the worker (transferred, not cloned), which hands it back once
    // hashed, to be filled again.
    this.inFlight += length;
    this.batch = null;
    this.fill = 0;
    this.owner.worker.postMessage({ type: 'data', id: this.id, data: buffer, length }, [buffer]);
  }

  /** @internal A reply from the worker. */
  receive(reply: WorkerReply): void {
    if (reply.type === 'ack') {
      returnBuffer(reply.data);
      this.inFlight -= reply.bytes;
      if (this.inFlight <= MAX_IN_FLIGHT_BYTES) {
        for (const waiter of this.waiters.splice(0)) waiter();
      }
      return;
    }
    this.owner.sessions.delete(this.id);
    this.result?.resolve({ sha256: reply.sha256, md5: reply.md5, pieces: reply.pieces });
  }

  /** @internal The worker died, or the session was cancelled. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter(error);
    this.result?.reject(error);
  }
}
