import type { WebClient } from '@slack/web-api';
import type { WorkspaceCredentials } from '../services/index.ts';
import { createSlackClient, SlackDeliveryError } from './slack-client.ts';

/**
 * Slack Web API clients by workspace: the one port through which the worker (and the user-group directory)
 * reach Slack, so every call uses the token of the installation the work belongs to. In single-workspace mode
 * that is always the one bot token; in OAuth mode each workspace's (or its org's) installation.
 */
export interface SlackClients {
  /** The client for a workspace's work; a SlackDeliveryError (permanent) when it has no active installation. */
  forTeam(teamId: string): Promise<WebClient>;
  /** Forgets what is kept for a workspace (its installation just changed in this process), or for all. */
  forget(teamId?: string): void;
}

/** Single-workspace mode: one token for everything. */
export function singleWorkspaceClients(client: WebClient): SlackClients {
  return { forTeam: async () => client, forget: () => undefined };
}

export interface InstallationClientsOptions {
  /** The installation's bot token for a workspace (the installation service, which also rotates tokens). */
  readonly credentials: (teamId: string) => Promise<WorkspaceCredentials>;
  readonly slackApiUrl?: string | undefined;
  /**
   * How long a workspace's active installation is reused without asking the store again. Default 0: every job
   * reads it (one primary-key read), so an uninstall seen by any process stops every process's deliveries at
   * once. The Web API client of each token is kept either way.
   */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/** Why a workspace cannot be reached, as the code recorded on the notification that was not delivered. */
const notInstalled = (credentials: Exclude<WorkspaceCredentials, { status: 'active' }>): SlackDeliveryError =>
  new SlackDeliveryError({ kind: 'permanent', code: credentials.status === 'missing' ? 'not_installed' : credentials.reason });

/** OAuth mode: the token of each workspace's installation, never a global one. */
export function installationClients(options: InstallationClientsOptions): SlackClients {
  const ttl = options.ttlMs ?? 0;
  const now = options.now ?? Date.now;
  const byTeam = new Map<string, { readonly credentials: Promise<WorkspaceCredentials>; readonly until: number }>();
  // One client per workspace and token: a rotated token gets a new one, and the old one is dropped.
  const clients = new Map<string, { readonly token: string; readonly client: WebClient }>();

  function credentialsOf(teamId: string): Promise<WorkspaceCredentials> {
    const kept = byTeam.get(teamId);
    if (kept && kept.until > now()) return kept.credentials;
    if (ttl <= 0) return options.credentials(teamId);
    const credentials = options.credentials(teamId);
    byTeam.set(teamId, { credentials, until: now() + ttl });
    // Only an active installation is kept: a workspace that is not (yet, or again) installed is looked up each
    // time, so a reinstall resumes delivery at once in every process.
    credentials.then((found) => {
      if (found.status !== 'active' && byTeam.get(teamId)?.credentials === credentials) byTeam.delete(teamId);
    }, () => byTeam.delete(teamId));
    return credentials;
  }

  return {
    async forTeam(teamId) {
      const credentials = await credentialsOf(teamId);
      if (credentials.status !== 'active') throw notInstalled(credentials);
      // A token about to expire is not kept past its expiry: the next lookup rotates it.
      if (credentials.expiresAt && credentials.expiresAt.getTime() <= now() + ttl) byTeam.delete(teamId);
      const kept = clients.get(teamId);
      if (kept?.token === credentials.botToken) return kept.client;
      // An org-wide token names the workspace it acts in on every call (Slack asks for team_id with org tokens).
      const client = createSlackClient(credentials.botToken, options.slackApiUrl, credentials.installKey === teamId ? undefined : teamId);
      clients.set(teamId, { token: credentials.botToken, client });
      return client;
    },
    forget(teamId) {
      if (teamId === undefined) byTeam.clear();
      else byTeam.delete(teamId);
    },
  };
}
