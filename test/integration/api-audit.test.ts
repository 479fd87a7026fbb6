import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, computeHash, encodeBody, type AuditRow } from '../../src/domain/index.ts';
import { loadPublicKey, loadSigningKey, verifyCheckpoint } from '../../src/domain/checkpoint.ts';
import { SYSTEM_CHAIN_ID } from '../../src/http/api/index.ts';
import type { ApiScope } from '../../src/domain/index.ts';
import { slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { appendEvents, startTestApi, testEnv, testKey } from '../support/proof.ts';
import { apiClient, type JsonBody } from '../support/api-client.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';

let app: Awaited<ReturnType<typeof startTestApi>>;
const call = apiClient(() => app.url);
const teamId = uniqueTeamId();
const admin = uniqueUserId('ADM');
const auditor = uniqueUserId('AUD');
const requester = uniqueUserId('REQ');
const manager = uniqueUserId('MGR');
let auditToken: string;
let plainToken: string;
let revokedToken: string;
let revokedId: string;

async function token(ownerId: string, scopes: ApiScope[], team = teamId) {
  return app.services.apiTokens.createToken({ teamId: team, ownerId, name: 'test', scopes: scopes as ApiScope[], createdBy: admin }, slackOrigin(team));
}

beforeAll(async () => {
  app = await startTestApi(testEnv({ APPROVAL_ADMINS: admin }));
  auditToken = (await token(auditor, ['audit:read'])).token;
  plainToken = (await token(requester, ['submissions:write', 'submissions:read'])).token;
  const revoked = await token(requester, ['audit:read']);
  revokedToken = revoked.token;
  revokedId = revoked.summary.id;
  await app.services.workflows.publish(teamId, admin, purchaseOrderWorkflow({ cfo: uniqueUserId('CFO') }), slackOrigin(teamId));
  await app.services.directory.setManager(teamId, admin, requester, manager, slackOrigin(teamId));
  await app.services.directory.setRole(teamId, admin, { name: 'finance', members: [uniqueUserId('FIN'), uniqueUserId('FIN')] }, slackOrigin(teamId));
});
afterAll(() => app.stop());

const events = (body: JsonBody) => body.events as AuditRow[];

/**
 * How many failed authentications of each reason a chain's trail accounts for, once the current window is
 * closed: each window's first failure is its own event; the window's count event covers the ones after it.
 */
async function failureReasons(chainId: string): Promise<Record<string, number>> {
  await app.services.apiLimits.closeWindows(new Date(Date.now() + 60_000));
  const rows = await app.orm.em.fork().execute<{ type: string; reason: string | null; details: { failures?: number; recordedBefore?: number; reasons?: Record<string, number> } }[]>(
    `select type, reason, details from audit_event where chain_id = ? and type in ('api.auth_failed', 'api.auth_failures_counted') order by seq`, [chainId],
  );
  const total: Record<string, number> = {};
  // A count event restates the window's reasons so far; the latest per window has them all.
  const latestCount = new Map<string, Record<string, number>>();
  const firsts = new Map<string, string>();
  for (const row of rows) {
    const key = JSON.stringify((row.details as Record<string, unknown>).window) + String((row.details as Record<string, unknown>).ip ?? (row.details as Record<string, unknown>).source);
    if (row.type === 'api.auth_failed') firsts.set(key, row.reason ?? '');
    else latestCount.set(key, row.details.reasons ?? {});
  }
  for (const [key, reason] of firsts) {
    const counted = latestCount.get(key);
    if (counted) for (const [r, n] of Object.entries(counted)) total[r] = (total[r] ?? 0) + n;
    else total[reason] = (total[reason] ?? 0) + 1;
  }
  return total;
}

describe('authentication and scopes', () => {
  it('refuses missing, malformed, unknown and revoked tokens with 401, and audits each failure', async () => {
    const missing = await call('GET', '/api/v1/audit', null);
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('unauthenticated');
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('GET', '/api/v1/audit', 'not-a-token')).status).toBe(401);
    const forgedSecret = `apr_${teamId}_${'A'.repeat(43)}`;
    expect((await call('GET', '/api/v1/audit', forgedSecret)).status).toBe(401);

    const revoked = await app.services.apiTokens.revokeToken(teamId, revokedId, admin);
    expect(revoked.revokedAt).not.toBeNull();
    const refused = await call('GET', '/api/v1/audit', revokedToken);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain('revoked');

    // Unknown tokens go to the system chain; a known (revoked) token to its workspace's chain. Failures are
    // counted per client address and window: the first is an event at once, the window's count when it closes.
    expect(await failureReasons(SYSTEM_CHAIN_ID)).toEqual(expect.objectContaining({ missing: 1, malformed: 1, unknown: 1 }));
    expect(await failureReasons(teamId)).toEqual({ revoked: 1 });
  });

  it('answers 403 naming the missing scope, and audits it', async () => {
    const response = await call('GET', '/api/v1/audit', plainToken);
    expect(response.status).toBe(403);
    expect(response.body.error).toMatchObject({ code: 'missing_scope' });
    expect(response.body.error.message).toContain('audit:read');
    expect((await call('POST', '/api/v1/submissions', auditToken, { workflowKey: 'purchase-order', title: 'x' })).status).toBe(403);
    expect(await failureReasons(teamId)).toEqual({ revoked: 1, 'missing_scope:audit:read': 1, 'missing_scope:submissions:write': 1 });
  });

  it('lists tokens without secrets and lets only admins or owners revoke', async () => {
    const listed = await app.services.apiTokens.listTokens(teamId);
    expect(listed.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(listed)).not.toContain(auditToken);
    const stored = await app.orm.em.fork().execute<{ token_hash: string }[]>('select token_hash from api_token where team_id = ?', [teamId]);
    expect(stored.map((r) => r.token_hash)).toContain(createHash('sha256').update(auditToken).digest('hex'));
    const someone = await token(manager, ['submissions:read']);
    await expect(app.services.apiTokens.revokeToken(teamId, someone.summary.id, requester)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(app.services.apiTokens.revokeToken(teamId, someone.summary.id, manager)).resolves.toMatchObject({ revokedAt: expect.any(String) });
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    expect((await call('GET', '/api/v1/nothing', auditToken)).status).toBe(404);
    expect((await call('DELETE', '/api/v1/audit', auditToken)).status).toBe(405);
  });
});

