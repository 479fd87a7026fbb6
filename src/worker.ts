import { loadEnv } from './config/env.ts';
import { openMigratedDatabase } from './db/connect.ts';
import { healthRoutes } from './http/health.ts';
import { closeServer, listen } from './http/listen.ts';
import { metricsRoute } from './http/metrics.ts';
import { createHttpServer } from './http/server.ts';
import { startWorkerRuntime, type WorkerRuntime } from './jobs/runtime.ts';
import { configureLogging } from './observability/logger.ts';
import { addScrapeSource, databaseSource, queueDepthSource } from './observability/scrape-sources.ts';
import { runProcess } from './run-process.ts';
import { checkSlackCredentials } from './slack/credentials.ts';
import { composeServices } from './compose.ts';
import { slackMode } from './config/slack-mode.ts';

/**
 * `npm run worker`: the outbox relay, the BullMQ workers (Slack delivery, timers, webhooks) and the reconciler,
 * as their own process, with /healthz, /readyz and /metrics on PORT. SIGTERM turns readiness off, stops taking
 * jobs and lets running ones finish before exiting.
 */
await runProcess(async () => {
  const env = loadEnv();
  configureLogging(env.LOG_LEVEL);
  // One workspace: the worker posts with the bot token, so a token Slack refuses stops it here, as it stops the
  // app. With OAuth each installation's token was checked when it was stored.
  const mode = slackMode(env);
  if (mode.kind === 'single') await checkSlackCredentials({ SLACK_BOT_TOKEN: mode.botToken, SLACK_API_URL: env.SLACK_API_URL });
  const orm = await openMigratedDatabase({ databaseUrl: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  // Timers decide too, so roles bound to Slack user groups are brought up to date from here as well.
  const { deps, services, slackClients } = composeServices(env, orm);
  let runtime: WorkerRuntime | null = null;
  let stopping = false;
  const checks = () => ({
    ...services.health.checks(),
    redis: async () => {
      if (!runtime) throw new Error('the worker is still starting');
      await runtime.queues.connection.ping();
    },
  });
  // The port first: a port in use stops start-up before any job is taken.
  const server = createHttpServer([healthRoutes(checks, () => stopping), metricsRoute]);
  let port: number;
  try {
    port = await listen(server, env.PORT);
  } catch (error) {
    await orm.close();
    throw error;
  }
  const started = await startWorkerRuntime({ env, services, deps, slackClients });
  runtime = started;
  const removeSources = [addScrapeSource('database', databaseSource(services)), addScrapeSource('queues', queueDepthSource(started.queues))];
  return {
    ready: `Worker running (queue prefix "${env.QUEUE_PREFIX}"), health and metrics on :${port}`,
    stop: async () => {
      stopping = true;
      await started.stop();
      for (const remove of removeSources) remove();
      await closeServer(server);
      await orm.close();
    },
  };
});
