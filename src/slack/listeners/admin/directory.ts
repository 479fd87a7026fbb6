import type { AllMiddlewareArgs, Logger, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { adminsModal, managerModal, NO_GROUP, roleModal, rolesModal, type UserGroupOption } from '../../../../blocks/admin/directory-modals.ts';
import { noticeModal } from '../../../../blocks/admin/export.ts';
import { ADMIN_BLOCKS } from '../../../../blocks/admin/ids.ts';
import { withOriginChannel } from '../../../../blocks/metadata.ts';
import { mention } from '../../../../blocks/format.ts';
import { escapeMrkdwn } from '../../../../blocks/text.ts';
import { isDomainError } from '../../../domain/index.ts';
import { slackMeta, type SlackDeps } from '../../context.ts';
import { userMessageFor } from '../../errors.ts';
import { parseAdminSubmission, readOption, readText, readUser, readUsers, type AdminSubmission } from './admin-payload.ts';
import { adminClick } from './workflow-editor.ts';
import { showAdminView } from './show-view.ts';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const USER_GROUP_ID = /^S[A-Z0-9]{2,20}$/;

/** The workspace's user groups for the role modal; an empty list (then an id box is shown) if Slack says no. */
async function userGroups(client: WebClient, logger: Logger): Promise<UserGroupOption[]> {
  try {
    const answer = await client.usergroups.list({});
    return (answer.usergroups ?? []).flatMap((g) => (g.id && g.handle ? [{ id: g.id, handle: g.handle }] : []));
  } catch (error) {
    logger.warn('usergroups.list failed; the role modal asks for a group id instead', error);
    return [];
  }
}

export const openRoles = (deps: SlackDeps) => adminClick(deps, async (action, { client }) => {
  await showAdminView(client, action, rolesModal(await deps.services.directory.listRoles(action.teamId)));
});

export const openRole = (deps: SlackDeps, existing: boolean) => adminClick(deps, async (action, { client, logger }) => {
  const role = existing ? (await deps.services.directory.listRoles(action.teamId)).find((r) => r.name === action.value) ?? null : null;
  await showAdminView(client, action, roleModal(role, await userGroups(client, logger)));
});

export const openManagers = (deps: SlackDeps) => adminClick(deps, async (action, { client }) => {
  await showAdminView(client, action, managerModal(null, null));
});

/** Picking the person in the manager modal shows their current manager, ready to change. */
export const managerSubjectPicked = (deps: SlackDeps) => adminClick(deps, async (action, { client }) => {
  if (!action.view) return;
  const subject = action.value ?? null;
  const manager = subject ? await deps.services.directory.managerOf(action.teamId, subject) : null;
  await client.views.update({ view_id: action.view.id, ...(action.view.hash ? { hash: action.view.hash } : {}), view: withOriginChannel(managerModal(subject, manager), action.channelId) });
});

export const openAdmins = (deps: SlackDeps) => adminClick(deps, async (action, { client }) => {
  await showAdminView(client, action, adminsModal(await deps.services.directory.listAdmins(action.teamId)));
});

/** "Remove" next to an admin: revokes the role, then redraws the list in place. */
export const revokeAdminClick = (deps: SlackDeps) => adminClick(deps, async (action, { client }) => {
  if (!action.view || !action.value) return;
  await deps.services.directory.revokeAdmin(action.teamId, action.userId, action.value, slackMeta(action.teamId, { channelId: action.channelId, actionId: action.actionId, surface: 'admin:admins' }));
  await client.views.update({ view_id: action.view.id, view: withOriginChannel(adminsModal(await deps.services.directory.listAdmins(action.teamId)), action.channelId) });
});

/** Domain refusals go under `blockId`; anything else is logged and apologised for there too. */
async function failInline(ack: SubmitArgs['ack'], blockId: string, error: unknown, logger: Logger): Promise<void> {
  const fieldMessage = isDomainError(error) ? Object.values(error.fieldErrors)[0] : undefined;
  await ack({ response_action: 'errors', errors: { [blockId]: fieldMessage ?? userMessageFor(error, logger) } });
}

const done = (title: string, text: string) => ({ response_action: 'update' as const, view: noticeModal(title, text) });

/** Saves a role; with a bound user group, its members come from the group. */
export function submitRole(deps: SlackDeps) {
  return async ({ ack, body, client, logger }: SubmitArgs): Promise<void> => {
    const submission = parseAdminSubmission(body);
    if (!submission) return void (await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.roleName]: 'That form arrived incomplete; please try again.' } }));
    const values = submission.view.state.values;
    const name = readText(values, ADMIN_BLOCKS.roleName);
    const groupChoice = readOption(values, ADMIN_BLOCKS.roleGroup) ?? readText(values, ADMIN_BLOCKS.roleGroup);
    const groupId = groupChoice && groupChoice !== NO_GROUP ? groupChoice : null;
    if (groupId && !USER_GROUP_ID.test(groupId)) {
      return void (await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.roleGroup]: 'A user group id starts with S, such as S0123ABCD.' } }));
    }
    if (!(await deps.services.directory.isAdmin(submission.teamId, submission.userId))) {
      return void (await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.roleName]: 'Only approval admins can change roles.' } }));
    }
    let members = readUsers(values, ADMIN_BLOCKS.roleMembers);
    if (groupId) {
      try {
        members = await deps.directory.membersOf(submission.teamId, groupId);
      } catch (error) {
        logger.warn('could not read a user group', error);
        return void (await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.roleGroup]: 'Slack does not know that user group (or I may not read it).' } }));
      }
    }
    try {
      await deps.services.directory.setRole(submission.teamId, submission.userId, {
        name, description: readText(values, ADMIN_BLOCKS.roleDescription), members, slackUsergroupId: groupId,
      }, slackMeta(submission.teamId, { channelId: submission.channelId, surface: 'admin:role' }));
    } catch (error) {
      return failInline(ack, ADMIN_BLOCKS.roleName, error, logger);
    }
    await afterRoleSaved(deps, client, submission, logger);
    await ack(done('Role saved', `:white_check_mark: Role \`${escapeMrkdwn(name)}\` now has ${members.length} member${members.length === 1 ? '' : 's'}${groupId ? `, following <!subteam^${groupId}>` : ''}.`));
  };
}

