import type { Server } from 'node:http';
import type { Env } from './config/env.ts';
import { openMigratedDatabase } from './db/connect.ts';
import type { Orm } from './db/orm.ts';
import { healthRoutes, type ReadinessCheck } from './http/health.ts';
import { metricsRoute } from './http/metrics.ts';
import { queueDashboardRoute } from './http/queue-dashboard.ts';
import { closeServer, listen } from './http/listen.ts';
import { createHttpServer, type RouteHandler } from './http/server.ts';
import { createQueues, DEFAULT_TUNING } from './jobs/queues.ts';
import { configureLogging, loggerFor } from './observability/logger.ts';
import { addScrapeSource, databaseSource, queueDepthSource } from './observability/scrape-sources.ts';
import type { Component, Plugin } from './plugin.ts';
import type { ServiceDeps, Services } from './services/index.ts';
import type { SlackDirectoryOptions } from './slack/slack-directory.ts';
import { composeServices } from './compose.ts';
import { slackMode } from './config/slack-mode.ts';

export type { Component, Plugin } from './plugin.ts';

export interface RunningApp {
  readonly orm: Orm;
  readonly services: Services;
  readonly deps: ServiceDeps;
  readonly server: Server;
  readonly port: number;
  stop(options?: StopOptions): Promise<void>;
}

export interface StopOptions {
  /**
   * How long /readyz answers 503 before the listener closes, while requests are still served: load balancers
   * and Kubernetes endpoints notice the replica is going and stop sending it traffic first.
   */
  readonly drainMs?: number;
}

export interface AppOptions {
  /** The Slack directory's cache (tests turn it off to see changes at once). */
  readonly directory?: SlackDirectoryOptions;
}

const log = loggerFor('app');

/**
 * Starts the app on an already migrated database. Migrations are a separate step (`npm run migrate`).
 * Besides the plug-ins' routes it serves /healthz, /readyz, /metrics and the queue dashboard.
 */
export async function startApp(env: Env, plugins: readonly Plugin[] = [], options: AppOptions = {}): Promise<RunningApp> {
  configureLogging(env.LOG_LEVEL);
  const orm = await openMigratedDatabase({ databaseUrl: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  // One Slack directory per process: listeners look people up in it, and roles bound to user groups follow it.
  const { deps, services, slackClients, slackDirectory } = composeServices(env, orm, options.directory ? { directory: options.directory } : {});
  // The app's own view of the queues: the dashboard, queue depth on /metrics and the Redis readiness check.
  const queues = createQueues(env.REDIS_URL, env.QUEUE_PREFIX, DEFAULT_TUNING);
  const removeSources = [addScrapeSource('database', databaseSource(services)), addScrapeSource('queues', queueDepthSource(queues))];
  let stopping = false;
  const pluginChecks: Record<string, ReadinessCheck> = {};
  const checks = (): Record<string, ReadinessCheck> => ({
    ...services.health.checks(),
    redis: async () => {
      await queues.connection.ping();
    },
    ...pluginChecks,
  });
  // Serving many workspaces, the dashboard (every workspace's jobs) is for the deployment's configured operators only.
  const routes: RouteHandler[] = [healthRoutes(checks, () => stopping), metricsRoute, queueDashboardRoute(queues, services, { operatorsOnly: slackMode(env).kind === 'oauth' })];
  const components: Component[] = [];
  const server = createHttpServer(routes);
  let port: number;
  try {
    for (const plugin of plugins) {
      const added = await plugin({ env, services, deps, slackDirectory, slackClients });
      routes.push(...(added.routes ?? []));
      components.push(...(added.components ?? []));
      Object.assign(pluginChecks, added.checks ?? {});
    }
    port = await listen(server, env.PORT);
  } catch (error) {
    // A plug-in or the port refused to start: release what was opened, then report.
    for (const component of [...components].reverse()) await component.stop().catch(() => undefined);
    for (const remove of removeSources) remove();
    await queues.close();
    await orm.close();
    throw error;
  }
  for (const component of components) component.start?.();

  return {
    orm, services, deps, server, port,
    /**
     * Turns readiness to 503, keeps serving for `drainMs`, then stops taking requests and waits for the
     * requests in flight to be answered, then stops each component in reverse order (each lets its running
     * work finish), then the pools.
     */
    async stop(options: StopOptions = {}) {
      stopping = true;
      if (options.drainMs) await new Promise((resolve) => setTimeout(resolve, options.drainMs));
      await closeServer(server);
      for (const component of [...components].reverse()) {
        try {
          await component.stop();
        } catch (error) {
          log.error({ err: error, component: component.name }, 'component did not stop cleanly');
        }
      }
      for (const remove of removeSources) remove();
      await queues.close();
      await orm.close();
    },
  };
}
