/**
 * An installation of the app as the services see it: tokens in clear, only ever in memory. What Bolt calls an
 * Installation is converted to and from this at the Slack adapter (src/slack/installation-store.ts).
 */
export interface InstalledToken {
  readonly token: string;
  /** With token rotation on: what exchanges the token for a new one before it expires. */
  readonly refreshToken: string | null;
  readonly expiresAt: Date | null;
}

export interface Installation {
  /** The workspace id, or the Enterprise Grid org's id for an org-wide install. */
  readonly installKey: string;
  readonly teamId: string | null;
  readonly enterpriseId: string | null;
  readonly isEnterpriseInstall: boolean;
  readonly teamName: string | null;
  readonly enterpriseName: string | null;
  readonly enterpriseUrl: string | null;
  readonly appId: string | null;
  readonly bot: InstalledToken & { readonly id: string | null; readonly userId: string; readonly scopes: readonly string[] };
  /** The person who installed; their own token only when the app asked for user scopes. */
  readonly installer: { readonly userId: string; readonly token: InstalledToken | null; readonly scopes: readonly string[] | null };
  readonly tokenType: string | null;
  readonly authVersion: string;
}

export interface StoredInstallation extends Installation {
  readonly status: 'active' | 'inactive';
  readonly inactiveReason: 'app_uninstalled' | 'tokens_revoked' | null;
}

/** What the worker needs to call Slack for a workspace, or why it cannot. */
export type WorkspaceCredentials =
  | { readonly status: 'active'; readonly installKey: string; readonly botToken: string; readonly botUserId: string; readonly expiresAt: Date | null }
  | { readonly status: 'inactive'; readonly installKey: string; readonly reason: 'app_uninstalled' | 'tokens_revoked' }
  | { readonly status: 'missing' };

/** Exchanges a refresh token for new tokens (oauth.v2.access, grant_type=refresh_token): a port the entry points fill. */
export type TokenRefresher = (refreshToken: string) => Promise<{ token: string; refreshToken: string; expiresInSeconds: number }>;

/** Which installation a Slack request belongs to, as Bolt asks. */
export interface InstallationQuery {
  readonly teamId?: string | undefined;
  readonly enterpriseId?: string | undefined;
  readonly isEnterpriseInstall: boolean;
}

/** The workspace's or org's installation is not active (never installed, uninstalled, or its tokens revoked). */
export class NotInstalledError extends Error {
  readonly code: 'not_installed' | 'app_uninstalled' | 'tokens_revoked';
  constructor(code: NotInstalledError['code'], where: string) {
    super(`no active installation for ${where} (${code})`);
    this.name = 'NotInstalledError';
    this.code = code;
  }
}
