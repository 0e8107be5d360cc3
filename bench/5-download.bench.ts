/**
 * Benchmark 5, download: a large file in full, then many random 1 MiB ranges, from
 * `GET /api/chat/files/:file_id/download` against nginx (Debian's nginx-light, on
 * loopback) serving the very blob file the server stored.
 */
import path from 'node:path';
import { LARGE_FILES } from './4-upload.bench.js';
import { loginUser, seedOnDisk } from './support/app-client.js';
import { MiB, seededRandom, writeRandomFile } from './support/data.js';
import { download, keepAliveAgent } from './support/http-client.js';
import { mibPerSecond, paired, round, throughput, type Benchmark } from './support/measure.js';
import { startNginx } from './support/nginx.js';
import { startServerProcess } from './support/server-process.js';

const RANGE_SIZE = MiB;

const bench: Benchmark = {
  name: 'download',
  async run({ quick, tmpDir, log }) {
    const size = quick ? 64 * MiB : 1024 * MiB;
    const rangeCount = quick ? 100 : 1000;
    const runs = 5;
    const source = path.join(tmpDir, 'download.bin');
    await writeRandomFile(source, size);
    const dataDir = path.join(tmpDir, 'server');
    const server = await startServerProcess(dataDir, LARGE_FILES);
    const user = await loginUser(server.appUrl, 'downloader');
    let nginx: Awaited<ReturnType<typeof startNginx>> | null = null;
    const agents = [keepAliveAgent(), keepAliveAgent()];
    try {
      // nginx serves the blob the server stored, so both read the same file on the same disk.
      const { fileId, blobDir, blobId } = await seedOnDisk(
        server.appUrl,
        user,
        dataDir,
        'download.bin',
        source,
        size,
      );
      nginx = await startNginx(blobDir);

      const productUrl = `${server.appUrl}/api/chat/files/${fileId}/download`;
      const nginxUrl = `${nginx.url}/${blobId}`;
      const [productAgent, nginxAgent] = agents as [
        ReturnType<typeof keepAliveAgent>,
        ReturnType<typeof keepAliveAgent>,
      ];
      const full = (url: string, agent: typeof productAgent) => async () => {
        const started = performance.now();
        await download(url, agent, user.authorization, 200, size);
        return mibPerSecond(size, performance.now() - started);
      };
      const ranges = (url: string, agent: typeof productAgent) => async () => {
        // The same offsets for both servers in every run.
        const random = seededRandom(7);
        const started = performance.now();
        for (let i = 0; i < rangeCount; i += 1) {
          const start = Math.floor(random() * (size - RANGE_SIZE));
          await download(
            url,
            agent,
            { ...user.authorization, range: `bytes=${start}-${start + RANGE_SIZE - 1}` },
            206,
            RANGE_SIZE,
          );
        }
        return mibPerSecond(rangeCount * RANGE_SIZE, performance.now() - started);
      };

      // Warm-up: connections, JIT and the page cache.
      await full(productUrl, productAgent)();
      await full(nginxUrl, nginxAgent)();

      const fullResult = await paired(
        runs,
        full(productUrl, productAgent),
        full(nginxUrl, nginxAgent),
      );
      log(`full: ${round(fullResult.value)} vs ${round(fullResult.baseline)} MiB/s`);
      const rangeResult = await paired(
        runs,
        ranges(productUrl, productAgent),
        ranges(nginxUrl, nginxAgent),
      );
      log(`ranges: ${round(rangeResult.value)} vs ${round(rangeResult.baseline)} MiB/s`);
      return [
        throughput(`download ${size / MiB} MiB in full`, fullResult, 'nginx'),
        throughput(`download ${rangeCount} random 1 MiB ranges`, rangeResult, 'nginx', {
          product_requests_per_s: round(rangeResult.value * (MiB / RANGE_SIZE), 1),
          nginx_requests_per_s: round(rangeResult.baseline * (MiB / RANGE_SIZE), 1),
        }),
      ];
    } finally {
      for (const agent of agents) agent.destroy();
      user.close();
      await nginx?.stop();
      await server.stop();
    }
  },
};

export default bench;
