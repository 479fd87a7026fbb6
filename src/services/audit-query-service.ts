import type { AuditRow } from '../domain/index.ts';
import type { AuditFilter, AuditRepository } from '../db/audit-repository.ts';
import type { RequestMeta } from './deps.ts';
import type { Transact } from './unit-of-work.ts';

/** Accepted decisions versus refused attempts, as the audit API's `outcome` filter names them. */
export const AUDIT_OUTCOMES = ['accepted', 'refused'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
const ACCEPTED_DECISIONS = ['decision.approved', 'decision.rejected', 'decision.changes_requested', 'decision.delegated', 'decision.retracted', 'decision.commented'];
const REFUSED = ['decision.refused', 'api.auth_failed', 'api.auth_failures_counted', 'policy.change_refused'];

/** The events that record the trail's own use. */
export type TrailUse = 'api.audit_read' | 'audit.history_read' | 'audit.exported' | 'policy.change_refused';

export interface AuditQuery {
  readonly afterSeq: number;
  readonly limit: number;
  readonly actorId?: string;
  readonly types?: readonly string[];
  readonly workflowKey?: string;
  readonly submissionId?: string;
  readonly outcome?: AuditOutcome;
  readonly from?: Date;
  readonly to?: Date;
  readonly excludeTypes?: readonly string[];
}

export interface AuditPage {
  readonly events: AuditRow[];
  /** Sequence number to continue after: the last event returned, or the chain head when the scan reached it. */
  readonly nextSeq: number;
  readonly hasMore: boolean;
}

export interface AuditQueryServiceDeps {
  readonly audit: Pick<AuditRepository, 'page'>;
  readonly transact: Transact;
}

export function createAuditQueryService(deps: AuditQueryServiceDeps) {
  /**
   * One page of a workspace's chain in sequence order. Appends commit in sequence order (the chain head
   * lock is held to commit), so a reader never sees a later row before an earlier one: continuing after the
   * last sequence number seen never skips a row, however many are appended between pages.
   */
  async function page(chainId: string, query: AuditQuery): Promise<AuditPage> {
    const outcomeTypes = query.outcome === 'accepted' ? ACCEPTED_DECISIONS : query.outcome === 'refused' ? REFUSED : null;
    let types = query.types?.length ? [...query.types] : null;
    if (outcomeTypes) types = types ? types.filter((t) => outcomeTypes.includes(t)) : outcomeTypes;
    if (types && types.length === 0) return { events: [], nextSeq: query.afterSeq, hasMore: false };
    const filter: AuditFilter = {
      afterSeq: query.afterSeq,
      ...(query.actorId ? { actorId: query.actorId } : {}),
      ...(types ? { types } : {}),
      ...(query.workflowKey ? { workflowKey: query.workflowKey } : {}),
      ...(query.submissionId ? { submissionId: query.submissionId } : {}),
      ...(query.from ? { from: query.from } : {}),
      ...(query.to ? { to: query.to } : {}),
      ...(query.excludeTypes?.length ? { excludeTypes: query.excludeTypes } : {}),
    };
    // One extra row tells whether there is more without a second query.
    const { rows, headSeq } = await deps.audit.page(chainId, filter, query.limit + 1);
    let events = rows;
    const hasMore = rows.length > query.limit;
    if (hasMore) events = rows.slice(0, query.limit);
    const scannedTo = hasMore ? (events[events.length - 1]?.seq ?? query.afterSeq) : Math.max(headSeq, query.afterSeq);
    return { events, nextSeq: scannedTo, hasMore };
  }

  /** Every read of the audit API is itself in the trail: who read what, with which filters. */
  async function recordRead(teamId: string, actorId: string, what: Record<string, unknown>, meta: RequestMeta): Promise<void> {
    await recordAboutTrail(teamId, 'api.audit_read', actorId, what, meta);
  }

  /**
   * What the trail records about its own use besides API reads: a request's history read in Slack, an export,
   * a refused attempt to change policy. Each in the workspace's chain (an export of several chains: in each).
   */
  async function recordAboutTrail(chainId: string, type: TrailUse, actorId: string | null, details: Record<string, unknown>, meta: RequestMeta): Promise<void> {
    await deps.transact(chainId, meta, async (_tx, uow) => {
      // No submission id on the event itself: these are about the trail, not part of a request's own history.
      uow.record({ type, actorId, details });
    });
  }

  return { page, recordRead, recordAboutTrail };
}
export type AuditQueryService = ReturnType<typeof createAuditQueryService>;
