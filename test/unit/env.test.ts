import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../../src/config/env.ts';

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
