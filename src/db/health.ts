import { pendingMigrations, type Orm } from './orm.ts';
import { pooledRunner, sql } from './sql.ts';

/** PostgreSQL answers, and every migration this build knows is applied (for /readyz). */
export function databaseChecks(orm: Orm): Record<string, () => Promise<void>> {
  return {
    postgres: async () => {
      await pooledRunner(orm).run([sql`select 1`]);
    },
    migrations: async () => {
      const pending = await pendingMigrations(orm);
      if (pending.length > 0) throw new Error(`pending: ${pending.join(', ')} (run npm run migrate)`);
    },
  };
}

/** The length of every audit chain and the age in seconds of its last signed checkpoint (for /metrics). */
export async function chainStats(orm: Orm): Promise<{ chainId: string; length: number; checkpointAgeSeconds: number | null }[]> {
  const [rows = []] = await pooledRunner(orm).run([sql`select h.chain_id, h.seq, extract(epoch from now() - c.signed_at) as age
      from audit_chain_head h
      left join lateral (select signed_at from audit_checkpoint where chain_id = h.chain_id order by id desc limit 1) c on true`]);
  return rows.map((r) => ({ chainId: r.chain_id as string, length: Number(r.seq), checkpointAgeSeconds: r.age === null ? null : Number(r.age) }));
}
