/**
 * "Add to Slack" through the real routes on the app's own server: the install page, Slack's consent screen (the
 * fake's), and the redirect back, with the pages a person sees when it works and when it does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_SCOPES } from '../../src/slack/scopes.ts';
import { randomBytes } from 'node:crypto';
import { installThroughBrowser } from '../support/browser-install.ts';
import { actionTs } from '../support/slack-requests.ts';
import { slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';

let started: StartedApp;
/** The deployment's operator, named with its workspace in APPROVAL_ADMINS. */
const opsTeam = uniqueTeamId();
const operator = uniqueUserId('OPS');
beforeAll(async () => {
  started = await startTestApp({ oauth: true, env: { APPROVAL_ADMINS: `${opsTeam}:${operator}` } });
});
afterAll(() => started.stop());

const workspace = (name: string) => {
  const teamId = uniqueTeamId();
  started.slack.oauth.addWorkspace(teamId, name);
  const installer = uniqueUserId('INS');
  started.slack.addUser({ id: installer, name: installer.toLowerCase() });
  started.slack.oauth.placeUser(teamId, installer);
  return { teamId, installer };
};
const auditTypes = async (chain: string): Promise<string[]> =>
  (await started.app.services.audit.verify(chain)).ok ? (await started.app.orm.em.fork().execute<{ type: string }[]>('select type from audit_event where chain_id = ? order by seq', [chain])).map((r) => r.type) : ['chain broken'];

