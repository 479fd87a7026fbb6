import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, slackOrigin, testDatabaseUrl, uniqueTeamId, uniqueUserId, type TestApp } from '../support/db.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';

const run = promisify(execFile);
let app: TestApp;

beforeAll(async () => { app = await createTestApp(); });
afterAll(() => app.orm.close());

/** A workspace whose requests went through approvals, delegation, retraction, escalation, rejection and withdrawal. */
async function eventfulTeam(): Promise<{ teamId: string; ids: string[] }> {
  const teamId = uniqueTeamId();
  const meta = () => slackOrigin(teamId);
  const requester = uniqueUserId('REQ');
  const manager = uniqueUserId('MGR');
  const boss = uniqueUserId('BOSS');
  const deputy = uniqueUserId('DEP');
  const finance = [uniqueUserId('FIN'), uniqueUserId('FIN'), uniqueUserId('FIN')];
  await app.services.workflows.publish(teamId, app.admin, purchaseOrderWorkflow({ cfo: uniqueUserId('CFO') }, {
    stages: [
      { id: 'manager', name: 'Manager review', step: 1, approvers: [{ type: 'manager' }], rule: { kind: 'any' }, slaHours: 1, onTimeout: 'escalate' },
      { id: 'finance', name: 'Finance review', step: 2, approvers: [{ type: 'role', role: 'finance' }], rule: { kind: 'at_least', count: 2 }, slaHours: 48 },
    ],
  }), meta());
  await app.services.directory.setRole(teamId, app.admin, { name: 'finance', members: finance }, meta());
  await app.services.directory.setManager(teamId, app.admin, requester, manager, meta());
  await app.services.directory.setManager(teamId, app.admin, manager, boss, meta());
  let n = 0;
  const act = (submissionId: string, actorId: string, kind: 'approve' | 'reject' | 'retract' | 'delegate' | 'comment', extra: { reason?: string; delegateTo?: string } = {}) =>
    app.services.decisions.decide({ teamId, submissionId, actorId, kind, idempotencyKey: `replay-${teamId}-${n++}`, ...extra }, meta());
  const submit = (title: string) => app.services.submissions.submit({ teamId, workflowKey: 'purchase-order', requesterId: requester, title, fields: { vendor: 'Acme', amount: 100 } }, meta());

  const a = await submit('approved with delegation and retraction');
  await act(a.id, manager, 'approve');
  await act(a.id, finance[0] as string, 'approve');
  await act(a.id, finance[0] as string, 'retract', { reason: 'wrong amount' });
  await act(a.id, finance[1] as string, 'delegate', { reason: 'on leave', delegateTo: deputy });
  await act(a.id, deputy, 'approve');
  await act(a.id, finance[2] as string, 'comment', { reason: 'fine by me' });
  await act(a.id, finance[2] as string, 'approve');

  const b = await submit('rejected');
  await act(b.id, manager, 'reject', { reason: 'no budget' });
  const c = await submit('withdrawn');
  await app.services.decisions.decide({ kind: 'withdraw', teamId, submissionId: c.id, actorId: requester, reason: 'not needed' }, meta());

  const d = await submit('escalated');
  app.clock.now = new Date(Date.now() + 2 * 3_600_000);
  await app.services.decisions.decide({ kind: 'timeout', teamId, submissionId: d.id, stageInstanceId: d.stages[0]?.id as string }, meta());
  await act(d.id, boss, 'approve');
  app.clock.now = new Date();
  return { teamId, ids: [a.id, b.id, c.id, d.id] };
}

describe('audit replay', () => {
  it('rebuilds every submission from the trail alone and finds it equal to the tables', async () => {
    const { teamId, ids } = await eventfulTeam();
    const states = await Promise.all(ids.map((id) => app.services.submissions.get(teamId, id)));
    expect(states.map((s) => s.status)).toEqual(['approved', 'rejected', 'withdrawn', 'in_review']);
    expect(states[3]?.stages[0]?.escalatedAt).not.toBeNull();
    const report = await app.services.replay.check({ teamId });
    expect(report.differences).toEqual([]);
    expect(report.submissions).toBe(4);
    expect(report.events).toBeGreaterThan(20);
  });

  it('reports a table that no longer matches the trail, in status, stages and decisions', async () => {
    const { teamId, ids } = await eventfulTeam();
    const em = app.orm.em.fork();
    await em.execute(`update submission set status = 'approved' where id = ?`, [ids[1]]);
    await em.execute(`update decision set reason = 'changed later' where submission_id = ? and kind = 'approve'`, [ids[3]]);
    await em.execute(`update stage_instance set required = 1 where submission_id = ? and stage_id = 'finance'`, [ids[0]]);
    const report = await app.services.replay.check({ teamId });
    expect(report.differences.map((d) => [d.submissionId, d.path])).toEqual(expect.arrayContaining([
      [ids[1], 'status'],
      [ids[0], expect.stringMatching(/^stages\.\d\.required$/)],
      [ids[3], expect.stringMatching(/^stages\.\d\.decisions\.\d\.reason$/)],
    ]));
    expect(report.differences.find((d) => d.submissionId === ids[1])).toMatchObject({ fromTrail: 'rejected', fromTables: 'approved' });

    const cli = (team: string) => run(process.execPath, ['--experimental-strip-types', '--no-warnings', 'src/cli/audit-replay.ts', '--check', '--team', team], { env: { ...process.env, DATABASE_URL: testDatabaseUrl() } })
      .then((r) => ({ code: 0, out: r.stdout }), (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }));
    const broken = await cli(teamId);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(`submission ${ids[1]} (team ${teamId}): status: trail says "rejected", tables say "approved"`);
    const clean = await eventfulTeam();
    const ok = await cli(clean.teamId);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('4 submission(s) rebuilt');
    expect(ok.out).toContain('trail and tables agree');
  });
});
