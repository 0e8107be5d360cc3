// Browser tests in the system Chromium, against a real reference app started for the run.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { tsImport } from 'tsx/esm/api';

const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium'].filter(Boolean);
const executablePath = candidates.find((candidate) => existsSync(candidate));
if (!executablePath) {
  console.error(
    `No Chromium found (looked at ${candidates.join(', ')}). Install it: apt-get install -y chromium, ` +
      'or set CHROME_PATH to a Chromium or Chrome binary.',
  );
  process.exit(1);
}

const { chromiumArgs } = await tsImport('./test/support/chromium-args.ts', import.meta.url);
const { browserTestServerConfig, browserTestLargeServerConfig } = await tsImport(
  './test/browser/support/server-config.ts',
  import.meta.url,
);

/**
 * Starts the reference app on a free port for the tests; its URL is served at
 * /__chat-server__. `?profile=large` starts (on first use) a second app that accepts
 * files up to 600 MB, for the large-transfer measurement.
 */
function chatServerPlugin() {
  const profiles = { default: browserTestServerConfig, large: browserTestLargeServerConfig };
  const running = new Map();
  const start = (profile) => {
    let app = running.get(profile);
    if (!app) {
      app = (async () => {
        const { createChatApp } = await tsImport('./examples/chat-app/app.ts', import.meta.url);
        const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-wtr-'));
        const chat = createChatApp({
          dataDir,
          config: profiles[profile](),
          corsOrigins: true,
          logger: { info() {}, warn() {}, error: (m, e) => console.error('[chat-server]', m, e) },
        });
        const port = await chat.listen(0, '127.0.0.1');
        return { chat, dataDir, url: `http://127.0.0.1:${port}` };
      })();
      running.set(profile, app);
    }
    return app;
  };
  return {
    name: 'chat-server',
    async serverStart() {
      await start('default');
    },
    async serverStop() {
      for (const app of running.values()) {
        const { chat, dataDir } = await app;
        await chat.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    async serve(context) {
      if (context.path === '/__chat-server__') {
        const profile = context.URL.searchParams.get('profile') ?? 'default';
        if (!Object.hasOwn(profiles, profile)) {
          return { body: JSON.stringify({ error: `unknown profile ${profile}` }), type: 'json' };
        }
        const { url } = await start(profile);
        return { body: JSON.stringify({ url }), type: 'application/json' };
      }
      // Vite's inline-worker import, served as a module worker straight from source.
      if (context.URL.searchParams.has('worker') && context.URL.searchParams.has('inline')) {
        const workerPath = JSON.stringify(context.path);
        return {
          body:
            `export default function WorkerWrapper(options) {\n` +
            `  return new Worker(new URL(${workerPath}, location.origin), { ...options, type: 'module' });\n` +
            `}\n`,
          type: 'js',
        };
      }
      return undefined;
    },
  };
}

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: { browser: true, exportConditions: ['browser', 'production'] },
  concurrency: 1,
  testsFinishTimeout: 20 * 60 * 1000,
  browserStartTimeout: 60_000,
  testFramework: { config: { timeout: 120_000 } },
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }),
    chatServerPlugin(),
  ],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath,
        headless: true,
        // Precise heap figures (and gc()) for the memory measurement of large transfers.
        args: [...chromiumArgs, '--enable-precise-memory-info', '--js-flags=--expose-gc'],
      },
    }),
  ],
};
