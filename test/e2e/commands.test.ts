import { splitOriginChannel } from '../../blocks/metadata.ts';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortId } from '../../blocks/format.ts';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../../blocks/ids.ts';
import { encodeCardAction, encodeRequestAction } from '../../blocks/values.ts';
import { slackOrigin } from '../support/db.ts';
import { slashCommandBody, slackSignature } from '../support/slack-requests.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import {
  blocksText, callsSince, eventually, fileAdmin, homeClick, latestRequest, mark, nextView, openHome, postReviewerCard, setupTeam, submitted, type Team,
} from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin], worker: true });
});
afterAll(async () => {
  await started.stop();
});

const command = (team: Team, userId: string, text: string) => started.requests.command({ teamId: team.teamId, userId, text });
/** The ephemeral reply carried in the command's ack. */
async function reply(team: Team, userId: string, text: string): Promise<string> {
  const response = await command(team, userId, text);
  expect(response.status).toBe(200);
  expect(response.json?.response_type).toBe('ephemeral');
  return JSON.stringify(response.json?.blocks);
}

describe('/approval subcommands', () => {
  it('help lists every subcommand; unknown ones and bad arguments say what would work', async () => {
    const team = await setupTeam(started);
    const help = await reply(team, team.requester, 'help');
    for (const usage of ['new [workflow]', 'list', 'status <id>', 'history <id>', 'withdraw <id>', 'help']) expect(help).toContain(`/approval ${usage.replace('<', '&lt;').replace('>', '&gt;')}`);

    const unknown = await reply(team, team.requester, 'frobnicate now');
    expect(unknown).toContain("I don't know `/approval frobnicate`");
    expect(unknown).toContain('/approval list');

    expect(await reply(team, team.requester, 'status')).toContain('Say which request');
    expect(await reply(team, team.requester, 'status zz-top')).toContain('is not a request id');
    expect(await reply(team, team.requester, 'status 0000abcd')).toContain('There is no request');
    expect(await reply(team, team.requester, 'status 1234abcd 5678')).toContain('Give one request id');
    expect(await reply(team, team.requester, 'list everything')).toContain('takes no arguments');
  });

  it('new with an unknown workflow opens the picker and says why', async () => {
    const team = await setupTeam(started);
    const since = mark(started);
    await command(team, team.requester, 'new holidays');
    const view = await nextView(started, since);
    expect(view.callbackId).toBe(CALLBACK_IDS.requestModal);
    expect(JSON.stringify(view.blocks)).toContain('There is no active workflow \\"holidays\\"');
  });

  it('list, status and history show a request to the people allowed to see it', async () => {
    const team = await setupTeam(started);
    expect(await reply(team, team.requester, 'list')).toContain('You have no requests yet');
    const request = await submitted(started, team, { title: 'Standing desks', vendor: 'Desks Inc', amount: '800' });
    const id = shortId(request.id);

    const list = await reply(team, team.requester, 'list');
    expect(list).toContain(id);
    expect(list).toContain('Standing desks');

    const status = await reply(team, team.requester, `status ${id}`);
    expect(status).toContain('Manager review');
    expect(status).toContain(`<@${team.manager}>`);
    expect(status).toContain(ACTION_IDS.withdraw);
    // A reviewer on the request may look too, without the requester's buttons; an outsider may not.
    const asReviewer = await reply(team, team.manager, `status ${request.id}`);
    expect(asReviewer).toContain('Standing desks');
    expect(asReviewer).not.toContain(ACTION_IDS.withdraw);
    expect(await reply(team, team.outsider, `status ${id}`)).toContain('Only the requester, the people asked to review it, and approval admins');
    expect(await reply(team, team.admin, `status ${id}`)).toContain('Standing desks');

    const card = await postReviewerCard(started, team, request.id, team.manager);
    const since = mark(started);
    await started.requests.action({ teamId: team.teamId, userId: team.manager, actionId: ACTION_IDS.approve, value: card.value, message: { channelId: card.channelId, ts: card.ts } });
    await eventually(() => expect(callsSince(started, since, 'chat.update', (a) => a.ts === card.ts).length).toBeGreaterThanOrEqual(1));

    const history = await reply(team, team.requester, `history ${id}`);
    expect(history).toContain('submitted');
    expect(history).toContain(`<@${team.manager}> approved as manager`);
    expect(history).toContain('stage opened');
    expect(await reply(team, team.outsider, `history ${id}`)).toContain('Only the requester');
  });

  it('withdraw asks for confirmation, then withdraws; reviewers\' clicks are refused afterwards', async () => {
    const team = await setupTeam(started);
    const request = await submitted(started, team, { title: 'Printer', vendor: 'HP', amount: '250' });
    const id = shortId(request.id);
    // The manager's card is on their screen before the request is withdrawn (a card is only posted while it is open).
    const card = await postReviewerCard(started, team, request.id, team.manager, 'manager');

    expect(await reply(team, team.outsider, `withdraw ${id}`)).toContain('Only the person who made the request can withdraw it.');

    let since = mark(started);
    const ack = await command(team, team.requester, `withdraw ${id}`);
    expect(ack.status).toBe(200);
    const confirm = await nextView(started, since);
    expect(confirm.callbackId).toBe(CALLBACK_IDS.withdrawModal);
    expect((await started.app.services.submissions.get(team.teamId, request.id)).status).toBe('in_review');

    const done = await started.requests.submitView({
      teamId: team.teamId, userId: team.requester,
      view: { id: confirm.id, callbackId: confirm.callbackId, privateMetadata: confirm.privateMetadata, blocks: confirm.blocks },
      values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: 'Bought one second-hand' } } },
    });
    expect(done.json?.response_action).toBe('update');
    expect(JSON.stringify(done.json)).toContain('is withdrawn');
    const state = await started.app.services.submissions.get(team.teamId, request.id);
    expect(state.status).toBe('withdrawn');

    // A withdrawn request cannot be withdrawn again.
    expect(await reply(team, team.requester, `withdraw ${id}`)).toContain('already withdrawn');

    since = mark(started);
    await started.requests.action({ teamId: team.teamId, userId: team.manager, actionId: ACTION_IDS.approve, value: card.value, message: { channelId: card.channelId, ts: card.ts } });
    const refusal = await eventually(() => {
      const [sent] = callsSince(started, since, 'chat.postEphemeral', (a) => a.user === team.manager);
      expect(sent).toBeDefined();
      return blocksText(sent?.args ?? {});
    });
    expect(refusal).toContain('withdrawn by the requester');
    const redrawn = await eventually(() => {
      const [update] = callsSince(started, since, 'chat.update', (a) => a.ts === card.ts);
      expect(update).toBeDefined();
      return blocksText(update?.args ?? {});
    });
    expect(redrawn).toContain('Stage closed: request withdrawn');
  });

  it('the tracking card\'s Withdraw button opens the same confirmation', async () => {
    const team = await setupTeam(started);
    const request = await submitted(started, team, { title: 'Monitor', vendor: 'Dell', amount: '300' });
    // The requester's tracking card, where Slack put it: their DM with the bot, by the id Slack gave it.
    const tracking = await new WebClient('xoxb-worker', { slackApiUrl: started.slack.url }).chat.postMessage({ channel: team.requester, text: `Your request ${request.title}` });
    const since = mark(started);
    await started.requests.action({ teamId: team.teamId, userId: team.requester, actionId: ACTION_IDS.withdraw, value: encodeRequestAction(request.id), message: { channelId: tracking.channel ?? '', ts: tracking.ts ?? '' } });
    const confirm = await nextView(started, since);
    expect(confirm.callbackId).toBe(CALLBACK_IDS.withdrawModal);
    expect(JSON.parse(splitOriginChannel(confirm.privateMetadata).metadata)).toEqual({ s: request.id });
  });
});

