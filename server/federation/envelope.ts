/**
 * What instances send each other: a signed JSON envelope announcing a federated room,
 * carrying a message (text, or a file object with a readable text fallback), or telling
 * that a file's shares were revoked. Unknown fields are ignored so newer senders stay
 * readable; missing or mistyped known fields are refused with the field's name.
 */
import { parseFederatedFile, type FederatedFile } from '../../src/core/wire/federated-file.js';

/** Envelope schema version; receivers accept what they know and ignore the rest. */
export const ENVELOPE_VERSION = 1;

/** A room that spans instances; ids are the same on every instance. */
export interface RoomEnvelope {
  type: 'room';
  room: { id: string; name: string };
}

/** A chat message from a user of the sending instance. */
export interface MessageEnvelope {
  type: 'message';
  /** Unique per sending instance; receivers drop duplicates. */
  id: string;
  room_id: string;
  /** Username on the sending instance. */
  sender: string;
  /** Plain text. For a file: a readable fallback with name, size and link. */
  text: string;
  /** The file, for receivers that understand file objects. */
  file?: FederatedFile;
  /** The file's id on the sending instance (revocations name it). */
  file_id?: string;
  created_at: number;
}

/** Every share of a file was revoked at its origin. */
export interface RevokeEnvelope {
  type: 'revoke';
  room_id: string;
  file_id: string;
}

/** Any envelope. */
export type Envelope = RoomEnvelope | MessageEnvelope | RevokeEnvelope;

/** Why an envelope was refused; `field` names what was wrong. */
export class EnvelopeError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'EnvelopeError';
  }
}

const ID = /^[\w.:@-]{1,200}$/;
const MAX_TEXT = 8000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function id(raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || !ID.test(value))
    throw new EnvelopeError(field, 'must be an id (letters, digits, ._:@-; at most 200)');
  return value;
}

function text(raw: Record<string, unknown>, field: string, max: number): string {
  const value = raw[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new EnvelopeError(field, `must be a string of 1 to ${max} characters`);
  }
  return value;
}

/**
 * Validates an untrusted envelope from `senderOrigin`. File URLs must be on the sender's
 * origin. Returns a clean copy holding only known fields.
 */
export function parseEnvelope(input: unknown, senderOrigin: string): Envelope {
  if (!isObject(input)) throw new EnvelopeError('envelope', 'must be a JSON object');
  switch (input.type) {
    case 'room': {
      if (!isObject(input.room)) throw new EnvelopeError('room', 'must be an object');
      return {
        type: 'room',
        room: { id: id(input.room, 'id'), name: text(input.room, 'name', 80) },
      };
    }
    case 'message': {
      const created = input.created_at;
      if (typeof created !== 'number' || !Number.isSafeInteger(created) || created <= 0) {
        throw new EnvelopeError('created_at', 'must be a timestamp in milliseconds');
      }
      const envelope: MessageEnvelope = {
        type: 'message',
        id: id(input, 'id'),
        room_id: id(input, 'room_id'),
        sender: id(input, 'sender'),
        text: text(input, 'text', MAX_TEXT),
        created_at: created,
      };
      if (input.file !== undefined) {
        try {
          envelope.file = parseFederatedFile(input.file, { expectedOrigin: senderOrigin });
        } catch (error) {
          throw new EnvelopeError('file', (error as Error).message);
        }
        envelope.file_id = id(input, 'file_id');
      }
      return envelope;
    }
    case 'revoke':
      return { type: 'revoke', room_id: id(input, 'room_id'), file_id: id(input, 'file_id') };
    default:
      throw new EnvelopeError('type', 'must be "room", "message" or "revoke"');
  }
}

/** Serializes an envelope for sending. */
export function serializeEnvelope(envelope: Envelope): string {
  return JSON.stringify({ v: ENVELOPE_VERSION, ...envelope });
}
