/**
 * The trail records its own use and where things happened: reading a request's history in Slack, refused attempts
 * to reach the admin tools, and for everything done in a modal, the channel the flow started in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ACTIONS, ADMIN_BLOCKS, ADMIN_CALLBACKS, INPUT_ACTION } from '../../blocks/admin/ids.ts';
import { ACTION_IDS, BLOCK_IDS } from '../../blocks/ids.ts';
import { shortIdOf } from '../../src/domain/index.ts';
import { uniqueUserId } from '../support/db.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { fileAdmin, latestRequest, mark, nextView, postReviewerCard, setupTeam, submitThroughSlack, type Team } from './harness.ts';
import { modalDriver, text, users } from './modal-driver.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin], worker: true });
});
afterAll(async () => {
  await started.stop();
});

const { viewCall, click, submit } = modalDriver(() => started);
const CHANNEL = 'C0ORIGIN01';

interface EventRow { seq: number; type: string; actor_id: string | null; origin: { kind: string; channelId?: string | null; surface?: string | null }; details: Record<string, unknown> }
const chain = (team: Team, afterSeq = 0) => started.app.orm.em.fork().execute<EventRow[]>(
  'select seq, type, actor_id, origin, details from audit_event where chain_id = ? and seq > ? order by seq', [team.teamId, afterSeq]);
const headOf = async (team: Team) => (await chain(team)).at(-1)?.seq ?? 0;

async function command(team: Team, userId: string, line: string) {
  return started.requests.command({ teamId: team.teamId, userId, text: line, channelId: CHANNEL });
}

describe('the trail about itself', () => {
  it('records a history read in Slack, and a non-admin opening the admin tools, with who and where', async () => {
    const team = await setupTeam(started);
    await submitThroughSlack(started, team, { title: 'Laptop', vendor: 'Acme', amount: '10' }, team.requester, CHANNEL);
    const request = await latestRequest(started, team);
    const head = await headOf(team);

    const history = await command(team, team.requester, `history ${shortIdOf(request.id)}`);
    expect(JSON.stringify(history.json)).toContain('History of');
    const refused = await command(team, team.outsider, 'admin');
    expect(JSON.stringify(refused.json)).toContain('Only approval admins');

    const events = await chain(team, head);
    expect(events.find((e) => e.type === 'audit.history_read')).toMatchObject({ actor_id: team.requester, origin: { kind: 'slack', channelId: CHANNEL }, details: { submissionId: request.id } });
    expect(events.find((e) => e.type === 'policy.change_refused')).toMatchObject({ actor_id: team.outsider, origin: { kind: 'slack', channelId: CHANNEL }, details: { attempted: 'admin_tools:open' } });
  });

  it('records the channel a flow started in on everything done in its modals: request form, decisions, withdrawal, admin tools', async () => {
    const team = await setupTeam(started);
    const head = await headOf(team);

    // The request form, opened by a command in a channel.
    await submitThroughSlack(started, team, { title: 'Chairs', vendor: 'Acme', amount: '10' }, team.requester, CHANNEL);
    const request = await latestRequest(started, team);

    // A comment in the decision modal opened from the reviewer's card (in their DM).
    const card = await postReviewerCard(started, team, request.id, team.manager);
    let since = mark(started);
    await started.requests.action({ teamId: team.teamId, userId: team.manager, actionId: ACTION_IDS.comment, value: card.value, message: { channelId: card.channelId, ts: card.ts } });
    const modal = await nextView(started, since);
    await started.requests.submitView({ teamId: team.teamId, userId: team.manager, view: { id: modal.id, callbackId: modal.callbackId, privateMetadata: modal.privateMetadata, blocks: modal.blocks }, values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: 'Which chairs?' } } } });

    // The withdraw confirmation, opened by a command in a channel.
    since = mark(started);
    await command(team, team.requester, `withdraw ${shortIdOf(request.id)}`);
    const confirm = await nextView(started, since);
    await started.requests.submitView({ teamId: team.teamId, userId: team.requester, view: { id: confirm.id, callbackId: confirm.callbackId, privateMetadata: confirm.privateMetadata, blocks: confirm.blocks }, values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: 'Not needed' } } } });

    // The admin tools: the menu from a command, then roles, then a new role saved from a pushed modal.
    since = mark(started);
    await command(team, team.admin, 'admin');
    const menu = await viewCall('views.open', since);
    expect(menu.callbackId).toBe(ADMIN_CALLBACKS.menu);
    const roles = await click(team, team.admin, menu, ADMIN_ACTIONS.roles, 'roles', 'views.update');
    const roleForm = await click(team, team.admin, roles, ADMIN_ACTIONS.newRole, 'new', 'views.push');
    const saved = await submit(team, team.admin, roleForm, { [ADMIN_BLOCKS.roleName]: text('legal'), [ADMIN_BLOCKS.roleMembers]: users(uniqueUserId('LAW')), [ADMIN_BLOCKS.roleGroup]: { [INPUT_ACTION]: { type: 'static_select', selected_option: null } } });
    expect(saved.json?.response_action).toBe('update');

    const events = await chain(team, head);
    const channelOf = (type: string) => events.find((e) => e.type === type)?.origin.channelId;
    expect(channelOf('submission.created')).toBe(CHANNEL);
    expect(channelOf('decision.commented')).toBe(card.channelId);
    expect(channelOf('submission.withdrawn')).toBe(CHANNEL);
    expect(channelOf('role.updated')).toBe(CHANNEL);
    // And nothing a person did in Slack here is without its channel.
    expect(events.filter((e) => e.origin.kind === 'slack' && !e.origin.channelId).map((e) => `${e.type} (${e.origin.surface ?? ''})`)).toEqual([]);
  });
});
