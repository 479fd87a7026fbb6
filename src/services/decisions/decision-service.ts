import {
  DomainError, admit, applyEvents, cancel, coverStage, decide, timeoutStage, withdraw,
  type Directory, type RuleContext, type SubmissionEvent, type SubmissionState, type WorkflowDefinition,
} from '../../domain/index.ts';
import type { DecisionRun, DecisionScope, OpenDecision } from '../../db/decision-store.ts';
import type { ClosingWrites } from '../../db/transaction.ts';
import type { LoadedSubmission } from '../../db/submission-rows.ts';
import type { AdminCheck } from '../admins.ts';
import type { RequestMeta } from '../deps.ts';
import type { RoleSync } from '../role-sync.ts';
import { recordSubmissionEvents } from '../submission-effects.ts';
import { rolesOf } from '../submission-service.ts';
import { UnitOfWork } from '../unit-of-work.ts';
import type { WorkflowVersions } from '../workflow-versions.ts';
import { requestVersions } from './request-versions.ts';
import {
  parseDecision, storedOutcomeSchema, type AcceptedOutcome, type DecisionCommand, type DecisionInput, type ReviewerDecisionInput, type StoredOutcome,
} from './decision-input.ts';

export type { DecisionInput, ReviewerDecisionInput } from './decision-input.ts';

/** `decide` records the decision; `check` only asks the gate (before a reason is typed) and records nothing unless it refuses. */
type Mode = 'decide' | 'check';

/** The storage a decision needs (src/db/decision-store.ts; an in-memory fake in unit tests). */
export interface DecisionStorePort {
  /** The workflow version a request runs on, or null when the team has no such request. */
  versionOf(teamId: string, submissionId: string, deadline?: number): Promise<string | null>;
  run<T>(scope: DecisionScope, work: (open: OpenDecision) => Promise<T>, closing: () => ClosingWrites): Promise<DecisionRun<T>>;
}

export interface DecisionServiceDeps {
  readonly store: DecisionStorePort;
  readonly current: (submissionId: string) => Promise<LoadedSubmission | null>;
  readonly versions: Pick<WorkflowVersions, 'definitionOf'>;
  readonly roleSync: Pick<RoleSync, 'bringUpToDate' | 'boundAmong'>;
  readonly admins: Pick<AdminCheck, 'isAdmin' | 'list' | 'configuredFor'>;
  readonly clock: () => Date;
  readonly newId: () => string;
}

/** An accepted decision with the request as it left it (as it is now, for a replayed key). */
export type DecisionResult = AcceptedOutcome & { readonly replayed: boolean; readonly submission: SubmissionState };

const notFound = (): DomainError => new DomainError('not_found', 'That request does not exist.');

/** Roles of the decision follow Slack user groups: the transaction is left unwritten, they are synced, and it runs again. */
class SyncRolesFirst extends Error {
  readonly bound: ReadonlyMap<string, string>;
  constructor(bound: ReadonlyMap<string, string>) {
    super('roles bound to user groups are synced before deciding');
    this.bound = bound;
  }
}

/**
 * The one door for every decision: a card click, a modal, the REST API, a withdrawal, an admin's cancel and an
 * SLA timer all come through `decide`. It brings roles bound to Slack user groups up to date, loads the request
 * and the exact workflow version it runs on, asks the domain, and records state, audit events, outbox messages
 * and the outcome in one transaction. Refusals are recorded too (audit, and an outbox message so the person's
 * card is redrawn) and then thrown as the domain's DomainError.
 */
