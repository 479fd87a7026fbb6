/**
 * The database's own guarantees, behind the domain's: written around the domain (plain SQL on this file's
 * database), a second say on a stage and a second active request for one entity are refused by unique indexes.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, type SubmissionState } from '../../src/domain/index.ts';
import { createTestApp, slackOrigin, testDatabaseUrl, uniqueTeamId, uniqueUserId, type TestApp } from '../support/db.ts';

let app: TestApp;
let db: pg.Client;
const requester = uniqueUserId('REQ');
const [alice, dave, bob] = [uniqueUserId('ALICE'), uniqueUserId('DAVE'), uniqueUserId('BOB')];

beforeAll(async () => {
  app = await createTestApp();
  db = new pg.Client({ connectionString: testDatabaseUrl() });
  await db.connect();
  const meta = slackOrigin(app.teamId);
  for (const key of ['laptop', 'phone']) {
    await app.services.workflows.publish(app.teamId, app.admin, {
      key, name: key,
      stages: [
        { id: 'first', name: 'First', step: 1, approvers: [{ type: 'user', userId: alice }, { type: 'user', userId: bob }], rule: { kind: 'all' } },
        { id: 'second', name: 'Second', step: 2, approvers: [{ type: 'user', userId: alice }] },
      ],
    }, meta);
  }
});
afterAll(async () => {
  await db?.end();
  await app?.orm.close();
});

const submit = (workflowKey = 'laptop', entityKey?: string, teamId = app.teamId) =>
  app.services.submissions.submit({ teamId, workflowKey, requesterId: requester, title: 'Laptop', entityKey }, slackOrigin(teamId));

/** The constraint a statement broke, or null when it went through. */
async function refusedBy(statement: Promise<unknown>): Promise<string | null> {
  try {
    await statement;
    return null;
  } catch (error) {
    expect((error as { code?: string }).code).toBe('23505');
    return (error as { constraint?: string }).constraint ?? 'unnamed';
  }
}

/** A decision row as the repository writes one, straight into the table. */
function sayOn(submission: SubmissionState, stageInstanceId: string, kind: string, actorId: string, principalId = actorId) {
  return db.query(
    `insert into decision (id, submission_id, stage_instance_id, kind, actor_id, principal_id, capacity, delegate_to, decided_at)
     values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, now())`,
    [submission.id, stageInstanceId, kind, actorId, principalId, JSON.stringify(principalId === actorId ? { kind: 'named' } : { kind: 'delegate', of: principalId, delegationId: null }), kind === 'delegate' ? dave : null],
  );
}

const openStageOf = (submission: SubmissionState): string => submission.stages[0]?.id ?? '';

describe('one say per person and stage', () => {
  it.each([
    ['approve', 'approve'], ['approve', 'reject'], ['reject', 'request_changes'], ['delegate', 'approve'], ['request_changes', 'delegate'],
  ])('refuses %s then %s by the same person on one stage', async (first, second) => {
    const submission = await submit();
    const stage = openStageOf(submission);
    expect(await refusedBy(sayOn(submission, stage, first, alice))).toBeNull();
    expect(await refusedBy(sayOn(submission, stage, second, alice))).toBe('decision_one_say_per_actor');
  });

  it('refuses a say used on behalf of someone who already had theirs', async () => {
    const submission = await submit();
    const stage = openStageOf(submission);
    expect(await refusedBy(sayOn(submission, stage, 'approve', alice))).toBeNull();
    expect(await refusedBy(sayOn(submission, stage, 'approve', dave, alice))).toBe('decision_one_say_per_principal');
    expect(await refusedBy(sayOn(submission, stage, 'reject', dave, alice))).toBe('decision_one_say_per_principal');
  });

  it('lets a hand-off pass the say on once, and comments and retractions use no say', async () => {
    const submission = await submit();
    const stage = openStageOf(submission);
    expect(await refusedBy(sayOn(submission, stage, 'delegate', alice))).toBeNull();
    expect(await refusedBy(sayOn(submission, stage, 'approve', dave, alice))).toBeNull();
    expect(await refusedBy(sayOn(submission, stage, 'approve', uniqueUserId('EVE'), alice))).toBe('decision_one_say_per_principal');
    for (const kind of ['comment', 'retract', 'comment']) expect(await refusedBy(sayOn(submission, stage, kind, bob))).toBeNull();
    expect(await refusedBy(sayOn(submission, stage, 'approve', bob))).toBeNull();
  });

  it('lets the same person have their say on each stage', async () => {
    const submission = await submit();
    await app.services.decisions.decide({ teamId: app.teamId, submissionId: submission.id, actorId: alice, kind: 'approve', idempotencyKey: `backstop-${submission.id}-a` }, slackOrigin(app.teamId));
    await app.services.decisions.decide({ teamId: app.teamId, submissionId: submission.id, actorId: bob, kind: 'approve', idempotencyKey: `backstop-${submission.id}-b` }, slackOrigin(app.teamId));
    const second = (await app.services.submissions.get(app.teamId, submission.id)).stages[1]?.id ?? '';
    expect(await refusedBy(sayOn(submission, second, 'approve', alice))).toBeNull();
  });
});

