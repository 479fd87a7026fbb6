import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { runInContext, traceIdFromHeaders } from '../observability/log-context.ts';
import { loggerFor } from '../observability/logger.ts';
import { httpRequestDuration } from '../observability/metrics.ts';

/** A route handler answers the request and returns true, or returns false to let the next one try. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const log = loggerFor('http');

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

/** A small, fixed set of route labels: a label per URL would grow without bound. */
function routeLabel(path: string): string {
  if (path === '/slack/events' || path === '/slack/install' || path === '/slack/oauth_redirect' || path === '/healthz' || path === '/readyz' || path === '/metrics') return path;
  if (path.startsWith('/admin/queues')) return '/admin/queues';
  if (path.startsWith('/api/v1/')) return `/api/v1/${path.split('/')[3] ?? ''}`;
  return 'other';
}

/**
 * How long a client may take to send a request: its headers, then all of it. Slack gives up on an answer after
 * 3 s and an API body is at most 1 MiB, so a request still arriving after this is a slow or stuck client; it is
 * answered 408 and its connection closed, and what it sent is let go instead of held (Node's own defaults are
 * 60 s and 5 min). Nothing has been handled for it: a handler acts only on a complete body.
 */
export const REQUEST_TIMEOUTS = { headersMs: 10_000, requestMs: 15_000, checkEveryMs: 1_000 } as const;

export interface HttpServerOptions {
  readonly timeouts?: { readonly headersMs: number; readonly requestMs: number; readonly checkEveryMs: number };
}

/**
 * One HTTP server for everything the app answers: Slack's requests, the REST API, health and metrics.
 * Handlers are tried in order; the first that claims a request answers it. Each request runs in its own
 * log context (a trace id taken from `traceparent`/`x-request-id` or made here, echoed as `x-request-id`).
 */
export function createHttpServer(handlers: readonly RouteHandler[], options: HttpServerOptions = {}): Server {
  const timeouts = options.timeouts ?? REQUEST_TIMEOUTS;
  const serverOptions = { headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, connectionsCheckingInterval: timeouts.checkEveryMs };
  return createServer(serverOptions, (req, res) => {
    const receivedAt = Date.now();
    const traceId = traceIdFromHeaders(req.headers);
    const path = req.url?.split('?')[0] ?? '/';
    const stop = httpRequestDuration.startTimer({ route: routeLabel(path) });
    res.setHeader('x-request-id', traceId);
    res.once('finish', () => stop({ status: `${Math.floor(res.statusCode / 100)}xx` }));
    runInContext({ traceId, source: 'http', receivedAt }, () => {
      void (async () => {
        try {
          for (const handler of handlers) {
            if (await handler(req, res)) return;
          }
          sendJson(res, 404, { error: { code: 'not_found', message: `Nothing at ${req.method} ${path}` } });
        } catch (error) {
          log.error({ err: error, method: req.method, path }, 'request failed');
          if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'Something went wrong on our side.' } });
          else res.end();
        }
      })();
    });
  });
}
