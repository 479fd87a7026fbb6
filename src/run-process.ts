import { ConfigError } from './config/env.ts';
import { loggerFor } from './observability/logger.ts';

const log = loggerFor('process');

/** After this long a stop that has not finished is abandoned: the orchestrator would kill us anyway. */
const STOP_DEADLINE_MS = 30_000;

/**
 * Runs a long-lived process (the app or the worker): a configuration problem prints its message and exits
 * with 78 (EX_CONFIG); SIGTERM or SIGINT stops it once, letting running work finish, then exits.
 */
export async function runProcess(start: () => Promise<{ readonly ready: string; stop(): Promise<void> }>): Promise<void> {
  try {
    const running = await start();
    log.info(running.ready);
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down: no new work, letting running work finish');
      const deadline = setTimeout(() => {
        log.error({ deadlineMs: STOP_DEADLINE_MS }, 'shutdown did not finish in time; exiting');
        process.exit(1);
      }, STOP_DEADLINE_MS);
      deadline.unref();
      running.stop().then(() => {
        log.info('stopped cleanly');
        process.exit(0);
      }, (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  } catch (error) {
    if (error instanceof ConfigError) {
      // Plain text on stderr: the operator reads this one before any log pipeline is set up.
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
}
