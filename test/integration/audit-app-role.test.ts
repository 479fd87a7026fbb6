import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertMigrated, createOrm, type Orm } from '../../src/db/orm.ts';
import { GENESIS_HASH, computeHash, encodeBody } from '../../src/domain/index.ts';
import { loadSigningKey, publicKeyOf } from '../../src/domain/checkpoint.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/jobs/runtime.ts';
import { createSlackClient } from '../../src/jobs/slack-client.ts';
import { createServices, type ServiceDeps, type Services } from '../../src/services/index.ts';
import { createAppRoleLogin, type AppRoleLogin } from '../support/app-role.ts';
import { slackOrigin, testDatabaseUrl, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { appendEvents, chainRows, insertRow, tamperConnection, testKey } from '../support/proof.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';
import { FAST, waitUntil } from './jobs-harness.ts';

const privateKey = loadSigningKey(testKey.privateKeyPem);
const publicKey = publicKeyOf(privateKey);

let login: AppRoleLogin;
let orm: Orm;
let deps: ServiceDeps;
let services: Services;
let fake: FakeSlack;
let runtime: WorkerRuntime | null = null;
const admin = uniqueUserId('ADM');
const prefix = `approle${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  login = await createAppRoleLogin();
  orm = await createOrm({ databaseUrl: login.url, poolSize: 5 });
  deps = { orm, clock: () => new Date(), newId: randomUUID, bootstrapAdmins: [admin] };
  services = createServices(deps);
  fake = await startFakeSlack();
  fake.addChannel('C0WITNESS', { name: 'audit-witness' });
});
afterAll(async () => {
  await runtime?.stop();
  await fake.close();
  await orm.close();
  await login.drop();
});

/** One statement on its own connection as the app's role; resolves with the error message, or null if it ran. */
async function asApp(sql: string, params: unknown[] = []): Promise<string | null> {
  const client = new pg.Client({ connectionString: login.url });
  await client.connect();
  try {
    await client.query(sql, params);
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end();
  }
}

async function head(teamId: string): Promise<{ seq: number; hash: string }> {
  const [row] = await orm.em.fork().execute<{ seq: string; hash: string }[]>('select seq, hash from audit_chain_head where chain_id = ?', [teamId]);
  return { seq: Number(row?.seq), hash: String(row?.hash) };
}

describe('the app connected as its restricted role (approvals_app)', () => {
  it('does all of its database work: migrations check, workflows, submissions, decisions, tokens, worker, checkpoints, verification, export', async () => {
    const teamId = uniqueTeamId();
    const meta = slackOrigin(teamId);
    const [requester, manager, cfo] = [uniqueUserId('REQ'), uniqueUserId('MGR'), uniqueUserId('CFO')];
    const finance = [uniqueUserId('FIN'), uniqueUserId('FIN')];
    for (const id of [requester, manager, cfo, ...finance]) fake.addUser({ id, name: id.toLowerCase() });
    // The start-up check reads the migrations table (the role may not write it).
    const probe = await createOrm({ databaseUrl: login.url, poolSize: 1 });
    await assertMigrated(probe);
    await probe.close();
    runtime = await startWorkerRuntime({
      redisUrl: inject('redisUrl'), services, deps, slackClient: createSlackClient('xoxb-test-token', fake.url), queuePrefix: prefix,
      teams: [teamId], tuning: FAST,
    });

    await services.workflows.publish(teamId, admin, purchaseOrderWorkflow({ cfo }), meta);
    await services.directory.setRole(teamId, admin, { name: 'finance', members: finance }, meta);
    await services.directory.setManager(teamId, admin, requester, manager, meta);
    const created = await services.submissions.submit({ teamId, workflowKey: 'purchase-order', requesterId: requester, title: 'Laptops', fields: { vendor: 'Acme', amount: 500 } }, meta);
    await services.decisions.decide({ teamId, submissionId: created.id, kind: 'approve', actorId: manager, idempotencyKey: `m-${created.id}` }, meta);
    for (const [i, reviewer] of finance.entries()) {
      await services.decisions.decide({ teamId, submissionId: created.id, kind: 'approve', actorId: reviewer, idempotencyKey: `f${i}-${created.id}` }, meta);
    }
    expect((await services.submissions.get(teamId, created.id)).status).toBe('approved');
    const token = await services.apiTokens.createToken({ teamId, ownerId: admin, name: 'erp', scopes: ['submissions:read'], createdBy: admin }, meta);
    expect((await services.apiTokens.authenticate(`Bearer ${token.token}`)).ok).toBe(true);
    // The API's rate-limit counters, and the failed authentications they record in aggregate, on the same role.
    const failure = { reason: 'unknown', tokenId: null, method: 'GET', path: '/api/v1/queue' };
    for (let i = 0; i < 3; i++) await services.apiLimits.recordAuthFailure('203.0.113.7', teamId, failure, meta);
    expect(await services.apiLimits.takeRequest(token.summary.id)).toEqual({ limited: false });
    expect((await services.apiLimits.closeWindows(new Date(Date.now() + 120_000))).events).toBeGreaterThanOrEqual(1);

    // The worker, on the same role, relays the outbox and posts the cards (slack_message rows) and the witness checkpoint.
    await waitUntil(() => fake.callsTo('chat.postMessage').some((c) => c.args.channel === requester && c.response?.ok), 10_000, 'requester card');
    await waitUntil(async () => (await orm.em.fork().execute('select 1 from slack_message where team_id = ? and ts is not null', [teamId])).length > 0, 10_000, 'card recorded');
    const signed = await services.checkpoints.signChain(teamId, { privateKey, channelId: 'C0WITNESS' });
    expect(signed).toMatchObject({ created: true, checkpoint: { chainId: teamId } });
    await waitUntil(() => fake.callsTo('chat.postMessage').some((c) => c.args.channel === 'C0WITNESS' && c.response?.ok), 10_000, 'witness post');

    await services.directory.setRole(teamId, admin, { name: 'auditors', members: [cfo] }, meta);
    let text = '';
    await services.exports.exportAudit((chunk) => { text += chunk; }, { format: 'jsonl', teamId, signer: { privateKey } });
    expect(text.trim().split('\n').at(-1)).toContain('"record":"checkpoint"');
    expect(await services.checkpoints.verify(teamId, publicKey)).toMatchObject({ ok: true, checkpoints: 2, signaturesChecked: true });
    expect((await services.audit.verify(teamId)).ok).toBe(true);
  });

  it('cannot write the trail around audit_append: a forged row at head + 1 and every write to the chain head are refused', async () => {
    const teamId = uniqueTeamId();
    await appendEvents(deps, teamId, 4);
    const before = await head(teamId);

    // A row that would verify: the right prev_hash and a hash computed from the published format.
    const body = {
      eventId: randomUUID(), type: 'admin.granted' as const, teamId, submissionId: null, workflowKey: null, workflowVersion: null, stageInstanceId: null,
      stageId: null, actorId: 'UMALLORY1', capacity: null, reason: null, details: { userId: 'UMALLORY1' }, origin: { kind: 'system' as const, component: 'x' },
      correlationId: null, traceId: null, schemaVersion: 1,
    };
    const occurredAt = new Date().toISOString();
    const forgedHash = computeHash(before.hash, teamId, before.seq + 1, occurredAt, encodeBody(body));
    const insert = await asApp(
      `insert into audit_event (chain_id, seq, event_id, occurred_at, type, team_id, actor_id, details, origin, schema_version, prev_hash, hash)
       values ($1, $2, $3, $4, 'admin.granted', $1, 'UMALLORY1', $5, $6, 1, $7, $8)`,
      [teamId, before.seq + 1, body.eventId, occurredAt, JSON.stringify(body.details), JSON.stringify(body.origin), before.hash, forgedHash],
    );
    expect(insert).toMatch(/permission denied for table audit_event/);

    expect(await asApp('update audit_chain_head set seq = seq + 1, hash = $2 where chain_id = $1', [teamId, forgedHash])).toMatch(/permission denied for table audit_chain_head/);
    expect(await asApp('delete from audit_chain_head where chain_id = $1', [teamId])).toMatch(/permission denied for table audit_chain_head/);
    expect(await asApp('truncate audit_chain_head')).toMatch(/permission denied for table audit_chain_head/);
    expect(await asApp('insert into audit_chain_head (chain_id, seq, hash) values ($1, 0, $2)', [uniqueTeamId(), 'f'.repeat(64)])).toMatch(/permission denied for table audit_chain_head/);
    expect(await asApp('select seq from audit_chain_head where chain_id = $1 for update', [teamId])).toMatch(/permission denied for table audit_chain_head/);
    expect(await asApp('insert into audit_checkpoint (chain_id, seq, hash, count, signed_at, key_id, payload, signature, event_seq) values ($1, 1, $2, 1, now(), $3, $4, $5, 2)', [teamId, before.hash, 'k', 'p', 's']))
      .toMatch(/permission denied for table audit_checkpoint/);
    expect(await asApp('update audit_event set reason = $2 where chain_id = $1', [teamId, 'x'])).toMatch(/permission denied for table audit_event/);
    expect(await asApp('delete from audit_event where chain_id = $1', [teamId])).toMatch(/permission denied for table audit_event/);
    // Nor can it switch the append-only triggers off, or plant a function or table for the definer functions to find.
    expect(await asApp("set session_replication_role = 'replica'")).toMatch(/permission denied/);
    expect(await asApp('create table public.audit_event_shadow (x int)')).toMatch(/permission denied for schema public/);
    expect(await asApp('create function public.sha256(bytea) returns bytea language sql as $$ select $1 $$')).toMatch(/permission denied for schema public/);

    // The one door checks what it is given: the function assigns seq, time and hashes itself, and keeps teams apart.
    const event = { event_id: randomUUID(), type: 'role.updated', team_id: teamId, details: {}, origin: { kind: 'system', component: 'x' }, schema_version: 1 };
    expect(await asApp('select * from audit_append($1, $2)', [teamId, JSON.stringify([{ ...event, seq: before.seq + 1, prev_hash: before.hash, hash: forgedHash }])]))
      .toMatch(/hash, prev_hash, seq may not be given/);
    expect(await asApp('select * from audit_append($1, $2)', [teamId, JSON.stringify([{ ...event, team_id: uniqueTeamId() }])])).toMatch(/cannot be appended to chain/);
    expect(await asApp('select * from audit_append($1, $2)', ['not a team', JSON.stringify([event])])).toMatch(/is not a chain id/);
    expect(await asApp('select * from audit_append($1, $2)', [teamId, JSON.stringify([{ ...event, details: 'text' }])])).toMatch(/objects for details/);
    expect(await asApp('select audit_checkpoint_record($1, $2, $3, $4, now(), $5, $6, $7)', [teamId, before.seq + 1, forgedHash, before.seq + 1, '0'.repeat(16), 'p', `${'A'.repeat(86)}==`]))
      .toMatch(/must cover the current head/);

    // Nothing changed, and the next legitimate append still works.
    expect(await head(teamId)).toEqual(before);
    await appendEvents(deps, teamId, 1, 'after');
    expect((await head(teamId)).seq).toBe(before.seq + 1);
    expect(await services.checkpoints.verify(teamId, publicKey)).toMatchObject({ ok: true, checked: before.seq + 1 });
  });
});

describe('audit_append against a chain written without it (a superuser with triggers off)', () => {
  it('refuses to build on a forged row instead of failing on the primary key, and names the problem', async () => {
    const teamId = uniqueTeamId();
    await appendEvents(deps, teamId, 3);
    const tamper = await tamperConnection();
    try {
      const rows = await chainRows(tamper, teamId);
      const last = rows.at(-1);
      if (!last) throw new Error('no rows');
      const forged = { ...last, seq: 4, eventId: randomUUID(), prevHash: last.hash };
      await insertRow(tamper, { ...forged, hash: computeHash(forged.prevHash, teamId, 4, forged.occurredAt, encodeBody(forged)) });
    } finally {
      await tamper.end();
    }
    await expect(appendEvents(deps, teamId, 1)).rejects.toThrow(/head of chain .* \(seq 3\) is not its last row \(seq 4/);
  });

  it('refuses a head planted before the first row with a hash other than the genesis hash', async () => {
    const teamId = uniqueTeamId();
    const tamper = await tamperConnection();
    try {
      await tamper.query('insert into audit_chain_head (chain_id, seq, hash) values ($1, 0, $2)', [teamId, 'f'.repeat(64)]);
    } finally {
      await tamper.end();
    }
    await expect(appendEvents(deps, teamId, 1)).rejects.toThrow(/is not its last row \(seq 0, or the genesis hash/);
    expect(GENESIS_HASH).not.toBe('f'.repeat(64));
  });
});

describe('the owner too cannot remove chain heads', () => {
  it('refuses DELETE and TRUNCATE of audit_chain_head for every role', async () => {
    const teamId = uniqueTeamId();
    await appendEvents(deps, teamId, 1);
    const owner = new pg.Client({ connectionString: testDatabaseUrl() });
    await owner.connect();
    try {
      await expect(owner.query('delete from audit_chain_head where chain_id = $1', [teamId])).rejects.toThrow(/cannot be removed: DELETE/);
      await expect(owner.query('truncate audit_chain_head')).rejects.toThrow(/cannot be removed: TRUNCATE/);
    } finally {
      await owner.end();
    }
  });
});
