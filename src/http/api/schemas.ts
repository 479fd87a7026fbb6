import { z } from 'zod';
import { API_SCOPES } from '../../domain/index.ts';
import {
  AUDIT_EVENT_TYPES, DECISION_KINDS, STAGE_STATUSES, SUBMISSION_STATUSES, approvalCount, openStages, pendingReviewers,
  workflowDefinitionSchema, type AuditRow, type StageInstance, type SubmissionState,
} from '../../domain/index.ts';
import { AUDIT_OUTCOMES } from '../../services/audit-query-service.ts';
import { entityKeySchema, slackUserIdSchema, workflowKeySchema } from '../../domain/index.ts';

/** Every request and response of /api/v1, one definition each; the OpenAPI document is generated from these. */

const isoTime = z.iso.datetime({ offset: true });
const slackUser = slackUserIdSchema();

export const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. invalid_input, unauthenticated, missing_scope, not_found, stale, idempotency_key_reused, idempotency_in_progress, not_eligible.'),
    message: z.string().describe('What went wrong, for people.'),
    fields: z.record(z.string(), z.string()).optional().describe('Per-field problems.'),
  }),
});

// ---- workflows ----
const workflowKey = workflowKeySchema;
export const workflowKeyParams = z.object({ key: workflowKey });
export const workflowVersionQuery = z.object({ version: z.coerce.number().int().positive().optional() }).strict();
export const publishWorkflowBody = z.union([workflowDefinitionSchema, z.string().describe('The definition as YAML (Content-Type: application/yaml).')]);
export const workflowView = z.object({
  key: z.string(),
  version: z.number().int(),
  id: z.string(),
  definition: workflowDefinitionSchema,
});

// ---- submissions ----
export const submissionParams = z.object({ id: z.uuid('must be a request id') });
export const createSubmissionBody = z.object({
  workflowKey,
  title: z.string(),
  fields: z.record(z.string(), z.unknown()).default({}),
  entityKey: entityKeySchema.optional().describe('Your system\'s id for what is being approved: one active request per (workflow, entity).'),
  predecessorId: z.uuid().optional().describe('The rejected or returned request this one revises.'),
}).strict();

export const decisionView = z.object({
  id: z.string(),
  kind: z.enum(DECISION_KINDS),
  actorId: z.string(),
  principalId: z.string(),
  reason: z.string().nullable(),
  delegateTo: z.string().nullable(),
  at: isoTime,
  retractedAt: isoTime.nullable(),
});
export const stageView = z.object({
  id: z.string(),
  stageId: z.string(),
  name: z.string(),
  step: z.number().int(),
  status: z.enum(STAGE_STATUSES),
  required: z.number().int(),
  approvals: z.number().int(),
  openedAt: isoTime,
  dueAt: isoTime,
  closedAt: isoTime.nullable(),
  pendingReviewers: z.array(z.string()),
  decisions: z.array(decisionView),
});
export const submissionView = z.object({
  id: z.string(),
  teamId: z.string(),
  workflowKey: z.string(),
  workflowVersion: z.number().int(),
  title: z.string(),
  requesterId: z.string(),
  status: z.enum(SUBMISSION_STATUSES),
  fields: z.record(z.string(), z.unknown()),
  entityKey: z.string().nullable(),
  predecessorId: z.string().nullable(),
  createdAt: isoTime,
  closedAt: isoTime.nullable(),
  currentStages: z.array(stageView).describe('The stages open now.'),
  pendingReviewers: z.array(z.string()).describe('Everyone whose say the open stages still wait for.'),
  stages: z.array(stageView),
});

export const actionBody = z.object({
  kind: z.enum([...DECISION_KINDS, 'withdraw']),
  stageInstanceId: z.uuid().optional().describe('The stage you saw; a decision for a stage that has moved on is refused as stale (409).'),
  workflowVersion: z.number().int().positive().optional(),
  reason: z.string().max(2000).optional(),
  delegateTo: slackUser.optional(),
}).strict();
export const actionView = z.object({
  result: z.literal('accepted'),
  kind: actionBody.shape.kind,
  submissionId: z.string(),
  stageInstanceId: z.string().nullable(),
  events: z.array(z.string()),
  submissionStatus: z.enum(SUBMISSION_STATUSES),
  replayed: z.boolean().describe('True when the Idempotency-Key was seen before and this is the first outcome again.'),
  submission: submissionView,
});

