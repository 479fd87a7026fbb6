/**
 * Decision throughput and the audit chain's ceiling.
 *   npm run bench:decisions
 * Prints appends/s for one chain, for eight chains and for the same transaction without a chain, then
 * full gated decisions per second (load, rules, state, audit, outbox in one transaction) with latencies.
 */
import { randomUUID } from 'node:crypto';
import { AUDIT_SCHEMA_VERSION, type AuditEventBody } from '../src/domain/index.ts';
import { appendAuditEvents } from '../src/db/audit-store.ts';
import { createServices, type ServiceDeps } from '../src/services/index.ts';
import { benchDatabase, percentile, runFor } from './support.ts';
import { entityManagerRunner } from '../src/db/sql.ts';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

const event = (teamId: string): AuditEventBody => ({
  eventId: randomUUID(), type: 'decision.commented', teamId, submissionId: null, workflowKey: 'bench', workflowVersion: 1,
  stageInstanceId: null, stageId: null, actorId: 'UBENCH1', capacity: { kind: 'named' }, reason: 'benchmark',
  details: { n: 1 }, origin: { kind: 'system', component: 'bench' }, correlationId: null, traceId: null, schemaVersion: AUDIT_SCHEMA_VERSION,
});

const db = await benchDatabase(CONCURRENCY + 4);
try {
  const { orm } = db;
  const row = (label: string, r: { done: number; elapsed: number; latencies: number[] }) =>
    console.log(`${label.padEnd(44)} ${Math.round(r.done / r.elapsed).toString().padStart(6)}/s   p50 ${percentile(r.latencies, 50).toFixed(1)} ms   p99 ${percentile(r.latencies, 99).toFixed(1)} ms`);

  console.log(`concurrency ${CONCURRENCY}, ${SECONDS}s per phase`);
  row('transaction without a chain (outbox insert)', await runFor(SECONDS, CONCURRENCY, async () => {
    await orm.em.fork().transactional(async (em) => {
      await em.execute(`insert into outbox (team_id, topic, payload) values ('TBENCH', 'bench', '{}')`);
    });
  }));
  row('same transaction + append to one chain', await runFor(SECONDS, CONCURRENCY, async () => {
    await orm.em.fork().transactional(async (em) => {
      await em.execute(`insert into outbox (team_id, topic, payload) values ('TBENCH', 'bench', '{}')`);
      await appendAuditEvents(entityManagerRunner(em), 'TONECHAIN', [event('TONECHAIN')]);
    });
  }));
  row('same, spread over eight chains (workspaces)', await runFor(SECONDS, CONCURRENCY, async (worker) => {
    const chain = `TCHAIN${worker % 8}`;
    await orm.em.fork().transactional(async (em) => {
      await em.execute(`insert into outbox (team_id, topic, payload) values ('TBENCH', 'bench', '{}')`);
      await appendAuditEvents(entityManagerRunner(em), chain, [event(chain)]);
    });
  }));

  // Full decisions: each submission needs two approvals from a role of eight.
  const teamId = 'TDECIDE';
  const admin = 'UADMINBENCH';
  const deps: ServiceDeps = { orm, clock: () => new Date(), newId: randomUUID, bootstrapAdmins: [admin] };
  const services = createServices(deps);
  const meta = { origin: { kind: 'system' as const, component: 'bench' }, traceId: null };
  const members = Array.from({ length: 8 }, (_, i) => `UREVIEW${i}`);
  await services.directory.setRole(teamId, admin, { name: 'reviewers', members }, meta);
  await services.workflows.publish(teamId, admin, { key: 'bench', name: 'Bench', stages: [{ id: 's', name: 'Review', step: 1, approvers: [{ type: 'role', role: 'reviewers' }], rule: { kind: 'at_least', count: 2 } }] }, meta);
  const submitted = await runFor(SECONDS, CONCURRENCY, async (worker, i) => {
    await services.submissions.submit({ teamId, workflowKey: 'bench', requesterId: `UREQ${worker}X${i}`, title: 'bench' }, meta);
  });
  row('submissions (validate, route, open stage)', submitted);
  const ids = (await orm.em.fork().execute<{ id: string }[]>(`select id from submission where team_id = ? and status = 'in_review'`, [teamId])).map((r) => r.id);
  let next = 0;
  const decided = await runFor(SECONDS, CONCURRENCY, async (worker) => {
    const index = next++;
    const id = ids[Math.floor(index / 2) % ids.length] as string;
    await services.decisions.decide({ teamId, submissionId: id, actorId: members[index % 2] as string, kind: 'approve', idempotencyKey: `bench-${index}-${worker}` }, meta).catch(() => undefined);
  });
  row('gated decisions (approve, quorum 2)', decided);
  const verify = await services.audit.verifyAll();
  const total = verify.reduce((n, r) => n + r.checked, 0);
  console.log(`audit chains verified: ${verify.every((r) => r.ok) ? 'OK' : 'BROKEN'} (${total} rows)`);
} finally {
  await db.drop();
}
