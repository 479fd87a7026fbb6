/**
 * SIGTERM on a replica behind a load balancer: /readyz turns 503 at once while the listener keeps serving for
 * SHUTDOWN_DRAIN_SECONDS, so the balancer stops sending traffic before connections are refused; then the
 * process stops cleanly.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { startAppProcess, type AppProcess } from '../support/processes.ts';
import { slackRequester } from '../support/slack-requests.ts';
import { testDatabaseUrl } from '../support/db.ts';

let fake: FakeSlack;
let app: AppProcess | null = null;
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await app?.kill();
  await fake.close();
});

describe('the readiness window on SIGTERM', () => {
  it('answers 503 on /readyz but still serves requests for the window, then closes and exits 0', async () => {
    const secret = randomBytes(16).toString('hex');
    app = await startAppProcess({
      DATABASE_URL: testDatabaseUrl(), REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: `drain${randomBytes(3).toString('hex')}`,
      SLACK_SIGNING_SECRET: secret, SLACK_BOT_TOKEN: 'xoxb-drain', SLACK_API_URL: fake.url, LOG_LEVEL: 'info', SHUTDOWN_DRAIN_SECONDS: '2',
    });
    expect((await fetch(`${app.baseUrl}/readyz`)).status).toBe(200);
    const signalled = Date.now();
    app.child.kill('SIGTERM');
    await app.waitForOutput('shutting down', 5000);

    const ready = await fetch(`${app.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'stopping' });
    expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
    const help = await slackRequester(app.baseUrl, secret).command({ teamId: 'T0DRAIN', userId: 'U0DRAIN1', text: 'help' });
    expect(help.status).toBe(200);
    expect(JSON.stringify(help.json)).toContain('How to use /approval');

    expect(await app.exited).toBe(0);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(2000);
    expect(app.output()).toContain('stopped cleanly');
    await expect(fetch(`${app.baseUrl}/healthz`)).rejects.toThrow();
  });
});
