import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadEnv, type Env } from '../../src/config/env.ts';
import { startApp, type RunningApp } from '../../src/app.ts';
import { apiPlugin } from '../../src/http/api/index.ts';
import { generateSigningKey } from '../../src/domain/checkpoint.ts';
import type { ServiceDeps } from '../../src/services/index.ts';
import { createTransact } from '../../src/services/unit-of-work.ts';
import type { AuditRow } from '../../src/domain/index.ts';
import { AUDIT_COLUMNS, toAuditRow, type AuditRowRecord } from '../../src/db/audit-store.ts';
import { testDatabaseUrl } from './db.ts';

/** One signing key for the whole run (generating one is cheap, but tests compare against it). */
export const testKey = generateSigningKey();

/** An app environment for tests: the test database, dummy Slack values, an ephemeral port. */
export function testEnv(overrides: Record<string, string> = {}): Env {
  const env = loadEnv({
    DATABASE_URL: testDatabaseUrl(),
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: 'redis://127.0.0.1:6379',
    SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789',
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    AUDIT_SIGNING_KEY: testKey.privateKeyPem,
    // Every test request comes from one address and a file's tests share a minute: the API's rate limits are
    // set out of reach here, and tested with small ones where they are the subject (api-rate-limits.test.ts).
    API_REQUESTS_PER_MINUTE: '1000000',
    API_AUTH_FAILURES_PER_MINUTE: '100000',
    ...overrides,
  });
  return { ...env, PORT: 0 };
}

export async function startTestApi(env: Env = testEnv()): Promise<RunningApp & { url: string }> {
  const app = await startApp(env, [apiPlugin()]);
  return Object.assign(app, { url: `http://127.0.0.1:${app.port}` });
}

/** Appends n plain events to a chain (the cheapest way to grow a chain through the real writer). */
export async function appendEvents(deps: ServiceDeps, teamId: string, n: number, label = 'filler'): Promise<void> {
  await createTransact(deps.orm, deps.newId)(teamId, { origin: { kind: 'system', component: 'test' }, traceId: randomUUID() }, async (_tx, uow) => {
    for (let i = 0; i < n; i++) uow.record({ type: 'role.updated', details: { label, i } });
  });
}

/**
 * A superuser connection with row triggers off for this session only (session_replication_role = replica):
 * what an attacker with database access could do. Other tests' sessions keep the append-only triggers.
 */
export async function tamperConnection(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  await client.query('set session_replication_role = replica');
  return client;
}

export async function chainRows(client: pg.Client, chainId: string): Promise<AuditRow[]> {
  const result = await client.query<AuditRowRecord>(`select ${AUDIT_COLUMNS} from audit_event where chain_id = $1 order by seq`, [chainId]);
  return result.rows.map(toAuditRow);
}

export async function insertRow(client: pg.Client, row: AuditRow): Promise<void> {
  await client.query(
    `insert into audit_event (chain_id, seq, event_id, occurred_at, type, team_id, submission_id, workflow_key, workflow_version, stage_instance_id, stage_id,
       actor_id, capacity, reason, details, origin, correlation_id, trace_id, schema_version, prev_hash, hash)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)`,
    [row.chainId, row.seq, row.eventId, row.occurredAt, row.type, row.teamId, row.submissionId, row.workflowKey, row.workflowVersion, row.stageInstanceId,
      row.stageId, row.actorId, row.capacity === null ? null : JSON.stringify(row.capacity), row.reason, JSON.stringify(row.details), JSON.stringify(row.origin),
      row.correlationId, row.traceId, row.schemaVersion, row.prevHash, row.hash],
  );
}
