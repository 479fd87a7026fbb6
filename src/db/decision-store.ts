import type { Directory, SubmissionState } from '../domain/index.ts';
import { directoryReads, readDirectory, type DirectoryQuery } from './directory-reads.ts';
import type { Orm } from './orm.ts';
import { json, pooledReaderBy, pooledRunner, sql, textArray, type Sql } from './sql.ts';
import { submissionFromRows, submissionReads, submissionWrites, type LoadedSubmission } from './submission-rows.ts';
import { inBatchedTransaction, type ClosingWrites, type Committed } from './transaction.ts';

export interface DecisionScope {
  readonly teamId: string;
  readonly submissionId: string;
  /** Claimed first; null for decisions that are idempotent by their rule alone (timeouts). */
  readonly idempotencyKey: string | null;
  /** The directory slice to read with the submission (people are added to everyone the submission names). */
  readonly directory: Omit<DirectoryQuery, 'teamId' | 'people'> & { readonly extraPeople: readonly string[] };
  /** Whether to read, with the submission, which of the team's roles follow a Slack user group (OpenDecision.boundRoles). */
  readonly boundRoles: boolean;
  /** Epoch ms by which the decision commits or is abandoned uncommitted (a Slack click's ack budget); none: no limit. */
  readonly deadline?: number | undefined;
}

/** The decision's open transaction: the locked submission, its directory slice, and what to write at commit. */
export interface OpenDecision {
  readonly loaded: LoadedSubmission | null;
  readonly directory: Directory;
  /** Role name to Slack user group id, for the team's roles whose members follow a group (empty unless the scope asked). */
  readonly boundRoles: ReadonlyMap<string, string>;
  saveSubmission(before: SubmissionState, after: SubmissionState, workflowVersionId: string): void;
  saveOutcome(outcome: unknown): void;
}

export type DecisionRun<T> = { readonly replayed: true; readonly outcome: unknown } | ({ readonly replayed: false } & Committed<T>);

/** A key already has an outcome: leave the transaction without writing. */
class AlreadyClaimed extends Error {}

/**
 * The decision path's storage, in two round trips: (1) claim the idempotency key (a concurrent twin waits here
 * until the first commits, then finds the key taken), lock and read the submission, read the directory slice
 * for everyone the submission names and the team's roles bound to user groups; (2) the state changes, the
 * outcome, the outbox and the audit append, with the commit. Batched literal statements (src/db/README.md says why).
 */
export function createDecisionStore(orm: Orm) {
  /** The workflow version a request runs on (fixed when it was made), or null when the team has no such request. */
  async function versionOf(teamId: string, submissionId: string, deadline?: number): Promise<string | null> {
    const [versions = []] = await pooledReaderBy(orm, deadline).run([
      sql`select workflow_version_id from submission where id = ${submissionId} and team_id = ${teamId}`,
    ]);
    return (versions[0]?.workflow_version_id as string | undefined) ?? null;
  }

  async function run<T>(scope: DecisionScope, work: (open: OpenDecision) => Promise<T>, closing: () => ClosingWrites): Promise<DecisionRun<T>> {
    const writes: Sql[] = [];
    try {
      const committed = await inBatchedTransaction(orm, async (tx) => {
        const claim = scope.idempotencyKey
          ? [sql`insert into idempotency_record (team_id, key, submission_id, outcome) values (${scope.teamId}, ${scope.idempotencyKey}, ${scope.submissionId}, '{}')
              on conflict do nothing returning key`]
          : [];
        const reads = submissionReads(scope.submissionId, { lock: true });
        const slice = directoryReads({ ...scope.directory, teamId: scope.teamId, people: peopleOf(scope.submissionId, scope.directory.extraPeople) });
        const bound = scope.boundRoles ? [sql`select name, slack_usergroup_id from role where team_id = ${scope.teamId} and slack_usergroup_id is not null`] : [];
        const rows = await tx.run([...claim, ...reads, ...slice.statements, ...bound]);
        if (scope.idempotencyKey && (rows[0] ?? []).length === 0) throw new AlreadyClaimed();
        const loadedRows = rows.slice(claim.length, claim.length + reads.length);
        const sliceAt = claim.length + reads.length;
        const open: OpenDecision = {
          loaded: submissionFromRows(loadedRows),
          directory: slice.build(rows.slice(sliceAt, sliceAt + slice.statements.length)),
          boundRoles: new Map((scope.boundRoles ? rows.at(-1) ?? [] : []).map((r) => [r.name as string, r.slack_usergroup_id as string])),
          saveSubmission: (before, after, versionId) => writes.push(...submissionWrites(before, after, versionId)),
          saveOutcome: (outcome) => {
            if (scope.idempotencyKey) writes.push(sql`update idempotency_record set outcome = ${json(outcome)} where team_id = ${scope.teamId} and key = ${scope.idempotencyKey}`);
          },
        };
        return work(open);
      }, () => {
        const rest = closing();
        return { ...rest, statements: [...writes, ...rest.statements] };
      }, scope.deadline);
      return { replayed: false, ...committed };
    } catch (error) {
      if (!(error instanceof AlreadyClaimed) || !scope.idempotencyKey) throw error;
      return { replayed: true, outcome: await storedOutcome(scope.teamId, scope.idempotencyKey) };
    }
  }

  async function storedOutcome(teamId: string, key: string): Promise<unknown> {
    const [rows = []] = await pooledRunner(orm).run([sql`select outcome from idempotency_record where team_id = ${teamId} and key = ${key}`]);
    return rows[0]?.outcome ?? null;
  }

  /** A directory slice outside a decision (previews, read models). */
  const directory = (query: DirectoryQuery): Promise<Directory> => readDirectory(pooledRunner(orm), query);

  /** The slice a decision on this submission would read, for everyone it names (the worker asks who to send cards to). */
  const directoryOfSubmission = (query: Omit<DirectoryQuery, 'people'> & { readonly submissionId: string }): Promise<Directory> =>
    readDirectory(pooledRunner(orm), { ...query, people: peopleOf(query.submissionId, []) });

  return { versionOf, run, directory, directoryOfSubmission };
}
export type DecisionStore = ReturnType<typeof createDecisionStore>;

/**
 * Everyone a submission names, as a query of `user_id`s: requester, `extra`, and every stage's pool and
 * grantees. A superset of the people a decision looks up, so the directory slice is read with the submission.
 */
const peopleOf = (id: string, extra: readonly string[]): Sql => sql`select requester_id as user_id from submission where id = ${id}
  union select jsonb_array_elements_text(pool) from stage_instance where submission_id = ${id}
  union select user_id from stage_grant where stage_instance_id in (select id from stage_instance where submission_id = ${id})
  ${extra.length ? sql`union select unnest(${textArray(extra)})` : sql``}`;
