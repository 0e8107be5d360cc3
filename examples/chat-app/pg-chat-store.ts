/**
 * The reference chat app's store on PostgreSQL (`DATABASE_URL`), shared by every node so
 * that a session, room or message made through one node is seen by all of them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
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
CREATE TABLE IF NOT EXISTS chat_users (
  username TEXT PRIMARY KEY,
  groups_json TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_sessions (
  token_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES chat_users(username),
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_rooms (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT 'group',
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  federated_with_json TEXT NOT NULL DEFAULT '[]',
  deleted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS chat_room_members (
  room_id TEXT NOT NULL REFERENCES chat_rooms(id),
  username TEXT NOT NULL,
  joined_at BIGINT NOT NULL,
  PRIMARY KEY (room_id, username)
);
CREATE TABLE IF NOT EXISTS chat_room_invitations (
  room_id TEXT NOT NULL REFERENCES chat_rooms(id),
  username TEXT NOT NULL,
  invited_by TEXT NOT NULL,
  invited_at BIGINT NOT NULL,
  PRIMARY KEY (room_id, username)
);
CREATE TABLE IF NOT EXISTS chat_messages (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  room_id TEXT NOT NULL REFERENCES chat_rooms(id),
  sender TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_messages_room ON chat_messages(room_id, created_at);
`;

/** Any constant: nodes starting together take this advisory lock to create the schema once. */
const SCHEMA_LOCK = 0x63686174; // "chat"

interface MessageRow {
  id: string;
  room_id: string;
  sender: string;
  content: string;
  created_at: string;
}

const toMessage = (row: MessageRow): StoredMessage => ({
  id: row.id,
  room_id: row.room_id,
  sender: row.sender,
  content: row.content,
  created_at: Number(row.created_at),
});

