/**
 * Fuzzed socket payloads over every client event of the SDK (and the app's own message
 * event) against the real reference app process: every one must get an answer
 * (`success: true`, or `success: false` with an `ERR_` code), the process must not crash
 * or print a stack, and its memory and descriptors must come back to where they were.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_EVENTS } from '../unit/server/support/client-events.js';
import { rawEmit } from '../unit/server/support/raw-socket.js';
import { startFaultApp, type FaultApp } from './support/app.js';
import { eventually, record, ResourceProbe, size } from './support/figures.js';

const INPUTS = size(10_000, 1_000);
const CONCURRENCY = 50;

/** Every SDK event, and the reference app's own message event. */
const EVENTS = [...CLIENT_EVENTS, 'chat:send_message'] as const;

/** A small deterministic generator, so a failing input can be reproduced from its index. */
function rng(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

type Input = { event: string; payload?: unknown; raw?: string };

function fuzzInputs(count: number, ids: { fileId: string; socketId: string }): Input[] {
  const random = rng(0xc0ffee);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const valid: Record<string, Record<string, unknown>> = {
    base: {
      file_id: ids.fileId,
      room_id: 'general',
      name: 'a.txt',
      size: 10,
      mime_type: 'text/plain',
      file_ids: [ids.fileId],
      has_file: true,
      requester_socket_id: ids.socketId,
      source_socket_id: ids.socketId,
      target_username: 'fuzz-b',
      source_username: 'fuzz-b',
      signal_type: 'offer',
      signal_data: { type: 'offer', sdp: 'v=0' },
      session_id: 'a'.repeat(32),
      chunk_index: 0,
      total_chunks: 1,
      chunk_data: Buffer.from('x'),
      received_through: 0,
      width: 10,
      height: 10,
      action: 'play',
      time: 1,
      content: 'hello',
    },
  };
  const weird = (): unknown => {
    switch (Math.floor(random() * 16)) {
      case 0:
        return null;
      case 1:
        return -1;
      case 2:
        return 1e308;
      case 3:
        return 'x'.repeat(Math.floor(random() * 200_000));
      case 4:
        return [];
      case 5:
        return Array.from({ length: Math.floor(random() * 5000) }, () => 0);
      case 6:
        return { $ne: null };
      case 7:
        return JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}');
      case 8:
        // Now and then past the app's 2 MB transport limit, which closes the connection.
        return Buffer.alloc(random() < 0.1 ? 3_000_000 : Math.floor(random() * 100_000));
      case 9:
        return '../../../etc/passwd';
      case 10:
        return '\u202e\u0000\uffff\ud800';
      case 11:
        return true;
      case 12:
        return 1.5;
      case 13:
        return { toString: 'x', valueOf: 1 };
      case 14:
        return ids.fileId;
      default:
        return 0;
    }
  };
  const inputs: Input[] = [];
  for (let i = 0; i < count; i++) {
    const event = EVENTS[i % EVENTS.length]!;
    const kind = random();
    if (kind < 0.05) {
      // Deep nesting in a small payload, sent as text (the client could not serialize it).
      const depth = 1000 + Math.floor(random() * 100_000);
      inputs.push({ event, raw: `{"file_id":${'['.repeat(depth)}${']'.repeat(depth)}}` });
      continue;
    }
    if (kind < 0.15) {
      inputs.push({ event, payload: weird() });
      continue;
    }
    const payload: Record<string, unknown> = { ...valid.base };
    const mutations = 1 + Math.floor(random() * 4);
    for (let m = 0; m < mutations; m++) {
      const key = pick(Object.keys(payload));
      if (random() < 0.3) delete payload[key];
      else payload[key] = weird();
    }
    if (random() < 0.1) payload[`extra_${i}`] = weird();
    inputs.push({ event, payload });
  }
  return inputs;
}

/** The reference app's `maxHttpBufferSize`: a message over it closes the connection. */
const TRANSPORT_LIMIT = 2 * 1024 * 1024;

/** Whether an input is over the transport limit (then only the connection closing answers it). */
function oversize(input: Input): boolean {
  if (input.raw !== undefined) return input.raw.length > TRANSPORT_LIMIT;
  const p = input.payload;
  const values =
    typeof p === 'object' && p !== null && !Buffer.isBuffer(p) ? Object.values(p) : [p];
  return values.some((v) => Buffer.isBuffer(v) && v.length > TRANSPORT_LIMIT);
}

