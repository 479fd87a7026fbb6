import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { benchAdminUrl } from './database-url.ts';

const run = promisify(execFile);
const adminUrl = benchAdminUrl;

export interface PgbenchResult {
  readonly clients: number;
  readonly scale: number;
  readonly seconds: number;
  /** Transactions per second, without the initial connection time. */
  readonly tps: number;
  readonly latencyMsAverage: number;
}

/**
 * pgbench's TPC-B-like script on the same PostgreSQL, in its own throwaway database: scale = clients (one
 * branch row per client, as pgbench advises, so clients do not all queue on one row).
 */
export async function runPgbench(clients: number, seconds: number): Promise<PgbenchResult> {
  const name = `approvals_pgbench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const target = url.toString();
    await run('pgbench', ['-i', '-q', '-s', String(clients), target]);
    const { stdout } = await run('pgbench', ['-c', String(clients), '-j', '2', '-T', String(seconds), target]);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1] ?? Number.NaN);
    const latency = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1] ?? Number.NaN);
    if (!Number.isFinite(tps)) throw new Error(`could not read tps from pgbench:\n${stdout}`);
    return { clients, scale: clients, seconds, tps, latencyMsAverage: latency };
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
