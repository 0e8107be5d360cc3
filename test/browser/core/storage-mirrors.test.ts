import { expect } from '@open-wc/testing';
import {
  StorageMirrorRegistry,
  type StorageMirrorPlugin,
} from '../../../src/core/storage-mirrors.js';
import { makeTestFile } from '../support/bytes.js';
import { createRoom, destroyClients, makeClient } from '../support/clients.js';

const plugin = (id: string, stored: boolean | Error): StorageMirrorPlugin => ({
  id,
  label: id,
  isStored: async () => {
    if (stored instanceof Error) throw stored;
    return stored;
  },
  queryStatus: async () => ({ stored: stored === true, label: id }),
  getContextMenuItems: async () => [],
});

describe('StorageMirrorRegistry', () => {
  afterEach(destroyClients);

  it('registers, replaces and lists plugins, and finds those holding a file', async () => {
    const registry = new StorageMirrorRegistry();
    registry.register(plugin('a', true));
    registry.register(plugin('b', false));
    registry.register(plugin('c', new Error('offline')));
    registry.register(plugin('a', true));
    expect(registry.getPlugins().map((p) => p.id)).to.deep.equal(['a', 'b', 'c']);
    expect(registry.getPlugin('b')?.label).to.equal('b');
    expect(registry.getPlugin('zzz')).to.equal(undefined);
    expect((await registry.getManagingPlugins('f')).map((p) => p.id)).to.deep.equal(['a']);
  });

  it('has local and server plugins whose menus act on the real cache and server', async () => {
    const alice = await makeClient('alice');
    const roomId = await createRoom(alice.user, []);
    const { file_id } = await alice.client.shareFile(roomId, makeTestFile(3000, 5, 'm.bin'));
    await alice.client.whenIdle();
    const { storage } = alice.client;
    expect(storage.getPlugins().map((p) => p.id)).to.deep.equal(['local', 'server']);
    expect((await storage.getManagingPlugins(file_id)).map((p) => p.id)).to.deep.equal([
      'local',
      'server',
    ]);

    const server = storage.getPlugin('server')!;
    expect(await server.queryStatus(file_id)).to.include({ stored: true, permanent: false });
    let updates = 0;
    const card = { requestUpdate: () => updates++ };
    const [keep] = await server.getContextMenuItems(file_id, card);
    expect(keep.id).to.equal('server:store-permanently');
    await keep.run();
    expect(await server.queryStatus(file_id)).to.include({ stored: true, permanent: true });
    const [remove] = await server.getContextMenuItems(file_id, card);
    expect(remove.id).to.equal('server:remove');
    await remove.run();
    expect(updates).to.equal(2);

    const local = storage.getPlugin('local')!;
    expect(await local.queryStatus(file_id)).to.include({ stored: true, bytes: 3000 });
    const [drop] = await local.getContextMenuItems(file_id, card);
    expect(drop).to.include({ id: 'local:remove', destructive: true });
    await drop.run();
    expect(await local.isStored(file_id)).to.equal(false);
    expect(await alice.client.getFile(file_id)).to.equal(null);
  });

  it('leaves the server plugin out when server seeding is off', async () => {
    const { client } = await makeClient('bob', {
      configOverrides: { server_seeding: { enabled: false } },
    });
    expect(client.storage.getPlugins().map((p) => p.id)).to.deep.equal(['local']);
  });
});
