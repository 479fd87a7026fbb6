/**
 * `npm start` in Socket Mode while Slack's WebSocket endpoint cannot be reached: health, metrics and the API
 * are up anyway, /readyz says Slack is not connected, SIGTERM stops the process cleanly, and once Slack can be
 * reached the connection comes up and readiness follows.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from './harness.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { startAppProcess, type AppProcess } from '../support/processes.ts';
import { slashCommandBody } from '../support/slack-requests.ts';
import { testDatabaseUrl } from '../support/db.ts';

let fake: FakeSlack;
const running: AppProcess[] = [];
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  for (const app of running) await app.kill();
  await fake.close();
});

const env = () => ({
  DATABASE_URL: testDatabaseUrl(), REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: `sock${randomBytes(3).toString('hex')}`,
  SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'), SLACK_BOT_TOKEN: 'xoxb-socket', SLACK_APP_TOKEN: 'xapp-1-A0APP-1-socket',
  SLACK_API_URL: fake.url, LOG_LEVEL: 'info', SHUTDOWN_DRAIN_SECONDS: '0',
});

async function readiness(app: AppProcess): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const response = await fetch(`${app.baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
}

describe('Socket Mode as a process', () => {
  it('serves health and metrics while Slack cannot be reached, says so on /readyz, and stops cleanly on SIGTERM', async () => {
    fake.socketMode.refuseConnections(true);
    const app = await startAppProcess(env());
    running.push(app);
    expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(200);
    const ready = await readiness(app);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.slack).toMatch(/^Socket Mode is not connected to Slack/);
    expect(ready.body.checks.postgres).toBe('ok');

    await app.stop(15_000);
    expect(await app.exited).toBe(0);
    expect(app.output()).toContain('stopped cleanly');
  });

  it('connects once Slack can be reached, turns ready, and answers commands over the socket', async () => {
    fake.socketMode.refuseConnections(true);
    const app = await startAppProcess(env());
    running.push(app);
    expect((await readiness(app)).status).toBe(503);
    fake.socketMode.refuseConnections(false);
    // The client retries after its back-off (5 s for the first failure).
    await eventually(async () => expect((await readiness(app)).status).toBe(200), 20_000);
    const payload = Object.fromEntries(new URLSearchParams(slashCommandBody({ teamId: 'T0SOCKET', userId: 'U0SOCKET1', text: 'help' })));
    const ack = await fake.socketMode.deliver('slash_commands', payload);
    expect(JSON.stringify(ack.payload)).toContain('/approval list');
    await app.stop(15_000);
    expect(await app.exited).toBe(0);
  });
});
