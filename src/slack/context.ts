import type { AuditOrigin } from '../domain/index.ts';
import { currentContext, currentTraceId } from '../observability/log-context.ts';
import type { RequestMeta, Services } from '../services/index.ts';
import type { SlackDirectory } from './slack-directory.ts';
import type { WorkSlots } from './work-slots.ts';

/** What every listener may use: the services (every read and change), the Slack directory, a clock. */
export interface SlackDeps {
  readonly services: Services;
  readonly directory: SlackDirectory;
  readonly clock: () => Date;
  /** Where listeners do their database work (a click's decision, before its ack): bounded in both running and waiting. */
  readonly slots: WorkSlots;
  /** How long a click may take to be decided before its ack (DECISION_ACK_BUDGET_MS). */
  readonly decisionBudgetMs: number;
  /** Tells this process's Slack clients an installation changed (a workspace id, or undefined for all). */
  readonly installationChanged?: (teamId?: string) => void;
}

/**
 * When a click must be decided by (epoch ms): its budget counted from when the request reached our server, so
 * time spent waiting to be read (a busy process) counts against Slack's 3 s too.
 */
export const clickDeadline = (deps: Pick<SlackDeps, 'decisionBudgetMs'>): number => (currentContext()?.receivedAt ?? Date.now()) + deps.decisionBudgetMs;

/** Audit metadata for one Slack request: where it came from, and the trace id its log lines carry. */
export function slackMeta(teamId: string, where: { channelId?: string | null; actionId?: string | null; surface?: string | null } = {}): RequestMeta {
  const enterpriseId = currentContext()?.enterpriseId;
  const origin: AuditOrigin = {
    kind: 'slack', teamId, ...(enterpriseId ? { enterpriseId } : {}), channelId: where.channelId ?? null, actionId: where.actionId ?? null, surface: where.surface ?? null,
  };
  return { origin, traceId: currentTraceId() };
}
