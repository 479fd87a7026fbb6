import type { View } from '@slack/types';
import type { ServiceDeps, Services } from '../services/index.ts';
import type { TeamScope } from '../services/delivery-ledger.ts';
import type { Queues, Tuning } from './queues.ts';
import type { SlackClients } from './slack-clients.ts';
import type { TeamRateLimits } from './team-rate-limits.ts';
import type { WebhookPoster } from './webhook-post.ts';

export { systemMeta } from '../services/index.ts';

/** Renders a user's App Home as it stands now (the same builder the Slack listener publishes). */
export type HomeRenderer = (services: Services, teamId: string, userId: string, now: Date) => Promise<View>;

/** What every job handler gets: the services (the only way to the database), the queues, and Slack per workspace. */
export interface WorkerContext {
  readonly services: Services;
  readonly deps: ServiceDeps;
  readonly queues: Queues;
  /** Each workspace's Slack client (its installation's token); calls go through callForTeam (team-slack.ts). */
  readonly slack: SlackClients;
  /** Slack's rate limits, kept per workspace and method tier. */
  readonly rateLimits: TeamRateLimits;
  readonly tuning: Tuning;
  /** Workspaces this worker's relay and reconciler look after; null for all. */
  readonly teams: TeamScope;
  readonly renderHome: HomeRenderer | null;
  /** Posts webhooks to the targets the deployment allows (WEBHOOK_ALLOW_PRIVATE_TARGETS, WEBHOOK_ALLOWED_TARGETS). */
  readonly webhooks: WebhookPoster;
}
