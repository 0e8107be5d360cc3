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
      }).catch(next);
    });
    app.use(errorMiddleware());
    proxy = createServer(app);
    proxyUrl = await listen(proxy);
  });
  afterAll(() => {
    for (const server of [peer, other, proxy]) server.close();
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

  it('cuts a preview that exceeds the size cap', async () => {
    const res = await get(`${peerUrl}/huge`);
    const received = await res.arrayBuffer().then(
      (b) => b.byteLength,
      () => -1,
    );
    expect(received).toBeLessThan(400 * 64 * 1024);
  });
});
