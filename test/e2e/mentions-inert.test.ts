/**
 * What people type never becomes a live mention, broadcast or link in Slack: not in card blocks, and not in the
 * messages' `text` either (what notifications, the message list and screen readers show), nor in modals, Home,
 * ephemeral replies or DMs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../blocks/ids.ts';
import { shortIdOf } from '../../src/domain/index.ts';
import { appHomeOpenedEvent } from '../support/slack-requests.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { eventually, fileAdmin, mark, postOutcomeNotice, modalDecision, postReviewerCard, setupTeam, submitted } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin], worker: true });
});
afterAll(async () => {
  await started.stop();
});

const INTRUDER = 'UINTRUDER01';
const HOSTILE = `<!channel> <@${INTRUDER}> <https://x.example|click> <!here> <!subteam^S0123|@team> <#C0123|general>`;
/** Anything Slack would turn into a notification or a link when it reaches it unescaped. */
const LIVE = [/<!channel>/, /<!here>/, /<!everyone>/, /<!subteam\^/, new RegExp(`<@${INTRUDER}>`), /<https?:/, /<#C0123/];

/**
 * The text Slack formats: a message's top-level `text` and every mrkdwn object in its blocks or view (plain_text,
 * input values and private_metadata are shown as typed, never as mentions or links).
 */
function formatted(payload: unknown, top = true): string[] {
  if (Array.isArray(payload)) return payload.flatMap((item) => formatted(item, false));
  if (typeof payload !== 'object' || payload === null) return [];
  const obj = payload as Record<string, unknown>;
  const own = typeof obj.text === 'string' && (top || obj.type === 'mrkdwn') ? [obj.text] : [];
  return [...own, ...Object.entries(obj).filter(([key]) => key !== 'private_metadata' && key !== 'text').flatMap(([, value]) => formatted(value, false))];
}

function liveIn(payload: unknown): string[] {
  return formatted(payload).flatMap((text) => LIVE.filter((pattern) => pattern.test(text)).map((pattern) => `${String(pattern)} in ${text.slice(0, 120)}`));
}


describe('mentions and links people type', () => {
  it('reach Slack escaped in every message text, block, modal, Home view and ephemeral reply', async () => {
    const team = await setupTeam(started);
    const since = mark(started);
    const replies: unknown[] = [];
    const request = await submitted(started, team, { title: HOSTILE.slice(0, 150), vendor: HOSTILE, amount: '10', notes: HOSTILE });
    const card = await postReviewerCard(started, team, request.id, team.manager);
    await modalDecision(started, team, team.manager, card, ACTION_IDS.comment, HOSTILE);
    await modalDecision(started, team, team.manager, card, ACTION_IDS.reject, HOSTILE);
    await postOutcomeNotice(started, team, request.id);
    for (const text of [`status ${shortIdOf(request.id)}`, `history ${shortIdOf(request.id)}`, 'mine']) {
      replies.push((await started.requests.command({ teamId: team.teamId, userId: team.requester, text })).json);
    }
    for (const user of [team.requester, team.manager]) await started.requests.event(appHomeOpenedEvent({ teamId: team.teamId, userId: user }));
    await eventually(() => expect(started.slack.calls.slice(since).some((c) => c.method === 'views.publish' && c.args.user_id === team.manager)).toBe(true));

    const calls = started.slack.calls.slice(since).filter((c) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.open', 'views.update', 'views.push', 'views.publish'].includes(c.method));
    expect(calls.length).toBeGreaterThan(5);
    const found = [...calls.map((c) => ({ where: c.method, live: liveIn(c.args) })), ...replies.map((r) => ({ where: 'command reply', live: liveIn(r) }))]
      .filter((f) => f.live.length > 0);
    expect(found).toEqual([]);
    // The text is still there for people to read, escaped.
    expect(calls.some((c) => typeof c.args.text === 'string' && c.args.text.includes('&lt;!channel&gt;'))).toBe(true);
    expect(formatted(calls.map((c) => c.args)).some((text) => text.includes(`&lt;@${INTRUDER}&gt;`))).toBe(true);
  });
});
