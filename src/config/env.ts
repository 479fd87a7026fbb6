import { isIP } from 'node:net';
import { z } from 'zod';
import { loadPublicKey, loadSigningKey } from '../domain/checkpoint.ts';
import { checkSlackMode, slackModeVariables } from './slack-mode.ts';

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
/** A host name, an IP address, or a CIDR range (10.1.0.0/16, fd12:3456::/48). */
const isTarget = (entry: string): boolean => {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0) return prefix === undefined && HOST_NAME.test(entry);
  return extra === undefined && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)));
};
const webhookTargets = z
  .string()
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
  .pipe(z.array(z.string().refine(isTarget, 'each entry must be a host name (erp.internal), an address (10.0.0.5) or a CIDR range (10.0.0.0/8)')));

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL');
const redisUrl = z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL');

/** A key is checked when the configuration is read, so a bad one stops the process before anything starts. */
const keyText = (load: (text: string) => unknown, what: string) =>
  z.string().superRefine((text, ctx) => {
    try {
      load(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `is not ${what} (${error instanceof Error ? error.message : String(error)}); \`npm run audit:keygen\` prints a valid pair` });
    }
  });

/** Every setting the app reads, described once. Parsed at start-up; a bad value stops the process. */
const settings = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('HTTP port for Slack requests, the API and health checks (0 picks a free port).'),
  DATABASE_URL: postgresUrl.describe('PostgreSQL connection URL.'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10).describe('Connections in the database pool.'),
  DECISION_ACK_BUDGET_MS: z.coerce.number().int().min(100).max(2500).default(2000).describe('How long a Slack click may take to be decided before its acknowledgement (Slack waits 3 s): a decision not committed by then is rolled back and the clicker told that nothing was recorded.'),
  DECISION_QUEUE_LIMIT: z.coerce.number().int().min(0).max(100_000).default(200).describe('How many Slack clicks may wait for a database connection at once; a click beyond it is refused at once (nothing recorded, click again).'),
  REDIS_URL: redisUrl.describe('Redis connection URL for BullMQ (AOF on, maxmemory-policy noeviction).'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, - or _').default('approvals').describe('Prefix of every BullMQ key in Redis, so several deployments can share one Redis.'),
  SLACK_SIGNING_SECRET: z.string().min(16, 'must be the signing secret from the Slack app settings').describe('Verifies that requests come from Slack.'),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'must be an app-level token starting with xapp-').optional().describe('When set, the app connects over Socket Mode instead of HTTP.'),
  SLACK_API_URL: z.url().optional().describe('Base URL of the Slack Web API (GovSlack, a proxy, or a local fake in tests).'),
  AUDIT_SIGNING_KEY: keyText(loadSigningKey, 'an Ed25519 private key').optional().describe('Ed25519 private key (PKCS#8 PEM or base64 DER) for signed audit checkpoints.'),
  AUDIT_CHANNEL_ID: z.string().regex(/^[CG][A-Z0-9]+$/, 'must be a Slack channel id such as C012ABCDEF').optional().describe('Slack channel where signed checkpoints are posted as an outside witness.'),
  AUDIT_PUBLIC_KEY: keyText(loadPublicKey, 'an Ed25519 public key').optional().describe('Ed25519 public key (SPKI PEM, base64 DER or raw hex) that audit:verify checks checkpoints against when the signing key is not at hand.'),
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86400).default(300).describe('How often each audit chain head is signed as a checkpoint.'),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true').describe('Deliver webhooks to loopback, private and link-local addresses too (off: only public internet addresses are called, checked on the address connected to).'),
  WEBHOOK_ALLOWED_TARGETS: webhookTargets.default([]).describe('Comma-separated host names, addresses or CIDR ranges that webhooks may reach although they are not public (an ERP on the internal network).'),
  API_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100000).default(30).describe('Failed REST API authentications one client address may make per minute; after that its API requests are answered 429 (with Retry-After) until the minute is over. Counted in PostgreSQL, across replicas.'),
  API_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1000000).default(600).describe('Requests one REST API token may make per minute; more are answered 429 with Retry-After. Counted in PostgreSQL, across replicas.'),
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(10).describe('How often the worker compares what PostgreSQL says is pending (timers, messages and webhooks to send, relayed events) with what Redis holds, and puts back what Redis lost.'),
  SLACK_CALLS_PER_SECOND: z.coerce.number().min(0.1).max(100_000).default(20).describe('Slack Web API calls per second the worker allows itself per workspace and method tier (twice that in a burst); Slack\'s 429s pause more. Raise it only against a Slack that allows more (the benchmark\'s local fake).'),
  RUN_WORKER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true').describe('Run the BullMQ worker and outbox relay inside the app process (small teams); set false when `npm run worker` runs separately.'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Log verbosity.'),
  SHUTDOWN_DRAIN_SECONDS: z.coerce.number().min(0).max(20).default(5).describe('On SIGTERM, how long /readyz answers 503 while requests are still served, so load balancers stop sending traffic before the listener closes.'),
  // Slack credentials (single-workspace or OAuth mode) and first admins: src/config/slack-mode.ts.
  ...slackModeVariables,
});
/** The settings, and which set of Slack variables selects which mode (a mixed or incomplete set is refused). */
export const envSchema = settings.superRefine(checkSlackMode, { when: () => true });
export type Env = Readonly<z.infer<typeof envSchema>>;

/** The variables the schema reads, for documentation checks (.env.example, README). */
export const ENV_VARIABLES = Object.keys(settings.shape) as (keyof typeof settings.shape)[];

/** A setting is missing or wrong. The process prints the message (one line per problem) and exits 78 (EX_CONFIG). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The process cannot start with what it was given: a database it cannot reach, a port in use, a token Slack
 * refuses. Handled like a ConfigError: one line naming the cause and the variable to look at, exit 78.
 */
export class StartupError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * An empty value means "unset", for every variable: Docker Compose passes `${X:-}` as '', and an env file
 * line `X=` is the usual way to leave something out. Required variables then read as missing.
 */
export function withoutEmptyValues(source: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].trim() !== ''));
}

/** One line per problem; a variable that is not set says so instead of zod's "expected string, received undefined". */
function describe(issues: readonly z.core.$ZodIssue[], given: Record<string, string>): string {
  const lines = issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    // A variable that is simply absent reads as such; a rule's own message (which mode needs it) is kept.
    const missing = issue.code === 'invalid_type' && typeof issue.path[0] === 'string' && !(issue.path[0] in given);
    return `  ${name}: ${missing ? 'is required but not set' : issue.message}`;
  });
  return lines.length === 1 ? `Invalid configuration: ${(lines[0] as string).trim()}` : `Invalid configuration:\n${lines.join('\n')}`;
}

/** Parses the environment once; the message names every variable that is missing or wrong. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const given = withoutEmptyValues(source);
  const result = envSchema.safeParse(given);
  if (!result.success) throw new ConfigError(describe(result.error.issues, given));
  return Object.freeze(result.data);
}

/** The subset a database-only command needs (migrate, audit tools), so they do not demand Slack secrets. */
export function loadDatabaseEnv(source: NodeJS.ProcessEnv = process.env): { DATABASE_URL: string } {
  const given = withoutEmptyValues(source);
  const result = settings.pick({ DATABASE_URL: true }).safeParse(given);
  if (!result.success) throw new ConfigError(describe(result.error.issues, given));
  return Object.freeze(result.data);
}
