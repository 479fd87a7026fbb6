/**
 * The one serial step of the decision path: appending to a workspace's audit chain. Every decision of a workspace
 * appends to its chain, and audit_append holds the chain head until the transaction commits, so one workspace's
 * decisions are at most as many per second as one chain takes appends. BENCH_CLIENTS connections append, each in
 * its own transaction (one event, as a decision's), first all to one chain, then each to its own.
 *   npm run bench:chain          (BENCH_SECONDS, BENCH_CLIENTS)
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { auditAppend } from '../src/db/audit-store.ts';
import type { AuditEventBody } from '../src/domain/index.ts';
import type { MetricRow } from './report.ts';
import { benchDatabase, percentile, runFor } from './support.ts';

export interface ChainResult {
  readonly oneChainPerSecond: number;
  readonly oneChainP99Ms: number;
  readonly ownChainsPerSecond: number;
  readonly rows: MetricRow[];
}

const event = (teamId: string): AuditEventBody => ({
  eventId: randomUUID(), type: 'decision.commented', teamId, submissionId: null, workflowKey: null, workflowVersion: null,
  stageInstanceId: null, stageId: null, actorId: 'UBENCH', capacity: null, reason: 'bench', details: { bench: true },
  origin: { kind: 'system', component: 'bench' }, correlationId: null, traceId: null, schemaVersion: 1,
});

export async function runChain(options: { seconds: number; clients: number; log: (line: string) => void }): Promise<ChainResult> {
  const db = await benchDatabase(2);
  const clients = await Promise.all(Array.from({ length: options.clients }, async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    return client;
  }));
  try {
    const append = async (client: pg.Client, chainId: string) => {
      await client.query(`begin; ${auditAppend(chainId, [event(chainId)]).text}; commit`);
    };
    const one = await runFor(options.seconds, options.clients, (worker) => append(clients[worker] as pg.Client, 'T0CHAIN'));
    options.log(`  one chain: ${(one.done / one.elapsed).toFixed(0)} appends/s`);
    const own = await runFor(options.seconds, options.clients, (worker) => append(clients[worker] as pg.Client, `T0CHAIN${worker}`));
    options.log(`  own chains: ${(own.done / own.elapsed).toFixed(0)} appends/s`);
    const result = { oneChainPerSecond: one.done / one.elapsed, oneChainP99Ms: percentile(one.latencies, 99), ownChainsPerSecond: own.done / own.elapsed };
    const b = 'audit chain';
    const rows: MetricRow[] = [
      { benchmark: b, metric: `appends/s to one chain (${options.clients} clients)`, value: result.oneChainPerSecond, unit: '/s', goal: null, detail: `one workspace's ceiling of decisions/s; p99 ${result.oneChainP99Ms.toFixed(1)} ms per append transaction` },
      { benchmark: b, metric: `appends/s to ${options.clients} chains`, value: result.ownChainsPerSecond, unit: '/s', goal: null, detail: 'one chain per client: what many workspaces together get' },
    ];
    return { ...result, rows };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
    await db.drop();
  }
}

if (import.meta.main) {
  const { formatTable } = await import('./report.ts');
  const result = await runChain({ seconds: Number(process.env.BENCH_SECONDS ?? 10), clients: Number(process.env.BENCH_CLIENTS ?? 10), log: (line) => console.error(line) });
  console.log(formatTable(result.rows));
}
