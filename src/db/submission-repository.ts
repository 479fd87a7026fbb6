import type { SubmissionStatus, SubmissionState } from '../domain/index.ts';
import type { Orm } from './orm.ts';
import { json, pooledRunner, sql, textArray, uuidArray, type Sql, type SqlRow, type SqlRunner } from './sql.ts';
import { submissionFromRows, submissionReads, submissionWrites, type LoadedSubmission } from './submission-rows.ts';
import type { Tx } from './transaction.ts';

export type { LoadedSubmission } from './submission-rows.ts';

/** A line of someone's own requests (list, Home). */
export interface OwnRequestRow {
  readonly id: string;
  readonly title: string;
  readonly workflowKey: string;
  readonly status: SubmissionStatus;
  readonly createdAt: Date;
  readonly openStageNames: string[];
}

const asUuid = (hex32: string): string => `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20)}`;

/** Rows by their `submission_id`, in the order they came. */
function groupRows(rows: readonly SqlRow[]): Map<string, SqlRow[]> {
  const groups = new Map<string, SqlRow[]>();
  for (const row of rows) {
    const key = row.submission_id as string;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

/** Requests: their state rows (stages, decisions, grants) and the reads that find them. */
export function createSubmissionRepository(orm: Orm) {
  const pooled = pooledRunner(orm);
  const rows = async (statement: Sql, on: SqlRunner = pooled): Promise<SqlRow[]> => (await on.run([statement]))[0] ?? [];

  /** Requests by id, each built from raw rows exactly as one is read alone (for read models that show hundreds). */
  async function byIds(ids: readonly string[]): Promise<LoadedSubmission[]> {
    if (ids.length === 0) return [];
    const list = uuidArray(ids);
    // Independent reads, each on its own pooled connection at once.
    const [submissions, stages, decisions, grants] = await Promise.all([
      rows(sql`select id, team_id, workflow_key, workflow_version, workflow_version_id, requester_id, title, fields, entity_key, predecessor_id, status, plan,
            skipped_stage_ids, current_step_index, created_at, closed_at, end_reason
          from submission where id = any(${list})`),
      rows(sql`select submission_id, id, stage_id, name, step, status, rule, pool, required, opened_at, due_at, closed_at, escalated_at, escalated_via
          from stage_instance where submission_id = any(${list}) order by opened_at, step, id`),
      rows(sql`select si.submission_id, d.id, d.stage_instance_id, d.kind, d.actor_id, d.principal_id, d.capacity, d.reason, d.delegate_to, d.decided_at, d.retracted_at
          from decision d join stage_instance si on si.id = d.stage_instance_id where si.submission_id = any(${list}) order by d.decided_at, d.id`),
      rows(sql`select si.submission_id, g.stage_instance_id, g.user_id, g.kind, g.on_behalf_of, g.granted_at
          from stage_grant g join stage_instance si on si.id = g.stage_instance_id where si.submission_id = any(${list}) order by g.id`),
    ]);
    const stagesOf = groupRows(stages);
    const decisionsOf = groupRows(decisions);
    const grantsOf = groupRows(grants);
    return submissions.flatMap((row) => {
      const id = row.id as string;
      const loaded = submissionFromRows([[row], stagesOf.get(id) ?? [], decisionsOf.get(id) ?? [], grantsOf.get(id) ?? []]);
      return loaded ? [loaded] : [];
    });
  }

  return {
    /** A request with its stages, decisions and grants, as committed now (one round trip). */
    async get(id: string): Promise<LoadedSubmission | null> {
      return submissionFromRows(await pooled.run(submissionReads(id)));
    },
    /** The same with the request that revised it (see successorOf), still one round trip. */
    async getWithSuccessor(id: string): Promise<{ loaded: LoadedSubmission | null; successorId: string | null }> {
      const reads = submissionReads(id);
      const results = await pooled.run([...reads, sql`select id from submission where predecessor_id = ${id}`]);
      return { loaded: submissionFromRows(results.slice(0, reads.length)), successorId: (results[reads.length]?.[0]?.id as string | undefined) ?? null };
    },
    /** The same inside a transaction, locking the request's row (decisions on one request are serialized by it). */
    async getLocked(tx: Tx, id: string): Promise<LoadedSubmission | null> {
      return submissionFromRows(await tx.sql.run(submissionReads(id, { lock: true })));
    },
    byIds,
    /** The statements that write what changed between two states of one request (for a unit of work). */
    writesFor: (before: SubmissionState | null, after: SubmissionState, workflowVersionId: string): Sql[] => submissionWrites(before, after, workflowVersionId),
    /**
     * Ids of a team's requests whose id starts with `hexPrefix` (at most `limit`): a range scan on the primary
     * key, since the prefix padded with 0s and with fs bounds every uuid that starts with it.
     */
    async idsByPrefix(teamId: string, hexPrefix: string, limit = 5): Promise<string[]> {
      const low = asUuid(hexPrefix.padEnd(32, '0'));
      const high = asUuid(hexPrefix.padEnd(32, 'f'));
      return (await rows(sql`select id from submission where team_id = ${teamId} and id between ${low}::uuid and ${high}::uuid order by created_at desc limit ${limit}`))
        .map((r) => r.id as string);
    },
    /** Someone's latest requests with the names of their open stages. */
    async ownRequests(teamId: string, requesterId: string, limit: number): Promise<OwnRequestRow[]> {
      const found = await rows(sql`select s.id, s.title, s.workflow_key, s.status, s.created_at,
          coalesce((select json_agg(si.name order by si.opened_at, si.step) from stage_instance si where si.submission_id = s.id and si.status = 'open'), '[]') as open_stages
        from submission s where s.team_id = ${teamId} and s.requester_id = ${requesterId} order by s.created_at desc limit ${limit}`);
      return found.map((r) => ({
        id: r.id as string, title: r.title as string, workflowKey: r.workflow_key as string, status: r.status as SubmissionStatus,
        createdAt: new Date(r.created_at as string), openStageNames: r.open_stages as string[],
      }));
    },
    /** A page of someone's requests, newest first, and how many they have in all (one round trip). */
    async ownRequestsPage(teamId: string, requesterId: string, limit: number, offset: number): Promise<{ rows: OwnRequestRow[]; total: number }> {
      const [found = [], counted = []] = await pooled.run([
        sql`select s.id, s.title, s.workflow_key, s.status, s.created_at,
            coalesce((select json_agg(si.name order by si.opened_at, si.step) from stage_instance si where si.submission_id = s.id and si.status = 'open'), '[]') as open_stages
          from submission s where s.team_id = ${teamId} and s.requester_id = ${requesterId} order by s.created_at desc, s.id limit ${limit} offset ${offset}`,
        sql`select count(*)::int as total from submission where team_id = ${teamId} and requester_id = ${requesterId}`,
      ]);
      return {
        rows: found.map((r) => ({
          id: r.id as string, title: r.title as string, workflowKey: r.workflow_key as string, status: r.status as SubmissionStatus,
          createdAt: new Date(r.created_at as string), openStageNames: r.open_stages as string[],
        })),
        total: (counted[0]?.total as number | undefined) ?? 0,
      };
    },
    /**
     * Requests with an open stage (of the 500 due first) that asks one of `people` directly or through a grant.
     * `pool @> '["U…"]'` (one per person) is what the GIN index on open stages' pools answers.
     */
    async openAsking(teamId: string, people: readonly string[]): Promise<string[]> {
      const inPool = people.map((p) => sql`pool @> ${json([p])}`).map((s) => s.text).join(' or ');
      const found = await rows(sql`select si.submission_id from stage_instance si join submission s on s.id = si.submission_id
        where s.team_id = ${teamId} and s.status in ('submitted', 'in_review') and si.status = 'open'
          and si.id in (select id from stage_instance where status = 'open' and (${{ text: inPool }})
                        union select g.stage_instance_id from stage_grant g where g.user_id = any(${textArray(people)}))
        order by si.due_at asc limit 500`);
      return [...new Set(found.map((r) => r.submission_id as string))];
    },
    /** Open stages of active requests whose pool includes `userId` (the caller re-checks who is still pending). */
    async openStagesWithPoolMember(teamId: string, userId: string, workflowKey: string | null): Promise<{ submissionId: string; stageInstanceId: string }[]> {
      const byWorkflow = workflowKey ? sql` and s.workflow_key = ${workflowKey}` : sql``;
      const found = await rows(sql`select si.submission_id, si.id from stage_instance si join submission s on s.id = si.submission_id
        where s.team_id = ${teamId} and s.status in ('submitted', 'in_review') and si.status = 'open' and si.pool @> ${json([userId])}${byWorkflow}
        order by si.opened_at`);
      return found.map((r) => ({ submissionId: r.submission_id as string, stageInstanceId: r.id as string }));
    },
    /** The request that revised `id` (at most one: a unique index holds it), or null. */
    async successorOf(id: string): Promise<string | null> {
      const [row] = await rows(sql`select id from submission where predecessor_id = ${id}`);
      return (row?.id as string | undefined) ?? null;
    },
    /** Claims a new-request idempotency key inside the request's transaction; false when it was used before. */
    async claimKey(tx: Tx, teamId: string, key: string): Promise<boolean> {
      return (await rows(sql`insert into idempotency_record (team_id, key, outcome) values (${teamId}, ${key}, '{}') on conflict do nothing returning key`, tx.sql)).length > 0;
    },
    keyWrites: (teamId: string, key: string, submissionId: string): Sql[] => [
      sql`update idempotency_record set submission_id = ${submissionId}, outcome = ${json({ result: 'submitted', submissionId })} where team_id = ${teamId} and key = ${key}`,
    ],
    /** The request a key created, or null when the key was used for something else. */
    async submissionOfKey(teamId: string, key: string): Promise<string | null> {
      const [row] = await rows(sql`select submission_id, outcome from idempotency_record where team_id = ${teamId} and key = ${key}`);
      return (row?.outcome as { result?: string } | undefined)?.result === 'submitted' ? (row?.submission_id as string) : null;
    },
  };
}
export type SubmissionRepository = ReturnType<typeof createSubmissionRepository>;
