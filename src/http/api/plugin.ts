import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from '../../plugin.ts';
import { loadSigningKey, publicKeyOf, loadPublicKey } from '../../domain/checkpoint.ts';
import type { Env } from '../../config/env.ts';
import type { Services } from '../../services/index.ts';
import type { Authentication } from '../../services/api-token-service.ts';
import type { Throttle } from '../../services/api-rate-limits.ts';
import { sendJson, type RouteHandler } from '../server.ts';
import { ApiError, sendError, toApiError } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { apiMeta, clientIp, matchPath, parseOr400, readBody, type ApiRoute, type AuthContext } from './route.ts';
import { buildRoutes } from './routes.ts';
import { buildWebhookRoutes } from './webhook-routes.ts';
import { errorSchema } from './schemas.ts';
import { loggerFor } from '../../observability/logger.ts';

const log = loggerFor('api');

/** Failed authentication with no token we know is recorded in this chain; with a known token, in its workspace's. */
export const SYSTEM_CHAIN_ID = 'system';

const AUTH_MESSAGES: Record<Exclude<Authentication, { ok: true }>['reason'], string> = {
  missing: 'Send an API token: Authorization: Bearer <token>.',
  malformed: 'The Authorization header does not hold an API token of this app.',
  unknown: 'This API token is not valid.',
  revoked: 'This API token was revoked.',
};

export function publicKeyFromEnv(env: Env): ReturnType<typeof publicKeyOf> | null {
  if (env.AUDIT_PUBLIC_KEY) return loadPublicKey(env.AUDIT_PUBLIC_KEY);
  return env.AUDIT_SIGNING_KEY ? publicKeyOf(loadSigningKey(env.AUDIT_SIGNING_KEY)) : null;
}

/** The REST API v1 as one route handler: authentication, scopes, validation both ways, errors in one shape. */
export function createApiHandler(services: Services, routes: readonly ApiRoute[]): RouteHandler {
  // Built on the first request for it: converting every schema costs start-up time and memory nobody may need.
  let openApi: ReturnType<typeof openApiDocument> | null = null;

  const sourceOf = (req: IncomingMessage): string => clientIp(req) ?? 'unknown';

  /** Counted per client address (and recorded in aggregate); a failure to record is logged, never a 500 for the caller. */
  async function recordAuthFailure(req: IncomingMessage, teamId: string | null, tokenId: string | null, reason: string, path: string): Promise<void> {
    try {
      await services.apiLimits.recordAuthFailure(sourceOf(req), teamId ?? SYSTEM_CHAIN_ID, { reason, tokenId, method: req.method ?? '', path }, apiMeta(tokenId, req));
    } catch (error) {
      log.error({ err: error }, 'could not record a failed API authentication');
    }
  }

  const throttled = (throttle: Extract<Throttle, { limited: true }>, message: string): ApiError =>
    new ApiError(429, 'rate_limited', message, {}, { 'retry-after': String(throttle.retryAfterSeconds) });

  async function authenticate(req: IncomingMessage, route: ApiRoute, path: string): Promise<AuthContext> {
    // A source that used up its failed attempts is refused before its token is looked at (no guessing at full speed).
    const blocked = await services.apiLimits.sourceThrottle(sourceOf(req));
    if (blocked.limited) {
      await recordAuthFailure(req, null, null, 'throttled', path);
      throw throttled(blocked, `Too many failed authentications from this address (${blocked.limit} a minute); retry after ${blocked.retryAfterSeconds} s.`);
    }
    const header = req.headers.authorization;
    const result = await services.apiTokens.authenticate(header);
    if (!result.ok) {
      await recordAuthFailure(req, result.teamId, result.tokenId, result.reason, path);
      throw new ApiError(401, 'unauthenticated', AUTH_MESSAGES[result.reason], {}, { 'www-authenticate': 'Bearer' });
    }
    const { token } = result;
    if (route.scopes && !route.scopes.some((scope) => token.scopes.includes(scope))) {
      await recordAuthFailure(req, token.teamId, token.id, `missing_scope:${route.scopes.join('|')}`, path);
      throw new ApiError(403, 'missing_scope', `This token lacks the scope ${route.scopes.join(' or ')} that ${req.method} ${route.path} needs.`);
    }
    const quota = await services.apiLimits.takeRequest(token.id);
    if (quota.limited) throw throttled(quota, `This token made more than ${quota.limit} requests this minute; retry after ${quota.retryAfterSeconds} s.`);
    return { token, teamId: token.teamId, userId: token.ownerId, meta: apiMeta(token.id, req) };
  }

  async function answer(req: IncomingMessage, res: ServerResponse, route: ApiRoute, pathParams: Record<string, string>, url: URL): Promise<void> {
    const auth = route.scopes ? await authenticate(req, route, url.pathname) : null;
    const params = parseOr400(route.params, pathParams, 'path');
    const query = parseOr400(route.query, Object.fromEntries(url.searchParams), 'query');
    const body = route.body ? parseOr400(route.body.schema, await readBody(req, route.body.kind), 'body') : undefined;
    const result = await route.handle({ params, query, body, auth: auth as AuthContext, req });
    const status = result.status ?? route.status;
    // Responses are checked against the documented schema too: a mismatch is our bug and must not leak out.
    const checked = (status >= 400 ? errorSchema : route.response).safeParse(result.body);
    if (!checked.success) {
      log.error({ path: route.path, issues: checked.error.issues.slice(0, 5) }, 'API response does not match its schema');
      throw new Error(`response of ${route.method} ${route.path} does not match its schema`);
    }
    sendJson(res, status, checked.data, result.headers ?? {});
  }

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/api/v1/') && url.pathname !== '/api/v1') return false;
    if (req.method === 'GET' && url.pathname === '/api/v1/openapi.json') {
      openApi ??= openApiDocument(routes);
      sendJson(res, 200, openApi);
      return true;
    }
    let allowed: string[] = [];
    for (const route of routes) {
      const params = matchPath(route.path, url.pathname);
      if (!params) continue;
      if (route.method !== req.method) {
        allowed.push(route.method);
        continue;
      }
      try {
        await answer(req, res, route, params, url);
      } catch (error) {
        const apiError = toApiError(error);
        if (!apiError) throw error;
        sendError(res, apiError, apiError.headers);
      }
      return true;
    }
    allowed = [...new Set(allowed)];
    if (allowed.length > 0) sendJson(res, 405, { error: { code: 'method_not_allowed', message: `Use ${allowed.join(' or ')} for ${url.pathname}.` } }, { allow: allowed.join(', ') });
    else sendJson(res, 404, { error: { code: 'not_found', message: `Nothing at ${req.method} ${url.pathname}` } });
    return true;
  };
}

/** Plug-in: the REST API v1 (routes under /api/v1, OpenAPI at /api/v1/openapi.json). */
export function apiPlugin(): Plugin {
  return async ({ env, services }) => {
    const routes = [...buildRoutes({ services, publicKey: publicKeyFromEnv(env) }), ...buildWebhookRoutes(services)];
    return { routes: [createApiHandler(services, routes)] };
  };
}
