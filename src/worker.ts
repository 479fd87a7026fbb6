import { loadEnv } from './config/env.ts';
import { assertMigrated, createOrm } from './db/orm.ts';
import { startWorkerRuntime } from './jobs/runtime.ts';
import { runProcess } from './run-process.ts';
import { createServices, defaultDeps } from './services/index.ts';

/**
 * `npm run worker`: the outbox relay, the BullMQ workers (Slack delivery, timers, webhooks) and the reconciler,
 * as their own process. SIGTERM stops taking jobs and lets running ones finish before exiting.
 */
await runProcess(async () => {
  const env = loadEnv();
  const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  await assertMigrated(orm);
  const deps = defaultDeps(orm, env.APPROVAL_ADMINS);
  const runtime = await startWorkerRuntime({ env, orm, services: createServices(deps), deps });
  return {
    ready: `Worker running (queue prefix "${env.QUEUE_PREFIX}")`,
    stop: async () => {
      await runtime.stop();
      await orm.close();
    },
  };
});
