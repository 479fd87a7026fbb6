import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A route handler answers the request and returns true, or returns false to let the next one try. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

/**
 * One HTTP server for everything the app answers: Slack's requests, the REST API, health. Handlers are
 * tried in order; the first that claims a request answers it.
 */
export function createHttpServer(handlers: readonly RouteHandler[]): Server {
  return createServer((req, res) => {
    void (async () => {
      try {
        for (const handler of handlers) {
          if (await handler(req, res)) return;
        }
        sendJson(res, 404, { error: { code: 'not_found', message: `Nothing at ${req.method} ${req.url?.split('?')[0]}` } });
      } catch (error) {
        console.error('request failed', { url: req.url, error });
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'Something went wrong on our side.' } });
        else res.end();
      }
    })();
  });
}
