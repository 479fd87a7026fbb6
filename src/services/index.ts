import { createAdminSetupService } from './admin-setup-service.ts';
import { createApiTokenService } from './api-token-service.ts';
import { createAuditQueryService } from './audit-query-service.ts';
import { createAuditService } from './audit-service.ts';
import { createCheckpointService } from './checkpoint-service.ts';
import { createDecisionService } from './decision-service.ts';
import { createDeliveryService } from './delivery-service.ts';
import type { ServiceDeps } from './deps.ts';
import { createDirectoryService } from './directory-service.ts';
import { createHomeService } from './home-service.ts';
import { createRoutingPreview } from './routing-preview.ts';
import { createSubmissionService } from './submission-service.ts';
import { createWebhookAdminService } from './webhook-admin-service.ts';
import { createWorkflowService } from './workflow-service.ts';
import { withDecisionMetrics } from '../observability/decision-metrics.ts';

export * from './deps.ts';

export function createServices(deps: ServiceDeps) {
  const workflows = createWorkflowService(deps);
  const directory = createDirectoryService(deps);
  const decisions = createDecisionService(deps);
  return {
    workflows,
    submissions: createSubmissionService(deps),
    decisions: { ...decisions, decide: withDecisionMetrics(decisions.decide) },
    directory,
    audit: createAuditService(deps),
    checkpoints: createCheckpointService(deps),
    apiTokens: createApiTokenService(deps),
    auditQuery: createAuditQueryService(deps),
    home: createHomeService(deps, { listWorkflows: (teamId) => workflows.list(teamId), listRoles: (teamId) => directory.listRoles(teamId) }),
    routingPreview: createRoutingPreview(deps),
    delivery: createDeliveryService(deps),
    adminSetup: createAdminSetupService(deps),
    webhooks: createWebhookAdminService(deps, { current: (teamId, key) => workflows.getVersion(teamId, key) }),
  };
}
export type Services = ReturnType<typeof createServices>;
