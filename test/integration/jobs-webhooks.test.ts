import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../../src/jobs/webhooks.ts';
import { slackOrigin } from '../support/db.ts';
import { webhookTargetPolicy } from '../../src/jobs/webhook-targets.ts';
import { auditTypes, createHarness, oneStageWorkflow, waitUntil, type Harness } from './jobs-harness.ts';

/** The receivers here listen on 127.0.0.1, which webhooks reach only with WEBHOOK_ALLOW_PRIVATE_TARGETS=true. */
const allowPrivate = webhookTargetPolicy(true, []);

let h: Harness;
let receiver: Server | null = null;
afterEach(async () => {
  receiver?.closeAllConnections();
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  receiver = null;
  await h?.stop();
});

interface Received { path: string; headers: IncomingHttpHeaders; body: string }

/** A downstream system: records each call and answers with the next status from `statuses` (then 200). */
async function startReceiver(statuses: Record<string, number[]>): Promise<{ url: (path: string) => string; received: Received[] }> {
  const received: Received[] = [];
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statuses[path]?.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver?.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  return { url: (path) => `http://127.0.0.1:${port}${path}`, received };
}

describe('outgoing webhooks', () => {
  it('posts a signed payload for the events a webhook asks for, retrying after a failure, every attempt recorded', async () => {
    h = await createHarness({ webhookTargets: allowPrivate });
    const [requester, alice] = h.users('REQ', 'ALICE') as [string, string];
    const downstream = await startReceiver({ '/erp': [500] });
    const erp = downstream.url('/erp');
    const audit = downstream.url('/only-rejections');
    await h.publish(oneStageWorkflow('access', [alice], {}, { webhooks: [{ url: erp, events: ['approved'] }, { url: audit, events: ['rejected', 'withdrawn'] }] }));
    const id = await h.submit('access', requester);
    await h.services.decisions.decide({ teamId: h.teamId, submissionId: id, actorId: alice, kind: 'approve', idempotencyKey: `w-${id}` }, slackOrigin(h.teamId));

    await waitUntil(() => downstream.received.length === 2, 10_000, 'two attempts');
    const secret = await h.services.delivery.webhookSecret(h.teamId, h.admin, 'access', erp);
    expect(secret).toMatch(/^whsec_/);
    for (const call of downstream.received) {
      expect(call.path).toBe('/erp');
      expect(verifyWebhookSignature(secret, String(call.headers[SIGNATURE_HEADER]), call.body)).toBe(true);
      expect(String(call.headers[SIGNATURE_HEADER])).toMatch(new RegExp(`^t=${String(call.headers[TIMESTAMP_HEADER])},v1=[0-9a-f]{64}$`));
      // A tampered body or another secret does not verify.
      expect(verifyWebhookSignature(secret, String(call.headers[SIGNATURE_HEADER]), call.body.replace('approved', 'rejected'))).toBe(false);
      expect(verifyWebhookSignature('whsec_other', String(call.headers[SIGNATURE_HEADER]), call.body)).toBe(false);
    }
    const [first, second] = downstream.received;
    expect(first?.headers[DELIVERY_HEADER]).toBe(second?.headers[DELIVERY_HEADER]);
    expect(JSON.parse(second?.body ?? '{}')).toMatchObject({ event: 'submission.approved', submission: { id, status: 'approved', requesterId: requester }, workflow: { key: 'access', version: 1 } });

    await waitUntil(async () => (await h.services.delivery.webhookDeliveries(h.teamId, h.admin)).length === 2, 5000, 'attempts recorded');
    const attempts = await h.services.delivery.webhookDeliveries(h.teamId, h.admin, { submissionId: id });
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.succeeded]).sort()).toEqual([[1, 500, false], [2, 200, true]]);
    expect(downstream.received.some((c) => c.path === '/only-rejections')).toBe(false);
    await expect(h.services.delivery.webhookDeliveries(h.teamId, alice)).rejects.toThrow(/admins/);
  });

  it('gives up at once on a refusing receiver and records the failure in the audit trail', async () => {
    h = await createHarness({ webhookTargets: allowPrivate });
    const [requester, alice] = h.users('REQ', 'ALICE') as [string, string];
    const downstream = await startReceiver({ '/gone': [410, 410, 410] });
    await h.publish(oneStageWorkflow('access', [alice], {}, { webhooks: [{ url: downstream.url('/gone'), events: ['withdrawn'] }] }));
    const id = await h.submit('access', requester);
    await h.services.decisions.decide({ kind: 'withdraw', teamId: h.teamId, submissionId: id, actorId: requester, reason: 'not needed' }, slackOrigin(h.teamId));

    await waitUntil(async () => (await auditTypes(h, id)).includes('webhook.failed'), 10_000, 'webhook.failed audited');
    expect(downstream.received).toHaveLength(1);
    expect(JSON.parse(downstream.received[0]?.body ?? '{}')).toMatchObject({ event: 'submission.withdrawn' });
    const attempts = await h.services.delivery.webhookDeliveries(h.teamId, h.admin);
    expect(attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 410, succeeded: false, error: 'HTTP 410' })]);
  });
});
