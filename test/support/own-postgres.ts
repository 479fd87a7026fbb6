/**
 * A private PostgreSQL 15 cluster (initdb + pg_ctl on a temp directory and a free port, trust auth), for tests
 * that stop and restart the database server (the shared one at 5432 serves other test runs).
 */
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './processes.ts';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** initdb and postgres refuse to run as root; as root, they run as the `postgres` system user. */
const AS_ROOT = process.getuid?.() === 0;

function pgTool(tool: string, args: string[]) {
  return AS_ROOT ? run('runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]) : run(join(BIN, tool), args);
}

async function giveToPostgresUser(dir: string): Promise<void> {
  if (!AS_ROOT) return;
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  await chown(dir, Number(stdout.trim()), Number(gid.trim()));
}

export interface OwnPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres, for creating databases. */
  readonly adminUrl: string;
  /** Fast shutdown (clients are disconnected), then up again after `downMs`. */
  restart(downMs?: number): Promise<void>;
  /** Stops the server; start() brings it back. */
  halt(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'own-pg-'));
  const data = join(dir, 'data');
  await giveToPostgresUser(dir);
  const port = await freePort();
  const pgCtl = (...args: string[]) => pgTool('pg_ctl', ['-D', data, '-l', join(dir, 'log'), ...args]);
  await pgTool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => { await pgCtl('-o', options, '-w', 'start'); };
  const halt = async () => { await pgCtl('-m', 'fast', '-w', 'stop'); };
  await start();
  let running = true;
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart(downMs = 0) {
      await halt();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async halt() {
      await halt();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async stop() {
      if (running) await halt().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
