import { ConfigError } from './config/env.ts';
import { loggerFor } from './observability/logger.ts';

const log = loggerFor('process');

/** After this long a stop that has not finished is abandoned: the orchestrator would kill us anyway. */
const STOP_DEADLINE_MS = 30_000;

/** EX_CONFIG from sysexits.h: the process cannot run as configured. */
export const EXIT_CONFIG = 78;

/**
 * What to print when a process cannot start or a command fails: a ConfigError or StartupError is one line
 * (or one per bad variable) naming its cause (`expected`); anything else is a bug and keeps its stack.
 */
export function describeFailure(error: unknown): { readonly message: string; readonly exitCode: number; readonly expected: boolean } {
  if (error instanceof ConfigError) return { message: error.message, exitCode: EXIT_CONFIG, expected: true };
  return { message: error instanceof Error ? (error.stack ?? error.message) : String(error), exitCode: 1, expected: false };
}

/**
 * Runs a long-lived process (the app or the worker). The signal handlers are in place before anything
 * starts, so SIGTERM or SIGINT always stops it once, letting running work finish (a signal during start-up
 * stops it as soon as start-up is done). A start-up problem prints its message on stderr and exits 78.
 */
export async function runProcess(start: () => Promise<{ readonly ready: string; stop(): Promise<void> }>): Promise<void> {
  let running: { stop(): Promise<void> } | null = null;
  let stopRequested: string | null = null;

  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down: no new work, letting running work finish');
    running?.stop().then(() => {
      log.info('stopped cleanly');
      process.exit(0);
    }, (error: unknown) => {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  const onSignal = (signal: string) => {
    if (stopRequested) return;
    stopRequested = signal;
    const deadline = setTimeout(() => {
      log.error({ deadlineMs: STOP_DEADLINE_MS }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS);
    deadline.unref();
    if (running) stop(signal);
    else log.info({ signal }, 'stop requested while starting: stopping once start-up is done');
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));

  try {
    const started = await start();
    running = started;
    log.info(started.ready);
    if (stopRequested) stop(stopRequested);
  } catch (error) {
    const failure = describeFailure(error);
    // Plain text on stderr: the operator reads this one before any log pipeline is set up.
    console.error(failure.expected ? failure.message : `Could not start: ${failure.message}`);
    process.exit(failure.exitCode);
  }
}
