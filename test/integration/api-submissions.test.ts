import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiScope } from '../../src/domain/index.ts';
import { slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { startTestApi, testEnv } from '../support/proof.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';
import { apiClient } from '../support/api-client.ts';
import { workflowToYaml, parseWorkflowDefinition } from '../../src/domain/index.ts';

type App = Awaited<ReturnType<typeof startTestApi>>;
let app: App;
const teamId = uniqueTeamId();
const admin = uniqueUserId('ADM');
const requester = uniqueUserId('REQ');
const manager = uniqueUserId('MGR');
const finance = [uniqueUserId('FIN'), uniqueUserId('FIN')];
const cfo = uniqueUserId('CFO');
const tokens: Record<string, string> = {};

async function token(ownerId: string, scopes: ApiScope[]): Promise<string> {
  const created = await app.services.apiTokens.createToken({ teamId, ownerId, name: `test ${ownerId}`, scopes: scopes as ApiScope[], createdBy: admin }, slackOrigin(teamId));
  return created.token;
}

const call = apiClient(() => app.url);

beforeAll(async () => {
  app = await startTestApi(testEnv({ APPROVAL_ADMINS: admin }));
  await app.services.directory.setRole(teamId, admin, { name: 'finance', members: finance }, slackOrigin(teamId));
  await app.services.directory.setManager(teamId, admin, requester, manager, slackOrigin(teamId));
  tokens.admin = await token(admin, ['workflows:write', 'submissions:read']);
  tokens.requester = await token(requester, ['submissions:write', 'submissions:read']);
  tokens.manager = await token(manager, ['submissions:write', 'submissions:read']);
  tokens.finance0 = await token(finance[0] as string, ['submissions:write', 'submissions:read']);
  tokens.readOnly = await token(requester, ['submissions:read']);
  tokens.notAdmin = await token(requester, ['workflows:write']);
});
afterAll(() => app.stop());

describe('workflows', () => {
  it('publishes from JSON and YAML, and reads a version back', async () => {
    const first = await call('POST', '/api/v1/workflows', tokens.admin as string, purchaseOrderWorkflow({ cfo }));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ key: 'purchase-order', version: 1 });
    const yaml = workflowToYaml(parseWorkflowDefinition(purchaseOrderWorkflow({ cfo }, { name: 'Purchase order v2' })));
    const second = await call('POST', '/api/v1/workflows', tokens.admin as string, yaml, { 'content-type': 'application/yaml' });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ key: 'purchase-order', version: 2, definition: { name: 'Purchase order v2' } });

    const current = await call('GET', '/api/v1/workflows/purchase-order', tokens.requester as string);
    expect(current.status).toBe(200);
    expect(current.body.version).toBe(2);
    const old = await call('GET', '/api/v1/workflows/purchase-order?version=1', tokens.requester as string);
    expect(old.body).toMatchObject({ version: 1, definition: { name: 'Purchase order' } });
    expect((await call('GET', '/api/v1/workflows/nope', tokens.requester as string)).status).toBe(404);
  });

  it('refuses invalid definitions (400), non-admin owners (403) and wrong content types (415)', async () => {
    const invalid = await call('POST', '/api/v1/workflows', tokens.admin as string, { key: 'x', stages: [] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('invalid_input');
    const notAdmin = await call('POST', '/api/v1/workflows', tokens.notAdmin as string, purchaseOrderWorkflow({ cfo }, { key: 'other' }));
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.error).toMatchObject({ code: 'forbidden' });
    const form = await call('POST', '/api/v1/workflows', tokens.admin as string, 'a=b', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
  });
});

