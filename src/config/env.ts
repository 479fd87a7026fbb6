import { isIP } from 'node:net';
import { z } from 'zod';
import { slackUserIdSchema } from '../domain/identifiers.ts';

const slackUserIds = z
  .string()
  .transform((value) => value.split(',').map((id) => id.trim()).filter(Boolean))
  .pipe(z.array(slackUserIdSchema('each entry must be a Slack user id such as U012ABCDEF')));

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

/** Every setting the app reads, described once. Parsed at start-up; a bad value stops the process. */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('HTTP port for Slack requests, the API and health checks (0 picks a free port).'),
  DATABASE_URL: postgresUrl.describe('PostgreSQL connection URL.'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10).describe('Connections in the database pool.'),
  REDIS_URL: redisUrl.describe('Redis connection URL for BullMQ (AOF on, maxmemory-policy noeviction).'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, - or _').default('approvals').describe('Prefix of every BullMQ key in Redis, so several deployments can share one Redis.'),
  SLACK_SIGNING_SECRET: z.string().min(16, 'must be the signing secret from the Slack app settings').describe('Verifies that requests come from Slack.'),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'must be a bot token starting with xoxb-').describe('Bot token used to call the Slack Web API.'),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'must be an app-level token starting with xapp-').optional().describe('When set, the app connects over Socket Mode instead of HTTP.'),
  SLACK_API_URL: z.url().optional().describe('Base URL of the Slack Web API (GovSlack, a proxy, or a local fake in tests).'),
  APPROVAL_ADMINS: slackUserIds.default([]).describe('Comma-separated Slack user ids of the first admins.'),
  AUDIT_SIGNING_KEY: z.string().optional().describe('Ed25519 private key (PKCS#8 PEM or base64 DER) for signed audit checkpoints.'),
  AUDIT_CHANNEL_ID: z.string().regex(/^[CG][A-Z0-9]+$/).optional().describe('Slack channel where signed checkpoints are posted as an outside witness.'),
  AUDIT_PUBLIC_KEY: z.string().optional().describe('Ed25519 public key (SPKI PEM, base64 DER or raw hex) that audit:verify checks checkpoints against when the signing key is not at hand.'),
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86400).default(300).describe('How often each audit chain head is signed as a checkpoint.'),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true').describe('Deliver webhooks to loopback, private and link-local addresses too (off: only public internet addresses are called, checked on the address connected to).'),
  WEBHOOK_ALLOWED_TARGETS: webhookTargets.default([]).describe('Comma-separated host names, addresses or CIDR ranges that webhooks may reach although they are not public (an ERP on the internal network).'),
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(10).describe('How often the worker compares what PostgreSQL says is pending (timers, messages and webhooks to send, relayed events) with what Redis holds, and puts back what Redis lost.'),
  RUN_WORKER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true').describe('Run the BullMQ worker and outbox relay inside the app process (small teams); set false when `npm run worker` runs separately.'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Log verbosity.'),
});
export type Env = Readonly<z.infer<typeof envSchema>>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; the message names every variable that is missing or wrong. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}

/** The subset a database-only command needs (migrate, audit tools), so they do not demand Slack secrets. */
export function loadDatabaseEnv(source: NodeJS.ProcessEnv = process.env): { DATABASE_URL: string } {
  const result = z.object({ DATABASE_URL: postgresUrl }).safeParse(source);
  if (!result.success) throw new ConfigError(`Invalid configuration:\n  DATABASE_URL: ${result.error.issues[0]?.message ?? 'required'}`);
  return Object.freeze(result.data);
}
