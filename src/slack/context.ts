import type { AuditOrigin } from '../domain/index.ts';
import { currentContext, currentTraceId } from '../observability/log-context.ts';
import type { RequestMeta, Services } from '../services/index.ts';
import type { AfterAck } from './after-ack.ts';
import type { SlackDirectory } from './slack-directory.ts';

/** What every listener may use: the services (every read and change), the Slack directory, a clock. */
export interface SlackDeps {
  readonly services: Services;
  readonly directory: SlackDirectory;
  readonly clock: () => Date;
  /** Where listeners do their slow work after the ack: bounded, so acks stay fast under a burst. */
  readonly afterAck: AfterAck;
  /** Tells this process's Slack clients an installation changed (a workspace id, or undefined for all). */
  readonly installationChanged?: (teamId?: string) => void;
}

/** Audit metadata for one Slack request: where it came from, and the trace id its log lines carry. */
export function slackMeta(teamId: string, where: { channelId?: string | null; actionId?: string | null; surface?: string | null } = {}): RequestMeta {
  const enterpriseId = currentContext()?.enterpriseId;
  const origin: AuditOrigin = {
    kind: 'slack', teamId, ...(enterpriseId ? { enterpriseId } : {}), channelId: where.channelId ?? null, actionId: where.actionId ?? null, surface: where.surface ?? null,
  };
  return { origin, traceId: currentTraceId() };
}
