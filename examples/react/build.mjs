// Builds the React page into examples/react/dist with vite. In an app of your own,
// `npm install chat-files` makes the two `chat-files` imports resolve; here they point
// at this repository's build (run `npm run build` first).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../../dist/browser');

await build({
  root: here,
  configFile: false,
  logLevel: 'warn',
  resolve: {
    alias: [
      { find: /^chat-files\/react$/, replacement: path.join(dist, 'react.js') },
      { find: /^chat-files$/, replacement: path.join(dist, 'chat-files.js') },
    ],
  },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
console.log('[example:react] built examples/react/dist');
