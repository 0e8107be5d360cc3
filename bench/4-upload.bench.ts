/**
 * Benchmark 4, upload: a large file through `POST /api/chat/files/upload` (multipart,
 * after `chat:file:share`) and through the tus endpoint (`/api/chat/files/tus`, one
 * creation and one PATCH), each against a bare Node handler that pipes the request body
 * to a file on the same disk. Each runs in a fresh server process of its own, so that the
 * report can say how far each process's RSS rose above its idle RSS while receiving (the
 * highest over all uploads, the first one included) and how much CPU time the server
 * process (all its threads) spent per GiB. Its notes say what the digests cost alone and
 * the ceiling they put on the ratio on this machine, where client and server share the
 * cores: the bare pipe's work on both sides plus the digests, spread over every core.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { HashSession, warmHashPool } from '../server/uploads/hash-pool.js';
import { loginUser } from './support/app-client.js';
import { MiB, writeRandomFile } from './support/data.js';
import { uploadMultipart, uploadTus } from './support/http-client.js';
import {
  median,
  mibPerSecond,
  paired,
  round,
  throughput,
  type Benchmark,
  type BenchResult,
} from './support/measure.js';
import { startServerProcess } from './support/server-process.js';

/**
 * CPU seconds the three digests of an upload (SHA-256, SHA-256 per piece, MD5) cost per
 * GiB on their own: `size` bytes from memory through the server's hashing workers, in
 * this process. It is the part of an upload's cost no receiving path can avoid.
 */
async function digestsAlone(size: number, runs: number): Promise<number> {
  warmHashPool();
  const chunk = Buffer.alloc(MiB, 0x5a);
  const once = async (bytes: number) => {
    const session = new HashSession(MiB);
    const before = process.cpuUsage();
    for (let sent = 0; sent < bytes; sent += chunk.length) await session.update(chunk);
    await session.finish();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1e6 / (bytes / (1024 * MiB));
  };
  await once(64 * MiB);
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) samples.push(await once(size));
  return median(samples);
}

/**
 * Writes dirty pages back before a timed upload, so that no upload pays for the
 * write-back of the one before it (a bare pipe leaves its whole file dirty in memory).
 */
function settleDisk(): void {
  try {
    execFileSync('sync');
  } catch {
    // Without sync(1) the runs are only noisier.
  }
}

/** Server configuration for files of up to a few GiB. */
export const LARGE_FILES = {
  max_file_size: 4 * 1024 * MiB,
  server_seeding: { storage_path: 'blobs', max_total_storage_bytes: 64 * 1024 * MiB },
};