export const queueView = z.object({
  items: z.array(z.object({ submission: submissionView, stageInstanceIds: z.array(z.string()) })),
});

// ---- audit ----
export const auditEventView = z.object({
  chainId: z.string(),
  seq: z.number().int().positive(),
  eventId: z.string(),
  occurredAt: isoTime,
  type: z.enum(AUDIT_EVENT_TYPES),
  teamId: z.string(),
  submissionId: z.string().nullable(),
  workflowKey: z.string().nullable(),
  workflowVersion: z.number().int().nullable(),
  stageInstanceId: z.string().nullable(),
  stageId: z.string().nullable(),
  actorId: z.string().nullable(),
  capacity: z.record(z.string(), z.unknown()).nullable(),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  origin: z.record(z.string(), z.unknown()),
  correlationId: z.string().nullable(),
  traceId: z.string().nullable(),
  schemaVersion: z.number().int(),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256 over prevHash, chainId, seq, occurredAt and the canonical body (docs/audit-format.md).'),
});

const cursor = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be a cursor returned by this API');
const limit = z.coerce.number().int().min(1).max(500).default(100);
export const auditListQuery = z.object({
  cursor: cursor.optional().describe('nextCursor of the previous page; absent for the first page.'),
  limit,
  actor: slackUser.optional(),
  type: z.string().max(2000).refine((value) => value.split(',').every((t) => (AUDIT_EVENT_TYPES as readonly string[]).includes(t.trim())), 'must be event types of the audit trail, comma-separated')
    .optional().describe('One event type or several, comma-separated.'),
  workflow: workflowKey.optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional().describe('accepted: decisions that counted; refused: refused decisions and failed API authentication.'),
  from: isoTime.optional(),
  to: isoTime.optional(),
}).strict();
export const auditChangesQuery = z.object({
  since: cursor.optional().describe('nextCursor of the previous poll; absent to start from the beginning.'),
  limit,
  includeReads: z.enum(['true', 'false']).default('false').describe('Include api.audit_read events (left out by default, or every poll would see its own read).'),
}).strict();
export const auditPageView = z.object({
  events: z.array(auditEventView),
  nextCursor: z.string().describe('Pass as cursor (or since) to continue; stable across appends, no row is skipped.'),
  hasMore: z.boolean(),
});
export const submissionAuditView = z.object({ submissionId: z.string(), events: z.array(auditEventView) });

