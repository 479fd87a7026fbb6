import { afterEach, describe, expect, it } from 'vitest';
import { slackOrigin } from '../support/db.ts';
import { auditTypes, blockText, cardRows, createHarness, oneStageWorkflow, postsTo, settled, updatesOf, waitUntil, type Harness } from './jobs-harness.ts';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const approve = (submissionId: string, actorId: string) =>
  h.services.decisions.decide({ teamId: h.teamId, submissionId, actorId, kind: 'approve', idempotencyKey: `approve-${submissionId}-${actorId}` }, slackOrigin(h.teamId));

describe('cards delivered from the outbox', () => {
  it('DMs each reviewer a card and the requester a tracking card, updates them in place, and ends with an outcome notice', async () => {
    h = await createHarness();
    const [requester, alice, bob] = h.users('REQ', 'ALICE', 'BOB') as [string, string, string];
    await h.publish(oneStageWorkflow('access', [alice, bob], { rule: { kind: 'all' }, reminderEveryHours: 12 }));
    const id = await h.submit('access', requester);

    await waitUntil(() => postsTo(h.fake, alice).length === 1 && postsTo(h.fake, bob).length === 1 && postsTo(h.fake, requester).length === 1, 10_000, 'three cards');
    const aliceCard = postsTo(h.fake, alice)[0];
    expect(blockText(aliceCard)).toContain('card.approve');
    // SLA and reminders are scheduled in Postgres and in Redis.
    const timers = await waitUntil(async () => {
      const rows = await h.sql<{ job_id: string; name: string; done_at: Date | null }>('select job_id, name, done_at from scheduled_timer where team_id = ? order by fire_at', [h.teamId]);
      return rows.length === 4 && rows;
    }, 5000, 'timers recorded');
    expect(timers.map((t) => t.name)).toEqual(['reminder', 'reminder', 'reminder', 'sla']);
    const slaJobId = timers.find((t) => t.name === 'sla')?.job_id ?? '';
    expect(slaJobId).toMatch(/^sla-[0-9a-f-]{36}$/);
    await waitUntil(() => h.runtime?.queues.queue('timers').getJob(slaJobId), 5000, 'SLA job in Redis');

    // The requester and alice have the Home tab open; bob never opened it.
    await h.services.home.markOpened(h.teamId, requester);
    await h.services.home.markOpened(h.teamId, alice);
    await approve(id, alice);
    const aliceTs = String(aliceCard?.response?.ts);
    const aliceChannel = String(aliceCard?.response?.channel);
    await waitUntil(() => updatesOf(h.fake, aliceChannel, aliceTs).length >= 1, 10_000, 'alice card update');
    expect(blockText(updatesOf(h.fake, aliceChannel, aliceTs).at(-1))).not.toContain('card.approve');

    // App Home is republished for the people involved who are looking at it, a burst of events coalesced into few publishes.
    await waitUntil(() => [requester, alice].every((u) => h.fake.callsTo('views.publish').some((c) => c.args.user_id === u && c.response?.ok === true)), 10_000, 'home refreshed');

    await approve(id, bob);
    await waitUntil(() => postsTo(h.fake, requester).length === 2, 10_000, 'outcome notice');
    expect(postsTo(h.fake, requester)[1]?.args.text).toMatch(/approved/i);
    // No second card to anyone: everything after the first post was an update.
    expect(postsTo(h.fake, alice)).toHaveLength(1);
    expect(postsTo(h.fake, bob)).toHaveLength(1);
    // Bob's Home tab was not drawn in the background: it is drawn when he opens it.
    await waitUntil(async () => {
      const counts = await h.runtime?.queues.queue('slack').getJobCounts('waiting', 'delayed', 'active');
      return counts && Object.values(counts).every((n) => n === 0);
    }, 10_000, 'every Slack job done');
    expect(h.fake.callsTo('views.publish').filter((c) => c.args.user_id === bob)).toEqual([]);
    const rows = await cardRows(h, id);
    expect(rows.map((r) => r.kind).sort()).toEqual(['outcome', 'requester', 'reviewer', 'reviewer']);
    expect(rows.every((r) => r.ts !== null)).toBe(true);
    // The stage completed: its timers are cancelled in Postgres and gone from Redis.
    await waitUntil(async () => (await h.sql<{ n: string }>("select count(*) as n from scheduled_timer where team_id = ? and done_at is null", [h.teamId]))[0]?.n === '0', 5000, 'timers cancelled');
    expect(await h.runtime?.queues.queue('timers').getJob(slaJobId)).toBeFalsy();
  });

  it('delivers every message exactly once when Slack answers 429 and 500', async () => {
    h = await createHarness();
    const [requester, alice, bob] = h.users('REQ', 'ALICE', 'BOB') as [string, string, string];
    await h.publish(oneStageWorkflow('access', [alice, bob]));
    h.fake.rateLimitNext('chat.postMessage', 1);
    h.fake.serverErrorNext('chat.postMessage', 500);
    h.fake.serverErrorNext('chat.postMessage', 503);
    const started = Date.now();
    await h.submit('access', requester);

    await waitUntil(() => postsTo(h.fake, alice).length === 1 && postsTo(h.fake, bob).length === 1 && postsTo(h.fake, requester).length === 1, 15_000, 'cards after faults');
    const answers = h.fake.callsTo('chat.postMessage').map((c) => c.status);
    expect(answers.filter((s) => s === 429)).toHaveLength(1);
    expect(answers.filter((s) => s !== undefined && s >= 500)).toHaveLength(2);
    // Retry-After: 1 was honoured before the rate-limited message went out again (calls already in flight may finish).
    const limited = h.fake.callsTo('chat.postMessage').find((c) => c.status === 429);
    const resent = h.fake.callsTo('chat.postMessage').find((c) => c.status === 200 && c.args.channel === limited?.args.channel && c.args.text === limited?.args.text);
    expect((resent?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(15_000);
    // Once everything is delivered and no retry is left to run, there must be no duplicate.
    await settled(h);
    expect(postsTo(h.fake, alice)).toHaveLength(1);
    expect(postsTo(h.fake, bob)).toHaveLength(1);
    expect(postsTo(h.fake, requester)).toHaveLength(1);
  });

  it('delivers a burst of cards to one person once each, paced by Slack\'s per-channel posting limit', async () => {
    h = await createHarness();
    const [requester, alice] = h.users('REQ', 'ALICE') as [string, string];
    await h.publish(oneStageWorkflow('access', [alice]));
    // Six requests at once: six tracking cards for the requester's DM and six cards for alice's, more than Slack posts to one channel in a burst.
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => h.submit('access', requester, `Access ${i}`)));
    await waitUntil(() => postsTo(h.fake, requester).length === 6 && postsTo(h.fake, alice).length === 6, 20_000, 'twelve cards');
    expect(h.fake.callsTo('chat.postMessage').filter((c) => c.status === 429).length).toBeGreaterThan(0);
    await settled(h);
    for (const person of [requester, alice]) {
      const cards = postsTo(h.fake, person).map((c) => JSON.stringify(c.args.blocks));
      expect(ids.map((id) => cards.filter((card) => card.includes(id)).length), person).toEqual(Array(6).fill(1));
    }
  });

  it('records a permanent Slack error for admins and in the audit trail, and the approval goes on', async () => {
    h = await createHarness();
    const [requester, alice, gone] = h.users('REQ', 'ALICE', 'GONE') as [string, string, string];
    h.fake.addUser({ id: gone, name: 'gone', deleted: true });
    await h.publish(oneStageWorkflow('access', [alice, gone]));
    const id = await h.submit('access', requester);

    await waitUntil(async () => (await h.services.delivery.notificationFailures(h.teamId, h.admin)).length > 0, 10_000, 'failure recorded');
    const [failure] = await h.services.delivery.notificationFailures(h.teamId, h.admin);
    expect(failure).toMatchObject({ kind: 'reviewer', recipientId: gone, submissionId: id, error: 'is_archived' });
    expect(await auditTypes(h, id)).toContain('notification.failed');
    // Tried once: a permanent error is not retried.
    expect(h.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === gone)).toHaveLength(1);

    const outcome = await approve(id, alice);
    expect(outcome.submissionStatus).toBe('approved');
    await waitUntil(() => postsTo(h.fake, requester).length === 2, 10_000, 'outcome notice');
    await expect(h.services.delivery.notificationFailures(h.teamId, alice)).rejects.toThrow(/admins/);
  });
});
