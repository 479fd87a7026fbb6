/**
 * The operator commands (migrate, audit:*, token:*), run as `npm run` runs them: each answers --help and
 * an unknown option with its usage, a database it cannot reach is one line naming DATABASE_URL (exit 78),
 * and a `.env` beside package.json is read.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_SCRIPTS, runScript } from '../support/cli.ts';
import { freePort } from '../support/processes.ts';
import { testDatabaseUrl } from '../support/db.ts';

/** Nothing from the machine's own environment that the commands read. */
const cleanEnv = (extra: Record<string, string> = {}): Record<string, string | undefined> => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...extra });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'approvals-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('every operator command', () => {
  it('is one of the expected ones', () => {
    expect(CLI_SCRIPTS.sort()).toEqual(['audit:export', 'audit:keygen', 'audit:replay', 'audit:verify', 'installations:rekey', 'migrate', 'token:create', 'token:list', 'token:revoke']);
  });

  describe.concurrent.each(CLI_SCRIPTS)('%s', (name) => {
    it('prints its usage for --help and exits 0', async () => {
      const result = await runScript(name, ['--help'], { env: cleanEnv() });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^usage: npm run ${name} --`));
      expect(result.stdout).toContain('--help');
    });

    it('refuses an unknown option with the problem and its usage, exit 2', async () => {
      const result = await runScript(name, ['--no-such-option'], { env: cleanEnv() });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^${name}: Unknown option '--no-such-option'`));
      expect(result.stderr).toContain(`usage: npm run ${name} --`);
    });
  });
});

describe('commands that use the database', () => {
  const needsDatabase: [string, string[]][] = [['migrate', []], ['audit:verify', []], ['audit:export', []], ['audit:replay', ['--check']], ['token:create', ['--team', 'T1', '--owner', 'U123', '--scopes', 'audit:read', '--name', 'x']]];

  it.concurrent.each(needsDatabase)('%s: PostgreSQL that does not answer is one line naming DATABASE_URL, exit 78', async (name, args) => {
    const port = await freePort();
    const result = await runScript(name, args, { env: cleanEnv({ DATABASE_URL: `postgres://postgres:pw@127.0.0.1:${port}/approvals` }) });
    expect(result.code).toBe(78);
    const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^${name}: Cannot reach PostgreSQL at 127.0.0.1:${port} \\(DATABASE_URL\\): .*ECONNREFUSED`))]);
    expect(result.stderr).not.toContain('pw@');
  });

  it.concurrent.each(needsDatabase)('%s: an unset DATABASE_URL is one line, exit 78', async (name, args) => {
    const result = await runScript(name, args, { env: cleanEnv() });
    expect(result.code).toBe(78);
    expect(result.stderr.trim()).toBe(`${name}: Invalid configuration: DATABASE_URL: is required but not set`);
  });

  it('a bad AUDIT_SIGNING_KEY is one line naming it, exit 78', async () => {
    const result = await runScript('audit:export', [], { env: cleanEnv({ DATABASE_URL: testDatabaseUrl(), AUDIT_SIGNING_KEY: 'nope' }) });
    expect(result.code).toBe(78);
    expect(result.stderr.trim()).toMatch(/^audit:export: AUDIT_SIGNING_KEY: is not an Ed25519 private key/);
  });

  it('token:create names the options it misses', async () => {
    const result = await runScript('token:create', ['--team', 'T1'], { env: cleanEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^token:create: missing --owner, --scopes, --name/);
  });

  it('reads DATABASE_URL from a .env file in the directory it runs in', async () => {
    await writeFile(join(dir, '.env'), `# as in .env.example\nDATABASE_URL=${testDatabaseUrl()}\n`);
    const result = await runScript('migrate', [], { cwd: dir, env: cleanEnv() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Database is up to date.');
  });
});
