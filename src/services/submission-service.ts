import { z } from 'zod';
import {
  DomainError, applyEvents, checkRevisable, entityKeySchema, workflowKeySchema, normaliseShortId, requireCanSee, slackUserIdSchema, startSubmission, validateRequestForm,
  type Directory, type RuleContext, type SubmissionEvent, type SubmissionState, type WorkflowDefinition,
} from '../domain/index.ts';
import type { DirectoryQuery } from '../db/directory-reads.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { OwnRequestRow, SubmissionRepository } from '../db/submission-repository.ts';
import type { AdminCheck } from './admins.ts';
import type { RoleSync } from './role-sync.ts';
import type { RequestMeta } from './deps.ts';
import { recordSubmissionEvents } from './submission-effects.ts';
import type { Transact, UnitOfWork } from './unit-of-work.ts';
import type { WorkflowRepository } from '../db/workflow-repository.ts';
import type { WorkflowVersions } from './workflow-versions.ts';

export const submitInputSchema = z.object({
  teamId: z.string().min(1),
  workflowKey: workflowKeySchema,
  requesterId: slackUserIdSchema(),
  title: z.string(),
  fields: z.record(z.string(), z.unknown()).default({}),
  entityKey: entityKeySchema.nullish(),
  predecessorId: z.uuid().nullish(),
  /** The same key again returns the request it first created (a re-sent form, a retried API call). */
  idempotencyKey: z.string().min(8).max(300).optional(),
});
export type SubmitInput = z.input<typeof submitInputSchema>;

/** Every role an approver spec or escalation names, so the directory slice covers them. */
export const rolesOf = (definition: WorkflowDefinition): string[] => [
  ...new Set(definition.stages.flatMap((s) => [...s.approvers, ...(s.escalateTo ?? [])]).flatMap((a) => (a.type === 'role' ? [a.role] : []))),
];

/** Applies decided facts: state row writes, audit events and outbox messages, all written with the caller's transaction. */
export function commitEvents(uow: UnitOfWork, writesFor: SubmissionRepository['writesFor'], before: SubmissionState | null, events: readonly SubmissionEvent[], workflowVersionId: string, at: Date): SubmissionState {
  const after = applyEvents(before, events, at.toISOString());
  uow.write(writesFor(before, after, workflowVersionId));
  recordSubmissionEvents(uow, after, events);
  return after;
}

/** Requests per page of `/approval list`. */
export const LIST_PAGE_SIZE = 20;

export const isRequestId = (id: string): boolean => z.uuid().safeParse(id).success;
export const requestNotFound = (id: string): DomainError => new DomainError('not_found', `There is no request "${id}".`);

/** A request and the exact workflow version it runs on (cards and replies render from both). */
export interface RequestWithVersion {
  readonly submission: SubmissionState;
  readonly definition: WorkflowDefinition;
}

/** What the worker needs to decide who gets a card and to draw it: the directory slice a decision would read, and the revision links. */
export interface RequestForCards extends RequestWithVersion {
  readonly directory: Directory;
  /** The request this one revises, when it is a revision. */
  readonly predecessor: SubmissionState | null;
  /** The request that revised this one, if any. */
  readonly successorId: string | null;
}

export interface SubmissionServiceDeps {
  readonly transact: Transact;
  readonly submissions: Pick<SubmissionRepository, 'get' | 'getWithSuccessor' | 'writesFor' | 'idsByPrefix' | 'ownRequests' | 'claimKey' | 'keyWrites' | 'submissionOfKey' | 'successorOf' | 'ownRequestsPage'>;
  readonly workflows: Pick<WorkflowRepository, 'find'>;
  readonly versions: Pick<WorkflowVersions, 'get' | 'ofId'>;
  readonly directory: (query: DirectoryQuery) => Promise<Directory>;
  readonly directoryOfSubmission: (query: Omit<DirectoryQuery, 'people'> & { readonly submissionId: string }) => Promise<Directory>;
  readonly admins: Pick<AdminCheck, 'isAdmin'>;
  readonly roleSync: Pick<RoleSync, 'bringUpToDate'>;
  readonly clock: () => Date;
  readonly newId: () => string;
}

/** The key already created a request: leave this transaction without writing and return that request. */
class AlreadySubmitted extends Error {}

