import { createRepositories } from '../db/index.ts';
import { withDecisionMetrics } from '../observability/decision-metrics.ts';
import { createAdminCheck } from './admins.ts';
import { createAdminSetupService } from './admin-setup-service.ts';
import { createApiTokenService } from './api-token-service.ts';
import { createApiRateLimitService, DEFAULT_API_RATE_LIMITS } from './api-rate-limits.ts';
import { createAuditQueryService } from './audit-query-service.ts';
import { createAuditService } from './audit-service.ts';
import { createCheckpointService } from './checkpoint-service.ts';
import { createDecisionService } from './decisions/decision-service.ts';
import { createDeliveryLedger } from './delivery-ledger.ts';
import { createDeliveryService } from './delivery-service.ts';
import type { ServiceDeps } from './deps.ts';
import { createDirectoryService } from './directory-service.ts';
import { createExportService } from './export-service.ts';
import { createHomeService } from './home-service.ts';
import { createInstallationService } from './installations/installation-service.ts';
import { createTokenCipher } from './installations/token-cipher.ts';
import { createReplayService } from './replay-service.ts';
import { createRoleSync } from './role-sync.ts';
import { createRoutingPreview } from './routing-preview.ts';
import { createSubmissionService } from './submission-service.ts';
import { createTransact } from './unit-of-work.ts';
import { createTokenAdminService } from './token-admin-service.ts';
import { createWebhookAdminService } from './webhook-admin-service.ts';
import { createWorkflowService } from './workflow-service.ts';
import { createWorkflowVersions } from './workflow-versions.ts';

export * from './deps.ts';
export type { Installation, InstallationQuery, StoredInstallation, TokenRefresher, WorkspaceCredentials } from './installations/installation.ts';
export { NotInstalledError } from './installations/installation.ts';
export { NotRecordedInTime, isNotRecordedInTime } from '../db/deadline.ts';
export type { CipherKey } from './installations/token-cipher.ts';

/**
 * The composition of the service layer: the repositories of one database, and each service given only the
 * repository functions, clock and id source it uses.
 */
export function createServices(deps: ServiceDeps) {
  const repos = createRepositories(deps.orm);
  const { clock, newId } = deps;
  const transact = createTransact(deps.orm, newId);
  const admins = createAdminCheck({ people: repos.people, bootstrapAdmins: deps.bootstrapAdmins, ...(deps.workspaceAdmins ? { workspaceAdmins: deps.workspaceAdmins } : {}) });
  const versions = createWorkflowVersions({ workflows: repos.workflows });
  const directoryReads = repos.decisions.directory;
  const workflows = createWorkflowService({ transact, workflows: repos.workflows, versions, admins, newId });
  const directory = createDirectoryService({ transact, people: repos.people, delegations: repos.delegations, admins, clock, newId });
  const roleSync = createRoleSync({ transact, people: repos.people, userGroups: deps.userGroups ?? null });
  const decisions = createDecisionService({
    store: repos.decisions, current: repos.submissions.get, versions, roleSync, admins, clock, newId,
  });
  const checkpoints = createCheckpointService({ audit: repos.audit, transact, clock });
  const auditQuery = createAuditQueryService({ audit: repos.audit, transact });
  return {
    workflows,
    submissions: createSubmissionService({
      transact, submissions: repos.submissions, workflows: repos.workflows, versions, directory: directoryReads,
      directoryOfSubmission: repos.decisions.directoryOfSubmission, admins, roleSync, clock, newId,
    }),
    decisions: { decide: withDecisionMetrics(decisions.decide), check: decisions.check },
    directory,
    roleSync,
    audit: createAuditService({ audit: repos.audit }),
    checkpoints,
    exports: createExportService({ audit: repos.audit, checkpoints, recordExport: (chainId, details, meta) => auditQuery.recordAboutTrail(chainId, 'audit.exported', null, details, meta) }),
    replay: createReplayService({ audit: repos.audit, submissions: repos.submissions }),
    apiTokens: createApiTokenService({ transact, tokens: repos.tokens, admins, clock, newId }),
    tokenAdmin: createTokenAdminService({ transact, tokens: repos.tokens, admins, clock }),
    adminSetup: createAdminSetupService({ people: repos.people, bootstrapAdmins: deps.bootstrapAdmins }),
    webhooks: createWebhookAdminService({ transact, webhooks: repos.webhooks, currentVersion: (teamId, key) => workflows.getVersion(teamId, key), admins, clock }),
    auditQuery,
    /** Per-address limits on failed API authentications (recorded in aggregate) and per-token request limits. */
    apiLimits: createApiRateLimitService({ transact, windows: repos.apiRates, clock, limits: deps.apiRateLimits ?? DEFAULT_API_RATE_LIMITS }),
    home: createHomeService({
      submissions: repos.submissions, delegations: repos.delegations, viewers: repos.homeViewers, versions, directory: directoryReads, admins,
      listWorkflows: (teamId) => workflows.list(teamId), listRoles: (teamId) => directory.listRoles(teamId), clock,
    }),
    routingPreview: createRoutingPreview({ directory: directoryReads, clock }),
    delivery: createDeliveryService({ failures: repos.failures, webhooks: repos.webhooks, admins }),
    /** OAuth mode: every workspace's and org's installation, tokens sealed at rest, and its lifecycle. */
    installations: createInstallationService({
      transact, installations: repos.installations, people: repos.people, clock,
      cipher: deps.installationKeys?.length ? createTokenCipher(deps.installationKeys) : null, refresh: deps.tokenRefresher ?? null,
    }),
    ledger: createDeliveryLedger({
      transact, messages: repos.messages, timers: repos.timers, intents: repos.intents, outbox: repos.outbox, delegations: repos.delegations,
      submissions: repos.submissions, failures: repos.failures, webhooks: repos.webhooks,
    }),
    /** Stored first responses of the REST API's Idempotency-Key (the HTTP layer owns the rule, this the rows). */
    apiIdempotency: repos.apiIdempotency,
    /** For /readyz and /metrics. */
    health: repos.health,
    /** The outbox backlog, for /metrics. */
    outboxBacklog: () => repos.outbox.backlog(),
  };
}
export type Services = ReturnType<typeof createServices>;