const bench: Benchmark = {
  name: 'upload',
  async run({ quick, tmpDir, log }) {
    const size = quick ? 64 * MiB : 1024 * MiB;
    const runs = quick ? 5 : 3;
    const source = path.join(tmpDir, 'upload.bin');
    await writeRandomFile(source, size);
    // Product and baseline each get a fresh process, so each one's memory is its own.
    const server = await startServerProcess(path.join(tmpDir, 'server'), LARGE_FILES);
    const bareServer = await startServerProcess(path.join(tmpDir, 'bare'), LARGE_FILES).catch(
      async (error: unknown) => {
        await server.stop();
        throw error;
      },
    );
    const user = await loginUser(server.appUrl, 'uploader');
    try {
      // Peak RSS over the process's idle RSS, and CPU seconds, for every upload.
      const rss = { multipart: [] as number[], tus: [] as number[], bare: [] as number[] };
      /** Peak RSS of each upload over the RSS just before it: what one more upload costs. */
      const rssEach = { multipart: [] as number[], tus: [] as number[], bare: [] as number[] };
      const cpu = { multipart: [] as number[], tus: [] as number[], bare: [] as number[] };
      /** CPU seconds per GiB of this process, the client, while it sent each upload. */
      const clientCpu = { multipart: [] as number[], tus: [] as number[], bare: [] as number[] };
      /** Seconds per GiB of each upload, start to answer. */
      const wall = { multipart: [] as number[], tus: [] as number[], bare: [] as number[] };
      const gib = size / (1024 * MiB);
      const timed = async (
        kind: 'multipart' | 'tus' | 'bare',
        target: typeof server,
        send: () => Promise<{ status: number; body: string }>,
      ) => {
        settleDisk();
        const started = performance.now();
        const clientBefore = process.cpuUsage();
        const { result, rssOverIdle, rssGrowth, cpuSeconds } = await target.measureMemory(send);
        const ms = performance.now() - started;
        const client = process.cpuUsage(clientBefore);
        clientCpu[kind].push((client.user + client.system) / 1e6 / gib);
        wall[kind].push(ms / 1000 / gib);
        if (result.status !== 200)
          throw new Error(`${kind} upload: HTTP ${result.status} ${result.body}`);
        rss[kind].push(rssOverIdle);
        rssEach[kind].push(rssGrowth);
        cpu[kind].push(cpuSeconds / gib);
        return mibPerSecond(size, ms);
      };
      const multipart = async () => {
        const { fileId } = await user.share('upload.bin', size);
        return timed('multipart', server, () =>
          uploadMultipart(
            `${server.appUrl}/api/chat/files/upload`,
            source,
            size,
            { file_id: fileId },
            user.authorization,
          ),
        );
      };
      const tus = async () => {
        const { fileId } = await user.share('upload.bin', size);
        return timed('tus', server, () =>
          uploadTus(
            `${server.appUrl}/api/chat/files/tus`,
            source,
            size,
            { file_id: fileId, filename: 'upload.bin' },
            user.authorization,
          ),
        );
      };
      const baseline = async () => {
        const value = await timed('bare', bareServer, () =>
          uploadMultipart(`${bareServer.bareUrl}/`, source, size, { file_id: 'bare' }),
        );
        for (const f of readdirSync(bareServer.bareDir)) rmSync(path.join(bareServer.bareDir, f));
        return value;
      };

      // One untimed round each warms the JIT, the page cache and SQLite.
      await multipart();
      await tus();
      await baseline();
      for (const record of [rss, rssEach, cpu, clientCpu, wall]) {
        for (const list of Object.values(record)) list.length = 0;
      }

      const measuredMultipart = await paired(runs, multipart, baseline, (run, value, base) =>
        log(`multipart run ${run}: ${round(value)} vs ${round(base)} MiB/s`),
      );
      const measuredTus = await paired(runs, tus, baseline, (run, value, base) =>
        log(`tus run ${run}: ${round(value)} vs ${round(base)} MiB/s`),
      );
      // What an upload costs at the least on this machine: the bare pipe's work on both
      // sides plus the digests (which run one after another in one worker). With every
      // core busy and nothing else to pay for, a ratio above this ceiling is impossible.
      const digests = await digestsAlone(size, runs);
      const cores = availableParallelism();
      const bareWall = median(wall.bare);
      const floorWall = Math.max(
        bareWall,
        digests,
        (median(cpu.bare) + median(clientCpu.bare) + digests) / cores,
      );
      const costNotes = (kind: 'multipart' | 'tus') => ({
        ceiling_on_this_machine: round(bareWall / floorWall, 3),
        digests_alone_s_per_gib: round(digests),
        client_s_per_gib: round(median(clientCpu[kind])),
        bare_client_s_per_gib: round(median(clientCpu.bare)),
        cores,
      });
      const bareGrowth = Math.max(...rss.bare) / MiB;
      const memory = (kind: 'multipart' | 'tus', label: string): BenchResult => {
        const growth = Math.max(...rss[kind]) / MiB;
        return {
          name: `${label} ${size / MiB} MiB: server peak RSS growth`,
          unit: 'MiB',
          value: round(growth, 1),
          baseline_name: 'bare http pipe to file',
          baseline_value: round(bareGrowth, 1),
          // Lower is better; a floor of 1 MiB keeps a near-zero baseline from exploding the ratio.
          ratio: round(Math.max(bareGrowth, 1) / Math.max(growth, 1), 3),
          runs: rss[kind].length,
          notes: {
            median_upload_mib: round(median(rss[kind]) / MiB, 1),
            // The growth above includes what the process keeps after its first upload.
            most_over_rss_before_upload_mib: round(Math.max(...rssEach[kind]) / MiB, 1),
            bare_most_over_rss_before_upload_mib: round(Math.max(...rssEach.bare) / MiB, 1),
          },
        };
      };
      const cpuResult = (kind: 'multipart' | 'tus', label: string): BenchResult => ({
        name: `${label}: server CPU seconds per GiB`,
        unit: 's/GiB',
        value: round(median(cpu[kind])),
        baseline_name: 'bare http pipe to file',
        baseline_value: round(median(cpu.bare)),
        // Lower is better.
        ratio: round(median(cpu.bare) / median(cpu[kind]), 3),
        runs: cpu[kind].length,
        // What the upload spends beyond the bare pipe and the digests: its own overhead.
        notes: {
          digests_alone_s_per_gib: round(digests),
          beyond_bare_and_digests_s_per_gib: round(median(cpu[kind]) - median(cpu.bare) - digests),
        },
      });
      return [
        throughput(
          `upload ${size / MiB} MiB`,
          measuredMultipart,
          'bare http pipe to file',
          costNotes('multipart'),
        ),
        throughput(
          `tus upload ${size / MiB} MiB`,
          measuredTus,
          'bare http pipe to file',
          costNotes('tus'),
        ),
        cpuResult('multipart', 'upload'),
        cpuResult('tus', 'tus upload'),
        memory('multipart', 'upload'),
        memory('tus', 'tus upload'),
      ];
    } finally {
      user.close();
      await server.stop();
      await bareServer.stop();
    }
  },
};

export default bench;
