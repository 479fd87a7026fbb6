import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Slack's rate limits are per workspace and per method, in tiers. The worker keeps them the same way, in Redis so
 * every worker process shares them: a pace per (workspace, method tier), and a pause per (workspace, method) when
 * Slack answers 429 with Retry-After. A job of a workspace that must wait is put back until then, alone: other
 * workspaces' jobs run on (a 429 never pauses the whole queue).
 */
export interface TeamRateLimits {
  /**
   * 0 when `count` calls (1 by default) to `method` for `teamId` may go now (and counts them); else how many ms to
   * wait. A `holder` (the job) that must wait is given a turn at that time: coming back then, its calls go,
   * instead of queueing again.
   */
  acquire(teamId: string, method: string, holder?: string, count?: number): Promise<number>;
  /** Slack said to wait `ms` before calling `method` for `teamId` again. */
  block(teamId: string, method: string, ms: number): Promise<void>;
}

/** Which tier a method's pace is kept in (Slack's published tiers; posting has its own "special" limit). */
const METHOD_TIERS: Readonly<Record<string, string>> = {
  'chat.postMessage': 'post', 'chat.postEphemeral': 'post',
  'chat.update': 'tier3', 'chat.delete': 'tier3', 'conversations.history': 'tier3', 'conversations.replies': 'tier3', 'conversations.open': 'tier3',
  'views.publish': 'tier4', 'views.open': 'tier4', 'views.update': 'tier4', 'users.info': 'tier4',
  'usergroups.users.list': 'tier2', 'usergroups.list': 'tier2',
};
export const tierOf = (method: string): string => METHOD_TIERS[method] ?? 'other';

/**
 * One script, one round trip: a pause set by a 429 wins; otherwise a generic cell rate: calls are spaced
 * `interval` ms apart, with up to `burst` at once (several calls asked for together count as that many). A holder that must wait books the next free turn (KEYS[3]),
 * so a backlog is worked through once, in order, instead of every waiting job waking at the same moment and
 * all but one going back again. The clock is Redis' own, the same for every worker.
 */
const ACQUIRE = `
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return paused end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local holder = ARGV[3] == '1'
local count = tonumber(ARGV[4] or '1')
if holder then
  local turn = tonumber(redis.call('GET', KEYS[3]) or '-1')
  if turn >= 0 then
    if turn - now <= 5 then
      redis.call('DEL', KEYS[3])
      return 0
    end
    return turn - now
  end
end
local tat = tonumber(redis.call('GET', KEYS[2]) or '0')
if tat < now then tat = now end
local nextTat = tat + interval * count
local wait = nextTat - now - interval * burst
if wait > 0 and not holder then return wait end
redis.call('SET', KEYS[2], nextTat, 'PX', nextTat - now + 1000)
if wait <= 0 then return 0 end
redis.call('SET', KEYS[3], now + wait, 'PX', wait + 60000)
return wait`;

/** A pause only grows: a shorter Retry-After does not cut a longer one short. */
const BLOCK = `
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0`;

const part = (value: string): string => value.replace(/[^A-Za-z0-9._-]/g, '_');

export interface RateLimitOptions {
  /** Calls per second per workspace and tier (a burst of twice that passes at once). */
  readonly perSecond: number;
}

/** A script run by its hash (sent in full only when Redis does not know it yet, e.g. after a restart). */
function script(redis: Redis, source: string, keys: number): (...args: (string | number)[]) => Promise<unknown> {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (...args) => {
    try {
      return await redis.evalsha(sha, keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(source, keys, ...args);
    }
  };
}

export function redisTeamRateLimits(redis: Redis, prefix: string, options: RateLimitOptions): TeamRateLimits {
  const acquire = script(redis, ACQUIRE, 3);
  const block = script(redis, BLOCK, 1);
  const interval = Math.max(1, Math.round(1000 / options.perSecond));
  const burst = Math.max(1, Math.round(options.perSecond * 2));
  const pauseKey = (teamId: string, method: string) => `${prefix}:slack-pause:${part(teamId)}:${part(method)}`;
  const paceKey = (teamId: string, method: string) => `${prefix}:slack-pace:${part(teamId)}:${tierOf(method)}`;
  const turnKey = (teamId: string, method: string, holder: string | undefined) =>
    holder === undefined ? `${prefix}:slack-turn:-` : `${prefix}:slack-turn:${part(teamId)}:${tierOf(method)}:${part(holder)}`;
  return {
    async acquire(teamId, method, holder, count = 1) {
      return Number(await acquire(pauseKey(teamId, method), paceKey(teamId, method), turnKey(teamId, method, holder), interval, burst, holder === undefined ? '0' : '1', Math.max(1, Math.floor(count))));
    },
    async block(teamId, method, ms) {
      await block(pauseKey(teamId, method), Math.max(1, Math.round(ms)));
    },
  };
}
