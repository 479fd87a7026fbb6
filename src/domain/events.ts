import type { FieldValues } from './fields.ts';
import type { ApprovalRule } from './workflow.ts';
import type { Capacity, PlannedStep } from './submission.ts';
import type { EscalationVia } from './rules/timeout.ts';

/**
 * The canonical list of audit event types. Every row of the audit trail has one of these; nothing else is
 * accepted by the audit writer. Submission events rebuild a submission's state (see `applyEvent`); the
 * rest record configuration and operations.
 */
export const AUDIT_EVENT_TYPES = [
  'submission.created',
  'stage.skipped',
  'stage.opened',
  'decision.approved',
  'decision.rejected',
  'decision.changes_requested',
  'decision.delegated',
  'decision.retracted',
  'decision.commented',
  'decision.refused',
  'stage.escalated',
  'stage.approved',
  'stage.rejected',
  'stage.changes_requested',
  'stage.closed',
  'submission.approved',
  'submission.rejected',
  'submission.changes_requested',
  'submission.withdrawn',
  'submission.cancelled',
  'workflow.published',
  'workflow.status_changed',
  'role.updated',
  'manager.updated',
  'admin.granted',
  'admin.revoked',
  'delegation.created',
  'delegation.started',
  'delegation.ended',
  'delegation.revoked',
  'notification.failed',
  'webhook.failed',
  'webhook.secret_rotated',
  'checkpoint.signed',
  'api.token_created',
  'api.token_revoked',
  'api.tokens_listed',
  'api.auth_failed',
  // Failed authentications of one client address in one closed rate-limit window, with how many there were.
  'api.auth_failures_counted',
  'api.audit_read',
  // The trail read in Slack (/approval history) and exported (audit:export).
  'audit.history_read',
  'audit.exported',
  // Someone who is not an approval admin tried to change policy (publish a workflow, open the admin tools).
  'policy.change_refused',
  // The app's installation in a workspace or Enterprise Grid org (OAuth mode); never carries a token.
  'installation.installed',
  'installation.reinstalled',
  'installation.updated',
  'installation.uninstalled',
  'installation.tokens_revoked',
  'installation.token_rotated',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** What each submission event carries: enough to rebuild the submission from the trail alone. */
export interface SubmissionEventDetails {
  'submission.created': {
    teamId: string;
    workflowKey: string;
    workflowVersion: number;
    requesterId: string;
    title: string;
    fields: FieldValues;
    entityKey: string | null;
    predecessorId: string | null;
    plan: PlannedStep[];
  };
  'stage.skipped': { reason: string };
  'stage.opened': { name: string; step: number; rule: ApprovalRule; pool: string[]; required: number; dueAt: string };
  'decision.approved': { decisionId: string; principalId: string };
  'decision.rejected': { decisionId: string; principalId: string };
  'decision.changes_requested': { decisionId: string; principalId: string };
  'decision.delegated': { decisionId: string; principalId: string; delegateTo: string };
  'decision.retracted': { decisionId: string; principalId: string; retractedDecisionId: string };
  'decision.commented': { decisionId: string; principalId: string };
  /** `via`, `waitedMs` and `slaMs` are absent on escalations recorded before they were kept. */
  'stage.escalated': { targets: string[]; overdueBy: number; via?: EscalationVia; waitedMs?: number; slaMs?: number };
  'stage.approved': { approvals: number; required: number };
  'stage.rejected': Record<string, never>;
  'stage.changes_requested': Record<string, never>;
  'stage.closed': { why: string };
  'submission.approved': Record<string, never>;
  'submission.rejected': Record<string, never>;
  'submission.changes_requested': Record<string, never>;
  'submission.withdrawn': Record<string, never>;
  'submission.cancelled': Record<string, never>;
}
export type SubmissionEventType = keyof SubmissionEventDetails;

interface Envelope {
  readonly submissionId: string;
  readonly stageInstanceId: string | null;
  readonly stageId: string | null;
  /** null when the system acted (a timer, a rule). */
  readonly actorId: string | null;
  readonly capacity: Capacity | null;
  readonly reason: string | null;
}

export type SubmissionEvent = {
  [K in SubmissionEventType]: Envelope & { readonly type: K; readonly details: SubmissionEventDetails[K] };
}[SubmissionEventType];

export const SUBMISSION_EVENT_TYPES = [
  'submission.created', 'stage.skipped', 'stage.opened', 'decision.approved', 'decision.rejected',
  'decision.changes_requested', 'decision.delegated', 'decision.retracted', 'decision.commented', 'stage.escalated',
  'stage.approved', 'stage.rejected', 'stage.changes_requested', 'stage.closed', 'submission.approved',
  'submission.rejected', 'submission.changes_requested', 'submission.withdrawn', 'submission.cancelled',
] as const satisfies readonly SubmissionEventType[];

export const isSubmissionEventType = (type: string): type is SubmissionEventType =>
  (SUBMISSION_EVENT_TYPES as readonly string[]).includes(type);
