import { applyEvent, isSubmissionEventType, type AuditRow, type SubmissionEvent, type SubmissionState } from '../domain/index.ts';
import type { AuditRepository } from '../db/audit-repository.ts';
import type { SubmissionRepository } from '../db/submission-repository.ts';

export interface ReplayDifference {
  readonly submissionId: string;
  readonly teamId: string | null;
  /** Dotted path of the first differing value, e.g. `stages.1.decisions.0.kind`. */
  readonly path: string;
  readonly fromTrail: unknown;
  readonly fromTables: unknown;
}

export interface ReplayReport {
  readonly submissions: number;
  readonly events: number;
  readonly differences: ReplayDifference[];
}

/** Rebuilds a submission from its audit rows alone, with each row's recorded time. */
export function rebuildFromTrail(rows: readonly AuditRow[]): SubmissionState | null {
  let state: SubmissionState | null = null;
  for (const row of rows) {
    if (!isSubmissionEventType(row.type) || !row.submissionId) continue;
    const event = {
      type: row.type,
      submissionId: row.submissionId,
      stageInstanceId: row.stageInstanceId,
      stageId: row.stageId,
      actorId: row.actorId,
      capacity: row.capacity,
      reason: row.reason,
      details: row.details,
    } as SubmissionEvent;
    state = applyEvent(state, event, row.occurredAt);
  }
  return state;
}

/**
 * What must agree between the trail and the tables. Table times come from the app clock and trail times from
 * the database, so times are compared only where the trail carries them as data (a stage's due time), and
 * otherwise only whether they are set. Rows are sorted by id, since the two sources order them differently.
 */
export function comparable(state: SubmissionState): unknown {
  const byId = <T extends { id: string }>(items: readonly T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
  return {
    teamId: state.teamId,
    workflowKey: state.workflowKey,
    workflowVersion: state.workflowVersion,
    requesterId: state.requesterId,
    title: state.title,
    fields: state.fields,
    entityKey: state.entityKey,
    predecessorId: state.predecessorId,
    status: state.status,
    plan: state.plan,
    skippedStageIds: [...state.skippedStageIds].sort(),
    currentStepIndex: state.currentStepIndex,
    closed: state.closedAt !== null,
    endReason: state.endReason,
    stages: byId(state.stages).map((s) => ({
      id: s.id,
      stageId: s.stageId,
      name: s.name,
      step: s.step,
      status: s.status,
      rule: s.rule,
      pool: [...s.pool].sort(),
      required: s.required,
      dueAt: new Date(s.dueAt).toISOString(),
      closed: s.closedAt !== null,
      escalated: s.escalatedAt !== null,
      escalatedVia: s.escalatedVia,
      decisions: byId(s.decisions).map((d) => ({
        id: d.id, kind: d.kind, actorId: d.actorId, principalId: d.principalId, capacity: d.capacity, reason: d.reason, delegateTo: d.delegateTo, retracted: d.retractedAt !== null,
      })),
      grants: s.grants.map((g) => ({ userId: g.userId, kind: g.kind, onBehalfOf: g.onBehalfOf })).sort((a, b) => `${a.kind}|${a.userId}|${a.onBehalfOf}`.localeCompare(`${b.kind}|${b.userId}|${b.onBehalfOf}`)),
    })),
  };
}

/** The first path at which two JSON-like values differ, or null when they are equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): { path: string; a: unknown; b: unknown } | null {
  if (a === b) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return { path: path || '(root)', a, b };
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return { path: `${path}${path ? '.' : ''}length`, a: a.length, b: b.length };
  for (const key of keys) {
    const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
    if (found) return found;
  }
  return null;
}

export interface ReplayServiceDeps {
  readonly audit: Pick<AuditRepository, 'submissionEvents' | 'requestIdsOnEitherSide'>;
  readonly submissions: Pick<SubmissionRepository, 'get'>;
}

export function createReplayService(deps: ReplayServiceDeps) {
  async function checkOne(submissionId: string): Promise<{ events: number; difference: ReplayDifference | null }> {
    const [rows, loaded] = await Promise.all([deps.audit.submissionEvents(submissionId), deps.submissions.get(submissionId)]);
    const events = rows.filter((r) => isSubmissionEventType(r.type));
    let rebuilt: SubmissionState | null;
    try {
      rebuilt = rebuildFromTrail(rows);
    } catch (error) {
      return { events: events.length, difference: { submissionId, teamId: loaded?.state.teamId ?? null, path: '(trail)', fromTrail: (error as Error).message, fromTables: 'present' } };
    }
    if (!rebuilt || !loaded) {
      return { events: events.length, difference: { submissionId, teamId: loaded?.state.teamId ?? rebuilt?.teamId ?? null, path: '(existence)', fromTrail: rebuilt ? 'present' : 'missing', fromTables: loaded ? 'present' : 'missing' } };
    }
    const found = firstDifference(comparable(rebuilt), comparable(loaded.state));
    return { events: events.length, difference: found ? { submissionId, teamId: loaded.state.teamId, path: found.path, fromTrail: found.a, fromTables: found.b } : null };
  }

  /** Rebuilds every submission (of one workspace, or all) from the trail and compares it with the tables. */
  async function check(options: { teamId?: string; onProgress?: (done: number) => void } = {}): Promise<ReplayReport> {
    const differences: ReplayDifference[] = [];
    let submissions = 0;
    let events = 0;
    // Ids from both sides: a submission only in the tables, or only in the trail, is itself a difference.
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const ids = await deps.audit.requestIdsOnEitherSide(after, options.teamId ?? null, 500);
      for (const id of ids) {
        const outcome = await checkOne(id);
        submissions++;
        events += outcome.events;
        if (outcome.difference) differences.push(outcome.difference);
      }
      options.onProgress?.(submissions);
      const last = ids[ids.length - 1];
      if (!last || ids.length < 500) break;
      after = last;
    }
    return { submissions, events, differences };
  }

  return { check, checkOne };
}
export type ReplayService = ReturnType<typeof createReplayService>;
