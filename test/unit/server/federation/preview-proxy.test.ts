import { createServer, type Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyPreview } from '../../../../server/federation/preview-proxy.js';
import { errorMiddleware } from '../../../../server/errors.js';

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    }),
  );

describe('preview proxy', () => {
  let peer: Server;
  let other: Server;
  let proxy: Server;
  let peerUrl: string;
  let otherUrl: string;
  let proxyUrl: string;

  beforeAll(async () => {
    peer = createServer((req, res) => {
      if (req.url === '/ok.png')
        return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      if (req.url === '/redirect')
        return res.writeHead(302, { location: `${otherUrl}/ok.png` }).end();
      if (req.url === '/evil.svg')
        return res
          .writeHead(200, { 'content-type': 'image/svg+xml' })
          .end('<svg onload="alert(1)"/>');
      if (req.url === '/huge') {
        res.writeHead(200, { 'content-type': 'image/png' });
        const chunk = Buffer.alloc(64 * 1024);
        let sent = 0;
        const write = () => {
          while (sent < 400) {
            sent += 1;
            if (!res.write(chunk)) return res.once('drain', write);
          }
          res.end();
        };
        return write();
      }
      if (req.url === '/gone') return res.writeHead(410).end();
      if (req.url === '/stall') {
        // Headers and the first bytes, then nothing: the connection stays open.
        res.writeHead(200, { 'content-type': 'image/png' });
        return res.write(PNG.subarray(0, 10));
      }
      if (req.url === '/short') {
        // Declares more than it sends, then closes.
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': '5000' });
        res.write(PNG);
        return setTimeout(() => res.socket?.destroy(), 20);
      }
      if (req.url === '/not-an-image.png')
        return res.writeHead(200, { 'content-type': 'image/png' }).end('<html>hello</html>');
      if (req.url === '/text') return res.writeHead(200, { 'content-type': 'text/html' }).end('x');
      res.writeHead(404).end();
    });
    other = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG),
    );
    peerUrl = await listen(peer);
    otherUrl = await listen(other);
    const app = express();
    app.get('/proxy', (req, res, next) => {
      proxyPreview(String(req.query.url), res, {
        trustedOrigins: [peerUrl],
        maxBytes: 1024 * 1024,
        timeoutMs: 1000,
      }).catch(next);
    });
    app.use(errorMiddleware());
    proxy = createServer(app);
    proxyUrl = await listen(proxy);
  });
  afterAll(() => {
    for (const server of [peer, other, proxy]) {
      server.closeAllConnections();
      server.close();
    }
  });

  const get = (url: string) => fetch(`${proxyUrl}/proxy?url=${encodeURIComponent(url)}`);

  it('streams an image from a trusted peer with safe headers', async () => {
    const res = await get(`${peerUrl}/ok.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('refuses other hosts and loopback ports that are not the peer', async () => {
    expect((await get(`${otherUrl}/ok.png`)).status).toBe(403);
    expect((await get('http://127.0.0.1:22/')).status).toBe(403);
    expect((await get('file:///etc/passwd')).status).toBe(403);
    expect((await get('not a url')).status).toBe(400);
  });

  it('follows no redirect, passes no SVG, and reports a revoked file as gone', async () => {
    expect((await get(`${peerUrl}/redirect`)).status).toBe(502);
    expect((await get(`${peerUrl}/evil.svg`)).status).toBe(502);
    expect((await get(`${peerUrl}/gone`)).status).toBe(410);
  });

  const expectBadGateway = async (path: string, message: RegExp) => {
    const res = await get(`${peerUrl}${path}`);
    expect(res.status, path).toBe(502);
    const body = (await res.json()) as { code: string; error: string };
    expect(body.code).toBe('ERR_BAD_GATEWAY');
    expect(body.error).toMatch(message);
  };

  it('answers 502 instead of a cut-off image when a preview without a length runs past the cap', async () => {
    await expectBadGateway('/huge', /larger than 1048576 bytes/);
  });

  it('answers 502 when the origin stalls mid-image, within the time limit', async () => {
    await expectBadGateway('/stall', /took longer than 1000 ms/);
  });

  it('answers 502 for a malformed answer: short body, wrong bytes, not an image type', async () => {
    await expectBadGateway('/short', /broke off|another length/);
    await expectBadGateway('/not-an-image.png', /not the image\/png it claims/);
    await expectBadGateway('/text', /did not send an image/);
  });

  it('still serves a good image after all that, with its exact length', async () => {
    const res = await get(`${peerUrl}/ok.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(PNG.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
  });
});
