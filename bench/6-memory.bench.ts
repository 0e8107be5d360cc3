/**
 * Benchmark 6, browser memory: the peak JS heap of the receiving page while it downloads
 * a large file peer-to-peer through the SDK, sampled every 20 ms with
 * `performance.memory` (precise with `--enable-precise-memory-info`). The baseline is the
 * same page idle with the SDK loaded and its client connected, after a garbage collection.
 */
import { sdkTransfer } from './2-p2p.bench.js';
import { openBrowserBench } from './support/browser-bench.js';
import { MiB } from './support/data.js';
import { median, round, type Benchmark } from './support/measure.js';

/** The target: the receiving page's heap stays under this while a 500 MB file arrives. */
const TARGET_MB = 100;
/** Heap figures are in MB (10^6 bytes), the unit of the target. */
const MB = 1_000_000;

const bench: Benchmark = {
  name: 'memory',
  async run(context) {
    const { quick, log } = context;
    const size = quick ? 32 * MiB : 500 * MiB;
    const runs = 3;
    const env = await openBrowserBench(context);
    try {
      const sender = await env.page('memory-sender');
      const receiver = await env.page('memory-receiver');
      await sender.call('makeFile', 'memory', size);
      const idle: number[] = [];
      const peak: number[] = [];
      for (let i = 0; i < runs; i += 1) {
        idle.push(await receiver.call<number>('heapNow'));
        await receiver.call('heapStart');
        let peakBytes: number;
        try {
          await sdkTransfer(sender, receiver, 'memory', size, 'webrtc');
        } finally {
          peakBytes = await receiver.call<number>('heapStop');
        }
        peak.push(peakBytes);
        log(
          `run ${i + 1}: idle ${round(idle.at(-1)! / MB, 1)} MB, peak ${round(peakBytes / MB, 1)} MB`,
        );
      }
      const value = median(peak) / MB;
      const baseline = median(idle) / MB;
      return [
        {
          name: `receiving page peak JS heap, ${size / MiB} MiB p2p transfer`,
          unit: 'MB',
          value: round(value, 1),
          baseline_name: 'idle page with the SDK loaded',
          baseline_value: round(baseline, 1),
          ratio: round(baseline / value, 3),
          runs,
          notes: {
            growth_mb: round(value - baseline, 1),
            max_peak_mb: round(Math.max(...peak) / MB, 1),
            target: `< ${TARGET_MB} MB`,
          },
        },
      ];
    } finally {
      await env.close();
    }
  },
};

export default bench;
