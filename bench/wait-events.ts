import pg from 'pg';

export interface WaitShare {
  /** `Lock:transactionid`, `IO:WALSync`, `Client:ClientRead` (waiting for the app), or `CPU` (running). */
  readonly event: string;
  /** Share of the sampled backend-moments, in percent. */
  readonly percent: number;
}

/**
 * Samples what the database's backends are doing (pg_stat_activity) every `intervalMs` until stopped: where a
 * decision's time goes on the PostgreSQL side. Idle connections in the pool are left out.
 */
export function sampleWaitEvents(databaseUrl: string, intervalMs = 20): { stop(): Promise<WaitShare[]> } {
  const client = new pg.Client({ connectionString: databaseUrl });
  const counts = new Map<string, number>();
  let total = 0;
  let running = true;
  const database = new URL(databaseUrl).pathname.slice(1);
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ event: string }>(
        `select coalesce(wait_event_type || ':' || wait_event, 'CPU') as event from pg_stat_activity
          where datname = $1 and pid <> pg_backend_pid() and state in ('active', 'idle in transaction')`,
        [database],
      );
      for (const { event } of rows) counts.set(event, (counts.get(event) ?? 0) + 1);
      total += rows.length;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
      return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6)
        .map(([event, n]) => ({ event, percent: Math.round((n / Math.max(1, total)) * 1000) / 10 }));
    },
  };
}
