import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { RequestMeta } from '../services/deps.ts';
import { UsageError } from './run-cli.ts';

/** The `--actor` option every command that writes audit events takes. */
export const ACTOR_OPTION = { actor: { type: 'string' } } as const;

const osUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }
};

/** The usage line of `--actor`. */
export const ACTOR_USAGE = '--actor <name>           who runs this (recorded in the audit trail; default: the OS user)';

/**
 * The audit origin of a command (a bad --actor is a usage error): who ran it, from `--actor` (a name, an email, a ticket: what the operator's
 * organisation uses) or else the OS user running the process, and which of the two it is.
 */
export function cliMeta(command: string, actor: string | undefined): RequestMeta & { readonly ranBy: string } {
  if (actor !== undefined && !/^[^\p{Cc}\p{Cs}]{1,100}$/u.test(actor.trim())) {
    throw new UsageError('--actor must be 1 to 100 characters (who runs this command), without control characters');
  }
  const flagged = actor?.trim();
  const ranBy = flagged || osUser();
  return { origin: { kind: 'cli', command, ranBy, ranByFrom: flagged ? 'actor_flag' : 'os_user' }, traceId: randomUUID(), ranBy };
}