/** When the role modal was pushed over the roles list, that list is redrawn with the change. */
async function afterRoleSaved(deps: SlackDeps, client: WebClient, submission: AdminSubmission, logger: Logger): Promise<void> {
  const below = submission.view.previous_view_id;
  if (!below) return;
  try {
    await client.views.update({ view_id: below, view: withOriginChannel(rolesModal(await deps.services.directory.listRoles(submission.teamId)), submission.channelId) });
  } catch (error) {
    logger.warn('could not redraw the roles list', error);
  }
}

export function submitManager(deps: SlackDeps) {
  return async ({ ack, body, logger }: SubmitArgs): Promise<void> => {
    const submission = parseAdminSubmission(body);
    if (!submission) return void (await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.managerSubject]: 'That form arrived incomplete; please try again.' } }));
    const values = submission.view.state.values;
    const subject = readUser(values, ADMIN_BLOCKS.managerSubject);
    if (!subject) return void (await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.managerSubject]: 'Pick the person whose manager to set.' } }));
    // The manager box's block id follows the person picked; read whichever one the form has.
    const managerBlock = Object.keys(values).find((id) => id.startsWith(ADMIN_BLOCKS.managerOfPrefix)) ?? ADMIN_BLOCKS.managerOf(subject);
    const manager = readUser(values, managerBlock);
    try {
      await deps.services.directory.setManager(submission.teamId, submission.userId, subject, manager, slackMeta(submission.teamId, { channelId: submission.channelId, surface: 'admin:manager' }));
    } catch (error) {
      const blockId = isDomainError(error) && error.fieldErrors.manager ? managerBlock : ADMIN_BLOCKS.managerSubject;
      return failInline(ack, blockId, error, logger);
    }
    await ack(done('Manager saved', manager
      ? `:white_check_mark: ${mention(manager)} is now ${mention(subject)}'s manager.`
      : `:white_check_mark: ${mention(subject)} has no manager now.`));
  };
}

export function submitAdmin(deps: SlackDeps) {
  return async ({ ack, body, logger }: SubmitArgs): Promise<void> => {
    const submission = parseAdminSubmission(body);
    const user = submission ? readUser(submission.view.state.values, ADMIN_BLOCKS.adminUser) : null;
    if (!submission || !user) return void (await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.adminUser]: 'Pick the person to make an admin.' } }));
    try {
      await deps.services.directory.grantAdmin(submission.teamId, submission.userId, user, slackMeta(submission.teamId, { channelId: submission.channelId, surface: 'admin:admins' }));
    } catch (error) {
      return failInline(ack, ADMIN_BLOCKS.adminUser, error, logger);
    }
    await ack(done('Admin granted', `:white_check_mark: ${mention(user)} is now an approval admin.`));
  };
}
