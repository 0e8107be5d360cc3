/**
 * Benchmark 1, hashing: the piece manifest of a file computed by the SDK's file worker
 * (through the client's worker bridge, as `shareFile` does) against a plain loop of
 * `crypto.subtle.digest` over the same 1 MiB pieces on the page's main thread.
 */
import { openBrowserBench } from './support/browser-bench.js';
import { MiB } from './support/data.js';
import { mibPerSecond, paired, round, throughput, type Benchmark } from './support/measure.js';

const PIECE_SIZE = MiB;

type Hashed = { ms: number; root: string };

const bench: Benchmark = {
  name: 'hashing',
  async run(context) {
    const { quick, log } = context;
    const size = quick ? 64 * MiB : 256 * MiB;
    const runs = quick ? 5 : 7;
    const env = await openBrowserBench(context);
    try {
      const page = await env.page('hasher');
      await page.call('makeFile', 'hash', size);
      const roots = new Set<string>();
      const run = (fn: string) => async () => {
        const { ms, root } = await page.call<Hashed>(fn, 'hash', PIECE_SIZE);
        roots.add(root);
        return mibPerSecond(size, ms);
      };
      // Warm-up: starts the worker and brings the Blob's bytes in.
      await run('hashProduct')();
      await run('hashBaseline')();
      const result = await paired(runs, run('hashProduct'), run('hashBaseline'));
      await page.call('dropFile', 'hash');
      if (roots.size !== 1)
        throw new Error(`worker and baseline disagree on the root: ${[...roots]}`);
      log(`${round(result.value)} vs ${round(result.baseline)} MiB/s`);
      return [
        throughput(
          `hashing ${size / MiB} MiB manifest`,
          result,
          'crypto.subtle.digest loop (main thread)',
        ),
      ];
    } finally {
      await env.close();
    }
  },
};

export default bench;
