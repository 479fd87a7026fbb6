import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPReceiverOptions, Installation as BoltInstallation, InstallationStore } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { SlackMode } from '../config/slack-mode.ts';
import { currentTraceId } from '../observability/log-context.ts';
import { loggerFor } from '../observability/logger.ts';
import type { Installation, RequestMeta, Services, StoredInstallation } from '../services/index.ts';
import { isInfrastructureUnavailable } from './errors.ts';
import { failurePage, installPage, successPage, type InstallProblem } from './install-pages.ts';
import { BOT_SCOPES } from './scopes.ts';

/** Where people start an install, and where Slack sends them back (manifest.yml's redirect URL). */
export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';

type InstallerOptions = NonNullable<HTTPReceiverOptions['installerOptions']>;
type CallbackOptions = NonNullable<InstallerOptions['callbackOptions']>;
type OAuthMode = Extract<SlackMode, { kind: 'oauth' }>;

const log = loggerFor('slack-install');
const seconds = (at: Date | null): number | undefined => (at ? Math.floor(at.getTime() / 1000) : undefined);
const fromSeconds = (at: number | undefined): Date | null => (at ? new Date(at * 1000) : null);

/** Bolt's installation (what the OAuth flow produced) as the installation service takes it. */
export function fromBolt(i: BoltInstallation): Installation {
  const isEnterpriseInstall = i.isEnterpriseInstall === true;
  const installKey = isEnterpriseInstall ? i.enterprise?.id : i.team?.id;
  if (!installKey) throw new Error('the installation names neither a workspace nor an org');
  if (!i.bot) throw new Error('the installation has no bot token');
  const userToken = i.user.token;
  return {
    installKey, teamId: isEnterpriseInstall ? null : (i.team?.id ?? null), enterpriseId: i.enterprise?.id ?? null, isEnterpriseInstall,
    teamName: i.team?.name ?? null, enterpriseName: i.enterprise?.name ?? null, enterpriseUrl: i.enterpriseUrl ?? null, appId: i.appId ?? null,
    bot: { id: i.bot.id || null, userId: i.bot.userId, scopes: [...i.bot.scopes], token: i.bot.token, refreshToken: i.bot.refreshToken ?? null, expiresAt: fromSeconds(i.bot.expiresAt) },
    installer: {
      userId: i.user.id,
      token: userToken ? { token: userToken, refreshToken: i.user.refreshToken ?? null, expiresAt: fromSeconds(i.user.expiresAt) } : null,
      scopes: i.user.scopes ? [...i.user.scopes] : null,
    },
    tokenType: i.tokenType ?? null, authVersion: i.authVersion ?? 'v2',
  };
}

/**
 * A stored installation as Bolt's `authorize` reads it. Refresh tokens are left out on purpose: the store hands
 * out tokens it has just rotated, so Bolt never rotates one itself (two rotations of one refresh token race).
 */
export function toBolt(s: StoredInstallation): BoltInstallation<'v2', boolean> {
  return {
    team: s.teamId ? { id: s.teamId, ...(s.teamName ? { name: s.teamName } : {}) } : undefined,
    enterprise: s.enterpriseId ? { id: s.enterpriseId, ...(s.enterpriseName ? { name: s.enterpriseName } : {}) } : undefined,
    user: { id: s.installer.userId, token: s.installer.token?.token, scopes: s.installer.scopes ? [...s.installer.scopes] : undefined },
    bot: { id: s.bot.id ?? '', userId: s.bot.userId, token: s.bot.token, scopes: [...s.bot.scopes], ...(s.bot.expiresAt ? { expiresAt: seconds(s.bot.expiresAt) } : {}) },
    ...(s.appId ? { appId: s.appId } : {}),
    ...(s.enterpriseUrl ? { enterpriseUrl: s.enterpriseUrl } : {}),
    tokenType: 'bot',
    isEnterpriseInstall: s.isEnterpriseInstall,
    authVersion: 'v2',
  };
}

const installMeta = (installKey: string): RequestMeta => ({ origin: { kind: 'slack', teamId: installKey, channelId: null, actionId: null, surface: 'oauth' }, traceId: currentTraceId() });

/** The installation store Bolt's OAuth flow and `authorize` use: Postgres through the installation service. */
export function postgresInstallationStore(services: Pick<Services, 'installations'>): InstallationStore {
  return {
    async storeInstallation(installation) {
      const stored = fromBolt(installation);
      await services.installations.install(stored, installMeta(stored.installKey));
    },
    async fetchInstallation(query) {
      return toBolt(await services.installations.forQuery(query));
    },
  };
}

