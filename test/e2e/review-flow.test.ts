import { splitOriginChannel } from '../../blocks/metadata.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, fieldBlockId } from '../../blocks/ids.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import {
  blocksText, callsSince, eventually, fileAdmin, formValues, latestRequest, mark, nextView, postOutcomeNotice, postReviewerCard,
  setupTeam, submitted, submitThroughSlack, type PostedCard, type Team,
} from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin], worker: true });
});
afterAll(async () => {
  await started.stop();
});

const click = (team: Team, userId: string, card: PostedCard, actionId: string = ACTION_IDS.approve, actionTs?: string) =>
  started.requests.action({ teamId: team.teamId, userId, actionId, value: card.value, message: { channelId: card.channelId, ts: card.ts }, ...(actionTs ? { actionTs } : {}) });

/** Waits for the app to redraw this card `times` times and returns the latest drawing. */
async function cardUpdates(card: PostedCard, since: number, times = 1) {
  return eventually(() => {
    const updates = callsSince(started, since, 'chat.update', (a) => a.ts === card.ts);
    expect(updates.length).toBeGreaterThanOrEqual(times);
    for (const u of updates) expect(u.response?.ok).toBe(true);
    return updates;
  });
}

/**
 * Waits for the worker to draw this card with `text` (the drawing of an earlier change, e.g. a refused click's
 * redraw, may land after `since` too) and returns that drawing.
 */
async function cardRedrawnWith(card: PostedCard, since: number, text: string) {
  return eventually(() => {
    const drawn = callsSince(started, since, 'chat.update', (a) => a.ts === card.ts && blocksText(a).includes(text));
    expect(drawn.length).toBeGreaterThanOrEqual(1);
    return drawn[drawn.length - 1];
  });
}

async function ephemeralsTo(userId: string, since: number, count = 1) {
  return eventually(() => {
    const sent = callsSince(started, since, 'chat.postEphemeral', (a) => a.user === userId);
    expect(sent.length).toBeGreaterThanOrEqual(count);
    return sent.map((c) => blocksText(c.args));
  });
}