export const checkpointListQuery = z.object({ cursor: cursor.optional(), limit }).strict();
export const checkpointView = z.object({
  chainId: z.string(),
  seq: z.number().int(),
  hash: z.string(),
  count: z.number().int(),
  signedAt: isoTime,
  keyId: z.string(),
  payload: z.string().describe('The exact signed bytes (UTF-8).'),
  signature: z.string().describe('Ed25519 signature of payload, base64.'),
});
export const checkpointPageView = z.object({ checkpoints: z.array(checkpointView), nextCursor: z.string(), hasMore: z.boolean() });
export const publicKeyView = z.object({
  algorithm: z.literal('Ed25519'),
  keyId: z.string(),
  publicKeyPem: z.string(),
  publicKeyRaw: z.string().describe('The raw 32-byte key, base64.'),
});
// ---- webhooks (admins) ----
export const webhookAttemptView = z.object({
  deliveryId: z.string().describe('The X-Approvals-Delivery header: the same for every attempt of one delivery.'),
  submissionId: z.string().nullable(),
  event: z.string(),
  url: z.string(),
  attempt: z.number().int().positive(),
  statusCode: z.number().int().nullable().describe('What the receiver answered; null when it could not be reached (see error).'),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  succeeded: z.boolean(),
  at: isoTime,
});
export const webhooksView = z.object({
  workflowKey: z.string(),
  version: z.number().int(),
  webhooks: z.array(z.object({
    url: z.string(),
    events: z.array(z.string()),
    secret: z.string().describe('The HMAC-SHA256 key deliveries to this URL are signed with (docs/webhooks.md). Keep it secret.'),
    secretCreatedAt: isoTime,
    recentAttempts: z.array(webhookAttemptView).describe('The latest attempts to this URL, newest first.'),
  })),
});
export const rotateSecretBody = z.object({ url: z.url().describe('One of the workflow\'s webhook URLs.') }).strict();
export const rotatedSecretView = z.object({ url: z.string(), secret: z.string().describe('The new secret: deliveries from now on, retries included, are signed with it.') });
export const webhookAttemptsQuery = z.object({
  submission: z.uuid().optional().describe('Only the attempts for this request.'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
}).strict();
export const webhookAttemptsView = z.object({ attempts: z.array(webhookAttemptView) });

// ---- API tokens (admins) ----
export const tokenView = z.object({
  id: z.string(),
  teamId: z.string(),
  ownerId: z.string().describe('The Slack user the token acts for.'),
  name: z.string(),
  scopes: z.array(z.enum(API_SCOPES)).readonly(),
  createdBy: z.string(),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable().describe('Set once revoked: the token is refused from then on.'),
  revokedBy: z.string().nullable().describe('The admin\'s Slack user id, or cli:<who ran token:revoke>.'),
});
export const tokenListView = z.object({ tokens: z.array(tokenView) });

/**
 * The schemas the OpenAPI document lists under components/schemas, by name: everything a response holds or
 * shares, and the request bodies (the same definition read as input is its own component, `…Input`).
 */
export const RESPONSE_COMPONENTS: ReadonlyMap<z.ZodType, string> = new Map<z.ZodType, string>([
  [errorSchema, 'Error'],
  [workflowView, 'WorkflowVersion'],
  [workflowDefinitionSchema, 'WorkflowDefinition'],
  [submissionView, 'Submission'],
  [stageView, 'Stage'],
  [decisionView, 'Decision'],
  [actionView, 'ActionResult'],
  [queueView, 'Queue'],
  [auditEventView, 'AuditEvent'],
  [auditPageView, 'AuditPage'],
  [submissionAuditView, 'SubmissionAudit'],
  [checkpointView, 'Checkpoint'],
  [checkpointPageView, 'CheckpointPage'],
  [publicKeyView, 'PublicKey'],
  [webhookAttemptView, 'WebhookAttempt'],
  [webhooksView, 'Webhooks'],
  [rotatedSecretView, 'RotatedSecret'],
  [webhookAttemptsView, 'WebhookAttempts'],
  [tokenView, 'ApiToken'],
  [tokenListView, 'ApiTokens'],
]);
export const REQUEST_COMPONENTS: ReadonlyMap<z.ZodType, string> = new Map<z.ZodType, string>([
  [workflowDefinitionSchema, 'WorkflowDefinitionInput'],
  [createSubmissionBody, 'SubmissionInput'],
  [actionBody, 'ActionInput'],
  [rotateSecretBody, 'RotateSecretInput'],
]);

// ---- views ----
const stageToView = (stage: StageInstance): z.input<typeof stageView> => ({
  id: stage.id,
  stageId: stage.stageId,
  name: stage.name,
  step: stage.step,
  status: stage.status,
  required: stage.required,
  approvals: approvalCount(stage),
  openedAt: stage.openedAt,
  dueAt: stage.dueAt,
  closedAt: stage.closedAt,
  pendingReviewers: stage.status === 'open' ? pendingReviewers(stage) : [],
  decisions: stage.decisions.map((d) => ({ id: d.id, kind: d.kind, actorId: d.actorId, principalId: d.principalId, reason: d.reason, delegateTo: d.delegateTo, at: d.at, retractedAt: d.retractedAt })),
});

export function toSubmissionView(state: SubmissionState): z.input<typeof submissionView> {
  const current = openStages(state).map(stageToView);
  return {
    id: state.id,
    teamId: state.teamId,
    workflowKey: state.workflowKey,
    workflowVersion: state.workflowVersion,
    title: state.title,
    requesterId: state.requesterId,
    status: state.status,
    fields: state.fields,
    entityKey: state.entityKey,
    predecessorId: state.predecessorId,
    createdAt: state.createdAt,
    closedAt: state.closedAt,
    currentStages: current,
    pendingReviewers: [...new Set(current.flatMap((s) => s.pendingReviewers))],
    stages: state.stages.map(stageToView),
  };
}

export const toAuditEventView = (row: AuditRow): z.input<typeof auditEventView> => ({ ...row, capacity: row.capacity as Record<string, unknown> | null, origin: row.origin as Record<string, unknown> });

export const encodeCursor = (seq: number): string => Buffer.from(`seq:${seq}`).toString('base64url');
export function decodeCursor(value: string | undefined): number | null {
  if (value === undefined) return 0;
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : null;
}
