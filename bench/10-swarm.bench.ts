/**
 * Benchmark 10, swarm downloads, in one run:
 * - three seeders each capped at 2 MiB/s by `max_upload_rate` against one such seeder
 *   (the same downloader, a file of the same size): what pulling from every seeder buys;
 * - the rate limit itself: the single capped seeder's measured rate against its cap;
 * - time to the first verified piece, from `requestFile()` with the sender online and a
 *   connection already open, against a bare data channel's first message after asking.
 */
import { connectBare, type Received } from './2-p2p.bench.js';
import type { BenchPage } from './support/browser.js';
import { openBrowserBench } from './support/browser-bench.js';
import { MiB } from './support/data.js';
import {
  median,
  mibPerSecond,
  paired,
  round,
  type Benchmark,
  type BenchResult,
} from './support/measure.js';

/** Each seeder's upload cap. */
const CAP = 2 * MiB;

/** One timed download of `fileId` by `receiver`, forgotten afterwards. */
async function download(
  receiver: BenchPage,
  fileId: string,
  size: number,
  transport: string,
): Promise<Received> {
  try {
    const got = await receiver.call<Received>('receive', fileId, 'general');
    if (got.size !== size || got.transport !== transport) {
      throw new Error(`received ${got.size} bytes over ${got.transport}, expected ${transport}`);
    }
    return got;
  } finally {
    await receiver.call('forget', fileId);
  }
}

const bench: Benchmark = {
  name: 'swarm',
  async run(context) {
    const { quick, log } = context;
    const size = quick ? 8 * MiB : 24 * MiB;
    const runs = quick ? 1 : 3;
    const firstRuns = quick ? 5 : 11;
    const env = await openBrowserBench(context);
    try {
      const seeders = [
        await env.page('swarm-seeder-1'),
        await env.page('swarm-seeder-2'),
        await env.page('swarm-seeder-3'),
      ];
      const downloader = await env.page('swarm-downloader');
      const [first] = seeders;
      await first!.call('makeFile', 'swarm', size, 1);
      await first!.call('makeFile', 'single', size, 2);
      // Uncapped while the other seeders fetch their copy of the swarm file.
      const swarmId = await first!.call<string>('share', 'swarm', 'general');
      const singleId = await first!.call<string>('share', 'single', 'general');
      for (const seeder of seeders.slice(1)) {
        await seeder.call<Received>('receive', swarmId, 'general');
      }
      for (const seeder of seeders) {
        await seeder.call('setUploadLimits', { max_upload_rate: CAP });
      }

      const singleRates: number[] = [];
      const measured = await paired(
        runs,
        async () => {
          const got = await download(downloader, swarmId, size, 'swarm');
          return mibPerSecond(size, got.ended - got.started);
        },
        async () => {
          const got = await download(downloader, singleId, size, 'webrtc');
          // The cap applies from the first byte sent: time it from the first piece's request.
          singleRates.push(mibPerSecond(size, got.ended - got.started));
          return singleRates.at(-1)!;
        },
        (run, value, base) =>
          log(`run ${run}: three seeders ${round(value)} vs one ${round(base)} MiB/s`),
      );

      // First verified piece: a fresh pair of pages with a connection already open.
      const sender = await env.page('first-sender');
      const receiver = await env.page('first-receiver');
      await sender.call('makeFile', 'first', 4 * MiB, 3);
      await sender.call('makeFile', 'warm', 2 * MiB, 4);
      await connectBare(sender, receiver);
      await sender.call('rtcServeFirst', 'first');
      const warmId = await sender.call<string>('share', 'warm', 'general');
      await download(receiver, warmId, 2 * MiB, 'webrtc');
      const firstId = await sender.call<string>('share', 'first', 'general');
      const sdkFirst: number[] = [];
      const bareFirst: number[] = [];
      for (let i = 0; i < firstRuns; i += 1) {
        const got = await download(receiver, firstId, 4 * MiB, 'webrtc');
        sdkFirst.push((got.firstPiece ?? got.ended) - got.started);
        bareFirst.push(await receiver.call<number>('rtcFirstMessage'));
      }
      log(`first piece: sdk ${sdkFirst.map((v) => round(v, 0)).join(', ')} ms`);
      log(`first message: bare ${bareFirst.map((v) => round(v, 1)).join(', ')} ms`);
      await receiver.call('rtcClose');
      await sender.call('rtcClose');

      const capMiBs = CAP / MiB;
      const limited = median(singleRates);
      const sdkMs = median(sdkFirst);
      const bareMs = median(bareFirst);
      const results: BenchResult[] = [
        {
          name: `swarm of 3 seeders capped at ${capMiBs} MiB/s, ${size / MiB} MiB`,
          unit: 'MiB/s',
          value: round(measured.value),
          baseline_name: `one seeder capped at ${capMiBs} MiB/s`,
          baseline_value: round(measured.baseline),
          ratio: round(measured.value / measured.baseline, 3),
          runs,
          notes: { target_ratio: '>= 2.7' },
        },
        {
          name: `max_upload_rate ${capMiBs} MiB/s (one seeder's measured rate)`,
          unit: 'MiB/s',
          value: round(limited),
          baseline_name: 'the configured cap',
          baseline_value: capMiBs,
          ratio: round(limited / capMiBs, 3),
          runs,
          notes: { target_ratio: '0.9 to 1.1' },
        },
        {
          name: 'time to first verified piece (1 MiB, open connection)',
          unit: 'ms',
          value: round(sdkMs, 1),
          baseline_name: 'bare data channel: first 64 KiB message after asking',
          baseline_value: round(bareMs, 1),
          ratio: round(bareMs / sdkMs, 3),
          runs: firstRuns,
          notes: { target_ms: '< 100', sdk_best_ms: round(Math.min(...sdkFirst), 1) },
        },
      ];
      return results;
    } finally {
      await env.close();
    }
  },
};

export default bench;
