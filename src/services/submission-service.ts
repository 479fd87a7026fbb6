import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { z } from 'zod';
import {
  DomainError, applyEvents, cancel, startSubmission, validateFieldValues, validateTitle, withdraw,
  type RuleContext, type SubmissionEvent, type SubmissionState, type WorkflowDefinition,
} from '../domain/index.ts';
import { boundRolesRead, loadDirectory } from '../db/directory-repository.ts';
import { IdempotencyRecord, Submission, Workflow, WorkflowVersion } from '../db/entities/index.ts';
import { pooledRunner, sql, type SqlRunner } from '../db/sql.ts';
import { loadSubmission, readSubmission, submissionVersionRead, submissionWrites } from '../db/submission-repository.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isAdmin } from './admins.ts';
import type { RequestMeta, ServiceDeps } from './deps.ts';
import { recordSubmissionEvents } from './submission-effects.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';
import { slackUserIdSchema } from '../domain/index.ts';

export const submitInputSchema = z.object({
  teamId: z.string().min(1),
  workflowKey: z.string().min(1).max(40),
  requesterId: slackUserIdSchema(),
  title: z.string(),
  fields: z.record(z.string(), z.unknown()).default({}),
  entityKey: z.string().trim().min(1).max(200).nullish(),
  predecessorId: z.uuid().nullish(),
  /** The same key again returns the request it first created (a re-sent form, a retried API call). */
  idempotencyKey: z.string().min(8).max(300).optional(),
});
export type SubmitInput = z.input<typeof submitInputSchema>;

/** Every role an approver spec or escalation names, so the directory slice covers them. */
export const rolesOf = (definition: WorkflowDefinition): string[] => [
  ...new Set(definition.stages.flatMap((s) => [...s.approvers, ...(s.escalateTo ?? [])]).flatMap((a) => (a.type === 'role' ? [a.role] : []))),
];

/** People whose managers or incoming delegations may matter for a decision on this submission. */
export const peopleOf = (state: SubmissionState, extra: readonly string[] = []): string[] => [
  state.requesterId,
  ...extra,
  ...state.stages.filter((s) => s.status === 'open').flatMap((s) => [...s.pool, ...s.grants.map((g) => g.userId)]),
];

/** Published versions never change, so each is read from the database once per process. */
const definitionCache = new Map<string, WorkflowDefinition>();
const DEFINITION_CACHE_LIMIT = 500;

export async function loadDefinition(runner: SqlRunner, workflowVersionId: string): Promise<WorkflowDefinition> {
  const cached = definitionCache.get(workflowVersionId);
  if (cached) return cached;
  const [rows = []] = await runner.run([sql`select definition from workflow_version where id = ${workflowVersionId}`]);
  const definition = rows[0]?.definition as WorkflowDefinition | undefined;
  if (!definition) throw new Error(`workflow version ${workflowVersionId} is missing`);
  if (definitionCache.size >= DEFINITION_CACHE_LIMIT) definitionCache.delete(definitionCache.keys().next().value as string);
  definitionCache.set(workflowVersionId, definition);
  return definition;
}

/**
 * Which workflow version each recently seen submission runs on: a fact that never changes, keyed by a random
 * id, so a decision can read the directory slice together with the submission when both are known.
 */
const versionOfSubmission = new Map<string, string>();
const VERSION_OF_SUBMISSION_LIMIT = 20_000;

export function rememberWorkflowVersion(submissionId: string, workflowVersionId: string): void {
  if (versionOfSubmission.has(submissionId)) return;
  if (versionOfSubmission.size >= VERSION_OF_SUBMISSION_LIMIT) versionOfSubmission.delete(versionOfSubmission.keys().next().value as string);
  versionOfSubmission.set(submissionId, workflowVersionId);
}

/** The version and definition a submission runs on, when both are already in memory. */
export function knownDefinition(submissionId: string): { workflowVersionId: string; definition: WorkflowDefinition } | null {
  const workflowVersionId = versionOfSubmission.get(submissionId);
  const definition = workflowVersionId ? definitionCache.get(workflowVersionId) : undefined;
  return workflowVersionId && definition ? { workflowVersionId, definition } : null;
}

