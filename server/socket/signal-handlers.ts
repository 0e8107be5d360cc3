/**
 * WebRTC signalling: offers, answers and ICE candidates pass through the server, but
 * only between two members of the file's room.
 */
import type { SignalType } from '../../src/core/protocol.js';
import { requireFileInRoom, requireMember } from '../access.js';
import { ChatFilesError } from '../errors.js';
import { asObject, optionalId, requireId, requireOneOf } from '../validate.js';
import { roomSockets, type HandlerTable, type SocketScope } from './socket-scope.js';

/** Largest `signal_data`, as JSON; SDP offers are a few KiB, so this is generous. */
export const MAX_SIGNAL_BYTES = 64 * 1024;

const SIGNAL_TYPES: readonly SignalType[] = ['offer', 'answer', 'ice-candidate'];

async function signal({ ctx, io, socket, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const targetUsername = requireId(fields, 'target_username');
  const roomId = requireId(fields, 'room_id');
  const fileId = requireId(fields, 'file_id');
  const signalType = requireOneOf(fields, 'signal_type', SIGNAL_TYPES);
  const targetSocketId = optionalId(fields, 'target_socket_id');
  const json = JSON.stringify(fields.signal_data);
  if (json === undefined) throw new ChatFilesError('ERR_VALIDATION', 'signal_data is required.');
  if (Buffer.byteLength(json) > MAX_SIGNAL_BYTES) {
    throw new ChatFilesError('ERR_TOO_LARGE', `signal_data is over ${MAX_SIGNAL_BYTES} bytes.`);
  }

  await requireMember(ctx, user.username, roomId);
  const file = await requireFileInRoom(ctx, fileId, roomId);
  if (!(await ctx.host.isMember(targetUsername, roomId))) {
    throw new ChatFilesError('ERR_NOT_MEMBER', 'The target is not a member of this room.');
  }
  let targets = (await roomSockets(io, roomId, targetUsername)).filter((s) => s.id !== socket.id);
  if (targetSocketId !== undefined) targets = targets.filter((s) => s.id === targetSocketId);
  if (targets.length === 0) {
    throw new ChatFilesError('ERR_NOT_FOUND', 'The target is not online in this room.');
  }
  const message = {
    from_username: user.username,
    from_socket_id: socket.id,
    room_id: roomId,
    file_id: file.id,
    signal_type: signalType,
    signal_data: fields.signal_data,
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
  'chat:file:signal': (scope, payload) =>
    inArrivalOrder(scope.socket, () => signal(scope, payload)),
};
