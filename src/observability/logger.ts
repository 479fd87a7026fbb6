import { pino, type Logger as PinoLogger } from 'pino';
import { currentContext } from './log-context.ts';

export type Logger = PinoLogger;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Secrets never reach a log line, whatever a caller passes: tokens, signing material and authorization
 * headers are censored by path wherever they appear one or two levels deep.
 */
const REDACT = [
  'token', 'password', 'secret', 'authorization', 'signingSecret', 'privateKey',
  '*.token', '*.password', '*.secret', '*.authorization', '*.signingSecret', '*.privateKey',
  'headers.authorization', 'headers.cookie', 'headers["x-slack-signature"]', 'req.headers.authorization', 'req.headers.cookie',
];

function build(level: LogLevel | 'silent'): Logger {
  // Asynchronous writes: a line costs a buffer append, not a write(2) on the decision path; pino flushes what
  // is buffered when the process exits.
  const destination = pino.destination({ dest: 1, sync: false });
  return pino({
    level,
    base: { service: 'approvals', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT, censor: '[redacted]' },
    // Every line carries the trace and correlation id of the request or job it belongs to.
    mixin: () => {
      const context = currentContext();
      if (!context) return {};
      return { traceId: context.traceId, ...(context.correlationId ? { correlationId: context.correlationId } : {}), ...(context.source ? { source: context.source } : {}) };
    },
  }, destination);
}

const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'];
// Before the environment is parsed: an empty or unknown LOG_LEVEL means the default (the schema reports a bad one).
const startLevel = process.env.LOG_LEVEL && LEVELS.includes(process.env.LOG_LEVEL) ? (process.env.LOG_LEVEL as LogLevel) : 'info';
const root: Logger = build(startLevel);
/** Component loggers are made at import time, before the environment is parsed; the level reaches them all. */
const children: Logger[] = [];

/** Sets the process-wide level once the environment is parsed (LOG_LEVEL). */
export function configureLogging(level: LogLevel): void {
  root.level = level;
  for (const child of children) child.level = level;
}

/** A logger for one part of the process (`slack`, `worker`, `relay`, ...). */
export function loggerFor(component: string): Logger {
  const child = root.child({ component });
  children.push(child);
  return child;
}
