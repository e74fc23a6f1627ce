// One pino logger per CLI process: JSON lines on stdout, so node logs can be collected and grepped by tests and launchers.
import { pino, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLogger(level: string): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`unknown log level "${level}" (use one of ${LOG_LEVELS.join(', ')})`);
  // A synchronous destination so the last lines before process.exit() are not lost.
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
}
