import type { Env } from './config/env.ts';
import type { ReadinessCheck } from './http/health.ts';
import type { RouteHandler } from './http/server.ts';
import type { ServiceDeps, Services } from './services/index.ts';
import type { SlackDirectory } from './slack/slack-directory.ts';
import type { SlackClients } from './jobs/slack-clients.ts';

/** Something a process runs beside its HTTP server (Slack socket connection, worker, relay); stopped on shutdown. */
export interface Component {
  readonly name: string;
  /** Called once the HTTP server listens (what must not hold up health checks, e.g. a Socket Mode connection). */
  start?(): void;
  stop(): Promise<void>;
}

/** What a plug-in is given: the configuration, the services, and the process's Slack directory and clients. */
export interface PluginContext {
  readonly env: Env;
  readonly services: Services;
  readonly deps: ServiceDeps;
  readonly slackDirectory: SlackDirectory;
  /** Slack clients by workspace (each installation's token in OAuth mode). */
  readonly slackClients: SlackClients;
}

/**
 * Wiring for an app-side plug-in (the Slack app, the REST API, the in-process worker, checkpoint signing): it
 * gets the running services and returns HTTP routes and components to stop.
 */
export interface Plugin {
  (context: PluginContext): Promise<{ routes?: RouteHandler[]; components?: Component[]; checks?: Record<string, ReadinessCheck> }>;
}
