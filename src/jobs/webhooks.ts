import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { WorkerContext } from './context.ts';
import { loadCardInput } from './render.ts';
import type { JobData } from './registry.ts';

/**
 * Outgoing webhooks. Each POST carries
 *   X-Approvals-Delivery: <delivery id>            (the same across retries: receivers dedupe on it)
 *   X-Approvals-Timestamp: <unix seconds>
 *   X-Approvals-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * The secret is per (workspace, workflow, url), created when the workflow is published; admins read and rotate
 * it through the API (services.webhooks). Receivers should reject timestamps more than five minutes off; the
 * scheme and a verification snippet are in docs/webhooks.md.
 */
export const SIGNATURE_HEADER = 'x-approvals-signature';
export const TIMESTAMP_HEADER = 'x-approvals-timestamp';
export const DELIVERY_HEADER = 'x-approvals-delivery';

export function signWebhook(secret: string, timestampSec: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex');
  return `t=${timestampSec},v1=${mac}`;
}

/** For receivers (and tests): true when the header signs this body with this secret, recently enough. */
export function verifyWebhookSignature(secret: string, header: string, body: string, nowSec = Math.floor(Date.now() / 1000), toleranceSec = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSec - t) > toleranceSec || !parts.v1) return false;
  const expected = Buffer.from(signWebhook(secret, t, body).split('v1=')[1] ?? '', 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Responses worth retrying: the receiver is busy or broken for now. Other 4xx mean the request itself is refused. */
const retryable = (status: number): boolean => status >= 500 || status === 408 || status === 409 || status === 425 || status === 429;

/** One delivery attempt; throws to retry (BullMQ backoff), UnrecoverableError when retrying cannot help. */
export async function handleWebhookJob(ctx: WorkerContext, job: JobData<'webhooks', 'deliver'>, attempt: number, lastAttempt: boolean): Promise<void> {
  const input = await loadCardInput(ctx, job.teamId, job.submissionId);
  if (!input) return;
  const { submission: state } = input;
  const secret = await ctx.services.ledger.webhookSecret(job.teamId, job.workflowKey, job.url);
  const body = JSON.stringify({
    id: job.deliveryId,
    event: `submission.${job.event}`,
    teamId: state.teamId,
    workflow: { key: state.workflowKey, version: state.workflowVersion },
    submission: {
      id: state.id, title: state.title, status: state.status, requesterId: state.requesterId, entityKey: state.entityKey,
      fields: state.fields, createdAt: state.createdAt, closedAt: state.closedAt,
    },
    stages: state.stages.map((s) => ({
      stageId: s.stageId, name: s.name, status: s.status,
      decisions: s.decisions.map((d) => ({ kind: d.kind, actorId: d.actorId, principalId: d.principalId, reason: d.reason, at: d.at })),
    })),
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  let status: number | null = null;
  let error: string | null = null;
  // A refused target or a redirect will be the same on every retry: recorded once, then given up on.
  let permanent = false;
  try {
    const answer = await ctx.webhooks.post(job.url, {
      'content-type': 'application/json',
      'user-agent': 'approvals-webhook/1',
      [DELIVERY_HEADER]: job.deliveryId,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
    }, body, ctx.tuning.webhookTimeoutMs);
    if (answer.kind === 'refused') {
      error = `refused: ${answer.reason}`;
      permanent = true;
    } else {
      status = answer.status;
      if (answer.kind === 'redirect') {
        error = `HTTP ${answer.status} redirect to ${answer.location || '(no location)'} not followed: webhooks are delivered to the URL as configured`;
        permanent = true;
      } else if (answer.status < 200 || answer.status >= 300) {
        error = `HTTP ${answer.status}`;
        permanent = !retryable(answer.status);
      }
    }
  } catch (cause) {
    error = cause instanceof Error ? cause.message : String(cause);
  }
  await ctx.services.ledger.recordWebhookAttempt({
    teamId: job.teamId, deliveryId: job.deliveryId, submissionId: job.submissionId, workflowKey: job.workflowKey, event: job.event,
    url: job.url, attempt, statusCode: status, error, durationMs: Math.round(performance.now() - started), succeeded: error === null,
  });
  if (error === null) return;
  if (permanent || lastAttempt) {
    await ctx.services.ledger.recordWebhookFailure(job, error);
    throw new UnrecoverableError(`webhook ${job.url}: ${error}`);
  }
  throw new Error(`webhook ${job.url}: ${error}`);
}
