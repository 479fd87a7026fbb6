import type {
  ApprovalRule, Capacity, Decision as DecisionState, DecisionKind, EscalationVia, FieldValues, Grant, PlannedStep, StageInstance as StageState, StageStatus,
  SubmissionState, SubmissionStatus,
} from '../domain/index.ts';
import { json, sql, tuples, type Sql, type SqlRow, type SqlValue } from './sql.ts';

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);
const toDate = (value: string | null): Date | null => (value ? new Date(value) : null);

export interface LoadedSubmission {
  readonly state: SubmissionState;
  readonly workflowVersionId: string;
}

/** The columns a submission's state is built from; the ORM entities and raw rows (see below) both have them. */
export interface SubmissionRecord {
  readonly id: string;
  readonly teamId: string;
  readonly workflowKey: string;
  readonly workflowVersion: number;
  readonly requesterId: string;
  readonly title: string;
  readonly fields: FieldValues;
  readonly entityKey?: string | null | undefined;
  readonly predecessorId?: string | null | undefined;
  readonly status: SubmissionStatus;
  readonly plan: PlannedStep[];
  readonly skippedStageIds: string[];
  readonly currentStepIndex?: number | null | undefined;
  readonly createdAt: Date;
  readonly closedAt?: Date | null | undefined;
  readonly endReason?: string | null | undefined;
}
export interface StageRecord {
  readonly id: string;
  readonly stageId: string;
  readonly name: string;
  readonly step: number;
  readonly status: StageStatus;
  readonly rule: ApprovalRule;
  readonly pool: string[];
  readonly required: number;
  readonly openedAt: Date;
  readonly dueAt: Date;
  readonly closedAt?: Date | null | undefined;
  readonly escalatedAt?: Date | null | undefined;
  readonly escalatedVia?: EscalationVia | null | undefined;
}
export interface DecisionRecord {
  readonly id: string;
  readonly stageInstanceId: string;
  readonly kind: DecisionKind;
  readonly actorId: string;
  readonly principalId: string;
  readonly capacity: Capacity;
  readonly reason?: string | null | undefined;
  readonly delegateTo?: string | null | undefined;
  readonly decidedAt: Date;
  readonly retractedAt?: Date | null | undefined;
}
export interface GrantRecord {
  readonly stageInstanceId: string;
  readonly userId: string;
  readonly kind: 'delegate' | 'escalation';
  readonly onBehalfOf?: string | null | undefined;
  readonly grantedAt: Date;
}

/**
 * The four reads that make up a submission, in the order `submissionFromRows` expects; `lock` takes the row
 * lock that serializes decisions. Plain statements, so a caller can send them in one round trip.
 */
export function submissionReads(id: string, options: { lock?: boolean } = {}): Sql[] {
  const stagesOf = sql`select id from stage_instance where submission_id = ${id}`;
  return [
    sql`select id, team_id, workflow_key, workflow_version, workflow_version_id, requester_id, title, fields, entity_key, predecessor_id, status, plan,
          skipped_stage_ids, current_step_index, created_at, closed_at, end_reason
        from submission where id = ${id}${options.lock ? sql` for update` : sql``}`,
    sql`select id, stage_id, name, step, status, rule, pool, required, opened_at, due_at, closed_at, escalated_at, escalated_via
        from stage_instance where submission_id = ${id} order by opened_at, step, id`,
    sql`select id, stage_instance_id, kind, actor_id, principal_id, capacity, reason, delegate_to, decided_at, retracted_at
        from decision where stage_instance_id in (${stagesOf}) order by decided_at, id`,
    sql`select stage_instance_id, user_id, kind, on_behalf_of, granted_at from stage_grant where stage_instance_id in (${stagesOf}) order by id`,
  ];
}

const text = (row: SqlRow, column: string): string => row[column] as string;
const nullableText = (row: SqlRow, column: string): string | null => (row[column] as string | null) ?? null;
const time = (row: SqlRow, column: string): Date => new Date(row[column] as string);
const nullableTime = (row: SqlRow, column: string): Date | null => (row[column] == null ? null : new Date(row[column] as string));

