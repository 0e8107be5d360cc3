import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RELAY_SESSION_TTL_MS, RelaySessions } from '../../../../server/socket/relay-sessions.js';

const endpoints = {
  file_id: 'f1',
  room_id: 'r1',
  source_socket_id: 'src',
  source_username: 'bob',
  requester_socket_id: 'req',
  requester_username: 'alice',
};

describe('RelaySessions', () => {
  it('finds a session by id or by its endpoints, and only in the right direction', () => {
    const sessions = new RelaySessions();
    const session = sessions.open(endpoints, 1000);
    expect(session.id).toMatch(/^r1\.[0-9a-z]+\.[\w-]{22}\.[\w-]{43}$/);
    expect(sessions.find(session.id, 'src', 'req', 'f1', 1000)).toBe(session);
    expect(sessions.find(undefined, 'src', 'req', 'f1', 1000)).toBe(session);
    expect(sessions.find(session.id, 'req', 'src', 'f1', 1000)).toBeNull();
    expect(sessions.find(session.id, 'src', 'req', 'f2', 1000)).toBeNull();
    expect(sessions.find('nope', 'src', 'req', 'f1', 1000)).toBeNull();
  });

  it('lets another node with the same key check an id it never saw opened', () => {
    const key = randomBytes(32);
    const node1 = new RelaySessions(key);
    const node3 = new RelaySessions(key);
    const session = node1.open(endpoints, 1000);
    const seen = node3.find(session.id, 'src', 'req', 'f1', 2000);
    expect(seen).toMatchObject({ id: session.id, file_id: 'f1', active_here: false });
    // Bound to both sockets and the file, in that direction.
    expect(new RelaySessions(key).find(session.id, 'req', 'src', 'f1', 2000)).toBeNull();
    expect(new RelaySessions(key).find(session.id, 'src', 'other', 'f1', 2000)).toBeNull();
    expect(new RelaySessions(key).find(session.id, 'src', 'req', 'f2', 2000)).toBeNull();
  });

  it('refuses forged, tampered, foreign-key and expired ids', () => {
    const key = randomBytes(32);
    const node1 = new RelaySessions(key);
    const session = node1.open(endpoints, 1000);
    const [version, expiry, nonce, mac] = session.id.split('.') as [string, string, string, string];
    const fresh = () => new RelaySessions(key);
    // A later expiry written by hand does not match the MAC.
    const stretched = `${version}.${(Number.parseInt(expiry, 36) * 2).toString(36)}.${nonce}.${mac}`;
    expect(fresh().find(stretched, 'src', 'req', 'f1', 2000)).toBeNull();
    const otherNonce = `${version}.${expiry}.${randomBytes(16).toString('base64url')}.${mac}`;
    expect(fresh().find(otherNonce, 'src', 'req', 'f1', 2000)).toBeNull();
    const flipped = `${version}.${expiry}.${nonce}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    expect(fresh().find(flipped, 'src', 'req', 'f1', 2000)).toBeNull();
    expect(fresh().find(`${version}.${expiry}.${nonce}.`, 'src', 'req', 'f1', 2000)).toBeNull();
    // Signed with a key the deployment does not share.
    const stranger = new RelaySessions(randomBytes(32)).open(endpoints, 1000);
    expect(fresh().find(stranger.id, 'src', 'req', 'f1', 2000)).toBeNull();
    // Expired, on the node that opened it and on any other.
    const late = 1000 + RELAY_SESSION_TTL_MS;
    expect(node1.find(session.id, 'src', 'req', 'f1', late)).toBeNull();
    expect(fresh().find(session.id, 'src', 'req', 'f1', late)).toBeNull();
    expect(node1.find(undefined, 'src', 'req', 'f1', late)).toBeNull();
  });

  it('refuses a closed id even where it still verifies, and learns sessions from notices', () => {
    const key = randomBytes(32);
    const node1 = new RelaySessions(key);
    const node2 = new RelaySessions(key);
    const session = node1.open(endpoints, 1000);
    node2.learn(session, 1000);
    // Reference-doc frames carry no id: node 2 finds the session by its endpoints.
    expect(node2.find(undefined, 'src', 'req', 'f1', 1500)?.id).toBe(session.id);
    node2.close(session.id);
    expect(node2.find(session.id, 'src', 'req', 'f1', 1500)).toBeNull();
    node2.learn(session, 1600);
    expect(node2.find(undefined, 'src', 'req', 'f1', 1600)).toBeNull();
    // A notice with a forged id teaches nothing.
    node2.learn({ ...session, id: `${session.id.slice(0, -2)}AA`, file_id: 'f9' }, 1000);
    expect(node2.find(undefined, 'src', 'req', 'f9', 1600)).toBeNull();
  });

  it('closes sessions per socket, and idle ones only where they carried messages', () => {
    const sessions = new RelaySessions();
    const a = sessions.open(endpoints, 1000);
    const b = sessions.open({ ...endpoints, file_id: 'f2', source_socket_id: 'other' }, 5000);
    const learned = new RelaySessions().open({ ...endpoints, file_id: 'f3' }, 1000);
    sessions.learn(learned, 1000); // from another key: ignored
    expect(sessions.countFor('req')).toBe(2);
    expect(sessions.closeIdle(2000, 6000)).toEqual([a]);
    expect(sessions.closeForSocket('other')).toEqual([b]);
    expect(sessions.size).toBe(0);
    expect(sessions.countFor('req')).toBe(0);
    expect(sessions.close(a.id)).toBeNull();
  });

  it('takes only keys of 16 bytes or more', () => {
    expect(() => new RelaySessions('short')).toThrow(/16 bytes/);
    expect(() => new RelaySessions('a shared key of enough length')).not.toThrow();
  });
});
