/**
 * Prometheus metrics of one node (`prom-client`): sockets, transfers and bytes by
 * transport, uploads, downloads, relay sessions, errors by code and job runs. The SDK
 * fills a registry; the host mounts it wherever its scraper looks (e.g. `GET /metrics`).
 */
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Registry } from 'prom-client';

/** Where a file's bytes travelled, as far as this server sees them. */
export type MetricsTransport = 'relay' | 'server' | 'share' | 'federated';

/** The counters and gauges of one chat-files server. */
export class ChatFilesMetrics {
  /** The registry holding them; serve `await registry.metrics()` as `registry.contentType`. */
  readonly registry: Registry;
  private readonly transfers: Counter<'transport'>;
  private readonly transferBytes: Counter<'transport'>;
  private readonly uploads: Counter<'result'>;
  private readonly uploadBytes: Counter;
  private readonly downloads: Counter<'status'>;
  private readonly relayOpened: Counter;
  private readonly errors: Counter<'code'>;
  private readonly jobRuns: Counter<'job' | 'result'>;

  /**
   * `registry`: a host registry to add to (names are prefixed `chat_files_`); a fresh one
   * otherwise. `localSockets` and `openRelaySessions` are read at each scrape.
   */
  constructor(options: {
    registry?: Registry;
    localSockets: () => number;
    openRelaySessions: () => number;
  }) {
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    const registers = [registry];
    new Gauge({
      name: 'chat_files_sockets',
      help: 'Sockets connected to this node',
      registers,
      collect() {
        this.set(options.localSockets());
      },
    });
    new Gauge({
      name: 'chat_files_relay_sessions_open',
      help: 'Relay sessions this node knows as open',
      registers,
      collect() {
        this.set(options.openRelaySessions());
      },
    });
    this.relayOpened = new Counter({
      name: 'chat_files_relay_sessions_opened_total',
      help: 'Relay sessions opened by this node',
      registers,
    });
    this.transfers = new Counter({
      name: 'chat_files_transfers_total',
      help: 'Transfers this node carried to the end, by transport',
      labelNames: ['transport'],
      registers,
    });
    this.transferBytes = new Counter({
      name: 'chat_files_transfer_bytes_total',
      help: 'File bytes this node sent on, by transport',
      labelNames: ['transport'],
      registers,
    });
    this.uploads = new Counter({
      name: 'chat_files_uploads_total',
      help: 'Upload requests answered, by result (ok or error)',
      labelNames: ['result'],
      registers,
    });
    this.uploadBytes = new Counter({
      name: 'chat_files_upload_bytes_total',
      help: 'Request body bytes received by upload routes',
      registers,
    });
    this.downloads = new Counter({
      name: 'chat_files_downloads_total',
      help: 'Download requests answered (room members and share links), by HTTP status',
      labelNames: ['status'],
      registers,
    });
    this.errors = new Counter({
      name: 'chat_files_errors_total',
      help: 'Error answers (HTTP and socket), by error code',
      labelNames: ['code'],
      registers,
    });
    this.jobRuns = new Counter({
      name: 'chat_files_job_runs_total',
      help: 'Background job runs on this node, by job and result',
      labelNames: ['job', 'result'],
      registers,
    });
  }

  /** A relay session was opened here. */
  relaySessionOpened(): void {
    this.relayOpened.inc();
  }

  /** A transfer ended well here. */
  transferCompleted(transport: MetricsTransport): void {
    this.transfers.inc({ transport });
  }

  /** File bytes sent on by this node. */
  bytesSent(transport: MetricsTransport, bytes: number): void {
    if (bytes > 0) this.transferBytes.inc({ transport }, bytes);
  }

  /** An error answer with this code. */
  error(code: string): void {
    this.errors.inc({ code });
  }

  /** A background job ran. */
  jobRun(job: string, result: 'ok' | 'error' | 'skipped'): void {
    this.jobRuns.inc({ job, result });
  }

  /**
   * Express middleware for the files router: counts uploads, downloads (and their bytes)
   * and error answers by code, from what each response actually carried.
   */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const kind = routeKind(req);
      let sent = 0;
      // Read from the socket's counter: a 'data' listener would start the body flowing
      // before the upload route reads it.
      const readBefore = req.socket?.bytesRead ?? 0;
      if (kind === 'download' || kind === 'share') {
        const write = res.write.bind(res) as (...args: unknown[]) => boolean;
        const end = res.end.bind(res) as (...args: unknown[]) => Response;
        const count = (chunk: unknown) => {
          if (typeof chunk === 'string') sent += Buffer.byteLength(chunk);
          else if (chunk instanceof Uint8Array) sent += chunk.byteLength;
        };
        res.write = ((chunk: unknown, ...rest: unknown[]) => {
          count(chunk);
          return write(chunk, ...rest);
        }) as Response['write'];
        res.end = ((chunk?: unknown, ...rest: unknown[]) => {
          if (typeof chunk !== 'function') count(chunk);
          return end(chunk, ...rest);
        }) as Response['end'];
      }
      const json = res.json.bind(res);
      res.json = (body?: unknown) => {
        const code = (body as { code?: unknown } | null)?.code;
        if (res.statusCode >= 400 && typeof code === 'string') this.error(code);
        return json(body);
      };
      res.once('finish', () => {
        const ok = res.statusCode < 400;
        if (kind === 'upload') {
          this.uploads.inc({ result: ok ? 'ok' : 'error' });
          const declared = Number(req.headers['content-length']);
          const received = Number.isSafeInteger(declared)
            ? declared
            : (req.socket?.bytesRead ?? readBefore) - readBefore;
          if (received > 0) this.uploadBytes.inc(received);
        } else if (kind === 'download' || kind === 'share') {
          this.downloads.inc({ status: String(res.statusCode) });
          if (ok && req.method !== 'HEAD') {
            this.bytesSent(kind === 'share' ? 'share' : 'server', sent);
            this.transferCompleted(kind === 'share' ? 'share' : 'server');
          }
        }
      });
      next();
    };
  }
}

/** Which counted route a request is for, from its path under the router. */
function routeKind(req: Request): 'upload' | 'download' | 'share' | null {
  const p = req.path;
  if (req.method === 'POST' && p === '/upload') return 'upload';
  if ((req.method === 'PATCH' || req.method === 'POST') && p.startsWith('/tus')) return 'upload';
  if (req.method !== 'GET' && req.method !== 'HEAD') return null;
  if (/^\/shares\/[^/]+\/download$/.test(p)) return 'share';
  if (/^\/[^/]+\/download$/.test(p)) return 'download';
  return null;
}
