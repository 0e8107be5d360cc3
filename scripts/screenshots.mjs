// `npm run screenshots`: every state of every element, in the reference app driven by two
// real users, at 390 px and 1280 px, light and dark, into screenshots/ (not committed).
//   node scripts/screenshots.mjs [--only=390-light] [--out=screenshots]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { tsImport } from 'tsx/esm/api';
import { build } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a) => a.replace(/^--/, '').split('='))
    .map(([k, v]) => [k, v ?? true]),
);
const outDir = path.resolve(root, args.out ?? 'screenshots');
const executablePath = process.env.CHROME_PATH ?? '/usr/bin/chromium';

const VIEWPORTS = [
  { name: '390', width: 390, height: 844 },
  { name: '1280', width: 1280, height: 860 },
];
const SCHEMES = ['light', 'dark'];

// The page script of the reference app, built from the current sources.
await build({
  logLevel: 'warn',
  configFile: false,
  root,
  esbuild: { target: 'es2022' },
  worker: { format: 'iife' },
  build: {
    outDir: 'dist/chat-app',
    emptyOutDir: false,
    target: 'es2022',
    rollupOptions: {
      input: path.join(root, 'examples/chat-app/client/app.ts'),
      output: { entryFileNames: 'app.js', format: 'es' },
    },
  },
});

const { createChatApp } = await tsImport('../examples/chat-app/app.ts', import.meta.url);
const { browserTestServerConfig, BROWSER_TEST_ADMIN } = await tsImport(
  '../test/browser/support/server-config.ts',
  import.meta.url,
);
const { chromiumArgs } = await tsImport('../test/support/chromium-args.ts', import.meta.url);

