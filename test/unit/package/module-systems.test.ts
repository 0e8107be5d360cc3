/**
 * The packed package as a host installs it: `npm pack`, unpacked into a temporary app's
 * node_modules, then a CommonJS host (`require`) and an ES module host (`import`) each
 * mount the server, serve a request and close; TypeScript checks a `.cts` and a `.mts`
 * host against the package's declarations. Needs `npm run build` first.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let app = '';

/** A host app's server, the same in both module systems but for how it loads things. */
function hostSource(load: (name: string) => string): string {
  return `${load('express')}
${load('node:http')}
${load('socket.io')}
${load('chat-files/server')}
${load('node:os')}
${load('node:fs')}
${load('node:path')}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-files-host-'));
const files = server.createChatFilesServer({
  dataDir,
  cleanupJob: false,
  logger: { info() {}, warn() {}, error() {} },
  host: {
    authenticate: (input) => server.bearerToken(input),
    listRoomIds: () => ['general'],
  },
});
const app = express();
app.use('/api/chat/files', files.router);
const httpServer = http.createServer(app);
files.attach(new io.Server(httpServer));
httpServer.listen(0, '127.0.0.1', async () => {
  const base = 'http://127.0.0.1:' + httpServer.address().port + '/api/chat/files';
  const me = await fetch(base + '/me', { headers: { authorization: 'Bearer alice' } });
  const sdk = await fetch(base + '/sdk/chat-files.js');
  console.log(JSON.stringify({ me: await me.json(), sdk: sdk.status, type: sdk.headers.get('content-type') }));
  await files.close();
  httpServer.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
`;
}

const requireAs = (binding: Record<string, string>) => (name: string) =>
  `const ${binding[name]} = require('${name}');`;
const importAs = (binding: Record<string, string>) => (name: string) =>
  `import ${name === 'chat-files/server' || name === 'socket.io' ? '* as ' : ''}${binding[name]} from '${name}';`;
const bindings = {
  express: 'express',
  'node:http': 'http',
  'socket.io': 'io',
  'chat-files/server': 'server',
  'node:os': 'os',
  'node:fs': 'fs',
  'node:path': 'path',
};

/** A typed host: the adapter's hooks and helpers as a TypeScript host writes them. */
const typedHost = (load: string) => `${load}
const host: HostAdapterInput = {
  authenticate: (input: AuthInput) => sessionToken(input, { cookie: 'sid' }),
  listRoomIds: async (username: string) => [username],
};
export const files = createChatFilesServer({ host, dataDir: './data' });
export const router: Router = files.router;
`;

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist/cjs/index.cjs'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  app = mkdtempSync(path.join(tmpdir(), 'chat-files-pack-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', app], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as Array<{ filename: string }>;
  const modules = path.join(app, 'node_modules');
  mkdirSync(modules);
  execFileSync('tar', ['-xzf', path.join(app, packed[0]!.filename), '-C', app]);
  execFileSync('mv', [path.join(app, 'package'), path.join(modules, 'chat-files')]);
  // The package's dependencies, as `npm install` would have put them next to it.
  for (const name of readdirSync(path.join(root, 'node_modules'))) {
    if (name === 'chat-files' || name.startsWith('.')) continue;
    symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
  }
}, 120_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

function runHost(file: string, source: string) {
  writeFileSync(path.join(app, file), source);
  // A host that cannot exit after `files.close()` (a timer or thread left running) fails here.
  const result = spawnSync(process.execPath, [file], {
    cwd: app,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(result.signal, 'the host process exits by itself after close()').toBe(null);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as { me: unknown; sdk: number; type: string };
}

describe('the packed package', () => {
  it('contains what the exports map points at, and no sources', () => {
    const pkg = path.join(app, 'node_modules/chat-files');
    for (const file of [
      'dist/cjs/index.cjs',
      'dist/cjs/types/server/index.d.ts',
      'dist/server/server/index.js',
      'dist/types/server/index.d.ts',
      'dist/browser/chat-files.js',
      'dist/browser/react.js',
      'dist/sdk/chat-files.js',
      'dist/sdk/chat-files.iife.js',
    ]) {
      expect(existsSync(path.join(pkg, file)), file).toBe(true);
    }
    expect(existsSync(path.join(pkg, 'server'))).toBe(false);
    expect(existsSync(path.join(pkg, 'src'))).toBe(false);
  });

  it('works in a CommonJS host: require("chat-files/server")', () => {
    const answer = runHost('host.cjs', hostSource(requireAs(bindings)));
    expect(answer).toEqual({
      me: { username: 'alice', groups: [] },
      sdk: 200,
      type: 'text/javascript; charset=utf-8',
    });
  });

  it('works in an ES module host: import from "chat-files/server"', () => {
    const answer = runHost('host.mjs', hostSource(importAs(bindings)));
    expect(answer).toEqual({
      me: { username: 'alice', groups: [] },
      sdk: 200,
      type: 'text/javascript; charset=utf-8',
    });
  });

  it('has types for both: a .cts host and a .mts host type-check', () => {
    const names = 'createChatFilesServer, sessionToken, type AuthInput, type HostAdapterInput';
    writeFileSync(
      path.join(app, 'host-cjs.cts'),
      typedHost(
        `import type { Router } from 'express';\nimport { ${names} } from 'chat-files/server';`,
      ) +
        // A wrong hook must fail to compile, or the check proves nothing.
        `// @ts-expect-error isMember answers a boolean\nexport const wrong: HostAdapterInput = { authenticate: () => null, isMember: () => 'yes' };\n`,
    );
    writeFileSync(
      path.join(app, 'host-esm.mts'),
      typedHost(
        `import type { Router } from 'express';\nimport { ${names} } from 'chat-files/server';`,
      ),
    );
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['host-cjs.cts', 'host-esm.mts'],
      }),
    );
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      { cwd: app, encoding: 'utf8' },
    );
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
