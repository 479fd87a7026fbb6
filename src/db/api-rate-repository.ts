import { json, sql, type Sql, type SqlRow, type SqlRunner } from './sql.ts';
import type { Tx } from './transaction.ts';

export interface FailureWindowKey {
  readonly source: string;
  readonly windowStart: Date;
  readonly chainId: string;
}

export interface FailureWindow extends FailureWindowKey {
  readonly failures: number;
  readonly recorded: number;
  readonly reasons: Record<string, number>;
}

const windowOf = (row: SqlRow): FailureWindow => ({
  source: row.source as string,
  windowStart: new Date(row.window_start as string | Date),
  chainId: row.chain_id as string,
  failures: Number(row.failures),
  recorded: Number(row.recorded),
  reasons: row.reasons as Record<string, number>,
});

/**
 * The REST API's rate-limit counters (literal statements): failed authentications per client address and window,
 * and requests per token and window. Shared by every replica because they live here, not in a process.
 */
export function createApiRateRepository(db: SqlRunner) {
  const rows = async (runner: SqlRunner, statement: Sql): Promise<SqlRow[]> => (await runner.run([statement]))[0] ?? [];
  return {
    /** Failed attempts from `source` in the window, over every chain they were recorded in. */
    async failuresOf(source: string, windowStart: Date): Promise<number> {
      const [row] = await rows(db, sql`select coalesce(sum(failures), 0) as n from api_auth_failure_window where source = ${source} and window_start = ${windowStart}`);
      return Number(row?.n ?? 0);
    },
    /**
     * Counts one failed attempt (under the row's lock until the transaction ends). The first of a window is
     * written as recorded: the caller appends its audit event in the same transaction.
     */
    async countFailure(tx: Tx, key: FailureWindowKey, reason: string): Promise<{ failures: number }> {
      const [row] = await rows(tx.sql, sql`insert into api_auth_failure_window as w (source, window_start, chain_id, failures, recorded, reasons)
        values (${key.source}, ${key.windowStart}, ${key.chainId}, 1, 1, ${json({ [reason]: 1 })})
        on conflict (source, window_start, chain_id) do update set failures = w.failures + 1,
          reasons = jsonb_set(w.reasons, array[${reason}], to_jsonb(coalesce((w.reasons ->> ${reason})::int, 0) + 1))
        returning failures`);
      return { failures: Number(row?.failures ?? 0) };
    },
    /** Chains with closed windows whose failures are not all in the trail yet. */
    async chainsWithUncounted(closedBefore: Date): Promise<string[]> {
      return (await rows(db, sql`select distinct chain_id from api_auth_failure_window where failures > recorded and window_start < ${closedBefore}`))
        .map((r) => r.chain_id as string);
    },
    /** A chain's closed windows with uncounted failures, locked (another sweeper skips them). */
    async lockUncounted(tx: Tx, chainId: string, closedBefore: Date, limit: number): Promise<FailureWindow[]> {
      return (await rows(tx.sql, sql`select source, window_start, chain_id, failures, recorded, reasons from api_auth_failure_window
        where chain_id = ${chainId} and failures > recorded and window_start < ${closedBefore}
        order by window_start, source limit ${limit} for update skip locked`)).map(windowOf);
    },
    async markCounted(tx: Tx, windows: readonly FailureWindow[]): Promise<void> {
      for (const w of windows) {
        await tx.sql.run([sql`update api_auth_failure_window set recorded = ${w.failures}
          where source = ${w.source} and window_start = ${w.windowStart} and chain_id = ${w.chainId}`]);
      }
    },
    /** Counts one request of a token in its window; returns the window's count so far. */
    async countRequest(tokenId: string, windowStart: Date): Promise<number> {
      const [row] = await rows(db, sql`insert into api_request_window as w (token_id, window_start, requests) values (${tokenId}, ${windowStart}, 1)
        on conflict (token_id, window_start) do update set requests = w.requests + 1 returning requests`);
      return Number(row?.requests ?? 0);
    },
    /** Drops windows older than `before` (failure windows only once everything in them is in the trail). */
    async prune(before: Date): Promise<void> {
      await db.run([
        sql`delete from api_auth_failure_window where window_start < ${before} and failures = recorded`,
        sql`delete from api_request_window where window_start < ${before}`,
      ]);
    },
  };
}
export type ApiRateRepository = ReturnType<typeof createApiRateRepository>;
