import type { InstallationRepository, InstallationRow, StoredInstallationRow } from '../../db/installation-repository.ts';
import type { PeopleRepository } from '../../db/people-repository.ts';
import { loggerFor } from '../../observability/logger.ts';
import { systemMeta, type RequestMeta } from '../deps.ts';
import type { Transact, Tx, UnitOfWork } from '../unit-of-work.ts';
import {
  NotInstalledError, type InstalledToken, type Installation, type InstallationQuery, type StoredInstallation, type TokenRefresher, type WorkspaceCredentials,
} from './installation.ts';
import type { TokenCipher } from './token-cipher.ts';

export * from './installation.ts';

/**
 * An expiring token is exchanged this long before it expires. Bolt's own rotation window is two hours; the store
 * hands Bolt fresh tokens without their refresh tokens, so rotation happens here only, under the row's lock.
 */
export const REFRESH_BEFORE_EXPIRY_MS = 2 * 3600_000;

export interface InstallationServiceDeps {
  readonly transact: Transact;
  readonly installations: InstallationRepository;
  readonly people: Pick<PeopleRepository, 'grantAdmin'>;
  /** Seals tokens at rest; null in single-workspace mode, where there is nothing to store. */
  readonly cipher: TokenCipher | null;
  /** Exchanges refresh tokens (token rotation); null when the deployment cannot (single-workspace mode). */
  readonly refresh: TokenRefresher | null;
  readonly clock: () => Date;
}

const log = loggerFor('installations');

/** Which token of which installation a sealed value holds: bound into the ciphertext so values cannot be swapped. */
const context = (installKey: string, field: string): string => `slack_installation/${installKey}/${field}`;

/**
 * The installation store (OAuth mode): installs and reinstalls, the tokens of every workspace and org sealed at
 * rest, token rotation, and the lifecycle (uninstalled, tokens revoked), each step an audit event in the chain of
 * the workspace (or org) it concerns. The installer becomes the first approval admin of the workspace; for an
 * org-wide install, of each workspace of the org as it first uses the app.
 */
