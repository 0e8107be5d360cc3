/**
 * The README's code, run: every JavaScript, TypeScript and HTML block in README.md names
 * the file it is (```js file=server.mjs); the `server.mjs` and `index.html` blocks are
 * written into a new app that is started and used by two people in Chromium (a file
 * shared, bytes equal), and the TypeScript blocks are type-checked against the package.
 * README and tests cannot drift apart.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/app-process.js';
import { startExample, type ExampleProcess } from './support/example-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CODE_LANGUAGES = new Set(['js', 'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'html']);

interface Block {
  lang: string;
  file: string | null;
  code: string;
  line: number;
}

/** The fenced code blocks of a Markdown text, with their `file=` names. */
function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i]!);
    if (!open || open[1] === '') continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    const file = /\bfile=(\S+)/.exec(open[2]!)?.[1] ?? null;
    blocks.push({ lang: open[1]!, file, code: `${body.join('\n')}\n`, line: start + 1 });
  }
  return blocks;
}

const blocks = codeBlocks(readFileSync(path.join(root, 'README.md'), 'utf8'));
const named = new Map(blocks.filter((b) => b.file).map((b) => [b.file!, b.code]));
let appDir = '';
let app: ExampleProcess | null = null;
let browser: Browser | null = null;

beforeAll(() => {
  appDir = mkdtempSync(path.join(tmpdir(), 'chat-files-readme-'));
  for (const [file, code] of named) writeFileSync(path.join(appDir, file), code);
  writeFileSync(path.join(appDir, 'package.json'), '{ "type": "module" }\n');
  // As after `npm install <tarball>`: the package and its dependencies in node_modules.
  const modules = path.join(appDir, 'node_modules');
  mkdirSync(modules);
  symlinkSync(root, path.join(modules, 'chat-files'));
  for (const name of readdirSync(path.join(root, 'node_modules'))) {
    if (!name.startsWith('.'))
      symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
  }
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  if (appDir) rmSync(appDir, { recursive: true, force: true });
});

describe('README.md', () => {
  it('names the file of every code block, so each one is run below', () => {
    const unnamed = blocks.filter((b) => CODE_LANGUAGES.has(b.lang) && !b.file);
    expect(unnamed.map((b) => `line ${b.line}: ${b.lang}`)).toEqual([]);
    expect([...named.keys()].sort()).toEqual([
      'index.html',
      'page.ts',
      'react-app.tsx',
      'server.mjs',
    ]);
  });

  it('type-checks its TypeScript blocks against the package', () => {
    writeFileSync(
      path.join(appDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2023', 'dom', 'dom.iterable'],
          jsx: 'react-jsx',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: [...named.keys()].filter((f) => /\.tsx?$/.test(f)),
      }),
    );
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      { cwd: appDir, encoding: 'utf8' },
    );
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('its server and page make a chat app in which two people share a file, bytes equal', async () => {
    app = await startExample(path.join(appDir, 'server.mjs'), { cwd: appDir });
    browser = await launchChromium();
    const open = async (name: string): Promise<Page> => {
      const page = await (await browser!.newContext()).newPage();
      page.on('pageerror', (error) => console.error(`[${name}] page error:`, error.message));
      await page.goto(app!.url);
      await page.getByPlaceholder('Your name').fill(name);
      await page.getByPlaceholder('Your name').press('Enter');
      // Signed in: connect() made the page's client. The form's answer reloads the page, so
      // the check may run before the new page has loaded the SDK.
      await page.waitForFunction(
        () =>
          ((window as unknown as { ChatFilesSDK?: { ChatFiles?: { default: unknown } } })
            .ChatFilesSDK?.ChatFiles?.default ?? null) !== null,
      );
      return page;
    };
    const alice = await open('alice');
    const bob = await open('bob');

    await alice.getByPlaceholder('Message').fill('hello from the README');
    await alice.getByRole('button', { name: 'Send' }).click();
    await bob.getByText('hello from the README').waitFor();

    const bytes = randomBytes(2 * 1024 * 1024 + 7);
    await alice
      .locator('chat-file-upload input[type="file"]')
      .setInputFiles({ name: 'readme.bin', mimeType: 'application/octet-stream', buffer: bytes });
    const card = bob.locator('chat-file-card', { hasText: 'readme.bin' });
    await card.waitFor();
    await card.evaluate((el) => (el as HTMLElement & { download(): void }).download());
    await expect.poll(() => card.getAttribute('state'), { timeout: 30_000 }).toBe('complete');
    const hash = await card.evaluate(async (el) => {
      const file = await (el as HTMLElement & { getFile(): Promise<File> }).getFile();
      const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
      return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    });
    expect(hash).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
