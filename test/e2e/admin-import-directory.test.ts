import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ACTIONS, ADMIN_BLOCKS, ADMIN_CALLBACKS, INPUT_ACTION } from '../../blocks/admin/ids.ts';
import { NO_GROUP } from '../../blocks/admin/directory-modals.ts';
import { blockActionsPayload } from '../support/slack-requests.ts';
import { slackOrigin, uniqueUserId } from '../support/db.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { choice, modalDriver, person, text, users } from './modal-driver.ts';
import { fileAdmin, mark, setupTeam } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin] });
});
afterAll(async () => {
  await started.stop();
});

const { viewCall, click, submit } = modalDriver(() => started);

const leaveYaml = (approver: string) => `
key: leave
name: Leave request
fields:
  - { id: days, label: Days, type: number, required: true }
stages:
  - { id: lead, name: Team lead, step: 1, approvers: [{ type: user, userId: ${approver} }] }
`;

describe('YAML/JSON import and export', () => {
  it('shows what is wrong under the text and publishes nothing, then publishes a valid definition', async () => {
    const team = await setupTeam(started);
    const form = await click(team, team.admin, null, ADMIN_ACTIONS.importWorkflow, 'import', 'views.open');
    expect(form.callbackId).toBe(ADMIN_CALLBACKS.importWorkflow);

    const broken = await submit(team, team.admin, form, { [ADMIN_BLOCKS.source]: text(leaveYaml(team.manager).replace('step: 1', 'step: 0')) });
    expect(broken.json?.response_action).toBe('errors');
    const message = (broken.json?.errors as Record<string, string>)[ADMIN_BLOCKS.source];
    expect(message).toContain('stages.0.step');
    const unreadable = await submit(team, team.admin, form, { [ADMIN_BLOCKS.source]: text('{"key": "leave",') });
    expect((unreadable.json?.errors as Record<string, string>)[ADMIN_BLOCKS.source]).toContain('Could not read the workflow');
    expect((await started.app.services.workflows.list(team.teamId)).map((w) => w.key)).toEqual(['purchase-order']);

    const ok = await submit(team, team.admin, form, { [ADMIN_BLOCKS.source]: text(leaveYaml(team.manager)) });
    expect(ok.json?.response_action).toBe('update');
    expect(JSON.stringify(ok.json?.view)).toContain('Published *Leave request* v1');
    expect((await started.app.services.workflows.getVersion(team.teamId, 'leave')).definition.stages[0]?.approvers).toEqual([{ type: 'user', userId: team.manager }]);
  });

  it('refuses an import from a non-admin', async () => {
    const team = await setupTeam(started);
    const form = await click(team, team.admin, null, ADMIN_ACTIONS.importWorkflow, 'import', 'views.open');
    const refused = await submit(team, team.requester, form, { [ADMIN_BLOCKS.source]: text(leaveYaml(team.manager)) });
    expect((refused.json?.errors as Record<string, string>)[ADMIN_BLOCKS.source]).toContain('Only approval admins');
    expect((await started.app.services.workflows.list(team.teamId)).map((w) => w.key)).toEqual(['purchase-order']);
  });

  it('exports the workflow being edited as YAML', async () => {
    const team = await setupTeam(started);
    const editor = await click(team, team.admin, null, ADMIN_ACTIONS.editWorkflow, 'purchase-order', 'views.open');
    const exported = await click(team, team.admin, editor, ADMIN_ACTIONS.exportDraft, 'export', 'views.push');
    expect(exported.callbackId).toBe(ADMIN_CALLBACKS.exportWorkflow);
    expect(exported.text).toContain('key: purchase-order');
    expect(exported.text).toContain('role: finance');
  });
});