describe('Add to Slack', () => {
  it('serves an install page whose button asks Slack for exactly the bot scopes, with a state cookie', async () => {
    const res = await fetch(new URL('/slack/install', started.baseUrl));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('set-cookie')).toMatch(/^slack-app-oauth-state=[^;]+;.*HttpOnly/);
    const link = new URL(/href="([^"]+)"/.exec(await res.text())?.[1]?.replace(/&amp;/g, '&') ?? '');
    expect(link.origin + link.pathname).toBe(new URL('/oauth/v2/authorize', started.slack.url).toString());
    expect(link.searchParams.get('scope')?.split(',').sort()).toEqual([...BOT_SCOPES].sort());
    expect(link.searchParams.get('client_id')).toBe(started.slack.oauth.clientId);
    expect(link.searchParams.get('state')).toBeTruthy();
    expect((await fetch(new URL('/slack/install', started.baseUrl), { method: 'POST' })).status).toBe(405);
  });

  it('installs in a workspace, says so, and makes the installer its first admin', async () => {
    const { teamId, installer } = workspace('Acme');
    const done = await installThroughBrowser(started.baseUrl, started.slack, { teamId, userId: installer });
    expect(done.status).toBe(200);
    expect(done.html).toContain('Approvals is installed in <strong>Acme</strong>');
    expect(done.html).toContain(`slack://app?team=${teamId}`);
    expect(await started.app.services.directory.isAdmin(teamId, installer)).toBe(true);
    expect(await auditTypes(teamId)).toEqual(['installation.installed', 'admin.granted']);
    expect(await started.app.services.installations.credentialsFor(teamId)).toMatchObject({ status: 'active' });
  });

  it('tells a person who cancelled that nothing was installed', async () => {
    const { teamId, installer } = workspace('Cancelled');
    const done = await installThroughBrowser(started.baseUrl, started.slack, { teamId, userId: installer, cancel: true });
    expect(done.status).toBe(200);
    expect(done.html).toContain('Installation cancelled');
    expect(await started.app.services.installations.credentialsFor(teamId)).toEqual({ status: 'missing' });
  });

  it('explains the wrong workspace when the app is not distributed', async () => {
    const { teamId, installer } = workspace('Elsewhere');
    const done = await installThroughBrowser(started.baseUrl, started.slack, { teamId, userId: installer, error: 'invalid_team_for_non_distributed_app' });
    expect(done.status).toBe(403);
    expect(done.html).toContain('only lets this app be installed in the workspace it was created in');
    expect(done.html).toContain('Manage distribution');
    expect(await started.app.services.installations.credentialsFor(teamId)).toEqual({ status: 'missing' });
  });

  it('refuses an install that lacks a scope, names it, stores nothing and gives the token back', async () => {
    const { teamId, installer } = workspace('Stingy');
    const since = started.slack.calls.length;
    const done = await installThroughBrowser(started.baseUrl, started.slack, { teamId, userId: installer, grantScopes: BOT_SCOPES.filter((s) => s !== 'usergroups:read') });
    expect(done.status).toBe(403);
    expect(done.html).toContain('<code>usergroups:read</code>');
    expect(await started.app.services.installations.credentialsFor(teamId)).toEqual({ status: 'missing' });
    const revoke = started.slack.calls.slice(since).find((c) => c.method === 'auth.revoke');
    expect(revoke?.response?.ok).toBe(true);
    expect(started.slack.oauth.tokenInfo(revoke?.token ?? '')).toMatchObject({ installKey: teamId, revoked: true });
  });

  it('refuses a redirect that comes back without the state cookie (another browser, or forged)', async () => {
    const { teamId, installer } = workspace('NoCookie');
    const done = await installThroughBrowser(started.baseUrl, started.slack, { teamId, userId: installer }, { withoutCookie: true });
    expect(done.status).toBe(400);
    expect(done.html).toContain('This install link has expired');
    expect(await started.app.services.installations.credentialsFor(teamId)).toEqual({ status: 'missing' });
  });

  it('forgets only the installer\'s token when Slack revokes user tokens, and goes inactive when it revokes the bot\'s', async () => {
    const { teamId, installer } = workspace('Revoking');
    await installThroughBrowser(started.baseUrl, started.slack, { teamId, userId: installer });
    const revoked = (tokens: { oauth?: string[]; bot?: string[] }) => started.requests.event({
      token: 'legacy', team_id: teamId, api_app_id: 'A0APP', type: 'event_callback', event_id: `Ev${randomBytes(5).toString('hex')}`, event_time: Math.floor(Date.now() / 1000),
      event: { type: 'tokens_revoked', tokens, event_ts: actionTs() },
      authorizations: [{ team_id: teamId, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false, enterprise_id: null }],
    });
    expect((await revoked({ oauth: [installer] })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(await started.app.services.installations.credentialsFor(teamId)).toMatchObject({ status: 'active' });
    expect((await revoked({ bot: [started.slack.oauth.botUserOf(teamId) ?? 'U0BOT'] })).status).toBe(200);
    await expect.poll(() => started.app.services.installations.credentialsFor(teamId)).toEqual({ status: 'inactive', installKey: teamId, reason: 'tokens_revoked' });
    expect(await auditTypes(teamId)).toEqual(['installation.installed', 'admin.granted', 'installation.tokens_revoked']);
    // Slack sends the event again (a retry): nothing more is recorded.
    await revoked({ bot: ['U0BOT'] });
    await new Promise((r) => setTimeout(r, 200));
    expect(await auditTypes(teamId)).toEqual(['installation.installed', 'admin.granted', 'installation.tokens_revoked']);
  });

  it("keeps the queue dashboard, which spans every workspace, to the operators in APPROVAL_ADMINS, not to a workspace's installer", async () => {
    const { teamId, installer } = workspace('Tenant');
    await installThroughBrowser(started.baseUrl, started.slack, { teamId, userId: installer });
    const token = async (team: string, owner: string) =>
      (await started.app.services.apiTokens.createToken({ teamId: team, ownerId: owner, name: 'dashboard', scopes: ['queues:admin'], createdBy: 'cli' }, slackOrigin(team))).token;
    const open = (secret: string) => fetch(new URL('/admin/queues', started.baseUrl), { headers: { authorization: `Bearer ${secret}` } });
    const refused = await open(await token(teamId, installer));
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).toContain('operators named in APPROVAL_ADMINS');
    expect((await open(await token(opsTeam, operator))).status).toBe(200);
  });

  it('answers a made-up redirect with a 4xx page, never a 5xx', async () => {
    for (const query of ['', '?code=made-up', '?code=made-up&state=forged', '?error=something_odd&state=x']) {
      const res = await fetch(new URL(`/slack/oauth_redirect${query}`, started.baseUrl), { headers: { cookie: 'slack-app-oauth-state=forged' } });
      expect(res.status, query).toBeGreaterThanOrEqual(200);
      expect(res.status, query).toBeLessThan(500);
      expect((await res.text()).toLowerCase()).toContain('nothing was installed');
    }
  });
});
