import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, type SubmissionState } from '../../src/domain/index.ts';
import { createTestApp, slackOrigin, uniqueUserId, type TestApp } from '../support/db.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';

let app: TestApp;
const requester = uniqueUserId('REQ');
const manager = uniqueUserId('MGR');
const finance = [uniqueUserId('FIN'), uniqueUserId('FIN'), uniqueUserId('FIN')];
const cfo = uniqueUserId('CFO');

beforeAll(async () => {
  app = await createTestApp();
  const meta = slackOrigin(app.teamId);
  await app.services.workflows.publish(app.teamId, app.admin, purchaseOrderWorkflow({ cfo }), meta);
  await app.services.directory.setRole(app.teamId, app.admin, { name: 'finance', members: finance }, meta);
  await app.services.directory.setManager(app.teamId, app.admin, requester, manager, meta);
});
afterAll(() => app.orm.close());

const submit = (amount: number, entityKey?: string): Promise<SubmissionState> =>
  app.services.submissions.submit({ teamId: app.teamId, workflowKey: 'purchase-order', requesterId: requester, title: `Laptops ${amount}`, fields: { vendor: 'Acme', amount }, entityKey }, slackOrigin(app.teamId));

let keyCounter = 0;
const act = (submission: SubmissionState, actorId: string, kind: 'approve' | 'reject' | 'request_changes' | 'retract' | 'comment' | 'delegate', extra: { reason?: string; stageInstanceId?: string; delegateTo?: string } = {}) =>
  app.services.decisions.decide({ teamId: app.teamId, submissionId: submission.id, actorId, kind, idempotencyKey: `test-${keyCounter++}-${Date.now()}`, ...extra }, slackOrigin(app.teamId));

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('a purchase order through manager, finance quorum and CFO', () => {
  it('routes stage by stage and ends approved, with a valid audit chain', async () => {
    const created = await submit(25_000);
    expect(created.status).toBe('in_review');
    expect(created.stages.map((s) => s.stageId)).toEqual(['manager']);

    await act(created, manager, 'approve');
    let state = await app.services.submissions.get(app.teamId, created.id);
    expect(state.stages.map((s) => [s.stageId, s.status])).toEqual([['manager', 'approved'], ['finance', 'open']]);
    expect(state.stages[1]?.required).toBe(2);

    await act(created, finance[0] as string, 'approve');
    state = await app.services.submissions.get(app.teamId, created.id);
    expect(state.stages[1]?.status).toBe('open');
    await act(created, finance[1] as string, 'approve');
    state = await app.services.submissions.get(app.teamId, created.id);
    expect(state.stages.map((s) => s.stageId)).toEqual(['manager', 'finance', 'cfo']);

    const done = await act(created, cfo, 'approve');
    expect(done.submissionStatus).toBe('approved');

    const report = await app.services.audit.verify(app.teamId);
    expect(report.ok).toBe(true);
    const trail = await app.services.audit.submissionTrail(created.id);
    expect(trail.map((e) => e.type)).toEqual([
      'submission.created', 'stage.opened',
      'decision.approved', 'stage.approved', 'stage.opened',
      'decision.approved',
      'decision.approved', 'stage.approved', 'stage.opened',
      'decision.approved', 'stage.approved', 'submission.approved',
    ]);
  });

  it('skips the CFO stage for small orders', async () => {
    const created = await submit(500);
    expect(created.skippedStageIds).toEqual(['cfo']);
    await act(created, manager, 'approve');
    await act(created, finance[0] as string, 'approve');
    const done = await act(created, finance[2] as string, 'approve');
    expect(done.submissionStatus).toBe('approved');
  });

  it('refuses self-approval, outsiders, double say and stale cards, and records each refusal', async () => {
    const created = await submit(700);
    // As a card click does: naming the stage the requester would otherwise hold nothing in.
    expect((await refusal(act(created, requester, 'approve', { stageInstanceId: created.stages[0]?.id as string }))).code).toBe('self_decision');
    expect((await refusal(act(created, uniqueUserId('OUT'), 'approve'))).code).toBe('not_eligible');
    expect((await refusal(act(created, finance[0] as string, 'approve'))).code).toBe('not_eligible');

    const managerStage = created.stages[0]?.id as string;
    await act(created, manager, 'approve', { stageInstanceId: managerStage });
    const stale = await refusal(act(created, manager, 'approve', { stageInstanceId: managerStage }));
    expect(stale.code).toBe('stale');
    expect(stale.message).toContain('Finance review');

    await act(created, finance[0] as string, 'approve');
    expect((await refusal(act(created, finance[0] as string, 'approve'))).code).toBe('already_decided');

    const trail = await app.services.audit.submissionTrail(created.id);
    const refused = trail.filter((e) => e.type === 'decision.refused').map((e) => e.details.code);
    expect(refused).toEqual(['self_decision', 'not_eligible', 'not_eligible', 'stale', 'already_decided']);
  });

  it('requires reasons, ends on rejection, and lets the requester resubmit as a new linked request', async () => {
    const created = await submit(800);
    expect((await refusal(act(created, manager, 'reject'))).code).toBe('reason_required');
    const rejected = await act(created, manager, 'reject', { reason: 'Use the framework agreement vendor' });
    expect(rejected.submissionStatus).toBe('rejected');

    const revised = await app.services.submissions.submit({
      teamId: app.teamId, workflowKey: 'purchase-order', requesterId: requester, title: 'Laptops (revised)',
      fields: { vendor: 'Framework Co', amount: 800 }, predecessorId: created.id,
    }, slackOrigin(app.teamId));
    expect(revised.predecessorId).toBe(created.id);
    expect(revised.id).not.toBe(created.id);
    const original = await app.services.submissions.get(app.teamId, created.id);
    expect(original.status).toBe('rejected');
  });

  it('returns the first outcome for a repeated idempotency key and writes nothing more', async () => {
    const created = await submit(900);
    const input = { teamId: app.teamId, submissionId: created.id, actorId: manager, kind: 'approve' as const, idempotencyKey: `retry-${created.id}` };
    const first = await app.services.decisions.decide(input, slackOrigin(app.teamId));
    const before = (await app.services.audit.submissionTrail(created.id)).length;
    const again = await app.services.decisions.decide(input, slackOrigin(app.teamId));
    expect(again).toEqual({ ...first, replayed: true });
    expect((await app.services.audit.submissionTrail(created.id)).length).toBe(before);
  });

  it('keeps one active request per entity', async () => {
    await submit(100, 'PO-4711');
    expect((await refusal(submit(100, 'PO-4711'))).code).toBe('duplicate_active');
  });

  it('lets only the requester withdraw', async () => {
    const created = await submit(300);
    expect((await refusal(app.services.decisions.decide({ kind: 'withdraw', teamId: app.teamId, submissionId: created.id, actorId: manager }, slackOrigin(app.teamId)))).code).toBe('not_requester');
    const { submission: withdrawn } = await app.services.decisions.decide({ kind: 'withdraw', teamId: app.teamId, submissionId: created.id, actorId: requester, reason: 'Bought it myself' }, slackOrigin(app.teamId));
    expect(withdrawn.status).toBe('withdrawn');
    expect((await refusal(act(created, manager, 'approve'))).code).toBe('not_active');
  });
});

