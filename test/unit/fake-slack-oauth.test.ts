import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogLevel, WebAPIPlatformError, WebAPIRateLimitedError, WebClient, type Logger } from '@slack/web-api';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, setLevel: () => {}, getLevel: () => LogLevel.ERROR, setName: () => {} };

let fake: FakeSlack;
const client = (token?: string, teamId?: string): WebClient =>
  new WebClient(token, { slackApiUrl: fake.url, logger: silent, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, ...(teamId ? { teamId } : {}) });

async function slackError(call: Promise<unknown>): Promise<string> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof WebAPIPlatformError)) throw new Error(`expected a Slack platform error, got ${String(err)}`);
  return String(err.data.error);
}

/** The consent screen as a browser meets it: the redirect back to the app, read off the Location header. */
async function consent(query: Record<string, string>): Promise<URL> {
  const url = new URL('/oauth/v2/authorize', fake.url);
  for (const [k, v] of Object.entries({ client_id: fake.oauth.clientId, scope: 'chat:write,users:read', state: 'st4te', ...query })) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

async function install(who: Parameters<FakeSlack['oauth']['signIn']>[0]) {
  fake.oauth.signIn(who);
  const back = await consent({});
  const code = back.searchParams.get('code') ?? '';
  return client().oauth.v2.access({ client_id: fake.oauth.clientId, client_secret: fake.oauth.clientSecret, code });
}

beforeAll(async () => {
  fake = await startFakeSlack();
  fake.oauth.configure({ redirectUrl: 'https://app.example/slack/oauth_redirect' });
  fake.oauth.addWorkspace('TWSA', 'Workspace A');
  fake.oauth.addWorkspace('TWSB', 'Workspace B');
  fake.oauth.addWorkspace('TGRID1', 'Grid one', 'EORG1');
  fake.oauth.addWorkspace('TGRID2', 'Grid two', 'EORG1');
  for (const [team, user] of [['TWSA', 'UALICEA'], ['TWSB', 'UBOBB'], ['TGRID1', 'WCARLG'], ['TGRID2', 'WDANAG']] as const) {
    fake.addUser({ id: user, name: user.toLowerCase() });
    fake.oauth.placeUser(team, user);
  }
});
afterAll(() => fake.close());

describe('fake Slack: OAuth', () => {
  it('sends the browser back with a code and the state, and exchanges the code once', async () => {
    fake.oauth.signIn({ teamId: 'TWSA', userId: 'UALICEA' });
    const back = await consent({});
    expect(back.origin + back.pathname).toBe('https://app.example/slack/oauth_redirect');
    expect(back.searchParams.get('state')).toBe('st4te');
    const code = back.searchParams.get('code') ?? '';
    const grant = await client().oauth.v2.access({ client_id: fake.oauth.clientId, client_secret: fake.oauth.clientSecret, code });
    expect(grant).toMatchObject({ ok: true, token_type: 'bot', scope: 'chat:write,users:read', team: { id: 'TWSA', name: 'Workspace A' }, enterprise: null, is_enterprise_install: false, authed_user: { id: 'UALICEA' } });
    expect(String(grant.access_token)).toMatch(/^xoxb-/);
    expect(await slackError(client().oauth.v2.access({ client_id: fake.oauth.clientId, client_secret: fake.oauth.clientSecret, code }))).toBe('code_already_used');
    expect(await slackError(client().oauth.v2.access({ client_id: fake.oauth.clientId, client_secret: 'wrong-secret-0000000', code: 'nope' }))).toBe('bad_client_secret');
    expect((await client(grant.access_token).auth.test()).team_id).toBe('TWSA');
  });

  it('says access_denied when the person cancels, and the distribution error before the consent screen', async () => {
    fake.oauth.signIn({ teamId: 'TWSA', userId: 'UALICEA', cancel: true });
    expect((await consent({})).searchParams.get('error')).toBe('access_denied');
    fake.oauth.signIn({ teamId: 'TWSB', userId: 'UBOBB', error: 'invalid_team_for_non_distributed_app' });
    expect((await consent({})).searchParams.get('error')).toBe('invalid_team_for_non_distributed_app');
  });

  it('installs org-wide: the token reaches every workspace of the org and no other', async () => {
    const grant = await install({ orgWide: 'EORG1', userId: 'WCARLG' });
    expect(grant).toMatchObject({ team: null, enterprise: { id: 'EORG1' }, is_enterprise_install: true, authed_user: { id: 'WCARLG' } });
    const org = client(grant.access_token);
    expect((await org.users.info({ user: 'WDANAG' })).user?.id).toBe('WDANAG');
    expect((await org.chat.postMessage({ channel: 'WCARLG', text: 'hi' })).ok).toBe(true);
    expect(await slackError(org.users.info({ user: 'UALICEA' }))).toBe('user_not_found');
    expect(await slackError(org.chat.postMessage({ channel: 'UBOBB', text: 'hi' }))).toBe('channel_not_found');
  });

  it("refuses a workspace's token about another workspace's people, as Slack does", async () => {
    const a = client((await install({ teamId: 'TWSA', userId: 'UALICEA' })).access_token);
    expect((await a.chat.postMessage({ channel: 'UALICEA', text: 'hi' })).ok).toBe(true);
    expect(await slackError(a.chat.postMessage({ channel: 'UBOBB', text: 'hi' }))).toBe('channel_not_found');
    expect(await slackError(a.chat.update({ channel: 'DUBOBB', ts: '1.000001', text: 'hi' }))).toBe('channel_not_found');
    expect(await slackError(a.users.info({ user: 'UBOBB' }))).toBe('user_not_found');
    expect(await slackError(a.views.publish({ user_id: 'WCARLG', view: { type: 'home', blocks: [] } }))).toBe('user_not_found');
    fake.addUserGroup('SGRPB', ['UBOBB']);
    fake.oauth.placeUserGroup('TWSB', 'SGRPB');
    expect(await slackError(a.usergroups.users.list({ usergroup: 'SGRPB' }))).toBe('no_such_subteam');
    // A token the fake did not issue sees only the default workspace's people.
    expect(await slackError(client('xoxb-test-token').users.info({ user: 'UBOBB' }))).toBe('user_not_found');
    await a.auth.revoke();
    expect(await slackError(a.auth.test())).toBe('token_revoked');
  });

  it('rotates tokens: expiring access tokens, refreshed once per refresh token', async () => {
    fake.oauth.configure({ tokenRotation: { lifetimeSeconds: 1 } });
    try {
      const grant = await install({ teamId: 'TWSB', userId: 'UBOBB' });
      expect(grant.expires_in).toBe(1);
      expect(String(grant.refresh_token)).toMatch(/^xoxe-1-/);
      const refresh = () => client().oauth.v2.access({ client_id: fake.oauth.clientId, client_secret: fake.oauth.clientSecret, grant_type: 'refresh_token', refresh_token: String(grant.refresh_token) });
      const rotated = await refresh();
      expect(rotated.access_token).not.toBe(grant.access_token);
      expect(rotated.refresh_token).not.toBe(grant.refresh_token);
      expect(await slackError(refresh())).toBe('invalid_refresh_token');
      await new Promise((r) => setTimeout(r, 1100));
      expect(await slackError(client(grant.access_token).auth.test())).toBe('token_expired');
    } finally {
      fake.oauth.configure({ tokenRotation: null });
    }
  });

  it('rate-limits one workspace while another is answered', async () => {
    const a = client((await install({ teamId: 'TWSA', userId: 'UALICEA' })).access_token);
    const b = client((await install({ teamId: 'TWSB', userId: 'UBOBB' })).access_token);
    fake.oauth.rateLimitTeam('TWSA', 5, { retryAfter: 3 });
    try {
      const limited = await a.chat.postMessage({ channel: 'UALICEA', text: 'hi' }).then(() => null, (e: unknown) => e);
      expect(limited).toBeInstanceOf(WebAPIRateLimitedError);
      expect((limited as WebAPIRateLimitedError).retryAfter).toBe(3);
      expect((await b.chat.postMessage({ channel: 'UBOBB', text: 'hi' })).ok).toBe(true);
    } finally {
      fake.oauth.clearRateLimits();
    }
    expect((await a.chat.postMessage({ channel: 'UALICEA', text: 'hi' })).ok).toBe(true);
  });
});
