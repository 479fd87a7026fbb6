import { Migration } from '@mikro-orm/migrations';

/**
 * Installations (OAuth mode): one row per "Add to Slack", keyed by the workspace id, or by the Enterprise Grid
 * org's id for an org-wide install (which then serves every workspace of the org). Tokens are stored sealed
 * (AES-256-GCM under a key from INSTALLATION_ENCRYPTION_KEYS, src/services/installations/token-cipher.ts):
 * the database never holds one in clear. Uninstalling or revoking marks the row inactive (the audit trail and
 * everything else of the workspace stays); installing again makes it active with the new tokens.
 *
 * slack_workspace remembers which org a workspace belongs to, as Slack says on every request from it, so work
 * for a workspace of an org-wide install finds the org's installation.
 */
export class Migration20261201000000_installations extends Migration {
  override name = 'Migration20261201000000_installations';

  override up(): void {
    this.addSql(`
create table slack_installation (
  install_key text primary key check (install_key ~ '^[TE][A-Z0-9]{2,40}$'),
  team_id text,
  enterprise_id text,
  is_enterprise_install boolean not null,
  team_name text,
  enterprise_name text,
  enterprise_url text,
  app_id text,
  bot_id text,
  bot_user_id text not null,
  bot_scopes text[] not null,
  bot_token_sealed text not null,
  bot_refresh_token_sealed text,
  bot_token_expires_at timestamptz,
  installer_user_id text not null,
  user_token_sealed text,
  user_refresh_token_sealed text,
  user_token_expires_at timestamptz,
  user_scopes text[],
  token_type text,
  auth_version text not null default 'v2',
  status text not null default 'active' check (status in ('active', 'inactive')),
  inactive_reason text check (inactive_reason in ('app_uninstalled', 'tokens_revoked')),
  installed_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deactivated_at timestamptz,
  check (is_enterprise_install = (team_id is null)),
  check (case when is_enterprise_install then install_key = enterprise_id else install_key = team_id end),
  check ((status = 'inactive') = (inactive_reason is not null))
);

create table slack_workspace (
  team_id text primary key,
  enterprise_id text not null,
  seen_at timestamptz not null default now()
);
create index slack_workspace_enterprise on slack_workspace (enterprise_id);`);
  }
}
