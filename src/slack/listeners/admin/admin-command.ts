import { firstAdminMessage } from '../../../../blocks/admin-setup.ts';
import { adminMenuModal } from '../../../../blocks/admin/menu.ts';
import type { CommandContext, CommandOutcome, Subcommand } from '../commands/subcommand.ts';
import { requireAdmin } from './show-view.ts';

/**
 * `/approval admin`: the admin tools in a modal (workflows, import, roles, managers, admins); admins only.
 * While the workspace has no admin at all, it says how the first one is made instead of just "no".
 */
export async function runAdminCommand(ctx: CommandContext): Promise<CommandOutcome> {
  if (!(await ctx.deps.services.adminSetup.hasAdmins(ctx.teamId))) return { reply: firstAdminMessage(ctx.userId) };
  await requireAdmin(ctx.deps, ctx.teamId, ctx.userId, ctx.meta, 'admin_tools:open');
  const [workflows, roles] = await Promise.all([ctx.deps.services.workflows.list(ctx.teamId), ctx.deps.services.directory.listRoles(ctx.teamId)]);
  return { open: adminMenuModal(workflows, roles) };
}

export const adminSubcommand = (): Subcommand => ({
  name: 'admin',
  usage: 'admin',
  summary: 'Create and edit workflows, import or export YAML, manage roles, managers and admins (admins only).',
  run: runAdminCommand,
});
