import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/index.ts';
import { createTestApp, slackOrigin, uniqueTeamId, uniqueUserId, type TestApp } from '../support/db.ts';

let app: TestApp;
const requester = uniqueUserId('REQ');
const finance = Array.from({ length: 8 }, () => uniqueUserId('FIN'));
const cfo = uniqueUserId('CFO');

beforeAll(async () => {
  app = await createTestApp({ poolSize: 20 });
  const meta = slackOrigin(app.teamId);
  await app.services.directory.setRole(app.teamId, app.admin, { name: 'finance', members: finance }, meta);
  await app.services.workflows.publish(app.teamId, app.admin, {
    key: 'spend', name: 'Spend',
    stages: [
      { id: 'finance', name: 'Finance', step: 1, approvers: [{ type: 'role', role: 'finance' }], rule: { kind: 'at_least', count: 3 } },
      { id: 'cfo', name: 'CFO', step: 2, approvers: [{ type: 'user', userId: cfo }] },
    ],
  }, meta);
});
afterAll(() => app.orm.close());

const submit = (teamId = app.teamId) => app.services.submissions.submit({ teamId, workflowKey: 'spend', requesterId: requester, title: 'Servers' }, slackOrigin(teamId));
const approve = (submissionId: string, actorId: string, key: string, stageInstanceId?: string) =>
  app.services.decisions.decide({ teamId: app.teamId, submissionId, actorId, kind: 'approve', idempotencyKey: key, stageInstanceId }, slackOrigin(app.teamId));

async function countRows(sql: string, params: unknown[]): Promise<number> {
  const rows = await app.orm.em.fork().execute<{ n: string }[]>(sql, params);
  return Number(rows[0]?.n);
}

describe('decisions under concurrency (real Postgres)', () => {
  it('advances the stage exactly once when eight reviewers approve at once at a quorum of three', async () => {
    const submission = await submit();
    const stageId = submission.stages[0]?.id as string;
    const results = await Promise.allSettled(finance.map((person, i) => approve(submission.id, person, `burst-${submission.id}-${i}`, stageId)));
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as DomainError] : []));
    expect(accepted).toHaveLength(3);
    expect(refused).toHaveLength(5);
    for (const error of refused) expect(error.code).toBe('stale');

    const trail = await app.services.audit.submissionTrail(submission.id);
    const count = (type: string) => trail.filter((e) => e.type === type).length;
    expect(count('decision.approved')).toBe(3);
    expect(count('stage.approved')).toBe(1);
    expect(count('stage.opened')).toBe(2);
    expect(count('decision.refused')).toBe(5);
    expect(await countRows('select count(*) as n from decision where submission_id = ?', [submission.id])).toBe(3);
    const state = await app.services.submissions.get(app.teamId, submission.id);
    expect(state.stages.map((s) => [s.stageId, s.status])).toEqual([['finance', 'approved'], ['cfo', 'open']]);
  });

  it('records the same decision sent ten times at once exactly once', async () => {
    const submission = await submit();
    const key = `same-${submission.id}`;
    const results = await Promise.all(Array.from({ length: 10 }, () => approve(submission.id, finance[0] as string, key)));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    for (const result of results) expect(result.events).toEqual(['decision.approved']);
    expect(await countRows('select count(*) as n from decision where submission_id = ?', [submission.id])).toBe(1);
    const trail = await app.services.audit.submissionTrail(submission.id);
    expect(trail.filter((e) => e.type === 'decision.approved')).toHaveLength(1);
    expect(trail.filter((e) => e.type === 'decision.refused')).toHaveLength(0);
  });

  it('keeps one gapless, valid chain while many submissions are decided in parallel', async () => {
    const submissions = await Promise.all(Array.from({ length: 12 }, () => submit()));
    await Promise.all(submissions.flatMap((s) => finance.slice(0, 3).map((person, i) => approve(s.id, person, `par-${s.id}-${i}`))));
    const report = await app.services.audit.verify(app.teamId);
    expect(report.ok).toBe(true);
    const stats = await app.orm.em.fork().execute<{ n: string; lo: string; hi: string; distinct_seq: string }[]>(
      'select count(*) as n, min(seq) as lo, max(seq) as hi, count(distinct seq) as distinct_seq from audit_event where chain_id = ?', [app.teamId]);
    const row = stats[0];
    expect(Number(row?.lo)).toBe(1);
    expect(Number(row?.hi)).toBe(Number(row?.n));
    expect(Number(row?.distinct_seq)).toBe(Number(row?.n));
    expect(report.checked).toBe(Number(row?.n));
  });

  it('gives each workspace its own chain, so workspaces never share sequence numbers', async () => {
    const other = uniqueTeamId();
    const meta = slackOrigin(other);
    await app.services.directory.setRole(other, app.admin, { name: 'finance', members: finance }, meta);
    const reports = await Promise.all([app.services.audit.verify(app.teamId), app.services.audit.verify(other)]);
    expect(reports.map((r) => r.ok)).toEqual([true, true]);
    expect(reports[1]?.head?.seq).toBe(1);
  });
});
