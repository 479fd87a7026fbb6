import { sql, textArray, type Sql, type SqlRow, type SqlRunner } from './sql.ts';
import type { Tx } from './transaction.ts';

/** An installation as stored: tokens only ever sealed (the services seal and open them). */
export interface InstallationRow {
  /** The workspace id, or the org's id for an org-wide install. */
  readonly installKey: string;
  readonly teamId: string | null;
  readonly enterpriseId: string | null;
  readonly isEnterpriseInstall: boolean;
  readonly teamName: string | null;
  readonly enterpriseName: string | null;
  readonly enterpriseUrl: string | null;
  readonly appId: string | null;
  readonly botId: string | null;
  readonly botUserId: string;
  readonly botScopes: readonly string[];
  readonly botTokenSealed: string;
  readonly botRefreshTokenSealed: string | null;
  readonly botTokenExpiresAt: Date | null;
  readonly installerUserId: string;
  readonly userTokenSealed: string | null;
  readonly userRefreshTokenSealed: string | null;
  readonly userTokenExpiresAt: Date | null;
  readonly userScopes: readonly string[] | null;
  readonly tokenType: string | null;
  readonly authVersion: string;
}

export interface StoredInstallationRow extends InstallationRow {
  readonly status: 'active' | 'inactive';
  readonly inactiveReason: 'app_uninstalled' | 'tokens_revoked' | null;
  readonly installedAt: Date;
  readonly updatedAt: Date;
}

export type InactiveReason = NonNullable<StoredInstallationRow['inactiveReason']>;

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));
const toRow = (r: SqlRow): StoredInstallationRow => ({
  installKey: r.install_key as string, teamId: r.team_id as string | null, enterpriseId: r.enterprise_id as string | null,
  isEnterpriseInstall: r.is_enterprise_install as boolean, teamName: r.team_name as string | null, enterpriseName: r.enterprise_name as string | null,
  enterpriseUrl: r.enterprise_url as string | null, appId: r.app_id as string | null, botId: r.bot_id as string | null, botUserId: r.bot_user_id as string,
  botScopes: r.bot_scopes as string[], botTokenSealed: r.bot_token_sealed as string, botRefreshTokenSealed: r.bot_refresh_token_sealed as string | null,
  botTokenExpiresAt: date(r.bot_token_expires_at), installerUserId: r.installer_user_id as string, userTokenSealed: r.user_token_sealed as string | null,
  userRefreshTokenSealed: r.user_refresh_token_sealed as string | null, userTokenExpiresAt: date(r.user_token_expires_at),
  userScopes: r.user_scopes as string[] | null, tokenType: r.token_type as string | null, authVersion: r.auth_version as string,
  status: r.status as 'active' | 'inactive', inactiveReason: r.inactive_reason as InactiveReason | null,
  installedAt: new Date(r.installed_at as string), updatedAt: new Date(r.updated_at as string),
});

const scopes = (values: readonly string[] | null): Sql => (values === null ? sql`null` : textArray(values));

/**
 * The installation store's rows (OAuth mode) and which org each workspace belongs to. Literal statements: an
 * installation is looked up by key on every Slack request and job that needs a token.
 */
