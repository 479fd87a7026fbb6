import { ConfigError } from './config/env.ts';

/**
 * Runs a long-lived process (the app or the worker): a configuration problem prints its message and exits
 * with 78 (EX_CONFIG); SIGTERM or SIGINT stops it once, letting running work finish, then exits.
 */
export async function runProcess(start: () => Promise<{ readonly ready: string; stop(): Promise<void> }>): Promise<void> {
  try {
    const running = await start();
    console.log(running.ready);
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal}: shutting down, letting running work finish`);
      running.stop().then(() => process.exit(0), (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
}
