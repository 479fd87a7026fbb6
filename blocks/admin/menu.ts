import type { KnownBlock, ModalView } from '@slack/types';
import { button, context, header, section } from '../cards.ts';
import { escapeMrkdwn } from '../text.ts';
import { ADMIN_ACTIONS, ADMIN_CALLBACKS } from './ids.ts';
import { modal } from './kit.ts';

export interface AdminWorkflow {
  readonly key: string;
  readonly name: string;
  readonly version: number;
  readonly active: boolean;
}
export interface AdminRole {
  readonly name: string;
  readonly slackUsergroupId: string | null;
  readonly members: readonly string[];
}

/** How many workflows are listed with an Edit button (the rest are named in a context line). */
export const ADMIN_WORKFLOWS_SHOWN = 15;

/** The admin tools: workflows with Edit buttons, roles, and the buttons for everything else. Home and `/approval admin` share it. */
export function adminBlocks(workflows: readonly AdminWorkflow[], roles: readonly AdminRole[]): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Admin: workflows')];
  if (workflows.length === 0) blocks.push(context('No workflows yet. Create one, or import YAML/JSON.'));
  for (const wf of workflows.slice(0, ADMIN_WORKFLOWS_SHOWN)) {
    blocks.push({
      ...section(`*${escapeMrkdwn(wf.name)}* · v${wf.version} · ${wf.active ? 'active' : '_inactive_'} · \`${wf.key}\``),
      accessory: button('Edit', ADMIN_ACTIONS.editWorkflow, wf.key),
    });
  }
  if (workflows.length > ADMIN_WORKFLOWS_SHOWN) {
    blocks.push(context(`…and ${workflows.length - ADMIN_WORKFLOWS_SHOWN} more: ${workflows.slice(ADMIN_WORKFLOWS_SHOWN).map((w) => `\`${w.key}\``).join(', ')}`));
  }
  const roleLines = roles.map((r) => {
    const group = r.slackUsergroupId ? ` · follows <!subteam^${r.slackUsergroupId}>` : '';
    return `\`${r.name}\` · ${r.members.length} member${r.members.length === 1 ? '' : 's'}${group}`;
  });
  blocks.push(section(`*Roles*\n${roleLines.length ? roleLines.join('\n') : '_No roles yet._'}`));
  blocks.push({
    type: 'actions',
    elements: [
      button('New workflow', ADMIN_ACTIONS.newWorkflow, 'new', 'primary'),
      button('Import YAML/JSON', ADMIN_ACTIONS.importWorkflow, 'import'),
      button('Roles', ADMIN_ACTIONS.roles, 'roles'),
      button('Managers', ADMIN_ACTIONS.managers, 'managers'),
      button('Admins', ADMIN_ACTIONS.admins, 'admins'),
    ],
  });
  return blocks;
}

/** `/approval admin`: the same tools in a modal; each button replaces it with the chosen editor. */
export function adminMenuModal(workflows: readonly AdminWorkflow[], roles: readonly AdminRole[]): ModalView {
  return modal('Approval admin', ADMIN_CALLBACKS.menu, adminBlocks(workflows, roles));
}