describe('a request through two stages (manager, then 2 of finance)', () => {
  it('is submitted from the modal, approved by card clicks, and refuses what it must', async () => {
    const team = await setupTeam(started);
    const request = await submitted(started, team, { title: 'Three laptops', vendor: 'Acme & Co', amount: '4,500.00', notes: 'For the new hires' });
    expect(request).toMatchObject({ status: 'in_review', title: 'Three laptops', fields: { vendor: 'Acme & Co', amount: 4500, notes: 'For the new hires' } });
    expect(request.stages.map((s) => [s.stageId, s.status])).toEqual([['manager', 'open']]);

    const managerCard = await postReviewerCard(started, team, request.id, team.manager);

    // Someone who is not asked: refused with the reason, nothing recorded.
    let since = mark(started);
    expect((await click(team, team.outsider, managerCard)).status).toBe(200);
    expect((await ephemeralsTo(team.outsider, since))[0]).toContain('You are not one of the approvers of stage');

    // The requester on their own request.
    since = mark(started);
    await click(team, team.requester, managerCard);
    expect((await ephemeralsTo(team.requester, since))[0]).toContain('You cannot decide on your own request.');
    expect((await started.app.services.submissions.get(team.teamId, request.id)).stages[0]?.decisions).toEqual([]);

    // The manager approves: the card is redrawn with the outcome, the finance stage opens.
    since = mark(started);
    const ack = await click(team, team.manager, managerCard);
    expect(ack.status).toBe(200);
    const update = await cardRedrawnWith(managerCard, since, 'You approved');
    expect(blocksText(update?.args ?? {})).not.toContain(ACTION_IDS.approve);
    let state = await started.app.services.submissions.get(team.teamId, request.id);
    expect(state.stages.map((s) => [s.stageId, s.status])).toEqual([['manager', 'approved'], ['finance', 'open']]);

    // The same (now stale) card clicked again: told it is out of date, card redrawn.
    since = mark(started);
    await click(team, team.manager, managerCard);
    expect((await ephemeralsTo(team.manager, since))[0]).toContain('This card is out of date');
    await cardUpdates(managerCard, since);

    const [f1, f2, f3] = team.finance;
    const card1 = await postReviewerCard(started, team, request.id, f1);
    const card2 = await postReviewerCard(started, team, request.id, f2);
    const card3 = await postReviewerCard(started, team, request.id, f3);
    expect(card1.stageInstanceId).toBe(state.stages[1]?.id);

    // A double click: two distinct payloads at once; one approval, one "already decided".
    since = mark(started);
    await Promise.all([click(team, f1, card1), click(team, f1, card1)]);
    expect((await ephemeralsTo(f1, since))[0]).toContain('You have already had your say');
    await cardUpdates(card1, since, 2);
    state = await started.app.services.submissions.get(team.teamId, request.id);
    expect(state.stages[1]?.decisions.map((d) => [d.kind, d.actorId])).toEqual([['approve', f1]]);
    expect(state.stages[1]?.status).toBe('open');

    // Slack retries the same delivery: the same decision, recorded once, and no refusal shown.
    since = mark(started);
    const fixedTs = '1763800000.000777';
    await click(team, f2, card2, ACTION_IDS.approve, fixedTs);
    await cardUpdates(card2, since);
    const retry = await started.requests.action(
      { teamId: team.teamId, userId: f2, actionId: ACTION_IDS.approve, value: card2.value, message: { channelId: card2.channelId, ts: card2.ts }, actionTs: fixedTs },
      { retryNum: 1 },
    );
    expect(retry.status).toBe(200);
    // The decision and the stage it completes redraw the card (one drawing when the second comes before the first is drawn).
    await cardRedrawnWith(card2, since, 'You approved');
    expect(callsSince(started, since, 'chat.postEphemeral', (a) => a.user === f2)).toEqual([]);

    state = await started.app.services.submissions.get(team.teamId, request.id);
    expect(state.status).toBe('approved');
    expect(state.stages[1]?.decisions.map((d) => [d.kind, d.actorId])).toEqual([['approve', f1], ['approve', f2]]);

    // The third finance reviewer is too late.
    since = mark(started);
    await click(team, f3, card3);
    expect((await ephemeralsTo(f3, since))[0]).toContain('already been approved');
    await cardRedrawnWith(card3, since, 'nothing more needed');

    const trail = await started.app.services.audit.submissionTrail(request.id);
    expect(trail.filter((e) => e.type === 'decision.approved')).toHaveLength(3);
    expect(trail.filter((e) => e.type === 'decision.refused').map((e) => e.details.code)).toEqual(['not_eligible', 'self_decision', 'stale', 'already_decided', 'not_active']);
    expect((await started.app.services.audit.verify(team.teamId)).ok).toBe(true);
  });

  it('shows form problems inline and creates nothing', async () => {
    const team = await setupTeam(started);
    const response = await submitThroughSlack(started, team, { title: 'Bad one', vendor: '', amount: 'lots' });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      response_action: 'errors',
      errors: { [fieldBlockId('vendor')]: 'Vendor is required', [fieldBlockId('amount')]: 'Amount must be a number' },
    });
    expect(await started.app.services.submissions.listByRequester(team.teamId, team.requester)).toEqual([]);
  });

  it('updates the modal to the picked workflow\'s form', async () => {
    const team = await setupTeam(started);
    let since = mark(started);
    await started.requests.command({ teamId: team.teamId, userId: team.requester, text: '' });
    const picker = await nextView(started, since);
    expect(JSON.stringify(picker.blocks)).toContain(ACTION_IDS.workflowPicker);
    expect(picker.blocks.some((b) => b.block_id === fieldBlockId('vendor'))).toBe(false);

    since = mark(started);
    await started.requests.action({
      teamId: team.teamId, userId: team.requester, actionId: ACTION_IDS.workflowPicker, blockId: BLOCK_IDS.workflowPicker,
      selectedOption: { text: 'Purchase order', value: 'purchase-order' },
      view: { id: picker.id, hash: picker.hash, privateMetadata: picker.privateMetadata, callbackId: picker.callbackId },
    });
    const form = await nextView(started, since, 'views.update');
    expect(form.blocks.flatMap((b) => (b.type === 'context' ? [] : [b.block_id]))).toEqual([BLOCK_IDS.workflowPicker, BLOCK_IDS.title, ...['vendor', 'amount', 'notes'].map(fieldBlockId)]);
    expect(JSON.parse(splitOriginChannel(form.privateMetadata).metadata)).toMatchObject({ k: 'purchase-order', v: 1 });
  });
});

