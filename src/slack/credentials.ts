import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { ErrorCode, WebClient } from '@slack/web-api';
import { StartupError } from '../config/env.ts';
import type { Env } from '../config/env.ts';
import { instrumentedSlackFetch } from '../observability/slack-fetch.ts';

type CredentialEnv = Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_API_URL'> & Partial<Pick<Env, 'SLACK_APP_TOKEN'>>;

/** Slack's answers that mean "this token will never work": revoked, mistyped, from a deleted app or user. */
const REJECTED = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type', 'user_removed_from_team', 'team_disabled', 'missing_scope']);

const WHERE_TO_FIND: Record<'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN', string> = {
  SLACK_BOT_TOKEN: 'use the Bot User OAuth Token (xoxb-...) from your Slack app\'s OAuth & Permissions page, and reinstall the app to the workspace if it was removed',
  SLACK_APP_TOKEN: 'create an app-level token with the connections:write scope under Basic Information -> App-Level Tokens, or leave SLACK_APP_TOKEN empty to receive Slack\'s requests over HTTP',
};

const silent: BoltLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => LogLevel.ERROR, setName: () => undefined };

/** What a failed call means for the operator, as one line naming the variable to fix. */
export function slackCredentialProblem(variable: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN', error: unknown, apiUrl: string | undefined): StartupError {
  const where = apiUrl ?? 'https://slack.com/api/';
  const urlHint = apiUrl ? 'SLACK_API_URL' : 'the network, or set SLACK_API_URL';
  const coded = error as { code?: unknown; data?: { error?: unknown; needed?: unknown }; statusCode?: unknown; original?: { message?: unknown; cause?: { code?: unknown; message?: unknown } } };
  switch (coded.code) {
    case ErrorCode.PlatformError: {
      const code = String(coded.data?.error ?? 'unknown_error');
      if (code === 'missing_scope') return new StartupError(`Slack refused ${variable} (missing_scope: needs ${String(coded.data?.needed ?? 'another scope')}): ${WHERE_TO_FIND[variable]}.`);
      if (REJECTED.has(code)) return new StartupError(`Slack rejected ${variable} (${code}): ${WHERE_TO_FIND[variable]}.`);
      return new StartupError(`Slack answered ${code} when checking ${variable} at ${where}.`);
    }
    case ErrorCode.RequestError: {
      const original = coded.original;
      // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, ENOTFOUND, a port fetch refuses, ...).
      const reason = [original?.message, original?.cause?.code ?? original?.cause?.message].filter((part) => typeof part === 'string').join(': ') || 'no answer';
      return new StartupError(`Cannot reach Slack's Web API at ${where} (check ${urlHint}): ${reason}.`);
    }
    case ErrorCode.HTTPError:
      return new StartupError(`Slack's Web API at ${where} answered HTTP ${String(coded.statusCode)} (check ${urlHint}: it must be the Web API base URL, ending in /api/).`);
    case ErrorCode.RateLimitedError:
      return new StartupError(`Slack rate-limited the start-up check of ${variable}; try again in a minute.`);
    default:
      return new StartupError(`Checking ${variable} with Slack at ${where} failed: ${error instanceof Error ? error.message : String(error)}.`);
  }
}

/**
 * Checks the Slack credentials before anything listens: the bot token with `auth.test`, and in Socket Mode the
 * app-level token with `apps.connections.open` (it hands out a connection URL that is simply left unused).
 * A token Slack refuses, or a Web API it cannot reach, is a StartupError naming the variable.
 */
export async function checkSlackCredentials(env: CredentialEnv): Promise<{ readonly teamId: string; readonly botUserId: string }> {
  // Few, quick retries: this runs once at start-up, and the operator is waiting for its answer.
  const client = new WebClient(undefined, {
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1000 },
    timeout: 10_000,
    logger: silent,
    logLevel: LogLevel.ERROR,
    fetch: instrumentedSlackFetch(),
  });
  let identity: { team_id?: string; user_id?: string };
  try {
    identity = await client.auth.test({ token: env.SLACK_BOT_TOKEN });
  } catch (error) {
    throw slackCredentialProblem('SLACK_BOT_TOKEN', error, env.SLACK_API_URL);
  }
  if (env.SLACK_APP_TOKEN) {
    try {
      await client.apps.connections.open({ token: env.SLACK_APP_TOKEN });
    } catch (error) {
      throw slackCredentialProblem('SLACK_APP_TOKEN', error, env.SLACK_API_URL);
    }
  }
  return { teamId: identity.team_id ?? '', botUserId: identity.user_id ?? '' };
}
