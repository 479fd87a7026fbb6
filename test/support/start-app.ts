/**
 * Starts the app as users start it (`startApp(env, plugins)`), for end-to-end tests: real PostgreSQL (the test
 * file's database), real Redis, Slack's Web API answered by the local fake, an ephemeral port.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startApp, type Plugin, type RunningApp } from '../../src/app.ts';
import { loadEnv, type Env } from '../../src/config/env.ts';
import { createSlackPlugin } from '../../src/slack/plugin.ts';
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
  /** Plug-ins to run; by default the Slack plug-in alone (with its directory cache off, so tests see changes). */
  readonly plugins?: readonly Plugin[];
  /** Slack user ids that are admins from configuration. */
  readonly admins?: readonly string[];
  /** A fake Slack to use; by default a fresh one, closed by stop(). */
  readonly slack?: FakeSlack;
  /** Extra environment variables (e.g. a queue prefix for a worker plug-in). */
  readonly env?: Readonly<Record<string, string>>;
}

export async function startTestApp(options: StartOptions = {}): Promise<StartedApp> {
  const slack = options.slack ?? (await startFakeSlack());
  const signingSecret = randomBytes(16).toString('hex');
  const parsed = loadEnv({
    NODE_ENV: 'test',
    DATABASE_URL: testDatabaseUrl(),
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: inject('redisUrl'),
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_API_URL: slack.url,
    APPROVAL_ADMINS: (options.admins ?? []).join(','),
    LOG_LEVEL: 'error',
    PORT: '0',
    ...options.env,
  });
  const env: Env = parsed;
  const plugins = options.plugins ?? [createSlackPlugin({ directory: { ttlMs: 0 } })];
  const app = await startApp(env, plugins);
  const baseUrl = `http://127.0.0.1:${app.port}`;
  return {
    app,
    env,
    baseUrl,
    slack,
    requests: slackRequester(baseUrl, signingSecret),
    async stop() {
      await app.stop();
      if (!options.slack) await slack.close();
    },
  };
}
