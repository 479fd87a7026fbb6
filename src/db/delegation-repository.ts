import { sql, textArray, type Sql, type SqlRow, type SqlRunner } from './sql.ts';
import type { Tx } from './transaction.ts';

/** An out-of-office delegation: from `startsAt` to `endsAt` the delegate may decide for the delegator. */
export interface DelegationRow {
  readonly id: string;
  readonly teamId: string;
  readonly fromUserId: string;
  readonly toUserId: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly workflowKey: string | null;
  readonly reason: string | null;
  readonly revokedAt: Date | null;
}

const COLUMNS = sql`id, team_id, from_user_id, to_user_id, starts_at, ends_at, workflow_key, reason, revoked_at`;
const toDelegation = (r: SqlRow): DelegationRow => ({
  id: r.id as string, teamId: r.team_id as string, fromUserId: r.from_user_id as string, toUserId: r.to_user_id as string,
  startsAt: new Date(r.starts_at as string), endsAt: new Date(r.ends_at as string), workflowKey: r.workflow_key as string | null,
  reason: r.reason as string | null, revokedAt: r.revoked_at ? new Date(r.revoked_at as string) : null,
});

export function createDelegationRepository(db: SqlRunner) {
  const rows = async (statement: Sql, tx?: Tx): Promise<SqlRow[]> => (await (tx?.sql ?? db).run([statement]))[0] ?? [];
  return {
    async find(id: string): Promise<DelegationRow | null> {
      const [row] = await rows(sql`select ${COLUMNS} from delegation where id = ${id}`);
      return row ? toDelegation(row) : null;
    },
    async insert(tx: Tx, d: Omit<DelegationRow, 'revokedAt'>): Promise<void> {
      await rows(sql`insert into delegation (id, team_id, from_user_id, to_user_id, starts_at, ends_at, workflow_key, reason)
        values (${d.id}, ${d.teamId}, ${d.fromUserId}, ${d.toUserId}, ${d.startsAt}, ${d.endsAt}, ${d.workflowKey}, ${d.reason})`, tx);
    },
    /** Ends every delegation of `fromUserId` still in force or to come, at `at`; returns the ones it ended. */
    async revokeFrom(tx: Tx, teamId: string, fromUserId: string, at: Date): Promise<DelegationRow[]> {
      return (await rows(sql`update delegation set revoked_at = ${at}
        where team_id = ${teamId} and from_user_id = ${fromUserId} and revoked_at is null and ends_at > ${at} returning ${COLUMNS}`, tx)).map(toDelegation);
    },
    /** Delegations in force now from any of `fromUserIds` covering `workflowKey`. */
    async activeFrom(teamId: string, fromUserIds: readonly string[], workflowKey: string, at: Date): Promise<DelegationRow[]> {
      if (fromUserIds.length === 0) return [];
      return (await rows(sql`select ${COLUMNS} from delegation
        where team_id = ${teamId} and from_user_id = any(${textArray(fromUserIds)}) and revoked_at is null
          and starts_at <= ${at} and ends_at > ${at} and (workflow_key is null or workflow_key = ${workflowKey})`)).map(toDelegation);
    },
    /** Delegations in force now handed to `toUserId`. */
    async activeTo(teamId: string, toUserId: string, at: Date): Promise<DelegationRow[]> {
      return (await rows(sql`select ${COLUMNS} from delegation
        where team_id = ${teamId} and to_user_id = ${toUserId} and revoked_at is null and starts_at <= ${at} and ends_at > ${at}`)).map(toDelegation);
    },
    /** Delegations from or to `userId` that have not ended or been revoked, earliest first. */
    async current(teamId: string, userId: string, at: Date): Promise<DelegationRow[]> {
      return (await rows(sql`select ${COLUMNS} from delegation
        where team_id = ${teamId} and (from_user_id = ${userId} or to_user_id = ${userId}) and revoked_at is null and ends_at > ${at}
        order by starts_at`)).map(toDelegation);
    },
  };
}
export type DelegationRepository = ReturnType<typeof createDelegationRepository>;
