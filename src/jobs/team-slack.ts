import type { WebAPICallResult, WebClient } from '@slack/web-api';
import { callSlack, SlackDeliveryError } from './slack-client.ts';
import type { SlackClients } from './slack-clients.ts';
import type { TeamRateLimits } from './team-rate-limits.ts';

export interface TeamSlack {
  readonly slack: SlackClients;
  readonly rateLimits: TeamRateLimits;
}

/**
 * One Web API call for a workspace's work: with that workspace's client, within its rate limits. A workspace
 * that must wait gets a `rate_limited` failure (the job, its `holder`, is put back until its turn); a 429 from
 * Slack pauses only that workspace's calls to that method.
 */
export async function callForTeam<T extends WebAPICallResult>(ctx: TeamSlack, teamId: string, method: string, call: (client: WebClient) => Promise<T>, holder?: string): Promise<T> {
  await reserveCalls(ctx, teamId, method, 1, holder);
  return callReserved(ctx, teamId, method, call);
}

/** Takes `count` turns in the workspace's pace for `method` at once (one round trip), or fails `rate_limited` taking none. */
export async function reserveCalls(ctx: TeamSlack, teamId: string, method: string, count: number, holder?: string): Promise<void> {
  const wait = await ctx.rateLimits.acquire(teamId, method, holder, count);
  if (wait > 0) throw new SlackDeliveryError({ kind: 'rate_limited', retryAfterMs: wait });
}

/** One call whose turn reserveCalls took. */
export async function callReserved<T extends WebAPICallResult>(ctx: TeamSlack, teamId: string, method: string, call: (client: WebClient) => Promise<T>): Promise<T> {
  const client = await ctx.slack.forTeam(teamId);
  try {
    return await callSlack(() => call(client));
  } catch (error) {
    if (error instanceof SlackDeliveryError && error.failure.kind === 'rate_limited') await ctx.rateLimits.block(teamId, method, error.failure.retryAfterMs);
    throw error;
  }
}