describe('submitting twice with one key', () => {
  it('returns the first request and creates nothing more', async () => {
    const input = { teamId: app.teamId, workflowKey: 'purchase-order', requesterId: requester, title: 'Monitors', fields: { vendor: 'Acme', amount: 50 }, idempotencyKey: `view-${Date.now()}-monitors` };
    const [a, b] = await Promise.all([app.services.submissions.submit(input, slackOrigin(app.teamId)), app.services.submissions.submit(input, slackOrigin(app.teamId))]);
    expect(a?.id).toBe(b?.id);
    const mine = await app.services.submissions.listByRequester(app.teamId, requester, 100);
    expect(mine.filter((s) => s.title === 'Monitors')).toHaveLength(1);
  });
});

describe('roles', () => {
  it('keeps members who stay when a role is re-synced', async () => {
    const [a, b, c] = [uniqueUserId('A'), uniqueUserId('B'), uniqueUserId('C')];
    await app.services.directory.setRole(app.teamId, app.admin, { name: 'sync_check', members: [a, b] }, slackOrigin(app.teamId));
    expect(await app.services.roleSync.syncMembers(app.teamId, 'sync_check', [a, c], slackOrigin(app.teamId))).toBe(true);
    const role = (await app.services.directory.listRoles(app.teamId)).find((r) => r.name === 'sync_check');
    expect(role?.members.sort()).toEqual([a, c].sort());
    expect(await app.services.roleSync.syncMembers(app.teamId, 'sync_check', [c, a], slackOrigin(app.teamId))).toBe(false);
  });
});
