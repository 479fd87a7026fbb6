import { ConfigError, loadEnv } from './config/env.ts';
import { createOrm } from './db/orm.ts';
import { startWorkerRuntime } from './jobs/runtime.ts';
import { createServices, defaultDeps } from './services/index.ts';

/**
 * `npm run worker`: the outbox relay, the BullMQ workers (Slack delivery, timers, webhooks) and the reconciler,
 * as their own process. SIGTERM stops taking jobs and lets running ones finish before exiting.
 */
try {
  const env = loadEnv();
  const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  const pending = await orm.migrator.getPending();
  if (pending.length > 0) {
    await orm.close();
    console.error(`The database is missing migrations (${pending.map((m) => m.name).join(', ')}). Run \`npm run migrate\` first.`);
    process.exit(1);
  }
  const deps = defaultDeps(orm, env.APPROVAL_ADMINS);
  const runtime = await startWorkerRuntime({ env, orm, services: createServices(deps), deps });
  console.log(`Worker running (queue prefix "${env.QUEUE_PREFIX}")`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing running jobs`);
    runtime.stop()
      .then(() => orm.close())
      .then(() => process.exit(0), (error: unknown) => {
        console.error('worker shutdown failed', error);
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