const queryError = (req: IncomingMessage): string | null => new URL(req.url ?? '/', 'http://localhost').searchParams.get('error');

/** What went wrong, from Bolt's error and what Slack put in the redirect. */
export function installProblem(error: { code?: string; data?: { error?: unknown } }, req: IncomingMessage): InstallProblem {
  const fromSlack = queryError(req);
  if (fromSlack === 'access_denied') return { kind: 'cancelled' };
  if (fromSlack === 'invalid_team_for_non_distributed_app') return { kind: 'wrong_workspace' };
  if (fromSlack) return { kind: 'slack_refused', code: fromSlack.replace(/[^a-z_]/g, '').slice(0, 60) || 'unknown_error' };
  switch (error.code) {
    case 'slack_oauth_missing_state':
    case 'slack_oauth_invalid_state':
      return { kind: 'expired' };
    case 'slack_oauth_missing_code':
      return { kind: 'slack_refused', code: 'missing_code' };
    case 'slack_webapi_platform_error': {
      const code = typeof error.data?.error === 'string' ? error.data.error : 'unknown_error';
      return code === 'invalid_team_for_non_distributed_app' ? { kind: 'wrong_workspace' } : { kind: 'slack_refused', code };
    }
    default:
      return isInfrastructureUnavailable(error) ? { kind: 'unavailable' } : { kind: 'slack_refused', code: 'unknown_error' };
  }
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

/** The pages at the end of an install, and the refusal of an install that lacks a scope the app needs. */
export function installCallbacks(clientOptions: WebClientOptions): CallbackOptions {
  return {
    afterInstallation: async (installation, _options, _req, res) => {
      const granted = new Set(installation.bot?.scopes ?? []);
      const missing = BOT_SCOPES.filter((scope) => !granted.has(scope));
      if (missing.length === 0) return true;
      // Nothing is stored; the tokens Slack issued are given back so no half-working install is left behind.
      if (installation.bot?.token) {
        await new WebClient(installation.bot.token, clientOptions).auth.revoke().catch((error: unknown) => log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not revoke the tokens of a refused install'));
      }
      log.warn({ installKey: installation.isEnterpriseInstall ? installation.enterprise?.id : installation.team?.id, missing }, 'install refused: scopes missing');
      const { status, html } = failurePage({ kind: 'missing_scopes', missing });
      send(res, status, html);
      return false;
    },
    success: (installation, _options, _req, res) => {
      const org = installation.isEnterpriseInstall === true;
      log.info({ installKey: org ? installation.enterprise?.id : installation.team?.id, enterprise: org }, 'installed');
      send(res, 200, successPage({
        isEnterpriseInstall: org, teamId: installation.team?.id ?? null, appId: installation.appId ?? null,
        name: (org ? installation.enterprise?.name : installation.team?.name) ?? null, enterpriseUrl: installation.enterpriseUrl ?? null,
      }));
    },
    failure: (error, _options, req, res) => {
      const problem = installProblem(error as { code?: string; data?: { error?: unknown } }, req);
      log.warn({ problem: problem.kind, ...(problem.kind === 'slack_refused' ? { code: problem.code } : {}) }, 'install did not complete');
      const { status, html } = failurePage(problem);
      send(res, status, html);
    },
  };
}

/** Slack's consent screen, next to its Web API (slack.com, GovSlack, or a local fake in tests). */
export const authorizeUrlFor = (slackApiUrl: string | undefined): string => new URL('../oauth/v2/authorize', slackApiUrl ?? 'https://slack.com/api/').toString();

/** The OAuth half of the HTTP receiver's options: Bolt's built-in flow on our paths, pages and store. */
export function oauthReceiverOptions(mode: OAuthMode, services: Pick<Services, 'installations'>, clientOptions: WebClientOptions, slackApiUrl: string | undefined): Pick<HTTPReceiverOptions, 'clientId' | 'clientSecret' | 'stateSecret' | 'scopes' | 'installationStore' | 'redirectUri' | 'installerOptions'> {
  return {
    clientId: mode.clientId,
    clientSecret: mode.clientSecret,
    stateSecret: mode.stateSecret,
    scopes: [...BOT_SCOPES],
    installationStore: postgresInstallationStore(services),
    ...(mode.redirectUri ? { redirectUri: mode.redirectUri } : {}),
    installerOptions: {
      installPath: INSTALL_PATH,
      redirectUriPath: REDIRECT_PATH,
      directInstall: false,
      renderHtmlForInstallPath: installPage,
      callbackOptions: installCallbacks(clientOptions),
      clientOptions,
      authorizationUrl: authorizeUrlFor(slackApiUrl),
    },
  };
}
