import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDraft } from '../../blocks/admin/draft.ts';
import { ADMIN_ACTIONS, ADMIN_BLOCKS, ADMIN_CALLBACKS, DYNAMIC_APPROVER } from '../../blocks/admin/ids.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { type SeenView, type Values, checks, choice, choices, modalDriver, number, person, text, users } from './modal-driver.ts';
import { fileAdmin, mark, setupTeam, type Team } from './harness.ts';
import { splitOriginChannel } from '../../blocks/metadata.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin] });
});
afterAll(async () => {
  await started.stop();
});

const { viewCall, click, submit } = modalDriver(() => started);

/**
 * Slack closes a pushed modal when its submission is acknowledged without a response_action. The fake Slack
 * cannot see acks, so the test takes the closed view off its stack (else the 3-deep push limit trips).
 */
function closePushed(viewId: string): void {
  const stored = started.slack.getView(viewId);
  if (stored) stored.rootId = stored.id;
}

/** Saves a pushed field or stage modal; the editor below is redrawn and returned. */
async function saveItem(team: Team, view: SeenView, values: Values): Promise<SeenView> {
  const since = mark(started);
  const response = await submit(team, team.admin, view, values);
  expect(response.status).toBe(200);
  expect(response.json?.response_action).toBeUndefined();
  closePushed(view.id);
  return viewCall('views.update', since);
}

async function openMenu(team: Team): Promise<SeenView> {
  const since = mark(started);
  const response = await started.requests.command({ teamId: team.teamId, userId: team.admin, text: 'admin' });
  expect(response.status).toBe(200);
  const menu = await viewCall('views.open', since);
  expect(menu.callbackId).toBe(ADMIN_CALLBACKS.menu);
  return menu;
}

