/**
 * WebRTC signalling: offers, answers and ICE candidates pass through the server, but
 * only between two members of the file's room.
 */
import type { FileSignalPayload, SignalType } from '../../src/core/wire/protocol.js';
import { requireFileInRoom, requireMember } from '../access.js';
import { ChatFilesError } from '../errors.js';
import { asObject, optionalId, requireId, requireOneOf } from '../validate.js';
import { roomSockets, type HandlerTable, type SocketScope } from './socket-scope.js';

/** Largest `signal_data`, as JSON; SDP offers are a few KiB, so this is generous. */
export const MAX_SIGNAL_BYTES = 64 * 1024;

/**
 * Deepest `signal_data` nesting: an SDP or ICE candidate object is one or two levels, so
 * anything deeper is refused before it is serialized or forwarded.
 */
export const MAX_SIGNAL_DEPTH = 6;

const SIGNAL_TYPES: readonly SignalType[] = ['offer', 'answer', 'ice-candidate'];

function parseSignal(raw: unknown): FileSignalPayload {
  const fields = asObject(raw);
  const parsed: FileSignalPayload = {
    target_username: requireId(fields, 'target_username'),
    room_id: requireId(fields, 'room_id'),
    file_id: requireId(fields, 'file_id'),
    signal_type: requireOneOf(fields, 'signal_type', SIGNAL_TYPES),
    signal_data: fields.signal_data,
    target_socket_id: optionalId(fields, 'target_socket_id'),
  };
  // The shape (depth, values) was bounded before parsing, so serializing cannot recurse deeply.
  const json = JSON.stringify(fields.signal_data);
  if (json === undefined) throw new ChatFilesError('ERR_VALIDATION', 'signal_data is required.');
  if (Buffer.byteLength(json) > MAX_SIGNAL_BYTES) {
    throw new ChatFilesError('ERR_TOO_LARGE', `signal_data is over ${MAX_SIGNAL_BYTES} bytes.`);
  }
  return parsed;
}

async function signal({ ctx, io, socket, user }: SocketScope, p: FileSignalPayload) {
  await requireMember(ctx, user.username, p.room_id);
  const file = await requireFileInRoom(ctx, p.file_id, p.room_id);
  if (!(await ctx.host.isMember(p.target_username, p.room_id))) {
    throw new ChatFilesError('ERR_NOT_MEMBER', 'The target is not a member of this room.');
  }
  let targets = (await roomSockets(io, p.room_id, p.target_username)).filter(
    (s) => s.id !== socket.id,
  );
  if (p.target_socket_id !== undefined) {
    targets = targets.filter((s) => s.id === p.target_socket_id);
  }
  if (targets.length === 0) {
    throw new ChatFilesError('ERR_NOT_FOUND', 'The target is not online in this room.');
  }
  const message = {
    from_username: user.username,
    from_socket_id: socket.id,
    room_id: p.room_id,
    file_id: file.id,
    signal_type: p.signal_type,
    signal_data: p.signal_data,
  };
  for (const target of targets) io.to(target.id).emit('chat:file:signal', message);
  return { delivered: targets.length };
}

/** The last signal of each socket still being checked. */
const inFlight = new WeakMap<object, Promise<unknown>>();

/**
 * Runs the signals of one socket one after another. Checking a signal awaits the store and
 * `fetchSockets` (a round trip to every node behind an adapter), so without this a later
 * ICE candidate could overtake its offer, which the peer cannot apply.
 */
function inArrivalOrder<T>(socket: object, work: () => Promise<T>): Promise<T> {
  const previous = inFlight.get(socket) ?? Promise.resolve();
  const next = previous.then(work, work);
  inFlight.set(
    socket,
    next.catch(() => undefined),
  );
  return next;
}

/** Handlers of signalling events. */
export const signalHandlers: HandlerTable = {
  'chat:file:signal': {
    parse: parseSignal,
    rateLimit: 'signal',
    limits: { maxDepth: MAX_SIGNAL_DEPTH, maxValues: 512, maxBytes: MAX_SIGNAL_BYTES + 4096 },
    handle: (scope, p) => inArrivalOrder(scope.socket, () => signal(scope, p)),
  },
};