/** Requests: submitting one, and reading them the way each surface needs. */
export function createSubmissionService(deps: SubmissionServiceDeps) {
  const ruleContext = (directory: Directory): RuleContext => ({ now: deps.clock(), directory, newId: deps.newId });

  async function submit(input: SubmitInput, meta: RequestMeta): Promise<SubmissionState> {
    const parsed = submitInputSchema.safeParse(input);
    if (!parsed.success) {
      const problems = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.') || 'request', i.message]));
      throw new DomainError('invalid_input', `Invalid request: ${Object.entries(problems).map(([k, v]) => `${k}: ${v}`).join('; ')}`, problems);
    }
    const cmd = parsed.data;
    const workflow = await deps.workflows.find(cmd.teamId, cmd.workflowKey);
    if (!workflow || !workflow.active) throw new DomainError('not_found', `There is no active workflow "${cmd.workflowKey}".`);
    const version = await deps.versions.get(cmd.teamId, cmd.workflowKey, workflow.version);
    const definition = version.definition;
    const { title, values: fields } = validateRequestForm(definition.fields, cmd.title, cmd.fields);
    const predecessor = cmd.predecessorId ? (await deps.submissions.get(cmd.predecessorId))?.state ?? null : null;
    if (cmd.predecessorId && (!predecessor || predecessor.teamId !== cmd.teamId)) throw new DomainError('not_found', 'The request you are revising does not exist.');
    const revisedAs = predecessor ? await deps.submissions.successorOf(predecessor.id) : null;
    // Routing reads role members: roles that follow a Slack user group are brought up to date first.
    await deps.roleSync.bringUpToDate(cmd.teamId, rolesOf(definition), meta);
    const userFields = definition.fields.filter((f) => f.type === 'user').map((f) => fields[f.id]).filter((v): v is string => typeof v === 'string');
    try {
      const { result } = await deps.transact(cmd.teamId, meta, async (tx, uow) => {
        if (cmd.idempotencyKey && !(await deps.submissions.claimKey(tx, cmd.teamId, cmd.idempotencyKey))) throw new AlreadySubmitted();
        const directory = await deps.directory({ teamId: cmd.teamId, roles: rolesOf(definition), people: [cmd.requesterId, ...userFields], workflowKey: definition.key, at: deps.clock() });
        const events = startSubmission(definition, {
          id: deps.newId(), teamId: cmd.teamId, workflowVersion: version.version, requesterId: cmd.requesterId, title, fields,
          entityKey: cmd.entityKey ?? null, predecessor, predecessorRevisedAs: revisedAs,
        }, ruleContext(directory));
        const state = commitEvents(uow, deps.submissions.writesFor, null, events, version.id, deps.clock());
        if (cmd.idempotencyKey) uow.write(deps.submissions.keyWrites(cmd.teamId, cmd.idempotencyKey, state.id));
        return state;
      });
      return result;
    } catch (error) {
      if (error instanceof AlreadySubmitted && cmd.idempotencyKey) {
        const submissionId = await deps.submissions.submissionOfKey(cmd.teamId, cmd.idempotencyKey);
        if (!submissionId) throw new DomainError('invalid_input', 'That idempotency key was already used for something other than a new request.');
        return get(cmd.teamId, submissionId);
      }
      // Two revisions of one request at once: the second finds the first.
      if (isUniqueViolation(error, 'submission_one_revision') && predecessor) {
        checkRevisable(predecessor, cmd.requesterId, await deps.submissions.successorOf(predecessor.id));
      }
      if (isUniqueViolation(error, 'submission_one_active_per_entity')) {
        throw new DomainError('duplicate_active', `There is already an active request for "${cmd.entityKey}" in this workflow. Withdraw it or wait for its outcome first.`);
      }
      throw error;
    }
  }

  async function get(teamId: string, id: string): Promise<SubmissionState> {
    if (!isRequestId(id)) throw requestNotFound(id);
    const loaded = await deps.submissions.get(id);
    if (!loaded || loaded.state.teamId !== teamId) throw requestNotFound(id);
    return loaded.state;
  }

  /** A request and the exact workflow version it runs on. */
  async function withVersion(teamId: string, id: string): Promise<RequestWithVersion> {
    if (!isRequestId(id)) throw requestNotFound(id);
    const loaded = await deps.submissions.get(id);
    if (!loaded || loaded.state.teamId !== teamId) throw requestNotFound(id);
    return { submission: loaded.state, definition: (await deps.versions.ofId(loaded.workflowVersionId)).definition };
  }

  /** The request a revision replaces and the one that revised it, for the links cards and replies show. */
  async function revisionLinks(submission: SubmissionState): Promise<{ predecessor: SubmissionState | null; successorId: string | null }> {
    const [predecessor, successorId] = await Promise.all([predecessorOf(submission), deps.submissions.successorOf(submission.id)]);
    return { predecessor, successorId };
  }

  /** The request this one revises, when it does (and is in the same workspace). */
  async function predecessorOf(submission: SubmissionState): Promise<SubmissionState | null> {
    if (!submission.predecessorId) return null;
    const found = await deps.submissions.get(submission.predecessorId);
    return found?.state.teamId === submission.teamId ? found.state : null;
  }

  /** The same with what the worker's cards need (see RequestForCards). */
  async function forCards(teamId: string, id: string): Promise<RequestForCards> {
    if (!isRequestId(id)) throw requestNotFound(id);
    // The request and its successor in one round trip, then its directory slice (which needs its workflow's roles).
    const { loaded, successorId } = await deps.submissions.getWithSuccessor(id);
    if (!loaded || loaded.state.teamId !== teamId) throw requestNotFound(id);
    const submission = loaded.state;
    const { definition } = await deps.versions.ofId(loaded.workflowVersionId);
    const [directory, predecessor] = await Promise.all([
      deps.directoryOfSubmission({ teamId, submissionId: id, roles: rolesOf(definition), workflowKey: definition.key, at: deps.clock() }),
      predecessorOf(submission),
    ]);
    return { submission, definition, directory, predecessor, successorId };
  }

  /** The same, for a viewer who must be allowed to see it (requester, people on its stages, admins). */
  async function visibleTo(teamId: string, id: string, viewerId: string): Promise<RequestWithVersion> {
    const found = await withVersion(teamId, id);
    requireCanSee(found.submission, viewerId, await deps.admins.isAdmin(teamId, viewerId));
    return found;
  }

  /** Finds a request from what a person typed (`3f2a9c1b`, a longer prefix or the full id) within their team. */
  async function resolveId(teamId: string, typed: string | undefined): Promise<string> {
    if (!typed) throw new DomainError('invalid_input', 'Say which request, e.g. `3f2a9c1b` (the id shown on its card or in `/approval list`).');
    const hex = normaliseShortId(typed);
    if (!hex) throw new DomainError('invalid_input', `"${typed}" is not a request id. Ids are the 8 characters shown on cards and in \`/approval list\`, such as \`3f2a9c1b\`.`);
    const ids = await deps.submissions.idsByPrefix(teamId, hex);
    const [first] = ids;
    if (!first) throw new DomainError('not_found', `There is no request \`${typed}\`. \`/approval list\` shows yours.`);
    if (ids.length > 1) throw new DomainError('invalid_input', `\`${typed}\` matches more than one request; type more of its id.`);
    return first;
  }

  const listByRequester = (teamId: string, requesterId: string, limit = 20): Promise<OwnRequestRow[]> => deps.submissions.ownRequests(teamId, requesterId, limit);

  /** Page `page` (from 1) of someone's requests, newest first, with how many there are in all. */
  async function pageByRequester(teamId: string, requesterId: string, page: number, perPage = LIST_PAGE_SIZE): Promise<{ rows: OwnRequestRow[]; total: number; page: number; perPage: number }> {
    const { rows, total } = await deps.submissions.ownRequestsPage(teamId, requesterId, perPage, (page - 1) * perPage);
    return { rows, total, page, perPage };
  }

  /** A request `requesterId` may revise now (the revision form opens pre-filled from it), or the refusal. */
  async function revisable(teamId: string, id: string, requesterId: string): Promise<SubmissionState> {
    const old = await get(teamId, id);
    checkRevisable(old, requesterId, await deps.submissions.successorOf(old.id));
    return old;
  }

  return { submit, get, withVersion, forCards, revisionLinks, visibleTo, resolveId, listByRequester, pageByRequester, revisable };
}
export type SubmissionService = ReturnType<typeof createSubmissionService>;
