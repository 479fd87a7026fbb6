/**
 * What people read on their cards: the requester sees reviewers' comments on the tracking card, reviewers see
 * why a request was withdrawn, and a title at its 150-character limit is readable in full on every surface.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS } from '../../blocks/ids.ts';
import { escapeMrkdwn } from '../../blocks/text.ts';
import { MAX_TITLE_LENGTH, shortIdOf } from '../../src/domain/index.ts';
import { appHomeOpenedEvent } from '../support/slack-requests.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { blocksText, eventually, fileAdmin, mark, nextView, postOutcomeNotice, modalDecision, postReviewerCard, setupTeam, submitted, type Team } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin], worker: true });
});
afterAll(async () => {
  await started.stop();
});

const shown = (where: { channelId: string; ts: string }): string => blocksText(started.slack.getMessage(where.channelId, where.ts) as unknown as Record<string, unknown>);

/** The requester's tracking card (the worker's first post to them with the Withdraw button). */
async function trackingCard(team: Team, submissionId: string): Promise<{ channelId: string; ts: string }> {
  const call = await started.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === team.requester && c.response?.ok === true
    && blocksText(c.args).includes(ACTION_IDS.withdraw) && blocksText(c.args).includes(shortIdOf(submissionId)), 10_000);
  return { channelId: String(call.response?.channel), ts: String(call.response?.ts) };
}


async function reply(team: Team, userId: string, text: string): Promise<{ json: Record<string, unknown> | null; text: string }> {
  const response = await started.requests.command({ teamId: team.teamId, userId, text });
  return { json: response.json, text: JSON.stringify(response.json) };
}

describe('what the requester and reviewers read', () => {
  it('the requester sees a reviewer\'s comment on the tracking card; reviewers see why the request was withdrawn', async () => {
    const team = await setupTeam(started);
    const request = await submitted(started, team, { title: 'Design tools', vendor: 'Figmo', amount: '1200' });
    const tracking = await trackingCard(team, request.id);
    const card = await postReviewerCard(started, team, request.id, team.manager);

    await modalDecision(started, team, team.manager, card, ACTION_IDS.comment, 'Is the <team> plan & seat count right?');
    await eventually(() => expect(shown(tracking)).toContain(`<@${team.manager}> on *Manager review*: Is the &lt;team&gt; plan &amp; seat count right?`));

    // The requester withdraws with a reason; the manager's card says so, with the reason.
    const since = mark(started);
    await started.requests.command({ teamId: team.teamId, userId: team.requester, text: `withdraw ${shortIdOf(request.id)}` });
    const confirm = await nextView(started, since);
    const done = await started.requests.submitView({
      teamId: team.teamId, userId: team.requester, view: { id: confirm.id, callbackId: confirm.callbackId, privateMetadata: confirm.privateMetadata, blocks: confirm.blocks },
      values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: 'Found a <free> option' } } },
    });
    expect(done.json?.response_action).toBe('update');
    await eventually(() => {
      const text = shown(card);
      expect(text).toContain(`Stage closed: request withdrawn by <@${team.requester}>: “Found a &lt;free&gt; option”`);
      expect(text).not.toContain(ACTION_IDS.approve);
    });
  });

  it('shows a title at its limit whole on the tracking card, reviewer card, notices, Home, modals, status and history', async () => {
    const team = await setupTeam(started);
    const title = `Q${'&<>'.repeat(60)}`.slice(0, MAX_TITLE_LENGTH - 1) + 'Z';
    expect(title).toHaveLength(MAX_TITLE_LENGTH);
    const whole = `*${escapeMrkdwn(title)}*`;
    const request = await submitted(started, team, { title, vendor: 'Acme', amount: '10' });

    expect(shown(await trackingCard(team, request.id))).toContain(whole);
    const card = await postReviewerCard(started, team, request.id, team.manager);
    expect(shown(card)).toContain(whole);

    for (const userId of [team.manager, team.requester]) {
      const since = mark(started);
      await started.requests.event(appHomeOpenedEvent({ teamId: team.teamId, userId }));
      const home = await started.slack.waitFor((c) => c.method === 'views.publish' && c.args.user_id === userId && started.slack.calls.indexOf(c) >= since);
      expect(JSON.stringify(home.args.view)).toContain(whole);
    }
    for (const command of [`status ${shortIdOf(request.id)}`, `history ${shortIdOf(request.id)}`]) {
      expect((await reply(team, team.requester, command)).text).toContain(whole);
    }
    const since = mark(started);
    await started.requests.action({ teamId: team.teamId, userId: team.manager, actionId: ACTION_IDS.reject, value: card.value, message: { channelId: card.channelId, ts: card.ts } });
    const rejectModal = await nextView(started, since);
    expect(JSON.stringify(rejectModal.blocks)).toContain(whole);
    await started.requests.submitView({
      teamId: team.teamId, userId: team.manager, view: { id: rejectModal.id, callbackId: rejectModal.callbackId, privateMetadata: rejectModal.privateMetadata, blocks: rejectModal.blocks },
      values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: 'No budget' } } },
    });
    const notice = await postOutcomeNotice(started, team, request.id);
    expect(shown(notice)).toContain(whole);
  });
});
