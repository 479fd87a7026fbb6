import { createApiIdempotencyRepository } from './api-idempotency-repository.ts';
import { createApiRateRepository } from './api-rate-repository.ts';
import { createAuditRepository } from './audit-repository.ts';
import { createDecisionStore } from './decision-store.ts';
import { createDelegationRepository } from './delegation-repository.ts';
import { createDeliveryIntentRepository } from './delivery-intent-repository.ts';
import { chainStats, databaseChecks } from './health.ts';
import { createHomeViewerRepository } from './home-viewer-repository.ts';
import { createInstallationRepository } from './installation-repository.ts';
import { createNotificationFailureRepository } from './notification-failure-repository.ts';
import type { Orm } from './orm.ts';
import { createOutboxRepository } from './outbox-repository.ts';
import { createPeopleRepository } from './people-repository.ts';
import { createSlackMessageRepository } from './slack-message-repository.ts';
import { pooledRunner } from './sql.ts';
import { createSubmissionRepository } from './submission-repository.ts';
import { createTimerRepository } from './timer-repository.ts';
import { createTokenRepository } from './token-repository.ts';
import { createWebhookRepository } from './webhook-repository.ts';
import { createWorkflowRepository } from './workflow-repository.ts';

/** Every repository of the data layer, bound to one database. Services take the few they use. */
export function createRepositories(orm: Orm) {
  const pooled = pooledRunner(orm);
  return {
    decisions: createDecisionStore(orm),
    submissions: createSubmissionRepository(orm),
    workflows: createWorkflowRepository(orm),
    people: createPeopleRepository(orm),
    delegations: createDelegationRepository(pooled),
    messages: createSlackMessageRepository(pooled),
    timers: createTimerRepository(pooled),
    intents: createDeliveryIntentRepository(pooled),
    outbox: createOutboxRepository(orm, pooled),
    webhooks: createWebhookRepository(pooled),
    failures: createNotificationFailureRepository(pooled),
    tokens: createTokenRepository(orm),
    apiIdempotency: createApiIdempotencyRepository(pooled),
    apiRates: createApiRateRepository(pooled),
    homeViewers: createHomeViewerRepository(pooled),
    installations: createInstallationRepository(pooled),
    audit: createAuditRepository(orm),
    health: { checks: () => databaseChecks(orm), chainStats: () => chainStats(orm) },
  };
}
export type Repositories = ReturnType<typeof createRepositories>;
