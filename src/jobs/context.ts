import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { View } from '@slack/types';
import type { Orm } from '../db/orm.ts';
import type { TeamScope } from '../db/delivery-repository.ts';
import type { RequestMeta, ServiceDeps, Services } from '../services/index.ts';
import type { Queues, Tuning } from './queues.ts';
import type { WebhookPoster } from './webhook-post.ts';

/** Renders a user's App Home (src/slack/home/render-home.ts once it exists). */
export type HomeRenderer = (services: Services, teamId: string, userId: string, now: Date) => Promise<View>;

/** What every job handler gets: the services, the queues to fan out to, and the Slack client. */
export interface WorkerContext {
  readonly orm: Orm;
  readonly services: Services;
  readonly deps: ServiceDeps;
  readonly queues: Queues;
  readonly slack: WebClient;
  readonly tuning: Tuning;
  /** Workspaces this worker's relay and reconciler look after; null for all. */
  readonly teams: TeamScope;
  readonly renderHome: HomeRenderer | null;
  /** Posts webhooks to the targets the deployment allows (WEBHOOK_ALLOW_PRIVATE_TARGETS, WEBHOOK_ALLOWED_TARGETS). */
  readonly webhooks: WebhookPoster;
}

/** Audit origin of everything the worker does on its own (timers, delegation handoffs, failures). */
export const systemMeta = (component: string): RequestMeta => ({ origin: { kind: 'system', component }, traceId: randomUUID() });
