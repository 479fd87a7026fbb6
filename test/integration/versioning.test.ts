import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/index.ts';
import { createTestApp, slackOrigin, uniqueUserId, type TestApp } from '../support/db.ts';

let app: TestApp;
const requester = uniqueUserId('REQ');
const legal = uniqueUserId('LEG');
const security = uniqueUserId('SEC');

const version = (stage: { id: string; name: string; userId: string }) => ({
  key: 'contract', name: 'Contract',
  stages: [{ id: stage.id, name: stage.name, step: 1, approvers: [{ type: 'user' as const, userId: stage.userId }] }],
});

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.orm.close());

describe('workflow versions', () => {
  it('lets a submission in flight finish under the version it started with', async () => {
    const meta = slackOrigin(app.teamId);
    const v1 = await app.services.workflows.publish(app.teamId, app.admin, version({ id: 'legal', name: 'Legal', userId: legal }), meta);
    const inFlight = await app.services.submissions.submit({ teamId: app.teamId, workflowKey: 'contract', requesterId: requester, title: 'NDA' }, meta);

    const v2 = await app.services.workflows.publish(app.teamId, app.admin, version({ id: 'security', name: 'Security', userId: security }), meta);
    expect([v1.version, v2.version]).toEqual([1, 2]);
    const fresh = await app.services.submissions.submit({ teamId: app.teamId, workflowKey: 'contract', requesterId: requester, title: 'MSA' }, meta);

    expect(inFlight.workflowVersion).toBe(1);
    expect(fresh.workflowVersion).toBe(2);
    expect(fresh.stages[0]?.stageId).toBe('security');

    // The v2 approver has no say on the v1 request; the v1 approver still decides it.
    const refused = await app.services.decisions.decide({ teamId: app.teamId, submissionId: inFlight.id, actorId: security, kind: 'approve', idempotencyKey: `v-${inFlight.id}-sec` }, meta).catch((e: unknown) => e);
    expect((refused as DomainError).code).toBe('not_eligible');
    const done = await app.services.decisions.decide({ teamId: app.teamId, submissionId: inFlight.id, actorId: legal, kind: 'approve', idempotencyKey: `v-${inFlight.id}-leg` }, meta);
    expect(done.submissionStatus).toBe('approved');

    // A card made for another version is refused as stale.
    const stale = await app.services.decisions.decide({ teamId: app.teamId, submissionId: fresh.id, actorId: security, kind: 'approve', workflowVersion: 1, idempotencyKey: `v-${fresh.id}-stale` }, meta).catch((e: unknown) => e);
    expect((stale as DomainError).code).toBe('stale');

    const stored = await app.services.workflows.getVersion(app.teamId, 'contract', 1);
    expect(stored.definition.stages[0]?.id).toBe('legal');
  });

  it('refuses to publish for a non-admin and changes nothing', async () => {
    const meta = slackOrigin(app.teamId);
    const outsider = uniqueUserId('OUT');
    const error = await app.services.workflows.publish(app.teamId, outsider, version({ id: 'x', name: 'X', userId: legal }), meta).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe('forbidden');
    expect((await app.services.workflows.getVersion(app.teamId, 'contract')).version).toBe(2);
  });
});
