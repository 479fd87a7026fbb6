import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { redisTeamRateLimits, tierOf } from '../../src/jobs/team-rate-limits.ts';

let redis: Redis;
const prefix = `rl${randomBytes(4).toString('hex')}`;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 3 });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('Slack rate limits per workspace and method tier', () => {
  it('paces each workspace and tier on its own: a burst passes, then calls wait their turn', async () => {
    const limits = redisTeamRateLimits(redis, `${prefix}a`, { perSecond: 5 });
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) waits.push(await limits.acquire('TBUSY', 'chat.update'));
    // A burst of twice the rate goes at once; the rest must wait, a little longer each.
    expect(waits.slice(0, 10).every((w) => w === 0)).toBe(true);
    expect(waits[10]).toBeGreaterThan(0);
    // Another workspace, and another tier of the same workspace, are not held back.
    expect(await limits.acquire('TQUIET', 'chat.update')).toBe(0);
    expect(await limits.acquire('TBUSY', 'views.publish')).toBe(0);
    expect(tierOf('chat.update')).not.toBe(tierOf('views.publish'));
  });

  it("pauses one workspace's method for Slack's Retry-After, and only that", async () => {
    const limits = redisTeamRateLimits(redis, `${prefix}b`, { perSecond: 50 });
    await limits.block('TLIMITED', 'chat.postMessage', 3000);
    const wait = await limits.acquire('TLIMITED', 'chat.postMessage');
    expect(wait).toBeGreaterThan(2500);
    expect(wait).toBeLessThanOrEqual(3000);
    expect(await limits.acquire('TLIMITED', 'chat.update')).toBe(0);
    expect(await limits.acquire('TOTHER', 'chat.postMessage')).toBe(0);
    // A shorter Retry-After does not cut the pause short.
    await limits.block('TLIMITED', 'chat.postMessage', 10);
    expect(await limits.acquire('TLIMITED', 'chat.postMessage')).toBeGreaterThan(2000);
  });

  it('books each waiting job a turn, so a backlog is worked through once and in order', async () => {
    const limits = redisTeamRateLimits(redis, `${prefix}c`, { perSecond: 20 });
    for (let i = 0; i < 40; i++) expect(await limits.acquire('TBACKLOG', 'chat.postMessage', `burst-${i}`)).toBe(0);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) waits.push(await limits.acquire('TBACKLOG', 'chat.postMessage', `job-${i}`));
    // Each later job's turn is one interval (50 ms) after the one before it.
    for (let i = 1; i < waits.length; i++) expect((waits[i] ?? 0) - (waits[i - 1] ?? 0)).toBeGreaterThanOrEqual(40);
    // Coming back early it is told to wait the rest; at its turn it goes, and a job that arrives now queues behind.
    expect(await limits.acquire('TBACKLOG', 'chat.postMessage', 'job-0')).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, (waits[0] ?? 0) + 10));
    expect(await limits.acquire('TBACKLOG', 'chat.postMessage', 'job-0')).toBe(0);
    expect(await limits.acquire('TBACKLOG', 'chat.postMessage', 'newcomer')).toBeGreaterThan((waits[4] ?? 0) - (waits[0] ?? 0));
  });

  it('counts calls asked for together as that many, all or none', async () => {
    const limits = redisTeamRateLimits(redis, `${prefix}d`, { perSecond: 5 });
    // A burst is ten calls: six and four fit, the next two do not, and none of them is counted.
    expect(await limits.acquire('TMANY', 'chat.update', undefined, 6)).toBe(0);
    expect(await limits.acquire('TMANY', 'chat.update', undefined, 4)).toBe(0);
    expect(await limits.acquire('TMANY', 'chat.update', undefined, 2)).toBeGreaterThan(0);
    // A job that must wait for its six books one turn for all of them, and at that turn they all go.
    const wait = await limits.acquire('TMANY', 'chat.update', 'job-six', 6);
    expect(wait).toBeGreaterThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, wait + 10));
    expect(await limits.acquire('TMANY', 'chat.update', 'job-six', 6)).toBe(0);
  });
});
