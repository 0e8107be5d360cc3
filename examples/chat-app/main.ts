/**
 * Starts the reference chat app: `PORT`, `DATA_DIR`, `CHAT_FILES_CONFIG`, `PUBLIC_ORIGIN`.
 */
import { createChatApp } from './app.js';
import { loadAppConfig } from './config-file.js';

async function main(): Promise<void> {
  const port =
    process.env.PORT === undefined || process.env.PORT === '' ? 3000 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
  }
  const config = loadAppConfig(process.env.CHAT_FILES_CONFIG, (m) =>
    console.warn(`[chat-app] warning: ${m}`),
  );
  const chat = createChatApp({
    dataDir: process.env.DATA_DIR || './data',
    config,
    publicOrigin: process.env.PUBLIC_ORIGIN || `http://localhost:${port}`,
    corsOrigins: (process.env.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  });
  const bound = await chat.listen(port);
  console.log(`[chat-app] ready at http://localhost:${bound}`);
  const stop = () => {
    void chat.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(
    `[chat-app] cannot start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
