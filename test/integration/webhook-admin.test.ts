/**
 * Admins see a workflow's webhook secrets and each delivery attempt's status code through the API, and rotate
 * a secret; deliveries verify with the snippet in docs/webhooks.md, with the new secret once it is rotated.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiScope } from '../../src/domain/index.ts';
import { apiClient } from '../support/api-client.ts';
import { slackOrigin, uniqueUserId } from '../support/db.ts';
import { startTestApi, testEnv } from '../support/proof.ts';
import { webhookTargetPolicy } from '../../src/jobs/webhook-targets.ts';
import { auditTypes, createHarness, oneStageWorkflow, waitUntil, type Harness } from './jobs-harness.ts';

type Verify = (secret: string, headers: IncomingHttpHeaders, rawBody: string | Buffer, nowSeconds?: number) => boolean;
interface Received { headers: IncomingHttpHeaders; body: string }

let h: Harness;
let api: Awaited<ReturnType<typeof startTestApi>>;
let receiver: Server;
let dir: string;
let verify: Verify;
const received: Received[] = [];
const answers: number[] = [500];
const call = apiClient(() => api.url);
const tokens: Record<string, string> = {};

beforeAll(async () => {
  // The receiver's check is the one the docs give, run as written.
  dir = await mkdtemp(join(tmpdir(), 'webhook-docs-'));
  const docs = await readFile(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
  const snippet = /```js\n([\s\S]*?)```/.exec(docs)?.[1];
  if (!snippet) throw new Error('docs/webhooks.md has no js snippet');
  await writeFile(join(dir, 'verify.mjs'), snippet);
  verify = ((await import(pathToFileURL(join(dir, 'verify.mjs')).href)) as { verifyApprovalsWebhook: Verify }).verifyApprovalsWebhook;

  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  // The receiver is a local test server: delivering to it needs private targets allowed.
  h = await createHarness({ webhookTargets: webhookTargetPolicy(true, []) });
  api = await startTestApi(testEnv({ APPROVAL_ADMINS: h.admin }));
  const token = async (owner: string, scopes: ApiScope[]) => (await api.services.apiTokens.createToken({ teamId: h.teamId, ownerId: owner, name: 'webhooks', scopes, createdBy: h.admin }, slackOrigin(h.teamId))).token;
  tokens.admin = await token(h.admin, ['workflows:write']);
  tokens.other = await token(uniqueUserId('NOTADM'), ['workflows:write']);
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
  await api.stop();
  await h.stop();
  await rm(dir, { recursive: true, force: true });
});

const hookUrl = () => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/erp`;

async function approveOne(alice: string, requester: string): Promise<string> {
  const id = await h.submit('access', requester);
  await h.services.decisions.decide({ teamId: h.teamId, submissionId: id, actorId: alice, kind: 'approve', idempotencyKey: `wa-${id}` }, slackOrigin(h.teamId));
  return id;
}

describe('webhook secrets and attempts for admins', () => {
  it('shows the secret deliveries are signed with and every attempt\'s status code; rotating it signs the next deliveries with the new one', async () => {
    const [requester, alice] = h.users('REQ', 'ALICE') as [string, string];
    await h.publish(oneStageWorkflow('access', [alice], {}, { webhooks: [{ url: hookUrl(), events: ['approved'] }] }));
    const first = await approveOne(alice, requester);
    await waitUntil(() => received.length === 2, 15_000, 'a failed attempt and its retry');

    const listed = await call('GET', '/api/v1/workflows/access/webhooks', tokens.admin as string);
    expect(listed.status).toBe(200);
    const [hook] = listed.body.webhooks;
    expect(hook).toMatchObject({ url: hookUrl(), events: ['approved'], secret: expect.stringMatching(/^whsec_/) });
    for (const delivery of received) {
      expect(verify(hook.secret, delivery.headers, delivery.body)).toBe(true);
      expect(verify('whsec_someone-else', delivery.headers, delivery.body)).toBe(false);
      expect(verify(hook.secret, delivery.headers, delivery.body.replace('approved', 'rejected'))).toBe(false);
      expect(verify(hook.secret, delivery.headers, delivery.body, Number(delivery.headers['x-approvals-timestamp']) + 301)).toBe(false);
    }
    await waitUntil(async () => (await call('GET', '/api/v1/workflows/access/webhooks', tokens.admin as string)).body.webhooks[0].recentAttempts.length === 2, 5000, 'attempts recorded');
    const again = await call('GET', '/api/v1/workflows/access/webhooks', tokens.admin as string);
    expect(again.body.webhooks[0].recentAttempts.map((a: { attempt: number; statusCode: number; succeeded: boolean }) => [a.attempt, a.statusCode, a.succeeded])).toEqual([[2, 200, true], [1, 500, false]]);

    const rotated = await call('POST', '/api/v1/workflows/access/webhooks/rotate-secret', tokens.admin as string, { url: hookUrl() });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(await auditTypes(h)).toContain('webhook.secret_rotated');
    expect(JSON.stringify(await h.sql("select details from audit_event where chain_id = ? and type = 'webhook.secret_rotated'", [h.teamId]))).not.toContain(rotated.body.secret);

    const second = await approveOne(alice, requester);
    await waitUntil(() => received.length === 3, 15_000, 'the next delivery');
    const latest = received[2] as Received;
    expect(JSON.parse(latest.body)).toMatchObject({ submission: { id: second } });
    expect(verify(rotated.body.secret, latest.headers, latest.body)).toBe(true);
    expect(verify(hook.secret, latest.headers, latest.body)).toBe(false);

    await waitUntil(async () => (await call('GET', '/api/v1/workflows/access/webhooks/deliveries', tokens.admin as string)).body.attempts.length === 3, 5000, 'three attempts');
    const forFirst = await call('GET', `/api/v1/workflows/access/webhooks/deliveries?submission=${first}`, tokens.admin as string);
    expect(forFirst.body.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([200, 500]);
  });

  it('refuses non-admins, unknown workflows and URLs that are not the workflow\'s, changing nothing', async () => {
    expect((await call('GET', '/api/v1/workflows/access/webhooks', tokens.other as string)).status).toBe(403);
    expect((await call('POST', '/api/v1/workflows/access/webhooks/rotate-secret', tokens.other as string, { url: hookUrl() })).status).toBe(403);
    expect((await call('GET', '/api/v1/workflows/nothing-here/webhooks', tokens.admin as string)).status).toBe(404);
    const stranger = await call('POST', '/api/v1/workflows/access/webhooks/rotate-secret', tokens.admin as string, { url: 'https://elsewhere.example.com/hook' });
    expect(stranger.status).toBe(404);
    expect(stranger.body.error.fields).toHaveProperty('url');
    expect((await call('POST', '/api/v1/workflows/access/webhooks/rotate-secret', tokens.admin as string, { url: 'not a url' })).status).toBe(400);
  });
});
