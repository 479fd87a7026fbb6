import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, type SqlRow, type SqlRunner } from './sql.ts';
import { submissionFromRows, type LoadedSubmission } from './submission-repository.ts';

/** Hex digits of a request id as people type it: the 8 shown on cards, or more, with or without dashes. */
export const SHORT_ID_PATTERN = /^[0-9a-f]{6,32}$/;

const asUuid = (hex32: string): string => `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20)}`;

/** Normalises what someone typed to hex digits, or null when it cannot be a request id. */
export function normaliseShortId(typed: string): string | null {
  const hex = typed.trim().toLowerCase().replace(/^`|`$/g, '').replace(/-/g, '');
  return SHORT_ID_PATTERN.test(hex) ? hex : null;
}

/**
 * Ids of a team's submissions whose id starts with `hexPrefix` (at most `limit`). A range scan on the primary
 * key: the prefix padded with 0s and with fs bounds every uuid that starts with it.
 */
export async function findSubmissionIdsByPrefix(em: EntityManager, teamId: string, hexPrefix: string, limit = 5): Promise<string[]> {
  const low = asUuid(hexPrefix.padEnd(32, '0'));
  const high = asUuid(hexPrefix.padEnd(32, 'f'));
  const rows = await em.execute<{ id: string }[]>(
    'select id from submission where team_id = ? and id between ?::uuid and ?::uuid order by created_at desc limit ?',
    [teamId, low, high, limit],
  );
  return rows.map((r) => r.id);
}

/**
 * Requests by id, each built from raw rows exactly as `loadSubmission` builds one (the same columns and orders),
 * for read models that show hundreds at once without hydrating entities.
 */
export async function loadSubmissionsByIds(runner: SqlRunner, submissionIds: readonly string[]): Promise<LoadedSubmission[]> {
  if (submissionIds.length === 0) return [];
  const ids = sql`${`{${submissionIds.join(',')}}`}::uuid[]`;
  const [submissions = [], stages = [], decisions = [], grants = []] = await runner.run([
    sql`select id, team_id, workflow_key, workflow_version, workflow_version_id, requester_id, title, fields, entity_key, predecessor_id, status, plan,
          skipped_stage_ids, current_step_index, created_at, closed_at
        from submission where id = any(${ids})`,
    sql`select submission_id, id, stage_id, name, step, status, rule, pool, required, opened_at, due_at, closed_at, escalated_at
        from stage_instance where submission_id = any(${ids}) order by opened_at, step, id`,
    sql`select si.submission_id, d.id, d.stage_instance_id, d.kind, d.actor_id, d.principal_id, d.capacity, d.reason, d.delegate_to, d.decided_at, d.retracted_at
        from decision d join stage_instance si on si.id = d.stage_instance_id where si.submission_id = any(${ids}) order by d.decided_at, d.id`,
    sql`select si.submission_id, g.stage_instance_id, g.user_id, g.kind, g.on_behalf_of, g.granted_at
        from stage_grant g join stage_instance si on si.id = g.stage_instance_id where si.submission_id = any(${ids}) order by g.id`,
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