export function ruleContext(deps: ServiceDeps, directory: RuleContext['directory']): RuleContext {
  return { now: deps.clock(), directory, newId: deps.newId };
}

/** Applies decided facts: state rows, audit events and outbox messages, all written with the caller's transaction. */
export function commitEvents(uow: UnitOfWork, before: SubmissionState | null, events: readonly SubmissionEvent[], workflowVersionId: string, at: Date): SubmissionState {
  const after = applyEvents(before, events, at.toISOString());
  uow.write(submissionWrites(before, after, workflowVersionId));
  recordSubmissionEvents(uow, after, events);
  return after;
}

export const isRequestId = (id: string): boolean => z.uuid().safeParse(id).success;
export const requestNotFound = (id: string): DomainError => new DomainError('not_found', `There is no request "${id}".`);

/** The key already created a request: leave this transaction without writing and return that request. */
class AlreadySubmitted extends Error {}

export function createSubmissionService(deps: ServiceDeps) {
  async function submit(input: SubmitInput, meta: RequestMeta): Promise<SubmissionState> {
    const parsed = submitInputSchema.safeParse(input);
    if (!parsed.success) throw new DomainError('invalid_input', `Invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const cmd = parsed.data;
    const title = validateTitle(cmd.title);
    try {
      const { result } = await inTransaction(deps, cmd.teamId, meta, async (em, uow) => {
        if (cmd.idempotencyKey) {
          const claimed = await em.execute<{ key: string }[]>(
            `insert into idempotency_record (team_id, key, outcome) values (?, ?, '{}') on conflict do nothing returning key`,
            [cmd.teamId, cmd.idempotencyKey],
          );
          if (claimed.length === 0) throw new AlreadySubmitted();
        }
        const workflow = await em.findOne(Workflow, { teamId: cmd.teamId, key: cmd.workflowKey });
        if (!workflow || !workflow.active) throw new DomainError('not_found', `There is no active workflow "${cmd.workflowKey}".`);
        const version = await em.findOneOrFail(WorkflowVersion, { teamId: cmd.teamId, workflowKey: cmd.workflowKey, version: workflow.currentVersion });
        const definition = version.definition;
        const fields = validateFieldValues(definition.fields, cmd.fields);
        const predecessor = cmd.predecessorId ? (await loadSubmission(em, cmd.predecessorId))?.state ?? null : null;
        if (cmd.predecessorId && (!predecessor || predecessor.teamId !== cmd.teamId)) throw new DomainError('not_found', 'The request you are revising does not exist.');
        const userFields = definition.fields.filter((f) => f.type === 'user').map((f) => fields[f.id]).filter((v): v is string => typeof v === 'string');
        const directory = await loadDirectory(em, { teamId: cmd.teamId, roles: rolesOf(definition), people: [cmd.requesterId, ...userFields], workflowKey: definition.key, at: deps.clock() });
        const events = startSubmission(definition, {
          id: deps.newId(),
          teamId: cmd.teamId,
          workflowVersion: version.version,
          requesterId: cmd.requesterId,
          title,
          fields,
          entityKey: cmd.entityKey ?? null,
          predecessor,
        }, ruleContext(deps, directory));
        const state = commitEvents(uow, null, events, version.id, deps.clock());
        rememberWorkflowVersion(state.id, version.id);
        if (cmd.idempotencyKey) {
          await em.execute('update idempotency_record set submission_id = ?, outcome = ?::jsonb where team_id = ? and key = ?', [state.id, JSON.stringify({ result: 'submitted', submissionId: state.id }), cmd.teamId, cmd.idempotencyKey]);
        }
        return state;
      });
      return result;
    } catch (error) {
      if (error instanceof AlreadySubmitted && cmd.idempotencyKey) {
        const record = await deps.orm.em.fork().findOneOrFail(IdempotencyRecord, { teamId: cmd.teamId, key: cmd.idempotencyKey });
        if (!record.submissionId) throw new DomainError('invalid_input', 'That idempotency key was already used for something other than a new request.');
        return get(cmd.teamId, record.submissionId);
      }
      if (error instanceof UniqueConstraintViolationException && String(error.message).includes('submission_one_active_per_entity')) {
        throw new DomainError('duplicate_active', `There is already an active request for "${cmd.entityKey}" in this workflow. Withdraw it or wait for its outcome first.`);
      }
      throw error;
    }
  }

  async function get(teamId: string, id: string): Promise<SubmissionState> {
    if (!isRequestId(id)) throw requestNotFound(id);
    const loaded = await readSubmission(pooledRunner(deps.orm), id);
    if (!loaded || loaded.state.teamId !== teamId) throw requestNotFound(id);
    return loaded.state;
  }

  /**
   * What a decision on a request needs before its transaction, in one small read: the workflow version it runs on
   * (versions never change, so the definition is usually cached) and the team's roles bound to Slack user groups.
   */
  async function decisionContext(teamId: string, id: string): Promise<{ definition: WorkflowDefinition; boundRoles: ReadonlySet<string> }> {
    if (!isRequestId(id)) throw requestNotFound(id);
    const runner = pooledRunner(deps.orm);
    const [versions = [], bound = []] = await runner.run([submissionVersionRead(teamId, id), boundRolesRead(teamId)]);
    const versionId = versions[0]?.workflow_version_id as string | undefined;
    if (!versionId) throw requestNotFound(id);
    rememberWorkflowVersion(id, versionId);
    return { definition: await loadDefinition(runner, versionId), boundRoles: new Set(bound.map((r) => r.name as string)) };
  }

  async function listByRequester(teamId: string, requesterId: string, limit = 20): Promise<Submission[]> {
    return deps.orm.em.fork().find(Submission, { teamId, requesterId }, { orderBy: { createdAt: 'desc' }, limit });
  }

  async function withdrawRequest(teamId: string, id: string, actorId: string, reason: string | null, meta: RequestMeta): Promise<SubmissionState> {
    return lifecycle(teamId, id, actorId, meta, 'withdraw', (state, ctx) => withdraw(state, actorId, reason, ctx));
  }

  async function cancelRequest(teamId: string, id: string, actorId: string, reason: string, meta: RequestMeta): Promise<SubmissionState> {
    return lifecycle(teamId, id, actorId, meta, 'cancel', async (state, ctx, em) => {
      if (!(await isAdmin(deps, em, teamId, actorId))) throw new DomainError('forbidden', 'Only approval admins can cancel a request.');
      return cancel(state, actorId, reason, ctx);
    });
  }

  /** Withdraw and cancel: one transaction; a refusal is recorded in the trail and then reported. */
  async function lifecycle(
    teamId: string, id: string, actorId: string, meta: RequestMeta, action: string,
    rule: (state: SubmissionState, ctx: RuleContext, em: EntityManager) => SubmissionEvent[] | Promise<SubmissionEvent[]>,
  ): Promise<SubmissionState> {
    const { result } = await inTransaction(deps, teamId, meta, async (em, uow) => {
      const loaded = z.uuid().safeParse(id).success ? await loadSubmission(em, id, { lock: true }) : null;
      if (!loaded || loaded.state.teamId !== teamId) throw new DomainError('not_found', `There is no request "${id}".`);
      const ctx = ruleContext(deps, await loadDirectory(em, { teamId, roles: [], people: [], workflowKey: loaded.state.workflowKey, at: deps.clock() }));
      try {
        const events = await rule(loaded.state, ctx, em);
        return { state: commitEvents(uow, loaded.state, events, loaded.workflowVersionId, ctx.now), refusal: null };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        uow.record({ type: 'decision.refused', submissionId: id, workflowKey: loaded.state.workflowKey, workflowVersion: loaded.state.workflowVersion, actorId, reason: error.message, details: { action, code: error.code } });
        return { state: loaded.state, refusal: error };
      }
    });
    if (result.refusal) throw result.refusal;
    return result.state;
  }

  return { submit, get, decisionContext, listByRequester, withdraw: withdrawRequest, cancel: cancelRequest };
}
export type SubmissionService = ReturnType<typeof createSubmissionService>;
