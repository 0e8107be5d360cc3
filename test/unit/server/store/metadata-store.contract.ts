/**
 * The contract every MetadataStore implementation must meet. An implementation's test
 * file calls {@link runMetadataStoreContract} with a factory for fresh, empty stores.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  BlobRecord,
  MetadataStore,
  NewFile,
  OutboxEntry,
} from '../../../../server/store/metadata-store.js';
import { offerFile } from '../../../../server/federation/outbox.js';
import { claimStorage, releaseClaim } from '../../../../server/quota.js';
import { enforceCap, expireUnclaimed } from '../../../../server/retention.js';
import {
  commitServerCopy,
  deleteFile,
  dropBlobs,
  removeServerCopy,
} from '../../../../server/server-copies.js';
import { manifestOf, sha256Hex, bytesOf } from '../support/helpers.js';

const WEEK = 7 * 24 * 60 * 60_000;

/** Waits (briefly, polling) until `done()` holds. */
async function settleUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!done()) throw new Error('condition not reached');
}

let counter = 0;

/** A new file record for tests. */
export function newFile(overrides: Partial<NewFile> = {}): NewFile {
  counter++;
  return {
    id: randomUUID(),
    room_id: 'room-1',
    name: `file-${counter}.txt`,
    size: 100,
    mime_type: 'text/plain',
    chunk_size: 65536,
    total_chunks: 1,
    thumbnail: null,
    sender: 'alice',
    created_at: 1000 + counter,
    manifest: null,
    ...overrides,
  };
}

/** A blob record for content `seed`. */
export function blobFor(seed: number, size = 100): BlobRecord {
  const bytes = bytesOf(size, seed);
  return {
    id: randomUUID().replace(/-/g, ''),
    sha256: sha256Hex(bytes),
    md5: 'd41d8cd98f00b204e9800998ecf8427e',
    size,
    created_at: 1,
  };
}

