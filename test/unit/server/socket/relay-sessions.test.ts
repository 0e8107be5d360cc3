import { describe, expect, it } from 'vitest';
import { RelaySessions } from '../../../../server/socket/relay-sessions.js';

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
    expect(session.id).toMatch(/^[0-9a-f]{32}$/);
    expect(sessions.find(session.id, 'src', 'req', 'f1')).toBe(session);
    expect(sessions.find(undefined, 'src', 'req', 'f1')).toBe(session);
    expect(sessions.find(session.id, 'req', 'src', 'f1')).toBeNull();
    expect(sessions.find(session.id, 'src', 'req', 'f2')).toBeNull();
    expect(sessions.find('nope', 'src', 'req', 'f1')).toBeNull();
  });

  it('closes sessions per socket and when idle', () => {
    const sessions = new RelaySessions();
    const a = sessions.open(endpoints, 1000);
    const b = sessions.open({ ...endpoints, file_id: 'f2', source_socket_id: 'other' }, 5000);
    expect(sessions.countFor('req')).toBe(2);
    expect(sessions.closeIdle(2000)).toEqual([a]);
    expect(sessions.closeForSocket('other')).toEqual([b]);
    expect(sessions.size).toBe(0);
    expect(sessions.countFor('req')).toBe(0);
    expect(sessions.close(a.id)).toBeNull();
  });
});
