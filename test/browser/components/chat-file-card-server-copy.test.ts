import { expect } from '@open-wc/testing';
import type { ChatFileCard } from '../../../src/components/chat-file-card/chat-file-card.js';
import { firstDifference, makeTestFile } from '../support/bytes.js';
import { closeClient, createRoom, destroyClients, makeClient } from '../support/clients.js';
import { until } from '../support/media.js';
import { BROWSER_TEST_ADMIN } from '../support/server-config.js';
import { login } from '../support/server.js';
import { cardFor, shareAndReceive } from './helpers.js';

const shadow = (card: ChatFileCard) => card.shadowRoot!;
const server = (card: ChatFileCard) =>
  shadow(card).querySelector('[part="server"]')?.getAttribute('data-server') ?? 'none';
const button = (card: ChatFileCard, label: RegExp) =>
  [...shadow(card).querySelectorAll('button')].find((b) => label.test(b.textContent ?? ''));

describe('<chat-file-card> server copy', () => {
  afterEach(destroyClients);

  it('releasing a claim never deletes a copy others use; only the sharer deletes it, after a confirmation', async () => {
    const alice = await makeClient('alice');
    const bob = await makeClient('bob');
    const carol = await makeClient('carol');
    // Dave is in the room but has not looked at the file yet.
    const dave = await makeClient('dave');
    const roomId = await createRoom(alice.user, [bob.user, carol.user, dave.user]);
    const file = makeTestFile(400_000, 31, 'minutes.bin');
    const message = await shareAndReceive(alice, bob, roomId, file, { upload: true });
    const aliceCard = await cardFor(alice, message);
    const bobCard = await cardFor(bob, message);
    const carolCard = await cardFor(carol, message);
    for (const card of [aliceCard, bobCard, carolCard])
      await until(() => server(card) === 'cached', 10_000, 'the server copy');

    // Bob and Carol keep it; each card says what the actions do.
    for (const card of [bobCard, carolCard]) {
      const keep = button(card, /Keep on server/)!;
      expect(keep.title).to.contain('counts toward your storage');
      keep.click();
      await until(() => server(card) === 'stored', 10_000, 'kept');
    }
    // Only the sharer's card offers deleting it for everyone.
    expect(shadow(bobCard).querySelector('.card__menu')).to.equal(null);
    expect(button(bobCard, /Delete from server/)).to.equal(undefined);

    // Bob stops keeping it: Carol's claim still holds the copy.
    const release = button(bobCard, /Stop keeping/)!;
    expect(release.title).to.contain('stays while others keep it');
    release.click();
    await until(() => server(bobCard) === 'cached', 10_000, "bob's claim released");
    expect(server(carolCard)).to.equal('stored');
    expect((await carol.client.serverStatus(aliceCard.fileId)).server_available).to.equal(true);

    // Carol stops too: the copy goes back to the temporary cache, it is not deleted.
    button(carolCard, /Stop keeping/)!.click();
    await until(() => server(carolCard) === 'cached', 10_000, "carol's claim released");
    expect((await bob.client.serverStatus(aliceCard.fileId)).server_available).to.equal(true);

    // Dave, who never downloaded it, gets the bytes from the server while Alice is offline.
    await closeClient(alice);
    const daveCard = await cardFor(dave, message);
    await daveCard.download();
    expect(daveCard.state).to.equal('complete');
    expect(await firstDifference(await daveCard.getFile(), file)).to.equal(-1);

    // Alice, back, deletes it for everyone, after saying yes.
    const aliceAgain = await makeClient('alice', { user: alice.user, cacheName: alice.cacheName });
    const sharerCard = await cardFor(aliceAgain, message);
    await until(() => server(sharerCard) === 'cached', 10_000, "the sharer's server area");
    shadow(sharerCard).querySelector<HTMLElement>('.card__menu summary')!.click();
    button(sharerCard, /Delete from server/)!.click();
    await sharerCard.updateComplete;
    const dialog = shadow(sharerCard).querySelector('dialog')!;
    expect(dialog.open).to.equal(true);
    expect(dialog.textContent).to.contain('deleted from the server for everyone');
    await expect(sharerCard).to.be.accessible();
    shadow(sharerCard).querySelector<HTMLButtonElement>('dialog button.danger')!.click();
    for (const card of [sharerCard, bobCard, carolCard])
      await until(() => server(card) === 'none', 10_000, 'the copy gone for everyone');
    expect((await bob.client.serverStatus(aliceCard.fileId)).server_available).to.equal(false);
    expect(shadow(bobCard).textContent).to.contain('Not stored on the server');
  });

  it("offers an administrator who is not the sharer to delete the room's copy", async () => {
    const alice = await makeClient('alice');
    const bob = await makeClient('bob');
    const admin = await makeClient('admin', { user: await login(BROWSER_TEST_ADMIN) });
    const roomId = await createRoom(alice.user, [bob.user, admin.user]);
    const file = makeTestFile(200_000, 32, 'agenda.bin');
    const message = await shareAndReceive(alice, bob, roomId, file, { upload: true });
    const bobCard = await cardFor(bob, message);
    const adminCard = await cardFor(admin, message);
    for (const card of [bobCard, adminCard])
      await until(() => server(card) === 'cached', 10_000, 'the server copy');
    const download = `/api/chat/files/${adminCard.fileId}/download`;
    expect((await bob.user.fetch(download)).status).to.equal(200);

    // A member who is neither sharer nor administrator gets no menu at all.
    expect(shadow(bobCard).querySelector('.card__menu')).to.equal(null);
    // The administrator's menu deletes the server copy; stopping the share stays the sharer's.
    shadow(adminCard).querySelector<HTMLElement>('.card__menu summary')!.click();
    expect(button(adminCard, /Stop sharing/)).to.equal(undefined);
    button(adminCard, /Delete from server/)!.click();
    await adminCard.updateComplete;
    const dialog = shadow(adminCard).querySelector('dialog')!;
    expect(dialog.open).to.equal(true);
    expect(dialog.textContent).to.contain('deleted from the server for everyone');
    await expect(adminCard).to.be.accessible();
    shadow(adminCard).querySelector<HTMLButtonElement>('dialog button.danger')!.click();

    for (const card of [adminCard, bobCard])
      await until(() => server(card) === 'none', 10_000, 'the copy gone for everyone');
    expect(shadow(adminCard).querySelector('.card__server-error')).to.equal(null);
    expect((await bob.user.fetch(download)).status).to.equal(404);
  });
});
