import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Queues } from '../jobs/queues.ts';
import { loggerFor } from '../observability/logger.ts';
import type { Services } from '../services/index.ts';
import { QUEUE_DASHBOARD_PATH } from './queue-dashboard-path.ts';
import { sendJson, type RouteHandler } from './server.ts';

export { QUEUE_DASHBOARD_PATH } from './queue-dashboard-path.ts';
const REALM = 'Basic realm="Approval queues", charset="UTF-8"';
const log = loggerFor('queue-dashboard');

/** The API token a browser (Basic: any user name, the token as password) or a script (Bearer) presents. */
export function presentedToken(header: string | undefined): string | null {
  if (!header) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer?.[1]) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic?.[1]) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : null;
}

type Verdict = { readonly ok: true; readonly who: string } | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

/**
 * The dashboard can retry, promote and delete jobs of every workspace on this deployment, so it takes an
 * API token with the `queues:admin` scope whose owner is, right now, an approval admin of its workspace. When
 * the deployment serves many workspaces (OAuth mode), a workspace's admin must not see the others' jobs: only
 * the operators named in APPROVAL_ADMINS may.
 */
export async function authorizeDashboard(services: Services, header: string | undefined, operatorsOnly = false): Promise<Verdict> {
  const token = presentedToken(header);
  if (!token) return { ok: false, status: 401, message: 'Sign in with an API token that has the queues:admin scope (any user name, the token as password).' };
  const auth = await services.apiTokens.authenticate(`Bearer ${token}`);
  if (!auth.ok) return { ok: false, status: 401, message: `That API token is ${auth.reason === 'revoked' ? 'revoked' : 'not valid'}.` };
  if (!auth.token.scopes.includes('queues:admin')) return { ok: false, status: 403, message: 'This API token lacks the queues:admin scope.' };
  if (operatorsOnly && !services.directory.isConfiguredAdmin(auth.token.teamId, auth.token.ownerId)) {
    return { ok: false, status: 403, message: 'This deployment serves several workspaces: the queue dashboard is for the operators named in APPROVAL_ADMINS.' };
  }
  if (!(await services.directory.isAdmin(auth.token.teamId, auth.token.ownerId))) {
    return { ok: false, status: 403, message: 'The owner of this API token is no longer an approval admin.' };
  }
  return { ok: true, who: `${auth.token.teamId}/${auth.token.ownerId}` };
}

/**
 * Bull Board (the BullMQ dashboard) at /admin/queues, behind authorizeDashboard. The board (Bull Board,
 * Express, their dependencies) is loaded on the first authorized request, not at start-up: most processes never
 * serve it, and loading it costs every one of them tens of MiB.
 */
export function queueDashboardRoute(queues: Queues, services: Services, options: { operatorsOnly?: boolean } = {}): RouteHandler {
  let board: Promise<(req: IncomingMessage, res: ServerResponse) => void> | null = null;
  const loadBoard = () => (board ??= import('./queue-dashboard-board.ts').then((m) => m.boardHandler(queues)));

  return async (req, res) => {
    const path = req.url?.split('?')[0] ?? '';
    if (path !== QUEUE_DASHBOARD_PATH && !path.startsWith(`${QUEUE_DASHBOARD_PATH}/`)) return false;
    const verdict = await authorizeDashboard(services, req.headers.authorization, options.operatorsOnly ?? false);
    if (!verdict.ok) {
      log.warn({ status: verdict.status, path }, 'queue dashboard refused');
      sendJson(res, verdict.status, { error: { code: verdict.status === 401 ? 'unauthenticated' : 'forbidden', message: verdict.message } }, verdict.status === 401 ? { 'www-authenticate': REALM } : {});
      return true;
    }
    if (req.method !== 'GET') log.info({ who: verdict.who, method: req.method, path }, 'queue dashboard action');
    const handle = await loadBoard();
    await new Promise<void>((resolve) => {
      res.once('finish', resolve);
      res.once('close', resolve);
      handle(req, res);
    });
    return true;
  };
}
