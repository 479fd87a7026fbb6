/**
 * What operators rely on: liveness and readiness, Prometheus metrics that move with real traffic, and the
 * queue dashboard behind admin authentication.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../blocks/ids.ts';
import { uniqueUserId } from '../support/db.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { encodeCardAction } from '../../blocks/values.ts';
import { eventually, fileAdmin, setupTeam, submitted, type Team } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin] });
});
afterAll(async () => {
  await started.stop();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(new URL(path, started.baseUrl), { headers });

/** The value of one sample on /metrics (0 when the series does not exist yet). */
async function sample(name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await get('/metrics')).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).split(' ')[0] ?? '';
    if (wanted.every((w) => labelText.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` });

describe('health and readiness', () => {
  it('/healthz says the process is alive; /readyz checks Postgres, migrations and Redis', async () => {
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', migrations: 'ok', redis: 'ok' } });
  });

  it('/readyz answers 503 naming Redis when it cannot be reached, while /healthz stays 200', async () => {
    const noRedis = await startTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const ready = await fetch(new URL('/readyz', noRedis.baseUrl));
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('not_ready');
      expect(body.checks.postgres).toBe('ok');
      expect(body.checks.redis).not.toBe('ok');
      expect((await fetch(new URL('/healthz', noRedis.baseUrl))).status).toBe(200);
    } finally {
      await noRedis.stop();
    }
  });
});

describe('metrics', () => {
  let team: Team;
  beforeAll(async () => {
    team = await setupTeam(started);
  });

  it('counts decisions by kind, refusals by reason, Slack calls by method, 429s, and reports chain length and outbox backlog', async () => {
    const request = await submitted(started, team, { title: 'Metrics laptop', vendor: 'Acme', amount: '100', notes: 'n' });
    // No worker runs here (the outbox keeps its rows), so the click comes from where the card would be.
    const card = { value: encodeCardAction(request.id, request.stages[0]?.id ?? '', request.workflowVersion), channelId: started.slack.dmChannelFor(team.manager), ts: '1763800000.000001' };
    const approvesBefore = await sample('approvals_decisions_total', { kind: 'approve' });
    const refusedBefore = await sample('approvals_decisions_refused_total', { reason: 'not_eligible' });
    const ephemeralsBefore = await sample('approvals_slack_api_calls_total', { method: 'chat.postEphemeral', result: 'ok' });
    const limitedBefore = await sample('approvals_slack_rate_limited_total', { method: 'chat.postEphemeral' });

    // A refusal: someone who is not asked. Slack rate-limits the ephemeral reply once (the client waits and retries).
    started.slack.rateLimitNext('chat.postEphemeral', 1);
    // (From the outsider's own DM: a click always comes from the clicker's conversation with the app.)
    const outsiderClick = await started.requests.action({ teamId: team.teamId, userId: team.outsider, actionId: ACTION_IDS.approve, value: card.value, message: { channelId: started.slack.dmChannelFor(team.outsider), ts: card.ts } });
    expect(outsiderClick.status).toBe(200);
    await eventually(async () => expect(await sample('approvals_decisions_refused_total', { reason: 'not_eligible' })).toBe(refusedBefore + 1), 8000);
    await eventually(async () => expect(await sample('approvals_slack_rate_limited_total', { method: 'chat.postEphemeral' })).toBe(limitedBefore + 1), 8000);
    await eventually(async () => expect(await sample('approvals_slack_api_calls_total', { method: 'chat.postEphemeral', result: 'ok' })).toBe(ephemeralsBefore + 1), 8000);

    const managerClick = await started.requests.action({ teamId: team.teamId, userId: team.manager, actionId: ACTION_IDS.approve, value: card.value, message: { channelId: card.channelId, ts: card.ts } });
    expect(managerClick.status).toBe(200);
    await eventually(async () => expect(await sample('approvals_decisions_total', { kind: 'approve' })).toBe(approvesBefore + 1), 8000);
    expect(await sample('approvals_decision_duration_seconds_count', { result: 'recorded' })).toBeGreaterThanOrEqual(1);
    expect(await sample('approvals_http_request_duration_seconds_count', { route: '/slack/events', status: '2xx' })).toBeGreaterThanOrEqual(2);

    // Stored state read at scrape time: this team's chain has every event so far; the app has no relay, so the outbox holds rows.
    const [head] = await started.app.orm.em.fork().execute<{ seq: string }[]>('select seq from audit_chain_head where chain_id = ?', [team.teamId]);
    expect(await sample('approvals_audit_chain_length', { team: team.teamId })).toBe(Number(head?.seq));
    expect(await sample('approvals_outbox_backlog')).toBeGreaterThan(0);
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/approvals_queue_jobs\{queue="slack",state="waiting"\} \d+/);
    expect(text).toContain('approvals_process_resident_memory_bytes');
  });
});

describe('the queue dashboard at /admin/queues', () => {
  it('asks for credentials, refuses tokens without the scope or whose owner is not an admin, and serves admins', async () => {
    const team = await setupTeam(started);
    const meta = { origin: { kind: 'cli' as const, command: 'test' }, traceId: null };
    const tokens = started.app.services.apiTokens;
    const admin = await tokens.createToken({ teamId: team.teamId, ownerId: fileAdmin, name: 'ops', scopes: ['queues:admin'], createdBy: 'cli' }, meta);
    const noScope = await tokens.createToken({ teamId: team.teamId, ownerId: fileAdmin, name: 'reader', scopes: ['audit:read'], createdBy: 'cli' }, meta);
    const notAdmin = await tokens.createToken({ teamId: team.teamId, ownerId: uniqueUserId('NOTADM'), name: 'someone', scopes: ['queues:admin'], createdBy: 'cli' }, meta);

    const anonymous = await get('/admin/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await get('/admin/queues', basic('apr_not_a_real_token'))).status).toBe(401);
    const missingScope = await get('/admin/queues', basic(noScope.token));
    expect(missingScope.status).toBe(403);
    expect(await missingScope.json()).toMatchObject({ error: { message: expect.stringContaining('queues:admin') } });
    expect((await get('/admin/queues', basic(notAdmin.token))).status).toBe(403);

    const page = await get('/admin/queues', basic(admin.token));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Approval queues');
    const api = await get('/admin/queues/api/queues', { authorization: `Bearer ${admin.token}` });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['events', 'slack', 'timers', 'webhooks']);
  });
});
