import { createAuditService } from './audit-service.ts';
import { createDecisionService } from './decision-service.ts';
import type { ServiceDeps } from './deps.ts';
import { createDirectoryService } from './directory-service.ts';
import { createSubmissionService } from './submission-service.ts';
import { createWorkflowService } from './workflow-service.ts';

export * from './deps.ts';

export function createServices(deps: ServiceDeps) {
  return {
    workflows: createWorkflowService(deps),
    submissions: createSubmissionService(deps),
    decisions: createDecisionService(deps),
    directory: createDirectoryService(deps),
    audit: createAuditService(deps),
  };
}
export type Services = ReturnType<typeof createServices>;