export function createDecisionService(deps: DecisionServiceDeps) {
  /** The domain rule for a command, or a DomainError saying why it is refused. */
  async function rule(cmd: DecisionCommand, state: SubmissionState, definition: WorkflowDefinition, ctx: RuleContext, mode: Mode): Promise<SubmissionEvent[]> {
    switch (cmd.kind) {
      case 'timeout': return timeoutStage(state, definition, cmd.stageInstanceId, ctx);
      case 'cover': return coverStage(state, definition, cmd.stageInstanceId, await deps.admins.list(cmd.teamId), ctx);
      case 'withdraw': return withdraw(state, cmd.actorId, cmd.reason ?? null, ctx);
      case 'cancel': return cancel(state, { id: cmd.actorId, isAdmin: await deps.admins.isAdmin(cmd.teamId, cmd.actorId) }, cmd.reason, ctx);
      default:
        if (mode === 'decide') return decide(state, definition, cmd, ctx);
        admit(state, definition, cmd, ctx);
        return [];
    }
  }

  const versionOf = requestVersions((teamId, submissionId, deadline) => deps.store.versionOf(teamId, submissionId, deadline));

  async function decideOnce(input: DecisionInput, meta: RequestMeta, mode: Mode = 'decide'): Promise<DecisionResult> {
    const cmd = parseDecision(input);
    const workflowVersionId = await versionOf(cmd.teamId, cmd.submissionId, meta.deadline);
    if (!workflowVersionId) throw notFound();
    const definition = await deps.versions.definitionOf(workflowVersionId);
    const needsDirectory = cmd.kind !== 'withdraw' && cmd.kind !== 'cancel';
    const roles = needsDirectory ? rolesOf(definition) : [];

    const uow = new UnitOfWork(cmd.teamId, meta, deps.newId);
    const actorId = 'actorId' in cmd ? cmd.actorId : null;
    const scope: DecisionScope = {
      teamId: cmd.teamId,
      submissionId: cmd.submissionId,
      // A check claims no key: the decision it comes before uses the click's key.
      idempotencyKey: mode === 'decide' && 'idempotencyKey' in cmd ? cmd.idempotencyKey ?? null : null,
      directory: {
        roles, extraPeople: actorId ? [actorId] : [], workflowKey: definition.key, at: deps.clock(),
        // Only a late stage may need the admins (when nobody nearer can be asked).
        admins: cmd.kind === 'timeout',
      },
      boundRoles: roles.length > 0,
      deadline: meta.deadline,
    };
    let decided: SubmissionState | null = null;
    // Who may decide depends on roles that follow Slack user groups: which ones do is read with the request, and
    // when any of the workflow's do, they are brought up to date before the decision reads their members.
    const attempt = (synced: boolean) => deps.store.run(synced ? { ...scope, boundRoles: false } : scope, async (open): Promise<StoredOutcome> => {
      if (!synced && deps.roleSync.boundAmong(roles, open.boundRoles).size > 0) throw new SyncRolesFirst(open.boundRoles);
      const outcome = await judge(cmd, open, definition, uow, workflowVersionId, mode);
      decided = outcome.state;
      open.saveOutcome(outcome.stored);
      return outcome.stored;
    }, () => uow.closing());
    const run = await attempt(false).catch(async (error: unknown) => {
      if (!(error instanceof SyncRolesFirst)) throw error;
      await deps.roleSync.bringUpToDate(cmd.teamId, roles, meta, error.bound);
      return attempt(true);
    });

    const stored: StoredOutcome = run.replayed ? storedOutcomeSchema.parse(run.outcome) : run.result;
    if (stored.result === 'refused') throw new DomainError(stored.code, stored.message, stored.fieldErrors);
    const submission = decided ?? (await deps.current(cmd.submissionId))?.state;
    if (!submission) throw notFound();
    return { ...stored, replayed: run.replayed, submission };
  }

  /** Inside the transaction: the domain's answer, recorded in the unit of work either way. */
  async function judge(cmd: DecisionCommand, open: OpenDecision, definition: WorkflowDefinition, uow: UnitOfWork, workflowVersionId: string, mode: Mode): Promise<{ stored: StoredOutcome; state: SubmissionState | null }> {
    const loaded = open.loaded;
    if (!loaded || loaded.state.teamId !== cmd.teamId) {
      return { stored: { result: 'refused', code: 'not_found', message: notFound().message, fieldErrors: {} }, state: null };
    }
    const before = loaded.state;
    const granted = open.directory;
    const directory: Directory = { ...granted, approvalAdmins: () => [...new Set([...deps.admins.configuredFor(cmd.teamId), ...granted.approvalAdmins()])].sort() };
    const ctx: RuleContext = { now: deps.clock(), directory, newId: deps.newId };
    try {
      const events = await rule(cmd, before, definition, ctx, mode);
      const after = applyAndRecord(uow, open, before, events, workflowVersionId, ctx.now);
      return {
        stored: {
          result: 'accepted', submissionId: before.id, kind: cmd.kind, stageInstanceId: events[0]?.stageInstanceId ?? null,
          events: events.map((e) => e.type), submissionStatus: after.status,
        },
        state: after,
      };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const actorId = 'actorId' in cmd ? cmd.actorId : null;
      const stageInstanceId = 'stageInstanceId' in cmd ? cmd.stageInstanceId ?? null : null;
      uow.record({
        type: 'decision.refused', submissionId: before.id, workflowKey: before.workflowKey, workflowVersion: before.workflowVersion,
        stageInstanceId, actorId, reason: error.message, details: { action: cmd.kind, code: error.code },
      });
      // The person's card may be out of date (that is often why it was refused): the worker redraws it.
      if (actorId) uow.enqueue('decision.refused', before.id, { submissionId: before.id, stageInstanceId, actorId });
      return { stored: { result: 'refused', code: error.code, message: error.message, fieldErrors: { ...error.fieldErrors } }, state: before };
    }
  }

  return {
    decide: (input: DecisionInput, meta: RequestMeta) => decideOnce(input, meta),
    /**
     * Whether a reviewer decision would pass the gate now, asked before its reason modal opens: throws the same
     * refusal `decide` would (recorded the same way, so the person's card is redrawn); records nothing when allowed.
     */
    check: async (input: ReviewerDecisionInput, meta: RequestMeta): Promise<void> => {
      await decideOnce(input, meta, 'check');
    },
  };
}
export type DecisionService = ReturnType<typeof createDecisionService>;

/** Applies decided facts to the state and records them: row writes, audit events, outbox messages. */
function applyAndRecord(uow: UnitOfWork, open: OpenDecision, before: SubmissionState, events: readonly SubmissionEvent[], workflowVersionId: string, at: Date): SubmissionState {
  if (events.length === 0) return before;
  const after = applyEvents(before, events, at.toISOString());
  open.saveSubmission(before, after, workflowVersionId);
  recordSubmissionEvents(uow, after, events);
  return after;
}
