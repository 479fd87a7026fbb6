import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createOrm, migrateToLatest, type Orm } from '../src/db/orm.ts';
import { benchAdminUrl } from './database-url.ts';

const adminUrl = benchAdminUrl;

/** A throw-away, migrated database for one benchmark run; `drop()` removes it. */
export async function benchDatabase(poolSize: number): Promise<{ orm: Orm; url: string; drop: () => Promise<void> }> {
  const name = `approvals_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const orm = await createOrm({ databaseUrl: url.toString(), poolSize });
  await migrateToLatest(orm);
  return {
    orm,
    url: url.toString(),
    async drop() {
      await orm.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Runs `task` from `concurrency` loops for `seconds`; returns completed count and per-task latencies (ms). */
export async function runFor(seconds: number, concurrency: number, task: (worker: number, i: number) => Promise<void>): Promise<{ done: number; latencies: number[]; elapsed: number }> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
    for (let i = 0; performance.now() < end; i++) {
      const t = performance.now();
      await task(worker, i);
      latencies.push(performance.now() - t);
    }
  }));
  latencies.sort((a, b) => a - b);
  return { done: latencies.length, latencies, elapsed: (performance.now() - started) / 1000 };
}
