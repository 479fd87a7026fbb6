/**
 * What people are told when a stage's SLA passes, driven as Slack drives the app (the request form submitted, the
 * history asked for with /approval, the fake Slack receiving what the worker posts): how long the stage waited
 * against its SLA (never "0 minutes late"), who it went to when nobody nearer could decide, that the requester's
 * request is stuck, and automatic outcomes in words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';
import { slackOrigin } from '../support/db.ts';
import type { RecordedCall } from '../support/fake-slack.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { blocksText, fileAdmin, setupTeam, submitted, type Team } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin], worker: true });
});
afterAll(async () => {
  await started.stop();
});

/** An SLA of about two seconds, so the timer fires while the test watches. */
const SLA_HOURS = 0.0006;

/** The first stage (the requester's manager) with a short SLA and this timeout action. */
async function shortManagerStage(team: Team, onTimeout: 'escalate' | 'auto_approve' | 'auto_reject'): Promise<void> {
  const base = purchaseOrderWorkflow({ cfo: team.cfo });
  const stages = base.stages.map((s) => (s.id === 'manager' ? { ...s, slaHours: SLA_HOURS, onTimeout } : s));
  await started.app.services.workflows.publish(team.teamId, team.admin, { ...base, stages }, slackOrigin(team.teamId));
}

