import { StartupError } from '../config/env.ts';
import { assertMigrated, createOrm, type Orm, type OrmOptions } from './orm.ts';

/** How long the first connection may take before start-up gives up (pg itself would wait forever). */
const CONNECT_TIMEOUT_MS = 10_000;

/** Host, port and database of a URL, without the password: safe to print. */
export function describeDatabaseUrl(url: string): { where: string; database: string; user: string } {
  try {
    const parsed = new URL(url);
    return { where: `${parsed.hostname}:${parsed.port || '5432'}`, database: decodeURIComponent(parsed.pathname.slice(1)) || '(default)', user: decodeURIComponent(parsed.username) || '(default)' };
  } catch {
    return { where: '(unparsable URL)', database: '?', user: '?' };
  }
}

/** PostgreSQL's or the socket's error code, wherever the driver put it. */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** One line that says what is wrong with the database connection and which variable to look at. */
export function databaseProblem(error: unknown, url: string): StartupError {
  const { where, database, user } = describeDatabaseUrl(url);
  const code = errorCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  if (code === '3D000') return new StartupError(`Database "${database}" does not exist on ${where} (DATABASE_URL). Check the name; \`npm run migrate\` creates it.`);
  if (code === '28P01' || code === '28000') return new StartupError(`PostgreSQL at ${where} refused the login as "${user}" (DATABASE_URL): ${reason}`);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ECONNRESET' || code === 'timeout') {
    return new StartupError(`Cannot reach PostgreSQL at ${where} (DATABASE_URL): ${reason}`);
  }
  return new StartupError(`PostgreSQL at ${where} (DATABASE_URL): ${reason}`);
}

async function withinTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`), { code: 'timeout' })), CONNECT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The ORM, once the database has answered; a failure is a StartupError naming DATABASE_URL. */
export async function openDatabase(options: OrmOptions): Promise<Orm> {
  const orm = await createOrm(options);
  try {
    await withinTimeout(orm.em.fork().execute('select 1'));
  } catch (error) {
    await orm.close().catch(() => undefined);
    throw databaseProblem(error, options.databaseUrl);
  }
  return orm;
}

/** For the app, the worker and the operator commands: the database answers and every migration is applied. */
export async function openMigratedDatabase(options: OrmOptions): Promise<Orm> {
  const orm = await openDatabase(options);
  await assertMigrated(orm);
  return orm;
}
