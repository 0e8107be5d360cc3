/**
 * Benchmark 3, relay: a file downloaded through the SDK's socket relay (the receiving
 * client has no WebRTC, so the relay is its only way) against two baselines forwarded by
 * the same socket.io server between the same two pages:
 * - bare socket.io: binary frames of `chunk_size`, a generous sliding window (64 frames,
 *   acknowledged every 16), no session, no checks;
 * - the reference documentation's scheme: base64 frames of `chunk_size`, sent in batches
 *   of `relay_batch_size` (8) with an acknowledgement after each batch.
 * The SDK runs twice: with its default window (`relay_batch_size` 8 frames, which bounds
 * what a requester that stops acknowledging can be sent) and with the bare baseline's
 * window of 64, which isolates what the SDK itself costs over bare emits.
 */
import { sdkTransfer, WARM_UP_SIZE } from './2-p2p.bench.js';
import type { BenchPage } from './support/browser.js';
import { openBrowserBench } from './support/browser-bench.js';
import { MiB } from './support/data.js';
import { median, mibPerSecond, round, throughput, type Benchmark } from './support/measure.js';

/** The SDK's defaults, which the baselines use too. */
const CHUNK_SIZE = 64 * 1024;
const RELAY_BATCH_SIZE = 8;

/** Bare socket.io: frames in flight, and how often the receiver acknowledges. */
const BARE_WINDOW = 64;
const BARE_ACK_EVERY = 16;

/** One baseline transfer from `sender` to `receiver`; MiB/s. */
async function bareRelay(
  sender: BenchPage,
  receiver: BenchPage,
  key: string,
  size: number,
  mode: 'binary' | 'base64',
): Promise<number> {
  const window = mode === 'binary' ? BARE_WINDOW : RELAY_BATCH_SIZE;
  const ackEvery = mode === 'binary' ? BARE_ACK_EVERY : RELAY_BATCH_SIZE;
  await receiver.call('relayExpect', size, sender.socketId, mode, ackEvery);
  const { started } = await sender.call<{ started: number }>(
    'relaySend',
    key,
    receiver.socketId,
    mode,
    CHUNK_SIZE,
    window,
  );
  const { ended, size: got } = await receiver.call<{ ended: number; size: number }>('relayDone');
  if (got !== size) throw new Error(`${mode} relay delivered ${got} bytes`);
  return mibPerSecond(size, ended - started);
}

const bench: Benchmark = {
  name: 'relay',
  async run(context) {
    const { quick, log } = context;
    const size = quick ? 8 * MiB : 128 * MiB;
    const runs = quick ? 3 : 5;
    const env = await openBrowserBench(context);
    try {
      const sender = await env.page('relay-sender');
      const receiver = await env.page('relay-receiver', { rtc: false });
      await sender.call('makeFile', 'relay', size);
      await sender.call('makeFile', 'warm', WARM_UP_SIZE, 2);
      const wide = { relay_batch_size: BARE_WINDOW };
      const wideSender = await env.page('relay-sender-wide', { config: wide });
      const wideReceiver = await env.page('relay-receiver-wide', { rtc: false, config: wide });
      await wideSender.call('makeFile', 'relay', size);
      await wideSender.call('makeFile', 'warm', WARM_UP_SIZE, 2);

      const sdk = async (key = 'relay', bytes = size) =>
        (await sdkTransfer(sender, receiver, key, bytes, 'relay')).mibs;
      const sdkWide = async (key = 'relay', bytes = size) =>
        (await sdkTransfer(wideSender, wideReceiver, key, bytes, 'relay')).mibs;
      const binary = (key = 'relay', bytes = size) =>
        bareRelay(sender, receiver, key, bytes, 'binary');
      const base64 = (key = 'relay', bytes = size) =>
        bareRelay(sender, receiver, key, bytes, 'base64');

      // Warm-up of all three on a small file.
      await sdk('warm', WARM_UP_SIZE);
      await sdkWide('warm', WARM_UP_SIZE);
      await binary('warm', WARM_UP_SIZE);
      await base64('warm', WARM_UP_SIZE);

      const samples: Record<'sdk' | 'sdkWide' | 'binary' | 'base64', number[]> = {
        sdk: [],
        sdkWide: [],
        binary: [],
        base64: [],
      };
      const order = [
        ['sdk', sdk],
        ['sdkWide', sdkWide],
        ['binary', binary],
        ['base64', base64],
      ] as const;
      for (let i = 0; i < runs; i += 1) {
        // Rotate the order so that no contender always runs first.
        for (let k = 0; k < order.length; k += 1) {
          const [name, run] = order[(i + k) % order.length]!;
          samples[name].push(await run());
        }
        log(
          `run ${i + 1}: sdk ${round(samples.sdk.at(-1)!)}, sdk window ${BARE_WINDOW} ${round(samples.sdkWide.at(-1)!)}, bare ${round(samples.binary.at(-1)!)}, base64 ${round(samples.base64.at(-1)!)} MiB/s`,
        );
      }
      const value = median(samples.sdk);
      return [
        throughput(
          `relay ${size / MiB} MiB`,
          { value, baseline: median(samples.binary), runs },
          'bare socket.io binary emits',
        ),
        throughput(
          `relay ${size / MiB} MiB, both with a window of ${BARE_WINDOW} frames`,
          { value: median(samples.sdkWide), baseline: median(samples.binary), runs },
          `bare socket.io binary emits (SDK with relay_batch_size ${BARE_WINDOW})`,
        ),
        throughput(
          `relay ${size / MiB} MiB vs reference scheme`,
          { value, baseline: median(samples.base64), runs },
          'base64 frames, ack every 8 (reference doc)',
        ),
      ];
    } finally {
      await env.close();
    }
  },
};

export default bench;