describe('roles, managers and admins', () => {
  it('creates a role with members from the roles list, and a role that follows a Slack user group', async () => {
    const team = await setupTeam(started);
    const roles = await click(team, team.admin, null, ADMIN_ACTIONS.roles, 'roles', 'views.open');
    expect(roles.callbackId).toBe(ADMIN_CALLBACKS.roles);
    expect(roles.text).toContain('finance');

    const legal = [uniqueUserId('LAW'), uniqueUserId('LAW')];
    const form = await click(team, team.admin, roles, ADMIN_ACTIONS.newRole, 'new', 'views.push');
    expect(form.callbackId).toBe(ADMIN_CALLBACKS.role);
    const saved = await submit(team, team.admin, form, { [ADMIN_BLOCKS.roleName]: text('legal'), [ADMIN_BLOCKS.roleMembers]: users(...legal), [ADMIN_BLOCKS.roleGroup]: { [INPUT_ACTION]: { type: 'static_select', selected_option: null } } });
    expect(saved.json?.response_action).toBe('update');
    expect(JSON.stringify(saved.json?.view)).toContain('now has 2 members');
    expect((await started.app.services.directory.listRoles(team.teamId)).find((r) => r.name === 'legal')?.members).toEqual([...legal].sort());

    const groupMembers = [uniqueUserId('OPS'), uniqueUserId('OPS'), uniqueUserId('OPS')];
    started.slack.addUserGroup('S0OPSTEAM', groupMembers, { handle: 'ops-team' });
    const groupForm = await click(team, team.admin, null, ADMIN_ACTIONS.newRole, 'new', 'views.open');
    expect(groupForm.text).toContain('@ops-team');
    await submit(team, team.admin, groupForm, { [ADMIN_BLOCKS.roleName]: text('ops'), [ADMIN_BLOCKS.roleGroup]: choice('S0OPSTEAM') });
    const ops = (await started.app.services.directory.listRoles(team.teamId)).find((r) => r.name === 'ops');
    expect(ops).toMatchObject({ slackUsergroupId: 'S0OPSTEAM', members: [...groupMembers].sort() });

    // Editing unbinds the group when "None" is picked.
    const edit = await click(team, team.admin, null, ADMIN_ACTIONS.editRole, 'ops', 'views.open');
    expect(edit.text).toContain('"initial_option"');
    await submit(team, team.admin, edit, { [ADMIN_BLOCKS.roleName]: text('ops'), [ADMIN_BLOCKS.roleMembers]: users(groupMembers[0] ?? ''), [ADMIN_BLOCKS.roleGroup]: choice(NO_GROUP) });
    expect((await started.app.services.directory.listRoles(team.teamId)).find((r) => r.name === 'ops')).toMatchObject({ slackUsergroupId: null, members: [groupMembers[0]] });
  });

  it('refuses a bad role name inline and a role change from a non-admin', async () => {
    const team = await setupTeam(started);
    const form = await click(team, team.admin, null, ADMIN_ACTIONS.newRole, 'new', 'views.open');
    const bad = await submit(team, team.admin, form, { [ADMIN_BLOCKS.roleName]: text('Legal Team') });
    expect(bad.json?.response_action).toBe('errors');
    expect(Object.keys(bad.json?.errors as object)).toEqual([ADMIN_BLOCKS.roleName]);
    const forged = await submit(team, team.requester, form, { [ADMIN_BLOCKS.roleName]: text('finance'), [ADMIN_BLOCKS.roleMembers]: users(team.requester) });
    expect((forged.json?.errors as Record<string, string>)[ADMIN_BLOCKS.roleName]).toContain('Only approval admins');
    expect((await started.app.services.directory.listRoles(team.teamId)).find((r) => r.name === 'finance')?.members).toEqual([...team.finance].sort());
  });

  it("sets and clears someone's manager; picking the person shows their current manager", async () => {
    const team = await setupTeam(started);
    const form = await click(team, team.admin, null, ADMIN_ACTIONS.managers, 'managers', 'views.open');
    expect(form.callbackId).toBe(ADMIN_CALLBACKS.manager);

    const since = mark(started);
    const pick = blockActionsPayload({ teamId: team.teamId, userId: team.admin, actionId: ADMIN_ACTIONS.managerSubject, view: { id: form.id, hash: form.hash, callbackId: form.callbackId, privateMetadata: form.privateMetadata } });
    (pick.actions as Record<string, unknown>[])[0] = { action_id: ADMIN_ACTIONS.managerSubject, block_id: ADMIN_BLOCKS.managerSubject, type: 'users_select', selected_user: team.requester, action_ts: '1.1' };
    await started.requests.interaction(pick);
    const updated = await viewCall('views.update', since);
    expect(updated.text).toContain(`"initial_user":"${team.manager}"`);

    const newBoss = team.cfo;
    const saved = await submit(team, team.admin, updated, { [ADMIN_BLOCKS.managerSubject]: person(team.requester), [ADMIN_BLOCKS.managerOf(team.requester)]: person(newBoss) });
    expect(JSON.stringify(saved.json?.view)).toContain(`<@${newBoss}> is now <@${team.requester}>'s manager`);
    expect(await started.app.services.directory.managerOf(team.teamId, team.requester)).toBe(newBoss);

    const self = await submit(team, team.admin, updated, { [ADMIN_BLOCKS.managerSubject]: person(team.requester), [ADMIN_BLOCKS.managerOf(team.requester)]: person(team.requester) });
    expect((self.json?.errors as Record<string, string>)[ADMIN_BLOCKS.managerOf(team.requester)]).toContain('Pick someone else');

    await submit(team, team.admin, updated, { [ADMIN_BLOCKS.managerSubject]: person(team.requester), [ADMIN_BLOCKS.managerOf(team.requester)]: person(null) });
    expect(await started.app.services.directory.managerOf(team.teamId, team.requester)).toBeNull();
  });

  it('grants the admin role, after which the new admin can open the admin tools', async () => {
    const team = await setupTeam(started);
    const form = await click(team, team.admin, null, ADMIN_ACTIONS.admins, 'admins', 'views.open');
    const refused = await submit(team, team.requester, form, { [ADMIN_BLOCKS.adminUser]: person(team.requester) });
    expect((refused.json?.errors as Record<string, string>)[ADMIN_BLOCKS.adminUser]).toContain('Only approval admins');
    expect(await started.app.services.directory.isAdmin(team.teamId, team.requester)).toBe(false);

    const granted = await submit(team, team.admin, form, { [ADMIN_BLOCKS.adminUser]: person(team.manager) });
    expect(JSON.stringify(granted.json?.view)).toContain(`<@${team.manager}> is now an approval admin`);
    expect(await started.app.services.directory.isAdmin(team.teamId, team.manager)).toBe(true);
    const menu = await click(team, team.manager, null, ADMIN_ACTIONS.roles, 'roles', 'views.open');
    expect(menu.callbackId).toBe(ADMIN_CALLBACKS.roles);
  });

  it('lists the admins and removes a granted one, but not oneself nor one from the setting', async () => {
    const team = await setupTeam(started);
    await started.app.services.directory.grantAdmin(team.teamId, team.admin, team.manager, slackOrigin(team.teamId));
    const list = await click(team, team.admin, null, ADMIN_ACTIONS.admins, 'admins', 'views.open');
    expect(list.text).toContain(`<@${team.manager}>`);
    expect(list.text).toContain('from the APPROVAL_ADMINS setting');

    const fromSetting = await click(team, team.manager, list, ADMIN_ACTIONS.revokeAdmin, team.admin, 'views.push');
    expect(fromSetting.text).toContain('APPROVAL_ADMINS setting; change it there');
    expect(await started.app.services.directory.isAdmin(team.teamId, team.admin)).toBe(true);

    const updated = await click(team, team.admin, list, ADMIN_ACTIONS.revokeAdmin, team.manager, 'views.update');
    expect(updated.text).not.toContain(`<@${team.manager}>`);
    expect(await started.app.services.directory.isAdmin(team.teamId, team.manager)).toBe(false);
    const trail = await started.app.services.audit.verify(team.teamId);
    expect(trail.ok).toBe(true);
  });
});
