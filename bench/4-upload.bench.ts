/**
 * Benchmark 4, upload: a large file through `POST /api/chat/files/upload` (multipart,
 * after `chat:file:share`) against a bare Node handler that pipes the request body to a
 * file on the same disk. Each runs in a fresh server process of its own, so that the
 * report can say how far each process's RSS rose above its idle RSS while receiving
 * (the highest over all uploads, the first one included).
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loginUser } from './support/app-client.js';
import { MiB, writeRandomFile } from './support/data.js';
import { uploadMultipart } from './support/http-client.js';
import {
  median,
  mibPerSecond,
  paired,
  round,
  throughput,
  type Benchmark,
} from './support/measure.js';
import { startServerProcess } from './support/server-process.js';

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
      // Peak RSS over the process's idle RSS, for every upload including the first.
      const productRss: number[] = [];
      const bareRss: number[] = [];
      const product = async () => {
        const { fileId } = await user.share('upload.bin', size);
        const started = performance.now();
        const { result, rssOverIdle } = await server.measureMemory(() =>
          uploadMultipart(
            `${server.appUrl}/api/chat/files/upload`,
            source,
            size,
            { file_id: fileId },
            user.authorization,
          ),
        );
        const ms = performance.now() - started;
        if (result.status !== 200) throw new Error(`upload: HTTP ${result.status} ${result.body}`);
        productRss.push(rssOverIdle);
        return mibPerSecond(size, ms);
      };
      const baseline = async () => {
        const started = performance.now();
        const { result, rssOverIdle } = await bareServer.measureMemory(() =>
          uploadMultipart(`${bareServer.bareUrl}/`, source, size, { file_id: 'bare' }),
        );
        const ms = performance.now() - started;
        if (result.status !== 200) throw new Error(`bare upload: HTTP ${result.status}`);
        bareRss.push(rssOverIdle);
        for (const f of readdirSync(bareServer.bareDir)) rmSync(path.join(bareServer.bareDir, f));
        return mibPerSecond(size, ms);
      };

      // One untimed round each warms the JIT, the page cache and SQLite.
      await product();
      await baseline();

      const measured = await paired(
        runs,
        () => product(),
        () => baseline(),
        (run, value, base) => log(`run ${run}: ${round(value)} vs ${round(base)} MiB/s`),
      );
      const growth = Math.max(...productRss) / MiB;
      const bareGrowth = Math.max(...bareRss) / MiB;
      return [
        throughput(`upload ${size / MiB} MiB`, measured, 'bare http pipe to file'),
        {
          name: `upload ${size / MiB} MiB: server peak RSS growth`,
          unit: 'MiB',
          value: round(growth, 1),
          baseline_name: 'bare http pipe to file',
          baseline_value: round(bareGrowth, 1),
          // Lower is better; a floor of 1 MiB keeps a near-zero baseline from exploding the ratio.
          ratio: round(Math.max(bareGrowth, 1) / Math.max(growth, 1), 3),
          runs: productRss.length,
          notes: {
            first_upload_mib: round(productRss[0]! / MiB, 1),
            median_upload_mib: round(median(productRss) / MiB, 1),
          },
        },
      ];
    } finally {
      user.close();
      await server.stop();
      await bareServer.stop();
    }
  },
};

export default bench;
