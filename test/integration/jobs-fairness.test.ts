/**
 * One workspace's burst of cards does not hold back another's: each workspace has its own pace, so the
 * burst's surplus waits its turn while the other workspace's card goes out at once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Orm } from '../../src/db/orm.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/jobs/runtime.ts';
import { jobsTotal } from '../../src/observability/metrics.ts';
import { createSlackClient } from '../../src/jobs/slack-client.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import { createTestOrm, slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { FAST, oneStageWorkflow, postsTo, waitUntil } from './jobs-harness.ts';

let orm: Orm;
let fake: FakeSlack;
let services: Services;
let runtime: WorkerRuntime;
let redis: Redis;
const prefix = `fair${randomBytes(4).toString('hex')}`;
const [busy, quiet] = [uniqueTeamId(), uniqueTeamId()];
const admin = uniqueUserId('ADM');

beforeAll(async () => {
  orm = await createTestOrm();
  fake = await startFakeSlack();
  const deps = { orm, clock: () => new Date(), newId: randomUUID, bootstrapAdmins: [admin] };
  services = createServices(deps);
  runtime = await startWorkerRuntime({
    redisUrl: inject('redisUrl'), services, deps, queuePrefix: prefix, teams: [busy, quiet], slackClient: createSlackClient('xoxb-test-token', fake.url),
    // Five calls a second per workspace and tier (ten at once): the busy workspace's 41 cards take seconds.
    tuning: { ...FAST, slackPerSecond: 5 },
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

const person = (label: string): string => {
  const id = uniqueUserId(label);
  fake.addUser({ id, name: id.toLowerCase() });
  return id;
};

describe("one workspace's burst", () => {
  it("does not hold back another workspace's card", async () => {
    const reviewers = Array.from({ length: 40 }, () => person('R'));
    const [requester, other, otherRequester] = [person('REQ'), person('OTH'), person('OREQ')];
    await services.directory.setRole(busy, admin, { name: 'everyone', members: reviewers }, slackOrigin(busy));
    await services.workflows.publish(busy, admin, oneStageWorkflow('big', [], { approvers: [{ type: 'role', role: 'everyone' }] }), slackOrigin(busy));
    await services.workflows.publish(quiet, admin, oneStageWorkflow('small', [other]), slackOrigin(quiet));

    await services.submissions.submit({ teamId: busy, workflowKey: 'big', requesterId: requester, title: 'Everyone', fields: { system: 'db' } }, slackOrigin(busy));
    await waitUntil(() => reviewers.filter((r) => postsTo(fake, r).length > 0).length >= 5, 10_000, 'the burst to start');
    const sent = Date.now();
    await services.submissions.submit({ teamId: quiet, workflowKey: 'small', requesterId: otherRequester, title: 'Just one', fields: { system: 'db' } }, slackOrigin(quiet));
    await waitUntil(() => postsTo(fake, other).length === 1, 10_000, "the other workspace's card");
    const arrived = postsTo(fake, other)[0]?.at ?? Infinity;
    expect(arrived - sent).toBeLessThan(1500);
    // The burst was still going: most of its cards came after.
    const burstAfter = reviewers.filter((r) => (postsTo(fake, r)[0]?.at ?? Infinity) > arrived);
    expect(burstAfter.length).toBeGreaterThan(15);
    // And none of it was lost: every reviewer gets a card once the pace allows.
    await waitUntil(() => reviewers.every((r) => postsTo(fake, r).length === 1), 20_000, 'the whole burst');
    // Each card that had to wait was put back about once (it was given a turn), not again and again.
    const deferred = (await jobsTotal.get()).values.find((v) => v.labels.queue === 'slack' && v.labels.result === 'deferred')?.value ?? 0;
    expect(deferred).toBeLessThanOrEqual(reviewers.length * 1.5);
  }, 40_000);
});
