// Builds everything `npm start` and package users need:
//   dist/browser/chat-files.js       ES module (self-contained, the worker inlined)
//   dist/browser/chat-files.iife.js  one file for <script src>, global `ChatFilesSDK`
//   dist/browser/react.js            `chat-files/react`: the elements as React components
//   dist/sdk/                        what the router serves at <mount>/sdk/: chat-files.js
//                                    (ESM, its worker a separate content-hashed file next
//                                    to it) and chat-files.iife.js
//   dist/chat-app/app.js             the reference app's page script
//   dist/server/                     the server and the reference app, compiled for Node
//   dist/cjs/index.cjs               the server for `require('chat-files/server')`
//   dist/types/                      type declarations (dist/cjs/types: the same, for require)
//   dist/custom-elements.json        the elements' manifest
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
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
    rollupOptions: {
      // connect.ts reads `import.meta.url` in the ES build and `currentScript` in the IIFE.
      onLog(level, log, handler) {
        if (log.code !== 'EMPTY_IMPORT_META') handler(level, log);
      },
    },
  },
});

// `chat-files/react`: react, @lit/react and the SDK itself stay imports, so the page has
// one copy of each (the elements are then registered once, by `chat-files`).
const sdkAsPackage = {
  name: 'chat-files-as-package',
  enforce: 'pre',
  resolveId: (source) => (source === '../index.js' ? { id: 'chat-files', external: true } : null),
};
await build({
  ...shared,
  plugins: [sdkAsPackage],
  build: {
    outDir: 'dist/browser',
    emptyOutDir: false,
    sourcemap: true,
    target: 'es2022',
    lib: {
      entry: path.join(root, 'src/react/index.ts'),
      formats: ['es'],
      fileName: () => 'react.js',
    },
    rollupOptions: { external: [/^react($|\/)/, /^@lit\/react/] },
  },
});

/**
 * The ESM bundle the router serves loads its worker from a file next to it (a page whose
 * CSP forbids `blob:` workers can still use it); the package's own bundles keep it inlined.
 */
const servedWorker = {
  name: 'chat-files-served-worker',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (!source.endsWith('?worker&inline')) return null;
    return this.resolve(source.replace(/\?worker&inline$/, '?worker'), importer, {
      ...options,
      skipSelf: true,
    });
  },
};

await build({
  ...shared,
  base: './',
  plugins: [servedWorker],
  build: {
    outDir: 'dist/sdk',
    emptyOutDir: false,
    sourcemap: true,
    target: 'es2022',
    copyPublicDir: false,
    modulePreload: false,
    rollupOptions: {
      input: path.join(root, 'src/index.ts'),
      preserveEntrySignatures: 'exports-only',
      output: {
        format: 'es',
        entryFileNames: 'chat-files.js',
        chunkFileNames: 'chat-files-[hash].js',
        assetFileNames: '[name]-[hash][extname]',
      },
    },
  },
});
for (const name of ['chat-files.iife.js', 'chat-files.iife.js.map']) {
  cpSync(path.join(root, 'dist/browser', name), path.join(root, 'dist/sdk', name));
}

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
// `require('chat-files/server')`: one CommonJS file; packages stay `require`d from
// node_modules (better-sqlite3 and pg are native or optional and must never be bundled).
await esbuild({
  entryPoints: [path.join(root, 'server/index.ts')],
  outfile: path.join(root, 'dist/cjs/index.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  define: { 'import.meta.url': '__chatFilesModuleUrl' },
  banner: {
    js: "const __chatFilesModuleUrl = require('node:url').pathToFileURL(__filename).href;",
  },
});
// The same declarations, read as CommonJS (the folder's package.json says so), so
// TypeScript accepts them for `require` in a CommonJS project.
cpSync(path.join(root, 'dist/types'), path.join(root, 'dist/cjs/types'), { recursive: true });
writeFileSync(path.join(root, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');

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
