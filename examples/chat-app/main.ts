/**
 * Starts the reference chat app: `PORT`, `DATA_DIR`, `CHAT_FILES_CONFIG`, `PUBLIC_ORIGIN`,
 * `CORS_ORIGINS`, and for several nodes `DATABASE_URL`, `REDIS_URL`, `RELAY_SESSION_KEY`,
 * `SHUTDOWN_TIMEOUT_MS`, `SHUTDOWN_READINESS_GRACE_MS`. Logs are JSON lines (pino) at `LOG_LEVEL`.
 */
import { createJsonLogger, pinoLogger } from '../../server/logging.js';
import { createChatApp } from './app.js';
import { loadAppConfig } from './config-file.js';
import { openEngines } from './engines.js';

const log = createJsonLogger({ base: { pid: process.pid, port: process.env.PORT } });

/** A whole number of milliseconds from the environment, or the fallback. */
function millis(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number of milliseconds, got ${JSON.stringify(raw)}`);
  }
  return value;
}

async function main(): Promise<void> {
  const port =
    process.env.PORT === undefined || process.env.PORT === '' ? 3000 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
  }
  const relaySessionKey = process.env.RELAY_SESSION_KEY || undefined;
  if (relaySessionKey !== undefined && Buffer.byteLength(relaySessionKey) < 16) {
    throw new Error('RELAY_SESSION_KEY must be at least 16 bytes (32 random bytes are best)');
  }
  const shutdownTimeoutMs = millis('SHUTDOWN_TIMEOUT_MS', 30_000);
  const readinessGraceMs = millis('SHUTDOWN_READINESS_GRACE_MS', 0);
  const config = loadAppConfig(process.env.CHAT_FILES_CONFIG, (m) => log.warn(m));
  const engines = await openEngines(process.env);
  const chat = createChatApp({
    dataDir: process.env.DATA_DIR || './data',
    config,
    publicOrigin: process.env.PUBLIC_ORIGIN || `http://localhost:${port}`,
    corsOrigins: (process.env.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    logger: pinoLogger(log),
    requestLog: log,
    store: engines.store,
    socketAdapter: engines.adapter,
    readinessChecks: engines.checks,
    files: {
      ...engines.files,
      // The SDK's metadata goes to the same database; its relay key then comes from there too.
      ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
      ...(relaySessionKey ? { relaySessionKey } : {}),
    },
  });
  const bound = await chat.listen(port);
  log.info({ port: bound }, `ready at http://localhost:${bound}`);
  // The first signal drains; a second one stops at once.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'draining');
    void chat
      .shutdown({ timeoutMs: shutdownTimeoutMs, readinessGraceMs })
      .then(() => engines.close())
      .then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  log.fatal(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
