import { afterEach, describe, expect, it } from 'vitest';
import { slackOrigin } from '../support/db.ts';
import { blockText, createHarness, oneStageWorkflow, postsTo, settled, threadRepliesIn, waitUntil, type Harness } from './jobs-harness.ts';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** 0.0005 h = 1.8 s. */
const TICK_HOURS = 0.0005;

const trail = (submissionId: string) =>
  h.sql<{ type: string; actor_id: string | null; capacity: { kind: string; rule?: string } | null; reason: string | null; origin: { kind: string } }>(
    'select type, actor_id, capacity, reason, origin from audit_event where chain_id = ? and submission_id = ? order by seq', [h.teamId, submissionId],
  );

describe('stage timers', () => {
  it('reminds only the reviewers still pending, in the thread of their card', async () => {
    h = await createHarness();
    const [requester, alice, bob] = h.users('REQ', 'ALICE', 'BOB') as [string, string, string];
    await h.publish(oneStageWorkflow('access', [alice, bob], { rule: { kind: 'all' }, slaHours: TICK_HOURS * 3.5, reminderEveryHours: TICK_HOURS }));
    const id = await h.submit('access', requester);
    await waitUntil(() => postsTo(h.fake, alice).length === 1 && postsTo(h.fake, bob).length === 1, 10_000, 'cards');
    await h.services.decisions.decide({ teamId: h.teamId, submissionId: id, actorId: alice, kind: 'approve', idempotencyKey: `a-${id}` }, slackOrigin(h.teamId));

    const bobCard = postsTo(h.fake, bob)[0];
    const aliceCard = postsTo(h.fake, alice)[0];
    const bobThread = () => threadRepliesIn(h.fake, String(bobCard?.response?.channel), String(bobCard?.response?.ts));
    await waitUntil(() => bobThread().length >= 1, 6000, 'first reminder');
    expect(bobThread()[0]?.args.text).toMatch(/Reminder/);
    await waitUntil(() => bobThread().length >= 2, 6000, 'second reminder');
    // Alice decided: no reminder for her, neither in her thread nor as a new card.
    expect(threadRepliesIn(h.fake, String(aliceCard?.response?.channel), String(aliceCard?.response?.ts))).toHaveLength(0);
    expect(postsTo(h.fake, alice)).toHaveLength(1);
    expect(postsTo(h.fake, bob)).toHaveLength(1);
    const fired = await h.sql<{ job_id: string; outcome: string }>("select job_id, outcome from scheduled_timer where team_id = ? and name = 'reminder' order by fire_at", [h.teamId]);
    const stageId = (await h.services.submissions.get(h.teamId, id)).stages[0]?.id;
    expect(fired.map((t) => t.job_id)).toEqual([1, 2, 3].map((n) => `reminder-${id}-${stageId}-${n}`));
    expect(fired.slice(0, 2).map((t) => t.outcome)).toEqual(['fired', 'fired']);
  });

  it('escalates a late stage to its escalation target with an actionable card, who can then decide', async () => {
    h = await createHarness();
    const [requester, alice, boss] = h.users('REQ', 'ALICE', 'BOSS') as [string, string, string];
    await h.publish(oneStageWorkflow('access', [alice], { slaHours: TICK_HOURS, onTimeout: 'escalate', escalateTo: [{ type: 'user', userId: boss }] }));
    const id = await h.submit('access', requester);

    await waitUntil(() => postsTo(h.fake, boss).length === 1, 10_000, 'escalation card');
    const card = postsTo(h.fake, boss)[0];
    expect(String(card?.args.text)).toMatch(/^Escalated/);
    expect(blockText(card)).toContain('card.approve');
    const escalated = (await trail(id)).find((e) => e.type === 'stage.escalated');
    expect(escalated?.actor_id).toBeNull();
    expect(escalated?.capacity).toMatchObject({ kind: 'system' });
    expect(escalated?.capacity?.rule).toMatch(/^stage "Review" had no decision within its \d+ s SLA$/);
    expect(escalated?.reason).toMatch(/^escalated to the stage's escalation target: no decision within the \d+ s SLA$/);
    expect(escalated?.origin).toMatchObject({ kind: 'system', component: 'sla-timer' });

    const outcome = await h.services.decisions.decide({ teamId: h.teamId, submissionId: id, actorId: boss, kind: 'approve', idempotencyKey: `b-${id}` }, slackOrigin(h.teamId));
    expect(outcome.submissionStatus).toBe('approved');
    // A late or duplicate SLA timer does nothing more.
    const state = await h.services.submissions.get(h.teamId, id);
    expect((await h.services.decisions.decide({ kind: 'timeout', teamId: h.teamId, submissionId: id, stageInstanceId: state.stages[0]?.id ?? '' }, slackOrigin(h.teamId))).events).toEqual([]);
  });

  it('auto-approves and auto-rejects at the SLA, recorded as done by the system with the rule', async () => {
    h = await createHarness();
    const [requester, alice] = h.users('REQ', 'ALICE') as [string, string];
    await h.publish(oneStageWorkflow('lenient', [alice], { slaHours: TICK_HOURS, onTimeout: 'auto_approve' }));
    await h.publish(oneStageWorkflow('strict', [alice], { slaHours: TICK_HOURS, onTimeout: 'auto_reject' }));
    const approvedId = await h.submit('lenient', requester, 'Lenient');
    const rejectedId = await h.submit('strict', requester, 'Strict');

    await waitUntil(async () => (await h.services.submissions.get(h.teamId, approvedId)).status === 'approved', 10_000, 'auto-approve');
    await waitUntil(async () => (await h.services.submissions.get(h.teamId, rejectedId)).status === 'rejected', 10_000, 'auto-reject');
    const approvedTrail = await trail(approvedId);
    expect(approvedTrail.map((e) => e.type)).toEqual(['submission.created', 'stage.opened', 'stage.approved', 'submission.approved']);
    expect(approvedTrail[2]?.capacity?.rule).toMatch(/^stage "Review" had no decision within its \d+ s SLA$/);
    expect(approvedTrail[2]?.reason).toMatch(/^approved automatically: no decision within the \d+ s SLA$/);
    const rejectedTrail = await trail(rejectedId);
    expect(rejectedTrail.map((e) => e.type)).toEqual(['submission.created', 'stage.opened', 'stage.rejected', 'submission.rejected']);
    expect(rejectedTrail[3]?.reason).toMatch(/^rejected automatically: no decision within the \d+ s SLA$/);

    // The requester hears about both outcomes; alice's cards lose their buttons.
    await waitUntil(() => postsTo(h.fake, requester).length === 4, 10_000, 'two tracking cards and two outcome notices');
    await settled(h);
    const aliceCards = postsTo(h.fake, alice).map((c) => `${String(c.response?.channel)}/${String(c.response?.ts)}`);
    expect(aliceCards).toHaveLength(2);
    for (const card of aliceCards) {
      const [channel, ts] = card.split('/');
      expect(JSON.stringify(h.fake.getMessage(channel ?? '', ts ?? '')?.blocks)).not.toContain('card.approve');
    }
  });
});
