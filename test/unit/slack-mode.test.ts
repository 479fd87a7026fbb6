import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../../src/config/env.ts';
import { configuredAdmins, slackMode } from '../../src/config/slack-mode.ts';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/approvals',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SLACK_SIGNING_SECRET: '0123456789abcdef0123',
};
const key = () => randomBytes(32).toString('base64');
const oauth = {
  SLACK_CLIENT_ID: '1234567890.0987654321',
  SLACK_CLIENT_SECRET: 'abcdef0123456789abcdef',
  SLACK_STATE_SECRET: randomBytes(32).toString('hex'),
  INSTALLATION_ENCRYPTION_KEYS: `k2:${key()},k1:${key()}`,
};

function problems(env: Record<string, string>): string {
  try {
    loadEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the environment was accepted');
}

describe('which Slack variables select which mode', () => {
  it('is single-workspace mode with SLACK_BOT_TOKEN alone, as before', () => {
    const env = loadEnv({ ...base, SLACK_BOT_TOKEN: 'xoxb-1-2-3', APPROVAL_ADMINS: 'U012ABCDEF,T012ABCDEF:W0987ZYXWV' });
    expect(slackMode(env)).toEqual({ kind: 'single', botToken: 'xoxb-1-2-3' });
    const admins = configuredAdmins(env.APPROVAL_ADMINS);
    expect(admins.everywhere).toEqual(['U012ABCDEF']);
    expect([...admins.byScope]).toEqual([['T012ABCDEF', ['W0987ZYXWV']]]);
  });

  it('is OAuth mode with the client id, client secret, state secret and encryption keys, and no bot token', () => {
    const env = loadEnv({ ...base, ...oauth, SLACK_BOT_TOKEN: '', APPROVAL_ADMINS: 'T012ABCDEF:U012ABCDEF' });
    const mode = slackMode(env);
    expect(mode).toMatchObject({ kind: 'oauth', clientId: oauth.SLACK_CLIENT_ID, redirectUri: null });
    expect(mode.kind === 'oauth' ? mode.encryptionKeys.map((k) => [k.id, k.key.length]) : []).toEqual([['k2', 32], ['k1', 32]]);
  });

  it('refuses a mixed set, naming the variables', () => {
    const message = problems({ ...base, ...oauth, SLACK_BOT_TOKEN: 'xoxb-1-2-3' });
    expect(message).toContain('SLACK_BOT_TOKEN: set together with SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, INSTALLATION_ENCRYPTION_KEYS');
  });

  it('refuses an incomplete OAuth set, naming each missing variable', () => {
    const message = problems({ ...base, SLACK_CLIENT_ID: oauth.SLACK_CLIENT_ID, SLACK_CLIENT_SECRET: oauth.SLACK_CLIENT_SECRET });
    expect(message).toContain('SLACK_STATE_SECRET: required in OAuth mode');
    expect(message).toContain('INSTALLATION_ENCRYPTION_KEYS: required in OAuth mode');
    expect(message).not.toContain('SLACK_CLIENT_ID:');
  });

  it('refuses neither set, saying what each mode needs', () => {
    expect(problems(base)).toMatch(/SLACK_BOT_TOKEN: required: set either SLACK_BOT_TOKEN alone .* or SLACK_CLIENT_ID/);
  });

  it('refuses bad keys without printing them', () => {
    const short = randomBytes(16).toString('base64');
    const message = problems({ ...base, ...oauth, INSTALLATION_ENCRYPTION_KEYS: `k1:${short}` });
    expect(message).toContain('INSTALLATION_ENCRYPTION_KEYS: key "k1" must be 32 random bytes');
    expect(message).not.toContain(short);
    expect(problems({ ...base, ...oauth, INSTALLATION_ENCRYPTION_KEYS: `k1:${key()},k1:${key()}` })).toContain('key id "k1" appears twice');
  });

  it('in OAuth mode, wants every admin entry to name its workspace', () => {
    expect(problems({ ...base, ...oauth, APPROVAL_ADMINS: 'T012ABCDEF:U012ABCDEF,U0987ZYXWV' })).toContain('APPROVAL_ADMINS: in OAuth mode each entry names its workspace, e.g. T012ABCDEF:U0987ZYXWV');
  });

  it('does not take Socket Mode with OAuth', () => {
    expect(problems({ ...base, ...oauth, SLACK_APP_TOKEN: 'xapp-1-2' })).toContain('SLACK_APP_TOKEN: Socket Mode serves one workspace');
  });
});
