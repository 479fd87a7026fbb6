import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { Env } from '../config/env.ts';
import type { SlackMode } from '../config/slack-mode.ts';
import type { ReadinessCheck } from '../http/health.ts';
import type { Services } from '../services/index.ts';
import { INSTALL_PATH, oauthReceiverOptions, REDIRECT_PATH } from './oauth.ts';
import { boltLogger } from '../observability/bolt-logger.ts';
import { loggerFor } from '../observability/logger.ts';
import { instrumentedSlackFetch } from '../observability/slack-fetch.ts';
import type { RouteHandler } from '../http/server.ts';
import { sendJson } from '../http/server.ts';
import { checkSlackCredentials, slackCredentialProblem } from './credentials.ts';
import { readBody, REPLAY_WINDOW_SECONDS, slackSignatureVerifier } from './signature.ts';

/** Where Slack sends commands, interactivity and events in HTTP mode (manifest.yml says the same). */
export const SLACK_EVENTS_PATH = '/slack/events';

const LOG_LEVELS: Record<Env['LOG_LEVEL'], LogLevel> = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR };

/** No listener keeps per-conversation state, so Bolt's conversation store (a lookup on every request) is off. */
const BOLT_OPTIONS = { convoStore: false } as const;

/** How long stopping waits for the Socket Mode connection to close before moving on. */
const DISCONNECT_TIMEOUT_MS = 5000;

export interface SlackApp {
  readonly app: App;
  /** The `/slack/events` route for our HTTP server, or null in Socket Mode. */
  readonly route: RouteHandler | null;
  /** Socket Mode: throws while the connection to Slack is not up (for /readyz); null over HTTP. */
  readonly readiness: ReadinessCheck | null;
  /** Checks the Slack credentials and initializes Bolt; a token Slack refuses is a StartupError naming it. */
  init(): Promise<void>;
  /** Socket Mode: connects in the background and keeps reconnecting; nothing to do over HTTP. */
  connect(): void;
  stop(): Promise<void>;
}

/** Slack's replay window is five minutes either way. */
function isFromTheFuture(header: string | string[] | undefined): boolean {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds - Date.now() / 1000 > REPLAY_WINDOW_SECONDS;
}

type SlackEnv = Pick<Env, 'SLACK_SIGNING_SECRET' | 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN' | 'SLACK_API_URL' | 'LOG_LEVEL'>;

/** Socket Mode's connection as readiness sees it, from the client's state events. */
function watchConnection(receiver: SocketModeReceiver) {
  let state = 'not connected yet';
  let lastError: string | null = null;
  const client = receiver.client;
  client.on('connected', () => {
    state = 'connected';
    lastError = null;
  });
  for (const next of ['connecting', 'reconnecting', 'disconnecting', 'disconnected'] as const) client.on(next, () => (state = next));
  client.on('error', (error: unknown) => {
    lastError = error instanceof Error ? error.message : String(error);
  });
  return {
    check: (async () => {
      if (state !== 'connected') throw new Error(`Socket Mode is not connected to Slack (${state}${lastError ? `: ${lastError}` : ''})`);
    }) satisfies ReadinessCheck,
    failed(error: unknown) {
      state = 'stopped';
      lastError = error instanceof Error ? error.message : String(error);
    },
  };
}

/** OAuth mode: the installation store lives in the services. */
export interface SlackAppOAuth {
  readonly mode: Extract<SlackMode, { kind: 'oauth' }>;
  readonly services: Pick<Services, 'installations'>;
}

/**
 * One Bolt app. Over HTTP its receiver's request listener is mounted on our own server, so Slack, the API
 * and health checks share one port; with SLACK_APP_TOKEN it connects over Socket Mode instead, after our
 * HTTP server is up, and readiness follows the connection. SLACK_API_URL points the Web API client elsewhere
 * (GovSlack, a proxy, a local fake in tests). Bolt initializes only once the credentials were checked.
 * In OAuth mode Bolt's own install flow serves /slack/install and /slack/oauth_redirect on that same server,
 * and its `authorize` gives every request the token of the installation it came from (each installation's
 * token is checked when it is stored, so there is no one token to check at start-up).
 */