/** The reference app's store on PostgreSQL. Call {@link PgChatStore.open}. */
export class PgChatStore implements ChatStore {
  private readonly pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** Connects, creates the schema when missing, and makes sure `general` exists. */
  static async open(connectionString: string, poolSize = 10): Promise<PgChatStore> {
    const pool = new pg.Pool({ connectionString, max: poolSize });
    // An idle client that loses its connection must not take the process down.
    pool.on('error', () => undefined);
    const store = new PgChatStore(pool);
    try {
      await store.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await client.query(SCHEMA);
        await client.query(
          `INSERT INTO chat_rooms (id, name, type, created_by, created_at) VALUES ($1, 'general', 'group', 'system', $2)
           ON CONFLICT (id) DO NOTHING`,
          [GENERAL_ROOM_ID, Date.now()],
        );
      });
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return store;
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async upsertUser(username: string, groups: string[]): Promise<void> {
    const now = Date.now();
    await this.transaction(async (client) => {
      await client.query(
        `INSERT INTO chat_users (username, groups_json, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (username) DO UPDATE SET groups_json = EXCLUDED.groups_json`,
        [username, JSON.stringify(groups), now],
      );
      await client.query(
        `INSERT INTO chat_room_members (room_id, username, joined_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [GENERAL_ROOM_ID, username, now],
      );
    });
  }

  async createSession(username: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.pool.query(
      `INSERT INTO chat_sessions (token_hash, username, created_at) VALUES ($1, $2, $3)`,
      [hashToken(token), username, Date.now()],
    );
    return token;
  }

  async sessionUser(token: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ username: string }>(
      `SELECT username FROM chat_sessions WHERE token_hash = $1`,
      [hashToken(token)],
    );
    return rows[0]?.username ?? null;
  }

  async deleteSession(token: string): Promise<void> {
    await this.pool.query(`DELETE FROM chat_sessions WHERE token_hash = $1`, [hashToken(token)]);
  }

  async createRoom(input: NewRoom): Promise<Room> {
    const id = input.id ?? randomUUID();
    const now = Date.now();
    await this.transaction(async (client) => {
      await client.query(
        `INSERT INTO chat_rooms (id, name, type, created_by, created_at, federated_with_json) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          id,
          input.name,
          input.federatedWith.length > 0 ? 'federated' : 'group',
          input.createdBy,
          now,
          JSON.stringify(input.federatedWith),
        ],
      );
      for (const member of new Set([input.createdBy, ...input.members])) {
        await client.query(
          `INSERT INTO chat_room_members (room_id, username, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [id, member, now],
        );
      }
    });
    return (await this.getRoom(id))!;
  }

  async createFederatedRoom(input: { id: string; name: string; origin: string }): Promise<Room> {
    await this.pool.query(
      `INSERT INTO chat_rooms (id, name, type, created_by, created_at, federated_with_json) VALUES ($1, $2, 'federated', $3, $4, $5)`,
      [input.id, input.name, input.origin, Date.now(), JSON.stringify([input.origin])],
    );
    return (await this.getRoom(input.id))!;
  }

  async renameRoom(id: string, name: string): Promise<void> {
    await this.pool.query(`UPDATE chat_rooms SET name = $2 WHERE id = $1`, [id, name]);
  }

  async getRoom(id: string): Promise<Room | null> {
    const { rows } = await this.pool.query<RoomRow>(`SELECT * FROM chat_rooms WHERE id = $1`, [id]);
    return rows[0] ? roomFromRow(rows[0]) : null;
  }

  async listRooms(username: string): Promise<ListedRoom[]> {
    const { rows } = await this.pool.query<RoomRow & { members: string[] | null }>(
      `SELECT r.*, (
         SELECT array_agg(m.username ORDER BY m.joined_at) FROM chat_room_members m WHERE m.room_id = r.id
       ) AS members
       FROM chat_rooms r WHERE NOT r.deleted AND (
         r.id = $1 OR r.type = 'federated'
         OR EXISTS (SELECT 1 FROM chat_room_members m WHERE m.room_id = r.id AND m.username = $2)
         OR EXISTS (SELECT 1 FROM chat_room_invitations i WHERE i.room_id = r.id AND i.username = $2)
       ) ORDER BY r.created_at`,
      [GENERAL_ROOM_ID, username],
    );
    return rows.map((row) => {
      const members = row.members ?? [];
      return { ...roomFromRow(row), member: members.includes(username), members };
    });
  }

  async join(roomId: string, username: string): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO chat_room_members (room_id, username, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [roomId, username, Date.now()],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async invite(roomId: string, username: string, invitedBy: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO chat_room_invitations (room_id, username, invited_by, invited_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [roomId, username, invitedBy, Date.now()],
    );
  }

  async isInvited(roomId: string, username: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `SELECT 1 FROM chat_room_invitations WHERE room_id = $1 AND username = $2`,
      [roomId, username],
    );
    return (rowCount ?? 0) > 0;
  }

  async isMember(roomId: string, username: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `SELECT 1 FROM chat_room_members m JOIN chat_rooms r ON r.id = m.room_id
       WHERE m.room_id = $1 AND m.username = $2 AND NOT r.deleted`,
      [roomId, username],
    );
    return (rowCount ?? 0) > 0;
  }

  async roomsOf(username: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ room_id: string }>(
      `SELECT m.room_id FROM chat_room_members m JOIN chat_rooms r ON r.id = m.room_id
       WHERE m.username = $1 AND NOT r.deleted`,
      [username],
    );
    return rows.map((r) => r.room_id);
  }

  async deleteRoom(id: string): Promise<void> {
    await this.pool.query(`UPDATE chat_rooms SET deleted = TRUE WHERE id = $1`, [id]);
  }

  async addMessage(roomId: string, sender: string, content: string): Promise<StoredMessage> {
    const message: StoredMessage = {
      id: randomUUID(),
      room_id: roomId,
      sender,
      content,
      created_at: Date.now(),
    };
    await this.pool.query(
      `INSERT INTO chat_messages (id, room_id, sender, content, created_at) VALUES ($1, $2, $3, $4, $5)`,
      [message.id, roomId, sender, content, message.created_at],
    );
    return message;
  }

  async messages(roomId: string, limit = 200, before?: number): Promise<StoredMessage[]> {
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT id, room_id, sender, content, created_at FROM chat_messages
       WHERE room_id = $1 AND created_at < $2 ORDER BY created_at DESC, seq DESC LIMIT $3`,
      [roomId, before ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return rows.map(toMessage).reverse();
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
