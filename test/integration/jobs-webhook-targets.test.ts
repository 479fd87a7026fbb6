import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookTargetPolicy, type WebhookTargetPolicy } from '../../src/jobs/webhook-targets.ts';
import { auditTypes, createHarness, oneStageWorkflow, sleep, waitUntil, type Harness } from './jobs-harness.ts';

let h: Harness | null = null;
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  await h?.stop();
  h = null;
});

/** A receiver on 127.0.0.1 answering every call with `status` (and `location`, for a redirect). */
async function receiver(status = 200, location?: string): Promise<{ port: number; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(req.url ?? '/');
    req.resume();
    req.on('end', () => res.writeHead(status, location ? { location } : {}).end('ok'));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, calls };
}

/** Publishes a workflow with one webhook on withdrawal, withdraws a request, and waits for its webhook.failed event. */
async function deliverOnce(url: string, webhookTargets?: WebhookTargetPolicy): Promise<{ harness: Harness; submissionId: string }> {
  const harness = await createHarness(webhookTargets ? { webhookTargets } : {});
  h = harness;
  const [requester, alice] = harness.users('REQ', 'ALICE') as [string, string];
  await harness.publish(oneStageWorkflow('access', [alice], {}, { webhooks: [{ url, events: ['withdrawn'] }] }));
  const submissionId = await harness.submit('access', requester);
  await harness.services.decisions.decide({ kind: 'withdraw', teamId: harness.teamId, submissionId, actorId: requester, reason: 'not needed' }, { origin: { kind: 'slack', teamId: harness.teamId } });
  return { harness, submissionId };
}

async function failedOnce(harness: Harness, submissionId: string) {
  await waitUntil(async () => (await auditTypes(harness, submissionId)).includes('webhook.failed'), 10_000, 'webhook.failed audited');
  await sleep(400); // a retry would come after FAST's 100 ms backoff
  const attempts = await harness.services.delivery.webhookDeliveries(harness.teamId, harness.admin, { submissionId });
  const [event] = await harness.sql<{ reason: string }>("select reason from audit_event where chain_id = ? and submission_id = ? and type = 'webhook.failed'", [harness.teamId, submissionId]);
  return { attempts, reason: event?.reason ?? '' };
}

describe('webhooks to addresses inside the deployment', () => {
  it('are refused by default: a failed attempt with the reason, shown to admins, audited, not retried', async () => {
    const inside = await receiver();
    const { harness, submissionId } = await deliverOnce(`http://127.0.0.1:${inside.port}/hook`);
    const { attempts, reason } = await failedOnce(harness, submissionId);
    expect(inside.calls).toEqual([]);
    expect(attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: null, succeeded: false, error: expect.stringMatching(/^refused: 127\.0\.0\.1 is a loopback address: webhooks to addresses outside the public internet are refused \(WEBHOOK_ALLOW_PRIVATE_TARGETS, WEBHOOK_ALLOWED_TARGETS\)$/) })]);
    expect(reason).toBe(attempts[0]?.error);
  });

  it('are refused when a host name resolves to loopback, checked on the address connected to', async () => {
    const inside = await receiver();
    const { harness, submissionId } = await deliverOnce(`http://localhost:${inside.port}/hook`);
    const { attempts } = await failedOnce(harness, submissionId);
    expect(inside.calls).toEqual([]);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
  });

  it('never follow a redirect, here from an allowed host to loopback', async () => {
    const inside = await receiver();
    const hop = await receiver(307, `http://127.0.0.1:${inside.port}/inside`);
    // Only the host name localhost is allowed; 127.0.0.1 itself is not.
    const { harness, submissionId } = await deliverOnce(`http://localhost:${hop.port}/hook`, webhookTargetPolicy(false, ['localhost']));
    const { attempts } = await failedOnce(harness, submissionId);
    expect(hop.calls).toEqual(['/hook']);
    expect(inside.calls).toEqual([]);
    expect(attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 307, succeeded: false, error: `HTTP 307 redirect to http://127.0.0.1:${inside.port}/inside not followed: webhooks are delivered to the URL as configured` })]);
  });

  it('are delivered when the address is in WEBHOOK_ALLOWED_TARGETS, or with WEBHOOK_ALLOW_PRIVATE_TARGETS=true', async () => {
    for (const policy of [webhookTargetPolicy(false, ['127.0.0.0/8']), webhookTargetPolicy(true, [])]) {
      const inside = await receiver();
      const { harness, submissionId } = await deliverOnce(`http://127.0.0.1:${inside.port}/hook`, policy);
      await waitUntil(async () => (await harness.services.delivery.webhookDeliveries(harness.teamId, harness.admin, { submissionId })).length === 1, 10_000, 'attempt recorded');
      expect(inside.calls).toEqual(['/hook']);
      expect(await harness.services.delivery.webhookDeliveries(harness.teamId, harness.admin, { submissionId })).toEqual([expect.objectContaining({ statusCode: 200, succeeded: true, error: null })]);
      await harness.stop();
      h = null;
    }
  });
});
