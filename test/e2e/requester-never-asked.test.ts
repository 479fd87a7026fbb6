/**
 * The requester never gets a decision card for their own request: Mona (Fay's manager) hands her reviews to
 * Fay while she is away, and Fay submits a request whose first stage is "requester's manager". Nobody but Fay
 * could move it, so it goes to Mona's manager at once, and the audit says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../blocks/ids.ts';
import { slackOrigin, uniqueUserId } from '../support/db.ts';
import { appHomeOpenedEvent } from '../support/slack-requests.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { blocksText, callsSince, eventually, fileAdmin, mark, postReviewerCard, setupTeam, submitted, type Team } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin], worker: true });
});
afterAll(async () => {
  await started.stop();
});

const nextYear = new Date().getUTCFullYear() + 1;
const today = new Date().toISOString().slice(0, 10);

/** Fay is the requester, Mona her manager, Otto Mona's manager. */
async function setup(): Promise<Team & { otto: string }> {
  const team = await setupTeam(started);
  const otto = uniqueUserId('OTTO');
  started.slack.addUser({ id: otto, name: otto.toLowerCase(), tz: 'Europe/Berlin' });
  await started.app.services.directory.setManager(team.teamId, team.admin, team.manager, otto, slackOrigin(team.teamId));
  return { ...team, otto };
}

async function delegate(team: Team, text: string): Promise<void> {
  const response = await started.requests.command({ teamId: team.teamId, userId: team.manager, text });
  expect(JSON.stringify(response.json)).toContain('decides on');
}

/** Every message posted to `userId` since `since` that carries decision buttons. */
const decisionCardsTo = (userId: string, since: number) =>
  callsSince(started, since, 'chat.postMessage', (a) => a.channel === userId).filter((c) => blocksText(c.args).includes(ACTION_IDS.approve));

async function expectEscalatedToOtto(team: Team & { otto: string }, submissionId: string, since: number): Promise<void> {
  // Mona keeps her own card; the stage goes to Otto with buttons, saying why.
  await postReviewerCard(started, team, submissionId, team.manager);
  const ottoCard = await postReviewerCard(started, team, submissionId, team.otto);
  const ottoText = blocksText((started.slack.getMessage(ottoCard.channelId, ottoCard.ts) ?? { blocks: [] }) as unknown as Record<string, unknown>);
  expect(ottoText).toContain('Escalated to you');
  expect(ottoText).toContain('a requester cannot decide on their own request');

  const trail = await eventually(async () => {
    const rows = await started.app.services.audit.submissionTrail(submissionId);
    expect(rows.some((r) => r.type === 'stage.escalated')).toBe(true);
    return rows;
  });
  const escalation = trail.find((r) => r.type === 'stage.escalated');
  expect(escalation?.details).toMatchObject({ targets: [team.otto] });
  expect(escalation?.reason).toContain(`Nobody but the requester could decide for <@${team.manager}>`);
  expect(escalation?.capacity).toEqual({ kind: 'system', rule: 'the requester cannot decide on their own request' });

  // Give any stray card time to arrive: none with decision buttons ever reaches Fay.
  await new Promise((resolve) => setTimeout(resolve, 700));
  expect(decisionCardsTo(team.requester, since)).toEqual([]);

  // Her Home tab has nothing to decide either.
  const home = mark(started);
  await started.requests.event(appHomeOpenedEvent({ teamId: team.teamId, userId: team.requester }));
  const published = await started.slack.waitFor((c) => c.method === 'views.publish' && c.args.user_id === team.requester && started.slack.calls.indexOf(c) >= home);
  expect(JSON.stringify(published.args.view)).not.toContain(ACTION_IDS.approve);
  expect(JSON.stringify(published.args.view)).toContain('Waiting for you (0)');

  // Otto's approval counts, and the request moves on to finance.
  const since2 = mark(started);
  await started.requests.action({ teamId: team.teamId, userId: team.otto, actionId: ACTION_IDS.approve, value: ottoCard.value, message: { channelId: ottoCard.channelId, ts: ottoCard.ts } });
  const state = await eventually(async () => {
    const current = await started.app.services.submissions.get(team.teamId, submissionId);
    expect(current.stages[0]?.status).toBe('approved');
    return current;
  });
  expect(state.stages[0]?.decisions.map((d) => [d.kind, d.actorId, d.capacity.kind])).toEqual([['approve', team.otto, 'escalation']]);
  expect(callsSince(started, since2, 'chat.postEphemeral', (a) => a.user === team.otto)).toEqual([]);
}

describe('a reviewer who is away and handed their reviews to the requester', () => {
  it('manual `/approval delegate @Fay`: Fay gets no card for her own request, Mona\'s manager does', async () => {
    const team = await setup();
    const since = mark(started);
    await delegate(team, `delegate <@${team.requester}> until ${nextYear}-01-15`);
    // The delegation has started: Fay is told she decides for Mona.
    await started.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === team.requester && blocksText(c.args).includes('You are their delegate'), 10_000);

    const request = await submitted(started, team, { title: 'New monitor', vendor: 'Acme', amount: '300' });
    expect(request.stages[0]?.pool).toEqual([team.manager]);
    await expectEscalatedToOtto(team, request.id, since);
  });

  it('out-of-office that starts while the request waits: the delegation start sends Fay nothing and escalates', async () => {
    const team = await setup();
    const since = mark(started);
    const request = await submitted(started, team, { title: 'Standing desk', vendor: 'Ikea', amount: '450' });
    await postReviewerCard(started, team, request.id, team.manager);
    await delegate(team, `delegate <@${team.requester}> from ${today} until ${nextYear}-02-01`);
    await expectEscalatedToOtto(team, request.id, since);
  });
});