describe('an admin builds and publishes a workflow in the modals', () => {
  it('adds a field and two stages, previews routing, and publishes v1, then edits it into v2', async () => {
    const team = await setupTeam(started);
    const menu = await openMenu(team);
    expect(menu.text).toContain('Purchase order');

    // "New workflow" turns the menu into the editor.
    let editor = await click(team, team.admin, menu, ADMIN_ACTIONS.newWorkflow, 'new', 'views.update');
    expect(editor.callbackId).toBe(ADMIN_CALLBACKS.workflow);
    expect(editor.id).toBe(menu.id);

    const fieldView = await click(team, team.admin, editor, ADMIN_ACTIONS.addField, 'add', 'views.push');
    expect(fieldView.callbackId).toBe(ADMIN_CALLBACKS.field);
    editor = await saveItem(team, fieldView, {
      [ADMIN_BLOCKS.fieldLabel]: text('Estimated cost'),
      [ADMIN_BLOCKS.fieldType]: choice('currency'),
      [ADMIN_BLOCKS.fieldFlags]: checks('required', 'show'),
      [ADMIN_BLOCKS.fieldCurrency]: text('eur'),
    });
    expect(editor.text).toContain('Estimated cost');

    const stage1 = await click(team, team.admin, editor, ADMIN_ACTIONS.addStage, 'add', 'views.push');
    expect(stage1.callbackId).toBe(ADMIN_CALLBACKS.stage);
    editor = await saveItem(team, stage1, {
      [ADMIN_BLOCKS.stageName]: text('Manager check'),
      [ADMIN_BLOCKS.stageStep]: number('1'),
      [ADMIN_BLOCKS.stageDynamic]: checks(DYNAMIC_APPROVER.manager),
      [ADMIN_BLOCKS.stageRule]: choice('any'),
      [ADMIN_BLOCKS.stageSla]: number('24'),
      [ADMIN_BLOCKS.stageTimeout]: choice('escalate'),
    });

    const stage2 = await click(team, team.admin, editor, ADMIN_ACTIONS.addStage, 'add', 'views.push');
    expect(stage2.text).toContain('finance'); // existing roles are offered
    editor = await saveItem(team, stage2, {
      [ADMIN_BLOCKS.stageName]: text('Finance'),
      [ADMIN_BLOCKS.stageStep]: number('2'),
      [ADMIN_BLOCKS.stageRoles]: choices('finance'),
      [ADMIN_BLOCKS.stageRule]: choice('at_least'),
      [ADMIN_BLOCKS.stageMinimum]: number('2'),
      [ADMIN_BLOCKS.stageSla]: number('48'),
      [ADMIN_BLOCKS.stageReminder]: number('8'),
      [ADMIN_BLOCKS.stageTimeout]: choice('auto_reject'),
      [ADMIN_BLOCKS.conditionField]: choice('estimated_cost'),
      [ADMIN_BLOCKS.conditionOperator]: choice('gte'),
      [ADMIN_BLOCKS.conditionValue]: text('1000'),
    });
    expect(editor.text).toContain('Manager check');
    expect(editor.text).toContain('Estimated cost is at least 1000');
    expect(decodeDraft(splitOriginChannel(editor.privateMetadata).metadata)?.stages.map((s) => s.id)).toEqual(['manager_check', 'finance']);

    // Preview routing: a big amount reaches the manager and finance, a small one skips finance.
    const preview = await click(team, team.admin, editor, ADMIN_ACTIONS.previewRouting, 'preview', 'views.push');
    expect(preview.callbackId).toBe(ADMIN_CALLBACKS.preview);
    const big = await submit(team, team.admin, preview, { [ADMIN_BLOCKS.previewRequester]: person(team.requester), [ADMIN_BLOCKS.sample('estimated_cost')]: number('5000') });
    expect(big.json?.response_action).toBe('update');
    const bigText = JSON.stringify(big.json?.view);
    expect(bigText).toContain(`Manager check* asks <@${team.manager}>`);
    for (const member of team.finance) expect(bigText).toContain(`<@${member}>`);
    expect(bigText).toContain('needs 2 of 3');
    // The result says which sample values it used, and whose request it is.
    expect(bigText).toContain(`from <@${team.requester}> (the requester), with these sample values:`);
    expect(bigText).toContain('*Estimated cost*: 5,000.00');
    const small = await submit(team, team.admin, preview, { [ADMIN_BLOCKS.previewRequester]: person(team.requester), [ADMIN_BLOCKS.sample('estimated_cost')]: number('10') });
    expect(JSON.stringify(small.json?.view)).toContain('Skipped (their condition does not hold): Finance');
    const noManager = await submit(team, team.admin, preview, { [ADMIN_BLOCKS.previewRequester]: person(team.outsider) });
    const noManagerText = JSON.stringify(noManager.json?.view);
    expect(noManagerText).toContain("It needs the requester's manager, and no manager is set for the requester");
    expect(noManagerText).not.toMatch(/\byou\b/);
    expect(noManagerText).toContain('Left empty: Estimated cost');
    const badSample = await submit(team, team.admin, preview, { [ADMIN_BLOCKS.previewRequester]: person(team.requester), [ADMIN_BLOCKS.sample('estimated_cost')]: number('-5') });
    expect(badSample.json).toEqual({ response_action: 'errors', errors: { [ADMIN_BLOCKS.sample('estimated_cost')]: 'Estimated cost cannot be negative' } });
    closePushed(preview.id);

    // Publish with a name and key typed in the editor.
    const published = await submit(team, team.admin, editor, { [ADMIN_BLOCKS.name]: text('Travel request'), [ADMIN_BLOCKS.key]: text('travel'), [ADMIN_BLOCKS.description]: text('') });
    expect(published.json?.response_action).toBe('update');
    expect(JSON.stringify(published.json?.view)).toContain('Published *Travel request* v1');
    const v1 = await started.app.services.workflows.getVersion(team.teamId, 'travel');
    expect(v1.version).toBe(1);
    expect(v1.definition.stages.map((s) => [s.id, s.rule, s.onTimeout])).toEqual([['manager_check', { kind: 'any' }, 'escalate'], ['finance', { kind: 'at_least', count: 2 }, 'auto_reject']]);
    expect(v1.definition.fields).toEqual([{ id: 'estimated_cost', label: 'Estimated cost', type: 'currency', required: true, showToReviewers: true, currency: 'EUR' }]);

    // Edit from the Home tab (a click outside any modal opens the editor), remove a stage, publish v2.
    let edit = await click(team, team.admin, null, ADMIN_ACTIONS.editWorkflow, 'travel', 'views.open');
    expect(edit.text).toContain('Publishing makes v2');
    edit = await click(team, team.admin, edit, ADMIN_ACTIONS.stageMenu, 'remove:1', 'views.update');
    expect(edit.text).not.toContain('Finance');
    const v2 = await submit(team, team.admin, edit, { [ADMIN_BLOCKS.name]: text('Travel request'), [ADMIN_BLOCKS.key]: text('travel') });
    expect(JSON.stringify(v2.json?.view)).toContain('Published *Travel request* v2');
    expect((await started.app.services.workflows.getVersion(team.teamId, 'travel')).definition.stages).toHaveLength(1);
  });

  it('shows problems inline: a bad key under the key, a workflow without stages at the top, a stage without approvers under its input', async () => {
    const team = await setupTeam(started);
    const editor = await click(team, team.admin, null, ADMIN_ACTIONS.newWorkflow, 'new', 'views.open');

    const noStages = await submit(team, team.admin, editor, { [ADMIN_BLOCKS.name]: text('Leave'), [ADMIN_BLOCKS.key]: text('leave') });
    expect(noStages.json?.response_action).toBe('update');
    expect(JSON.stringify(noStages.json?.view)).toContain('A workflow needs at least one stage');

    const stage = await click(team, team.admin, editor, ADMIN_ACTIONS.addStage, 'add', 'views.push');
    const refused = await submit(team, team.admin, stage, { [ADMIN_BLOCKS.stageName]: text('Approval'), [ADMIN_BLOCKS.stageStep]: number('1'), [ADMIN_BLOCKS.stageSla]: number('24') });
    expect(refused.json?.response_action).toBe('errors');
    expect((refused.json?.errors as Record<string, string>)[ADMIN_BLOCKS.stageUsers]).toContain('at least one approver');
    const withStage = await saveItem(team, stage, { [ADMIN_BLOCKS.stageName]: text('Approval'), [ADMIN_BLOCKS.stageStep]: number('1'), [ADMIN_BLOCKS.stageUsers]: users(team.manager), [ADMIN_BLOCKS.stageSla]: number('24') });

    const badKey = await submit(team, team.admin, withStage, { [ADMIN_BLOCKS.name]: text('Leave'), [ADMIN_BLOCKS.key]: text('Leave Requests!') });
    expect(badKey.json?.response_action).toBe('errors');
    expect(Object.keys(badKey.json?.errors as object)).toEqual([ADMIN_BLOCKS.key]);
    expect(await started.app.services.workflows.list(team.teamId)).toHaveLength(1); // only the purchase order
  });

  it('refuses non-admins everywhere and changes nothing', async () => {
    const team = await setupTeam(started);
    const since = mark(started);
    const command = await started.requests.command({ teamId: team.teamId, userId: team.requester, text: 'admin' });
    expect(command.json?.response_type).toBe('ephemeral');
    expect(JSON.stringify(command.json?.blocks)).toContain('Only approval admins');
    expect(started.slack.calls.slice(since).some((c) => c.method === 'views.open')).toBe(false);

    const refusal = await click(team, team.requester, null, ADMIN_ACTIONS.newWorkflow, 'new', 'views.open');
    expect(refusal.callbackId).toBe(ADMIN_CALLBACKS.done);
    expect(refusal.text).toContain('Only approval admins');

    // A forged editor submission from a non-admin publishes nothing.
    const editor = await click(team, team.admin, null, ADMIN_ACTIONS.editWorkflow, 'purchase-order', 'views.open');
    const forged = await submit(team, team.requester, editor, { [ADMIN_BLOCKS.name]: text('Hijacked'), [ADMIN_BLOCKS.key]: text('purchase-order') });
    expect(JSON.stringify(forged.json?.view)).toContain('Only approval admins');
    const current = await started.app.services.workflows.getVersion(team.teamId, 'purchase-order');
    expect([current.version, current.definition.name]).toEqual([1, 'Purchase order']);
  });
});
