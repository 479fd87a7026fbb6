import type { AuditOrigin, SubmissionState, WorkflowDefinition } from '../domain/index.ts';
import { DomainError } from '../domain/index.ts';
import { currentTraceId } from '../observability/log-context.ts';
import type { Orm } from '../db/orm.ts';
import { findSubmissionIdsByPrefix, normaliseShortId } from '../db/submission-queries.ts';
import type { RequestMeta, Services } from '../services/index.ts';
import type { AfterAck } from './after-ack.ts';
import type { SlackDirectory } from './slack-directory.ts';

/** What every listener may use: the services (all state changes), the Slack directory, a clock. */
export interface SlackDeps {
  readonly services: Services;
  readonly directory: SlackDirectory;
  readonly orm: Orm;
  readonly clock: () => Date;
  /** Where listeners do their slow work after the ack: bounded, so acks stay fast under a burst. */
  readonly afterAck: AfterAck;
}

/** Audit metadata for one Slack request: where it came from, and the trace id its log lines carry. */
export function slackMeta(teamId: string, where: { channelId?: string | null; actionId?: string | null; surface?: string | null } = {}): RequestMeta {
  const origin: AuditOrigin = { kind: 'slack', teamId, channelId: where.channelId ?? null, actionId: where.actionId ?? null, surface: where.surface ?? null };
  return { origin, traceId: currentTraceId() };
}

export interface LoadedRequest {
  readonly submission: SubmissionState;
  readonly definition: WorkflowDefinition;
}

/** A submission and the exact workflow version it runs on (cards render from both). */
export async function loadRequest(deps: SlackDeps, teamId: string, submissionId: string): Promise<LoadedRequest> {
  const submission = await deps.services.submissions.get(teamId, submissionId);
  const { definition } = await deps.services.workflows.getVersion(teamId, submission.workflowKey, submission.workflowVersion);
  return { submission, definition };
}

/** Finds a request from what a person typed (`3f2a9c1b`, a longer prefix or the full id) within their team. */
export async function resolveRequestId(deps: SlackDeps, teamId: string, typed: string | undefined): Promise<string> {
  if (!typed) throw new DomainError('invalid_input', 'Say which request, e.g. `3f2a9c1b` (the id shown on its card or in `/approval list`).');
  const hex = normaliseShortId(typed);
  if (!hex) throw new DomainError('invalid_input', `"${typed}" is not a request id. Ids are the 8 characters shown on cards and in \`/approval list\`, such as \`3f2a9c1b\`.`);
  const ids = await findSubmissionIdsByPrefix(deps.orm.em.fork(), teamId, hex);
  const [first] = ids;
  if (!first) throw new DomainError('not_found', `There is no request \`${typed}\`. \`/approval list\` shows yours.`);
  if (ids.length > 1) throw new DomainError('invalid_input', `\`${typed}\` matches more than one request; type more of its id.`);
  return first;
}

/** People involved in a request: its requester and everyone asked, granted or deciding on any stage. */
export function peopleOnRequest(state: SubmissionState): Set<string> {
  const people = new Set<string>([state.requesterId]);
  for (const stage of state.stages) {
    for (const u of stage.pool) people.add(u);
    for (const g of stage.grants) people.add(g.userId);
    for (const d of stage.decisions) {
      people.add(d.actorId);
      people.add(d.principalId);
    }
  }
  return people;
}

/** Status and history are shown to the requester, the people on its stages, and admins; nobody else. */
export async function requireCanSee(deps: SlackDeps, teamId: string, userId: string, state: SubmissionState): Promise<void> {
  if (peopleOnRequest(state).has(userId)) return;
  if (await deps.services.directory.isAdmin(teamId, userId)) return;
  throw new DomainError('forbidden', 'Only the requester, the people asked to review it, and approval admins can see this request.');
}
