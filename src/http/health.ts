import { pendingMigrations, type Orm } from '../db/orm.ts';
import { sendJson, type RouteHandler } from './server.ts';

/** A dependency the process needs to do its work; throws (with a reason) when it cannot be used. */
export type ReadinessCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 2000;

async function withTimeout(check: ReadinessCheck): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** PostgreSQL answers, and every migration this build knows is applied. */
export function databaseChecks(orm: Orm): Record<string, ReadinessCheck> {
  return {
    postgres: async () => {
      await orm.em.fork().execute('select 1');
    },
    migrations: async () => {
      const pending = await pendingMigrations(orm);
      if (pending.length > 0) throw new Error(`pending: ${pending.join(', ')} (run npm run migrate)`);
    },
  };
}

/**
 * GET /healthz: the process is alive and serving (for restarts; it never looks at dependencies, so a
 * database outage does not get every replica killed). GET /readyz: every dependency answers (for load
 * balancers and rollouts), 503 naming the one that does not.
 */
export function healthRoutes(checks: () => Record<string, ReadinessCheck>, isStopping: () => boolean = () => false): RouteHandler {
  return async (req, res) => {
    const path = req.url?.split('?')[0];
    if (req.method !== 'GET' || (path !== '/healthz' && path !== '/readyz')) return false;
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
      return true;
    }
    const results: Record<string, string> = {};
    await Promise.all(Object.entries(checks()).map(async ([name, check]) => {
      try {
        await withTimeout(check);
        results[name] = 'ok';
      } catch (error) {
        results[name] = error instanceof Error ? error.message : String(error);
      }
    }));
    const stopping = isStopping();
    const ready = !stopping && Object.values(results).every((r) => r === 'ok');
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : stopping ? 'stopping' : 'not_ready', checks: results });
    return true;
  };
}