const posted = (predicate: (call: RecordedCall) => boolean, timeoutMs = 20_000) =>
  started.slack.waitFor((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.response?.ok === true && predicate(c), timeoutMs);

const toDm = (userId: string) => (c: RecordedCall) => c.args.channel === userId || c.args.channel === started.slack.dmChannelFor(userId);

/** `<!date^epoch^...>` for the stage's due time: Slack shows it in each reader's own time zone. */
const slackDateOf = (iso: string) => `<!date^${Math.floor(Date.parse(iso) / 1000)}^`;

async function history(team: Team, id: string): Promise<string> {
  const response = await started.requests.command({ teamId: team.teamId, userId: team.requester, text: `history ${id.slice(0, 8)}` });
  expect(response.status).toBe(200);
  return JSON.stringify(response.json?.blocks);
}

describe('a late stage whose reviewers have no manager and which names no escalation target', () => {
  it('goes to the approval admins, whose card says how long it waited against its SLA; the requester is told it is stuck', async () => {
    const team = await setupTeam(started);
    await shortManagerStage(team, 'escalate');
    const request = await submitted(started, team, { title: 'Desk chairs', vendor: 'Acme', amount: '900' });
    const stage = request.stages[0];
    if (!stage) throw new Error('no stage');

    // The manager (the late reviewer) has no manager of their own: the approval admin gets the card.
    const adminCard = await posted((c) => toDm(fileAdmin)(c) && blocksText(c.args).includes('Escalated to you'));
    const card = blocksText(adminCard.args);
    expect(card).toMatch(/has been waiting \d+ s, SLA 2 s, was due <!date\^\d+\^\{date_short_pretty\} at \{time\}\|/);
    expect(card).toContain(slackDateOf(stage.dueAt));
    expect(card).toContain('none of the late reviewers has a manager and the stage names no escalation target');
    expect(card).toContain('approval admin');
    expect(card).not.toMatch(/0 minutes|late \(/);

    // The requester is told, in a message of its own, and their tracking card says who has it now.
    const notice = await posted((c) => toDm(team.requester)(c) && blocksText(c.args).includes('is stuck at stage'));
    expect(blocksText(notice.args)).toContain(`escalated to the approval admins <@${fileAdmin}>`);
    expect(blocksText(notice.args)).toMatch(/it has been waiting \d+ s, SLA 2 s, was due <!date\^/);
    const tracking = await posted((c) => c.method === 'chat.update' && toDm(team.requester)(c) && blocksText(c.args).includes('(the approval admins)'));
    expect(blocksText(tracking.args)).toMatch(/Waiting \d+ s, SLA 2 s, was due <!date\^/);
    expect(blocksText(tracking.args)).toContain(`Escalated to <@${fileAdmin}> (the approval admins)`);
    expect(blocksText(tracking.args)).not.toMatch(/overdue by 0|0 minutes/);

    // The audit trail says why; the history shows it in words.
    const [event] = await started.app.services.audit.submissionTrail(request.id).then((rows) => rows.filter((r) => r.type === 'stage.escalated'));
    expect(event).toMatchObject({ details: { targets: [fileAdmin], via: 'admins' } });
    expect(event?.reason).toBe('escalated to the approval admins: no decision within the 2 s SLA (none of the late reviewers has a manager and the stage names no escalation target)');
    expect(await history(team, request.id)).toContain(`stage escalated to <@${fileAdmin}> (automatic)`);

    // The admin can decide from the card.
    const state = await started.app.services.submissions.get(team.teamId, request.id);
    expect(state.stages[0]?.grants).toEqual([expect.objectContaining({ userId: fileAdmin, kind: 'escalation' })]);
  });

  it('with nobody at all to ask, is recorded as stuck, and the requester is told why and what to do', async () => {
    const team = await setupTeam(started);
    // The requester's manager is the only approval admin: as the late reviewer, they cannot be their own escalation.
    await started.app.services.directory.setManager(team.teamId, team.admin, team.requester, fileAdmin, slackOrigin(team.teamId));
    await shortManagerStage(team, 'escalate');
    const request = await submitted(started, team, { title: 'Standing desks', vendor: 'Acme', amount: '1200' });

    const notice = await posted((c) => toDm(team.requester)(c) && blocksText(c.args).includes('is stuck at stage'));
    const text = blocksText(notice.args);
    expect(text).toContain('nobody could be asked to decide');
    expect(text).toContain('there is no approval admin who could decide');
    expect(text).toContain('Ask an approval admin to set a manager or an escalation target, or withdraw the request.');

    const rows = await started.app.services.audit.submissionTrail(request.id);
    const escalated = rows.filter((r) => r.type === 'stage.escalated');
    expect(escalated).toEqual([expect.objectContaining({ details: expect.objectContaining({ targets: [], via: 'nobody' }) })]);
    expect(escalated[0]?.reason).toMatch(/^stuck: nobody could be asked to decide: no decision within the 2 s SLA \(none of the late reviewers has a manager/);
    const tracking = await posted((c) => c.method === 'chat.update' && toDm(team.requester)(c) && blocksText(c.args).includes('Stuck: nobody could be asked'));
    expect(blocksText(tracking.args)).toMatch(/Waiting \d+ s, SLA 2 s, was due/);
  });
});

describe('automatic outcomes at the SLA', () => {
  it.each([
    ['auto_approve', 'approved'],
    ['auto_reject', 'rejected'],
  ] as const)('%s: the notice and the history say what happened in words, not the setting', async (action, outcome) => {
    const team = await setupTeam(started);
    await shortManagerStage(team, action);
    const request = await submitted(started, team, { title: `Printer (${outcome})`, vendor: 'Acme', amount: '300' });

    if (outcome === 'approved') {
      // The next stage opens: the automatic approval of the first shows on the requester's card.
      const card = await posted((c) => c.method === 'chat.update' && toDm(team.requester)(c) && blocksText(c.args).includes('Approved automatically'));
      expect(blocksText(card.args)).toContain('Approved automatically: no decision within the 2 s SLA.');
    } else {
      const notice = await posted((c) => toDm(team.requester)(c) && blocksText(c.args).includes('was rejected automatically'));
      expect(blocksText(notice.args)).toContain('was rejected automatically: stage *Manager review* had no decision within its 2 s SLA.');
      expect(blocksText(notice.args)).not.toMatch(/auto_reject|0\.0006/);
    }
    const trail = await history(team, request.id);
    expect(trail).toContain(`${outcome} automatically: no decision within the 2 s SLA`);
    expect(trail).not.toMatch(/auto_approve|auto_reject|0\.0006h|passed its/);
  });

  it('an approval that ends the request automatically says so in the outcome notice', async () => {
    const team = await setupTeam(started);
    const base = purchaseOrderWorkflow({ cfo: team.cfo });
    // One stage only: its automatic approval is the request's.
    const stages = [{ ...base.stages[0], id: 'manager', name: 'Manager review', step: 1, approvers: [{ type: 'manager' as const }], slaHours: SLA_HOURS, onTimeout: 'auto_approve' as const }];
    await started.app.services.workflows.publish(team.teamId, team.admin, { ...base, stages }, slackOrigin(team.teamId));
    await submitted(started, team, { title: 'Coffee machine', vendor: 'Acme', amount: '250' });
    const notice = await posted((c) => c.method === 'chat.postMessage' && toDm(team.requester)(c) && blocksText(c.args).includes('was approved automatically'));
    expect(blocksText(notice.args)).toContain('was approved automatically: stage *Manager review* had no decision within its 2 s SLA.');
  });
});
