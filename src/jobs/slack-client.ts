import { ErrorCode, WebClient, type WebAPICallResult } from '@slack/web-api';
import { instrumentedSlackFetch } from '../observability/slack-fetch.ts';
import type { TokenRefresher } from '../services/index.ts';

/**
 * The worker's Slack client. Retries are ours, not the WebClient's: it must not sleep inside a job for half an
 * hour (its default policy) or swallow a 429, because BullMQ decides when a job runs again.
 */
export function createSlackClient(token: string, slackApiUrl?: string, teamId?: string): WebClient {
  return new WebClient(token, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    ...(teamId ? { teamId } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
    fetch: instrumentedSlackFetch(),
  });
}

/**
 * Exchanges a refresh token for new tokens (token rotation): oauth.v2.access with grant_type=refresh_token, which
 * takes the app's client id and secret instead of a token.
 */
export function createTokenRefresher(options: { clientId: string; clientSecret: string; slackApiUrl?: string | undefined }): TokenRefresher {
  const client = new WebClient(undefined, { ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}), retryConfig: { retries: 2 }, timeout: 15_000, fetch: instrumentedSlackFetch() });
  return async (refreshToken) => {
    const answer = await client.oauth.v2.access({ client_id: options.clientId, client_secret: options.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken });
    if (!answer.access_token || !answer.refresh_token || answer.expires_in === undefined) throw new Error('oauth.v2.access answered a refresh without new tokens');
    return { token: answer.access_token, refreshToken: answer.refresh_token, expiresInSeconds: answer.expires_in };
  };
}

/** Errors after which asking again cannot help: the person or place is gone, or we may not post there. */
const PERMANENT = new Set([
  'user_not_found', 'users_not_found', 'user_disabled', 'account_inactive', 'channel_not_found', 'is_archived', 'not_in_channel',
  'cannot_dm_bot', 'msg_too_long', 'no_text', 'invalid_blocks', 'invalid_blocks_format', 'invalid_arguments', 'missing_scope',
  'not_authed', 'invalid_auth', 'token_revoked', 'token_expired', 'team_access_not_granted', 'restricted_action',
  'ekm_access_denied', 'org_login_required', 'cant_update_message', 'edit_window_closed', 'not_allowed_token_type',
  'app_uninstalled', 'tokens_revoked', 'not_installed',
]);
/** Platform errors Slack documents as temporary. */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'team_added_to_org']);

export type SlackFailure =
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number }
  | { readonly kind: 'transient'; readonly code: string }
  | { readonly kind: 'permanent'; readonly code: string }
  | { readonly kind: 'message_gone'; readonly code: string };

/** Maps whatever the WebClient threw to what the worker should do about it. */
export function classifySlackError(error: unknown): SlackFailure {
  const coded = error as { code?: unknown; retryAfter?: unknown; statusCode?: unknown; data?: { error?: unknown } };
  switch (coded.code) {
    case ErrorCode.RateLimitedError:
      return { kind: 'rate_limited', retryAfterMs: Math.max(1, Number(coded.retryAfter) || 1) * 1000 };
    case ErrorCode.HTTPError:
      return { kind: 'transient', code: `http_${String(coded.statusCode)}` };
    case ErrorCode.RequestError:
      return { kind: 'transient', code: 'request_failed' };
    case ErrorCode.PlatformError: {
      const code = String(coded.data?.error ?? 'unknown_error');
      if (code === 'message_not_found') return { kind: 'message_gone', code };
      if (TRANSIENT.has(code)) return { kind: 'transient', code };
      if (PERMANENT.has(code)) return { kind: 'permanent', code };
      // Anything else is unexpected: treat it as permanent rather than hammer Slack with a request it refuses.
      return { kind: 'permanent', code };
    }
    default:
      return { kind: 'transient', code: error instanceof Error ? error.message : String(error) };
  }
}

export class SlackDeliveryError extends Error {
  readonly failure: SlackFailure;
  constructor(failure: SlackFailure) {
    super(`Slack: ${failure.kind === 'rate_limited' ? `rate limited for ${failure.retryAfterMs} ms` : failure.code}`);
    this.name = 'SlackDeliveryError';
    this.failure = failure;
  }
}

/** Runs one Web API call and rethrows failures as SlackDeliveryError. */
export async function callSlack<T extends WebAPICallResult>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new SlackDeliveryError(classifySlackError(error));
  }
}

/** The code a failure is recorded under (notification_failure.error): Slack's error code, or what went wrong. */
export const failureCode = (error: unknown): string =>
  error instanceof SlackDeliveryError
    ? (error.failure.kind === 'permanent' || error.failure.kind === 'transient' ? error.failure.code : error.failure.kind)
    : 'delivery_failed';
