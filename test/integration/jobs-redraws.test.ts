/**
 * Every decision changes every card of its stage, and every redraw is a chat.update, which Slack limits per
 * workspace (Tier 3). The redraws many events ask for merge into one job per request (which loads the request once
 * for all its cards), a redraw that would show what the card already shows calls Slack not at all, and a change
 * made while a card is being drawn is drawn after.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { queueDeliveries } from '../../src/jobs/deliveries.ts';
import { jobIds } from '../../src/jobs/registry.ts';
import { slackOrigin } from '../support/db.ts';
import { blockText, createHarness, oneStageWorkflow, postsTo, settled, updatesOf, waitUntil, type Harness } from './jobs-harness.ts';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const approve = (submissionId: string, actorId: string) =>
  h.services.decisions.decide({ teamId: h.teamId, submissionId, actorId, kind: 'approve', idempotencyKey: `approve-${submissionId}-${actorId}` }, slackOrigin(h.teamId));

/** A request to `reviewers` (all must approve) with every card posted and nothing left to do. */
async function openRequest(count: number): Promise<{ id: string; requester: string; reviewers: string[]; cards: { channel: string; ts: string }[] }> {
  const [requester, ...reviewers] = h.users('REQ', ...Array.from({ length: count }, (_, i) => `R${i}`)) as [string, ...string[]];
  await h.publish(oneStageWorkflow('redraws', reviewers, { rule: { kind: 'all' } }));
  const id = await h.submit('redraws', requester);
  await waitUntil(() => [requester, ...reviewers].every((u) => postsTo(h.fake, u).length === 1), 10_000, 'every card posted');
  await settled(h);
  const cards = [requester, ...reviewers].map((u) => {
    const post = postsTo(h.fake, u)[0];
    return { channel: String(post?.response?.channel), ts: String(post?.response?.ts) };
  });
  return { id, requester, reviewers, cards };
}

