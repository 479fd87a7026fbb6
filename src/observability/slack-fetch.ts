import type { FetchFunction } from '@slack/web-api';

type FetchRequestInit = Parameters<FetchFunction>[1];
type FetchResponse = Awaited<ReturnType<FetchFunction>>;
import { slackCallDuration, slackCallsTotal, slackErrorsTotal, slackRateLimitedTotal } from './metrics.ts';

/** `chat.postMessage` from `https://slack.com/api/chat.postMessage` (or a proxy's or a fake's base URL). */
function methodOf(url: string | URL): string {
  const path = (typeof url === 'string' ? new URL(url) : url).pathname;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return /^[a-zA-Z.]{1,60}$/.test(last) ? last : 'unknown';
}

/** Slack answers most failures with HTTP 200 and `{ ok: false, error }`: read the error off a copy of the body. */
async function platformError(response: FetchResponse & { clone?: () => FetchResponse }): Promise<string | null> {
  if (!response.clone) return null;
  try {
    const body = (await response.clone().json()) as { ok?: unknown; error?: unknown };
    if (body.ok !== false) return null;
    // A label value must come from a small set: anything that is not an error code is counted as one kind.
    return typeof body.error === 'string' && /^[a-z_]{1,60}$/.test(body.error) ? body.error : 'unknown_error';
  } catch {
    return 'unreadable_response';
  }
}

/**
 * The fetch every Web API client uses: counts calls, errors and 429s by method and times them, then hands
 * the untouched response to the client, which keeps its own retry and error handling.
 */
export function instrumentedSlackFetch(inner: FetchFunction = globalThis.fetch as unknown as FetchFunction): FetchFunction {
  return async (url: string | URL, init?: FetchRequestInit): Promise<FetchResponse> => {
    const method = methodOf(url);
    const stop = slackCallDuration.startTimer({ method });
    let response: FetchResponse;
    try {
      response = await inner(url, init);
    } catch (error) {
      stop();
      slackCallsTotal.inc({ method, result: 'request_failed' });
      slackErrorsTotal.inc({ method, error: 'request_failed' });
      throw error;
    }
    stop();
    if (response.status === 429) {
      slackRateLimitedTotal.inc({ method });
      slackCallsTotal.inc({ method, result: 'ratelimited' });
      slackErrorsTotal.inc({ method, error: 'ratelimited' });
      return response;
    }
    const error = response.status >= 400 ? `http_${response.status}` : await platformError(response);
    slackCallsTotal.inc({ method, result: error ?? 'ok' });
    if (error) slackErrorsTotal.inc({ method, error });
    return response;
  };
}
