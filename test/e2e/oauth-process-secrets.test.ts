/**
 * The app as its own process in OAuth mode, logging at debug level (Bolt's and the Web API client's own lines
 * included): an install through the browser, a token rotation and deliveries, and not one token, refresh token
 * or secret in what it printed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { oneStageWorkflow } from '../integration/jobs-harness.ts';
import { installThroughBrowser } from '../support/browser-install.ts';
import { createTestApp, slackOrigin, testDatabaseUrl, uniqueTeamId, uniqueUserId, type TestApp } from '../support/db.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { startAppProcess, type AppProcess } from '../support/processes.ts';
import { slackRequester } from '../support/slack-requests.ts';

let fake: FakeSlack;
let t: TestApp;
let app: AppProcess | null = null;
beforeAll(async () => {
  fake = await startFakeSlack();
  t = await createTestApp();
});
afterAll(async () => {
  await app?.kill();
  await fake.close();
  await t.orm.close();
});

describe('the app process in OAuth mode', () => {
  it('prints no token, refresh token or secret, even at debug level', async () => {
    const secrets = {
      SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
      SLACK_STATE_SECRET: randomBytes(32).toString('hex'),
      SLACK_CLIENT_SECRET: `cs${randomBytes(16).toString('hex')}`,
      key: randomBytes(32).toString('base64'),
    };
    fake.oauth.configure({ clientSecret: secrets.SLACK_CLIENT_SECRET, tokenRotation: { lifetimeSeconds: 2 } });
    const team = uniqueTeamId();
    const [installer, requester, manager] = [uniqueUserId('INS'), uniqueUserId('REQ'), uniqueUserId('MGR')];
    fake.oauth.addWorkspace(team, 'Acme');
    for (const id of [installer, requester, manager]) {
      fake.addUser({ id, name: id.toLowerCase() });
      fake.oauth.placeUser(team, id);
    }
    app = await startAppProcess({
      DATABASE_URL: testDatabaseUrl(), REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: `sec${randomBytes(3).toString('hex')}`, SLACK_API_URL: fake.url,
      SLACK_SIGNING_SECRET: secrets.SLACK_SIGNING_SECRET, SLACK_CLIENT_ID: fake.oauth.clientId, SLACK_CLIENT_SECRET: secrets.SLACK_CLIENT_SECRET,
      SLACK_STATE_SECRET: secrets.SLACK_STATE_SECRET, INSTALLATION_ENCRYPTION_KEYS: `k1:${secrets.key}`, LOG_LEVEL: 'debug', DATABASE_POOL_SIZE: '4', RUN_WORKER: 'true',
    });
    fake.oauth.configure({ redirectUrl: `${app.baseUrl}/slack/oauth_redirect` });

    // A cancelled install, then one that works (with token rotation on: the token lasts two seconds).
    expect((await installThroughBrowser(app.baseUrl, fake, { teamId: team, userId: installer, cancel: true })).status).toBe(200);
    const done = await installThroughBrowser(app.baseUrl, fake, { teamId: team, userId: installer });
    expect(done.status).toBe(200);
    fake.oauth.configure({ tokenRotation: { lifetimeSeconds: 43_200 } });
    await new Promise((r) => setTimeout(r, 2100));

    // The installer is an admin there: a workflow, a request, and the process's worker posts the cards.
    const meta = slackOrigin(team);
    await t.services.workflows.publish(team, installer, oneStageWorkflow('access', [manager]), meta);
    const opened = await slackRequester(app.baseUrl, secrets.SLACK_SIGNING_SECRET).command({ teamId: team, userId: requester, text: 'new access' });
    expect(opened.status).toBe(200);
    await fake.waitFor((c) => c.method === 'views.open' && c.response?.ok === true, 10_000);
    await t.services.submissions.submit({ teamId: team, workflowKey: 'access', requesterId: requester, title: 'Chairs', fields: { system: 'db' } }, meta);
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === manager && c.response?.ok === true, 15_000);
    expect(fake.callsTo('oauth.v2.access').filter((c) => c.args.grant_type === 'refresh_token')).toHaveLength(1);

    await app.stop(20_000);
    const printed = app.output();
    expect(printed).toContain('"level":"debug"');
    expect(printed).toContain('oauth.v2.access');
    const hidden = [...fake.oauth.issuedTokens(), secrets.SLACK_SIGNING_SECRET, secrets.SLACK_STATE_SECRET, secrets.SLACK_CLIENT_SECRET, secrets.key];
    expect(hidden.length).toBeGreaterThan(6);
    for (const value of hidden) expect(printed.includes(value), `the output holds ${value.slice(0, 6)}…`).toBe(false);
  }, 60_000);
});
