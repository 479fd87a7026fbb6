import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { jsonbText } from '../../domain/index.ts';
import type { Services } from '../../services/index.ts';
import { ApiError, errorBody, toApiError } from './errors.ts';
import type { HandlerResult } from './route.ts';

type Store = Services['apiIdempotency'];
type IdempotencyScope = Parameters<Store['claim']>[0];
type IdempotentRequest = Parameters<Store['claim']>[1];
type StoredIdempotency = NonNullable<Awaited<ReturnType<Store['find']>>>;

const KEY = /^[\x21-\x7e]{8,200}$/;
const KEY_PROBLEM = 'must be 8 to 200 visible ASCII characters';

/** The request's Idempotency-Key header, null when it has none; a malformed one is a 400 naming the header. */
export function idempotencyKeyOf(req: IncomingMessage): string | null {
  const header = req.headers['idempotency-key'];
  if (header === undefined) return null;
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw new ApiError(400, 'invalid_input', `The Idempotency-Key header ${KEY_PROBLEM}.`, { 'Idempotency-Key': KEY_PROBLEM });
  }
  return header;
}

/** What a key is bound to: method, path, and the SHA-256 of the body's canonical JSON (member order does not count). */
export function fingerprint(req: IncomingMessage, body: unknown): IdempotentRequest {
  return {
    method: req.method ?? '',
    path: new URL(req.url ?? '/', 'http://localhost').pathname,
    bodyHash: createHash('sha256').update(jsonbText(body)).digest('hex'),
  };
}

/** A key sent again with another request than the one it is bound to: a 422 saying what differs. */
function refuseReuse(first: StoredIdempotency, request: IdempotentRequest): void {
  if (first.method === request.method && first.path === request.path) {
    if (first.bodyHash === request.bodyHash) return;
    throw new ApiError(422, 'idempotency_key_reused', `This Idempotency-Key was already used for ${first.method} ${first.path} with a different body. Use a new key for a new request.`);
  }
  throw new ApiError(422, 'idempotency_key_reused',
    `This Idempotency-Key was already used for ${first.method} ${first.path}, not ${request.method} ${request.path}. Use a new key for a new request.`);
}

/**
 * Runs a request under its (token, Idempotency-Key), bound on first use to that request (method, path, body
 * fingerprint); the same key with another request is a 422 and runs nothing. With `replay: 'stored'` the first
 * response (success or refusal) is stored here and returned again; with `replay: 'by-run'` the request itself
 * replays (the decision service keeps decisions' outcomes by key) and only the binding is kept here. A request
 * that fails unexpectedly releases the key it claimed, so the client may retry it.
 */
export async function idempotent<T>(
  store: Store, scope: IdempotencyScope, request: IdempotentRequest, replay: 'stored' | 'by-run', run: () => Promise<HandlerResult<T>>,
): Promise<HandlerResult<T>> {
  if (!(await store.claim(scope, request))) {
    const first = await store.find(scope);
    if (!first) throw new ApiError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed. Retry in a moment.');
    refuseReuse(first, request);
    if (replay === 'by-run') return run();
    if (first.status === null) throw new ApiError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed. Retry in a moment.');
    // A stored refusal is replayed as the same error; a stored success as the same body.
    if (first.status >= 400) {
      const stored = first.response as { error?: { code?: string; message?: string; fields?: Record<string, string> } } | null;
      throw new ApiError(first.status, stored?.error?.code ?? 'error', stored?.error?.message ?? 'The first request with this key failed.', stored?.error?.fields ?? {});
    }
    return { status: first.status, body: first.response as T, headers: { 'idempotency-replayed': 'true' } };
  }
  try {
    const result = await run();
    if (replay === 'stored') await store.store(scope, result.status ?? 200, result.body);
    return result;
  } catch (error) {
    const apiError = toApiError(error);
    if (apiError && apiError.status < 500) {
      if (replay === 'stored') await store.store(scope, apiError.status, errorBody(apiError));
      throw apiError;
    }
    await store.release(scope);
    throw error;
  }
}
