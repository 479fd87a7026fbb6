import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { RequestMeta } from '../services/deps.ts';

/** The `--actor` option every command that writes audit events takes. */
export const ACTOR_OPTION = { actor: { type: 'string' } } as const;

const osUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }
};


/**
 * The audit origin of a command (a bad --actor stops it with exit code 2): who ran it, from `--actor` (a name, an email, a ticket: what the operator's
 * organisation uses) or else the OS user running the process, and which of the two it is.
 */
export function cliMeta(command: string, actor: string | undefined): RequestMeta & { readonly ranBy: string } {
  if (actor !== undefined && !/^[^\p{Cc}\p{Cs}]{1,100}$/u.test(actor.trim())) {
    console.error(`${command}: --actor must be 1 to 100 characters (who runs this command), without control characters`);
    process.exit(2);
  }
  const flagged = actor?.trim();
  const ranBy = flagged || osUser();
  return { origin: { kind: 'cli', command, ranBy, ranByFrom: flagged ? 'actor_flag' : 'os_user' }, traceId: randomUUID(), ranBy };
}
