/**
 * The reference chat app's store in one SQLite database (WAL) in the data directory: the
 * single-node default.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import {
  GENERAL_ROOM_ID,
  hashToken,
  roomFromRow,
  type RoomRow,
  type ChatStore,
  type ListedRoom,
  type NewRoom,
  type Room,
  type StoredMessage,
} from './chat-store.js';

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
CREATE TABLE IF NOT EXISTS room_invitations (
  room_id TEXT NOT NULL REFERENCES rooms(id),
  username TEXT NOT NULL,
  invited_by TEXT NOT NULL,
  invited_at INTEGER NOT NULL,
  PRIMARY KEY (room_id, username)
);
`;

/** The reference app's store on SQLite. */
export class SqliteChatStore implements ChatStore {
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
  async upsertUser(username: string, groups: string[]): Promise<void> {
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
  }

  /** Starts a session and returns its bearer token (only its hash is stored). */
  async createSession(username: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare(`INSERT INTO sessions (token_hash, username, created_at) VALUES (?, ?, ?)`)
      .run(hashToken(token), username, Date.now());
    return token;
  }

  /** The username behind a session token, or `null`. */
  async sessionUser(token: string): Promise<string | null> {
    const row = this.db
      .prepare(`SELECT username FROM sessions WHERE token_hash = ?`)
      .get(hashToken(token)) as { username: string } | undefined;
    return row?.username ?? null;
  }

  /** Ends a session. */
  async deleteSession(token: string): Promise<void> {
    this.db.prepare(`DELETE FROM sessions WHERE token_hash = ?`).run(hashToken(token));
  }

  /** Creates a room with its creator and `members` in it. */
  async createRoom(input: NewRoom): Promise<Room> {
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
    return (await this.getRoom(id))!;
  }

  /**
   * Creates a room a peer instance announced: same id as there, type `federated`, shared
   * with `origin`, and no members yet (local users join it themselves).
   */
  async createFederatedRoom(input: { id: string; name: string; origin: string }): Promise<Room> {
    this.db
      .prepare(
        `INSERT INTO rooms (id, name, type, created_by, created_at, federated_with_json) VALUES (?, ?, 'federated', ?, ?, ?)`,
      )
      .run(input.id, input.name, input.origin, Date.now(), JSON.stringify([input.origin]));
    return (await this.getRoom(input.id))!;
  }

  /** Renames a room. */
  async renameRoom(id: string, name: string): Promise<void> {
    this.db.prepare(`UPDATE rooms SET name = ? WHERE id = ?`).run(name, id);
  }

  /** A room by id, deleted ones included; `null` when unknown. */
  async getRoom(id: string): Promise<Room | null> {
    const row = this.db.prepare(`SELECT * FROM rooms WHERE id = ?`).get(id) as RoomRow | undefined;
    return row ? roomFromRow(row) : null;
  }

  async listRooms(username: string): Promise<ListedRoom[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM rooms r WHERE r.deleted = 0 AND (
           r.id = ? OR r.type = 'federated'
           OR EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.username = ?)
           OR EXISTS (SELECT 1 FROM room_invitations i WHERE i.room_id = r.id AND i.username = ?)
         ) ORDER BY r.created_at`,
      )
      .all(GENERAL_ROOM_ID, username, username) as RoomRow[];
    const membersOf = this.db.prepare(
      `SELECT username FROM room_members WHERE room_id = ? ORDER BY joined_at`,
    );
    return rows.map((row) => {
      const members = (membersOf.all(row.id) as Array<{ username: string }>).map((m) => m.username);
      return { ...roomFromRow(row), member: members.includes(username), members };
    });
  }

  /** Adds a member; returns false when already one. */
  async join(roomId: string, username: string): Promise<boolean> {
    const info = this.db
      .prepare(`INSERT OR IGNORE INTO room_members (room_id, username, joined_at) VALUES (?, ?, ?)`)
      .run(roomId, username, Date.now());
    return info.changes > 0;
  }

  async invite(roomId: string, username: string, invitedBy: string): Promise<void> {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO room_invitations (room_id, username, invited_by, invited_at) VALUES (?, ?, ?, ?)`,
      )
      .run(roomId, username, invitedBy, Date.now());
  }

  async isInvited(roomId: string, username: string): Promise<boolean> {
    return (
      this.db
        .prepare(`SELECT 1 FROM room_invitations WHERE room_id = ? AND username = ?`)
        .get(roomId, username) !== undefined
    );
  }

  /** Whether the user is a member of a live room. */
  async isMember(roomId: string, username: string): Promise<boolean> {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE m.room_id = ? AND m.username = ? AND r.deleted = 0`,
        )
        .get(roomId, username) !== undefined
    );
  }

  /** Room ids the user belongs to. */
  async roomsOf(username: string): Promise<string[]> {
    return (
      this.db
        .prepare(
          `SELECT m.room_id FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE m.username = ? AND r.deleted = 0`,
        )
        .all(username) as Array<{ room_id: string }>
    ).map((r) => r.room_id);
  }

  /** Marks a room deleted (its messages stay for the record). */
  async deleteRoom(id: string): Promise<void> {
    this.db.prepare(`UPDATE rooms SET deleted = 1 WHERE id = ?`).run(id);
  }

  /** Stores a message. */
  async addMessage(roomId: string, sender: string, content: string): Promise<StoredMessage> {
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
  async messages(roomId: string, limit = 200, before?: number): Promise<StoredMessage[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM messages WHERE room_id = ? AND created_at < ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(roomId, before ?? Number.MAX_SAFE_INTEGER, limit) as StoredMessage[];
    return rows.reverse();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