/** Runs the contract against stores made by `create`. */
export function runMetadataStoreContract(
  name: string,
  create: () => Promise<{ store: MetadataStore; dispose(): Promise<void> }>,
): void {
  describe(`${name} (MetadataStore contract)`, () => {
    let store: MetadataStore;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ store, dispose } = await create());
    });
    afterEach(() => dispose());

    const commit = (fileId: string, blob: BlobRecord, now = 5000, cap = 1e12) =>
      commitServerCopy(store, {
        file_id: fileId,
        blob,
        manifest: manifestOf(Buffer.alloc(0)),
        sanitized_name: 'safe.txt',
        now,
        max_total_bytes: cap,
      });

    describe('files', () => {
      it('round-trips a file with its manifest and makes the sender a seeder', async () => {
        const bytes = bytesOf(3000, 1);
        const file = newFile({ size: 3000, manifest: manifestOf(bytes, 1024) });
        await store.files.create(file);
        expect(await store.files.get(file.id)).toEqual({
          ...file,
          md5: null,
          sha256: null,
          sanitized_name: null,
        });
        expect(await store.files.peerSeeders(file.id)).toEqual(['alice']);
        expect(await store.files.get('unknown')).toBeNull();
        expect((await store.files.getMany([file.id, 'unknown', file.id])).map((f) => f.id)).toEqual(
          [file.id],
        );
        await deleteFile(store, file.id, 1);
        expect(await store.files.get(file.id)).toBeNull();
      });

      it('lists by rooms or sender, newest first, with a literal search and a limit', async () => {
        const a = newFile({ room_id: 'r1', name: '100% done.txt', created_at: 10 });
        const b = newFile({ room_id: 'r2', name: 'other.txt', created_at: 20, sender: 'bob' });
        const c = newFile({ room_id: 'r3', name: 'mine.txt', created_at: 30 });
        for (const file of [a, b, c]) await store.files.create(file);
        const ids = async (query: Parameters<MetadataStore['files']['list']>[0]) =>
          (await store.files.list(query)).map((f) => f.id);
        expect(await ids({ room_ids: ['r1', 'r2'], limit: 10 })).toEqual([b.id, a.id]);
        expect(await ids({ room_ids: ['r2'], sender: 'alice', limit: 10 })).toEqual([
          c.id,
          b.id,
          a.id,
        ]);
        expect(await ids({ sender: 'alice', search: '100%', limit: 10 })).toEqual([a.id]);
        expect(await ids({ sender: 'alice', search: '_', limit: 10 })).toEqual([]);
        expect(await ids({ sender: 'alice', limit: 1 })).toEqual([c.id]);
        expect(await ids({ limit: 10 })).toEqual([]);
        expect((await store.files.roomIds()).sort()).toEqual(['r1', 'r2', 'r3']);
      });

      it('records peer seeders once each', async () => {
        const file = newFile();
        await store.files.create(file);
        await store.files.addPeerSeed(file.id, 'bob', 2000);
        await store.files.addPeerSeed(file.id, 'bob', 3000);
        expect(await store.files.peerSeeders(file.id)).toEqual(['alice', 'bob']);
      });
    });

    describe('server copies', () => {
      it('stores a copy, fills the upload fields and keeps the first manifest', async () => {
        const manifest = manifestOf(bytesOf(100, 1));
        const file = newFile({ manifest });
        await store.files.create(file);
        const blob = blobFor(1);
        const result = await commit(file.id, blob);
        expect(result).toMatchObject({
          status: 'stored',
          storage_file_id: blob.id,
          deduped: false,
          unused_blob_id: null,
          removed: [],
          freed_blob_ids: [],
        });
        expect(await store.copies.get(file.id)).toMatchObject({
          id: `${file.id}:__server__`,
          username: '__server__',
          stored: true,
          permanent: false,
          cached_at: 5000,
          size: 100,
          storage_file_id: blob.id,
        });
        expect(await store.files.get(file.id)).toMatchObject({
          sha256: blob.sha256,
          md5: blob.md5,
          sanitized_name: 'safe.txt',
          manifest,
        });
        expect(await store.copies.blobIds()).toEqual([blob.id]);
        expect(await store.copies.findBlob(blob.sha256)).toEqual(blob);
        expect([...(await store.copies.getMany([file.id, 'x'])).keys()]).toEqual([file.id]);
      });

      it('derives the manifest when the file had none', async () => {
        const file = newFile();
        await store.files.create(file);
        await commit(file.id, blobFor(2));
        expect((await store.files.get(file.id))?.manifest).toEqual(manifestOf(Buffer.alloc(0)));
      });

      it('reuses a blob with the same SHA-256 and frees it only with its last user', async () => {
        const one = newFile();
        const two = newFile();
        await store.files.create(one);
        await store.files.create(two);
        const blob = blobFor(3);
        await commit(one.id, blob);
        const twin = { ...blobFor(3), id: 'f'.repeat(32) };
        expect(await commit(two.id, twin)).toMatchObject({
          status: 'stored',
          deduped: true,
          storage_file_id: blob.id,
          unused_blob_id: twin.id,
        });
        expect(await commit(two.id, { ...twin, id: 'e'.repeat(32) })).toMatchObject({
          status: 'stored',
          deduped: true,
          unused_blob_id: 'e'.repeat(32),
        });
        expect(await removeServerCopy(store, one.id, { onlyIfUnclaimed: true, now: 1 })).toEqual({
          removed: [{ file_id: one.id, room_id: 'room-1' }],
          freed_blob_ids: [],
        });
        expect(await removeServerCopy(store, two.id, { onlyIfUnclaimed: true, now: 1 })).toEqual({
          removed: [{ file_id: two.id, room_id: 'room-1' }],
          freed_blob_ids: [blob.id],
        });
        expect(await store.copies.blobIds()).toEqual([]);
      });

      it('reports a file deleted before its copy was committed', async () => {
        const blob = blobFor(4);
        expect(await commit('gone', blob)).toEqual({
          status: 'missing_file',
          unused_blob_id: blob.id,
        });
      });

      it('evicts unclaimed copies oldest-first to fit the cap, or refuses without evicting', async () => {
        const files = [newFile(), newFile(), newFile(), newFile()];
        for (const file of files) await store.files.create(file);
        await commit(files[0]!.id, blobFor(10), 1000, 250);
        await commit(files[1]!.id, blobFor(11), 2000, 250);
        const third = await commit(files[2]!.id, blobFor(12), 3000, 250);
        expect(third).toMatchObject({
          status: 'stored',
          removed: [{ file_id: files[0]!.id }],
        });
        expect(await store.copies.get(files[0]!.id)).toBeNull();
        expect(await store.copies.usage()).toEqual({ total_bytes: 200, pinned_bytes: 0 });

        for (const file of [files[1]!, files[2]!]) {
          await claimStorage(store, { file_id: file.id, username: 'bob', limit: 1e9, now: 1 });
        }
        expect(await store.copies.usage()).toEqual({ total_bytes: 200, pinned_bytes: 200 });
        const full = await commit(files[3]!.id, blobFor(13), 4000, 250);
        expect(full).toMatchObject({ status: 'full', pinned_bytes: 200 });
        expect(await store.copies.get(files[1]!.id)).not.toBeNull();
        expect(await store.copies.get(files[2]!.id)).not.toBeNull();
      });

      it('expires unclaimed copies cached before a cutoff', async () => {
        const [old, recent, claimed] = [newFile(), newFile(), newFile()];
        for (const file of [old, recent, claimed]) await store.files.create(file);
        await commit(old.id, blobFor(20), 1000);
        await commit(recent.id, blobFor(21), 5000);
        await commit(claimed.id, blobFor(22), 1000);
        await claimStorage(store, { file_id: claimed.id, username: 'bob', limit: 1e9, now: 1 });
        const result = await expireUnclaimed(store, 2000, 1);
        expect(result.removed.map((r) => r.file_id)).toEqual([old.id]);
        expect(result.freed_blob_ids).toHaveLength(1);
      });

      it('enforces a lowered cap as far as unclaimed copies allow', async () => {
        const files = [newFile(), newFile(), newFile()];
        for (const file of files) await store.files.create(file);
        for (const [i, file] of files.entries()) await commit(file.id, blobFor(30 + i), 1000 + i);
        await claimStorage(store, { file_id: files[0]!.id, username: 'bob', limit: 1e9, now: 1 });
        const result = await enforceCap(store, 50, 1);
        expect(result.removed.map((r) => r.file_id)).toEqual([files[1]!.id, files[2]!.id]);
        expect(await store.copies.usage()).toEqual({ total_bytes: 100, pinned_bytes: 100 });
      });

      it('drops blobs whose bytes are gone, refunding claims', async () => {
        const file = newFile();
        await store.files.create(file);
        const blob = blobFor(40);
        await commit(file.id, blob);
        await claimStorage(store, { file_id: file.id, username: 'bob', limit: 1e9, now: 1 });
        const result = await dropBlobs(store, [blob.id], 1);
        expect(result.removed.map((r) => r.file_id)).toEqual([file.id]);
        expect(await store.claims.status('bob')).toMatchObject({ total_stored_bytes: 0 });
        expect(await store.claims.get(file.id, 'bob')).toBeNull();
      });
    });

    describe('claims and quota', () => {
      it('claims within the limit, once, and releases', async () => {
        const file = newFile();
        await store.files.create(file);
        expect(
          await claimStorage(store, { file_id: file.id, username: 'bob', limit: 1000, now: 7 }),
        ).toEqual({ status: 'no_server_copy' });
        await commit(file.id, blobFor(50));
        expect(
          await claimStorage(store, { file_id: file.id, username: 'bob', limit: 1000, now: 7 }),
        ).toEqual({ status: 'claimed', total_stored_bytes: 100 });
        expect(
          await claimStorage(store, { file_id: file.id, username: 'bob', limit: 1000, now: 8 }),
        ).toEqual({ status: 'already_claimed', total_stored_bytes: 100 });
        expect(await store.copies.get(file.id)).toMatchObject({ permanent: true });
        expect(await store.claims.get(file.id, 'bob')).toEqual({
          id: `${file.id}:bob`,
          file_id: file.id,
          username: 'bob',
          claimed_at: 7,
          size: 100,
        });
        expect(await store.claims.claimedFileIds([file.id, 'x'], 'bob')).toEqual(
          new Set([file.id]),
        );
        expect((await store.claims.list('bob')).map((c) => [c.file_id, c.name])).toEqual([
          [file.id, file.name],
        ]);
        expect(await removeServerCopy(store, file.id, { onlyIfUnclaimed: true, now: 1 })).toEqual({
          removed: [],
          freed_blob_ids: [],
        });

        expect(await releaseClaim(store, { file_id: file.id, username: 'bob', now: 9 })).toEqual({
          released: true,
          total_stored_bytes: 0,
          remaining_claims: 0,
        });
        expect(await store.copies.get(file.id)).toMatchObject({ permanent: false });
        expect(await releaseClaim(store, { file_id: file.id, username: 'bob', now: 9 })).toEqual({
          released: false,
          total_stored_bytes: 0,
          remaining_claims: 0,
        });
      });

      it('refuses claims over the limit and from suspended users', async () => {
        const file = newFile();
        await store.files.create(file);
        await commit(file.id, blobFor(60));
        expect(
          await claimStorage(store, { file_id: file.id, username: 'bob', limit: 99, now: 1 }),
        ).toEqual({ status: 'over_quota', total_stored_bytes: 0 });
        await store.claims.setSuspended('bob', true, 1);
        expect(await store.claims.status('bob')).toEqual({
          username: 'bob',
          total_stored_bytes: 0,
          suspended: true,
        });
        expect(
          await claimStorage(store, { file_id: file.id, username: 'bob', limit: 1000, now: 1 }),
        ).toEqual({ status: 'suspended' });
      });

      it('lets exactly one of two concurrent claims pass when both would exceed the limit', async () => {
        const [a, b] = [newFile({ size: 60 }), newFile({ size: 60 })];
        for (const file of [a, b]) await store.files.create(file);
        await commit(a.id, blobFor(70, 60));
        await commit(b.id, blobFor(71, 60));
        const results = await Promise.all([
          claimStorage(store, { file_id: a.id, username: 'carol', limit: 100, now: 1 }),
          claimStorage(store, { file_id: b.id, username: 'carol', limit: 100, now: 1 }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual(['claimed', 'over_quota']);
        expect((await store.claims.status('carol')).total_stored_bytes).toBe(60);
      });
    });

    describe('shares', () => {
      it('finds a share by token hash and revokes every share of a file', async () => {
        const file = newFile();
        await store.files.create(file);
        const share = {
          id: randomUUID(),
          file_id: file.id,
          token_hash: 'a'.repeat(64),
          scope: 'view',
          password_hash: null,
          expires_at: null,
          revoked_at: null,
          created_by: 'alice',
          created_at: 1,
        };
        await store.shares.create(share);
        expect(await store.shares.findByTokenHash('a'.repeat(64))).toEqual(share);
        expect(await store.shares.findByTokenHash('b'.repeat(64))).toBeNull();
        expect(await store.shares.revokeAll(file.id, 99)).toBe(1);
        expect(await store.shares.revokeAll(file.id, 100)).toBe(0);
        expect((await store.shares.findByTokenHash('a'.repeat(64)))?.revoked_at).toBe(99);
      });

      it('remembers a revoked file, with or without links', async () => {
        const [linked, unlinked, kept] = [newFile(), newFile(), newFile()];
        for (const file of [linked, unlinked, kept]) await store.files.create(file);
        await store.shares.create({
          id: randomUUID(),
          file_id: linked.id,
          token_hash: 'g'.repeat(64),
          scope: 'view',
          password_hash: null,
          expires_at: null,
          revoked_at: null,
          created_by: 'alice',
          created_at: 1,
        });
        expect(await store.shares.revokedAmong([linked.id, unlinked.id, kept.id])).toEqual(
          new Set(),
        );
        expect(await store.shares.revokeAll(linked.id, 7)).toBe(1);
        expect(await store.shares.revokeAll(unlinked.id, 8)).toBe(0);
        // Revoking twice changes nothing.
        expect(await store.shares.revokeAll(unlinked.id, 9)).toBe(0);
        expect(await store.shares.revokedAmong([linked.id, unlinked.id, kept.id, 'nope'])).toEqual(
          new Set([linked.id, unlinked.id]),
        );
        expect(await store.shares.revokedAmong([])).toEqual(new Set());
        expect(await store.shares.hasRevoked(unlinked.id)).toBe(true);
        expect(await store.shares.hasRevoked(kept.id)).toBe(false);
      });

      const share = (fileId: string, hash: string) => ({
        id: randomUUID(),
        file_id: fileId,
        token_hash: hash.repeat(64),
        scope: 'view',
        password_hash: null,
        expires_at: null,
        revoked_at: null,
        created_by: 'alice',
        created_at: 1,
      });

      it('stores one federation share per file, and none after a revocation', async () => {
        const file = newFile();
        await store.files.create(file);
        expect(await offerFile(store, share(file.id, 'c'))).toBe(true);
        expect(await offerFile(store, share(file.id, 'd'))).toBe(false);
        // The refused one left nothing behind.
        expect(await store.shares.findByTokenHash('d'.repeat(64))).toBeNull();
        expect(await store.shares.findByTokenHash('c'.repeat(64))).not.toBeNull();

        const revoked = newFile();
        await store.files.create(revoked);
        await store.shares.create(share(revoked.id, 'e'));
        await store.shares.revokeAll(revoked.id, 5);
        expect(await offerFile(store, share(revoked.id, 'f'))).toBe(false);
      });
    });

    describe('federation', () => {
      it('claims a nonce once per origin and forgets old ones', async () => {
        expect(await store.federation.claimNonce('http://a', 'n1', 1000, 0)).toBe(true);
        expect(await store.federation.claimNonce('http://a', 'n1', 1001, 0)).toBe(false);
        expect(await store.federation.claimNonce('http://b', 'n1', 1002, 0)).toBe(true);
        // Past the window the record is dropped (the request date is refused by then).
        expect(await store.federation.claimNonce('http://a', 'n1', 9000, 5000)).toBe(true);
      });

      it('records inbound envelope ids once, and forgets one on request', async () => {
        expect(await store.federation.recordInbound('http://a', 'm1', 1, 1 - WEEK)).toBe(true);
        expect(await store.federation.recordInbound('http://a', 'm1', 2, 2 - WEEK)).toBe(false);
        expect(await store.federation.recordInbound('http://b', 'm1', 2, 2 - WEEK)).toBe(true);
        await store.federation.forgetInbound('http://a', 'm1');
        expect(await store.federation.recordInbound('http://a', 'm1', 3, 3 - WEEK)).toBe(true);
        // Long after, the id is no longer kept (retries never come that late).
        const later = 3 + 8 * 24 * 60 * 60_000;
        expect(await store.federation.recordInbound('http://a', 'm1', later, later - WEEK)).toBe(
          true,
        );
      });

      it('keeps peer files as metadata, lists them by room and revokes them by origin id', async () => {
        const record = (id: string, roomId: string, originFileId: string, createdAt: number) => ({
          id,
          room_id: roomId,
          origin: 'http://a',
          origin_file_id: originFileId,
          sender: 'alice',
          file: {
            name: `${id}.png`,
            size: 10,
            mimeType: 'image/png',
            previewUrl: 'http://a/p',
            downloadUrl: 'http://a/d',
          },
          revoked_at: null,
          created_at: createdAt,
        });
        await store.federation.createFile(record('fed_1', 'r1', 'f1', 1));
        await store.federation.createFile(record('fed_2', 'r1', 'f2', 2));
        await store.federation.createFile(record('fed_3', 'r2', 'f1', 3));
        expect(await store.federation.getFile('fed_1')).toEqual(record('fed_1', 'r1', 'f1', 1));
        expect(await store.federation.getFile('fed_9')).toBeNull();
        expect((await store.federation.listFiles(['r1', 'r2'], 10)).map((r) => r.id)).toEqual([
          'fed_3',
          'fed_2',
          'fed_1',
        ]);
        expect(await store.federation.listFiles([], 10)).toEqual([]);

        const revoked = await store.federation.revokeFiles({
          origin: 'http://a',
          origin_file_id: 'f1',
          room_id: 'r1',
          now: 50,
        });
        expect(revoked.map((r) => [r.id, r.revoked_at])).toEqual([['fed_1', 50]]);
        expect(
          await store.federation.revokeFiles({
            origin: 'http://other',
            origin_file_id: 'f2',
            room_id: 'r1',
            now: 60,
          }),
        ).toEqual([]);
        expect((await store.federation.getFile('fed_3'))?.revoked_at).toBeNull();
        await store.federation.deleteFile('fed_2');
        expect(await store.federation.getFile('fed_2')).toBeNull();
      });
    });

    describe('transactions, leases and shared secrets', () => {
      it('commits what a transaction did, and rolls all of it back when it throws', async () => {
        const [kept, dropped] = [newFile(), newFile()];
        await store.transaction(async (tx) => {
          await tx.files.create(kept);
          await tx.files.addPeerSeed(kept.id, 'bob', 5000);
        });
        await expect(
          store.transaction(async (tx) => {
            await tx.files.create(dropped);
            await tx.claims.setSuspended('bob', true, 1);
            throw new Error('changed my mind');
          }),
        ).rejects.toThrow('changed my mind');
        expect(await store.files.peerSeeders(kept.id)).toEqual(['alice', 'bob']);
        expect(await store.files.get(dropped.id)).toBeNull();
        expect((await store.claims.status('bob')).suspended).toBe(false);
      });

      it('runs a leased job once at a time and frees the lease afterwards', async () => {
        let release: (() => void) | undefined;
        const first = store.withLease(
          'job',
          () => new Promise<string>((resolve) => (release = () => resolve('done'))),
        );
        // The first holder has it until its job ends.
        await settleUntil(() => release !== undefined);
        expect(await store.withLease('job', async () => 'second')).toEqual({ ran: false });
        expect(await store.withLease('other-job', async () => 'other')).toEqual({
          ran: true,
          value: 'other',
        });
        release!();
        expect(await first).toEqual({ ran: true, value: 'done' });
        expect(await store.withLease('job', async () => 'third')).toEqual({
          ran: true,
          value: 'third',
        });
        // A job that fails frees the lease too.
        await expect(
          store.withLease('job', async () => {
            throw new Error('job failed');
          }),
        ).rejects.toThrow('job failed');
        expect((await store.withLease('job', async () => 1)).ran).toBe(true);
      });

      it('creates a shared secret once and hands everyone the same bytes', async () => {
        const [a, b] = await Promise.all([
          store.sharedSecret('relay-hmac'),
          store.sharedSecret('relay-hmac'),
        ]);
        expect(a).toHaveLength(32);
        expect(b.equals(a)).toBe(true);
        expect(
          (await store.sharedSecret('relay-hmac', () => Buffer.from('ignored'))).equals(a),
        ).toBe(true);
        const given = Buffer.from('a key that came from elsewhere');
        expect((await store.sharedSecret('imported', () => given)).equals(given)).toBe(true);
        expect((await store.sharedSecret('other')).equals(a)).toBe(false);
      });
    });

    describe('federation outbox', () => {
      const entry = (id: string, peer: string, createdAt: number): OutboxEntry => ({
        id,
        peer,
        envelope: JSON.stringify({ type: 'message', id }),
        attempts: 0,
        next_attempt_at: createdAt,
        created_at: createdAt,
      });

      it('keeps queued envelopes until they are taken off, in order, at their due time', async () => {
        await store.federation.enqueue([entry('e1', 'http://a', 10), entry('e2', 'http://b', 20)]);
        await store.federation.enqueue([entry('e3', 'http://a', 30)]);
        expect((await store.federation.due(25, 10)).map((e) => e.id)).toEqual(['e1', 'e2']);
        expect(await store.federation.due(100, 10)).toEqual([
          entry('e1', 'http://a', 10),
          entry('e2', 'http://b', 20),
          entry('e3', 'http://a', 30),
        ]);
        await store.federation.reschedule('e1', 1, 500);
        await store.federation.dequeue('e2');
        expect((await store.federation.due(100, 10)).map((e) => e.id)).toEqual(['e3']);
        expect(await store.federation.due(500, 1)).toEqual([
          { ...entry('e1', 'http://a', 10), attempts: 1, next_attempt_at: 500 },
        ]);
      });

      it('queues the envelopes of an offered file with its share, once', async () => {
        const file = newFile();
        await store.files.create(file);
        const share = (hash: string) => ({
          id: randomUUID(),
          file_id: file.id,
          token_hash: hash.repeat(64),
          scope: 'view',
          password_hash: null,
          expires_at: null,
          revoked_at: null,
          created_by: 'alice',
          created_at: 1,
        });
        expect(await offerFile(store, share('1'), [entry('o1', 'http://a', 1)])).toBe(true);
        expect(await offerFile(store, share('2'), [entry('o2', 'http://a', 1)])).toBe(false);
        expect((await store.federation.due(10, 10)).map((e) => e.id)).toEqual(['o1']);
      });
    });
  });
}
