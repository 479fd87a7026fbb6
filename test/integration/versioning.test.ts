import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, type WorkflowDefinitionInput } from '../../src/domain/index.ts';
import { apiClient } from '../support/api-client.ts';
import { createTestApp, slackOrigin, uniqueUserId, type TestApp } from '../support/db.ts';
import { startTestApi, testEnv } from '../support/proof.ts';

let app: TestApp;
let api: Awaited<ReturnType<typeof startTestApi>>;
const call = apiClient(() => api.url);
const requester = uniqueUserId('REQ');
const [alice, bob, carol, dave, erin] = ['ALICE', 'BOB', 'CAROL', 'DAVE', 'ERIN'].map(uniqueUserId) as [string, string, string, string, string];

/**
 * Two versions with the same stage ids, so a decision judged against the wrong one would not crash but quietly
 * apply the other version's approvers, quorum and timeout action.
 */
const v1: WorkflowDefinitionInput = {
  key: 'contract', name: 'Contract',
  stages: [
    { id: 'intake', name: 'Intake', step: 1, approvers: [{ type: 'user', userId: alice }], slaHours: 1, onTimeout: 'auto_approve' },
    { id: 'signoff', name: 'Sign-off', step: 2, approvers: [{ type: 'user', userId: bob }, { type: 'user', userId: carol }], rule: { kind: 'all' } },
  ],
};
const v2: WorkflowDefinitionInput = {
  key: 'contract', name: 'Contract',
  stages: [
    { id: 'intake', name: 'Intake', step: 1, approvers: [{ type: 'user', userId: dave }], slaHours: 1, onTimeout: 'auto_reject' },
    { id: 'signoff', name: 'Sign-off', step: 2, approvers: [{ type: 'user', userId: bob }, { type: 'user', userId: erin }], rule: { kind: 'any' } },
  ],
};

beforeAll(async () => {
  app = await createTestApp();
  api = await startTestApi(testEnv({ APPROVAL_ADMINS: app.admin }));
});
afterAll(async () => {
  await api?.stop();
  await app?.orm.close();
});

const meta = () => slackOrigin(app.teamId);
let keys = 0;
const submit = (title: string) => app.services.submissions.submit({ teamId: app.teamId, workflowKey: 'contract', requesterId: requester, title }, meta());
const current = (id: string) => app.services.submissions.get(app.teamId, id);
const openStage = async (id: string) => {
  const stage = (await current(id)).stages.find((s) => s.status === 'open');
  if (!stage) throw new Error('no open stage');
  return stage;
};

/** Approves naming the open stage and the version the card shows, as a card click does. */
async function approve(id: string, actorId: string, workflowVersion: number): Promise<string> {
  const stage = await openStage(id);
  return app.services.decisions.decide({ teamId: app.teamId, submissionId: id, actorId, kind: 'approve', stageInstanceId: stage.id, workflowVersion, idempotencyKey: `version-${keys++}` }, meta())
    .then((outcome) => outcome.submissionStatus, (error: unknown) => {
      if (!(error instanceof DomainError)) throw error;
      return `refused: ${error.code}`;
    });
}

describe('workflow versions that share stage ids', () => {
  let first: string;
  let timed: string;

  it('publishes v2 while v1 requests are in flight; new requests start on v2', async () => {
    expect((await app.services.workflows.publish(app.teamId, app.admin, v1, meta())).version).toBe(1);
    first = (await submit('NDA with Acme')).id;
    timed = (await submit('MSA with Initech')).id;
    expect((await app.services.workflows.publish(app.teamId, app.admin, v2, meta())).version).toBe(2);
    const fresh = await submit('DPA with Globex');
    expect([(await current(first)).workflowVersion, fresh.workflowVersion]).toEqual([1, 2]);
    expect(fresh.stages.map((s) => [s.stageId, s.pool])).toEqual([['intake', [dave]]]);
  });

  it('judges a v1 request by v1 approvers and v1 quorum at every step', async () => {
    expect(await approve(first, dave, 1)).toBe('refused: not_eligible');
    const refusedOverApi = await call('POST', `/api/v1/submissions/${first}/actions`, (await app.services.apiTokens.createToken({ teamId: app.teamId, ownerId: dave, name: 'dave', scopes: ['submissions:write'], createdBy: app.admin }, meta())).token, { kind: 'approve', stageInstanceId: (await openStage(first)).id });
    expect([refusedOverApi.status, refusedOverApi.body.error.code]).toEqual([422, 'not_eligible']);

    expect(await approve(first, alice, 1)).toBe('in_review');
    // The next stage opens as v1 defines it: bob and carol, both needed.
    expect(await openStage(first)).toMatchObject({ stageId: 'signoff', pool: [bob, carol].sort(), required: 2, rule: { kind: 'all' } });
    expect(await approve(first, erin, 1)).toBe('refused: not_eligible');
    expect(await approve(first, bob, 1)).toBe('in_review');
    expect(await approve(first, carol, 1)).toBe('approved');
  });

  it('applies the v1 timeout action to a v1 stage whose SLA passes after v2 was published', async () => {
    const intake = await openStage(timed);
    app.clock.now = new Date(app.clock.now.getTime() + 2 * 3_600_000);
    await app.services.decisions.decide({ kind: 'timeout', teamId: app.teamId, submissionId: timed, stageInstanceId: intake.id }, meta());
    const state = await current(timed);
    expect(state.stages.map((s) => [s.stageId, s.status])).toEqual([['intake', 'approved'], ['signoff', 'open']]);
    expect(state.stages[1]).toMatchObject({ pool: [bob, carol].sort(), required: 2 });
  });

  it('judges a v2 request by v2, and refuses a card made for v1 as stale', async () => {
    const fresh = (await submit('SOW with Hooli')).id;
    expect(await approve(fresh, dave, 1)).toBe('refused: stale');
    expect(await approve(fresh, alice, 2)).toBe('refused: not_eligible');
    expect(await approve(fresh, dave, 2)).toBe('in_review');
    expect(await openStage(fresh)).toMatchObject({ stageId: 'signoff', pool: [bob, erin].sort(), required: 1 });
    expect(await approve(fresh, carol, 2)).toBe('refused: not_eligible');
    expect(await approve(fresh, erin, 2)).toBe('approved');

    const stored = await app.services.workflows.getVersion(app.teamId, 'contract', 1);
    expect(stored.definition.stages.map((s) => s.approvers)).toEqual(v1.stages.map((s) => s.approvers));
  });

  it('refuses to publish for a non-admin and changes nothing', async () => {
    const outsider = uniqueUserId('OUT');
    const error = await app.services.workflows.publish(app.teamId, outsider, v1, meta()).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe('forbidden');
    expect((await app.services.workflows.getVersion(app.teamId, 'contract')).version).toBe(2);
  });
});
