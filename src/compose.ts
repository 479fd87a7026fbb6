import type { Env } from './config/env.ts';
import { configuredAdmins, slackMode } from './config/slack-mode.ts';
import type { Orm } from './db/orm.ts';
import { createSlackClient, createTokenRefresher } from './jobs/slack-client.ts';
import { installationClients, singleWorkspaceClients, type SlackClients } from './jobs/slack-clients.ts';
import { createServices, defaultDeps, type ServiceDeps, type Services, type UserGroupDirectory } from './services/index.ts';
import { createSlackDirectory, type SlackDirectory, type SlackDirectoryOptions } from './slack/slack-directory.ts';

export interface Composed {
  readonly deps: ServiceDeps;
  readonly services: Services;
  /** Every Web API call of this process goes through these: each workspace's own installation token. */
  readonly slackClients: SlackClients;
  readonly slackDirectory: SlackDirectory;
}

/**
 * The services of one process and its way to Slack, as the environment's mode says (src/config/slack-mode.ts):
 * one bot token for everything, or each workspace's installation (OAuth mode). Shared by the app and the worker.
 */
export function composeServices(env: Env, orm: Orm, options: { directory?: SlackDirectoryOptions } = {}): Composed {
  const mode = slackMode(env);
  const admins = configuredAdmins(env.APPROVAL_ADMINS);
  // Roles bound to user groups follow the directory, which needs the services' installations: bound late.
  const userGroups: UserGroupDirectory = { membersOf: (teamId, groupId) => slackDirectory.membersOf(teamId, groupId) };
  const deps: ServiceDeps = {
    ...defaultDeps(orm, admins.everywhere, userGroups),
    workspaceAdmins: admins.byScope,
    apiRateLimits: { windowSeconds: 60, authFailuresPerWindow: env.API_AUTH_FAILURES_PER_MINUTE, requestsPerWindow: env.API_REQUESTS_PER_MINUTE },
    installationKeys: mode.kind === 'oauth' ? mode.encryptionKeys : null,
    tokenRefresher: mode.kind === 'oauth' ? createTokenRefresher({ clientId: mode.clientId, clientSecret: mode.clientSecret, slackApiUrl: env.SLACK_API_URL }) : null,
  };
  const services = createServices(deps);
  const slackClients = mode.kind === 'single'
    ? singleWorkspaceClients(createSlackClient(mode.botToken, env.SLACK_API_URL))
    : installationClients({ credentials: (teamId) => services.installations.credentialsFor(teamId), slackApiUrl: env.SLACK_API_URL });
  const slackDirectory = createSlackDirectory((teamId) => slackClients.forTeam(teamId), options.directory);
  return { deps, services, slackClients, slackDirectory };
}
