/**
 * {@link FederationStore} in SQL: `federation_nonces`, `federation_inbox`,
 * `federated_files` (peers' files, metadata only), `federation_offers` (files offered
 * to peers, once each) and `federation_outbox` (envelopes waiting for a peer).
 */
import type { FederatedFile } from '../../src/core/wire/federated-file.js';
import type { FederatedFileRecord, FederationStore, OutboxEntry } from './metadata-store.js';
import type { SqlDatabase } from './sql-database.js';

interface FederatedFileRow {
  id: string;
  room_id: string;
  origin: string;
  origin_file_id: string;
  sender: string;
  file_json: string;
  revoked_at: number | null;
  created_at: number;
}

const FEDERATED_COLUMNS =
  'id, room_id, origin, origin_file_id, sender, file_json, revoked_at, created_at';

const OUTBOX_COLUMNS = 'id, peer, envelope, attempts, next_attempt_at, created_at';

const toRecord = (row: FederatedFileRow): FederatedFileRecord => ({
  id: row.id,
  room_id: row.room_id,
  origin: row.origin,
  origin_file_id: row.origin_file_id,
  sender: row.sender,
  file: JSON.parse(row.file_json) as FederatedFile,
  revoked_at: row.revoked_at,
  created_at: row.created_at,
});

/** {@link FederationStore} on a {@link SqlDatabase}. */
export class SqlFederationStore implements FederationStore {
  constructor(private readonly db: SqlDatabase) {}

  claimNonce(origin: string, nonce: string, now: number, forgetBefore: number): Promise<boolean> {
    return this.db.atomic(async (db) => {
      await db.run(`DELETE FROM federation_nonces WHERE seen_at < ?`, [forgetBefore]);
      const added = await db.run(
        `INSERT INTO federation_nonces (origin, nonce, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
        [origin, nonce, now],
      );
      return added === 1;
    });
  }

  recordInbound(
    origin: string,
    envelopeId: string,
    now: number,
    forgetBefore: number,
  ): Promise<boolean> {
    return this.db.atomic(async (db) => {
      await db.run(`DELETE FROM federation_inbox WHERE received_at < ?`, [forgetBefore]);
      const added = await db.run(
        `INSERT INTO federation_inbox (origin, envelope_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
        [origin, envelopeId, now],
      );
      return added === 1;
    });
  }

  async forgetInbound(origin: string, envelopeId: string): Promise<void> {
    await this.db.run(`DELETE FROM federation_inbox WHERE origin = ? AND envelope_id = ?`, [
      origin,
      envelopeId,
    ]);
  }

  async createFile(record: FederatedFileRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO federated_files (${FEDERATED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        record.id,
        record.room_id,
        record.origin,
        record.origin_file_id,
        record.sender,
        JSON.stringify(record.file),
        record.revoked_at,
        record.created_at,
      ],
    );
  }

  async getFile(id: string): Promise<FederatedFileRecord | null> {
    const row = await this.db.get<FederatedFileRow>(
      `SELECT ${FEDERATED_COLUMNS} FROM federated_files WHERE id = ?`,
      [id],
    );
    return row ? toRecord(row) : null;
  }

  async deleteFile(id: string): Promise<void> {
    await this.db.run(`DELETE FROM federated_files WHERE id = ?`, [id]);
  }

  revokeFiles(input: {
    origin: string;
    origin_file_id: string;
    room_id: string;
    now: number;
  }): Promise<FederatedFileRecord[]> {
    return this.db.atomic(async (db) => {
      const rows = await db.all<FederatedFileRow>(
        `SELECT ${FEDERATED_COLUMNS} FROM federated_files
         WHERE origin = ? AND origin_file_id = ? AND room_id = ? AND revoked_at IS NULL
         ORDER BY created_at, id`,
        [input.origin, input.origin_file_id, input.room_id],
      );
      for (const row of rows) {
        await db.run(`UPDATE federated_files SET revoked_at = ? WHERE id = ?`, [input.now, row.id]);
      }
      return rows.map((row) => toRecord({ ...row, revoked_at: input.now }));
    });
  }

  async listFiles(roomIds: readonly string[], limit: number): Promise<FederatedFileRecord[]> {
    if (roomIds.length === 0) return [];
    const rooms = this.db.dialect.inList('room_id', roomIds);
    const rows = await this.db.all<FederatedFileRow>(
      `SELECT ${FEDERATED_COLUMNS} FROM federated_files WHERE ${rooms.sql}
       ORDER BY created_at DESC, ${this.db.dialect.insertionOrder} DESC LIMIT ?`,
      [rooms.param, limit],
    );
    return rows.map(toRecord);
  }

  async markOffered(fileId: string, shareId: string, now: number): Promise<boolean> {
    const added = await this.db.run(
      `INSERT INTO federation_offers (file_id, share_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
      [fileId, shareId, now],
    );
    return added === 1;
  }

  async enqueue(entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.atomic(async (db) => {
      for (const e of entries) {
        await db.run(
          `INSERT INTO federation_outbox (${OUTBOX_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`,
          [e.id, e.peer, e.envelope, e.attempts, e.next_attempt_at, e.created_at],
        );
      }
    });
  }

  due(now: number, limit: number): Promise<OutboxEntry[]> {
    return this.db.all<OutboxEntry>(
      `SELECT ${OUTBOX_COLUMNS} FROM federation_outbox WHERE next_attempt_at <= ?
       ORDER BY created_at, ${this.db.dialect.insertionOrder} LIMIT ?`,
      [now, limit],
    );
  }

  async dequeue(id: string): Promise<void> {
    await this.db.run(`DELETE FROM federation_outbox WHERE id = ?`, [id]);
  }

  async reschedule(id: string, attempts: number, nextAttemptAt: number): Promise<void> {
    await this.db.run(
      `UPDATE federation_outbox SET attempts = ?, next_attempt_at = ? WHERE id = ?`,
      [attempts, nextAttemptAt, id],
    );
  }
}
