import type { Logger } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { noticeModal } from '../../../../blocks/admin/export.ts';
import { ADMIN_CALLBACKS } from '../../../../blocks/admin/ids.ts';
import { withOriginChannel } from '../../../../blocks/metadata.ts';
import { escapeMrkdwn } from '../../../../blocks/text.ts';
import { DomainError } from '../../../domain/index.ts';
import type { SlackDeps } from '../../context.ts';
import type { RequestMeta } from '../../../services/index.ts';
import { tellUser } from '../../errors.ts';
import type { AdminAction } from './admin-payload.ts';

export const NOT_ADMIN = new DomainError('forbidden', 'Only approval admins can do that. Ask an admin to grant you the admin role.');

/**
 * Shows an admin modal where the click happened: the admin menu turns into it (so the stack stays shallow),
 * a click inside another modal pushes it on top, and a click on the Home tab opens it. Returns the view's id.
 */
export async function showAdminView(client: WebClient, action: AdminAction, shown: ModalView): Promise<string | undefined> {
  // Every admin modal carries the channel the admin flow started in, for the audit events of what is done in it.
  const view = withOriginChannel(shown, action.channelId);
  if (action.view?.type === 'modal' && action.view.callback_id === ADMIN_CALLBACKS.menu) {
    return (await client.views.update({ view_id: action.view.id, view })).view?.id;
  } else if (action.view?.type === 'modal') {
    return (await client.views.push({ trigger_id: action.triggerId, view })).view?.id;
  }
  return (await client.views.open({ trigger_id: action.triggerId, view })).view?.id;
}

/** Tells a non-admin no, in a modal where Slack allows one (the click's trigger), else by message. */
export async function refuse(client: WebClient, action: AdminAction, error: unknown, logger: Logger): Promise<void> {
  const message = error instanceof DomainError ? error.message : 'Something went wrong on our side and nothing was changed. Please try again in a moment.';
  if (!(error instanceof DomainError)) logger.error('admin action failed', error);
  try {
    await showAdminView(client, action, noticeModal('Not done', `:warning: ${escapeMrkdwn(message)}`));
  } catch {
    await tellUser(client, { userId: action.userId, channelId: action.channelId }, error, logger);
  }
}

/**
 * Admin checks happen in every admin listener, before anything is shown or changed. A refusal is recorded in the
 * trail (`policy.change_refused`, with what was attempted): someone tried to reach the admin tools.
 */
export async function requireAdmin(deps: SlackDeps, teamId: string, userId: string, meta: RequestMeta, attempted: string): Promise<void> {
  if (await deps.services.directory.isAdmin(teamId, userId)) return;
  await deps.services.auditQuery.recordAboutTrail(teamId, 'policy.change_refused', userId, { attempted, via: 'slack' }, meta);
  throw NOT_ADMIN;
}
