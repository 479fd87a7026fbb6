import type { Orm } from '../db/orm.ts';
import { sendJson, type RouteHandler } from './server.ts';

/** GET /healthz: 200 when the database answers, 503 with the reason when it does not. */
export function healthRoute(orm: Orm, extraChecks: Record<string, () => Promise<void>> = {}): RouteHandler {
  return async (req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/healthz') return false;
    const checks: Record<string, string> = {};
    const all: Record<string, () => Promise<void>> = {
      database: async () => { await orm.em.fork().execute('select 1'); },
      ...extraChecks,
    };
    let ok = true;
    for (const [name, check] of Object.entries(all)) {
      try {
        await check();
        checks[name] = 'ok';
      } catch (error) {
        ok = false;
        checks[name] = (error as Error).message;
      }
    }
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', checks });
    return true;
  };
}
