/**
 * `npm start` with something wrong: each start-up problem ends the process with exit code 78 and one line
 * that names the cause and the variable to fix, never a stack trace or a "listening" line first.
 */
import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateSigningKey } from '../../src/domain/checkpoint.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { freePort, spawnNode } from '../support/processes.ts';
import { testDatabaseUrl } from '../support/db.ts';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack({ tokens: ['xoxb-good'], appTokens: ['xapp-1-A0APP-1-good'] });
});
afterAll(() => fake.close());

const baseEnv = (): Record<string, string> => ({
  DATABASE_URL: testDatabaseUrl(), REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: `boot${randomBytes(3).toString('hex')}`,
  SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'), SLACK_BOT_TOKEN: 'xoxb-good', SLACK_API_URL: fake.url,
  RUN_WORKER: 'false', LOG_LEVEL: 'info', SHUTDOWN_DRAIN_SECONDS: '0',
});

/** Starts the app with these settings and returns its exit code and everything it printed. */
async function startFails(env: Record<string, string>, entry = 'src/main.ts'): Promise<{ code: number | null; lines: string[] }> {
  const port = env.PORT ?? String(await freePort());
  const app = spawnNode('app', entry, { ...baseEnv(), PORT: port, ...env });
  // Generous: these processes start side by side, and a busy machine may take a while to load one.
  const timer = setTimeout(() => void app.kill(), 60_000);
  const code = await app.exited;
  clearTimeout(timer);
  return { code, lines: app.output().split('\n').filter((line) => line.trim() !== '') };
}

/** Exit 78 and exactly one plain line, matching `pattern`; no log line says it listened or failed. */
function expectOneLine(result: { code: number | null; lines: string[] }, pattern: RegExp): void {
  const plain = result.lines.filter((line) => !line.startsWith('{'));
  const logged = result.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: string; msg: string });
  expect(plain, result.lines.join('\n')).toHaveLength(1);
  expect(plain[0]).toMatch(pattern);
  expect(logged.filter((l) => l.level === 'error' || /listening|running/i.test(l.msg))).toEqual([]);
  expect(result.code).toBe(78);
}

describe.concurrent('start-up checks of the Slack credentials', { timeout: 90_000 }, () => {
  it.each(['invalid_auth', 'not_authed', 'account_inactive'])('a bot token Slack answers %s for stops the app, naming SLACK_BOT_TOKEN', async (error) => {
    // Each case gets its own token, so the answer it is given is its own.
    const token = `xoxb-${error}-${randomBytes(4).toString('hex')}`;
    const own = await startFakeSlack({ tokens: [token] });
    try {
      own.failNext('auth.test', { error });
      const result = await startFails({ SLACK_BOT_TOKEN: token, SLACK_API_URL: own.url });
      expectOneLine(result, new RegExp(`Slack rejected SLACK_BOT_TOKEN \\(${error}\\): use the Bot User OAuth Token`));
    } finally {
      await own.close();
    }
  });

  it.each([['app', 'src/main.ts'], ['worker', 'src/worker.ts']])('a bot token the workspace does not know stops the %s', async (_name, entry) => {
    expectOneLine(await startFails({ SLACK_BOT_TOKEN: 'xoxb-unknown' }, entry), /Slack rejected SLACK_BOT_TOKEN \(invalid_auth\)/);
  });

  it('an unreachable SLACK_API_URL stops the app, naming it', async () => {
    const closed = await freePort();
    expectOneLine(await startFails({ SLACK_API_URL: `http://127.0.0.1:${closed}/api/` }), new RegExp(`Cannot reach Slack's Web API at http://127.0.0.1:${closed}/api/ \\(check SLACK_API_URL\\): .*ECONNREFUSED`));
  });

  it('an app-level token Slack refuses stops the app, naming SLACK_APP_TOKEN', async () => {
    expectOneLine(await startFails({ SLACK_APP_TOKEN: 'xapp-1-A0APP-1-revoked' }), /Slack rejected SLACK_APP_TOKEN \(invalid_auth\): create an app-level token with the connections:write scope/);
  });
});

describe.concurrent('other start-up problems', { timeout: 90_000 }, () => {
  it('a bad AUDIT_SIGNING_KEY', async () => {
    expectOneLine(await startFails({ AUDIT_SIGNING_KEY: 'not-a-key' }), /^Invalid configuration: AUDIT_SIGNING_KEY: is not an Ed25519 private key/);
  });

  it('an RSA or other non-Ed25519 key is refused too, and a good one is not', async () => {
    const good = generateSigningKey().privateKeyPem.trim().replace(/\n/g, '\\n');
    const result = await startFails({ AUDIT_SIGNING_KEY: good, PORT: 'not-a-port' });
    // Only the port is wrong: the key passed.
    expectOneLine(result, /^Invalid configuration: PORT: /);
  });

  it('PostgreSQL that does not answer', async () => {
    const closed = await freePort();
    expectOneLine(await startFails({ DATABASE_URL: `postgres://postgres:secret-pw@127.0.0.1:${closed}/approvals` }), new RegExp(`^Cannot reach PostgreSQL at 127.0.0.1:${closed} \\(DATABASE_URL\\): .*ECONNREFUSED`));
  });

  it('a database that does not exist is named, and not created', async () => {
    const name = `approvals_typo_${randomBytes(4).toString('hex')}`;
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${name}`;
    const result = await startFails({ DATABASE_URL: url.toString() });
    expectOneLine(result, new RegExp(`^Database "${name}" does not exist on .* \\(DATABASE_URL\\)\\. Check the name; \`npm run migrate\` creates it\\.`));
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    try {
      expect((await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });

  it('an existing database without the migrations is named, and left as it was', async () => {
    const name = `approvals_bare_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
      const url = new URL(testDatabaseUrl());
      url.pathname = `/${name}`;
      expectOneLine(await startFails({ DATABASE_URL: url.toString() }), /^The database is missing migrations \(Migration\d+_core, .*\)\. Run `npm run migrate` first\.$/);
      const bare = new pg.Client({ connectionString: url.toString() });
      await bare.connect();
      try {
        expect((await bare.query("select tablename from pg_tables where schemaname = 'public'")).rows).toEqual([]);
      } finally {
        await bare.end();
      }
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });

  it.each([['app', 'src/main.ts'], ['worker', 'src/worker.ts']])('a port in use (%s)', async (_name, entry) => {
    const taken: Server = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, () => resolve((taken.address() as { port: number }).port)));
    try {
      expectOneLine(await startFails({ PORT: String(port) }, entry), new RegExp(`^Port ${port} is already in use \\(PORT\\)`));
    } finally {
      taken.close();
    }
  });
});
