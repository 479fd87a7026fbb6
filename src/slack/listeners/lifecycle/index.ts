import type { AllMiddlewareArgs, App, Context, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { slackMeta, type SlackDeps } from '../../context.ts';

/** The installation an event is about: the org's for an org-wide install, else the workspace's (Bolt reads both off the envelope). */
const installKeyOf = (context: Context): string | undefined => (context.isEnterpriseInstall ? context.enterpriseId : context.teamId);

const revokedSchema = z.object({ tokens: z.object({ oauth: z.array(z.string()).optional(), bot: z.array(z.string()).optional() }) });

/**
 * The app was uninstalled: the installation goes inactive at once (nothing more is sent there, and what was
 * queued is recorded as not delivered); the workspace's requests, timers and audit trail stay.
 */
export function appUninstalled(deps: SlackDeps) {
  return async ({ context, logger }: SlackEventMiddlewareArgs<'app_uninstalled'> & AllMiddlewareArgs): Promise<void> => {
    const key = installKeyOf(context);
    if (!key) {
      logger.warn('app_uninstalled without a workspace or org; ignored');
      return;
    }
    await deps.services.installations.deactivate(key, 'app_uninstalled', slackMeta(key, { surface: 'events' }));
    deps.installationChanged?.(context.isEnterpriseInstall ? undefined : key);
  };
}

/** Tokens were revoked: the bot's makes the installation inactive; an installer's own token is just forgotten. */
export function tokensRevoked(deps: SlackDeps) {
  return async ({ context, event, logger }: SlackEventMiddlewareArgs<'tokens_revoked'> & AllMiddlewareArgs): Promise<void> => {
    const key = installKeyOf(context);
    const parsed = revokedSchema.safeParse(event);
    if (!key || !parsed.success) {
      logger.warn('tokens_revoked without a workspace or token list; ignored');
      return;
    }
    const { bot = [], oauth = [] } = parsed.data.tokens;
    const meta = slackMeta(key, { surface: 'events' });
    if (bot.length > 0) {
      await deps.services.installations.deactivate(key, 'tokens_revoked', meta, { bot: true, users: oauth });
      deps.installationChanged?.(context.isEnterpriseInstall ? undefined : key);
    } else if (oauth.length > 0) {
      await deps.services.installations.forgetInstallerToken(key, meta, oauth);
    }
  };
}

/** The installation's lifecycle (OAuth mode; manifest.yml subscribes to both events). */
export function registerLifecycle(app: App, deps: SlackDeps): void {
  app.event('app_uninstalled', appUninstalled(deps));
  app.event('tokens_revoked', tokensRevoked(deps));
}
