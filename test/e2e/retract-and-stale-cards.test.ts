/**
 * Retract from the card and from Home (reason required, in a confirmation modal), deciding again afterwards with
 * the quorum counted right; stale Reject / Request changes refused before the reason modal opens; and a card
 * that loses its buttons after any refusal that means "you can no longer act here".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOME_IDS } from '../../blocks/admin/ids.ts';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../../blocks/ids.ts';
import { slackOrigin } from '../support/db.ts';
import type { RecordedCall } from '../support/fake-slack.ts';
import { appHomeOpenedEvent } from '../support/slack-requests.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { blocksText, callsSince, eventually, fileAdmin, mark, nextView, postReviewerCard, setupTeam, submitted, type PostedCard, type Team } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin], worker: true });
});
afterAll(async () => {
  await started.stop();
});

/** The finance stage needs everyone in the role (three people). */
async function everyoneMustApprove(team: Team): Promise<void> {
  await started.app.services.workflows.publish(team.teamId, team.admin, {
    key: 'purchase-order', name: 'Purchase order',
    fields: [{ id: 'vendor', label: 'Vendor', type: 'short_text', required: true }, { id: 'amount', label: 'Amount', type: 'currency', currency: 'USD', required: true }, { id: 'notes', label: 'Notes', type: 'long_text' }],
    stages: [{ id: 'finance', name: 'Finance review', step: 1, approvers: [{ type: 'role', role: 'finance' }], rule: { kind: 'all' } }],
  }, slackOrigin(team.teamId));
}

const click = (team: Team, userId: string, card: PostedCard, actionId: string) =>
  started.requests.action({ teamId: team.teamId, userId, actionId, value: card.value, message: { channelId: card.channelId, ts: card.ts } });

/** The card as Slack now shows it, once it has been redrawn after `since` and `check` holds for it. */
async function redrawn(card: PostedCard, since: number, check: (text: string) => void): Promise<string> {
  return eventually(() => {
    const updates = callsSince(started, since, 'chat.update', (a) => a.ts === card.ts && a.channel === card.channelId);
    expect(updates.length).toBeGreaterThan(0);
    const text = blocksText(started.slack.getMessage(card.channelId, card.ts) as unknown as Record<string, unknown>);
    check(text);
    return text;
  }, 8000);
}

async function ephemeral(userId: string, since: number): Promise<string> {
  return eventually(() => {
    const [call] = callsSince(started, since, 'chat.postEphemeral', (a) => a.user === userId);
    expect(call).toBeDefined();
    return blocksText((call as RecordedCall).args);
  });
}

const reasonValues = (reason: string) => ({ [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: reason } } });

describe('retracting an approval', () => {
  it('from the card: a modal asks why, the card gets its buttons back, and an "everyone" stage still completes', async () => {
    const team = await setupTeam(started);
    await everyoneMustApprove(team);
    const request = await submitted(started, team, { title: 'Server rack', vendor: 'Rackco', amount: '9000' });
    const [f1, f2, f3] = team.finance;
    const card = await postReviewerCard(started, team, request.id, f1);

    let since = mark(started);
    await click(team, f1, card, ACTION_IDS.approve);
    await redrawn(card, since, (text) => {
      expect(text).toContain('You approved');
      expect(text).toContain(ACTION_IDS.retract);
      expect(text).not.toContain(ACTION_IDS.approve);
    });

    since = mark(started);
    await click(team, f1, card, ACTION_IDS.retract);
    const modal = await nextView(started, since);
    expect(modal.callbackId).toBe(CALLBACK_IDS.decisionModal);
    expect(JSON.stringify(modal.blocks)).toContain('Why are you retracting your approval?');
    const submit = (reason: string) => started.requests.submitView({
      teamId: team.teamId, userId: f1, view: { id: modal.id, callbackId: modal.callbackId, privateMetadata: modal.privateMetadata, blocks: modal.blocks }, values: reasonValues(reason),
    });
    expect((await submit('  ')).json).toEqual({ response_action: 'errors', errors: { [BLOCK_IDS.reason]: 'Please say why you are retracting your approval.' } });
    since = mark(started);
    expect((await submit('The amount was wrong')).json?.response_action).toBe('update');
    await redrawn(card, since, (text) => {
      expect(text).toContain('retracted your approval');
      expect(text).toContain(ACTION_IDS.approve);
    });

    // Deciding again is allowed and counts once; with the other two the "everyone" stage completes.
    since = mark(started);
    await click(team, f1, card, ACTION_IDS.approve);
    await redrawn(card, since, (text) => expect(text).toContain('You approved'));
    for (const person of [f2, f3]) {
      const theirs = await postReviewerCard(started, team, request.id, person);
      await click(team, person, theirs, ACTION_IDS.approve);
    }
    const done = await eventually(async () => {
      const state = await started.app.services.submissions.get(team.teamId, request.id);
      expect(state.status).toBe('approved');
      return state;
    });
    const decisions = done.stages[0]?.decisions.map((d) => [d.kind, d.actorId, d.retractedAt !== null]) ?? [];
    expect(decisions.slice(0, 3)).toEqual([['approve', f1, true], ['retract', f1, false], ['approve', f1, false]]);
    // f2 and f3 clicked one after the other; which of their decisions is recorded first is not the point here.
    expect(decisions.slice(3)).toEqual(expect.arrayContaining([['approve', f2, false], ['approve', f3, false]]));
    expect(decisions).toHaveLength(5);
    expect(callsSince(started, 0, 'chat.postEphemeral', (a) => a.user === f1)).toEqual([]);
    const trail = await started.app.services.audit.submissionTrail(request.id);
    expect(trail.find((r) => r.type === 'decision.retracted')?.reason).toBe('The amount was wrong');
  });

  it('from the Home tab, while the stage is open', async () => {
    const team = await setupTeam(started);
    await everyoneMustApprove(team);
    const request = await submitted(started, team, { title: 'Office chairs', vendor: 'Ikea', amount: '800' });
    const f2 = team.finance[1];
    const card = await postReviewerCard(started, team, request.id, f2);
    let since = mark(started);
    await click(team, f2, card, ACTION_IDS.approve);
    await redrawn(card, since, (text) => expect(text).toContain('You approved'));

    since = mark(started);
    await started.requests.event(appHomeOpenedEvent({ teamId: team.teamId, userId: f2 }));
    const home = await started.slack.waitFor((c) => c.method === 'views.publish' && c.args.user_id === f2 && started.slack.calls.indexOf(c) >= since);
    const view = home.response?.view as { id: string; blocks: { block_id?: string; elements?: { action_id?: string; value?: string }[] }[] };
    const row = view.blocks.find((b) => b.block_id === HOME_IDS.retractActions(card.stageInstanceId));
    const button = row?.elements?.find((e) => e.action_id === ACTION_IDS.retract);
    expect(button?.value).toBe(card.value);

    since = mark(started);
    await started.requests.action({ teamId: team.teamId, userId: f2, actionId: ACTION_IDS.retract, value: button?.value ?? '', view: { id: view.id } });
    const modal = await nextView(started, since);
    since = mark(started);
    await started.requests.submitView({
      teamId: team.teamId, userId: f2, view: { id: modal.id, callbackId: modal.callbackId, privateMetadata: modal.privateMetadata, blocks: modal.blocks }, values: reasonValues('Need a second quote'),
    });
    const state = await eventually(async () => {
      const current = await started.app.services.submissions.get(team.teamId, request.id);
      expect(current.stages[0]?.decisions.at(-1)?.kind).toBe('retract');
      return current;
    });
    expect(state.status).toBe('in_review');
    await redrawn(card, since, (text) => expect(text).toContain(ACTION_IDS.approve));
  });
});