describe('card redraws', () => {
  it('draws each card once for a burst of decisions that waits behind a 429, not once per decision', async () => {
    h = await createHarness();
    const { id, reviewers, cards } = await openRequest(5);
    const updatesBefore = h.fake.callsTo('chat.update').length;
    // The first redraw is answered 429 (wait 6 s, long enough for the four decisions even on a busy machine): the
    // workspace's chat.update calls pause, the redraws queue up.
    h.fake.rateLimitNext('chat.update', 6);
    for (const reviewer of reviewers.slice(0, 4)) await approve(id, reviewer);
    await settled(h, 25_000);

    const updates = h.fake.callsTo('chat.update').slice(updatesBefore).filter((c) => c.response?.ok === true);
    // Four decisions each asked for every card (six of them): 24 redraws; merged, about one per card.
    expect(updates.length).toBeLessThanOrEqual(cards.length + 2);
    for (const card of cards) {
      const last = updatesOf(h.fake, card.channel, card.ts).at(-1);
      expect(blockText(last), `card ${card.channel} shows every approval`).toContain('4 of 5');
    }
    const intents = await h.sql<{ job_id: string; requests: number }>("select job_id, requests from delivery_intent where team_id = ? and name = 'redraw' and done_at is not null", [h.teamId]);
    expect(intents.map((i) => i.job_id)).toEqual([jobIds.redraw(id)]);
    expect(intents[0]?.requests, 'every decision asked for the cards').toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('makes no Slack call for a redraw of a card that already shows the request as it is', async () => {
    h = await createHarness();
    const { id, reviewers } = await openRequest(2);
    await approve(id, reviewers[0] ?? '');
    await settled(h);
    const updatesBefore = h.fake.callsTo('chat.update').length;
    const runtime = h.runtime;
    if (!runtime) throw new Error('no runtime');
    const card = { kind: 'reviewer' as const, stageInstanceId: (await h.services.submissions.get(h.teamId, id)).stages[0]?.id ?? null, recipientId: reviewers[1] ?? '', delegationId: null };
    const jobId = jobIds.redraw(id);
    await queueDeliveries(runtime.context, [{ queue: 'slack', name: 'redraw', data: { teamId: h.teamId, submissionId: id, cards: [card] }, jobId }]);
    await waitUntil(async () => (await h.sql('select 1 from delivery_intent where job_id = ? and done_at is not null', [jobId])).length === 1, 10_000, 'the redraw finished');
    await settled(h);
    expect(h.fake.callsTo('chat.update').slice(updatesBefore)).toEqual([]);
  });

  it('draws again a change made while the card was being drawn', async () => {
    h = await createHarness();
    const { id, reviewers, cards } = await openRequest(3);
    const [alice, bob] = reviewers as [string, string];
    // The redraw alice's approval causes (four cards, one after another) reaches Slack with its first card and waits for its answer.
    const held = h.fake.holdNext('chat.update', 1);
    await approve(id, alice);
    await held.held;
    await approve(id, bob);
    // Bob's decision is relayed and handled while the redraws still wait: it asks for every card again.
    await waitUntil(async () => (await h.sql('select 1 from outbox where submission_id = ? and processed_at is null', [id])).length === 0, 10_000, "bob's events handled");
    held.release();
    await settled(h, 20_000);
    for (const card of cards) {
      expect(blockText(updatesOf(h.fake, card.channel, card.ts).at(-1)), `card ${card.channel} shows bob's approval`).toContain('2 of 3');
    }
    expect(await h.sql("select job_id from delivery_intent where team_id = ? and done_at is null", [h.teamId])).toEqual([]);
  });

  it('draws the cards of every ask that came while its request waited, and only those', async () => {
    h = await createHarness();
    const { id, requester, reviewers } = await openRequest(2);
    const runtime = h.runtime;
    if (!runtime) throw new Error('no runtime');
    const stageInstanceId = (await h.services.submissions.get(h.teamId, id)).stages[0]?.id ?? null;
    // Every card thinks it shows something older, so each asked-for card needs a chat.update.
    await h.sql("update slack_message set drawn_version = 'older' where submission_id = ?", [id]);
    const card = (kind: 'requester' | 'reviewer', recipientId: string) => ({ kind, stageInstanceId: kind === 'reviewer' ? stageInstanceId : null, recipientId, delegationId: null });
    const ask = (c: ReturnType<typeof card>) => queueDeliveries(runtime.context, [{ queue: 'slack', name: 'redraw', data: { teamId: h.teamId, submissionId: id, cards: [c] }, jobId: jobIds.redraw(id) }]);
    const requestsOf = async () => (await h.sql<{ requests: number }>('select requests from delivery_intent where job_id = ? and done_at is not null', [jobIds.redraw(id)]))[0]?.requests ?? 0;
    const requestsBefore = await requestsOf();
    const updatesBefore = h.fake.callsTo('chat.update').length;
    // The first ask's update is answered 429: its job waits with the requester's card still to draw, and the
    // second ask (another card) comes while it waits.
    h.fake.rateLimitNext('chat.update', 2);
    await ask(card('requester', requester));
    await waitUntil(() => h.fake.callsTo('chat.update').length > updatesBefore, 10_000, 'the first redraw reached Slack');
    await ask(card('reviewer', reviewers[0] ?? ''));
    await settled(h, 20_000);
    const drawnFor = h.fake.callsTo('chat.update').slice(updatesBefore).filter((c) => c.response?.ok === true).map((c) => String(c.args.channel));
    const dmOf = (user: string) => String(postsTo(h.fake, user)[0]?.response?.channel);
    expect(drawnFor.sort()).toEqual([dmOf(requester), dmOf(reviewers[0] ?? '')].sort());
    expect(await requestsOf(), 'both asks counted on the one intent, which is done').toBe(requestsBefore + 2);
  });
});
