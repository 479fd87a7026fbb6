import { loadEnv } from './config/env.ts';
import { assertMigrated, createOrm } from './db/orm.ts';
import { healthRoutes } from './http/health.ts';
import { closeServer, listen } from './http/listen.ts';
import { metricsRoute } from './http/metrics.ts';
import { createHttpServer } from './http/server.ts';
import { startWorkerRuntime } from './jobs/runtime.ts';
import { configureLogging } from './observability/logger.ts';
import { addScrapeSource, databaseSource, queueDepthSource } from './observability/scrape-sources.ts';
import { runProcess } from './run-process.ts';
import { composeServices } from './compose.ts';

/**
 * `npm run worker`: the outbox relay, the BullMQ workers (Slack delivery, timers, webhooks) and the reconciler,
 * as their own process, with /healthz, /readyz and /metrics on PORT. SIGTERM turns readiness off, stops taking
 * jobs and lets running ones finish before exiting.
 */
await runProcess(async () => {
  const env = loadEnv();
  configureLogging(env.LOG_LEVEL);
  const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  await assertMigrated(orm);
  // Timers decide too, so roles bound to Slack user groups are brought up to date from here as well.
  const { deps, services, slackClients } = composeServices(env, orm);
  const runtime = await startWorkerRuntime({ env, services, deps, slackClients });
  const removeSources = [addScrapeSource('database', databaseSource(services)), addScrapeSource('queues', queueDepthSource(runtime.queues))];
  let stopping = false;
  const checks = () => ({
    ...services.health.checks(),
    redis: async () => {
      await runtime.queues.connection.ping();
    },
  });
  const server = createHttpServer([healthRoutes(checks, () => stopping), metricsRoute]);
  const port = await listen(server, env.PORT);
  return {
    ready: `Worker running (queue prefix "${env.QUEUE_PREFIX}"), health and metrics on :${port}`,
    stop: async () => {
      stopping = true;
      await runtime.stop();
      for (const remove of removeSources) remove();
      await closeServer(server);
      await orm.close();
    },
  };
});
