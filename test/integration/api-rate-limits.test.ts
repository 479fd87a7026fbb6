import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiScope } from '../../src/domain/index.ts';
import { SYSTEM_CHAIN_ID } from '../../src/http/api/index.ts';
import { createTestApp, slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { startTestApi, testEnv } from '../support/proof.ts';

type Api = Awaited<ReturnType<typeof startTestApi>>;
let replicaA: Api;
let replicaB: Api;
const teamId = uniqueTeamId();
const owner = uniqueUserId('OWN');
const admin = uniqueUserId('ADM');
const FAILURES_PER_MINUTE = 5;
const REQUESTS_PER_MINUTE = 5;

/** Two app processes on one database, as two replicas behind a load balancer. */
beforeAll(async () => {
  const env = testEnv({ APPROVAL_ADMINS: admin, API_AUTH_FAILURES_PER_MINUTE: String(FAILURES_PER_MINUTE), API_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE) });
  replicaA = await startTestApi(env);
  replicaB = await startTestApi(env);
});
afterAll(async () => {
  await replicaA.stop();
  await replicaB.stop();
});

let nextAddress = 10;
/** Each test calls from its own loopback address (127.0.0.N), so each is its own client address to the limits. */
const newSource = (): string => `127.0.0.${nextAddress++}`;

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: { error?: { code: string } } }
function callFrom(app: Api, source: string, path: string, bearer: string | null, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: app.port, path, method: 'GET', localAddress: source, headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer['body'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

const randomToken = (): string => `apr_${teamId}_${randomBytes(32).toString('base64url')}`;
const token = async (scopes: ApiScope[]) => (await replicaA.services.apiTokens.createToken({ teamId, ownerId: owner, name: 'limits', scopes, createdBy: admin }, slackOrigin(teamId))).token;

/** A run of requests that must fall in one minute window: start it a fresh window if this one is nearly over. */
async function withinOneWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 8000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

interface EventRow { type: string; reason: string | null; trace_id: string | null; details: Record<string, unknown> }
const eventsFrom = (chainId: string, types: string[], source: string) => replicaA.orm.em.fork().execute<EventRow[]>(
  `select type, reason, trace_id, details from audit_event where chain_id = ? and type in (${types.map(() => '?').join(', ')})
     and (details->>'ip' like ? or details->>'source' like ?) order by seq`,
  [chainId, ...types, `%${source}`, `%${source}`],
);

describe('failed authentications', () => {
  it('are limited per client address across replicas (429 with Retry-After) and recorded as counts, not a row each', async () => {
    await withinOneWindow();
    const source = newSource();
    const answers: Answer[] = [];
    // Alternating replicas: the limit is one count in PostgreSQL, not one per process.
    for (let i = 0; i < 12; i++) answers.push(await callFrom(i % 2 ? replicaB : replicaA, source, '/api/v1/queue', randomToken()));
    expect(answers.map((a) => a.status)).toEqual([...Array<number>(FAILURES_PER_MINUTE).fill(401), ...Array<number>(12 - FAILURES_PER_MINUTE).fill(429)]);
    const limited = answers.at(-1) as Answer;
    expect(limited.body.error?.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // While the address is throttled even a valid token is refused: its token is not even looked at.
    expect((await callFrom(replicaA, source, '/api/v1/queue', await token(['submissions:read']))).status).toBe(429);
    // Another address is not affected.
    expect((await callFrom(replicaA, newSource(), '/api/v1/queue', randomToken())).status).toBe(401);

    // 13 attempts, one row in the trail so far: the first, with the trace id the caller was answered with.
    const first = await eventsFrom(SYSTEM_CHAIN_ID, ['api.auth_failed'], source);
    expect(first).toHaveLength(1);
    expect(first[0]?.trace_id).toBe(answers[0]?.headers['x-request-id']);

    // Both replicas stop; the counts are in PostgreSQL, so whoever closes the window (a worker) loses none.
    await replicaA.stop();
    await replicaB.stop();
    const worker = await createTestApp();
    try {
      expect((await worker.services.apiLimits.closeWindows(new Date(Date.now() + 60_000))).events).toBeGreaterThanOrEqual(1);
      const counted = await eventsFrom(SYSTEM_CHAIN_ID, ['api.auth_failures_counted'], source);
      expect(counted).toHaveLength(1);
      expect(counted[0]?.details).toMatchObject({ failures: 13, recordedBefore: 1, reasons: { unknown: FAILURES_PER_MINUTE, throttled: 13 - FAILURES_PER_MINUTE } });
      // Closing again records nothing twice.
      await worker.services.apiLimits.closeWindows(new Date(Date.now() + 60_000));
      expect(await eventsFrom(SYSTEM_CHAIN_ID, ['api.auth_failures_counted'], source)).toHaveLength(1);
    } finally {
      await worker.orm.close();
      const env = testEnv({ APPROVAL_ADMINS: admin, API_AUTH_FAILURES_PER_MINUTE: String(FAILURES_PER_MINUTE), API_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE) });
      replicaA = await startTestApi(env);
      replicaB = await startTestApi(env);
    }
  });
});

describe('the per-token limit', () => {
  it('answers 429 with Retry-After once a token made its requests of the minute, on any replica, and leaves other tokens alone', async () => {
    await withinOneWindow();
    const source = newSource();
    const busy = await token(['submissions:read']);
    const statuses: number[] = [];
    for (let i = 0; i < REQUESTS_PER_MINUTE + 2; i++) statuses.push((await callFrom(i % 2 ? replicaB : replicaA, source, '/api/v1/queue', busy)).status);
    expect(statuses).toEqual([...Array<number>(REQUESTS_PER_MINUTE).fill(200), 429, 429]);
    const limited = await callFrom(replicaA, source, '/api/v1/queue', busy);
    expect(limited.body.error?.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await callFrom(replicaA, source, '/api/v1/queue', await token(['submissions:read']))).status).toBe(200);
  });

  it('is documented in the OpenAPI document: 429 with Retry-After on every operation that takes a token', async () => {
    const doc = (await (await fetch(`${replicaA.url}/api/v1/openapi.json`)).json()) as { info: { description: string }; paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, { headers?: Record<string, unknown> }> }>> };
    expect(doc.info.description).toContain('API_REQUESTS_PER_MINUTE');
    for (const operations of Object.values(doc.paths)) {
      for (const operation of Object.values(operations)) {
        if (operation.security.length === 0) continue;
        expect(operation.responses['429']?.headers).toHaveProperty('Retry-After');
      }
    }
  });
});

describe('trace ids', () => {
  it('the x-request-id the API answers with is the trace id of the events the request caused, whatever the caller sent', async () => {
    const source = newSource();
    const auditor = await token(['audit:read']);
    const readTrace = async (headers: Record<string, string>) => {
      const answer = await callFrom(replicaA, source, '/api/v1/audit?limit=1', auditor, headers);
      expect(answer.status).toBe(200);
      const [row] = await replicaA.orm.em.fork().execute<{ trace_id: string }[]>(
        `select trace_id from audit_event where chain_id = ? and type = 'api.audit_read' order by seq desc limit 1`, [teamId]);
      return { answered: answer.headers['x-request-id'], recorded: row?.trace_id };
    };
    const none = await readTrace({});
    expect(none.recorded).toBe(none.answered);
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    const w3c = await readTrace({ traceparent });
    expect(w3c.answered).toBe(traceparent.split('-')[1]);
    expect(w3c.recorded).toBe(w3c.answered);
    const given = await readTrace({ 'x-request-id': 'caller-chosen-id-123' });
    expect(given).toEqual({ answered: 'caller-chosen-id-123', recorded: 'caller-chosen-id-123' });
  });
});
