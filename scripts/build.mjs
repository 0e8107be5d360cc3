// Builds everything `npm start` and package users need:
//   dist/browser/chat-files.js       ES module (self-contained, the worker inlined)
//   dist/browser/chat-files.iife.js  one file for <script src>, global `ChatFilesSDK`
//   dist/chat-app/app.js             the reference app's page script
//   dist/server/                     the server and the reference app, compiled for Node
//   dist/types/                      type declarations
//   dist/custom-elements.json        the elements' manifest
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (name, args) => execFileSync(bin(name), args, { cwd: root, stdio: 'inherit' });
const quiet = { logLevel: 'warn', configFile: false, root };

rmSync(path.join(root, 'dist'), { recursive: true, force: true });

const shared = {
  ...quiet,
  esbuild: { target: 'es2022' },
  worker: { format: 'iife' },
};

await build({
  ...shared,
  build: {
    outDir: 'dist/browser',
    emptyOutDir: false,
    sourcemap: true,
    target: 'es2022',
    lib: {
      entry: path.join(root, 'src/index.ts'),
      formats: ['es', 'iife'],
      name: 'ChatFilesSDK',
      fileName: (format) => (format === 'es' ? 'chat-files.js' : 'chat-files.iife.js'),
    },
  },
});

await build({
  ...shared,
  build: {
    outDir: 'dist/chat-app',
    emptyOutDir: false,
    sourcemap: true,
    target: 'es2022',
    rollupOptions: {
      input: path.join(root, 'examples/chat-app/client/app.ts'),
      output: { entryFileNames: 'app.js', format: 'es' },
    },
  },
});

run('tsc', ['-p', 'tsconfig.build.json']);
run('tsc', ['-p', 'tsconfig.types.json']);
run('cem', [
  'analyze',
  '--litelement',
  '--globs',
  'src/components/**/*.component.ts',
  '--outdir',
  'dist',
  '--quiet',
]);
console.log('[build] dist/ ready');
