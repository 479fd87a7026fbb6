import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../src/db/orm.ts';
import { createServices, NotInstalledError, type Installation, type ServiceDeps, type Services, type TokenRefresher } from '../../src/services/index.ts';
import { createTestOrm, slackOrigin, testDatabaseUrl, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { spawnNode } from '../support/processes.ts';

const key = (id: string) => ({ id, key: randomBytes(32) });
const k1 = key('k1');
const k2 = key('k2');

let orm: Orm;
const clock = { now: Date.now() };
const refreshes: string[] = [];
let refreshDelayMs = 0;
const refresher: TokenRefresher = async (refreshToken) => {
  refreshes.push(refreshToken);
  await new Promise((r) => setTimeout(r, refreshDelayMs));
  return { token: `xoxb-rotated-${refreshes.length}-${randomBytes(4).toString('hex')}`, refreshToken: `xoxe-1-next-${refreshes.length}`, expiresInSeconds: 43_200 };
};

function servicesWith(keys: { id: string; key: Buffer }[], extra: Partial<ServiceDeps> = {}): Services {
  return createServices({ orm, clock: () => new Date(clock.now), newId: randomUUID, bootstrapAdmins: [], installationKeys: keys, tokenRefresher: refresher, ...extra });
}
let services: Services;

const sql = <T>(query: string, params: unknown[] = []) => orm.em.fork().execute<T[]>(query, params);
const orgId = (): string => `E${randomBytes(6).toString('hex').toUpperCase()}`;

function workspaceInstall(teamId: string, installer: string, overrides: Partial<Installation['bot']> = {}, enterpriseId: string | null = null): Installation {
  return {
    installKey: teamId, teamId, enterpriseId, isEnterpriseInstall: false, teamName: `Team ${teamId}`, enterpriseName: null, enterpriseUrl: null, appId: 'A0APP',
    bot: { id: 'B0BOT', userId: 'U0BOT', scopes: ['commands', 'chat:write'], token: `xoxb-${randomBytes(10).toString('hex')}`, refreshToken: null, expiresAt: null, ...overrides },
    installer: { userId: installer, token: null, scopes: null }, tokenType: 'bot', authVersion: 'v2',
  };
}
function orgInstall(enterpriseId: string, installer: string): Installation {
  return { ...workspaceInstall(enterpriseId, installer), installKey: enterpriseId, teamId: null, enterpriseId, isEnterpriseInstall: true, teamName: null, enterpriseName: 'The Org', enterpriseUrl: 'https://org.enterprise.slack.com/' };
}
const auditTypes = async (chain: string) => (await sql<{ type: string }>('select type from audit_event where chain_id = ? order by seq', [chain])).map((r) => r.type);
const auditText = async (chain: string) => JSON.stringify(await sql('select * from audit_event where chain_id = ? order by seq', [chain]));

beforeAll(async () => {
  orm = await createTestOrm();
  services = servicesWith([k1]);
});
afterAll(() => orm.close());

describe('the installation store', () => {
  it('stores an install with its tokens sealed, makes the installer an admin of that workspace only, and audits it without the token', async () => {
    const team = uniqueTeamId();
    const other = uniqueTeamId();
    const installer = uniqueUserId('INS');
    const install = workspaceInstall(team, installer);
    expect(await services.installations.install(install, slackOrigin(team))).toBe('installed');

    const [row] = await sql<Record<string, unknown>>('select * from slack_installation where install_key = ?', [team]);
    expect(JSON.stringify(row)).not.toContain(install.bot.token);
    expect(String(row?.bot_token_sealed)).toMatch(/^v1\.k1\./);
    expect(await services.directory.isAdmin(team, installer)).toBe(true);
    expect(await services.directory.isAdmin(other, installer)).toBe(false);
    expect(await auditTypes(team)).toEqual(['installation.installed', 'admin.granted']);
    expect(await auditText(team)).not.toContain(install.bot.token);
    expect((await services.installations.forQuery({ teamId: team, isEnterpriseInstall: false })).bot.token).toBe(install.bot.token);
    expect(await services.installations.credentialsFor(team)).toMatchObject({ status: 'active', installKey: team, botToken: install.bot.token });
    expect(await services.installations.credentialsFor(other)).toEqual({ status: 'missing' });
    expect((await services.audit.verify(team)).ok).toBe(true);
  });

  it('goes inactive on uninstall (audited once), refuses its workspace, and a reinstall resumes with the new token', async () => {
    const team = uniqueTeamId();
    const installer = uniqueUserId('INS');
    await services.installations.install(workspaceInstall(team, installer), slackOrigin(team));
    expect(await services.installations.deactivate(team, 'app_uninstalled', slackOrigin(team))).toBe(true);
    expect(await services.installations.deactivate(team, 'app_uninstalled', slackOrigin(team))).toBe(false);
    expect(await services.installations.credentialsFor(team)).toEqual({ status: 'inactive', installKey: team, reason: 'app_uninstalled' });
    await expect(services.installations.forQuery({ teamId: team, isEnterpriseInstall: false })).rejects.toBeInstanceOf(NotInstalledError);

    const again = workspaceInstall(team, installer);
    expect(await services.installations.install(again, slackOrigin(team))).toBe('reinstalled');
    expect(await services.installations.credentialsFor(team)).toMatchObject({ status: 'active', botToken: again.bot.token });
    expect(await services.installations.install(again, slackOrigin(team))).toBe('updated');
    expect(await auditTypes(team)).toEqual(['installation.installed', 'admin.granted', 'installation.uninstalled', 'installation.reinstalled', 'installation.updated']);
  });

  it('serves every workspace of an org from an org-wide install, its installer an admin of each as it first appears', async () => {
    const org = orgId();
    const [grid1, grid2, elsewhere] = [uniqueTeamId(), uniqueTeamId(), uniqueTeamId()];
    const installer = `W${uniqueUserId('ORG').slice(1)}`;
    const install = orgInstall(org, installer);
    await services.installations.install(install, slackOrigin(org));
    expect(await auditTypes(org)).toEqual(['installation.installed']);

    // A workspace nobody has heard from yet is not known to belong to the org.
    expect(await services.installations.credentialsFor(grid1)).toEqual({ status: 'missing' });
    const fetched = await services.installations.forQuery({ teamId: grid1, enterpriseId: org, isEnterpriseInstall: true });
    expect(fetched).toMatchObject({ installKey: org, isEnterpriseInstall: true, bot: { token: install.bot.token } });
    expect(await services.installations.credentialsFor(grid1)).toMatchObject({ status: 'active', installKey: org, botToken: install.bot.token });
    expect(await services.directory.isAdmin(grid1, installer)).toBe(true);
    expect(await services.directory.isAdmin(grid2, installer)).toBe(false);
    await services.installations.noteWorkspace(grid2, org);
    expect(await services.directory.isAdmin(grid2, installer)).toBe(true);
    expect(await services.directory.isAdmin(elsewhere, installer)).toBe(false);
    expect(await auditTypes(grid1)).toEqual(['admin.granted']);

    // A workspace-level install inside the org: the workspace's own token wins over the org's.
    const own = workspaceInstall(grid2, uniqueUserId('INS'), {}, org);
    await services.installations.install(own, slackOrigin(grid2));
    expect(await services.installations.credentialsFor(grid2)).toMatchObject({ status: 'active', installKey: grid2, botToken: own.bot.token });
    expect(await services.installations.credentialsFor(grid1)).toMatchObject({ installKey: org });
  });

  it('exchanges an expiring bot token once, under the row lock, however many ask at once', async () => {
    const team = uniqueTeamId();
    refreshes.length = 0;
    refreshDelayMs = 150;
    await services.installations.install(workspaceInstall(team, uniqueUserId('INS'), { refreshToken: 'xoxe-1-first', expiresAt: new Date(clock.now + 60_000) }), slackOrigin(team));
    const answers = await Promise.all(Array.from({ length: 5 }, () => services.installations.credentialsFor(team)));
    const tokens = new Set(answers.map((a) => (a.status === 'active' ? a.botToken : a.status)));
    expect(refreshes).toEqual(['xoxe-1-first']);
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toMatch(/^xoxb-rotated-1-/);
    expect((await auditTypes(team)).filter((t) => t === 'installation.token_rotated')).toHaveLength(1);
    expect(await auditText(team)).not.toContain('xoxb-rotated');

    // Twelve hours later it is exchanged again, with the refresh token the last exchange gave.
    clock.now += 11 * 3600_000;
    const later = await services.installations.credentialsFor(team);
    expect(refreshes).toEqual(['xoxe-1-first', 'xoxe-1-next-1']);
    expect(later).toMatchObject({ status: 'active' });
    clock.now = Date.now();
    refreshDelayMs = 0;
  });

  it('opens tokens sealed under an old key once a new one is put first, and re-seals them all under the new one', async () => {
    const team = uniqueTeamId();
    const install = workspaceInstall(team, uniqueUserId('INS'));
    await services.installations.install(install, slackOrigin(team));
    const rotated = servicesWith([k2, k1]);
    expect((await rotated.installations.find(team))?.bot.token).toBe(install.bot.token);
    expect(await rotated.installations.rekey()).toBeGreaterThan(0);
    const [row] = await sql<{ bot_token_sealed: string }>('select bot_token_sealed from slack_installation where install_key = ?', [team]);
    expect(row?.bot_token_sealed).toMatch(/^v1\.k2\./);
    expect((await servicesWith([k2]).installations.find(team))?.bot.token).toBe(install.bot.token);
    await expect(servicesWith([k1]).installations.find(team)).rejects.toThrow(/key "k2"/);
  });

  it('npm run installations:rekey re-seals under the first key and says how many', async () => {
    const team = uniqueTeamId();
    const install = workspaceInstall(team, uniqueUserId('INS'));
    await services.installations.install(install, slackOrigin(team));
    const k3 = key('k3');
    const cli = spawnNode('rekey', 'src/cli/installations-rekey.ts', {
      DATABASE_URL: testDatabaseUrl(), INSTALLATION_ENCRYPTION_KEYS: [k3, k2, k1].map((k) => `${k.id}:${k.key.toString('base64')}`).join(','),
    });
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/\d+ installation\(s\) sealed under key "k3"/);
    expect((await servicesWith([k3]).installations.find(team))?.bot.token).toBe(install.bot.token);
    const refused = spawnNode('rekey', 'src/cli/installations-rekey.ts', { DATABASE_URL: testDatabaseUrl(), INSTALLATION_ENCRYPTION_KEYS: 'k1:short' });
    // A setting that is wrong is a configuration problem, as for every command: one line naming it, exit 78.
    expect(await refused.exited).toBe(78);
    expect(refused.output()).toContain('INSTALLATION_ENCRYPTION_KEYS: key "k1" must be 32 random bytes');
  });

  it('does not open a sealed token copied to another installation', async () => {
    const [a, b] = [uniqueTeamId(), uniqueTeamId()];
    await services.installations.install(workspaceInstall(a, uniqueUserId('INS')), slackOrigin(a));
    await services.installations.install(workspaceInstall(b, uniqueUserId('INS')), slackOrigin(b));
    await sql('update slack_installation set bot_token_sealed = (select bot_token_sealed from slack_installation where install_key = ?) where install_key = ?', [a, b]);
    await expect(services.installations.find(b)).rejects.toThrow(/does not open/);
  });
});

describe('admins from configuration', () => {
  it('name their workspace and are admins there only', async () => {
    const [team, other] = [uniqueTeamId(), uniqueTeamId()];
    const admin = uniqueUserId('CFG');
    const configured = servicesWith([k1], { workspaceAdmins: new Map([[team, [admin]]]) });
    expect(await configured.directory.isAdmin(team, admin)).toBe(true);
    expect(await configured.directory.isAdmin(other, admin)).toBe(false);
    expect(await configured.directory.listAdmins(team)).toEqual([{ userId: admin, fromConfig: true, grantedBy: null }]);
    expect(await configured.directory.listAdmins(other)).toEqual([]);
    await expect(configured.directory.revokeAdmin(team, uniqueUserId('X'), admin, slackOrigin(team))).rejects.toThrow(/APPROVAL_ADMINS/);
    await expect(configured.directory.grantAdmin(other, admin, uniqueUserId('NEW'), slackOrigin(other))).rejects.toThrow(/Only approval admins/);
  });
});
