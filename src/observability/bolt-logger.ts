import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from './logger.ts';

const TO_PINO: Record<LogLevel, string> = { [LogLevel.DEBUG]: 'debug', [LogLevel.INFO]: 'info', [LogLevel.WARN]: 'warn', [LogLevel.ERROR]: 'error' };
const FROM_PINO: Record<string, LogLevel> = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR };

/**
 * Bolt and the Web API client log request bodies as text at debug level; the client masks fields named like a
 * token but not the app's client secret (oauth.v2.access), and a token can sit inside any string. Both are cut
 * out of the text before pino sees it (pino's redaction only reaches structured fields).
 */
const SECRET_TEXT = [
  { pattern: /(["']?client_secret["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi, replace: '$1[redacted]' },
  { pattern: /\b(?:xox[a-z]?|xapp)[-.][A-Za-z0-9._-]+/g, replace: '[redacted token]' },
];
export const scrubSecrets = (text: string): string => SECRET_TEXT.reduce((out, { pattern, replace }) => out.replace(pattern, replace), text);

/** An error as a log field: its type, code, message and stack, with secrets cut out of the text. */
function scrubbedError(error: Error): Record<string, string> {
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: scrubSecrets(error.message), ...(typeof code === 'string' ? { code } : {}), ...(error.stack ? { stack: scrubSecrets(error.stack) } : {}) };
}

/** Bolt's message-list arguments as one pino call: the first Error becomes `err`, the rest joins the message. */
function emit(logger: Logger, level: 'debug' | 'info' | 'warn' | 'error', parts: unknown[]): void {
  // The Web API client logs every request and answer at debug: below the level, they are not even scrubbed.
  if (!logger.isLevelEnabled(level)) return;
  const error = parts.find((part): part is Error => part instanceof Error);
  const message = scrubSecrets(parts.filter((part) => part !== error).map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' '));
  // An install that a person cancelled or that came back stale is theirs to retry (they see a page), not our failure.
  const installFlow = error !== undefined && /^slack_oauth_/.test(String((error as { code?: unknown }).code));
  if (error) logger[installFlow && level === 'error' ? 'warn' : level]({ err: scrubbedError(error) }, message || scrubSecrets(error.message));
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
