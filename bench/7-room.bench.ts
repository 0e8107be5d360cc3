/**
 * Benchmark 7, room load: a room with 1,000 file messages opened in a freshly loaded page
 * (new client, worker not yet started). Measures the time until every `<chat-file-card>`
 * shows its initial state, including the server-copy area that appears once the server
 * answered, and counts the `chat:file:*` socket requests it took. The baseline is the same
 * page rendering 1,000 plain text messages.
 */
import { loginUser } from './support/app-client.js';
import { BROWSER_BENCH_CONFIG, openBrowserBench } from './support/browser-bench.js';
import { median, round, type Benchmark } from './support/measure.js';

const MESSAGES = 1000;
/** Targets: at most this many socket requests, in under this many milliseconds. */
const TARGET_REQUESTS = 2;
const TARGET_MS = 1000;

/** A realistic mix of non-image types (images would start downloading by themselves). */
const TYPES = [
  ['report.pdf', 'application/pdf'],
  ['notes.txt', 'text/plain'],
  ['archive.zip', 'application/zip'],
  ['clip.mp4', 'video/mp4'],
  ['song.mp3', 'audio/mpeg'],
  ['data.bin', 'application/octet-stream'],
] as const;

type Rendered = {
  ms: number;
  drawnMs: number;
  requests: number;
  events: Record<string, number>;
};

const bench: Benchmark = {
  name: 'room',
  async run(context) {
    const { log } = context;
    const runs = 5;
    const env = await openBrowserBench(context);
    const owner = await loginUser(env.server.appUrl, 'room-owner');
    try {
      const roomId = await owner.createRoom('bench room', ['room-viewer']);
      const messages: unknown[] = [];
      for (let i = 0; i < MESSAGES; i += 1) {
        const [name, mimeType] = TYPES[i % TYPES.length]!;
        const { message } = await owner.share(`${i}-${name}`, 1000 + i * 997, {
          roomId,
          mimeType,
        });
        messages.push(message);
      }
      const texts = messages.map((_, i) => ({
        sender: 'room-owner',
        content: `message ${i}: a plain line of chat text of about the length people type`,
      }));

      const viewer = await env.page('room-viewer');
      const cardTimes: number[] = [];
      const textTimes: number[] = [];
      const requests: number[] = [];
      const drawn: number[] = [];
      let events: Record<string, number> = {};
      const cards = async () => {
        const result = await viewer.call<Rendered>('renderCards', messages);
        cardTimes.push(result.ms);
        drawn.push(result.drawnMs);
        requests.push(result.requests);
        events = result.events;
        if (process.env.BENCH_VERBOSE) log(JSON.stringify(result));
      };
      const text = async () => {
        textTimes.push((await viewer.call<{ ms: number }>('renderText', texts)).ms);
      };
      for (let i = 0; i < runs; i += 1) {
        // A fresh page each run: the room is what the user opens first.
        if (i > 0) {
          await viewer.reload();
          await viewer.init({ config: BROWSER_BENCH_CONFIG });
        }
        if (i % 2 === 0) {
          await cards();
          await text();
        } else {
          await text();
          await cards();
        }
        log(
          `run ${i + 1}: cards ${round(cardTimes.at(-1)!, 0)} ms (drawn at ${round(drawn.at(-1)!, 0)}) with ${requests.at(-1)} requests, text ${round(textTimes.at(-1)!, 0)} ms`,
        );
      }
      const value = median(cardTimes);
      const baseline = median(textTimes);
      return [
        {
          name: `room load, ${MESSAGES} file cards`,
          unit: 'ms',
          value: round(value, 0),
          baseline_name: `${MESSAGES} plain text messages`,
          baseline_value: round(baseline, 1),
          ratio: round(baseline / value, 3),
          runs,
          notes: {
            cards_drawn_ms: round(median(drawn), 0),
            socket_requests: median(requests),
            max_socket_requests: Math.max(...requests),
            events: Object.entries(events)
              .map(([name, n]) => `${name} ×${n}`)
              .join(', '),
            target: `≤ ${TARGET_REQUESTS} requests and < ${TARGET_MS} ms`,
          },
        },
      ];
    } finally {
      owner.close();
      await env.close();
    }
  },
};

export default bench;
