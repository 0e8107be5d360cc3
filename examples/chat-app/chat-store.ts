/**
 * The reference chat app's own data: users, sessions, rooms, membership, invitations and
 * messages. SQLite in the data directory by default; PostgreSQL when several nodes share
 * it. The chat-files SDK keeps its data separately.
 */
import { createHash } from 'node:crypto';

/** A room row. */
export interface Room {
  id: string;
  name: string;
  type: 'group' | 'federated';
  created_by: string;
  created_at: number;
  /** Peer origins for a federated room. */
  federated_with: string[];
  deleted: boolean;
}

/** A room as listed for one user. */
export interface ListedRoom extends Room {
  member: boolean;
  members: string[];
}

/** A message row. */
export interface StoredMessage {
  id: string;
  room_id: string;
  sender: string;
  content: string;
  created_at: number;
}

/** What creating a room needs. */
export interface NewRoom {
  name: string;
  createdBy: string;
  members: string[];
  federatedWith: string[];
  id?: string;
}

/** The id of the room every user belongs to. */
export const GENERAL_ROOM_ID = 'general';

/** A row of the rooms table as either database returns it. */
export interface RoomRow {
  id: string;
  name: string;
  type: string;
  created_by: string;
  /** PostgreSQL returns BIGINT as text. */
  created_at: number | string;
  federated_with_json: string;
  /** SQLite stores booleans as 0 or 1. */
  deleted: boolean | number;
}

/** A {@link Room} from its row. */
export const roomFromRow = (row: RoomRow): Room => ({
  id: row.id,
  name: row.name,
  type: row.type === 'federated' ? 'federated' : 'group',
  created_by: row.created_by,
  created_at: Number(row.created_at),
  federated_with: JSON.parse(row.federated_with_json) as string[],
  deleted: row.deleted === true || row.deleted === 1,
});

/** Storage of the reference app; every method may be called from any node. */
export interface ChatStore {
  /** Creates the user if new (joining `general`) and updates their groups. */
  upsertUser(username: string, groups: string[]): Promise<void>;
  /** Starts a session and returns its bearer token (only its hash is stored). */
  createSession(username: string): Promise<string>;
  /** The username behind a session token, or `null`. */
  sessionUser(token: string): Promise<string | null>;
  /** Ends a session. */
  deleteSession(token: string): Promise<void>;
  /** Creates a room with its creator and `members` in it. */
  createRoom(input: NewRoom): Promise<Room>;
  /**
   * Creates a room a peer instance announced: same id as there, type `federated`, shared
   * with `origin`, and no members yet (local users join it themselves).
   */
  createFederatedRoom(input: { id: string; name: string; origin: string }): Promise<Room>;
  /** Renames a room. */
  renameRoom(id: string, name: string): Promise<void>;
  /** A room by id, deleted ones included; `null` when unknown. */
  getRoom(id: string): Promise<Room | null>;
  /**
   * Live rooms `username` may see: those they belong to, are invited to, `general`, and
   * federated rooms (open to this instance's users).
   */
  listRooms(username: string): Promise<ListedRoom[]>;
  /** Adds a member; returns false when already one. */
  join(roomId: string, username: string): Promise<boolean>;
  /** Records that `username` may join `roomId`. */
  invite(roomId: string, username: string, invitedBy: string): Promise<void>;
  /** Whether `username` holds an invitation to `roomId`. */
  isInvited(roomId: string, username: string): Promise<boolean>;
  /** Whether the user is a member of a live room. */
  isMember(roomId: string, username: string): Promise<boolean>;
  /** Ids of the live rooms the user belongs to. */
  roomsOf(username: string): Promise<string[]>;
  /** Marks a room deleted (its messages stay for the record). */
  deleteRoom(id: string): Promise<void>;
  /** Stores a message. */
  addMessage(roomId: string, sender: string, content: string): Promise<StoredMessage>;
  /** The latest `limit` messages of a room (before `before`, epoch ms), oldest first. */
  messages(roomId: string, limit?: number, before?: number): Promise<StoredMessage[]>;
  /** Answers when the database does (for readiness checks). */
  ping(): Promise<void>;
  /** Closes the database. */
  close(): Promise<void>;
}

/** Sessions are stored by this hash of their token, never the token itself. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
