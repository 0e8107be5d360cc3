// The in-page half of the browser benchmarks: loads the built SDK and exposes
// `window.bench`, whose functions the Node side calls through playwright. Each product
// path has its bare baseline here, in the same page, so both run under the same
// conditions. Plain JavaScript, served as is: nothing between this file and the browser.
import * as sdk from '/sdk/chat-files.js';

const MiB = 1024 * 1024;
/** Wall-clock milliseconds, comparable between pages of one machine. */
const now = () => performance.timeOrigin + performance.now();
const files = new Map();
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** @type {import('/sdk/chat-files.js').ChatFiles | null} */
let client = null;
/** Counts of `chat:file:*` events this page's client emitted, by name. */
let emitted = {};
/** When each `chat:file:*` request went out and was answered (ms since `timeOrigin`). */
let requestLog = [];
let counting = false;

/** Builds the page's client (its own socket) and resolves with the socket id. */
async function init({ username, token, config, rtc }) {
  client = new sdk.ChatFiles({
    url: location.origin,
    auth: { token },
    token,
    username,
    config,
    // A fresh cache per page load: earlier runs must not turn downloads into cache hits.
    cacheName: `bench-${username}-${Date.now()}`,
    ...(rtc ? {} : { RTCPeerConnection: null }),
  });
  // Count the protocol requests the SDK makes while `counting` (the room-load benchmark
  // turns it on); otherwise the wrapper only passes the call through.
  const socket = client.socket;
  const emit = socket.emit.bind(socket);
  socket.emit = (event, ...args) => {
    if (counting && typeof event === 'string' && event.startsWith('chat:file:')) {
      emitted[event] = (emitted[event] ?? 0) + 1;
      const entry = { event, sent: performance.now(), answered: null };
      requestLog.push(entry);
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const reply = args[last];
        args[last] = (...answer) => {
          entry.answered = performance.now();
          return reply(...answer);
        };
      }
    }
    return emit(event, ...args);
  };
  sdk.ChatFiles.setDefault(client);
  if (!socket.connected) await new Promise((resolve) => socket.once('connect', resolve));
  return socket.id;
}

// ---- test files -----------------------------------------------------------------------

/**
 * Makes a `size`-byte File out of 1 MiB Blob parts (each a copy of one random block with
 * its index and `seed` stamped in front, so every piece differs), grouped into 64 MiB
 * Blobs. No large ArrayBuffer is ever held: a Blob copies its part when it is built.
 */
function makeFile(key, size, seed = 1) {
  const block = new Uint8Array(MiB);
  for (let offset = 0; offset < MiB; offset += 65536) {
    crypto.getRandomValues(block.subarray(offset, offset + 65536));
  }
  const stamp = new DataView(block.buffer);
  const groups = [];
  let parts = [];
  for (let offset = 0, index = 0; offset < size; offset += MiB, index += 1) {
    stamp.setUint32(0, index);
    stamp.setUint32(4, seed);
    parts.push(new Blob([block.subarray(0, Math.min(MiB, size - offset))]));
    if (parts.length === 64) {
      groups.push(new Blob(parts));
      parts = [];
    }
  }
  groups.push(new Blob(parts));
  files.set(key, new File(groups, `${key}.bin`, { type: 'application/octet-stream' }));
  return size;
}

function dropFile(key) {
  files.delete(key);
}

/** Appends received parts to a list of Blobs every `MERGE_BYTES`, as a bare receiver would. */
const MERGE_BYTES = 16 * MiB;
function blobCollector() {
  const blobs = [];
  let parts = [];
  let partBytes = 0;
  return {
    add(part) {
      parts.push(part);
      partBytes += part.byteLength;
      if (partBytes >= MERGE_BYTES) {
        blobs.push(new Blob(parts));
        parts = [];
        partBytes = 0;
      }
    },
    finish() {
      blobs.push(new Blob(parts));
      parts = [];
      return new Blob(blobs);
    },
  };
}

const toHex = (buffer) =>
  Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

// ---- 1. hashing -------------------------------------------------------------------------

/** The product: the worker's piece manifest (through the client's worker bridge). */
async function hashProduct(key, pieceSize) {
  const file = files.get(key);
  const started = performance.now();
  // `worker` is the client's internal bridge; the benchmark calls it to time hashing alone.
  const manifest = await client.worker.computeManifest(file, pieceSize);
  return { ms: performance.now() - started, root: manifest.root };
}