describe('a card that is out of date', () => {
  it('refuses Reject and Request changes before the reason modal opens, and loses its buttons', async () => {
    const team = await setupTeam(started);
    const request = await submitted(started, team, { title: 'Team lunch', vendor: 'Deli', amount: '120' });
    const card = await postReviewerCard(started, team, request.id, team.manager);
    // Another copy of the same card (say, on a second device) stays as it was when the stage opened.
    const stale = { ...card };
    let since = mark(started);
    await click(team, team.manager, card, ACTION_IDS.approve);
    await redrawn(card, since, (text) => expect(text).not.toContain(ACTION_IDS.reject));

    for (const actionId of [ACTION_IDS.reject, ACTION_IDS.requestChanges]) {
      since = mark(started);
      await click(team, team.manager, stale, actionId);
      expect(await ephemeral(team.manager, since)).toContain('This card is out of date');
      expect(callsSince(started, since, 'views.open')).toEqual([]);
      await redrawn(card, since, (text) => {
        expect(text).not.toContain(ACTION_IDS.reject);
        expect(text).not.toContain(ACTION_IDS.approve);
      });
    }
    const trail = await started.app.services.audit.submissionTrail(request.id);
    expect(trail.filter((r) => r.type === 'decision.refused').map((r) => [r.details.action, r.details.code])).toEqual([['reject', 'stale'], ['request_changes', 'stale']]);
  });

  it('loses its buttons when its reader is no longer an approver (refused as not eligible)', async () => {
    const team = await setupTeam(started);
    const request = await submitted(started, team, { title: 'Projector', vendor: 'Beamr', amount: '700' });
    const managerCard = await postReviewerCard(started, team, request.id, team.manager);
    await click(team, team.manager, managerCard, ACTION_IDS.approve);
    await eventually(async () => expect((await started.app.services.submissions.get(team.teamId, request.id)).stages.map((s) => s.stageId)).toContain('finance'));
    const f3 = team.finance[2];
    const card = await postReviewerCard(started, team, request.id, f3, 'finance');
    expect(blocksText(started.slack.getMessage(card.channelId, card.ts) as unknown as Record<string, unknown>)).toContain(ACTION_IDS.approve);
    // An admin takes f3 out of the finance role while the card is on their screen.
    await started.app.services.directory.setRole(team.teamId, team.admin, { name: 'finance', members: [team.finance[0], team.finance[1]] }, slackOrigin(team.teamId));

    const since = mark(started);
    await click(team, f3, card, ACTION_IDS.approve);
    expect(await ephemeral(f3, since)).toContain('You are not one of the approvers');
    await redrawn(card, since, (text) => {
      expect(text).not.toContain(ACTION_IDS.approve);
      expect(text).toContain('You are no longer asked to decide on this stage');
    });
  });
});