describe('submissions and decisions', () => {
  it('submits as the token owner, shows state and pending reviewers, and decides through the same gates', async () => {
    const created = await call('POST', '/api/v1/submissions', tokens.requester as string, { workflowKey: 'purchase-order', title: 'Laptops', fields: { vendor: 'Acme', amount: 20000 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ requesterId: requester, status: 'in_review', workflowVersion: 2, pendingReviewers: [manager] });
    expect(created.body.currentStages).toHaveLength(1);
    const id = created.body.id as string;
    const managerStage = created.body.currentStages[0].id as string;

    const got = await call('GET', `/api/v1/submissions/${id}`, tokens.readOnly as string);
    expect(got.status).toBe(200);
    expect(got.body.currentStages[0]).toMatchObject({ stageId: 'manager', status: 'open', pendingReviewers: [manager], approvals: 0, required: 1 });

    const queue = await call('GET', '/api/v1/queue', tokens.manager as string);
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((i: { submission: { id: string } }) => i.submission.id)).toContain(id);
    expect((await call('GET', '/api/v1/queue', tokens.requester as string)).body.items).toEqual([]);
    // While the manager is away, their delegate's queue shows what the manager is asked.
    const now = Date.now();
    await app.services.directory.createDelegation({ teamId, fromUserId: manager, toUserId: finance[0] as string, startsAt: new Date(now - 60_000), endsAt: new Date(now + 3_600_000) }, slackOrigin(teamId));
    const delegateQueue = await call('GET', '/api/v1/queue', tokens.finance0 as string);
    expect(delegateQueue.body.items).toEqual([expect.objectContaining({ submission: expect.objectContaining({ id }), stageInstanceIds: [managerStage] })]);
    await app.services.directory.revokeDelegations(teamId, manager, manager, slackOrigin(teamId));
    expect((await call('GET', '/api/v1/queue', tokens.finance0 as string)).body.items).toEqual([]);

    const self = await call('POST', `/api/v1/submissions/${id}/actions`, tokens.requester as string, { kind: 'approve', stageInstanceId: managerStage });
    expect(self.status).toBe(422);
    expect(self.body.error.code).toBe('self_decision');
    const outsider = await call('POST', `/api/v1/submissions/${id}/actions`, tokens.finance0 as string, { kind: 'approve' });
    expect(outsider.status).toBe(422);
    expect(outsider.body.error.code).toBe('not_eligible');
    const noReason = await call('POST', `/api/v1/submissions/${id}/actions`, tokens.manager as string, { kind: 'reject' });
    expect(noReason.status).toBe(422);
    expect(noReason.body.error.code).toBe('reason_required');

    const approved = await call('POST', `/api/v1/submissions/${id}/actions`, tokens.manager as string, { kind: 'approve', stageInstanceId: managerStage }, { 'idempotency-key': 'approve-manager-1' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ result: 'accepted', kind: 'approve', replayed: false, submission: { currentStages: [{ stageId: 'finance' }] } });
    const replay = await call('POST', `/api/v1/submissions/${id}/actions`, tokens.manager as string, { kind: 'approve', stageInstanceId: managerStage }, { 'idempotency-key': 'approve-manager-1' });
    expect(replay.body.replayed).toBe(true);

    const stale = await call('POST', `/api/v1/submissions/${id}/actions`, tokens.manager as string, { kind: 'approve', stageInstanceId: managerStage });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('stale');

    const trail = await app.services.audit.submissionTrail(id);
    const apiEvents = trail.filter((e) => e.type === 'decision.approved');
    expect(apiEvents).toHaveLength(1);
    expect(apiEvents[0]?.origin).toMatchObject({ kind: 'api' });
    expect(trail.filter((e) => e.type === 'decision.refused').map((e) => e.details.code)).toEqual(['self_decision', 'not_eligible', 'reason_required', 'stale']);

    const withdrawn = await call('POST', `/api/v1/submissions/${id}/actions`, tokens.requester as string, { kind: 'withdraw', reason: 'no longer needed' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.submissionStatus).toBe('withdrawn');
  });

  it('binds an Idempotency-Key to the decision it first came with: another decision, or another request, is a 422', async () => {
    const body = (title: string) => ({ workflowKey: 'purchase-order', title, fields: { vendor: 'Acme', amount: 400 } });
    const a = (await call('POST', '/api/v1/submissions', tokens.requester as string, body('Lamps A'))).body;
    const b = (await call('POST', '/api/v1/submissions', tokens.requester as string, body('Lamps B'))).body;
    const key = { 'idempotency-key': 'bound-key-approve-1' };
    const approve = { kind: 'approve', stageInstanceId: a.currentStages[0].id, reason: 'fine' };
    const first = await call('POST', `/api/v1/submissions/${a.id}/actions`, tokens.manager as string, approve, key);
    expect(first.status).toBe(200);
    expect(first.body.replayed).toBe(false);
    const trailA = (await app.services.audit.submissionTrail(a.id)).length;
    const trailB = (await app.services.audit.submissionTrail(b.id)).length;

    const rejected = await call('POST', `/api/v1/submissions/${a.id}/actions`, tokens.manager as string, { kind: 'reject', reason: 'changed my mind' }, key);
    expect(rejected.status).toBe(422);
    expect(rejected.body.error.code).toBe('idempotency_key_reused');
    expect(rejected.body.error.message).toMatch(/body/);
    const onB = await call('POST', `/api/v1/submissions/${b.id}/actions`, tokens.manager as string, { ...approve, stageInstanceId: b.currentStages[0].id }, key);
    expect(onB.status).toBe(422);
    expect(onB.body.error.code).toBe('idempotency_key_reused');
    expect(onB.body.error.message).toContain(`/api/v1/submissions/${a.id}/actions`);
    const asSubmission = await call('POST', '/api/v1/submissions', tokens.manager as string, body('Lamps C'), key);
    expect(asSubmission.status).toBe(422);
    expect(asSubmission.body.error.code).toBe('idempotency_key_reused');

    // Nothing happened on A or B, and no request was created.
    expect((await app.services.audit.submissionTrail(a.id)).length).toBe(trailA);
    expect((await app.services.audit.submissionTrail(b.id)).length).toBe(trailB);
    expect((await call('GET', `/api/v1/submissions/${b.id}`, tokens.requester as string)).body.currentStages[0].approvals).toBe(0);
    const lampsC = await app.orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from submission where team_id = ? and title = 'Lamps C'`, [teamId]);
    expect(Number(lampsC[0]?.n)).toBe(0);

    // The same request again (members in another order: the fingerprint is canonical JSON) still replays.
    const { reason, ...rest } = approve;
    const replay = await call('POST', `/api/v1/submissions/${a.id}/actions`, tokens.manager as string, { reason, ...rest }, key);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ replayed: true, kind: 'approve' });
  });

  it('lets only one of several concurrent requests with one Idempotency-Key run: the same request replays, another is a 422', async () => {
    const created = (await call('POST', '/api/v1/submissions', tokens.requester as string, { workflowKey: 'purchase-order', title: 'Racks', fields: { vendor: 'Acme', amount: 500 } })).body;
    const stageInstanceId = created.currentStages[0].id as string;
    const key = { 'idempotency-key': 'racing-key-0001' };
    const same = await Promise.all(Array.from({ length: 4 }, () => call('POST', `/api/v1/submissions/${created.id}/actions`, tokens.manager as string, { kind: 'approve', stageInstanceId }, key)));
    expect(same.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(same.filter((r) => r.body.replayed === false)).toHaveLength(1);

    const other = (await call('POST', '/api/v1/submissions', tokens.requester as string, { workflowKey: 'purchase-order', title: 'Shelves', fields: { vendor: 'Acme', amount: 500 } })).body;
    const otherKey = { 'idempotency-key': 'racing-key-0002' };
    const mixed = await Promise.all([
      call('POST', `/api/v1/submissions/${other.id}/actions`, tokens.manager as string, { kind: 'approve', stageInstanceId: other.currentStages[0].id }, otherKey),
      call('POST', `/api/v1/submissions/${other.id}/actions`, tokens.manager as string, { kind: 'reject', reason: 'no room' }, otherKey),
      call('POST', `/api/v1/submissions/${other.id}/actions`, tokens.manager as string, { kind: 'comment', reason: 'hm' }, otherKey),
    ]);
    expect(mixed.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of mixed.filter((m) => m.status !== 200)) expect([r.status, r.body.error.code]).toEqual([422, 'idempotency_key_reused']);
    const decisions = await app.orm.em.fork().execute<{ kind: string }[]>(`select kind from decision where submission_id = ?`, [other.id]);
    expect(decisions).toHaveLength(1);
  });

  it('returns the first result for the same Idempotency-Key and 422 for a different body', async () => {
    const body = { workflowKey: 'purchase-order', title: 'Chairs', fields: { vendor: 'Acme', amount: 300 } };
    const first = await call('POST', '/api/v1/submissions', tokens.requester as string, body, { 'idempotency-key': 'po-4711-create' });
    expect(first.status).toBe(201);
    const again = await call('POST', '/api/v1/submissions', tokens.requester as string, body, { 'idempotency-key': 'po-4711-create' });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    const conflict = await call('POST', '/api/v1/submissions', tokens.requester as string, { ...body, title: 'Tables' }, { 'idempotency-key': 'po-4711-create' });
    expect(conflict.status).toBe(422);
    expect(conflict.body.error.code).toBe('idempotency_key_reused');
    expect(conflict.body.error.message).toMatch(/different body/);

    const concurrent = await Promise.all(Array.from({ length: 5 }, () => call('POST', '/api/v1/submissions', tokens.requester as string, { ...body, title: 'Desks' }, { 'idempotency-key': 'po-desks-create' })));
    const ids = new Set(concurrent.filter((r) => r.status === 201).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    for (const r of concurrent) expect([201, 409]).toContain(r.status);
    const count = await app.orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from submission where team_id = ? and title = 'Desks'`, [teamId]);
    expect(Number(count[0]?.n)).toBe(1);
  });

  it('validates input (400) and answers missing requests with 404', async () => {
    const bad = await call('POST', '/api/v1/submissions', tokens.requester as string, { workflowKey: 'purchase-order', title: 'x', fields: { vendor: 'Acme', amount: 'lots' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    const extra = await call('POST', '/api/v1/submissions', tokens.requester as string, { workflowKey: 'purchase-order', title: 'x', requesterId: manager });
    expect(extra.status).toBe(400);
    expect((await call('POST', '/api/v1/submissions', tokens.requester as string, '{not json', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await call('GET', '/api/v1/submissions/not-a-uuid', tokens.requester as string)).status).toBe(400);
    const missing = await call('GET', '/api/v1/submissions/7d444840-9dc0-11d1-b245-5ffdce74fad2', tokens.requester as string);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const unknownWorkflow = await call('POST', '/api/v1/submissions', tokens.requester as string, { workflowKey: 'nope', title: 'x' });
    expect(unknownWorkflow.status).toBe(404);
    const duplicate = { workflowKey: 'purchase-order', title: 'Dup', fields: { vendor: 'A', amount: 5 }, entityKey: 'PO-1' };
    expect((await call('POST', '/api/v1/submissions', tokens.requester as string, duplicate)).status).toBe(201);
    const second = await call('POST', '/api/v1/submissions', tokens.requester as string, duplicate);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('duplicate_active');
  });
});