export function createInstallationService(deps: InstallationServiceDeps) {
  const cipher = (): TokenCipher => {
    if (!deps.cipher) throw new Error('installations need INSTALLATION_ENCRYPTION_KEYS (OAuth mode)');
    return deps.cipher;
  };
  const seal = (installKey: string, field: string, value: string | null): string | null => (value === null ? null : cipher().encrypt(value, context(installKey, field)));
  const open = (installKey: string, field: string, value: string | null): string | null => (value === null ? null : cipher().decrypt(value, context(installKey, field)));

  function toRow(i: Installation): InstallationRow {
    const key = i.installKey;
    return {
      installKey: key, teamId: i.teamId, enterpriseId: i.enterpriseId, isEnterpriseInstall: i.isEnterpriseInstall, teamName: i.teamName,
      enterpriseName: i.enterpriseName, enterpriseUrl: i.enterpriseUrl, appId: i.appId, botId: i.bot.id, botUserId: i.bot.userId, botScopes: i.bot.scopes,
      botTokenSealed: seal(key, 'bot_token', i.bot.token) as string, botRefreshTokenSealed: seal(key, 'bot_refresh_token', i.bot.refreshToken),
      botTokenExpiresAt: i.bot.expiresAt, installerUserId: i.installer.userId,
      userTokenSealed: seal(key, 'user_token', i.installer.token?.token ?? null), userRefreshTokenSealed: seal(key, 'user_refresh_token', i.installer.token?.refreshToken ?? null),
      userTokenExpiresAt: i.installer.token?.expiresAt ?? null, userScopes: i.installer.scopes, tokenType: i.tokenType, authVersion: i.authVersion,
    };
  }

  function fromRow(r: StoredInstallationRow): StoredInstallation {
    const key = r.installKey;
    const userToken = open(key, 'user_token', r.userTokenSealed);
    const installerToken: InstalledToken | null = userToken === null ? null
      : { token: userToken, refreshToken: open(key, 'user_refresh_token', r.userRefreshTokenSealed), expiresAt: r.userTokenExpiresAt };
    return {
      installKey: key, teamId: r.teamId, enterpriseId: r.enterpriseId, isEnterpriseInstall: r.isEnterpriseInstall, teamName: r.teamName,
      enterpriseName: r.enterpriseName, enterpriseUrl: r.enterpriseUrl, appId: r.appId,
      bot: {
        id: r.botId, userId: r.botUserId, scopes: r.botScopes, token: open(key, 'bot_token', r.botTokenSealed) as string,
        refreshToken: open(key, 'bot_refresh_token', r.botRefreshTokenSealed), expiresAt: r.botTokenExpiresAt,
      },
      installer: { userId: r.installerUserId, token: installerToken, scopes: r.userScopes },
      tokenType: r.tokenType, authVersion: r.authVersion, status: r.status, inactiveReason: r.inactiveReason,
    };
  }

  /** Makes `userId` an approval admin of workspace `teamId` because they installed the app (audited there). */
  async function grantInstaller(uow: UnitOfWork, tx: Tx, teamId: string, userId: string, installKey: string): Promise<void> {
    if (!(await deps.people.grantAdmin(tx, teamId, userId, userId))) return;
    uow.record({ type: 'admin.granted', actorId: userId, capacity: { kind: 'system', rule: 'the person who installs the app is its first admin' }, details: { userId, installKey } });
  }

  /**
   * Stores an installation (the end of "Add to Slack"). Returns what it was: a first install, a reinstall after
   * an uninstall, or an update of an active one (new scopes, installed again).
   */
  async function install(installation: Installation, meta: RequestMeta): Promise<'installed' | 'reinstalled' | 'updated'> {
    const key = installation.installKey;
    const { result } = await deps.transact(key, meta, async (tx, uow) => {
      const before = await deps.installations.lock(tx, key);
      await deps.installations.save(tx, toRow(installation));
      const outcome = !before ? 'installed' : before.status === 'inactive' ? 'reinstalled' : 'updated';
      uow.record({
        type: `installation.${outcome}`, actorId: installation.installer.userId, capacity: { kind: 'system', rule: 'installed through Add to Slack' },
        details: {
          installKey: key, teamId: installation.teamId, enterpriseId: installation.enterpriseId, isEnterpriseInstall: installation.isEnterpriseInstall,
          teamName: installation.teamName, enterpriseName: installation.enterpriseName, appId: installation.appId, botUserId: installation.bot.userId,
          scopes: [...installation.bot.scopes], tokenRotation: installation.bot.refreshToken !== null,
          ...(before?.inactiveReason ? { after: before.inactiveReason } : {}),
        },
      });
      if (installation.teamId && !installation.isEnterpriseInstall) await grantInstaller(uow, tx, installation.teamId, installation.installer.userId, key);
      return outcome;
    });
    if (installation.isEnterpriseInstall) knownWorkspaces.clear();
    else if (installation.teamId && installation.enterpriseId) await deps.installations.recordWorkspace(installation.teamId, installation.enterpriseId);
    return result;
  }

  /** The bot token of a row, exchanged first when it expires soon (token rotation); the row's lock makes it one exchange. */
  async function freshBotToken(row: StoredInstallationRow): Promise<{ token: string; expiresAt: Date | null }> {
    const key = row.installKey;
    const now = deps.clock().getTime();
    const current = { token: open(key, 'bot_token', row.botTokenSealed) as string, expiresAt: row.botTokenExpiresAt };
    if (!row.botRefreshTokenSealed || !row.botTokenExpiresAt || row.botTokenExpiresAt.getTime() - now > REFRESH_BEFORE_EXPIRY_MS) return current;
    const refresh = deps.refresh;
    if (!refresh) return current;
    try {
      const { result } = await deps.transact(key, systemMeta('token-rotation'), async (tx, uow) => {
        const locked = await deps.installations.lock(tx, key);
        if (!locked || locked.status !== 'active' || !locked.botRefreshTokenSealed) return current;
        // Another process may have exchanged it while we waited for the lock: its token is the one to use.
        if (locked.botTokenExpiresAt && locked.botTokenExpiresAt.getTime() - deps.clock().getTime() > REFRESH_BEFORE_EXPIRY_MS) {
          return { token: open(key, 'bot_token', locked.botTokenSealed) as string, expiresAt: locked.botTokenExpiresAt };
        }
        // Slack revokes a refresh token once used, so the exchange happens under the row's lock (held to commit).
        const fresh = await refresh(open(key, 'bot_refresh_token', locked.botRefreshTokenSealed) as string);
        const expiresAt = new Date(deps.clock().getTime() + fresh.expiresInSeconds * 1000);
        await deps.installations.saveBotTokens(tx, key, {
          botTokenSealed: seal(key, 'bot_token', fresh.token) as string, botRefreshTokenSealed: seal(key, 'bot_refresh_token', fresh.refreshToken), botTokenExpiresAt: expiresAt,
        });
        uow.record({ type: 'installation.token_rotated', capacity: { kind: 'system', rule: 'an expiring bot token is exchanged before use' }, details: { installKey: key, expiresAt: expiresAt.toISOString() } });
        return { token: fresh.token, expiresAt };
      });
      return result;
    } catch (error) {
      // The old token may still work until it expires; after that Slack refuses it and the work is recorded as failed.
      log.error({ err: error instanceof Error ? error.message : String(error), installKey: key }, 'could not rotate the bot token');
      return current;
    }
  }

  /** Workspaces of orgs already noted in this process (each is written once, and its first use handled once). */
  const knownWorkspaces = new Set<string>();
  const noting = new Map<string, Promise<void>>();

  /**
   * Slack said workspace `teamId` belongs to org `enterpriseId`. Remembered, so work for the workspace finds the
   * org's installation; the first time, an org-wide installer becomes an admin of that workspace.
   */
  function noteWorkspace(teamId: string, enterpriseId: string): Promise<void> {
    const seen = `${teamId}/${enterpriseId}`;
    if (knownWorkspaces.has(seen)) return Promise.resolve();
    // Requests arriving together from a new workspace note it once.
    const running = noting.get(seen) ?? (async () => {
      await deps.installations.recordWorkspace(teamId, enterpriseId);
      const org = await deps.installations.find(enterpriseId);
      if (org?.isEnterpriseInstall && org.status === 'active') {
        await deps.transact(teamId, systemMeta('installation'), async (tx, uow) => {
          await grantInstaller(uow, tx, teamId, org.installerUserId, org.installKey);
        });
      }
      knownWorkspaces.add(seen);
    })().finally(() => noting.delete(seen));
    noting.set(seen, running);
    return running;
  }

  /** The installation a Slack request belongs to, with a fresh bot token (Bolt's `authorize` asks through here). */
  async function forQuery(query: InstallationQuery): Promise<StoredInstallation> {
    if (query.teamId && query.enterpriseId) {
      // Not worth failing the person's request over: the next request notes it again.
      await noteWorkspace(query.teamId, query.enterpriseId).catch((error: unknown) => log.warn({ err: error instanceof Error ? error.message : String(error), teamId: query.teamId }, 'could not note the workspace of an org'));
    }
    const key = query.isEnterpriseInstall ? query.enterpriseId : query.teamId;
    if (!key) throw new NotInstalledError('not_installed', 'a request without a workspace');
    const row = await deps.installations.find(key);
    if (!row) throw new NotInstalledError('not_installed', key);
    if (row.status !== 'active') throw new NotInstalledError(row.inactiveReason ?? 'not_installed', key);
    const installation = fromRow(row);
    const bot = await freshBotToken(row);
    return { ...installation, bot: { ...installation.bot, token: bot.token, expiresAt: bot.expiresAt } };
  }

  /** The bot token to use for a workspace's work: its own installation's, or its org's. */
  async function credentialsFor(teamId: string): Promise<WorkspaceCredentials> {
    const row = await deps.installations.forTeam(teamId);
    if (!row) return { status: 'missing' };
    if (row.status !== 'active') return { status: 'inactive', installKey: row.installKey, reason: row.inactiveReason ?? 'app_uninstalled' };
    const bot = await freshBotToken(row);
    return { status: 'active', installKey: row.installKey, botToken: bot.token, botUserId: row.botUserId, expiresAt: bot.expiresAt };
  }

  /**
   * `app_uninstalled`, or `tokens_revoked` naming the bot: the installation goes inactive, so nothing more is
   * sent there; its workspace's data and audit trail stay. True when it was active.
   */
  async function deactivate(installKey: string, reason: 'app_uninstalled' | 'tokens_revoked', meta: RequestMeta, details: Record<string, unknown> = {}): Promise<boolean> {
    const { result } = await deps.transact(installKey, meta, async (tx, uow) => {
      if (!(await deps.installations.deactivate(tx, installKey, reason))) return false;
      uow.record({
        type: reason === 'app_uninstalled' ? 'installation.uninstalled' : 'installation.tokens_revoked',
        capacity: { kind: 'system', rule: reason === 'app_uninstalled' ? 'Slack said the app was uninstalled' : 'Slack said the bot token was revoked' },
        details: { installKey, ...details },
      });
      return true;
    });
    return result;
  }

  /** `tokens_revoked` naming only people: the installer's own token is forgotten, the installation stays. */
  async function forgetInstallerToken(installKey: string, meta: RequestMeta, users: readonly string[]): Promise<void> {
    await deps.transact(installKey, meta, async (tx, uow) => {
      const row = await deps.installations.lock(tx, installKey);
      if (!row?.userTokenSealed) return;
      await deps.installations.forgetUserToken(tx, installKey);
      uow.record({ type: 'installation.tokens_revoked', capacity: { kind: 'system', rule: 'Slack said user tokens were revoked' }, details: { installKey, bot: false, users: [...users] } });
    });
  }

  /** Seals every stored token again under the current key (after a new key was put first); returns how many rows. */
  async function rekey(): Promise<number> {
    let rewritten = 0;
    for (const key of await deps.installations.keys()) {
      await deps.transact(key, systemMeta('installations-rekey'), async (tx) => {
        const row = await deps.installations.lock(tx, key);
        if (!row) return;
        const reseal = (field: string, value: string | null) => seal(key, field, open(key, field, value));
        await deps.installations.saveSealed(tx, key, {
          botTokenSealed: reseal('bot_token', row.botTokenSealed) as string, botRefreshTokenSealed: reseal('bot_refresh_token', row.botRefreshTokenSealed),
          userTokenSealed: reseal('user_token', row.userTokenSealed), userRefreshTokenSealed: reseal('user_refresh_token', row.userRefreshTokenSealed),
        });
        rewritten++;
      });
    }
    return rewritten;
  }

  return {
    install,
    forQuery,
    credentialsFor,
    noteWorkspace,
    deactivate,
    forgetInstallerToken,
    rekey,
    /** The installation stored under a key, tokens opened (operations, tests). */
    find: async (installKey: string): Promise<StoredInstallation | null> => {
      const row = await deps.installations.find(installKey);
      return row ? fromRow(row) : null;
    },
    /** Which org a workspace belongs to, as Slack last said. */
    enterpriseOf: (teamId: string) => deps.installations.enterpriseOf(teamId),
  };
}
export type InstallationService = ReturnType<typeof createInstallationService>;
