import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARIABLES, loadDatabaseEnv, loadEnv } from '../../src/config/env.ts';
import { generateSigningKey } from '../../src/domain/checkpoint.ts';

const good = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/approvals',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SLACK_SIGNING_SECRET: '0123456789abcdef0123',
  SLACK_BOT_TOKEN: 'xoxb-1-2-3',
};

describe('environment', () => {
  it('parses once into a frozen object with defaults', () => {
    const env = loadEnv({ ...good, APPROVAL_ADMINS: 'U012ABCDEF, U0987ZYXWV' });
    expect(env.PORT).toBe(3000);
    expect(env.APPROVAL_ADMINS).toEqual(['U012ABCDEF', 'U0987ZYXWV']);
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('names every missing or bad variable and has no default secrets', () => {
    const attempt = () => loadEnv({ REDIS_URL: 'http://nope', APPROVAL_ADMINS: 'bob' });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'APPROVAL_ADMINS']) expect(message).toContain(name);
  });
});

describe('empty values', () => {
  it('reads an empty optional variable as unset, as Compose passes `${X:-}`', () => {
    const env = loadEnv({ ...good, SLACK_APP_TOKEN: '', SLACK_API_URL: '', AUDIT_SIGNING_KEY: '', AUDIT_PUBLIC_KEY: '', AUDIT_CHANNEL_ID: '', APPROVAL_ADMINS: '', PORT: '', LOG_LEVEL: '', QUEUE_PREFIX: ' ' });
    expect(env.SLACK_APP_TOKEN).toBeUndefined();
    expect(env.AUDIT_CHANNEL_ID).toBeUndefined();
    expect(env.APPROVAL_ADMINS).toEqual([]);
    expect(env).toMatchObject({ PORT: 3000, LOG_LEVEL: 'info', QUEUE_PREFIX: 'approvals' });
  });

  it('reads an empty required variable as missing and says it is not set', () => {
    expect(() => loadEnv({ ...good, SLACK_SIGNING_SECRET: '' })).toThrow(/SLACK_SIGNING_SECRET: is required but not set/);
    // The bot token is required unless the OAuth variables are set: an empty one says what each mode needs.
    expect(() => loadEnv({ ...good, SLACK_BOT_TOKEN: '' })).toThrow(/SLACK_BOT_TOKEN: required: set either/);
    expect(() => loadDatabaseEnv({ DATABASE_URL: '' })).toThrow(/DATABASE_URL: is required but not set/);
  });
});

describe('audit keys', () => {
  it('accepts the key pair audit:keygen makes, in the one-line form it prints', () => {
    const key = generateSigningKey();
    const oneLine = key.privateKeyPem.trim().replace(/\n/g, '\\n');
    expect(loadEnv({ ...good, AUDIT_SIGNING_KEY: oneLine, AUDIT_PUBLIC_KEY: key.publicKeyPem }).AUDIT_SIGNING_KEY).toBe(oneLine);
  });

  it('names AUDIT_SIGNING_KEY and AUDIT_PUBLIC_KEY when they are not keys', () => {
    expect(() => loadEnv({ ...good, AUDIT_SIGNING_KEY: 'not-a-key' })).toThrow(/AUDIT_SIGNING_KEY: is not an Ed25519 private key/);
    expect(() => loadEnv({ ...good, AUDIT_PUBLIC_KEY: 'bm9wZQ==' })).toThrow(/AUDIT_PUBLIC_KEY: is not an Ed25519 public key/);
  });
});

describe('.env.example', () => {
  const lines = readFileSync(fileURLToPath(new URL('../../.env.example', import.meta.url)), 'utf8').split('\n');
  const listed = lines.map((line, i) => ({ name: /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1], comment: lines[i - 1] ?? '' })).filter((v) => v.name);

  it('lists every variable the app reads, and nothing else', () => {
    expect(listed.map((v) => v.name).sort()).toEqual([...ENV_VARIABLES].sort());
  });

  it('says in a comment line above each what it is', () => {
    for (const { name, comment } of listed) expect(comment, name).toMatch(/^# \S/);
  });

  it('loads as it is once the two Slack secrets are filled in (the README quick start)', () => {
    const values = Object.fromEntries(lines.map((l) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1], m[2]]));
    expect(() => loadEnv({ ...values, SLACK_SIGNING_SECRET: good.SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN: good.SLACK_BOT_TOKEN })).not.toThrow();
  });
});

describe('README configuration table', () => {
  it('describes every variable the app reads', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    for (const name of ENV_VARIABLES) expect(readme, name).toMatch(new RegExp(`^\\| [^|]*\`${name}\``, 'm'));
  });
});