describe('requests that are not from Slack, or not well-formed', () => {
  it('refuses a forged signature and a stale or future timestamp with 401 and changes nothing', async () => {
    const team = await setupTeam(started);
    const forged = await started.requests.command({ teamId: team.teamId, userId: team.requester, text: 'list' }, { secret: 'not-the-signing-secret' });
    expect(forged.status).toBe(401);
    const body = slashCommandBody({ teamId: team.teamId, userId: team.requester, text: 'list' });
    const tampered = await started.requests.send(body.replace('list', 'help'), 'application/x-www-form-urlencoded', { signature: slackSignature('whatever', Math.floor(Date.now() / 1000), body) });
    expect(tampered.status).toBe(401);
    const stale = await started.requests.command({ teamId: team.teamId, userId: team.requester, text: 'list' }, { timestamp: Math.floor(Date.now() / 1000) - 10 * 60 });
    expect(stale.status).toBe(401);
    // Signed correctly but dated ahead of the replay window (a request kept for later replay).
    const ahead = await started.requests.command({ teamId: team.teamId, userId: team.requester, text: 'list' }, { timestamp: Math.floor(Date.now() / 1000) + 10 * 60 });
    expect(ahead.status).toBe(401);
    expect(ahead.json).toMatchObject({ error: { code: 'invalid_timestamp' } });
    expect((await fetch(new URL('/slack/events', started.baseUrl))).status).toBe(405);
    // Slack's SSL check is not signed: it is answered, and whatever else the body carries goes nowhere.
    const sslCheck = await fetch(new URL('/slack/events', started.baseUrl), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&token=t&command=%2Fapproval' });
    expect(sslCheck.status).toBe(200);
    const verification = await started.requests.event({ type: 'url_verification', challenge: 'c-123', token: 't' });
    expect(verification.json).toEqual({ challenge: 'c-123' });
  });

  it('answers 4xx to a payload that is not JSON, and ignores a card button with a damaged value', async () => {
    const team = await setupTeam(started);
    const request = await submitted(started, team, { title: 'Cables', vendor: 'Anker', amount: '40' });
    const before = await started.app.services.audit.submissionTrail(request.id);

    const malformed = await started.requests.send('payload=%7Bnot-json', 'application/x-www-form-urlencoded');
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBeLessThan(500);

    const card = await postReviewerCard(started, team, request.id, team.manager);
    const since = mark(started);
    const damaged = await started.requests.action({ teamId: team.teamId, userId: team.manager, actionId: ACTION_IDS.approve, value: '{"s":"not-a-uuid"}', message: { channelId: card.channelId, ts: card.ts } });
    expect(damaged.status).toBe(200);
    const [notice] = await eventually(() => {
      const sent = callsSince(started, since, 'chat.postEphemeral', (a) => a.user === team.manager);
      expect(sent).toHaveLength(1);
      return sent;
    });
    expect(blocksText(notice?.args ?? {})).toContain('does not carry a valid request');
    expect(await started.app.services.audit.submissionTrail(request.id)).toEqual(before);
    expect((await latestRequest(started, team)).stages[0]?.decisions).toEqual([]);
  });
});

describe('roles bound to a Slack user group', () => {
  it('follow the group before a request is routed', async () => {
    const team = await setupTeam(started);
    const newcomers = [`UNEWA${team.teamId.slice(1, 9)}`, `UNEWB${team.teamId.slice(1, 9)}`].sort();
    for (const id of newcomers) started.slack.addUser({ id, name: id.toLowerCase() });
    const groupId = `S${team.teamId.slice(1)}`;
    started.slack.addUserGroup(groupId, newcomers);
    await started.app.services.directory.setRole(team.teamId, team.admin, { name: 'finance', members: [...team.finance], slackUsergroupId: groupId }, slackOrigin(team.teamId));

    const request = await submitted(started, team, { title: 'Keyboards', vendor: 'Logi', amount: '120' });
    const roles = await started.app.services.directory.listRoles(team.teamId);
    expect(roles.find((r) => r.name === 'finance')?.members).toEqual(newcomers);

    const managerCard = await postReviewerCard(started, team, request.id, team.manager);
    let since = mark(started);
    await started.requests.action({ teamId: team.teamId, userId: team.manager, actionId: ACTION_IDS.approve, value: managerCard.value, message: { channelId: managerCard.channelId, ts: managerCard.ts } });
    await eventually(async () => expect((await started.app.services.submissions.get(team.teamId, request.id)).stages[1]?.pool).toEqual(newcomers));

    // Someone removed from the group is no longer a finance approver (no card reaches them; a click from an
    // old Home tab is refused, told in a DM).
    const finance = (await started.app.services.submissions.get(team.teamId, request.id)).stages[1];
    const home = await openHome(started, team, team.finance[1]);
    since = mark(started);
    await homeClick(started, team, team.finance[1], home, ACTION_IDS.approve, encodeCardAction(request.id, finance?.id ?? '', request.workflowVersion));
    const refusal = await eventually(() => {
      const [sent] = callsSince(started, since, 'chat.postMessage', (a) => a.channel === team.finance[1]);
      expect(sent).toBeDefined();
      return blocksText(sent?.args ?? {});
    });
    expect(refusal).toContain('not one of the approvers');
  });
});
