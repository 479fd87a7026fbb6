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

/** A platform error in a parsed answer (`{ ok: false, error }`), as a label value from a small set; null when ok. */
function platformError(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || (body as { ok?: unknown }).ok !== false) return null;
  const error = (body as { error?: unknown }).error;
  // A label value must come from a small set: anything that is not an error code is counted as one kind.
  return typeof error === 'string' && /^[a-z_]{1,60}$/.test(error) ? error : 'unknown_error';
}

/** The response with its body already read as `text`: the client reads it from memory. */
function withBody(response: FetchResponse, text: string): FetchResponse {
  return {
    ok: response.ok, status: response.status, statusText: response.statusText, url: response.url, headers: response.headers,
    text: async () => text,
    json: async (): Promise<unknown> => JSON.parse(text),
    arrayBuffer: async () => new TextEncoder().encode(text).buffer,
  };
}

/**
 * Slack answers most failures with HTTP 200 and `{ ok: false, error }`: a JSON answer is read once here for its
 * error, and handed on with the text read (copying the response instead would tee its body stream).
 */
async function readError(response: FetchResponse): Promise<{ error: string | null; response: FetchResponse }> {
  if (!/\bjson\b/.test(response.headers.get('content-type') ?? '')) return { error: null, response };
  const text = await response.text();
  let error: string | null;
  try {
    error = platformError(JSON.parse(text));
  } catch {
    error = 'unreadable_response';
  }
  return { error, response: withBody(response, text) };
}

/**
 * The fetch every Web API client uses: counts calls, errors and 429s by method and times them, then hands
 * the response to the client (a JSON answer with its body already read), which keeps its own retry and error handling.
 */
export function instrumentedSlackFetch(inner: FetchFunction = globalThis.fetch as unknown as FetchFunction): FetchFunction {
  return async (url: string | URL, init?: FetchRequestInit): Promise<FetchResponse> => {
    const method = methodOf(url);
    const stop = slackCallDuration.startTimer({ method });
    let response: FetchResponse;
    let read: { error: string | null; response: FetchResponse } | null = null;
    try {
      response = await inner(url, init);
      // The body of a JSON answer is read here (for its platform error): a connection lost meanwhile fails the call.
      if (response.status !== 429 && response.status < 400) read = await readError(response);
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
    const outcome = read ?? { error: `http_${response.status}`, response };
    slackCallsTotal.inc({ method, result: outcome.error ?? 'ok' });
    if (outcome.error) slackErrorsTotal.inc({ method, error: outcome.error });
    return outcome.response;
  };
}