/** The baseline: a plain loop of `crypto.subtle.digest` over the same pieces, then the root. */
async function hashBaseline(key, pieceSize) {
  const file = files.get(key);
  const started = performance.now();
  const count = Math.ceil(file.size / pieceSize);
  const digests = new Uint8Array(count * 32);
  for (let i = 0; i < count; i += 1) {
    const bytes = await file.slice(i * pieceSize, (i + 1) * pieceSize).arrayBuffer();
    digests.set(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), i * 32);
  }
  const root = toHex(await crypto.subtle.digest('SHA-256', digests));
  return { ms: performance.now() - started, root };
}

// ---- 2, 3, 6. transfers through the SDK --------------------------------------------------

/** Shares a test file in a room without uploading it, and waits until it is cached. */
async function share(key, roomId) {
  const result = await client.shareFile(roomId, files.get(key), { upload: false });
  await client.whenIdle();
  return result.file_id;
}

/** Downloads a file through the SDK; times it from the request to the finished File. */
async function receive(fileId, roomId) {
  let firstPiece = null;
  const stop = client.watch(fileId, (snapshot) => {
    if (firstPiece === null && (snapshot.held_pieces ?? 0) > 0) {
      firstPiece = now();
    }
  });
  const started = now();
  try {
    const file = await client.requestFile(fileId, roomId);
    const ended = now();
    const state = client.transferState(fileId);
    return { started, ended, firstPiece, size: file.size, transport: state.transport };
  } finally {
    stop();
  }
}

/** Forgets a file (memory and cache), so the next run starts from nothing. */
async function forget(fileId) {
  await client.removeLocalCopy(fileId);
}

// ---- 2. bare RTCDataChannel ---------------------------------------------------------------

let pc = null;
let channel = null;
let channelReady = null;

const gathered = (connection) =>
  connection.iceGatheringState === 'complete'
    ? Promise.resolve()
    : new Promise((resolve) =>
        connection.addEventListener('icegatheringstatechange', () => {
          if (connection.iceGatheringState === 'complete') resolve();
        }),
      );

const opened = (dc) =>
  dc.readyState === 'open'
    ? Promise.resolve(dc)
    : new Promise((resolve) => dc.addEventListener('open', () => resolve(dc), { once: true }));

/** Offerer side: a connection with one ordered, reliable channel; returns the full offer. */
async function rtcOffer() {
  pc = new RTCPeerConnection({ iceServers: [] });
  channel = pc.createDataChannel('bench', { ordered: true });
  channel.binaryType = 'arraybuffer';
  channelReady = opened(channel);
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  return pc.localDescription.toJSON();
}

/** Answerer side; returns the full answer. */
async function rtcAnswer(offer) {
  pc = new RTCPeerConnection({ iceServers: [] });
  channelReady = new Promise((resolve) => {
    pc.ondatachannel = (event) => {
      channel = event.channel;
      channel.binaryType = 'arraybuffer';
      resolve(opened(channel));
    };
  });
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  return pc.localDescription.toJSON();
}

async function rtcAccept(answer) {
  await pc.setRemoteDescription(answer);
}

async function rtcOpen() {
  await channelReady;
  return { maxMessageSize: pc.sctp?.maxMessageSize ?? null };
}

let rtcExpected = null;

/** Receiver: collects `size` bytes into a Blob; `rtcDone` resolves when they are in. */
function rtcExpect(size) {
  const collector = blobCollector();
  let received = 0;
  rtcExpected = new Promise((resolve) => {
    channel.onmessage = (event) => {
      collector.add(event.data);
      received += event.data.byteLength;
      if (received >= size) {
        channel.onmessage = null;
        const blob = collector.finish();
        resolve({ ended: now(), size: blob.size });
      }
    };
  });
}

function rtcDone() {
  return rtcExpected;
}

/**
 * Sender, with the flow control of the WebRTC samples: chunks of
 * min(maxMessageSize, 256 KiB), `bufferedAmountLowThreshold` of one chunk, and sending
 * paused above max(8 chunks, 1 MiB) buffered. Reads the file 1 MiB at a time, one ahead.
 */
