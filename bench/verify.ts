import { createHash, hash, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createOrm, migrateToLatest } from '../src/db/orm.ts';
import { readLinkPages } from '../src/db/proof-store.ts';
import { AUDIT_SCHEMA_VERSION, GENESIS_HASH, createChainVerifier, encodeBody, type AuditEventBody, type AuditRow, type ChainLink } from '../src/domain/index.ts';
import { createServices, defaultDeps } from '../src/services/index.ts';

/**
 * npm run bench:verify — builds a 1,000,000-event chain in a throw-away database, then times
 *   1. audit:verify's path (stream from Postgres + recompute every hash and link + checkpoints),
 *   2. the verifier alone over rows already in memory,
 *   3. raw SHA-256 over the same preimage bytes,
 * and prints rows/s and the ratios. Goal: verification at least half as fast as raw hashing.
 * BENCH_ROWS changes the size; BENCH_DATABASE_ADMIN_URL the server (default: local postgres).
 */
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const chainId = 'TBENCH0001';
const dbName = `approvals_bench_${process.pid}_${randomBytes(3).toString('hex')}`;

const users = Array.from({ length: 50 }, (_, i) => `UBENCH${String(i).padStart(4, '0')}`);
const types = ['decision.approved', 'stage.opened', 'submission.created', 'decision.refused', 'stage.approved'] as const;

function eventBody(i: number): AuditEventBody {
  const submissionId = randomUUID();
  return {
    eventId: randomUUID(),
    type: types[i % types.length] as AuditEventBody['type'],
    teamId: chainId,
    submissionId,
    workflowKey: 'purchase-order',
    workflowVersion: 3,
    stageInstanceId: randomUUID(),
    stageId: 'finance',
    actorId: users[i % users.length] as string,
    capacity: { kind: 'role', role: 'finance' },
    reason: i % 7 === 0 ? 'Within the quarterly budget; vendor is on the framework agreement.' : null,
    details: { decisionId: randomUUID(), principalId: users[(i * 7) % users.length] as string, amount: 1234.5 + i },
    origin: { kind: 'slack', teamId: chainId, channelId: 'C0BENCH', actionId: 'approve', surface: 'message' },
    correlationId: submissionId,
    traceId: randomUUID(),
    schemaVersion: AUDIT_SCHEMA_VERSION,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const orm = await createOrm({ databaseUrl: url.toString(), poolSize: 4 });
  try {
    await migrateToLatest(orm);
    console.log(`bench:verify: ${fmt(ROWS)} events in throw-away database ${dbName}`);

    // 1. Generate the chain with correct hashes; keep every preimage's bytes for the raw-hash baseline.
    let started = performance.now();
    const preimages: Buffer[] = [];
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    let prev = GENESIS_HASH;
    const base = Date.UTC(2026, 0, 1);
    const BATCH = 5000;
    let preimageBytes = 0;
    for (let start = 1; start <= ROWS; start += BATCH) {
      const columns: unknown[][] = Array.from({ length: 21 }, () => []);
      for (let seq = start; seq < Math.min(start + BATCH, ROWS + 1); seq++) {
        const body = eventBody(seq);
        const occurredAt = new Date(base + seq * 37).toISOString();
        const preimage = Buffer.from(`${prev}\n${chainId}\n${seq}\n${occurredAt}\n${encodeBody(body)}`, 'utf8');
        preimageBytes += preimage.length;
        preimages.push(preimage);
        const hash = createHash('sha256').update(preimage).digest('hex');
        const row: AuditRow = { ...body, chainId, seq, occurredAt, prevHash: prev, hash };
        const values = [row.chainId, row.seq, row.eventId, row.occurredAt, row.type, row.teamId, row.submissionId, row.workflowKey, row.workflowVersion,
          row.stageInstanceId, row.stageId, row.actorId, JSON.stringify(row.capacity), row.reason, JSON.stringify(row.details), JSON.stringify(row.origin),
          row.correlationId, row.traceId, row.schemaVersion, row.prevHash, row.hash];
        values.forEach((v, c) => (columns[c] as unknown[]).push(v));
        prev = hash;
      }
      await client.query(
        `insert into audit_event (chain_id, seq, event_id, occurred_at, type, team_id, submission_id, workflow_key, workflow_version, stage_instance_id, stage_id,
           actor_id, capacity, reason, details, origin, correlation_id, trace_id, schema_version, prev_hash, hash)
         select * from unnest($1::text[], $2::bigint[], $3::uuid[], $4::timestamptz[], $5::text[], $6::text[], $7::uuid[], $8::text[], $9::int[], $10::uuid[],
           $11::text[], $12::text[], $13::jsonb[], $14::text[], $15::jsonb[], $16::jsonb[], $17::text[], $18::text[], $19::int[], $20::text[], $21::text[])`,
        columns,
      );
    }
    await client.query('insert into audit_chain_head (chain_id, seq, hash) values ($1, $2, $3)', [chainId, ROWS, prev]);
    await client.query('analyze audit_event');
    await client.end();
    console.log(`  built and inserted in ${((performance.now() - started) / 1000).toFixed(1)} s (${fmt(preimageBytes / ROWS)} bytes hashed per row)`);

    // 2. audit:verify's path: stream from Postgres, verify every row (no checkpoints exist in the bench chain).
    const service = createServices(defaultDeps(orm)).checkpoints;
    const report = await service.verify(chainId, null);
    if (!report.ok || report.checked !== ROWS) throw new Error(`verify failed: ${JSON.stringify(report.problem)} after ${report.checked} rows`);
    const dbRate = ROWS / report.seconds;

    // 3. The verifier alone, over rows already read into memory.
    const rows: ChainLink[] = [];
    started = performance.now();
    for await (const page of readLinkPages(orm, chainId)) for (const row of page) rows.push(row);
    const readSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const verifier = createChainVerifier();
    for (const row of rows) if (verifier.push(row)) throw new Error(`in-memory verify failed: ${JSON.stringify(verifier.problem)}`);
    const memorySeconds = (performance.now() - started) / 1000;
    const memoryRate = ROWS / memorySeconds;

    // 4. Raw SHA-256 over the same preimage bytes: the fastest one-shot call, one hex digest per row like the verifier.
    started = performance.now();
    let sink = 0;
    for (const preimage of preimages) sink ^= hash('sha256', preimage, 'hex').charCodeAt(0);
    const rawSeconds = (performance.now() - started) / 1000;
    const rawRate = ROWS / rawSeconds;

    console.log(`  raw SHA-256 over the preimages:        ${fmt(rawRate)} rows/s (${rawSeconds.toFixed(2)} s)${sink < 0 ? '' : ''}`);
    console.log(`  verify, rows in memory:                ${fmt(memoryRate)} rows/s (${memorySeconds.toFixed(2)} s), ratio ${(memoryRate / rawRate).toFixed(2)}`);
    console.log(`  reading the rows from Postgres alone:  ${fmt(ROWS / readSeconds)} rows/s (${readSeconds.toFixed(2)} s)`);
    console.log(`  verify, streamed from Postgres (CLI):  ${fmt(dbRate)} rows/s (${report.seconds.toFixed(2)} s), ratio ${(dbRate / rawRate).toFixed(2)}`);
    console.log(`  goal (verify >= 0.5 x raw hashing): in memory ${memoryRate / rawRate >= 0.5 ? 'met' : 'NOT met'}, from Postgres ${dbRate / rawRate >= 0.5 ? 'met' : 'NOT met'}`);
  } finally {
    await orm.close();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

await main();