describe('one active request per entity', () => {
  /** A copy of a stored request with another id, straight into the table. */
  const copyOf = (submission: SubmissionState, changes: { status?: string; workflowKey?: string; teamId?: string; entityKey?: string | null } = {}) => db.query(
    `insert into submission (id, team_id, workflow_key, workflow_version, workflow_version_id, requester_id, title, fields, entity_key, status, plan, skipped_stage_ids, current_step_index, created_at)
     select gen_random_uuid(), coalesce($2, team_id), coalesce($3, workflow_key), workflow_version, workflow_version_id, requester_id, title, fields,
            case when $5 then null else coalesce($6, entity_key) end, coalesce($4, status), plan, skipped_stage_ids, current_step_index, now()
       from submission where id = $1`,
    [submission.id, changes.teamId ?? null, changes.workflowKey ?? null, changes.status ?? null, changes.entityKey === null, changes.entityKey ?? null],
  );

  it('refuses a second active request for the entity, in review or just submitted', async () => {
    const first = await submit('laptop', 'PO-1001');
    expect(await refusedBy(copyOf(first))).toBe('submission_one_active_per_entity');
    expect(await refusedBy(copyOf(first, { status: 'submitted' }))).toBe('submission_one_active_per_entity');
  });

  it('allows finished requests, other workflows, other workspaces and requests without an entity alongside', async () => {
    const first = await submit('laptop', 'PO-1002');
    for (const status of ['approved', 'rejected', 'changes_requested', 'withdrawn', 'cancelled']) expect(await refusedBy(copyOf(first, { status })), status).toBeNull();
    expect(await refusedBy(copyOf(first, { workflowKey: 'phone' }))).toBeNull();
    expect(await refusedBy(copyOf(first, { teamId: uniqueTeamId() }))).toBeNull();
    const loose = await submit('laptop');
    expect(await refusedBy(copyOf(loose))).toBeNull();
    expect(await refusedBy(copyOf(first, { entityKey: null }))).toBeNull();
  });

  it('lets only one of two requests submitted at once for the entity through, and a new one once it is withdrawn', async () => {
    const results = await Promise.allSettled([submit('laptop', 'PO-1003'), submit('laptop', 'PO-1003')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refusal = results.find((r) => r.status === 'rejected')?.reason as DomainError;
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal.code).toBe('duplicate_active');
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<SubmissionState>).value;
    await app.services.decisions.decide({ kind: 'withdraw', teamId: app.teamId, submissionId: winner.id, actorId: requester, reason: 'ordered the wrong model' }, slackOrigin(app.teamId));
    expect((await submit('laptop', 'PO-1003')).status).toBe('in_review');
  });
});
