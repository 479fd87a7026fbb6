import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { HOME_IDS } from '../../../../blocks/admin/ids.ts';
import { slackMeta, type SlackDeps } from '../../context.ts';
import { tellUser } from '../../errors.ts';
import { publishHome } from '../../home/render-home.ts';
import { actionOrigin } from '../actions/payload.ts';
import { slackUserIdSchema } from '../../../domain/index.ts';
import { isNotRecordedInTime } from '../../../services/index.ts';

const homeOpenedSchema = z.object({
  team_id: z.string().min(1),
  event: z.object({ type: z.literal('app_home_opened'), user: slackUserIdSchema(), tab: z.string().optional() }),
});

/** Publishes the Home tab whenever someone opens it (the Messages tab needs nothing). */
export function appHomeOpened(deps: SlackDeps) {
  return async ({ body, client, logger }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    const parsed = homeOpenedSchema.safeParse(body);
    if (!parsed.success) {
      logger.warn('app_home_opened without team or user; ignored');
      return;
    }
    const { team_id: teamId, event } = parsed.data;
    if (event.tab && event.tab !== 'home') return;
    // In turn with other workspaces' work, so a burst elsewhere does not hold this tab back.
    try {
      await deps.slots.run(teamId, async () => {
        await deps.services.home.markOpened(teamId, event.user);
        await publishHome(client, deps, teamId, event.user);
      });
    } catch (error) {
      // The waiting line is full: this opening is skipped (the next one draws the tab).
      if (!isNotRecordedInTime(error)) throw error;
      logger.warn('Home tab not drawn: too many Slack interactions waiting', error.message);
    }
  };
}

/** "End my delegation" on the Home tab: revokes now, then redraws the tab. */
export function revokeFromHome(deps: SlackDeps) {
  return async ({ ack, body, client, logger }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const origin = actionOrigin(body);
    if (!origin) return;
    try {
      await deps.services.directory.revokeDelegations(origin.teamId, origin.userId, origin.userId, slackMeta(origin.teamId, { surface: 'home' }));
      await publishHome(client, deps, origin.teamId, origin.userId);
    } catch (error) {
      await tellUser(client, origin, error, logger);
    }
  };
}

export function registerHome(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', appHomeOpened(deps));
  app.action(HOME_IDS.revokeDelegations, revokeFromHome(deps));
}
