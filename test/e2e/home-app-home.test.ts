import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ACTIONS, HOME_IDS } from '../../blocks/admin/ids.ts';
import { ACTION_IDS } from '../../blocks/ids.ts';
import { encodeCardAction } from '../../blocks/values.ts';
import { renderHome } from '../../src/slack/home/render-home.ts';
import { slackOrigin } from '../support/db.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { eventually, fileAdmin, homeClick, mark, openHome as openHomeAs, setupTeam, type Team } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin] });
});
afterAll(async () => {
  await started.stop();
});

/** Opens the Home tab as `userId` and returns the view the app published. */
const openHome = (team: Team, userId: string) => openHomeAs(started, team, userId);

const submit = (team: Team, title: string, amount = 500) =>
  started.app.services.submissions.submit({ teamId: team.teamId, workflowKey: 'purchase-order', requesterId: team.requester, title, fields: { vendor: 'Acme', amount } }, slackOrigin(team.teamId));

describe('App Home', () => {
  it('shows a reviewer the pending item with working decision buttons, and drops it once decided', async () => {
    const team = await setupTeam(started);
    const request = await submit(team, 'Ergonomic chairs');
    const stage = request.stages[0];
    if (!stage) throw new Error('no open stage');

    const home = await openHome(team, team.manager);
    expect(home.text).toContain('Waiting for you (1)');
    expect(home.text).toContain('Ergonomic chairs');
    expect(home.text).toContain('Manager review');
    expect(home.text).toContain('as their manager');
    const actions = home.blocks.find((b) => b.block_id === HOME_IDS.pendingActions(stage.id)) as { elements: { action_id: string; value: string }[] } | undefined;
    const approve = actions?.elements.find((e) => e.action_id === ACTION_IDS.approve);
    expect(approve?.value).toBe(encodeCardAction(request.id, stage.id, request.workflowVersion));

    // The click from the Home tab is handled by the reviewer card's action handler.
    const response = await homeClick(started, team, team.manager, home, ACTION_IDS.approve, approve?.value ?? '');
    expect(response.status).toBe(200);
    await eventually(async () => {
      const state = await started.app.services.submissions.get(team.teamId, request.id);
      expect(state.stages[0]?.status).toBe('approved');
    });

    const after = await openHome(team, team.manager);
    expect(after.text).toContain('Waiting for you (0)');
    expect(after.text).toContain('Nothing is waiting for your decision');
    // Finance (2 of 3) is next: every member sees it waiting.
    expect((await openHome(team, team.finance[0])).text).toContain('Finance review');
  });

  it("shows requesters their requests with states, and nothing to decide on their own request", async () => {
    const team = await setupTeam(started);
    const open = await submit(team, 'Monitors');
    const withdrawn = await submit(team, 'Old laptops');
    await started.app.services.decisions.decide({ kind: 'withdraw', teamId: team.teamId, submissionId: withdrawn.id, actorId: team.requester }, slackOrigin(team.teamId));

    const home = await openHome(team, team.requester);
    expect(home.text).toContain('Waiting for you (0)');
    expect(home.text).toContain('Monitors');
    expect(home.text).toContain('In review');
    expect(home.text).toContain('Withdrawn');
    expect(home.text).toContain(open.id.replace(/-/g, '').slice(0, 8));
    expect(home.text).not.toContain(ADMIN_ACTIONS.newWorkflow);
  });

  it('shows delegation status both ways and lets the delegator end it from the Home tab', async () => {
    const team = await setupTeam(started);
    await submit(team, 'Team offsite');
    const now = new Date();
    await started.app.services.directory.createDelegation({
      teamId: team.teamId, fromUserId: team.manager, toUserId: team.outsider, startsAt: new Date(now.getTime() - 1000), endsAt: new Date(now.getTime() + 86_400_000),
    }, slackOrigin(team.teamId));

    const delegate = await openHome(team, team.outsider);
    expect(delegate.text).toContain(`You decide for <@${team.manager}>`);
    // The delegate carries the manager's pending item.
    expect(delegate.text).toContain('Team offsite');
    expect(delegate.text).toContain(`as delegate of <@${team.manager}>`);

    const delegator = await openHome(team, team.manager);
    expect(delegator.text).toContain(`<@${team.outsider}> decides for you`);
    expect(delegator.text).toContain(HOME_IDS.revokeDelegations);

    const since = mark(started);
    await homeClick(started, team, team.manager, delegator, HOME_IDS.revokeDelegations, 'off');
    const republished = await started.slack.waitFor((c) => c.method === 'views.publish' && c.args.user_id === team.manager && started.slack.calls.indexOf(c) >= since);
    expect(JSON.stringify(republished.args.view)).toContain('No delegation');
    expect(await started.app.services.directory.delegationsOf(team.teamId, team.manager)).toEqual([]);
  });

  it('shows admins the workflows with Edit buttons and the roles', async () => {
    const team = await setupTeam(started);
    const home = await openHome(team, team.admin);
    expect(home.text).toContain('Admin: workflows');
    expect(home.text).toContain('Purchase order');
    expect(home.text).toContain(ADMIN_ACTIONS.editWorkflow);
    expect(home.text).toContain('`finance` · 3 members');
  });

  it('renderHome (used by the worker to refresh Home) gives the same view', async () => {
    const team = await setupTeam(started);
    await submit(team, 'Whiteboards');
    const view = await renderHome(started.app.services, team.teamId, team.manager, new Date());
    expect(view.type).toBe('home');
    expect(JSON.stringify(view.blocks)).toContain('Whiteboards');
  });
});
