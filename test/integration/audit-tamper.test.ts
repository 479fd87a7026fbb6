import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, slackOrigin, testDatabaseUrl, uniqueTeamId, uniqueUserId, type TestApp } from '../support/db.ts';

let app: TestApp;
let superuser: pg.Client;
let team: string;

/** Writes rows of one team's chain as a database superuser would, with the append-only triggers off for this session only. */
async function tamper(sql: string, params: unknown[] = []): Promise<void> {
  await superuser.query('begin');
  await superuser.query("set local session_replication_role = 'replica'");
  await superuser.query(sql, params);
  await superuser.query('commit');
}

async function buildChain(teamId: string, roles: number): Promise<void> {
  for (let i = 0; i < roles; i++) {
    await app.services.directory.setRole(teamId, app.admin, { name: `role_${i}`, members: [uniqueUserId('M')] }, slackOrigin(teamId));
  }
}

beforeAll(async () => {
  app = await createTestApp();
  superuser = new pg.Client({ connectionString: testDatabaseUrl() });
  await superuser.connect();
});
afterAll(async () => {
  await superuser.end();
  await app.orm.close();
});
beforeEach(async () => {
  team = uniqueTeamId();
  await buildChain(team, 10);
  expect((await app.services.audit.verify(team)).ok).toBe(true);
});

describe('the database keeps the audit trail append-only', () => {
  it.each([
    ['update', 'update audit_event set reason = $2 where chain_id = $1 and seq = 3', ['x']],
    ['delete', 'delete from audit_event where chain_id = $1 and seq = 3', []],
    ['truncate', 'truncate audit_event', []],
  ])('rejects %s', async (_name, sql, extra) => {
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      const params = sql.includes('$1') ? [team, ...extra] : [];
      await expect(client.query(sql, params)).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
    }
  });
});

describe('verify finds tampering at the right sequence number', () => {
  it('an edited row', async () => {
    await tamper("update audit_event set details = jsonb_set(details, '{role}', '\"auditors\"') where chain_id = $1 and seq = 4", [team]);
    const report = await app.services.audit.verify(team);
    expect(report.problem).toMatchObject({ kind: 'edited', seq: 4 });
    expect(report.checked).toBe(3);
  });

  it('a deleted row', async () => {
    await tamper('delete from audit_event where chain_id = $1 and seq = 6', [team]);
    expect((await app.services.audit.verify(team)).problem).toMatchObject({ kind: 'removed', seq: 6 });
  });

  it('an inserted row, even one with a correctly recomputed hash', async () => {
    // Make room at seq 5 by shifting later rows up, then forge a row that links to row 4 properly.
    await tamper('update audit_event set seq = -seq where chain_id = $1 and seq >= 5', [team]);
    await tamper('update audit_event set seq = -seq + 1 where chain_id = $1 and seq < 0', [team]);
    const { computeHash, encodeBody } = await import('../../src/domain/index.ts');
    const prev = (await superuser.query('select hash from audit_event where chain_id = $1 and seq = 4', [team])).rows[0].hash as string;
    const body = {
      eventId: '00000000-0000-4000-8000-000000000005', type: 'admin.granted' as const, teamId: team, submissionId: null, workflowKey: null, workflowVersion: null,
      stageInstanceId: null, stageId: null, actorId: 'UMALLORY1', capacity: null, reason: null, details: { userId: 'UMALLORY1' },
      origin: { kind: 'cli' as const, command: 'psql' }, correlationId: null, traceId: null, schemaVersion: 1,
    };
    const occurredAt = new Date().toISOString();
    const hash = computeHash(prev, team, 5, occurredAt, encodeBody(body));
    await tamper(
      `insert into audit_event (chain_id, seq, event_id, occurred_at, type, team_id, actor_id, details, origin, schema_version, prev_hash, hash)
       values ($1, 5, $2, $3, 'admin.granted', $1, 'UMALLORY1', $4, $5, 1, $6, $7)`,
      [team, body.eventId, occurredAt, JSON.stringify(body.details), JSON.stringify(body.origin), prev, hash],
    );
    expect((await app.services.audit.verify(team)).problem).toMatchObject({ kind: 'inserted', seq: 5 });
  });

  it('reordered rows', async () => {
    await tamper('update audit_event set seq = case seq when 7 then -8 else -7 end where chain_id = $1 and seq in (7, 8)', [team]);
    await tamper('update audit_event set seq = -seq where chain_id = $1 and seq < 0', [team]);
    expect((await app.services.audit.verify(team)).problem).toMatchObject({ kind: 'reordered', seq: 7 });
  });
});