/** Builds the state from the rows of `submissionReads`; null when there is no such submission. */
export function submissionFromRows([submissions = [], stages = [], decisions = [], grants = []]: readonly SqlRow[][]): LoadedSubmission | null {
  const s = submissions[0];
  if (!s) return null;
  const record: SubmissionRecord = {
    id: text(s, 'id'), teamId: text(s, 'team_id'), workflowKey: text(s, 'workflow_key'), workflowVersion: s.workflow_version as number,
    requesterId: text(s, 'requester_id'), title: text(s, 'title'), fields: s.fields as FieldValues, entityKey: nullableText(s, 'entity_key'),
    predecessorId: nullableText(s, 'predecessor_id'), status: s.status as SubmissionStatus, plan: s.plan as PlannedStep[],
    skippedStageIds: s.skipped_stage_ids as string[], currentStepIndex: (s.current_step_index as number | null) ?? null,
    createdAt: time(s, 'created_at'), closedAt: nullableTime(s, 'closed_at'), endReason: nullableText(s, 'end_reason'),
  };
  return {
    workflowVersionId: text(s, 'workflow_version_id'),
    state: toState(
      record,
      stages.map((r): StageRecord => ({
        id: text(r, 'id'), stageId: text(r, 'stage_id'), name: text(r, 'name'), step: r.step as number, status: r.status as StageStatus,
        rule: r.rule as ApprovalRule, pool: r.pool as string[], required: r.required as number, openedAt: time(r, 'opened_at'), dueAt: time(r, 'due_at'),
        closedAt: nullableTime(r, 'closed_at'), escalatedAt: nullableTime(r, 'escalated_at'), escalatedVia: nullableText(r, 'escalated_via') as EscalationVia | null,
      })),
      decisions.map((r): DecisionRecord => ({
        id: text(r, 'id'), stageInstanceId: text(r, 'stage_instance_id'), kind: r.kind as DecisionKind, actorId: text(r, 'actor_id'),
        principalId: text(r, 'principal_id'), capacity: r.capacity as Capacity, reason: nullableText(r, 'reason'), delegateTo: nullableText(r, 'delegate_to'),
        decidedAt: time(r, 'decided_at'), retractedAt: nullableTime(r, 'retracted_at'),
      })),
      grants.map((r): GrantRecord => ({
        stageInstanceId: text(r, 'stage_instance_id'), userId: text(r, 'user_id'), kind: r.kind as GrantRecord['kind'],
        onBehalfOf: nullableText(r, 'on_behalf_of'), grantedAt: time(r, 'granted_at'),
      })),
    ),
  };
}

