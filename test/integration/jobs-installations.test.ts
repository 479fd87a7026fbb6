/**
 * The worker in OAuth mode: each workspace's jobs use its installation's token; once a workspace is uninstalled
 * its deliveries stop and are recorded as not delivered (once each, never retried), while its timers still fire
 * and are recorded; a reinstall resumes delivery.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Orm } from '../../src/db/orm.ts';
import { installationClients } from '../../src/jobs/slack-clients.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/jobs/runtime.ts';
import { createServices, type Installation, type Services } from '../../src/services/index.ts';
import { createTestOrm, slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { FAST, oneStageWorkflow, postsTo, waitUntil } from './jobs-harness.ts';

let orm: Orm;
let fake: FakeSlack;
let services: Services;
let runtime: WorkerRuntime;
let redis: Redis;
const prefix = `inst${randomBytes(4).toString('hex')}`;
const team = uniqueTeamId();
const admin = uniqueUserId('ADM');
const [requester, reviewer] = [uniqueUserId('REQ'), uniqueUserId('REV')];

/** A bot token as the fake's OAuth issues it for the workspace, stored as an installation. */
async function install(): Promise<string> {
  fake.oauth.signIn({ teamId: team, userId: admin });
  const authorize = new URL('/oauth/v2/authorize', fake.url);
  authorize.searchParams.set('client_id', fake.oauth.clientId);
  authorize.searchParams.set('scope', 'chat:write');
  authorize.searchParams.set('redirect_uri', 'https://app.example/slack/oauth_redirect');
  const code = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location') ?? '').searchParams.get('code') ?? '';
  const grant = await fetch(new URL('oauth.v2.access', fake.url), { method: 'POST', body: new URLSearchParams({ client_id: fake.oauth.clientId, client_secret: fake.oauth.clientSecret, code }) });
  const token = String(((await grant.json()) as { access_token: string }).access_token);
  const installation: Installation = {
    installKey: team, teamId: team, enterpriseId: null, isEnterpriseInstall: false, teamName: 'Acme', enterpriseName: null, enterpriseUrl: null, appId: 'A0APP',
    bot: { id: 'B0BOT', userId: 'U0BOT', scopes: ['chat:write'], token, refreshToken: null, expiresAt: null },
    installer: { userId: admin, token: null, scopes: null }, tokenType: 'bot', authVersion: 'v2',
  };
  await services.installations.install(installation, slackOrigin(team));
  return token;
}
const sentWith = (token: string) => fake.calls.filter((c) => c.token === token && c.method.startsWith('chat.'));
const failuresOf = async (submissionId: string) => (await services.delivery.notificationFailures(team, admin)).filter((f) => f.submissionId === submissionId);

beforeAll(async () => {
  orm = await createTestOrm();
  fake = await startFakeSlack();
  fake.oauth.addWorkspace(team, 'Acme');
  for (const id of [admin, requester, reviewer]) {
    fake.addUser({ id, name: id.toLowerCase() });
    fake.oauth.placeUser(team, id);
  }
  services = createServices({ orm, clock: () => new Date(), newId: randomUUID, bootstrapAdmins: [], installationKeys: [{ id: 'k1', key: randomBytes(32) }] });
  runtime = await startWorkerRuntime({
    redisUrl: inject('redisUrl'), services, deps: { orm, clock: () => new Date(), newId: randomUUID, bootstrapAdmins: [] }, queuePrefix: prefix, teams: [team], tuning: FAST,
    slackClients: installationClients({ credentials: (teamId) => services.installations.credentialsFor(teamId), slackApiUrl: fake.url }),
  });
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 3 });
});
afterAll(async () => {
  await runtime.stop();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await fake.close();
  await orm.close();
});

describe('the worker across an uninstall', () => {
  it('delivers with the installation token, then records what it cannot deliver once, fires the timers, and resumes after a reinstall', async () => {
    const token = await install();
    await services.workflows.publish(team, admin, oneStageWorkflow('access', [reviewer], { slaHours: 0.001, onTimeout: 'auto_reject' }), slackOrigin(team));
    const before = await services.submissions.submit({ teamId: team, workflowKey: 'access', requesterId: requester, title: 'Before', fields: { system: 'db' } }, slackOrigin(team));
    await waitUntil(() => postsTo(fake, reviewer).length === 1, 10_000, 'the first card');
    expect(postsTo(fake, reviewer)[0]?.token).toBe(token);

    // Uninstalled once the first request's cards are all out (Slack revokes the tokens as the event is sent).
    await waitUntil(async () => {
      const counts = await Promise.all((['events', 'slack'] as const).map((q) => runtime.queues.queue(q).getJobCounts('active', 'waiting', 'delayed', 'prioritized')));
      return counts.every((c) => Object.values(c).every((n) => n === 0));
    }, 10_000, 'the worker to be idle');
    expect(await services.installations.deactivate(team, 'app_uninstalled', slackOrigin(team))).toBe(true);
    fake.oauth.revokeInstallation(team);
    const sentBefore = sentWith(token).length;
    const during = await services.submissions.submit({ teamId: team, workflowKey: 'access', requesterId: requester, title: 'While uninstalled', fields: { system: 'db' } }, slackOrigin(team));

    // Its SLA timer (3.6 s) still fires: the request is rejected by the rule, and the outcome recorded.
    await waitUntil(async () => (await services.submissions.get(team, during.id)).status === 'rejected', 15_000, 'the timer to fire');
    const rejected = (await services.audit.submissionTrail(during.id)).find((e) => e.type === 'submission.rejected');
    expect(rejected).toBeDefined();
    expect(rejected?.actorId ?? null).toBeNull();
    const failed = await waitUntil(async () => {
      const found = await failuresOf(during.id);
      return found.some((f) => f.kind === 'outcome') ? found : null;
    }, 10_000, 'the outcome notice recorded as not delivered');
    expect(failed.map((f) => f.kind).sort()).toEqual(['outcome', 'requester', 'reviewer']);
    expect(failed.every((f) => f.error === 'app_uninstalled')).toBe(true);
    // Not retried: nothing more is recorded or sent a while later.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await failuresOf(during.id)).toHaveLength(3);
    expect(sentWith(token)).toHaveLength(sentBefore);
    expect(fake.calls.filter((c) => c.token === token && c.response?.error === 'token_revoked')).toEqual([]);
    const trail = await services.audit.submissionTrail(during.id);
    expect(trail.map((e) => e.type)).toEqual(expect.arrayContaining(['submission.created', 'stage.opened', 'submission.rejected', 'notification.failed']));
    expect((await services.audit.verify(team)).ok).toBe(true);
    expect((await services.submissions.get(team, before.id)).status).not.toBe('in_review');

    const fresh = await install();
    const after = await services.submissions.submit({ teamId: team, workflowKey: 'access', requesterId: requester, title: 'After the reinstall', fields: { system: 'db' } }, slackOrigin(team));
    await waitUntil(() => postsTo(fake, reviewer).some((c) => c.token === fresh && JSON.stringify(c.args.blocks).includes(after.id)), 10_000, 'a card after the reinstall');
    expect(await failuresOf(after.id)).toEqual([]);
  }, 45_000);
});
