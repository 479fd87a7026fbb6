import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from './logger.ts';

const TO_PINO: Record<LogLevel, string> = { [LogLevel.DEBUG]: 'debug', [LogLevel.INFO]: 'info', [LogLevel.WARN]: 'warn', [LogLevel.ERROR]: 'error' };
const FROM_PINO: Record<string, LogLevel> = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR };

/** Bolt's message-list arguments as one pino call: the first Error becomes `err`, the rest joins the message. */
function emit(logger: Logger, level: 'debug' | 'info' | 'warn' | 'error', parts: unknown[]): void {
  const error = parts.find((part): part is Error => part instanceof Error);
  const message = parts.filter((part) => part !== error).map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  if (error) logger[level]({ err: error }, message || error.message);
  else logger[level](message);
}

/** Bolt (and the Web API client it makes) log through our pino logger, so their lines carry trace ids too. */
export function boltLogger(logger: Logger): BoltLogger {
  let current = logger;
  return {
    debug: (...parts: unknown[]) => emit(current, 'debug', parts),
    info: (...parts: unknown[]) => emit(current, 'info', parts),
    warn: (...parts: unknown[]) => emit(current, 'warn', parts),
    error: (...parts: unknown[]) => emit(current, 'error', parts),
    setLevel: (level: LogLevel) => {
      current.level = TO_PINO[level];
    },
    getLevel: () => FROM_PINO[current.level] ?? LogLevel.INFO,
    setName: (name: string) => {
      current = current.child({ name });
    },
  };
}
