import type { Env } from './config/env.ts';
import type { Orm } from './db/orm.ts';
import type { RouteHandler } from './http/server.ts';
import type { ServiceDeps, Services } from './services/index.ts';

/** Something a process runs beside its HTTP server (Slack socket connection, worker, relay); stopped on shutdown. */
export interface Component {
  readonly name: string;
  stop(): Promise<void>;
}

/**
 * Wiring for an app-side plug-in (the Slack app, the REST API, the in-process worker): it gets the running
 * services and returns HTTP routes and components to stop.
 */
export interface Plugin {
  (context: { env: Env; orm: Orm; services: Services; deps: ServiceDeps }): Promise<{ routes?: RouteHandler[]; components?: Component[] }>;
}
