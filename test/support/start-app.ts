/**
 * Starts the app as users start it (`startApp(env, plugins)`), for end-to-end tests: real PostgreSQL (the test
 * file's database), real Redis, Slack's Web API answered by the local fake, an ephemeral port.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startApp, type Plugin, type RunningApp } from '../../src/app.ts';
import { loadEnv, type Env } from '../../src/config/env.ts';
import { workerPlugin } from '../../src/jobs/runtime.ts';
import { createSlackPlugin } from '../../src/slack/plugin.ts';
import { Redis } from 'ioredis';
import { startFakeSlack, type FakeSlack } from './fake-slack.ts';
import { slackRequester, type SlackRequester } from './slack-requests.ts';
import { testDatabaseUrl } from './db.ts';

export interface StartedApp {
  readonly app: RunningApp;
  readonly env: Env;
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
  readonly slack: FakeSlack;
  /** Sends requests signed with the app's signing secret to `/slack/events`. */
  readonly requests: SlackRequester;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Plug-ins to run; by default the Slack plug-in alone. The Slack directory's cache is off, so tests see changes. */
  readonly plugins?: readonly Plugin[];
  /** Slack user ids that are admins from configuration. */
  readonly admins?: readonly string[];
  /** A fake Slack to use; by default a fresh one, closed by stop(). */
  readonly slack?: FakeSlack;
  /** Extra environment variables (e.g. a queue prefix for a worker plug-in). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Runs the worker in the app process, as `npm start` does by default, on queues of its own: cards are posted
   * and redrawn by it. (With `plugins` given, those are run instead.)
   */
  readonly worker?: boolean;
  /**
   * OAuth mode instead of one bot token: the app gets the fake Slack's client id and secret, a state secret and
   * an encryption key, and the fake's consent screen sends people back to this app's /slack/oauth_redirect.
   */
  readonly oauth?: boolean;
}

export async function startTestApp(options: StartOptions = {}): Promise<StartedApp> {
  const slack = options.slack ?? (await startFakeSlack());
  const signingSecret = randomBytes(16).toString('hex');
  const parsed = loadEnv({
    DATABASE_URL: testDatabaseUrl(),
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: inject('redisUrl'),
    SLACK_SIGNING_SECRET: signingSecret,
    ...(options.oauth
      ? {
        SLACK_CLIENT_ID: slack.oauth.clientId, SLACK_CLIENT_SECRET: slack.oauth.clientSecret, SLACK_STATE_SECRET: randomBytes(32).toString('hex'),
        INSTALLATION_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      }
      : { SLACK_BOT_TOKEN: 'xoxb-test-token' }),
    SLACK_API_URL: slack.url,
    APPROVAL_ADMINS: (options.admins ?? []).join(','),
    LOG_LEVEL: 'error',
    PORT: '0',
    ...options.env,
  });
  const env: Env = parsed;
  const queuePrefix = `e2e${randomBytes(5).toString('hex')}`;
  const plugins = options.plugins ?? [createSlackPlugin(), ...(options.worker ? [workerPlugin({ queuePrefix, tuning: { retryBaseMs: 50, relayPollMs: 100 } })] : [])];
  const app = await startApp(env, plugins, { directory: { ttlMs: 0 } });
  const baseUrl = `http://127.0.0.1:${app.port}`;
  if (options.oauth) slack.oauth.configure({ redirectUrl: `${baseUrl}/slack/oauth_redirect` });
  return {
    app,
    env,
    baseUrl,
    slack,
    requests: slackRequester(baseUrl, signingSecret),
    async stop() {
      await app.stop();
      if (options.worker && !options.plugins) await deleteQueueKeys(env.REDIS_URL, queuePrefix);
      if (!options.slack) await slack.close();
    },
  };
}

/** Removes a test's queues from the shared Redis. */
async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
