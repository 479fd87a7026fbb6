import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startOutboxRelay } from '../../src/jobs/outbox-relay.ts';
import { createQueues, DEFAULT_TUNING } from '../../src/jobs/queues.ts';
import { slackOrigin, testDatabaseUrl } from '../support/db.ts';
import { cardRows, createHarness, oneStageWorkflow, postsTo, settled, waitUntil, type Harness } from './jobs-harness.ts';

let h: Harness;
let child: ChildProcess | null = null;
let proxy: Server | null = null;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = null;
  if (proxy) {
    proxy.closeAllConnections();
    await new Promise((r) => proxy?.close(r));
    proxy = null;
  }
  await h?.stop();
});

const pendingTimerCount = async (): Promise<number> =>
  Number((await h.sql<{ n: string }>('select count(*) as n from scheduled_timer where team_id = ? and done_at is null', [h.teamId]))[0]?.n);

describe('nothing is lost when Redis or a worker dies', () => {
  it('restores timers after Redis lost its data: they fire late, not never', async () => {
    h = await createHarness();
    const [requester, alice, otherRequester] = h.users('REQ', 'ALICE', 'REQ') as [string, string, string];
    await h.publish(oneStageWorkflow('access', [alice], { slaHours: 0.0006, onTimeout: 'auto_approve' })); // SLA ≈ 2.2 s
    const id = await h.submit('access', requester);
    await waitUntil(async () => (await pendingTimerCount()) === 1 && postsTo(h.fake, alice).length === 1, 10_000, 'SLA timer scheduled');
    const state = await h.services.submissions.get(h.teamId, id);
    const dueAt = Date.parse(state.stages[0]?.dueAt ?? '');

    expect(await h.wipeRedis()).toBeGreaterThan(0);
    expect(await h.runtime?.queues.queue('timers').getJob(`sla-${state.stages[0]?.id}`)).toBeFalsy();
    // A request submitted now has its timer in Redis, due after the lost one: once it has fired, the lost
    // timer's deadline has passed too, and with its job gone nothing happened.
    const control = await h.services.submissions.submit({ teamId: h.teamId, workflowKey: 'access', requesterId: otherRequester, title: 'Control', fields: { system: 'db' } }, slackOrigin(h.teamId));
    expect(Date.parse(control.stages[0]?.dueAt ?? '')).toBeGreaterThan(dueAt);
    await waitUntil(async () => (await h.services.submissions.get(h.teamId, control.id)).status === 'approved', 10_000, 'the control SLA fired');
    expect((await h.services.submissions.get(h.teamId, id)).status).toBe('in_review');

    const report = await h.runtime?.reconcileNow();
    expect(report?.restoredTimers).toBe(1);
    await waitUntil(async () => (await h.services.submissions.get(h.teamId, id)).status === 'approved', 10_000, 'late SLA fired');
    // The timer job marks its row done once the decision it made has committed, a moment after the status shows.
    await waitUntil(async () => (await pendingTimerCount()) === 0, 5000, 'the restored timer marked done');
    await waitUntil(() => postsTo(h.fake, requester).length === 2, 10_000, 'outcome notice');
  });

  it('re-enqueues relayed events whose jobs Redis lost before a worker ran them', async () => {
    h = await createHarness({ runtime: false });
    const [requester, alice] = h.users('REQ', 'ALICE') as [string, string];
    await h.publish(oneStageWorkflow('access', [alice]));
    const queues = createQueues(inject('redisUrl'), h.prefix, DEFAULT_TUNING);
    const relay = startOutboxRelay({ outbox: h.services.ledger.outbox, queues, teams: [h.teamId], pollMs: 100 });
    const id = await h.submit('access', requester);
    await waitUntil(async () => (await h.sql('select 1 from outbox where submission_id = ? and relayed_at is null', [id])).length === 0, 5000, 'relayed');
    await relay.stop();
    await queues.close();
    await h.wipeRedis();

    // The reconciler leaves rows relayed within its grace period to the jobs made for them; once that has passed
    // it puts them back (in production on its period; here as often as the test asks).
    const runtime = await h.startRuntime();
    let requeued = 0;
    await waitUntil(async () => {
      requeued += (await runtime.reconcileNow()).requeuedEvents;
      return (await h.sql('select 1 from outbox where submission_id = ? and processed_at is null', [id])).length === 0;
    }, 10_000, 'the lost events re-enqueued and processed');
    expect(requeued).toBeGreaterThanOrEqual(2);
    await waitUntil(() => postsTo(h.fake, alice).length === 1 && postsTo(h.fake, requester).length === 1, 10_000, 'cards after recovery');
    await waitUntil(async () => (await pendingTimerCount()) === 1, 5000, 'SLA timer scheduled');
  });

  it('retries a job whose worker was killed mid-job, and the reviewer ends up with one card', { timeout: 60_000 }, async () => {
    h = await createHarness({ runtime: false });
    const [requester, alice, bob] = h.users('REQ', 'ALICE', 'BOB') as [string, string, string];
    await h.publish(oneStageWorkflow('access', [alice, bob]));

    // A proxy in front of fake Slack holds alice's card post forever: the job is in flight when the worker dies.
    let releaseHeld: (() => void) | null = null;
    const held = new Promise<void>((resolve) => { releaseHeld = resolve; });
    let holding = false;
    proxy = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        if (!holding && req.url?.endsWith('/chat.postMessage') && new URLSearchParams(body).get('channel') === alice) {
          holding = true;
          releaseHeld?.();
          return; // never answered
        }
        const answer = await fetch(`${h.fake.url}${req.url?.split('/api/')[1] ?? ''}`, {
          method: 'POST', body, headers: { 'content-type': String(req.headers['content-type'] ?? ''), authorization: String(req.headers.authorization ?? '') },
        });
        res.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
        res.end(await answer.text());
      })();
    });
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api/`;

    child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', fileURLToPath(new URL('./jobs-child-worker.ts', import.meta.url))], {
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), REDIS_URL: inject('redisUrl'), SLACK_API_URL: proxyUrl, QUEUE_PREFIX: h.prefix, TEAM_ID: h.teamId },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child?.stdout?.on('data', (chunk: Buffer) => { if (chunk.toString().includes('worker ready')) resolve(); });
      child?.once('exit', (code) => reject(new Error(`child worker exited early (${code})`)));
    });

    const id = await h.submit('access', requester);
    await held;
    const [claim] = await h.sql<{ claimed_by: string | null; ts: string | null }>("select claimed_by, ts from slack_message where team_id = ? and kind = 'reviewer' and recipient_id = ?", [h.teamId, alice]);
    expect(claim?.ts).toBeNull();
    expect(claim?.claimed_by).toMatch(/^card-/);
    // Only alice's job is to be cut off: bob's and the requester's cards, which Slack answers, are let finish and
    // be recorded first. (A post cut off after Slack accepted it is the known duplicate window, counted by the fault suite.)
    await waitUntil(async () => {
      const rows = await cardRows(h, id);
      return [bob, requester].every((person) => rows.some((r) => r.recipient_id === person && r.ts !== null));
    }, 15_000, 'bob and the requester cards recorded');
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    // Another worker (here, in the test process) takes the stalled job over once the dead worker's lock expires.
    const runtime = await h.startRuntime({ claimTtlMs: 600_000 });
    await waitUntil(() => postsTo(h.fake, alice).length === 1, 25_000, 'alice card after the retry');
    // Their jobs may have been active in the killed worker too: they wait for the same lock expiry as alice's.
    await waitUntil(() => postsTo(h.fake, bob).length === 1 && postsTo(h.fake, requester).length === 1, 25_000, 'other cards');
    // Under load the job may still be finishing (recording the ts) just after Slack accepted the post.
    await waitUntil(async () => (await runtime.queues.queue('slack').getJob(String(claim?.claimed_by)))?.finishedOn, 15_000, 'the retried job to finish');
    await settled(h);
    expect(postsTo(h.fake, alice)).toHaveLength(1);
    expect(postsTo(h.fake, bob)).toHaveLength(1);
    const job = await runtime.queues.queue('slack').getJob(String(claim?.claimed_by));
    expect(job?.attemptsStarted).toBeGreaterThanOrEqual(2);
    expect(await job?.getState()).toBe('completed');
    const rows = await cardRows(h, id);
    expect(rows.filter((r) => r.recipient_id === alice)).toEqual([expect.objectContaining({ kind: 'reviewer', ts: expect.any(String) })]);
  });
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
