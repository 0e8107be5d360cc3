/**
 * Benchmark 2, peer-to-peer: a file shared by one page and downloaded by another through
 * the SDK (discovery, signalling, WebRTC, verification of every piece, IndexedDB caching)
 * against a bare RTCDataChannel between the same two pages, sending the same Blob with the
 * WebRTC samples' flow control and collecting it into a Blob on the other side.
 */
import type { BenchPage } from './support/browser.js';
import { openBrowserBench } from './support/browser-bench.js';
import { MiB } from './support/data.js';
import {
  median,
  mibPerSecond,
  paired,
  round,
  throughput,
  type Benchmark,
} from './support/measure.js';

/** What `bench.receive` answers. */
export interface Received {
  started: number;
  ended: number;
  firstPiece: number | null;
  size: number;
  transport: string;
}

/**
 * One SDK download of a fresh share of `key`: `sender` shares it (hashing and caching are
 * not timed), `receiver` downloads it; both forget it afterwards. Returns MiB/s and the
 * time from the request to the first stored piece.
 */
export async function sdkTransfer(
  sender: BenchPage,
  receiver: BenchPage,
  key: string,
  size: number,
  transport: string,
): Promise<{ mibs: number; setupMs: number }> {
  const fileId = await sender.call<string>('share', key, 'general');
  try {
    const got = await receiver.call<Received>('receive', fileId, 'general');
    if (got.size !== size || got.transport !== transport) {
      throw new Error(
        `received ${got.size} bytes over ${got.transport}, expected ${size} over ${transport}`,
      );
    }
    return {
      mibs: mibPerSecond(size, got.ended - got.started),
      setupMs: (got.firstPiece ?? got.ended) - got.started,
    };
  } finally {
    await receiver.call('forget', fileId);
    await sender.call('forget', fileId);
  }
}

/** Size of the file that warms up both sides before the timed runs. */
export const WARM_UP_SIZE = 4 * MiB;

/** Connects a bare data channel between two pages, signalled through the benchmark. */
export async function connectBare(offerer: BenchPage, answerer: BenchPage): Promise<void> {
  const offer = await offerer.call('rtcOffer');
  const answer = await answerer.call('rtcAnswer', offer);
  await offerer.call('rtcAccept', answer);
  await Promise.all([offerer.call('rtcOpen'), answerer.call('rtcOpen')]);
}

const bench: Benchmark = {
  name: 'p2p',
  async run(context) {
    const { quick, log } = context;
    const size = quick ? 16 * MiB : 256 * MiB;
    const runs = quick ? 3 : 5;
    const env = await openBrowserBench(context);
    try {
      const sender = await env.page('p2p-sender');
      const receiver = await env.page('p2p-receiver');
      await sender.call('makeFile', 'p2p', size);
      await sender.call('makeFile', 'warm', WARM_UP_SIZE, 2);
      await connectBare(sender, receiver);

      const setup: number[] = [];
      const product = async (key = 'p2p', bytes = size) => {
        const { mibs, setupMs } = await sdkTransfer(sender, receiver, key, bytes, 'webrtc');
        setup.push(setupMs);
        return mibs;
      };
      const baseline = async (key = 'p2p', bytes = size) => {
        await receiver.call('rtcExpect', bytes);
        const { started } = await sender.call<{ started: number }>('rtcSend', key);
        const { ended, size: got } = await receiver.call<{ ended: number; size: number }>(
          'rtcDone',
        );
        if (got !== bytes) throw new Error(`bare channel delivered ${got} bytes`);
        return mibPerSecond(bytes, ended - started);
      };

      // Warm-up on a small file: the SDK's first connection between the two pages, the JIT.
      await product('warm', WARM_UP_SIZE);
      await baseline('warm', WARM_UP_SIZE);
      setup.length = 0;

      const measured = await paired(
        runs,
        () => product(),
        () => baseline(),
        (run, value, base) => log(`run ${run}: ${round(value)} vs ${round(base)} MiB/s`),
      );
      await receiver.call('rtcClose');
      await sender.call('rtcClose');
      return [
        throughput(
          `p2p ${size / MiB} MiB`,
          measured,
          'bare RTCDataChannel (webrtc samples flow control)',
          { sdk_request_to_first_piece_ms: round(median(setup), 0) },
        ),
      ];
    } finally {
      await env.close();
    }
  },
};

export default bench;