async function rtcSend(key) {
  const file = files.get(key);
  const chunk = Math.min(pc.sctp?.maxMessageSize || 65536, 256 * 1024);
  const highWater = Math.max(8 * chunk, MiB);
  channel.bufferedAmountLowThreshold = chunk;
  const started = now();
  const read = (at) => file.slice(at, Math.min(at + MiB, file.size)).arrayBuffer();
  let next = read(0);
  for (let offset = 0; offset < file.size;) {
    const buffer = await next;
    const end = offset + buffer.byteLength;
    if (end < file.size) next = read(end);
    for (let at = 0; at < buffer.byteLength; at += chunk) {
      if (channel.bufferedAmount > highWater) {
        await new Promise((resolve) =>
          channel.addEventListener('bufferedamountlow', resolve, { once: true }),
        );
      }
      channel.send(new Uint8Array(buffer, at, Math.min(chunk, buffer.byteLength - at)));
    }
    offset = end;
  }
  return { started, chunk, highWater };
}

function rtcClose() {
  channel?.close();
  pc?.close();
  pc = null;
  channel = null;
}

// ---- 8. swarm: seeding limits and the first byte -----------------------------------------

/** Sets this page's seeding limits (`max_upload_rate`, `max_concurrent_uploads`). */
function setUploadLimits(limits) {
  client.setUploadLimits(limits);
  return client.uploadLimits;
}

/** Sender of the bare first-byte baseline: answers each `want` with the file's first frame. */
async function rtcServeFirst(key) {
  const first = await files.get(key).slice(0, 65536).arrayBuffer();
  channel.onmessage = (event) => {
    if (event.data === 'want') channel.send(first);
  };
}

/** Receiver of the bare first-byte baseline: ms from asking to the first message. */
function rtcFirstMessage() {
  return new Promise((resolve) => {
    const started = performance.now();
    channel.onmessage = () => {
      channel.onmessage = null;
      resolve(performance.now() - started);
    };
    channel.send('want');
  });
}

// ---- 3. bare socket.io relays --------------------------------------------------------------

/**
 * The two relay baselines, both forwarded by the same socket.io server with no session
 * or checks:
 * - `binary`: ArrayBuffer frames, at most `window` frames unacknowledged, the receiver
 *   acknowledging every `ackEvery` frames (a sliding window, like the SDK's);
 * - `base64`: the reference documentation's scheme: base64 text frames, sent in batches of
 *   `window` frames, each batch acknowledged before the next is sent.
 */
const encodeBase64 = (bytes) => {
  if (typeof bytes.toBase64 === 'function') return bytes.toBase64();
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  }
  return btoa(text);
};
const decodeBase64 = (text) => {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
};

let relayExpected = null;

/** Receiver: expects `size` bytes from `senderId`; acknowledges as the mode says. */
function relayExpect(size, senderId, mode, ackEvery) {
  const socket = client.socket;
  const collector = blobCollector();
  let received = 0;
  let frames = 0;
  relayExpected = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('relay baseline timed out')), 600_000);
    const onFrame = (frame) => {
      const bytes = mode === 'base64' ? decodeBase64(frame.data) : new Uint8Array(frame.data);
      if (frame.seq !== frames) {
        socket.off('bench:frame', onFrame);
        reject(new Error(`frame ${frame.seq} out of order`));
        return;
      }
      frames += 1;
      collector.add(bytes);
      received += bytes.byteLength;
      const last = received >= size;
      if (last || frames % ackEvery === 0) {
        socket.emit('bench:forward', senderId, 'bench:ack', { through: frames - 1 });
      }
      if (last) {
        clearTimeout(timer);
        socket.off('bench:frame', onFrame);
        const blob = collector.finish();
        resolve({ ended: now(), size: blob.size });
      }
    };
    socket.on('bench:frame', onFrame);
  });
}

function relayDone() {
  return relayExpected;
}

/** Sender of both relay baselines; `frameSize` bytes per frame. */
async function relaySend(key, receiverId, mode, frameSize, window) {
  const socket = client.socket;
  const file = files.get(key);
  let acked = -1;
  let wake = null;
  const onAck = ({ through }) => {
    if (through > acked) acked = through;
    wake?.();
  };
  socket.on('bench:ack', onAck);
  // Sliding window: frame `seq` may go once `seq - window` is acknowledged. Batches: frame
  // `seq` may go once the whole previous batch is acknowledged.
  const mayGo = (seq) =>
    mode === 'base64' ? acked >= Math.floor(seq / window) * window - 1 : seq - acked <= window;
  const started = now();
  try {
    const read = (at) => file.slice(at, Math.min(at + MiB, file.size)).arrayBuffer();
    let next = read(0);
    let seq = 0;
    for (let offset = 0; offset < file.size;) {
      const buffer = await next;
      const end = offset + buffer.byteLength;
      if (end < file.size) next = read(end);
      for (let at = 0; at < buffer.byteLength; at += frameSize) {
        while (!mayGo(seq)) await new Promise((resolve) => (wake = resolve));
        const bytes = new Uint8Array(buffer.slice(at, at + frameSize));
        const data = mode === 'base64' ? encodeBase64(bytes) : bytes.buffer;
        socket.emit('bench:forward', receiverId, 'bench:frame', { seq, data });
        seq += 1;
      }
      offset = end;
    }
    return { started };
  } finally {
    socket.off('bench:ack', onAck);
  }
}

