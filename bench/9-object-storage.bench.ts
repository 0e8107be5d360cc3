/**
 * Benchmark 9, downloads handed to nginx and uploads into object storage:
 * - `download: accel`: a file in full and 100 random 1 MiB ranges through nginx (the app
 *   authorizes, nginx sends the bytes, configured with `deploy/nginx/accel.conf`) against
 *   the same nginx serving the same blob file directly;
 * - `storage: s3`: a multipart upload through the reference app into s3rver against a
 *   bare `@aws-sdk/lib-storage` upload of the same bytes to the same s3rver, with the
 *   server's RSS growth while receiving.
 */
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import { S3Client } from '@aws-sdk/client-s3';
import { startNginx } from '../test/support/nginx.js';
import { startS3 } from '../test/support/s3.js';
import { LARGE_FILES } from './4-upload.bench.js';
import { loginUser, seedOnDisk } from './support/app-client.js';
import { MiB, seededRandom, writeRandomFile } from './support/data.js';
import { download, keepAliveAgent, uploadMultipart } from './support/http-client.js';
import { mibPerSecond, paired, round, throughput, type Benchmark } from './support/measure.js';
import { startServerProcess } from './support/server-process.js';

const ACCEL_CONFIG = path.join(import.meta.dirname, '..', 'deploy', 'nginx', 'accel.conf');
const SHIPPED_ALIAS = '/var/lib/chat-files/data/uploads/chat_files/';
const RANGE_SIZE = MiB;
const RANGE_COUNT = 100;

const bench: Benchmark = {
  name: 'object-storage',
  async run({ quick, tmpDir, log }) {
    const results = [];
    results.push(...(await accelDownloads(quick, tmpDir, log)));
    results.push(await s3Upload(quick, tmpDir, log));
    return results;
  },
};

async function accelDownloads(quick: boolean, tmpDir: string, log: (m: string) => void) {
  const size = quick ? 64 * MiB : 1024 * MiB;
  const runs = 5;
  const source = path.join(tmpDir, 'accel.bin');
  await writeRandomFile(source, size);
  const dataDir = path.join(tmpDir, 'accel-server');
  const server = await startServerProcess(dataDir, {
    ...LARGE_FILES,
    server_seeding: { ...LARGE_FILES.server_seeding, download: 'accel' },
  });
  const user = await loginUser(server.appUrl, 'downloader');
  const agents = [keepAliveAgent(), keepAliveAgent()] as const;
  let nginx: Awaited<ReturnType<typeof startNginx>> | null = null;
  try {
    const { fileId, blobDir, blobId } = await seedOnDisk(
      server.appUrl,
      user,
      dataDir,
      'accel.bin',
      source,
      size,
    );
    const accel = readFileSync(ACCEL_CONFIG, 'utf8').replace(SHIPPED_ALIAS, `${blobDir}/`);
    nginx = await startNginx(
      `
${accel}
    location /direct/ {
      alias ${blobDir}/;
    }
    location / {
      proxy_pass http://chat_app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
`,
      // Kept-alive connections to the app, as a production proxy is configured.
      `upstream chat_app { server ${new URL(server.appUrl).host}; keepalive 8; }`,
    );
    const productUrl = `${nginx.url}/api/chat/files/${fileId}/download`;
    const directUrl = `${nginx.url}/direct/${blobId}`;
    const full = (url: string, agent: (typeof agents)[number]) => async () => {
      const started = performance.now();
      await download(url, agent, user.authorization, 200, size);
      return mibPerSecond(size, performance.now() - started);
    };
    const ranges = (url: string, agent: (typeof agents)[number]) => async () => {
      const random = seededRandom(11);
      const started = performance.now();
      for (let i = 0; i < RANGE_COUNT; i += 1) {
        const start = Math.floor(random() * (size - RANGE_SIZE));
        await download(
          url,
          agent,
          { ...user.authorization, range: `bytes=${start}-${start + RANGE_SIZE - 1}` },
          206,
          RANGE_SIZE,
        );
      }
      return mibPerSecond(RANGE_COUNT * RANGE_SIZE, performance.now() - started);
    };
    // Warm-up: connections, JIT and the page cache.
    await full(productUrl, agents[0])();
    await full(directUrl, agents[1])();
    const fullResult = await paired(runs, full(productUrl, agents[0]), full(directUrl, agents[1]));
    log(`accel full: ${round(fullResult.value)} vs ${round(fullResult.baseline)} MiB/s`);
    const rangeResult = await paired(
      runs,
      ranges(productUrl, agents[0]),
      ranges(directUrl, agents[1]),
    );
    log(`accel ranges: ${round(rangeResult.value)} vs ${round(rangeResult.baseline)} MiB/s`);
    return [
      throughput(`download ${size / MiB} MiB through nginx (accel)`, fullResult, 'nginx direct'),
      throughput(
        `${RANGE_COUNT} random 1 MiB ranges through nginx (accel)`,
        rangeResult,
        'nginx direct',
      ),
    ];
  } finally {
    for (const agent of agents) agent.destroy();
    user.close();
    await nginx?.stop();
    await server.stop();
  }
}