export function createInstallationRepository(db: SqlRunner) {
  const rows = async (statement: Sql, tx?: Tx): Promise<SqlRow[]> => (await (tx?.sql ?? db).run([statement]))[0] ?? [];
  return {
    async find(installKey: string, tx?: Tx): Promise<StoredInstallationRow | null> {
      const [row] = await rows(sql`select * from slack_installation where install_key = ${installKey}`, tx);
      return row ? toRow(row) : null;
    },
    /** Locks the row until the transaction ends (a token refresh or a lifecycle change is done by one at a time). */
    async lock(tx: Tx, installKey: string): Promise<StoredInstallationRow | null> {
      const [row] = await rows(sql`select * from slack_installation where install_key = ${installKey} for update`, tx);
      return row ? toRow(row) : null;
    },
    /**
     * The installation that serves a workspace: its own, else its org's org-wide one (the org from
     * slack_workspace). An active one is preferred; of two, the workspace's own.
     */
    async forTeam(teamId: string): Promise<StoredInstallationRow | null> {
      const [row] = await rows(sql`select * from (
          select i.*, 0 as preference from slack_installation i where i.install_key = ${teamId}
          union all
          select i.*, 1 as preference from slack_workspace w
            join slack_installation i on i.install_key = w.enterprise_id and i.is_enterprise_install
           where w.team_id = ${teamId}
        ) found order by (status = 'active') desc, preference limit 1`);
      return row ? toRow(row) : null;
    },
    /** Writes an installation (new, or the same key installed again) as active. */
    async save(tx: Tx, i: InstallationRow): Promise<void> {
      await rows(sql`insert into slack_installation (install_key, team_id, enterprise_id, is_enterprise_install, team_name, enterprise_name, enterprise_url,
          app_id, bot_id, bot_user_id, bot_scopes, bot_token_sealed, bot_refresh_token_sealed, bot_token_expires_at, installer_user_id,
          user_token_sealed, user_refresh_token_sealed, user_token_expires_at, user_scopes, token_type, auth_version)
        values (${i.installKey}, ${i.teamId}, ${i.enterpriseId}, ${i.isEnterpriseInstall}, ${i.teamName}, ${i.enterpriseName}, ${i.enterpriseUrl},
          ${i.appId}, ${i.botId}, ${i.botUserId}, ${textArray(i.botScopes)}, ${i.botTokenSealed}, ${i.botRefreshTokenSealed}, ${i.botTokenExpiresAt}, ${i.installerUserId},
          ${i.userTokenSealed}, ${i.userRefreshTokenSealed}, ${i.userTokenExpiresAt}, ${scopes(i.userScopes)}, ${i.tokenType}, ${i.authVersion})
        on conflict (install_key) do update set team_id = excluded.team_id, enterprise_id = excluded.enterprise_id, is_enterprise_install = excluded.is_enterprise_install,
          team_name = excluded.team_name, enterprise_name = excluded.enterprise_name, enterprise_url = excluded.enterprise_url, app_id = excluded.app_id,
          bot_id = excluded.bot_id, bot_user_id = excluded.bot_user_id, bot_scopes = excluded.bot_scopes, bot_token_sealed = excluded.bot_token_sealed,
          bot_refresh_token_sealed = excluded.bot_refresh_token_sealed, bot_token_expires_at = excluded.bot_token_expires_at,
          installer_user_id = excluded.installer_user_id, user_token_sealed = excluded.user_token_sealed, user_refresh_token_sealed = excluded.user_refresh_token_sealed,
          user_token_expires_at = excluded.user_token_expires_at, user_scopes = excluded.user_scopes, token_type = excluded.token_type,
          auth_version = excluded.auth_version, status = 'active', inactive_reason = null, deactivated_at = null, updated_at = now()`, tx);
    },
    /** New bot tokens after a rotation. */
    async saveBotTokens(tx: Tx, installKey: string, tokens: { botTokenSealed: string; botRefreshTokenSealed: string | null; botTokenExpiresAt: Date | null }): Promise<void> {
      await rows(sql`update slack_installation set bot_token_sealed = ${tokens.botTokenSealed}, bot_refresh_token_sealed = ${tokens.botRefreshTokenSealed},
          bot_token_expires_at = ${tokens.botTokenExpiresAt}, updated_at = now() where install_key = ${installKey}`, tx);
    },
    /** Every sealed value of a row rewritten (key rotation); the row is otherwise left as it is. */
    async saveSealed(tx: Tx, installKey: string, sealed: Pick<InstallationRow, 'botTokenSealed' | 'botRefreshTokenSealed' | 'userTokenSealed' | 'userRefreshTokenSealed'>): Promise<void> {
      await rows(sql`update slack_installation set bot_token_sealed = ${sealed.botTokenSealed}, bot_refresh_token_sealed = ${sealed.botRefreshTokenSealed},
          user_token_sealed = ${sealed.userTokenSealed}, user_refresh_token_sealed = ${sealed.userRefreshTokenSealed} where install_key = ${installKey}`, tx);
    },
    /** The installer's own token is gone (tokens_revoked for a user): forget it, keep the installation. */
    async forgetUserToken(tx: Tx, installKey: string): Promise<void> {
      await rows(sql`update slack_installation set user_token_sealed = null, user_refresh_token_sealed = null, user_token_expires_at = null, updated_at = now()
        where install_key = ${installKey}`, tx);
    },
    /** Marks an installation inactive; true when it was active. */
    async deactivate(tx: Tx, installKey: string, reason: InactiveReason): Promise<boolean> {
      const changed = await rows(sql`update slack_installation set status = 'inactive', inactive_reason = ${reason}, deactivated_at = now(), updated_at = now()
        where install_key = ${installKey} and status = 'active' returning install_key`, tx);
      return changed.length > 0;
    },
    /** Remembers which org a workspace belongs to (Slack says so on each request); true when that was news. */
    async recordWorkspace(teamId: string, enterpriseId: string): Promise<boolean> {
      const changed = await rows(sql`insert into slack_workspace (team_id, enterprise_id) values (${teamId}, ${enterpriseId})
        on conflict (team_id) do update set enterprise_id = excluded.enterprise_id, seen_at = now()
        where slack_workspace.enterprise_id is distinct from excluded.enterprise_id returning team_id`);
      return changed.length > 0;
    },
    async enterpriseOf(teamId: string): Promise<string | null> {
      const [row] = await rows(sql`select enterprise_id from slack_workspace where team_id = ${teamId}`);
      return (row?.enterprise_id as string | undefined) ?? null;
    },
    /** Every installation key, in order (key rotation walks them). */
    async keys(): Promise<string[]> {
      return (await rows(sql`select install_key from slack_installation order by install_key`)).map((r) => r.install_key as string);
    },
  };
}
export type InstallationRepository = ReturnType<typeof createInstallationRepository>;