// ---- 6. heap ---------------------------------------------------------------------------------

let heapTimer = null;
let heapPeak = 0;
const usedHeap = () => performance.memory.usedJSHeapSize;

/** Collects garbage and returns the used JS heap of this page. */
async function heapNow() {
  globalThis.gc?.();
  await nextTask();
  globalThis.gc?.();
  return usedHeap();
}

/** Starts sampling the used JS heap every 20 ms. */
function heapStart() {
  heapPeak = usedHeap();
  heapTimer = setInterval(() => {
    heapPeak = Math.max(heapPeak, usedHeap());
  }, 20);
}

function heapStop() {
  clearInterval(heapTimer);
  heapPeak = Math.max(heapPeak, usedHeap());
  return heapPeak;
}

// ---- 7. room load ---------------------------------------------------------------------------

let room = null;

function clearRoom() {
  room?.remove();
  room = null;
}

/** Polls once a frame until `done()` holds; rejects after `timeoutMs`. */
async function untilFrame(done, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error('timed out');
    await nextFrame();
  }
}

/**
 * Renders one `<chat-file-card>` per `[FILE]` message and times until every card shows
 * its initial state, including what the server said about its copy (that area appears
 * once the status batch is answered). Counts the `chat:file:*` requests it took.
 */
async function renderCards(messages) {
  clearRoom();
  emitted = {};
  requestLog = [];
  counting = true;
  try {
    return await timeCards(messages);
  } finally {
    counting = false;
  }
}

/** Renders the cards and waits until each shows its initial state (see `renderCards`). */
async function timeCards(messages) {
  const started = performance.now();
  room = document.createElement('section');
  const cards = messages.map((message) => {
    const card = document.createElement('chat-file-card');
    card.message = message;
    return card;
  });
  room.append(...cards);
  document.body.append(room);
  const drawn = (card) => card.shadowRoot?.querySelector('[part="base"]') != null;
  const shown = (card) =>
    card.hasAttribute('state') && card.shadowRoot?.querySelector('[part="server"]') != null;
  let drawnMs = null;
  await untilFrame(() => {
    if (drawnMs === null && cards.every(drawn)) drawnMs = performance.now() - started;
    return cards.every(shown);
  }, 30_000);
  await nextFrame();
  const ms = performance.now() - started;
  const requests = Object.values(emitted).reduce((sum, n) => sum + n, 0);
  const timeline = requestLog.map((r) => ({
    event: r.event,
    sent: r.sent - started,
    answered: r.answered === null ? null : r.answered - started,
  }));
  return { ms, drawnMs, requests, events: { ...emitted }, timeline, states: countStates(cards) };
}

function countStates(cards) {
  const states = {};
  for (const card of cards) states[card.state] = (states[card.state] ?? 0) + 1;
  return states;
}

/** The baseline: the same number of plain text messages, timed to the next frame. */
async function renderText(messages) {
  clearRoom();
  const started = performance.now();
  room = document.createElement('section');
  for (const message of messages) {
    const row = document.createElement('div');
    const sender = document.createElement('b');
    sender.textContent = message.sender;
    const text = document.createElement('span');
    text.textContent = ` ${message.content}`;
    row.append(sender, text);
    room.append(row);
  }
  document.body.append(room);
  await nextFrame();
  await nextFrame();
  return { ms: performance.now() - started };
}

window.bench = {
  init,
  setUploadLimits,
  rtcServeFirst,
  rtcFirstMessage,
  makeFile,
  dropFile,
  hashProduct,
  hashBaseline,
  share,
  receive,
  forget,
  rtcOffer,
  rtcAnswer,
  rtcAccept,
  rtcOpen,
  rtcExpect,
  rtcDone,
  rtcSend,
  rtcClose,
  relayExpect,
  relayDone,
  relaySend,
  heapNow,
  heapStart,
  heapStop,
  renderCards,
  renderText,
  clearRoom,
  version: () => sdk.DEFAULT_CONFIG !== undefined,
};
