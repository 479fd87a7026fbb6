import { existsSync } from 'node:fs';

/** Where PostgreSQL listens on this machine for a Unix socket (Debian's packages put it here). */
const SOCKET_DIRECTORY = '/var/run/postgresql';

/**
 * The server every benchmark uses (BENCH_DATABASE_ADMIN_URL): by default the local one, over its Unix socket when
 * it has one, as a deployment with Postgres on the same machine would connect (less work per round trip than TCP
 * on localhost), else over TCP. pgbench gets the same URL, so the two are compared over the same transport.
 */
export const benchAdminUrl: string = process.env.BENCH_DATABASE_ADMIN_URL
  ?? (existsSync(`${SOCKET_DIRECTORY}/.s.PGSQL.5432`)
    ? `postgres://postgres@localhost/postgres?host=${SOCKET_DIRECTORY}`
    : 'postgres://postgres@127.0.0.1:5432/postgres');

/** How the benchmarks reach PostgreSQL, for the report. */
export const databaseTransport = (url: string = benchAdminUrl): string => {
  const host = new URL(url).searchParams.get('host');
  return host?.startsWith('/') ? `Unix socket ${host}` : `TCP ${new URL(url).host}`;
};