const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-shots-'));
const chat = createChatApp({
  dataDir,
  config: browserTestServerConfig(),
  logger: { info() {}, warn() {}, error: (m, e) => console.error('[chat-server]', m, e) },
});
const port = await chat.listen(0, '127.0.0.1');
const base = `http://127.0.0.1:${port}`;
const browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await browser.close().catch(() => {});
  // A close that waits on a connection the browser left half-open must not hang the run.
  await Promise.race([chat.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  rmSync(dataDir, { recursive: true, force: true });
}
process.on('SIGINT', () => void stop().then(() => process.exit(130)));

/** Files made in the page: real bytes Chromium decodes. */
const MAKE_FILES = `
window.__makeFile = async (key) => {
  const png = async (w, h, name, hue) => {
    const c = new OffscreenCanvas(w, h); const x = c.getContext('2d');
    const g = x.createLinearGradient(0, 0, w, h);
    g.addColorStop(0, 'hsl(' + hue + ' 70% 55%)'); g.addColorStop(1, 'hsl(' + (hue + 60) + ' 80% 60%)');
    x.fillStyle = g; x.fillRect(0, 0, w, h);
    x.fillStyle = 'rgba(255,255,255,.85)'; x.beginPath(); x.arc(w * .7, h * .35, h * .15, 0, 7); x.fill();
    x.fillStyle = 'rgba(0,0,0,.25)'; x.beginPath(); x.moveTo(0, h); x.lineTo(w * .35, h * .45); x.lineTo(w * .7, h); x.fill();
    return new File([await c.convertToBlob({ type: 'image/png' })], name, { type: 'image/png' });
  };
  const pdf = (name) => {
    const content = '0.18 0.36 0.83 rg 30 640 535 120 re f 0 0 0 rg 30 600 400 6 re f 30 580 500 6 re f 30 560 460 6 re f 30 540 480 6 re f 30 500 300 6 re f 0.95 0.64 0.23 rg 30 300 250 180 re f 0.2 0.7 0.5 rg 315 300 250 180 re f';
    const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 2 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
      '<< /Length ' + content.length + ' >>\\nstream\\n' + content + '\\nendstream'];
    let body = '%PDF-1.4\\n'; const offsets = [];
    objects.forEach((o, i) => { offsets.push(body.length); body += (i + 1) + ' 0 obj\\n' + o + '\\nendobj\\n'; });
    const xref = body.length;
    body += 'xref\\n0 ' + (objects.length + 1) + '\\n0000000000 65535 f \\n';
    for (const o of offsets) body += String(o).padStart(10, '0') + ' 00000 n \\n';
    body += 'trailer\\n<< /Size ' + (objects.length + 1) + ' /Root 1 0 R >>\\nstartxref\\n' + xref + '\\n%%EOF\\n';
    return new File([body], name, { type: 'application/pdf' });
  };
  const wav = (seconds, name) => {
    const rate = 8000, n = rate * seconds, buf = new ArrayBuffer(44 + n * 2), v = new DataView(buf);
    const s = (o, t) => [...t].forEach((ch, i) => v.setUint8(o + i, ch.charCodeAt(0)));
    s(0, 'RIFF'); v.setUint32(4, 36 + n * 2, true); s(8, 'WAVE'); s(12, 'fmt '); v.setUint32(16, 16, true);
    v.setUint16(20, 1, true); v.setUint16(22, 1, true); v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true);
    v.setUint16(32, 2, true); v.setUint16(34, 16, true); s(36, 'data'); v.setUint32(40, n * 2, true);
    for (let i = 0; i < n; i++) v.setInt16(44 + i * 2, Math.sin(i / 8) * 8000, true);
    return new File([buf], name, { type: 'audio/wav' });
  };
  const webm = async (name) => {
    const c = document.createElement('canvas'); c.width = 320; c.height = 180; const x = c.getContext('2d');
    const r = new MediaRecorder(c.captureStream(15), { mimeType: 'video/webm' }); const chunks = [];
    r.ondataavailable = (e) => chunks.push(e.data); const done = new Promise((ok) => (r.onstop = ok));
    r.start(100); const t0 = performance.now();
    await new Promise((ok) => { const draw = () => { const t = (performance.now() - t0) / 1000;
      x.fillStyle = 'hsl(' + (200 + t * 40) + ' 60% 35%)'; x.fillRect(0, 0, 320, 180);
      x.fillStyle = '#fff'; x.fillRect(40 + t * 80, 70, 40, 40); t < 1.5 ? requestAnimationFrame(draw) : ok(); }; draw(); });
    r.stop(); await done; return new File(chunks, name, { type: 'video/webm' });
  };
  const text = Array.from({ length: 30 }, (_, i) => (i + 1) + '  2026-11-26 09:' + String(i).padStart(2, '0') + ' INFO request served in ' + (12 + i) + ' ms').join('\\n');
  const bytes = (size, name) => { const b = new Uint8Array(size); for (let i = 0; i < size; i += 4096) b[i] = i & 255; return new File([b], name, { type: 'application/octet-stream' }); };
  const make = {
    photos: async () => [await png(720, 480, 'beach.png', 190), await png(480, 600, 'portrait.png', 20), await png(800, 450, 'mountains.png', 110)],
    pdf: () => pdf('quarterly-report.pdf'), audio: () => wav(7, 'voice-note.wav'), video: () => webm('screen-recording.webm'),
    text: () => new File([text], 'server.log', { type: 'text/plain' }),
    big: () => bytes(90_000_000, 'dataset.bin'), offline: () => bytes(2_000_000, 'backup.bin'),
    stream: () => bytes(100_000_000, 'archive.bin'), revoked: () => bytes(40_000, 'draft.bin'),
  };
  return make[key]();
};
`;

async function openAs(user, room, viewport, scheme, options = {}) {
  const context = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
    colorScheme: scheme,
    deviceScaleFactor: 1,
  });
  if (options.noWebRtc) await context.addInitScript('delete window.RTCPeerConnection;');
  await context.addInitScript(MAKE_FILES);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${user}] page error:`, e.message));
  await page.goto(`${base}/?user=${user}&room=${encodeURIComponent(room)}`);
  await page.waitForSelector('#chat:not([hidden])');
  await page.waitForFunction(() => document.body.dataset.socket === 'connected');
  return { context, page };
}

const card = (page, name) => page.locator('chat-file-card', { hasText: name }).first();
async function waitForState(locator, states, timeout = 30_000) {
  const handle = await locator.elementHandle({ timeout });
  await locator
    .page()
    .waitForFunction(
      ([el, wanted]) => wanted.includes(el.getAttribute('state')),
      [handle, [states].flat()],
      {
        timeout,
      },
    );
}

async function share(page, pick) {
  await page.evaluate(async (key) => {
    const list = [await window.__makeFile(key)].flat();
    await document.getElementById('upload').shareFiles(list);
  }, pick);
}

async function run(viewport, scheme) {
  const tag = `${viewport.name}-${scheme}`;
  const dir = path.join(outDir, tag);
  mkdirSync(dir, { recursive: true });
  const shot = async (locator, name) => {
    await locator.screenshot({ path: path.join(dir, `${name}.png`), animations: 'disabled' });
  };
  /** The composer and the room above it, where the upload panel opens. */
  const composerShot = async (page, name) => {
    const box = await page.locator('#composer').boundingBox();
    const top = Math.max(0, box.y - 170);
    await page.screenshot({
      path: path.join(dir, `${name}.png`),
      clip: { x: box.x, y: top, width: box.width, height: box.y + box.height - top },
      animations: 'disabled',
    });
  };
  const alice = `alice${viewport.name}${scheme}`;
  const bob = `bob${viewport.name}${scheme}`;
  const a = await openAs(alice, 'general', viewport, scheme);
  // An administrator is in the room too, to show what their cards offer.
  const roomId = await a.page.evaluate(
    async (members) => {
      const response = await fetch('/api/rooms', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'design-review', members }),
      });
      return (await response.json()).id;
    },
    [bob, BROWSER_TEST_ADMIN],
  );
  await a.page.goto(`${base}/?room=${roomId}`);
  await a.page.waitForFunction(() => document.body.dataset.socket === 'connected');
  const b = await openAs(bob, roomId, viewport, scheme, { noWebRtc: true });

  // A few words first, so the room looks like a conversation.
  for (const [page, text] of [
    [a.page, 'Morning! Photos from the trip and the report are below.'],
    [b.page, 'Great, thanks — downloading now.'],
  ]) {
    await page.fill('#composer-input', text);
    await page.click('#composer button[type="submit"]');
  }

  await share(a.page, 'photos');
  for (const key of ['pdf', 'audio', 'video', 'text', 'revoked']) await share(a.page, key);
  // Bob: images come by themselves; the rest on request.
  for (const name of ['beach.png', 'portrait.png', 'mountains.png']) {
    const image = card(b.page, name);
    await waitForState(image, ['complete', 'available', 'connecting', 'transferring']);
    await b.page.waitForTimeout(300);
    if ((await image.getAttribute('state')) === 'available')
      await image.locator('button', { hasText: 'Download' }).click();
    await waitForState(image, 'complete');
  }
  await shot(card(b.page, 'quarterly-report.pdf'), 'card-available');
  for (const name of [
    'quarterly-report.pdf',
    'voice-note.wav',
    'screen-recording.webm',
    'server.log',
  ]) {
    await card(b.page, name).locator('button', { hasText: 'Download' }).click();
    await waitForState(card(b.page, name), 'complete');
  }
  await b.page.waitForTimeout(500);
  await shot(card(b.page, 'beach.png'), 'card-complete-image');
  await shot(card(b.page, 'quarterly-report.pdf'), 'card-complete-pdf');
  await shot(card(b.page, 'voice-note.wav'), 'card-complete-audio');
  await shot(card(b.page, 'screen-recording.webm'), 'card-complete-video');
  await shot(card(b.page, 'server.log'), 'card-complete-text');
  await shot(card(a.page, 'quarterly-report.pdf'), 'card-own');

  // An administrator who did not share the file: the menu deletes the server copy.
  const admin = await openAs(BROWSER_TEST_ADMIN, roomId, viewport, scheme, { noWebRtc: true });
  const adminCard = card(admin.page, 'quarterly-report.pdf');
  await adminCard.locator('[part="server"][data-server="cached"]').waitFor({ timeout: 20_000 });
  await adminCard.locator('.card__menu summary').click();
  await admin.page.waitForTimeout(200);
  await shot(adminCard, 'card-admin-menu');
  // The administrator never downloaded the PDF: its tile shows the first page the message
  // carried.
  await admin.page.click('#files-toggle');
  const pdfTile = card(admin.page.locator('chat-file-browser'), 'quarterly-report.pdf');
  await waitForState(pdfTile, 'available');
  await pdfTile.locator('.card__media img').waitFor({ timeout: 10_000 });
  await pdfTile.scrollIntoViewIfNeeded();
  await shot(pdfTile, 'files-tile-pdf-available');
  await admin.context.close();

  // Alice's upload panel while a large file is hashed and sent.
  const sending = share(a.page, 'big');
  await a.page.waitForSelector('chat-file-upload >> .upload__item', { timeout: 20_000 });
  await a.page.waitForTimeout(300);
  await composerShot(a.page, 'upload-panel');
  await a.page.screenshot({ path: path.join(dir, 'app-sending.png') });
  await a.page
    .waitForFunction(
      () =>
        document
          .querySelector('chat-file-upload')
          .shadowRoot.querySelector('[data-phase="uploading"]'),
      undefined,
      { timeout: 60_000 },
    )
    .catch(() => {});
  await a.page.waitForTimeout(1500);
  await composerShot(a.page, 'upload-panel-uploading');
  await sending;
  await composerShot(a.page, 'upload-done');

  // Bob receives a large file only Alice holds, over the relay: the bar, bytes, speed and
  // time left.
  await a.page.evaluate(async (room) => {
    const client = globalThis[Symbol.for('chat-files.default-client')];
    await client.shareFile(room, await window.__makeFile('stream'), { upload: false });
  }, roomId);
  const big = card(b.page, 'archive.bin');
  // A link about as fast as good home broadband, so the transfer lasts long enough to show
  // its speed (on loopback it is over in a second).
  const cdp = await b.context.newCDPSession(b.page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 10,
    downloadThroughput: 20_000_000,
    uploadThroughput: 20_000_000,
  });
  await big.locator('button', { hasText: 'Download' }).click();
  await waitForState(big, 'transferring');
  await shot(big, 'card-transferring');
  // Speed and time left appear once the transfer has run a couple of seconds.
  await b.page
    .waitForFunction(
      (el) =>
        /left/.test(el.shadowRoot.querySelector('[part="progress-detail"]')?.textContent ?? ''),
      await big.elementHandle(),
      { timeout: 10_000, polling: 50 },
    )
    .then(() => shot(big, 'card-transferring-rate'))
    .catch(() => console.log(`[screenshots] ${tag}: transfer ended before its speed showed`));
  await b.page.screenshot({ path: path.join(dir, 'app-receiving.png') });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  await waitForState(big, 'complete', 120_000);

  // Revoked: Alice stops sharing (after the confirmation), Bob's card says so.
  const draft = card(a.page, 'draft.bin');
  await draft.locator('summary').click();
  await draft.locator('button', { hasText: 'Stop sharing' }).click();
  await a.page.waitForTimeout(200);
  await a.page.screenshot({ path: path.join(dir, 'dialog-revoke.png') });
  await draft.locator('dialog button.danger').click();
  await waitForState(card(b.page, 'draft.bin'), 'unavailable');
  await shot(card(b.page, 'draft.bin'), 'card-unavailable');

  // The whole room, scrolled to the newest message.
  await b.page.screenshot({ path: path.join(dir, 'app-room.png') });

  // Lightbox over the room's images.
  await card(b.page, 'portrait.png').locator('.card__image').click();
  await b.page.waitForSelector('chat-file-lightbox[open]', { state: 'attached' });
  await b.page.waitForTimeout(200);
  await b.page.screenshot({ path: path.join(dir, 'lightbox.png') });
  await b.page.keyboard.press('Escape');

  // Offline sender: waiting (or, without the waiting state, the error after the wait).
  // Shared peer to peer only: once Alice leaves, nobody online holds it.
  await a.page.evaluate(async (room) => {
    const client = globalThis[Symbol.for('chat-files.default-client')];
    await client.shareFile(room, await window.__makeFile('offline'), { upload: false });
  }, roomId);
  await waitForState(card(b.page, 'backup.bin'), 'available');
  await a.context.close();
  await b.page.waitForTimeout(500);
  const offline = card(b.page, 'backup.bin');
  await offline.locator('button', { hasText: 'Download' }).click();
  await waitForState(offline, ['connecting', 'waiting']);
  await shot(offline, 'card-connecting');
  await waitForState(offline, ['waiting', 'error', 'unavailable'], 120_000);
  await b.page.waitForTimeout(1200);
  await shot(offline, `card-offline-${await offline.getAttribute('state')}`);
  if ((await offline.getAttribute('state')) === 'waiting') {
    // The wait keeps counting; the download starts by itself if Alice comes back.
    await b.page.waitForTimeout(3000);
    await shot(offline, 'card-offline-waiting-later');
  }

  // The files view: grid and list.
  await b.page.click('#files-toggle');
  await b.page.waitForSelector('chat-file-browser >> chat-file-card', { timeout: 20_000 });
  await b.page.waitForTimeout(1500);
  await b.page.screenshot({ path: path.join(dir, 'files-grid.png'), fullPage: false });
  await b.page.locator('chat-file-browser button[data-view="list"]').click();
  await b.page.waitForTimeout(500);
  await b.page.screenshot({ path: path.join(dir, 'files-list.png'), fullPage: false });
  // The file Alice revoked stays listed, marked Revoked, with nothing to download.
  const revokedRow = b.page.locator('chat-file-browser tbody tr[data-revoked]').first();
  await revokedRow.scrollIntoViewIfNeeded();
  await shot(revokedRow, 'files-list-revoked');
  await b.page.locator('chat-file-browser button[data-view="grid"]').click();
  const revokedTile = card(b.page.locator('chat-file-browser'), 'draft.bin');
  await waitForState(revokedTile, 'unavailable');
  await revokedTile.scrollIntoViewIfNeeded();
  await shot(revokedTile, 'files-tile-revoked');
  await b.context.close();
  console.log(`[screenshots] ${tag} done`);
}

try {
  for (const viewport of VIEWPORTS) {
    for (const scheme of SCHEMES) {
      if (args.only && args.only !== `${viewport.name}-${scheme}`) continue;
      await run(viewport, scheme);
    }
  }
  console.log(`[screenshots] in ${path.relative(root, outDir)}/`);
} finally {
  await stop();
}
process.exit(process.exitCode ?? 0);