describe('decisions that need a reason', () => {
  it('request changes (reason required inline), then revise and resubmit as a linked request', async () => {
    const team = await setupTeam(started);
    const request = await submitted(started, team, { title: 'Team offsite', vendor: 'Hotel', amount: '900' });
    const card = await postReviewerCard(started, team, request.id, team.manager);

    let since = mark(started);
    await click(team, team.manager, card, ACTION_IDS.requestChanges);
    const modal = await nextView(started, since);
    expect(modal.callbackId).toBe(CALLBACK_IDS.decisionModal);

    const submit = (reason: string) => started.requests.submitView({
      teamId: team.teamId, userId: team.manager,
      view: { id: modal.id, callbackId: modal.callbackId, privateMetadata: modal.privateMetadata, blocks: modal.blocks },
      values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: reason } } },
    });
    since = mark(started);
    const blank = await submit('   ');
    expect(blank.json).toEqual({ response_action: 'errors', errors: { [BLOCK_IDS.reason]: 'Please say what should change.' } });
    expect((await started.app.services.submissions.get(team.teamId, request.id)).status).toBe('in_review');
    // The refusal redraws the manager's card too (from the unchanged request); let that land first.
    await cardUpdates(card, since);

    since = mark(started);
    const done = await submit('Please add the <venue> & dates');
    expect(done.json?.response_action).toBe('update');
    const old = await started.app.services.submissions.get(team.teamId, request.id);
    expect(old.status).toBe('changes_requested');
    expect(old.stages[0]?.decisions[0]).toMatchObject({ kind: 'request_changes', actorId: team.manager, reason: 'Please add the <venue> & dates' });
    await cardRedrawnWith(card, since, 'You requested changes');

    // The requester revises from the outcome notice: the form opens pre-filled and links to the old request.
    const notice = await postOutcomeNotice(started, team, request.id);
    since = mark(started);
    await started.requests.action({ teamId: team.teamId, userId: team.requester, actionId: ACTION_IDS.resubmit, value: notice.value, message: { channelId: notice.channelId, ts: notice.ts } });
    const form = await nextView(started, since);
    expect(JSON.parse(splitOriginChannel(form.privateMetadata).metadata)).toEqual({ k: 'purchase-order', v: 1, p: request.id });
    expect(JSON.stringify(form.blocks)).toContain('"initial_value":"Team offsite"');
    expect(JSON.stringify(form.blocks)).toContain('"initial_value":"Hotel"');

    const resubmitted = await started.requests.submitView({
      teamId: team.teamId, userId: team.requester,
      view: { id: form.id, callbackId: form.callbackId, privateMetadata: form.privateMetadata, blocks: form.blocks },
      values: formValues({ title: 'Team offsite (venue and dates)', vendor: 'Hotel Alpine', amount: '950', notes: '12-14 March' }),
    });
    expect(resubmitted.json?.response_action).toBe('update');
    const revised = await latestRequest(started, team);
    expect(revised).toMatchObject({ predecessorId: request.id, status: 'in_review', title: 'Team offsite (venue and dates)' });
  });

  it('reject from the finance stage ends the request with the reason', async () => {
    const team = await setupTeam(started);
    const request = await submitted(started, team, { title: 'Conference', vendor: 'Expo', amount: '2000' });
    const managerCard = await postReviewerCard(started, team, request.id, team.manager);
    let since = mark(started);
    await click(team, team.manager, managerCard);
    await cardUpdates(managerCard, since);

    const card = await postReviewerCard(started, team, request.id, team.finance[0], 'finance');
    since = mark(started);
    await click(team, team.finance[0], card, ACTION_IDS.reject);
    const modal = await nextView(started, since);
    since = mark(started);
    const done = await started.requests.submitView({
      teamId: team.teamId, userId: team.finance[0],
      view: { id: modal.id, callbackId: modal.callbackId, privateMetadata: modal.privateMetadata, blocks: modal.blocks },
      values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: 'Over the travel budget' } } },
    });
    expect(done.json?.response_action).toBe('update');
    const state = await started.app.services.submissions.get(team.teamId, request.id);
    expect(state.status).toBe('rejected');
    await cardRedrawnWith(card, since, 'You rejected');
  });

  it('delegate hands the decision to the picked person, who can then approve', async () => {
    const team = await setupTeam(started);
    const request = await submitted(started, team, { title: 'Chairs', vendor: 'Ikea', amount: '300' });
    const card = await postReviewerCard(started, team, request.id, team.manager);
    let since = mark(started);
    await click(team, team.manager, card, ACTION_IDS.delegate);
    const modal = await nextView(started, since);
    since = mark(started);
    const done = await started.requests.submitView({
      teamId: team.teamId, userId: team.manager,
      view: { id: modal.id, callbackId: modal.callbackId, privateMetadata: modal.privateMetadata, blocks: modal.blocks },
      values: {
        [BLOCK_IDS.delegateTo]: { [ACTION_IDS.delegateTo]: { type: 'users_select', selected_user: team.cfo } },
        [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: 'On leave' } },
      },
    });
    expect(done.json?.response_action).toBe('update');
    await cardRedrawnWith(card, since, `You handed this to <@${team.cfo}>`);
    const delegateCard = await postReviewerCard(started, team, request.id, team.cfo);
    since = mark(started);
    await click(team, team.cfo, delegateCard);
    await cardRedrawnWith(delegateCard, since, 'You approved');
    const state = await started.app.services.submissions.get(team.teamId, request.id);
    expect(state.stages[0]).toMatchObject({ status: 'approved' });
    expect(state.stages[0]?.decisions.map((d) => [d.kind, d.actorId, d.principalId])).toEqual([['delegate', team.manager, team.manager], ['approve', team.cfo, team.manager]]);
  });
});
