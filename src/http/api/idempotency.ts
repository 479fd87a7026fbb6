import { createHash } from 'node:crypto';
import { jsonbText } from '../../domain/index.ts';
import type { Services } from '../../services/index.ts';
import { ApiError, errorBody, toApiError } from './errors.ts';
import type { HandlerResult } from './route.ts';

/**
 * Runs a request at most once per (token, Idempotency-Key): the first response (success or refusal) is
 * stored and returned again for the same key; the same key with a different body is a 409. A request that
 * fails unexpectedly releases its key, so the client may retry it.
 */
export async function idempotent<T>(
  store: Services['apiIdempotency'], scope: { teamId: string; tokenId: string; key: string }, body: unknown, run: () => Promise<HandlerResult<T>>,
): Promise<HandlerResult<T>> {
  if (!/^[\x21-\x7e]{8,200}$/.test(scope.key)) throw new ApiError(400, 'invalid_input', 'The Idempotency-Key header must be 8 to 200 visible ASCII characters.');
  const requestHash = createHash('sha256').update(jsonbText(body)).digest('hex');
  if (!(await store.claim(scope, requestHash))) {
    const first = await store.find(scope);
    if (!first || first.requestHash !== requestHash) {
      throw new ApiError(409, 'idempotency_conflict', 'This Idempotency-Key was already used with a different request body. Use a new key for a new request.');
    }
    if (first.status === null) throw new ApiError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed. Retry in a moment.');
    // A stored refusal is replayed as the same error; a stored success as the same body.
    if (first.status >= 400) {
      const stored = first.response as { error?: { code?: string; message?: string } } | null;
      throw new ApiError(first.status, stored?.error?.code ?? 'error', stored?.error?.message ?? 'The first request with this key failed.');
    }
    return { status: first.status, body: first.response as T, headers: { 'idempotency-replayed': 'true' } };
  }
  try {
    const result = await run();
    await store.store(scope, result.status ?? 200, result.body);
    return result;
  } catch (error) {
    const apiError = toApiError(error);
    if (apiError && apiError.status < 500) {
      await store.store(scope, apiError.status, errorBody(apiError));
      throw apiError;
    }
    await store.release(scope);
    throw error;
  }
}
