import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/index.ts';
import { slackOrigin } from '../support/db.ts';
import { auditTypes, blockText, createHarness, oneStageWorkflow, postsTo, updatesOf, waitUntil, type Harness } from './jobs-harness.ts';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const decide = (submissionId: string, actorId: string) =>
  h.services.decisions.decide({ teamId: h.teamId, submissionId, actorId, kind: 'approve', idempotencyKey: `k-${submissionId}-${actorId}-${Date.now()}` }, slackOrigin(h.teamId));

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(DomainError);
  return (error as DomainError).code;
}

describe('out-of-office delegation handoffs', () => {
  it('starts and ends by timers: the delegate gets cards for pending items, then the cards say it ended', async () => {
    h = await createHarness();
    const [requester, alice, dave] = h.users('REQ', 'ALICE', 'DAVE') as [string, string, string];
    await h.publish(oneStageWorkflow('access', [alice]));
    const id = await h.submit('access', requester);
    await waitUntil(() => postsTo(h.fake, alice).length === 1, 10_000, 'alice card');

    const startsAt = new Date(Date.now() + 1500);
    const endsAt = new Date(Date.now() + 4000);
    const delegationId = await h.services.directory.createDelegation({ teamId: h.teamId, fromUserId: alice, toUserId: dave, startsAt, endsAt }, slackOrigin(h.teamId));
    await waitUntil(async () => (await h.sql('select 1 from scheduled_timer where delegation_id = ?', [delegationId])).length === 2, 5000, 'delegation timers');
    expect(postsTo(h.fake, dave)).toHaveLength(0);

    // Start: a card for alice's pending request and a notice, no earlier than the start.
    await waitUntil(() => postsTo(h.fake, dave).length === 2, 10_000, 'delegate card and notice');
    expect(Math.min(...postsTo(h.fake, dave).map((c) => c.at))).toBeGreaterThanOrEqual(startsAt.getTime() - 50);
    const card = postsTo(h.fake, dave).find((c) => blockText(c).includes('card.approve'));
    expect(blockText(card)).toContain('on behalf of');
    expect(postsTo(h.fake, dave).some((c) => blockText(c).includes('is away until'))).toBe(true);
    expect(await auditTypes(h)).toContain('delegation.started');

    // End: the grant lapses, the card says so, a notice is sent, and the end is audited.
    await waitUntil(() => postsTo(h.fake, dave).length === 3, 10_000, 'end notice');
    const channel = String(card?.response?.channel);
    const ts = String(card?.response?.ts);
    await waitUntil(() => updatesOf(h.fake, channel, ts).length >= 1, 5000, 'delegate card updated');
    expect(blockText(updatesOf(h.fake, channel, ts).at(-1))).toContain('has ended');
    expect(blockText(updatesOf(h.fake, channel, ts).at(-1))).not.toContain('card.approve');
    await waitUntil(async () => (await auditTypes(h)).includes('delegation.ended'), 5000, 'delegation.ended audited');
    expect(await refusalCode(decide(id, dave))).toBe('not_eligible');
    // The item is back with alice.
    expect((await decide(id, alice)).submissionStatus).toBe('approved');
  });

  it('revocation stops the grant at once, updates the delegate cards and cancels the end timer', async () => {
    h = await createHarness();
    const [requester, alice, dave] = h.users('REQ', 'ALICE', 'DAVE') as [string, string, string];
    await h.publish(oneStageWorkflow('access', [alice]));
    const delegationId = await h.services.directory.createDelegation(
      { teamId: h.teamId, fromUserId: alice, toUserId: dave, startsAt: new Date(Date.now() - 1000), endsAt: new Date(Date.now() + 3_600_000) }, slackOrigin(h.teamId),
    );
    await waitUntil(async () => (await auditTypes(h)).includes('delegation.started'), 10_000, 'started');

    // A request made while alice is away reaches both alice and her delegate.
    const id = await h.submit('access', requester);
    await waitUntil(() => postsTo(h.fake, alice).length === 1 && postsTo(h.fake, dave).some((c) => blockText(c).includes('card.approve')), 10_000, 'cards');
    const card = postsTo(h.fake, dave).find((c) => blockText(c).includes('card.approve'));

    expect(await h.services.directory.revokeDelegations(h.teamId, alice, alice, slackOrigin(h.teamId))).toBe(1);
    expect(await refusalCode(decide(id, dave))).toBe('not_eligible');
    const channel = String(card?.response?.channel);
    const ts = String(card?.response?.ts);
    await waitUntil(() => updatesOf(h.fake, channel, ts).some((c) => blockText(c).includes('revoked')), 10_000, 'card says revoked');
    await waitUntil(() => postsTo(h.fake, dave).some((c) => blockText(c).includes('revoked the delegation')), 10_000, 'revocation notice');
    const timers = await h.sql<{ name: string; outcome: string }>('select name, outcome from scheduled_timer where delegation_id = ? order by name', [delegationId]);
    expect(timers).toEqual([{ name: 'delegation-end', outcome: 'cancelled' }, { name: 'delegation-start', outcome: 'fired' }]);
    expect(await h.runtime?.queues.queue('timers').getJob(`delegation-end-${delegationId}`)).toBeFalsy();
    const types = await auditTypes(h);
    expect(types.filter((t) => t.startsWith('delegation.'))).toEqual(['delegation.created', 'delegation.started', 'delegation.revoked']);
  });
});
