import type { KnownBlock, ModalView } from '@slack/types';
import { button, context, section } from '../cards.ts';
import { LIMITS } from '../limits.ts';
import { escapeMrkdwn } from '../text.ts';
import { ADMIN_ACTIONS, ADMIN_BLOCKS, ADMIN_CALLBACKS } from './ids.ts';
import { input, modal, multiUsersSelect, option, staticSelect, textInput, usersSelect } from './kit.ts';

export interface RoleContent {
  readonly name: string;
  readonly description: string;
  readonly slackUsergroupId: string | null;
  readonly members: readonly string[];
}
export interface UserGroupOption {
  readonly id: string;
  readonly handle: string;
}

/** Value of the "no user group" choice in the role modal. */
export const NO_GROUP = 'none';

/** Roles with their members; each opens the role modal. */
export function rolesModal(roles: readonly RoleContent[]): ModalView {
  const blocks: KnownBlock[] = [
    section('Roles name groups of approvers (e.g. `finance`). A role can follow a Slack user group, so its members stay in sync.'),
    { type: 'actions', elements: [button('New role', ADMIN_ACTIONS.newRole, 'new', 'primary')] },
  ];
  const shown = roles.slice(0, LIMITS.VIEW_BLOCKS - 3);
  for (const role of shown) {
    const members = role.members.length ? role.members.slice(0, 30).map((m) => `<@${m}>`).join(', ') + (role.members.length > 30 ? ` and ${role.members.length - 30} more` : '') : '_no members_';
    const group = role.slackUsergroupId ? `\nFollows <!subteam^${role.slackUsergroupId}>` : '';
    blocks.push({ ...section(`*${escapeMrkdwn(role.name)}*${role.description ? ` · ${escapeMrkdwn(role.description)}` : ''}\n${members}${group}`), accessory: button('Edit', ADMIN_ACTIONS.editRole, role.name) });
  }
  if (roles.length > shown.length) blocks.push(context(`…and ${roles.length - shown.length} more roles.`));
  return modal('Roles', ADMIN_CALLBACKS.roles, blocks);
}

/** Create or edit one role: its name, description, members and the user group it follows. */
export function roleModal(role: RoleContent | null, groups: readonly UserGroupOption[]): ModalView {
  const blocks: KnownBlock[] = [
    input(ADMIN_BLOCKS.roleName, 'Role name', textInput({ initial: role?.name, maxLength: 40, placeholder: 'finance' }), {
      hint: 'a-z, 0-9 and _, starting with a letter. Stages name roles by this.',
    }),
    input(ADMIN_BLOCKS.roleDescription, 'Description', textInput({ initial: role?.description, maxLength: 200 }), { optional: true }),
    input(ADMIN_BLOCKS.roleMembers, 'Members', multiUsersSelect(role?.members ?? []), {
      optional: true, hint: 'When the role follows a user group, its members come from the group instead.',
    }),
  ];
  if (groups.length > 0) {
    const options = [option('None: members are picked above', NO_GROUP), ...groups.slice(0, LIMITS.SELECT_OPTIONS - 1).map((g) => option(`@${g.handle}`, g.id))];
    blocks.push(input(ADMIN_BLOCKS.roleGroup, 'Follows user group', staticSelect(options, role?.slackUsergroupId ?? NO_GROUP), { optional: true }));
  } else {
    blocks.push(input(ADMIN_BLOCKS.roleGroup, 'Follows user group (id)', textInput({ initial: role?.slackUsergroupId ?? undefined, maxLength: 20, placeholder: 'S0123ABCD' }), {
      optional: true, hint: 'The id of a Slack user group whose members this role follows. Leave empty to pick members above.',
    }));
  }
  return modal(role ? 'Edit role' : 'New role', ADMIN_CALLBACKS.role, blocks, { submit: 'Save role', close: 'Back', metadata: role?.name ?? '' });
}

/** Set or clear someone's manager (used by "requester's manager" stages and escalations). */
export function managerModal(subject: string | null, manager: string | null): ModalView {
  return modal('Managers', ADMIN_CALLBACKS.manager, [
    input(ADMIN_BLOCKS.managerSubject, 'Person', { ...usersSelect(subject), action_id: ADMIN_ACTIONS.managerSubject }, { dispatch: true }),
    // The block id follows the person, so Slack shows their current manager instead of keeping the old pick.
    input(ADMIN_BLOCKS.managerOf(subject), 'Their manager', usersSelect(manager, 'Pick their manager'), {
      optional: true, hint: 'Leave empty to remove their manager.',
    }),
  ], { submit: 'Save', close: 'Cancel' });
}

export interface AdminLine {
  readonly userId: string;
  /** Admins from the APPROVAL_ADMINS setting cannot be removed in Slack. */
  readonly fromConfig: boolean;
}

/** Who the admins are (each granted one with a Remove button), and a picker to make someone an admin. */
export function adminsModal(admins: readonly AdminLine[]): ModalView {
  const shown = admins.slice(0, LIMITS.VIEW_BLOCKS - 4);
  const blocks: KnownBlock[] = [
    section('Admins edit workflows, roles and managers. The first admins come from the `APPROVAL_ADMINS` setting.'),
    ...shown.map((admin) => (admin.fromConfig
      ? section(`<@${admin.userId}> · _from the APPROVAL_ADMINS setting_`)
      : { ...section(`<@${admin.userId}>`), accessory: button('Remove', ADMIN_ACTIONS.revokeAdmin, admin.userId, 'danger') })),
  ];
  if (admins.length > shown.length) blocks.push(context(`…and ${admins.length - shown.length} more admins.`));
  blocks.push(input(ADMIN_BLOCKS.adminUser, 'Make admin', usersSelect(null)));
  return modal('Admins', ADMIN_CALLBACKS.admins, blocks, { submit: 'Grant admin', close: 'Cancel' });
}
