/**
 * Sends a socket.io event whose payload is given as JSON text, written straight to the
 * engine. A deeply nested payload cannot go through `socket.emit`: the client's own
 * binary check would overflow its stack before anything is sent.
 */
import type { Socket } from 'socket.io-client';

let nextId = 1_000_000;

/** Emits `event` with the JSON text `payloadJson` and resolves to the acknowledgement. */
export function rawEmit(socket: Socket, event: string, payloadJson: string): Promise<unknown> {
  const id = nextId++;
  const engine = socket.io.engine;
  // socket.io packets inside engine.io messages: 2 = EVENT, 3 = ACK (namespace `/`).
  const prefix = `3${id}`;
  return new Promise((resolve, reject) => {
    const onData = (data: unknown) => {
      if (typeof data !== 'string' || !data.startsWith(`${prefix}[`)) return;
      clearTimeout(timer);
      engine.off('data', onData);
      resolve((JSON.parse(data.slice(prefix.length)) as unknown[])[0]);
    };
    const timer = setTimeout(() => {
      engine.off('data', onData);
      reject(new Error(`no acknowledgement of ${event} within 5 s`));
    }, 5000);
    engine.on('data', onData);
    engine.write(`2${id}[${JSON.stringify(event)},${payloadJson}]`);
  });
}
