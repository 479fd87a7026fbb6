import { randomUUID } from 'node:crypto';
import type { Plugin } from '../plugin.ts';
import { trackInFlight } from '../observability/in-flight.ts';
import { currentContext, runInContext } from '../observability/log-context.ts';
import { createSlackApp } from './app.ts';
import type { SlackDeps } from './context.ts';
import { registerListeners } from './listeners/index.ts';
import { registerLifecycle } from './listeners/lifecycle/index.ts';
import { slackMode } from '../config/slack-mode.ts';
import { createWorkSlots } from './work-slots.ts';

/** How long shutdown waits for listeners that are still working after their ack. */
const SHUTDOWN_GRACE_MS = 20_000;

/** Slack's own id for what it sent (an event id, or the trigger of an interaction), to find it on both sides. */
function slackCorrelationId(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const fields = body as { event_id?: unknown; trigger_id?: unknown };
  const id = fields.event_id ?? fields.trigger_id;
  return typeof id === 'string' ? id.slice(0, 100) : undefined;
}

/**
 * The Slack app as a plug-in: builds the Bolt app, registers every listener, serves `/slack/events` (and in
 * OAuth mode `/slack/install` and `/slack/oauth_redirect`, with the installation lifecycle events).
 */
export function createSlackPlugin(): Plugin {
  return async ({ env, services, deps, slackDirectory, slackClients }) => {
    const mode = slackMode(env);
    const slack = createSlackApp(env, mode.kind === 'oauth' ? { mode, services } : null);
    // Credentials first: a token Slack refuses stops start-up here, before anything listens.
    await slack.init();
    // As many decisions at once as there are database connections: more would only queue for the pool.
    const slackDeps: SlackDeps = {
      services, directory: slackDirectory, clock: deps.clock,
      slots: createWorkSlots(env.DATABASE_POOL_SIZE, env.DECISION_QUEUE_LIMIT), decisionBudgetMs: env.DECISION_ACK_BUDGET_MS,
      installationChanged: (teamId) => slackClients.forget(teamId),
    };
    // Listeners keep working after their ack; shutdown waits for them (see stop below).
    const inFlight = trackInFlight();
    slack.app.use(async ({ next, body, context: bolt }) => {
      const slackId = slackCorrelationId(body);
      const context = currentContext();
      // Over HTTP the request already has a trace id; a Socket Mode envelope gets one here. The org (Enterprise
      // Grid) rides along so the audit events the request causes carry it.
      const traced = {
        traceId: context?.traceId ?? randomUUID(), source: 'slack', correlationId: slackId, receivedAt: context?.receivedAt ?? Date.now(),
        ...(bolt.enterpriseId ? { enterpriseId: bolt.enterpriseId } : {}),
      };
      await inFlight.run(() => runInContext(traced, next));
    });
    registerListeners(slack.app, slackDeps);
    if (mode.kind === 'oauth') registerLifecycle(slack.app, slackDeps);
    slack.app.error(async (error) => {
      // A request from a workspace whose installation is gone (uninstalled, revoked, never installed): Bolt acks it, nothing runs.
      if (error.code === 'slack_bolt_authorization_error') slack.app.logger.warn('a Slack request from a workspace without an active installation was ignored', error.message);
      else slack.app.logger.error('unhandled error in a Slack listener', error);
    });
    return {
      routes: slack.route ? [slack.route] : [],
      ...(slack.readiness ? { checks: { slack: slack.readiness } } : {}),
      components: [{
        name: 'slack',
        // Socket Mode connects once the HTTP server (health, metrics, API) is up, and keeps reconnecting.
        start: () => slack.connect(),
        stop: async () => {
          const left = await inFlight.drained(SHUTDOWN_GRACE_MS);
          if (left > 0) slack.app.logger.warn(`stopping with ${left} Slack listener(s) still running`);
          await slack.stop();
        },
      }],
    };
  };
}

/** The Slack plug-in with default options, for the plug-in list in main.ts. */
export const slackPlugin: Plugin = createSlackPlugin();
