/**
 * The reference chat app's own data: users, sessions, rooms, membership and messages,
 * in one SQLite database (WAL). The chat-files SDK keeps its data separately.
 */
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import Database from 'better-sqlite3';

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

/** A message row. */
export interface StoredMessage {
  id: string;
  room_id: string;
  sender: string;
  content: string;
  created_at: number;
}

/** A user row. */
export interface User {
  username: string;
  groups: string[];
  created_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY,
  groups_json TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES users(username),
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rooms (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT 'group',
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  federated_with_json TEXT NOT NULL DEFAULT '[]',
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS room_members (
  room_id TEXT NOT NULL REFERENCES rooms(id),
  username TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (room_id, username)
);
CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES rooms(id),
  sender TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_room ON messages(room_id, created_at);
`;

/** The id of the room every user belongs to. */
export const GENERAL_ROOM_ID = 'general';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

interface RoomRow {
  id: string;
  name: string;
  type: string;
  created_by: string;
  created_at: number;
  federated_with_json: string;
  deleted: number;
}

const toRoom = (row: RoomRow): Room => ({
  id: row.id,
  name: row.name,
  type: row.type === 'federated' ? 'federated' : 'group',
  created_by: row.created_by,
  created_at: row.created_at,
  federated_with: JSON.parse(row.federated_with_json) as string[],
  deleted: row.deleted === 1,
});

/** Synchronous SQLite-backed store of the reference chat app. */
export class ChatStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.db
      .prepare(
        `INSERT OR IGNORE INTO rooms (id, name, type, created_by, created_at) VALUES (?, 'general', 'group', 'system', ?)`,
      )
      .run(GENERAL_ROOM_ID, Date.now());
  }

  /** Creates the user if new (joining `general`), updates groups, and returns it. */
  upsertUser(username: string, groups: string[]): User {
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO users (username, groups_json, created_at) VALUES (?, ?, ?)
           ON CONFLICT(username) DO UPDATE SET groups_json = excluded.groups_json`,
        )
        .run(username, JSON.stringify(groups), now);
      this.db
        .prepare(
          `INSERT OR IGNORE INTO room_members (room_id, username, joined_at) VALUES (?, ?, ?)`,
        )
        .run(GENERAL_ROOM_ID, username, now);
    })();
    return this.getUser(username)!;
  }

  /** The user, or `null`. */
  getUser(username: string): User | null {
    const row = this.db.prepare(`SELECT * FROM users WHERE username = ?`).get(username) as
      { username: string; groups_json: string; created_at: number } | undefined;
    return row
      ? { username: row.username, groups: JSON.parse(row.groups_json), created_at: row.created_at }
      : null;
  }

  /** Starts a session and returns its bearer token (only its hash is stored). */
  createSession(username: string): string {
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare(`INSERT INTO sessions (token_hash, username, created_at) VALUES (?, ?, ?)`)
      .run(hashToken(token), username, Date.now());
    return token;
  }

  /** The username behind a session token, or `null`. */
  sessionUser(token: string): string | null {
    const row = this.db
      .prepare(`SELECT username FROM sessions WHERE token_hash = ?`)
      .get(hashToken(token)) as { username: string } | undefined;
    return row?.username ?? null;
  }

  /** Ends a session. */
  deleteSession(token: string): void {
    this.db.prepare(`DELETE FROM sessions WHERE token_hash = ?`).run(hashToken(token));
  }

  /** Creates a room with its creator and `members` in it. */
  createRoom(input: {
    name: string;
    createdBy: string;
    members: string[];
    federatedWith: string[];
    id?: string;
  }): Room {
    const id = input.id ?? randomUUID();
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO rooms (id, name, type, created_by, created_at, federated_with_json) VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          input.name,
          input.federatedWith.length > 0 ? 'federated' : 'group',
          input.createdBy,
          now,
          JSON.stringify(input.federatedWith),
        );
      const add = this.db.prepare(
        `INSERT OR IGNORE INTO room_members (room_id, username, joined_at) VALUES (?, ?, ?)`,
      );
      for (const member of new Set([input.createdBy, ...input.members])) add.run(id, member, now);
    })();
    return this.getRoom(id)!;
  }

  /**
   * Creates a room a peer instance announced: same id as there, type `federated`, shared
   * with `origin`, and no members yet (local users join it themselves).
   */
  createFederatedRoom(input: { id: string; name: string; origin: string }): Room {
    this.db
      .prepare(
        `INSERT INTO rooms (id, name, type, created_by, created_at, federated_with_json) VALUES (?, ?, 'federated', ?, ?, ?)`,
      )
      .run(input.id, input.name, input.origin, Date.now(), JSON.stringify([input.origin]));
    return this.getRoom(input.id)!;
  }

  /** Renames a room. */
  renameRoom(id: string, name: string): void {
    this.db.prepare(`UPDATE rooms SET name = ? WHERE id = ?`).run(name, id);
  }

  /** A room by id, deleted ones included; `null` when unknown. */
  getRoom(id: string): Room | null {
    const row = this.db.prepare(`SELECT * FROM rooms WHERE id = ?`).get(id) as RoomRow | undefined;
    return row ? toRoom(row) : null;
  }

  /** A live room by id or, failing that, by name. */
  findRoom(idOrName: string): Room | null {
    const row = (this.db
      .prepare(`SELECT * FROM rooms WHERE id = ? AND deleted = 0`)
      .get(idOrName) ??
      this.db
        .prepare(`SELECT * FROM rooms WHERE name = ? AND deleted = 0 ORDER BY created_at LIMIT 1`)
        .get(idOrName)) as RoomRow | undefined;
    return row ? toRoom(row) : null;
  }

  /** Live rooms with a flag saying whether `username` is a member. */
  listRooms(username: string): Array<Room & { member: boolean; members: string[] }> {
    const rows = this.db
      .prepare(`SELECT * FROM rooms WHERE deleted = 0 ORDER BY created_at`)
      .all() as RoomRow[];
    const membersOf = this.db.prepare(
      `SELECT username FROM room_members WHERE room_id = ? ORDER BY joined_at`,
    );
    return rows.map((row) => {
      const members = (membersOf.all(row.id) as Array<{ username: string }>).map((m) => m.username);
      return { ...toRoom(row), member: members.includes(username), members };
    });
  }

  /** Adds a member; returns false when already one. */
  join(roomId: string, username: string): boolean {
    const info = this.db
      .prepare(`INSERT OR IGNORE INTO room_members (room_id, username, joined_at) VALUES (?, ?, ?)`)
      .run(roomId, username, Date.now());
    return info.changes > 0;
  }

  /** Whether the user is a member of a live room. */
  isMember(roomId: string, username: string): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE m.room_id = ? AND m.username = ? AND r.deleted = 0`,
        )
        .get(roomId, username) !== undefined
    );
  }

  /** Room ids the user belongs to. */
  roomsOf(username: string): string[] {
    return (
      this.db
        .prepare(
          `SELECT m.room_id FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE m.username = ? AND r.deleted = 0`,
        )
        .all(username) as Array<{ room_id: string }>
    ).map((r) => r.room_id);
  }

  /** Marks a room deleted (its messages stay for the record). */
  deleteRoom(id: string): void {
    this.db.prepare(`UPDATE rooms SET deleted = 1 WHERE id = ?`).run(id);
  }

  /** Stores a message. */
  addMessage(roomId: string, sender: string, content: string): StoredMessage {
    const message: StoredMessage = {
      id: randomUUID(),
      room_id: roomId,
      sender,
      content,
      created_at: Date.now(),
    };
    this.db
      .prepare(
        `INSERT INTO messages (id, room_id, sender, content, created_at) VALUES (?, ?, ?, ?, ?)`,
      )
      .run(message.id, message.room_id, message.sender, message.content, message.created_at);
    return message;
  }

  /** The latest `limit` messages of a room, oldest first. */
  messages(roomId: string, limit = 200, before?: number): StoredMessage[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM messages WHERE room_id = ? AND created_at < ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(roomId, before ?? Number.MAX_SAFE_INTEGER, limit) as StoredMessage[];
    return rows.reverse();
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}