export function toState(submission: SubmissionRecord, stages: readonly StageRecord[], decisions: readonly DecisionRecord[], grants: readonly GrantRecord[]): SubmissionState {
  return {
    id: submission.id,
    teamId: submission.teamId,
    workflowKey: submission.workflowKey,
    workflowVersion: submission.workflowVersion,
    requesterId: submission.requesterId,
    title: submission.title,
    fields: submission.fields,
    entityKey: submission.entityKey ?? null,
    predecessorId: submission.predecessorId ?? null,
    status: submission.status,
    plan: submission.plan,
    skippedStageIds: submission.skippedStageIds,
    currentStepIndex: submission.currentStepIndex ?? null,
    createdAt: submission.createdAt.toISOString(),
    closedAt: iso(submission.closedAt),
    endReason: submission.endReason ?? null,
    stages: stages.map((stage): StageState => ({
      id: stage.id,
      stageId: stage.stageId,
      name: stage.name,
      step: stage.step,
      status: stage.status,
      rule: stage.rule,
      pool: stage.pool,
      required: stage.required,
      openedAt: stage.openedAt.toISOString(),
      dueAt: stage.dueAt.toISOString(),
      closedAt: iso(stage.closedAt),
      escalatedAt: iso(stage.escalatedAt),
      escalatedVia: stage.escalatedVia ?? null,
      decisions: decisions.filter((d) => d.stageInstanceId === stage.id).map((d): DecisionState => ({
        id: d.id,
        kind: d.kind,
        actorId: d.actorId,
        principalId: d.principalId,
        capacity: d.capacity,
        reason: d.reason ?? null,
        delegateTo: d.delegateTo ?? null,
        at: d.decidedAt.toISOString(),
        retractedAt: iso(d.retractedAt),
      })),
      grants: grants.filter((g) => g.stageInstanceId === stage.id).map((g): Grant => ({
        userId: g.userId,
        kind: g.kind,
        onBehalfOf: g.onBehalfOf ?? null,
        at: g.grantedAt.toISOString(),
      })),
    })),
  };
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The statements that write what changed between two states of one submission. Rows are only ever added or
 * moved forward (statuses, close times, retractions), mirroring the facts in the audit trail; a row that did
 * not change is not written.
 */
export function submissionWrites(before: SubmissionState | null, after: SubmissionState, workflowVersionId: string): Sql[] {
  const statements: Sql[] = [];
  const closedAt = toDate(after.closedAt);
  if (!before) {
    statements.push(sql`insert into submission (id, team_id, workflow_key, workflow_version, workflow_version_id, requester_id, title, fields, entity_key,
        predecessor_id, plan, created_at, status, skipped_stage_ids, current_step_index, closed_at, end_reason, updated_at)
      values (${after.id}, ${after.teamId}, ${after.workflowKey}, ${after.workflowVersion}, ${workflowVersionId}, ${after.requesterId}, ${after.title},
        ${json(after.fields)}, ${after.entityKey}, ${after.predecessorId}, ${json(after.plan)}, ${new Date(after.createdAt)}, ${after.status},
        ${json(after.skippedStageIds)}, ${after.currentStepIndex}, ${closedAt}, ${after.endReason}, now())`);
  } else if (before.status !== after.status || !sameJson(before.skippedStageIds, after.skippedStageIds)
    || before.currentStepIndex !== after.currentStepIndex || before.closedAt !== after.closedAt) {
    statements.push(sql`update submission set status = ${after.status}, skipped_stage_ids = ${json(after.skippedStageIds)},
        current_step_index = ${after.currentStepIndex}, closed_at = ${closedAt}, end_reason = ${after.endReason}, updated_at = now() where id = ${after.id}`);
  }

  const newStages: SqlValue[][] = [];
  const newDecisions: SqlValue[][] = [];
  const newGrants: SqlValue[][] = [];
  for (const stage of after.stages) {
    const previous = before?.stages.find((s) => s.id === stage.id);
    if (!previous) {
      newStages.push([stage.id, after.id, stage.stageId, stage.name, stage.step, stage.status, json(stage.rule), json(stage.pool), stage.required,
        new Date(stage.openedAt), new Date(stage.dueAt), toDate(stage.closedAt), toDate(stage.escalatedAt), stage.escalatedVia]);
    } else if (previous.status !== stage.status || previous.escalatedAt !== stage.escalatedAt) {
      statements.push(sql`update stage_instance set status = ${stage.status}, closed_at = ${toDate(stage.closedAt)}, escalated_at = ${toDate(stage.escalatedAt)},
        escalated_via = ${stage.escalatedVia} where id = ${stage.id}`);
    }
    for (const decision of stage.decisions) {
      const old = previous?.decisions.find((d) => d.id === decision.id);
      if (!old) {
        newDecisions.push([decision.id, after.id, stage.id, decision.kind, decision.actorId, decision.principalId, json(decision.capacity),
          decision.reason, decision.delegateTo, new Date(decision.at), toDate(decision.retractedAt)]);
      } else if (old.retractedAt !== decision.retractedAt) {
        statements.push(sql`update decision set retracted_at = ${toDate(decision.retractedAt)} where id = ${decision.id}`);
      }
    }
    for (const grant of stage.grants.slice(previous?.grants.length ?? 0)) {
      newGrants.push([stage.id, grant.userId, grant.kind, grant.onBehalfOf, new Date(grant.at)]);
    }
  }
  if (newStages.length) {
    statements.push(sql`insert into stage_instance (id, submission_id, stage_id, name, step, status, rule, pool, required, opened_at, due_at, closed_at, escalated_at, escalated_via)
      values ${tuples(newStages)}`);
  }
  if (newDecisions.length) {
    statements.push(sql`insert into decision (id, submission_id, stage_instance_id, kind, actor_id, principal_id, capacity, reason, delegate_to, decided_at, retracted_at)
      values ${tuples(newDecisions)}`);
  }
  if (newGrants.length) {
    statements.push(sql`insert into stage_grant (stage_instance_id, user_id, kind, on_behalf_of, granted_at) values ${tuples(newGrants)}`);
  }
  return statements;
}