async function s3Upload(quick: boolean, tmpDir: string, log: (m: string) => void) {
  const size = quick ? 64 * MiB : 256 * MiB;
  const runs = quick ? 3 : 3;
  const source = path.join(tmpDir, 's3-upload.bin');
  await writeRandomFile(source, size);
  // s3rver runs in this process; the server process reaches it over loopback with the
  // credentials startS3 put in the environment (the SDK's default chain).
  const s3 = await startS3('bench');
  const storage = {
    driver: 's3',
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    force_path_style: true,
  };
  const server = await startServerProcess(path.join(tmpDir, 's3-server'), {
    ...LARGE_FILES,
    server_seeding: { ...LARGE_FILES.server_seeding, storage },
  });
  const user = await loginUser(server.appUrl, 'uploader');
  const client = new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  try {
    const rss: number[] = [];
    let bareCount = 0;
    const product = async () => {
      const { fileId } = await user.share('s3-upload.bin', size);
      const started = performance.now();
      const { result, rssGrowth } = await server.measureMemory(() =>
        uploadMultipart(
          `${server.appUrl}/api/chat/files/upload`,
          source,
          size,
          { file_id: fileId },
          user.authorization,
        ),
      );
      const elapsed = performance.now() - started;
      if (result.status !== 200) throw new Error(`upload: HTTP ${result.status} ${result.body}`);
      rss.push(rssGrowth);
      // The next run uploads the same bytes: remove this copy so it is not deduplicated.
      const removed = await fetch(`${server.appUrl}/api/chat/files/remove-from-server`, {
        method: 'POST',
        headers: { ...user.authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ file_id: fileId }),
      });
      if (removed.status !== 200) throw new Error(`remove: HTTP ${removed.status}`);
      return mibPerSecond(size, elapsed);
    };
    const bare = async () => {
      const started = performance.now();
      await new Upload({
        client,
        params: {
          Bucket: s3.bucket,
          Key: `bare/${(bareCount += 1)}`,
          Body: createReadStream(source, { highWaterMark: MiB }),
        },
      }).done();
      return mibPerSecond(size, performance.now() - started);
    };
    await product();
    await bare();
    const result = await paired(runs, product, bare);
    const peak = Math.max(...rss);
    log(
      `s3 upload: ${round(result.value)} vs ${round(result.baseline)} MiB/s, server RSS growth ${round(peak / MiB, 1)} MiB`,
    );
    return throughput(
      `upload ${size / MiB} MiB into object storage (s3rver)`,
      result,
      'bare lib-storage upload',
      {
        server_rss_growth_mib: round(peak / MiB, 1),
      },
    );
  } finally {
    client.destroy();
    user.close();
    await server.stop();
    await s3.close();
  }
}

export default bench;
