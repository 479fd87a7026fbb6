import pg from 'pg';
import type { Orm } from './orm.ts';
import { BatchedTransaction, bigintArray, sql, WITHOUT_WAITING_FOR_DISK, type Sql, type SqlRow, type SqlRunner } from './sql.ts';
import { teamFilter, type TeamScope } from './team-scope.ts';

export interface OutboxRow {
  readonly id: number;
  readonly teamId: string;
  readonly submissionId: string | null;
  readonly topic: string;
  readonly payload: Record<string, unknown>;
}

const toOutbox = (r: SqlRow): OutboxRow => ({
  id: Number(r.id), teamId: r.team_id as string, submissionId: r.submission_id as string | null, topic: r.topic as string, payload: r.payload as Record<string, unknown>,
});

/** The outbox table: rows written with a transaction's state, relayed to the queue after commit. */
export function createOutboxRepository(orm: Orm, db: SqlRunner) {
  const rows = async (statement: Sql, on: SqlRunner = db): Promise<SqlRow[]> => (await on.run([statement]))[0] ?? [];
  return {
    /**
     * Locks the next relayable rows in id order, skipping rows another relay holds, and hands them to `enqueue`
     * inside the lock: rows it accepts are marked relayed, a failure marks them for a retry at `retryAt`. A row
     * waits while an earlier row of the same submission is unrelayed, so each submission's rows reach the queue
     * in order. Returns how many rows were relayed.
     */
    async relayBatch(teams: TeamScope, limit: number, enqueue: (rows: readonly OutboxRow[]) => Promise<void>, retryAt: () => Date): Promise<number> {
      // Two round trips either way: the lock with `begin`, then the marks (or nothing) with `commit`.
      return BatchedTransaction.within(orm, undefined, async (tx) => {
        const [found = []] = await tx.run([sql`select o.id, o.team_id, o.submission_id, o.topic, o.payload from outbox o
          where o.relayed_at is null and o.available_at <= now()${teamFilter(sql`o.team_id`, teams)}
            and (o.submission_id is null or not exists (
              select 1 from outbox e where e.submission_id = o.submission_id and e.relayed_at is null and e.id < o.id))
          order by o.id limit ${limit} for update of o skip locked`]);
        const locked = found.map(toOutbox);
        if (locked.length === 0) {
          await tx.commit([]);
          return 0;
        }
        const ids = bigintArray(locked.map((r) => r.id));
        try {
          await enqueue(locked);
        } catch (error) {
          const reason = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
          await tx.commit([sql`update outbox set attempts = attempts + 1, last_error = ${reason}, available_at = ${retryAt()} where id = any(${ids})`]);
          return 0;
        }
        // A mark lost in a crash relays the rows again, as jobs of the same ids (their handling is idempotent).
        await tx.commit([WITHOUT_WAITING_FOR_DISK, sql`update outbox set relayed_at = now(), attempts = attempts + 1 where id = any(${ids})`]);
        return locked.length;
      });
    },
    /** Rows relayed before `relayedBefore` whose job never finished: candidates for re-enqueueing. */
    async relayedUnprocessed(teams: TeamScope, relayedBefore: Date, afterId: number, limit: number): Promise<OutboxRow[]> {
      return (await rows(sql`select id, team_id, submission_id, topic, payload from outbox
        where processed_at is null and relayed_at is not null and relayed_at < ${relayedBefore} and id > ${afterId}${teamFilter(sql`team_id`, teams)}
        order by id limit ${limit}`)).map(toOutbox);
    },
    async hasUnrelayed(teams: TeamScope): Promise<boolean> {
      return (await rows(sql`select 1 as one from outbox where relayed_at is null and available_at <= now()${teamFilter(sql`team_id`, teams)} limit 1`)).length > 0;
    },
    /**
     * A connection of its own that LISTENs for the insert trigger's NOTIFY, so the relay wakes at once instead of
     * at its next poll. `onLost` is told when the connection breaks (the caller reconnects).
     */
    async listen(onNotify: () => void, onLost: (error: Error) => void): Promise<{ close(): Promise<void> }> {
      const client = new pg.Client({ connectionString: String(orm.config.get('clientUrl')) });
      client.on('notification', onNotify);
      client.on('error', (error: Error) => {
        client.end().catch(() => undefined);
        onLost(error);
      });
      try {
        await client.connect();
        await client.query('listen outbox');
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      return { close: () => client.end().catch(() => undefined) };
    },
    /** How many rows wait for the relay, and the age of the oldest in seconds (for /metrics). */
    async backlog(): Promise<{ count: number; oldestSeconds: number }> {
      const [row] = await rows(sql`select count(*) as n, extract(epoch from now() - min(created_at)) as oldest from outbox where relayed_at is null`);
      return { count: Number(row?.n ?? 0), oldestSeconds: Number(row?.oldest ?? 0) };
    },
  };
}
export type OutboxRepository = ReturnType<typeof createOutboxRepository>;
