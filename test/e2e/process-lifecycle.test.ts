/**
 * The app as its own process (`npm start`): JSON log lines that carry the request's trace id and no secrets
 * or field values, and a SIGTERM that lets a decision in flight finish before the process exits.
 */
import { randomBytes } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ACTION_IDS } from '../../blocks/ids.ts';
import { encodeCardAction } from '../../blocks/values.ts';
import { createTestApp, slackOrigin, testDatabaseUrl, uniqueUserId, type TestApp } from '../support/db.ts';
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

describe('the app process', () => {
  it('logs JSON with trace ids and no secrets, and on SIGTERM finishes the decision it is making before exiting', async () => {
    const secret = randomBytes(16).toString('hex');
    const botToken = `xoxb-${randomBytes(8).toString('hex')}`;
    const [requester, reviewer] = [uniqueUserId('REQ'), uniqueUserId('REV')];
    for (const id of [requester, reviewer]) fake.addUser({ id, name: id.toLowerCase() });
    const meta = slackOrigin(t.teamId);
    await t.services.workflows.publish(t.teamId, t.admin, { key: 'access', name: 'Access', stages: [{ id: 'owner', name: 'Owner', step: 1, approvers: [{ type: 'user', userId: reviewer }], rule: { kind: 'any' } }] }, meta);
    const title = `Database access ${randomBytes(6).toString('hex')}`;
    const request = await t.services.submissions.submit({ teamId: t.teamId, workflowKey: 'access', requesterId: requester, title }, meta);
    const stage = request.stages[0];
    if (!stage) throw new Error('no open stage');
    const posted = await new WebClient('xoxb-worker', { slackApiUrl: fake.url }).chat.postMessage({ channel: reviewer, text: 'card' });

    app = await startAppProcess({
      DATABASE_URL: testDatabaseUrl(), REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: `life${randomBytes(3).toString('hex')}`,
      SLACK_SIGNING_SECRET: secret, SLACK_BOT_TOKEN: botToken, SLACK_API_URL: fake.url, LOG_LEVEL: 'info', DATABASE_POOL_SIZE: '4',
    });
    const click = await slackRequester(app.baseUrl, secret).action({
      teamId: t.teamId, userId: reviewer, actionId: ACTION_IDS.approve, value: encodeCardAction(request.id, stage.id, request.workflowVersion),
      message: { channelId: posted.channel ?? '', ts: posted.ts ?? '' },
    });
    expect(click.status).toBe(200);
    // SIGTERM right after the ack: the listener is still deciding and redrawing the card.
    await app.stop(20_000);
    expect(await app.exited).toBe(0);

    expect((await t.services.submissions.get(t.teamId, request.id)).status).toBe('approved');
    expect(fake.calls.filter((c) => c.method === 'chat.update' && c.args.ts === posted.ts && c.response?.ok)).toHaveLength(1);

    const lines = app.output().split('\n').filter((line) => line.trim() !== '');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const traceId = click.headers?.get('x-request-id');
    expect(traceId).toBeTruthy();
    expect(entries).toContainEqual(expect.objectContaining({ level: 'info', msg: 'decision recorded', traceId, submissionId: request.id, kind: 'approve' }));
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'stopped cleanly' }));
    const everything = lines.join('\n');
    for (const hidden of [secret, botToken, title]) expect(everything).not.toContain(hidden);
  });
});