export function createSlackApp(env: SlackEnv, oauth: SlackAppOAuth | null = null): SlackApp {
  // Every Web API call goes through the instrumented fetch (calls, errors and 429s on /metrics).
  const clientOptions = { ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}), fetch: instrumentedSlackFetch() };
  const logLevel = LOG_LEVELS[env.LOG_LEVEL];
  const logger = boltLogger(loggerFor('slack'));
  const log = loggerFor('slack');
  const init = async (app: App) => {
    if (oauth) {
      await app.init();
      return;
    }
    await checkSlackCredentials(env);
    try {
      await app.init();
    } catch (error) {
      throw slackCredentialProblem('SLACK_BOT_TOKEN', error, env.SLACK_API_URL);
    }
  };

  if (env.SLACK_APP_TOKEN) {
    const receiver = new SocketModeReceiver({ appToken: env.SLACK_APP_TOKEN, logger, logLevel, installerOptions: { clientOptions } });
    const app = new App({ token: env.SLACK_BOT_TOKEN, receiver, clientOptions, logger, logLevel, deferInitialization: true, ...BOLT_OPTIONS });
    const connection = watchConnection(receiver);
    let stopping = false;
    return {
      app,
      route: null,
      readiness: connection.check,
      init: () => init(app),
      connect() {
        app.start().then(() => log.info('connected to Slack over Socket Mode'), (error: unknown) => {
          if (stopping) return;
          connection.failed(error);
          log.error({ err: slackCredentialProblem('SLACK_APP_TOKEN', error, env.SLACK_API_URL).message }, 'Socket Mode stopped; Slack requests are not received');
        });
      },
      stop: async () => {
        stopping = true;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([app.stop(), new Promise((resolve) => (timer = setTimeout(resolve, DISCONNECT_TIMEOUT_MS)))]).finally(() => clearTimeout(timer));
      },
    };
  }

  // The signature is checked before Bolt sees the request (below), with the key prepared once; Bolt takes the body as read.
  const verify = slackSignatureVerifier(env.SLACK_SIGNING_SECRET);
  const receiver = new HTTPReceiver({
    signingSecret: env.SLACK_SIGNING_SECRET, signatureVerification: false, endpoints: SLACK_EVENTS_PATH, logger, logLevel,
    ...(oauth ? oauthReceiverOptions(oauth.mode, oauth.services, clientOptions, env.SLACK_API_URL) : {}),
  });
  // Without a token Bolt authorizes each request through the receiver's installer (the installation store).
  const app = new App({ ...(oauth ? {} : { token: env.SLACK_BOT_TOKEN }), receiver, clientOptions, logger, logLevel, deferInitialization: true, ...BOLT_OPTIONS });
  const route: RouteHandler = async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (oauth && (path === INSTALL_PATH || path === REDIRECT_PATH)) {
      if (req.method !== 'GET') {
        sendJson(res, 405, { error: { code: 'method_not_allowed', message: 'Open this address in a browser (GET).' } }, { allow: 'GET' });
        return true;
      }
      // Bolt's install flow: the Add to Slack page, then the redirect that completes the install.
      receiver.requestListener(req, res);
      return true;
    }
    if (path !== SLACK_EVENTS_PATH) return false;
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: { code: 'method_not_allowed', message: 'Slack sends POST requests here.' } }, { allow: 'POST' });
      return true;
    }
    if (isFromTheFuture(req.headers['x-slack-request-timestamp'])) {
      sendJson(res, 401, { error: { code: 'invalid_timestamp', message: 'The request timestamp is more than five minutes ahead of our clock.' } });
      return true;
    }
    const body = await readBody(req);
    if (body === null) {
      res.shouldKeepAlive = false;
      sendJson(res, 413, { error: { code: 'too_large', message: 'The request body is larger than Slack sends.' } });
      return true;
    }
    const check = verify(req.headers, body);
    if (check === 'invalid') {
      sendJson(res, 401, { error: { code: 'invalid_signature', message: 'The request is not signed with our signing secret, or its timestamp is too old.' } });
      return true;
    }
    // Bolt takes the body as read (rawBody), parses it and answers the ack itself.
    (req as typeof req & { rawBody?: Buffer }).rawBody = check === 'ssl_check' ? Buffer.from('ssl_check=1') : body;
    receiver.requestListener(req, res);
    return true;
  };
  return { app, route, readiness: null, init: () => init(app), connect: () => undefined, stop: async () => undefined };
}
