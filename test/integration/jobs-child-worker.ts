/**
 * A worker process for jobs-recovery.test.ts to kill with SIGKILL in the middle of a job. It runs the same
 * runtime as `npm run worker`, scoped to one test workspace and queue prefix, with short locks.
 */
import { randomUUID } from 'node:crypto';
import { createOrm } from '../../src/db/orm.ts';
import { startWorkerRuntime } from '../../src/jobs/runtime.ts';
import { createSlackClient } from '../../src/jobs/slack-client.ts';
import { createServices, type ServiceDeps } from '../../src/services/index.ts';

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const orm = await createOrm({ databaseUrl: need('DATABASE_URL'), poolSize: 4 });
const deps: ServiceDeps = { orm, clock: () => new Date(), newId: randomUUID, bootstrapAdmins: [] };
await startWorkerRuntime({
  redisUrl: need('REDIS_URL'),
  services: createServices(deps),
  deps,
  slackClient: createSlackClient('xoxb-child-worker', need('SLACK_API_URL')),
  queuePrefix: need('QUEUE_PREFIX'),
  teams: [need('TEAM_ID')],
  tuning: { retryBaseMs: 100, lockDurationMs: 2000, stalledIntervalMs: 1000, relayPollMs: 250, claimTtlMs: 60_000 },
});
console.log('worker ready');