describe('the audit API', () => {
  it('pages through the chain in seq order without skipping rows appended between pages, and audits every read', async () => {
    await appendEvents(app.deps, teamId, 7, 'page');
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const response = await call('GET', `/api/v1/audit?limit=4${cursor ? `&cursor=${cursor}` : ''}`, auditToken);
      expect(response.status).toBe(200);
      seen.push(...events(response.body).map((e) => e.seq));
      cursor = response.body.nextCursor as string;
      if (pages++ === 1) await appendEvents(app.deps, teamId, 3, 'inserted-while-paging');
      if (!response.body.hasMore) break;
    }
    // Every read adds an api.audit_read event, so the pages cover a growing chain; nothing may be skipped or repeated.
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    const all = await app.orm.em.fork().execute<{ type: string; details: { label?: string } }[]>('select type, details from audit_event where chain_id = ? and seq <= ? order by seq', [teamId, seen.length]);
    expect(all.filter((r) => r.details.label === 'inserted-while-paging')).toHaveLength(3);
    expect(all.filter((r) => r.type === 'api.audit_read').length).toBeGreaterThanOrEqual(pages - 1);

    const reads = await app.orm.em.fork().execute<{ actor_id: string; origin: { kind: string } }[]>(`select actor_id, origin from audit_event where chain_id = ? and type = 'api.audit_read'`, [teamId]);
    expect(reads.length).toBe(pages);
    expect(reads[0]).toMatchObject({ actor_id: auditor, origin: { kind: 'api' } });
  });

  it('filters by actor, type, workflow, outcome and time range', async () => {
    const created = await app.services.submissions.submit({ teamId, workflowKey: 'purchase-order', requesterId: requester, title: 'Filter me', fields: { vendor: 'A', amount: 5 } }, slackOrigin(teamId));
    await app.services.decisions.decide({ teamId, submissionId: created.id, kind: 'approve', actorId: requester, idempotencyKey: `self-${created.id}` }, slackOrigin(teamId)).catch(() => undefined);
    await app.services.decisions.decide({ teamId, submissionId: created.id, kind: 'approve', actorId: manager, idempotencyKey: `mgr-${created.id}` }, slackOrigin(teamId));

    const byActor = await call('GET', `/api/v1/audit?actor=${manager}`, auditToken);
    expect(events(byActor.body).length).toBeGreaterThan(0);
    expect(events(byActor.body).every((e) => e.actorId === manager)).toBe(true);
    const byType = await call('GET', '/api/v1/audit?type=submission.created,stage.opened', auditToken);
    expect(new Set(events(byType.body).map((e) => e.type))).toEqual(new Set(['submission.created', 'stage.opened']));
    const byWorkflow = await call('GET', '/api/v1/audit?workflow=purchase-order&limit=500', auditToken);
    expect(events(byWorkflow.body).every((e) => e.workflowKey === 'purchase-order')).toBe(true);
    const refused = await call('GET', '/api/v1/audit?outcome=refused', auditToken);
    expect(events(refused.body).map((e) => e.type)).toEqual(expect.arrayContaining(['decision.refused']));
    expect(events(refused.body).every((e) => ['decision.refused', 'api.auth_failed', 'api.auth_failures_counted', 'policy.change_refused'].includes(e.type))).toBe(true);
    const accepted = await call('GET', '/api/v1/audit?outcome=accepted', auditToken);
    expect(events(accepted.body).map((e) => e.type)).toEqual(['decision.approved']);
    const future = await call('GET', `/api/v1/audit?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`, auditToken);
    expect(events(future.body)).toEqual([]);
    const past = await call('GET', `/api/v1/audit?to=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`, auditToken);
    expect(events(past.body)).toEqual([]);
    expect((await call('GET', '/api/v1/audit?outcome=maybe', auditToken)).status).toBe(400);
    expect((await call('GET', '/api/v1/audit?cursor=bm9wZQ', auditToken)).status).toBe(400);
  });

  it('returns a submission\'s events with hashes that recompute, and the delta endpoint returns only what is new', async () => {
    const created = await app.services.submissions.submit({ teamId, workflowKey: 'purchase-order', requesterId: requester, title: 'Hashes', fields: { vendor: 'A', amount: 7 } }, slackOrigin(teamId));
    const trail = await call('GET', `/api/v1/submissions/${created.id}/audit`, auditToken);
    expect(trail.status).toBe(200);
    for (const row of events(trail.body)) expect(computeHash(row.prevHash, row.chainId, row.seq, row.occurredAt, encodeBody(row))).toBe(row.hash);
    expect(events(trail.body).map((e) => e.type)).toEqual(['submission.created', 'stage.skipped', 'stage.opened']);

    const start = await call('GET', '/api/v1/audit/changes?limit=500', auditToken);
    let since = start.body.nextCursor as string;
    while ((await call('GET', `/api/v1/audit/changes?since=${since}&limit=500`, auditToken)).body.hasMore) since = (await call('GET', `/api/v1/audit/changes?since=${since}&limit=500`, auditToken)).body.nextCursor as string;
    const quiet = await call('GET', `/api/v1/audit/changes?since=${since}`, auditToken);
    expect(events(quiet.body)).toEqual([]);
    await appendEvents(app.deps, teamId, 2, 'delta');
    const delta = await call('GET', `/api/v1/audit/changes?since=${quiet.body.nextCursor}`, auditToken);
    expect(events(delta.body).map((e) => e.details.label)).toEqual(['delta', 'delta']);
    const after = await call('GET', `/api/v1/audit/changes?since=${delta.body.nextCursor}`, auditToken);
    expect(events(after.body)).toEqual([]);
    const withReads = await call('GET', `/api/v1/audit/changes?since=${delta.body.nextCursor}&includeReads=true`, auditToken);
    // The reads of the delta poll and of the empty poll after it.
    expect(events(withReads.body).map((e) => e.type)).toEqual(['api.audit_read', 'api.audit_read']);
  });

  it('serves checkpoints that verify with the published public key', async () => {
    await app.services.checkpoints.signChain(teamId, { privateKey: loadSigningKey(testKey.privateKeyPem) });
    const key = await call('GET', '/api/v1/audit/public-key', null);
    expect(key.status).toBe(200);
    expect(key.body).toMatchObject({ algorithm: 'Ed25519', keyId: testKey.keyId });
    const listed = await call('GET', '/api/v1/audit/checkpoints', auditToken);
    expect(listed.status).toBe(200);
    const [checkpoint] = listed.body.checkpoints;
    expect(checkpoint.chainId).toBe(teamId);
    expect(verifyCheckpoint(checkpoint, loadPublicKey(key.body.publicKeyPem))).toEqual({ ok: true });
    const next = await call('GET', `/api/v1/audit/checkpoints?cursor=${listed.body.nextCursor}`, auditToken);
    expect(next.body.checkpoints).toEqual([]);
  });

  it('publishes an OpenAPI 3.1 document generated from the schemas', async () => {
    const doc = await call('GET', '/api/v1/openapi.json', null);
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/api/v1/audit', '/api/v1/audit/changes', '/api/v1/audit/checkpoints', '/api/v1/audit/public-key', '/api/v1/queue',
      '/api/v1/submissions', '/api/v1/submissions/{id}', '/api/v1/submissions/{id}/actions', '/api/v1/submissions/{id}/audit',
      '/api/v1/tokens', '/api/v1/tokens/{id}', '/api/v1/workflows', '/api/v1/workflows/{key}', '/api/v1/workflows/{key}/webhooks', '/api/v1/workflows/{key}/webhooks/deliveries',
      '/api/v1/workflows/{key}/webhooks/rotate-secret',
    ]);
    const create = doc.body.paths['/api/v1/submissions'].post;
    const input = create.requestBody.content['application/json'].schema.$ref.split('/').at(-1);
    expect(doc.body.components.schemas[input].properties).toHaveProperty('workflowKey');
    expect(create.responses).toHaveProperty('201');
    expect(create.responses).toHaveProperty('409');
    expect(doc.body.paths['/api/v1/audit'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['cursor', 'actor', 'type', 'workflow', 'outcome', 'from', 'to']));
    expect(GENESIS_HASH).toHaveLength(64);
  });
});