const isAnswer = (reply: unknown) => {
  if (typeof reply !== 'object' || reply === null) return false;
  const r = reply as { success?: unknown; code?: unknown; error?: unknown };
  if (r.success === true) return true;
  return r.success === false && typeof r.code === 'string' && /^ERR_/.test(r.code);
};

describe(`fuzzed socket payloads (${INPUTS} over ${EVENTS.length} events)`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-faults-fuzz-'));
  let app: FaultApp;
  let sender: Socket;
  let fileId: string;
  let token: string;

  beforeAll(async () => {
    app = await startFaultApp({ dir, chatFiles: { rate_limits: { enabled: false } } });
    token = await app.login('fuzz-a');
    await app.login('fuzz-b');
    sender = await app.socket(token);
    await app.socket(await app.login('fuzz-b'));
    const reply = (await sender.timeout(5000).emitWithAck('chat:file:share', {
      room_id: 'general',
      name: 'known.bin',
      size: 1000,
      mime_type: 'application/octet-stream',
    })) as { file_id: string };
    fileId = reply.file_id;
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every input, never crashes, prints no stack, and gives its resources back', async () => {
    const inputs = fuzzInputs(INPUTS, { fileId, socketId: sender.id! });
    const probe = new ResourceProbe(() => ({ rss: app.rss(), fds: app.fds() }));
    probe.start();
    let answered = 0;
    let unanswered = 0;
    let malformed = 0;
    let closedByTransport = 0;
    const socket = sender;
    for (let start = 0; start < inputs.length; start += CONCURRENCY) {
      const batch = inputs.slice(start, start + CONCURRENCY);
      const replies = await Promise.all(
        batch.map(async (input) => {
          const { event, payload, raw } = input;
          if (oversize(input)) {
            // Its own connection, which socket.io closes: the others keep theirs.
            const throwaway = await app.socket(token);
            const closed = new Promise<boolean>((resolve) => {
              throwaway.once('disconnect', () => resolve(true));
              setTimeout(() => resolve(false), 10_000);
            });
            throwaway.emit(event, payload);
            if (await closed) closedByTransport++;
            throwaway.close();
            return 'closed';
          }
          try {
            return raw !== undefined
              ? await rawEmit(socket, event, raw)
              : await socket.timeout(10_000).emitWithAck(event, payload);
          } catch {
            return undefined;
          }
        }),
      );
      for (const reply of replies) {
        if (reply === 'closed') continue;
        if (reply === undefined) unanswered++;
        else if (isAnswer(reply)) answered++;
        else malformed++;
      }
      expect(socket.connected, `the fuzzing connection closed after input ${start}`).toBe(true);
      expect(app.alive(), `crashed after input ${start}`).toBe(true);
    }
    // Settle: sockets of the run closed, memory given back.
    const baselineFds = probe.finish().fds.before;
    const settled = await eventually(() => app.fds() <= baselineFds + 2, 10_000);
    const figures = probe.finish();
    const stacks = app
      .output()
      .split('\n')
      .filter((line) => /^\s+at\s/.test(line)).length;
    record('fuzz', {
      inputs: inputs.length,
      answered,
      unanswered,
      malformed,
      closed_by_transport_limit: closedByTransport,
      crashes: app.alive() ? 0 : 1,
      stack_lines_printed: stacks,
      ...figures,
    });
    expect(app.alive()).toBe(true);
    expect(malformed).toBe(0);
    expect(stacks).toBe(0);
    expect(unanswered).toBe(0);
    expect(answered + closedByTransport).toBe(inputs.length);
    expect(settled, `descriptors ${app.fds()} vs ${baselineFds} before`).toBe(true);

    // The known file is still there and a normal share still works.
    const fresh = await app.socket(token);
    const status = (await fresh.timeout(5000).emitWithAck('chat:file:server_status', {
      file_id: fileId,
    })) as { success: boolean };
    expect(status.success).toBe(true);
    const share = (await fresh.timeout(5000).emitWithAck('chat:file:share', {
      room_id: 'general',
      name: 'after-fuzz.txt',
      size: 5,
      mime_type: 'text/plain',
    })) as { success: boolean };
    expect(share.success).toBe(true);
    expect(createHash('sha256').update('ok').digest('hex')).toHaveLength(64);
  }, 600_000);
});
