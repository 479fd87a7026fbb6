import type { Server } from 'node:http';
import type { Env } from './config/env.ts';
import { assertMigrated, createOrm, type Orm } from './db/orm.ts';
import { healthRoute } from './http/health.ts';
import { createHttpServer, type RouteHandler } from './http/server.ts';
import { createServices, defaultDeps, type ServiceDeps, type Services } from './services/index.ts';

/** Something the app runs beside its HTTP server (Slack socket connection, worker, relay); stopped on shutdown. */
export interface Component {
  readonly name: string;
  stop(): Promise<void>;
}

export interface RunningApp {
  readonly orm: Orm;
  readonly services: Services;
  readonly deps: ServiceDeps;
  readonly server: Server;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Wiring for an app-side plug-in (the Slack app, the REST API, the in-process worker): it gets the running
 * services and returns HTTP routes and components to stop.
 */
export interface Plugin {
  (context: { env: Env; orm: Orm; services: Services; deps: ServiceDeps }): Promise<{ routes?: RouteHandler[]; components?: Component[] }>;
}

/** Starts the app on an already migrated database. Migrations are a separate step (`npm run migrate`). */
export async function startApp(env: Env, plugins: readonly Plugin[] = []): Promise<RunningApp> {
  const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  await assertMigrated(orm);
  const deps = defaultDeps(orm, env.APPROVAL_ADMINS);
  const services = createServices(deps);
  const routes: RouteHandler[] = [healthRoute(orm)];
  const components: Component[] = [];
  for (const plugin of plugins) {
    const added = await plugin({ env, orm, services, deps });
    routes.push(...(added.routes ?? []));
    components.push(...(added.components ?? []));
  }
  const server = createHttpServer(routes);
  await new Promise<void>((resolve) => server.listen(env.PORT, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;

  return {
    orm, services, deps, server, port,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const component of [...components].reverse()) await component.stop();
      await orm.close();
    },
  };
}
