import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

/** The run's template database, the prefix of every database the run creates, and where to ask for one. */
export interface TestDatabases {
  /** A connection URL to the server's maintenance database, for CREATE/DROP DATABASE. */
  readonly adminUrl: string;
  readonly runPrefix: string;
  /** Migrated once per run; cloned, never connected to. */
  readonly template: string;
  /** The run's database pool (startDatabasePool), reached over HTTP from the test workers. */
  readonly poolUrl: string;
}

export function databaseUrlFor(databases: Pick<TestDatabases, 'adminUrl'>, name: string): string {
  const url = new URL(databases.adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const nameOf = (url: string): string => new URL(url).pathname.slice(1);

/** A fresh, migrated database cloned from the run's template, for this test file alone; returns its URL. */
export async function acquireDatabase(databases: TestDatabases): Promise<string> {
  const response = await fetch(new URL('/acquire', databases.poolUrl), { method: 'POST' });
  if (!response.ok) throw new Error(`the test database pool could not give a database: ${await response.text()}`);
  return databaseUrlFor(databases, ((await response.json()) as { name: string }).name);
}

/** Hands a database back; the pool drops it in the background (and at the end of the run, whatever is left). */
export async function releaseDatabase(databases: TestDatabases, url: string): Promise<void> {
  await fetch(new URL('/release', databases.poolUrl), { method: 'POST', body: nameOf(url) });
}

/** Drops the template and every clone the run made. */
export async function dropDatabasesOfRun(admin: pg.Client, databases: Pick<TestDatabases, 'runPrefix' | 'template'>): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [`${databases.runPrefix}_`]);
  for (const { datname } of rows) {
    if (datname === databases.template) await admin.query(`alter database ${datname} with is_template false`);
    await admin.query(`drop database if exists ${datname} with (force)`);
  }
}

export interface DatabasePool {
  readonly url: string;
  /** Stops handing out databases and waits for the clones and drops under way. */
  close(): Promise<void>;
}

/**
 * Runs in the main vitest process for the whole run: keeps a couple of clones of the template ready, so a test
 * file gets its database at once, and drops returned ones while the next file runs (the suite runs files one
 * after another on small machines, so neither waits on the other).
 */
export async function startDatabasePool(databases: Omit<TestDatabases, 'poolUrl'>, spares = 2): Promise<DatabasePool> {
  const ready: Promise<string>[] = [];
  const pending = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    void work.finally(() => pending.delete(work)).catch(() => undefined);
    return work;
  };
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: databases.adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const clone = (): Promise<string> => {
    const name = `${databases.runPrefix}_f_${randomBytes(4).toString('hex')}`;
    return track(admin(`create database ${name} template ${databases.template}`).then(() => name));
  };
  const refill = () => {
    while (ready.length < spares) {
      const next = clone();
      next.catch(() => undefined); // a failed spare fails the file that takes it
      ready.push(next);
    }
  };
  refill();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        try {
          if (req.url === '/acquire') {
            const name = await (ready.shift() ?? clone());
            refill();
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name }));
          } else if (req.url === '/release') {
            const name = Buffer.concat(chunks).toString('utf8');
            if (!/^[a-z0-9_]+$/.test(name) || !name.startsWith(`${databases.runPrefix}_f_`)) throw new Error(`not a database of this run: ${name}`);
            track(admin(`drop database if exists ${name} with (force)`)).catch(() => undefined);
            res.writeHead(204).end();
          } else {
            res.writeHead(404).end();
          }
        } catch (error) {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // workers' fetches keep connections alive
      });
      await Promise.allSettled([...pending]);
    },
  };
}
